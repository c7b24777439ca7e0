// Path handling for untrusted tar entry names: lexical normalization and
// lookups confined beneath a directory fd by the kernel (openat2).
#pragma once

#include <string>
#include <utility>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/unique_fd.h"

namespace ucr::image {

// "./a//b/" -> "a/b"; "/etc/x" -> "etc/x" (absolute names are confined to the
// layer, as containerd and Docker do); "" or "." -> "" (the layer root).
// Any ".." component is refused: INVALID_ARGUMENT naming `what` and the name.
absl::StatusOr<std::string> NormalizeEntryName(absl::string_view name, absl::string_view what);

// {"a/b", "c"} for "a/b/c"; {"", "c"} for "c".
std::pair<absl::string_view, absl::string_view> SplitParent(absl::string_view path);

// openat2(dirfd, path, flags) with RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
// RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV: the kernel refuses to leave dirfd
// or to follow any symlink, so a racing or crafted tree cannot redirect us.
// Returns an invalid fd with errno set on failure.
UniqueFd OpenBeneath(int dirfd, const std::string& path, int flags);

}  // namespace ucr::image
