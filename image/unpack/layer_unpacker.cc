#include "image/unpack/layer_unpacker.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <openssl/evp.h>

#include <memory>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "common/status.h"
#include "image/unpack/decompressor.h"
#include "image/unpack/entry_writer.h"

namespace ucr::image {

absl::StatusOr<Compression> CompressionForMediaType(absl::string_view media_type) {
  struct Known {
    absl::string_view type;
    Compression compression;
  };
  static constexpr Known kKnown[] = {
      {"application/vnd.oci.image.layer.v1.tar", Compression::kNone},
      {"application/vnd.oci.image.layer.v1.tar+gzip", Compression::kGzip},
      {"application/vnd.oci.image.layer.v1.tar+zstd", Compression::kZstd},
      {"application/vnd.oci.image.layer.nondistributable.v1.tar", Compression::kNone},
      {"application/vnd.oci.image.layer.nondistributable.v1.tar+gzip", Compression::kGzip},
      {"application/vnd.oci.image.layer.nondistributable.v1.tar+zstd", Compression::kZstd},
      {"application/vnd.docker.image.rootfs.diff.tar", Compression::kNone},
      {"application/vnd.docker.image.rootfs.diff.tar.gzip", Compression::kGzip},
      {"application/vnd.docker.image.rootfs.diff.tar.zstd", Compression::kZstd},
      {"application/vnd.docker.image.rootfs.foreign.diff.tar.gzip", Compression::kGzip},
  };
  for (const Known& k : kKnown) {
    if (k.type == media_type) return k.compression;
  }
  return absl::InvalidArgumentError(absl::StrCat("unsupported layer media type ", media_type));
}

namespace {

// Feeds libarchive the uncompressed stream through its read callback and
// hashes every byte on the way, so the digest is over exactly what was read.
class HashingFeed {
 public:
  explicit HashingFeed(Decompressor& d) : d_(d), md_(EVP_MD_CTX_new()) {
    if (md_ != nullptr && EVP_DigestInit_ex(md_, EVP_sha256(), nullptr) != 1) {
      EVP_MD_CTX_free(md_);
      md_ = nullptr;
    }
  }
  ~HashingFeed() { EVP_MD_CTX_free(md_); }
  bool ok() const { return md_ != nullptr; }

  // The libarchive read callback.
  static la_ssize_t Read(archive* a, void* self, const void** buf) {
    auto* feed = static_cast<HashingFeed*>(self);
    absl::StatusOr<absl::Span<const char>> chunk = feed->Next();
    if (!chunk.ok()) {
      feed->error_ = chunk.status();
      archive_set_error(a, EIO, "%s", feed->error_.ToString().c_str());
      return -1;
    }
    *buf = chunk->data();
    return static_cast<la_ssize_t>(chunk->size());
  }

  // Reads and hashes whatever follows the end-of-archive marker.
  absl::Status Drain() {
    for (;;) {
      UCR_ASSIGN_OR_RETURN(absl::Span<const char> chunk, Next());
      if (chunk.empty()) return absl::OkStatus();
    }
  }

  std::string Digest() {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_DigestFinal_ex(md_, md, &len);
    return absl::StrCat("sha256:", absl::BytesToHexString(
                                       absl::string_view(reinterpret_cast<char*>(md), len)));
  }
  const absl::Status& error() const { return error_; }
  uint64_t bytes() const { return bytes_; }

 private:
  absl::StatusOr<absl::Span<const char>> Next() {
    UCR_ASSIGN_OR_RETURN(absl::Span<const char> chunk, d_.Next());
    EVP_DigestUpdate(md_, chunk.data(), chunk.size());
    bytes_ += chunk.size();
    return chunk;
  }

  Decompressor& d_;
  EVP_MD_CTX* md_;
  uint64_t bytes_ = 0;
  absl::Status error_;
};

struct ArchiveDeleter {
  void operator()(archive* a) const { archive_read_free(a); }
};

// libarchive's error, or the feed's when the failure came from reading.
absl::Status ArchiveError(archive* a, const HashingFeed& feed, absl::string_view context) {
  if (!feed.error().ok()) return feed.error();
  const char* msg = archive_error_string(a);
  return absl::DataLossError(absl::StrCat(context, ": ", msg ? msg : "unknown libarchive error"));
}

}  // namespace

absl::StatusOr<UnpackStats> UnpackLayer(ByteSource& compressed, Compression c,
                                        const std::string& dest_dir) {
  UniqueFd root(::open(dest_dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!root) return LastErrnoError(absl::StrCat("open layer directory ", dest_dir));
  EntryWriter writer(std::move(root), dest_dir);
  std::unique_ptr<Decompressor> decompressor = MakeDecompressor(compressed, c);
  HashingFeed feed(*decompressor);
  if (!feed.ok()) return absl::InternalError("sha256: EVP_DigestInit_ex failed");

  std::unique_ptr<archive, ArchiveDeleter> a(archive_read_new());
  if (!a) return absl::ResourceExhaustedError("archive_read_new failed");
  archive_read_support_format_tar(a.get());
  if (archive_read_open(a.get(), &feed, nullptr, &HashingFeed::Read, nullptr) != ARCHIVE_OK) {
    return ArchiveError(a.get(), feed, "open tar stream");
  }
  UnpackStats stats;
  for (;;) {
    archive_entry* entry;
    int rc = archive_read_next_header(a.get(), &entry);
    if (rc == ARCHIVE_EOF) break;
    if (rc < ARCHIVE_WARN) {
      return ArchiveError(a.get(), feed, absl::StrCat("tar header after ", stats.entries, " entries"));
    }
    ++stats.entries;
    UCR_RETURN_IF_ERROR(writer.Apply(a.get(), entry));
  }
  UCR_RETURN_IF_ERROR(feed.Drain());
  UCR_RETURN_IF_ERROR(writer.Finish());
  stats.diff_id = feed.Digest();
  stats.uncompressed_bytes = feed.bytes();
  return stats;
}

}  // namespace ucr::image
