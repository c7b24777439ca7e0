// Builds tar streams in tests with libarchive's writer (PAX format), plus
// gzip/zstd compression and an independent SHA-256, for unpacker tests.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace ucr::testing {

constexpr int64_t kTestMtime = 1577836800;  // 2020-01-01T00:00:00Z

struct TarEntry {
  std::string name;
  mode_t type = 0100000;  // S_IFREG, S_IFDIR, S_IFLNK, S_IFCHR, S_IFBLK, S_IFIFO
  mode_t perm = 0644;
  int64_t uid = 0, gid = 0;
  int64_t mtime = kTestMtime;
  std::string data;      // regular file content
  std::string link;      // symlink target
  std::string hardlink;  // hard link target (makes this a hard link entry)
  unsigned dev_major = 0, dev_minor = 0;
  std::map<std::string, std::string> xattrs;
  // Sparse file: only these {offset, length} regions of `data` (the whole
  // logical content) are stored; the rest must be zeros.
  int64_t size = -1;  // unused unless set: overrides data.size() in the header
  std::vector<std::pair<int64_t, int64_t>> sparse;
};

class TarBuilder {
 public:
  TarBuilder& Add(TarEntry e);
  TarBuilder& File(const std::string& name, const std::string& data, mode_t perm = 0644);
  TarBuilder& Dir(const std::string& name, mode_t perm = 0755);
  TarBuilder& Symlink(const std::string& name, const std::string& target);
  TarBuilder& Hardlink(const std::string& name, const std::string& target);
  // The PAX tar stream, including libarchive's end-of-archive blocks and padding.
  std::string Build() const;

 private:
  std::vector<TarEntry> entries_;
};

std::string GzipCompress(const std::string& data);
std::string ZstdCompress(const std::string& data);
std::string Sha256Digest(const std::string& data);  // "sha256:<hex>" via one-shot EVP

}  // namespace ucr::testing
