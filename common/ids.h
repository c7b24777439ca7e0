// Random identifiers for pods, containers and calls.
#pragma once

#include "absl/strings/string_view.h"
#include <string>
#include <string_view>

namespace ucr {

// `bytes` random bytes from getrandom(2) as lower-case hex (2*bytes characters).
std::string RandomHex(size_t bytes);

// A 64-hex id, the form CRI ids take (as containerd and CRI-O make them).
std::string NewId();

// True when `id` is 64 lower-case hex characters.
bool IsFullId(absl::string_view id);

}  // namespace ucr
