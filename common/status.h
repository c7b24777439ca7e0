// Error helpers: every failure below cri/ is an absl::Status whose message says
// what was being done, on what, and (for syscalls) which errno came back.
#pragma once

#include "absl/strings/string_view.h"
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"

namespace ucr {

// Maps an errno value to the closest canonical status code.
absl::StatusCode CodeForErrno(int err);

// "context: ENOENT (No such file or directory)", with a code chosen from errno.
absl::Status ErrnoError(int err, absl::string_view context);

// Shorthand for ErrnoError(errno, context); call it right after the failing syscall.
absl::Status LastErrnoError(absl::string_view context);

// Returns `status` with `context: ` prepended to its message, keeping its code.
absl::Status Annotate(const absl::Status& status, absl::string_view context);

}  // namespace ucr

#define UCR_STATUS_CONCAT_INNER(a, b) a##b
#define UCR_STATUS_CONCAT(a, b) UCR_STATUS_CONCAT_INNER(a, b)

// Returns from the enclosing function when `expr` yields a non-OK status.
#define UCR_RETURN_IF_ERROR(expr)                       \
  do {                                                  \
    if (absl::Status ucr_status_ = (expr); !ucr_status_.ok()) \
      return ucr_status_;                               \
  } while (0)

// `UCR_ASSIGN_OR_RETURN(auto x, MakeX());` unwraps a StatusOr or returns its error.
#define UCR_ASSIGN_OR_RETURN(lhs, expr) \
  UCR_ASSIGN_OR_RETURN_IMPL(UCR_STATUS_CONCAT(ucr_statusor_, __LINE__), lhs, expr)
#define UCR_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                              \
  if (!tmp.ok()) return tmp.status();             \
  lhs = std::move(tmp).value()
