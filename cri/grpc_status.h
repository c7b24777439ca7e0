// The one place where absl::Status becomes grpc::Status. Codes are the same
// canonical codes on both sides, so the mapping is 1:1.
#pragma once

#include <grpcpp/support/status.h>

#include "absl/status/status.h"

namespace ucr::cri {

grpc::Status ToGrpcStatus(const absl::Status& status);

}  // namespace ucr::cri
