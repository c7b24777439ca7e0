// Every CRI handler runs through RunCall: it gives the call an id that its log
// lines carry, turns the handler's absl::Status into a grpc::Status, and logs
// the call exactly once with its duration and result code.
#pragma once

#include "absl/strings/string_view.h"
#include <grpcpp/support/status.h>

#include <string_view>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/time/time.h"

namespace ucr::cri {

grpc::Status RunCall(absl::string_view rpc, absl::FunctionRef<absl::Status()> handler);

// Graceful stop: after BeginDrain every new call answers UNAVAILABLE, and
// WaitForCallsInFlight blocks until the calls already running have returned
// (or the deadline passes; it returns false then).
void BeginDrain();
bool WaitForCallsInFlight(absl::Time deadline);

// The answer for an RPC whose feature has not landed yet.
absl::Status NotImplemented(absl::string_view rpc);

}  // namespace ucr::cri
