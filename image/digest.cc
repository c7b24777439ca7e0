#include "image/digest.h"

#include <openssl/evp.h>

#include <cstdlib>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "common/log.h"

namespace ucr::image {

void Sha256::Deleter::operator()(evp_md_ctx_st* ctx) const { EVP_MD_CTX_free(ctx); }

Sha256::Sha256() : ctx_(EVP_MD_CTX_new()) {
  // Allocation or init failing means libcrypto itself is broken: nothing to recover.
  if (!ctx_ || EVP_DigestInit_ex(ctx_.get(), EVP_sha256(), nullptr) != 1) {
    log::Error("OpenSSL: cannot initialize sha256");
    std::abort();
  }
}

Sha256::~Sha256() = default;

void Sha256::Update(const void* data, size_t len) { EVP_DigestUpdate(ctx_.get(), data, len); }

std::string Sha256::Finish() {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_DigestFinal_ex(ctx_.get(), md, &len);
  return absl::StrCat("sha256:", absl::BytesToHexString(
                                     absl::string_view(reinterpret_cast<const char*>(md), len)));
}

std::string Sha256Digest(absl::string_view data) {
  Sha256 h;
  h.Update(data);
  return h.Finish();
}

}  // namespace ucr::image

namespace ucr::image {

absl::Status BlobVerifier::Update(absl::string_view chunk) {
  received_ += static_cast<int64_t>(chunk.size());
  if (received_ > size_) {
    return absl::DataLossError(absl::StrCat("blob ", digest_, " is larger than its descriptor's ", size_,
                                            " bytes: refused"));
  }
  hash_.Update(chunk);
  return absl::OkStatus();
}

absl::Status BlobVerifier::Finish() {
  if (received_ != size_) {
    return absl::DataLossError(absl::StrCat("blob ", digest_, " has ", received_, " bytes, its descriptor says ",
                                            size_, ": refused"));
  }
  std::string got = hash_.Finish();
  if (got != digest_) {
    return absl::DataLossError(absl::StrCat("blob digest mismatch: expected ", digest_, ", got ", got,
                                            ": refused"));
  }
  return absl::OkStatus();
}

}  // namespace ucr::image
