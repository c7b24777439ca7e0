// Resolves a container's user and groups from ITS /etc/passwd and /etc/group
// (read inside the rootfs, symlinks resolved within it) - never the host's.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "runtime/state/container_record.h"

namespace ucr::runtime {

struct ResolvedUser {
  uint32_t uid = 0, gid = 0;
  std::vector<uint32_t> additional_gids;
  std::string home = "/";
};

struct PasswdEntry {
  std::string name;
  uint32_t uid = 0, gid = 0;
  std::string home;
};
struct GroupEntry {
  std::string name;
  uint32_t gid = 0;
  std::vector<std::string> members;
};

std::vector<PasswdEntry> ParsePasswd(const std::string& text);
std::vector<GroupEntry> ParseGroup(const std::string& text);

// Reads `relative` (e.g. "etc/passwd") under `rootfs` with every symlink
// resolved inside it; "" when the file does not exist.
absl::StatusOr<std::string> ReadInRoot(const std::string& rootfs, const std::string& relative);

// The CRI security context wins (run_as_user, run_as_username, run_as_group),
// else the image's User ("name", "uid", "uid:gid", "name:group"), else root.
// Supplemental groups: the user's groups in the rootfs's /etc/group plus the
// CRI supplemental_groups. An unknown user NAME is NOT_FOUND naming it.
absl::StatusOr<ResolvedUser> ResolveUser(const std::string& rootfs, const ContainerRequest& request,
                                         const std::string& image_user);

}  // namespace ucr::runtime
