#include "cri/call.h"

#include <chrono>

#include "absl/strings/match.h"
#include "absl/synchronization/mutex.h"
#include "absl/strings/str_cat.h"
#include "common/log.h"
#include "cri/grpc_status.h"

namespace ucr::cri {
namespace {

absl::Mutex g_calls_mu;
int g_calls_in_flight ABSL_GUARDED_BY(g_calls_mu) = 0;
bool g_draining ABSL_GUARDED_BY(g_calls_mu) = false;

// Counts a call in flight for its lifetime; refuses it once draining began.
class InFlight {
 public:
  InFlight() {
    absl::MutexLock lock(&g_calls_mu);
    admitted_ = !g_draining;
    if (admitted_) ++g_calls_in_flight;
  }
  ~InFlight() {
    absl::MutexLock lock(&g_calls_mu);
    if (admitted_) --g_calls_in_flight;
  }
  bool admitted() const { return admitted_; }

 private:
  bool admitted_;
};

}  // namespace

void BeginDrain() {
  absl::MutexLock lock(&g_calls_mu);
  g_draining = true;
}

bool WaitForCallsInFlight(absl::Time deadline) {
  absl::MutexLock lock(&g_calls_mu);
  auto idle = [] { return g_calls_in_flight == 0; };
  return g_calls_mu.AwaitWithDeadline(absl::Condition(&idle), deadline);
}

grpc::Status RunCall(absl::string_view rpc, absl::FunctionRef<absl::Status()> handler) {
  InFlight in_flight;
  if (!in_flight.admitted()) {
    return grpc::Status(grpc::StatusCode::UNAVAILABLE, "ucrd is shutting down");
  }
  log::CallScope scope(log::NewCallId());
  auto start = std::chrono::steady_clock::now();
  absl::Status status = handler();
  double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  if (status.ok()) {
    // Polling RPCs (Status, List*) would drown the log at info level.
    bool chatty = absl::StartsWith(rpc, "List") || rpc == "Version" || absl::EndsWith(rpc, "Status") ||
                  absl::EndsWith(rpc, "Stats") || rpc == "ImageFsInfo";
    if (chatty) {
      log::Debug("%s OK %.1fms", rpc, ms);
    } else {
      log::Info("%s OK %.1fms", rpc, ms);
    }
  } else {
    log::Warn("%s %s %.1fms: %s", rpc, absl::StatusCodeToString(status.code()), ms, status.message());
  }
  return ToGrpcStatus(status);
}

absl::Status NotImplemented(absl::string_view rpc) {
  return absl::UnimplementedError(absl::StrCat(rpc, " is not implemented by ucr yet"));
}

}  // namespace ucr::cri
