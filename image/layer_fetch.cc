#include "image/layer_fetch.h"

#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/log.h"
#include "common/status.h"
#include "image/chunk_pipe.h"
#include "image/digest.h"

namespace ucr::image {
namespace {

// Enough to keep the unpacker busy while the network catches up, small enough
// that four layers in flight cost little memory.
constexpr size_t kPipeBytes = 1 << 20;
constexpr absl::Duration kProgressEvery = absl::Seconds(2);

double Mb(int64_t bytes) { return static_cast<double>(bytes) / 1e6; }

class Progress {
 public:
  explicit Progress(const LayerJob& job) : job_(job), start_(absl::Now()), last_(start_) {}
  void Update(int64_t received) {
    absl::Time now = absl::Now();
    if (now - last_ < kProgressEvery) return;
    last_ = now;
    log::Info("pull %s %s: %.1f/%.1f MB (%.1f MB/s)", job_.label, job_.blob.digest.substr(7, 12), Mb(received),
              Mb(job_.blob.size), Mb(received) / absl::ToDoubleSeconds(now - start_));
  }
  void Done() {
    double secs = absl::ToDoubleSeconds(absl::Now() - start_);
    log::Info("pull %s %s: %.1f MB fetched and unpacked in %.2fs (%.1f MB/s)", job_.label,
              job_.blob.digest.substr(7, 12), Mb(job_.blob.size), secs, secs > 0 ? Mb(job_.blob.size) / secs : 0.0);
  }

 private:
  const LayerJob& job_;
  absl::Time start_, last_;
};

}  // namespace

absl::StatusOr<LayerInfo> FetchLayer(RegistrySession& session, HttpClient& http, LayerStore& layers,
                                     const LayerJob& job, const std::atomic<bool>& cancel) {
  UCR_ASSIGN_OR_RETURN(Compression compression, CompressionForMediaType(job.blob.media_type));
  Progress progress(job);
  ChunkPipe pipe(kPipeBytes);
  absl::StatusOr<LayerInfo> info;
  std::thread unpacker([&] {
    info = layers.Unpack(job.chain_id, job.parent_chain_id, job.diff_id, pipe, compression);
    pipe.StopReading();
  });
  BlobVerifier verifier(job.blob.digest, job.blob.size);
  absl::Status download = session.GetBlob(
      http, job.blob.digest,
      [&](absl::string_view chunk) {
        UCR_RETURN_IF_ERROR(verifier.Update(chunk));
        progress.Update(verifier.received());
        return pipe.Push(chunk);
      },
      &cancel);
  if (download.ok()) download = verifier.Finish();
  // EOF reaches the unpacker only now, after the blob was verified.
  pipe.Close(download);
  unpacker.join();
  if (!info.ok()) {
    // The download's own error (digest, size, HTTP) explains more than the
    // unpacker's "stream failed" echo of it.
    if (!download.ok() && !absl::IsCancelled(download)) return download;
    return info.status();
  }
  if (!pipe.reached_eof()) {
    // The store had the layer already and never read: nothing was unpacked
    // from this download, which the closed pipe has stopped.
    return info;
  }
  progress.Done();
  return info;
}

}  // namespace ucr::image
