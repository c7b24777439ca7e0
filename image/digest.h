// Streaming sha256 (OpenSSL EVP) for content verification.
#pragma once

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

struct evp_md_ctx_st;

namespace ucr::image {

class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  void Update(const void* data, size_t len);
  void Update(absl::string_view data) { Update(data.data(), data.size()); }
  // "sha256:<hex>" of everything updated so far. Call once.
  std::string Finish();

 private:
  struct Deleter {
    void operator()(evp_md_ctx_st* ctx) const;
  };
  std::unique_ptr<evp_md_ctx_st, Deleter> ctx_;
};

// "sha256:<hex>" of `data`.
std::string Sha256Digest(absl::string_view data);

}  // namespace ucr::image

namespace ucr::image {

// Checks a stream against a descriptor: fails as soon as more bytes than
// `expected_size` arrive, and at Finish when the size or digest differ.
class BlobVerifier {
 public:
  BlobVerifier(std::string expected_digest, int64_t expected_size)
      : digest_(std::move(expected_digest)), size_(expected_size) {}
  absl::Status Update(absl::string_view chunk);
  absl::Status Finish();
  int64_t received() const { return received_; }

 private:
  std::string digest_;
  int64_t size_;
  int64_t received_ = 0;
  Sha256 hash_;
};

}  // namespace ucr::image
