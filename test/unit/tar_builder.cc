#include "test/unit/tar_builder.h"

#include <archive.h>
#include <archive_entry.h>
#include <openssl/evp.h>
#include <sys/stat.h>
#include <zlib.h>
#include <zstd.h>

#include <stdexcept>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

namespace ucr::testing {
namespace {

la_ssize_t AppendToString(archive*, void* out, const void* buf, size_t len) {
  static_cast<std::string*>(out)->append(static_cast<const char*>(buf), len);
  return static_cast<la_ssize_t>(len);
}

void Check(int rc, archive* a, const char* what) {
  if (rc < ARCHIVE_WARN) throw std::runtime_error(absl::StrCat(what, ": ", archive_error_string(a)));
}

}  // namespace

TarBuilder& TarBuilder::Add(TarEntry e) {
  entries_.push_back(std::move(e));
  return *this;
}
TarBuilder& TarBuilder::File(const std::string& name, const std::string& data, mode_t perm) {
  return Add({.name = name, .perm = perm, .data = data});
}
TarBuilder& TarBuilder::Dir(const std::string& name, mode_t perm) {
  return Add({.name = name, .type = S_IFDIR, .perm = perm});
}
TarBuilder& TarBuilder::Symlink(const std::string& name, const std::string& target) {
  return Add({.name = name, .type = S_IFLNK, .perm = 0777, .link = target});
}
TarBuilder& TarBuilder::Hardlink(const std::string& name, const std::string& target) {
  return Add({.name = name, .hardlink = target});
}

std::string TarBuilder::Build() const {
  std::string out;
  archive* a = archive_write_new();
  archive_write_set_format_pax(a);
  Check(archive_write_open(a, &out, nullptr, &AppendToString, nullptr), a, "open");
  for (const TarEntry& t : entries_) {
    archive_entry* e = archive_entry_new();
    archive_entry_copy_pathname(e, t.name.c_str());
    archive_entry_set_filetype(e, t.type);
    archive_entry_set_perm(e, t.perm);
    archive_entry_set_uid(e, t.uid);
    archive_entry_set_gid(e, t.gid);
    archive_entry_set_mtime(e, t.mtime, 0);
    if (!t.link.empty()) archive_entry_copy_symlink(e, t.link.c_str());
    if (!t.hardlink.empty()) archive_entry_copy_hardlink(e, t.hardlink.c_str());
    if (t.type == S_IFCHR || t.type == S_IFBLK) {
      archive_entry_set_rdevmajor(e, t.dev_major);
      archive_entry_set_rdevminor(e, t.dev_minor);
    }
    for (const auto& [k, v] : t.xattrs) archive_entry_xattr_add_entry(e, k.c_str(), v.data(), v.size());
    bool has_data = t.type == S_IFREG && t.hardlink.empty();
    archive_entry_set_size(e, has_data ? static_cast<la_int64_t>(t.size >= 0 ? t.size : t.data.size()) : 0);
    for (const auto& [offset, length] : t.sparse) archive_entry_sparse_add_entry(e, offset, length);
    Check(archive_write_header(a, e), a, "write header");
    if (has_data && !t.data.empty()) {
      if (archive_write_data(a, t.data.data(), t.data.size()) < 0) Check(ARCHIVE_FATAL, a, "write data");
    }
    archive_entry_free(e);
  }
  Check(archive_write_close(a), a, "close");
  archive_write_free(a);
  return out;
}

std::string GzipCompress(const std::string& data) {
  z_stream z{};
  deflateInit2(&z, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&z, data.size()) + 64, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  if (deflate(&z, Z_FINISH) != Z_STREAM_END) throw std::runtime_error("deflate");
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

std::string ZstdCompress(const std::string& data) {
  std::string out(ZSTD_compressBound(data.size()), '\0');
  size_t n = ZSTD_compress(out.data(), out.size(), data.data(), data.size(), 3);
  if (ZSTD_isError(n)) throw std::runtime_error("zstd");
  out.resize(n);
  return out;
}

std::string Sha256Digest(const std::string& data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), md, &len, EVP_sha256(), nullptr);
  return absl::StrCat("sha256:", absl::BytesToHexString(absl::string_view(reinterpret_cast<char*>(md), len)));
}

}  // namespace ucr::testing
