#include "image/unpack/decompressor.h"

#include <zlib.h>
#include <zstd.h>

#include <vector>

#include "absl/strings/str_cat.h"

namespace ucr::image {
namespace {

constexpr size_t kChunk = 1 << 20;  // large reads/writes: few syscalls per MiB

// Reads the compressed input in kChunk pieces.
class InputBuffer {
 public:
  explicit InputBuffer(ByteSource& source) : source_(source), buf_(kChunk) {}
  // Refills when empty; false at end of input.
  absl::StatusOr<bool> Fill() {
    if (pos_ < len_) return true;
    if (eof_) return false;
    auto n = source_.Read(buf_.data(), buf_.size());
    if (!n.ok()) return n.status();
    pos_ = 0;
    len_ = *n;
    if (len_ == 0) eof_ = true;
    return len_ > 0;
  }
  const char* data() const { return buf_.data() + pos_; }
  size_t size() const { return len_ - pos_; }
  void Consume(size_t n) { pos_ += n; }

 private:
  ByteSource& source_;
  std::vector<char> buf_;
  size_t pos_ = 0, len_ = 0;
  bool eof_ = false;
};

class Plain : public Decompressor {
 public:
  explicit Plain(ByteSource& source) : source_(source), buf_(kChunk) {}
  absl::StatusOr<absl::Span<const char>> Next() override {
    auto n = source_.Read(buf_.data(), buf_.size());
    if (!n.ok()) return n.status();
    return absl::Span<const char>(buf_.data(), *n);
  }

 private:
  ByteSource& source_;
  std::vector<char> buf_;
};

class Gzip : public Decompressor {
 public:
  explicit Gzip(ByteSource& source) : in_(source), out_(kChunk) {
    ok_ = inflateInit2(&z_, 16 + MAX_WBITS) == Z_OK;
  }
  ~Gzip() override { inflateEnd(&z_); }

  absl::StatusOr<absl::Span<const char>> Next() override {
    if (!ok_) return absl::ResourceExhaustedError("gzip: inflateInit2 failed");
    for (;;) {
      auto more = in_.Fill();
      if (!more.ok()) return more.status();
      if (!*more) {
        if (in_member_) return absl::DataLossError("gzip: stream truncated");
        return absl::Span<const char>();
      }
      if (!in_member_) {  // another member follows the previous one
        if (inflateReset(&z_) != Z_OK) return absl::InternalError("gzip: inflateReset failed");
        in_member_ = true;
      }
      z_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in_.data()));
      z_.avail_in = static_cast<uInt>(in_.size());
      z_.next_out = reinterpret_cast<Bytef*>(out_.data());
      z_.avail_out = static_cast<uInt>(out_.size());
      int rc = inflate(&z_, Z_NO_FLUSH);
      in_.Consume(in_.size() - z_.avail_in);
      if (rc == Z_STREAM_END) {
        in_member_ = false;
      } else if (rc != Z_OK && rc != Z_BUF_ERROR) {
        return absl::DataLossError(absl::StrCat("gzip: corrupt stream: ", z_.msg ? z_.msg : "error ",
                                                z_.msg ? "" : std::to_string(rc)));
      }
      size_t produced = out_.size() - z_.avail_out;
      if (produced > 0) return absl::Span<const char>(out_.data(), produced);
    }
  }

 private:
  InputBuffer in_;
  std::vector<char> out_;
  z_stream z_{};
  bool ok_ = false;
  bool in_member_ = true;
};

class Zstd : public Decompressor {
 public:
  explicit Zstd(ByteSource& source) : in_(source), out_(kChunk), ctx_(ZSTD_createDCtx()) {}
  ~Zstd() override { ZSTD_freeDCtx(ctx_); }

  absl::StatusOr<absl::Span<const char>> Next() override {
    if (ctx_ == nullptr) return absl::ResourceExhaustedError("zstd: ZSTD_createDCtx failed");
    for (;;) {
      auto more = in_.Fill();
      if (!more.ok()) return more.status();
      // At end of input, still call once with no input to flush buffered output.
      if (!*more && !pending_output_) {
        if (in_frame_) return absl::DataLossError("zstd: stream truncated");
        return absl::Span<const char>();
      }
      ZSTD_inBuffer in{in_.data(), in_.size(), 0};
      ZSTD_outBuffer out{out_.data(), out_.size(), 0};
      size_t rc = ZSTD_decompressStream(ctx_, &out, &in);
      in_.Consume(in.pos);
      if (ZSTD_isError(rc)) {
        return absl::DataLossError(absl::StrCat("zstd: corrupt stream: ", ZSTD_getErrorName(rc)));
      }
      in_frame_ = rc != 0;
      // A full output buffer may mean zstd holds more decoded data.
      pending_output_ = out.pos == out.size;
      if (out.pos > 0) return absl::Span<const char>(out_.data(), out.pos);
      if (!*more) pending_output_ = false;
    }
  }

 private:
  InputBuffer in_;
  std::vector<char> out_;
  ZSTD_DCtx* ctx_;
  bool in_frame_ = true;  // an empty stream is not a zstd stream
  bool pending_output_ = false;
};

}  // namespace

std::unique_ptr<Decompressor> MakeDecompressor(ByteSource& source, Compression c) {
  switch (c) {
    case Compression::kGzip: return std::make_unique<Gzip>(source);
    case Compression::kZstd: return std::make_unique<Zstd>(source);
    case Compression::kNone: break;
  }
  return std::make_unique<Plain>(source);
}

}  // namespace ucr::image
