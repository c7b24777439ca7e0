#include "common/sharded_dirs.h"

#include <fcntl.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/files.h"
#include "common/ids.h"
#include "common/log.h"
#include "common/status.h"
#include "common/unique_fd.h"

namespace ucr {
namespace {

constexpr char kHexDigits[] = "0123456789abcdef";

bool IsShardName(const std::string& name) {
  return name.size() == 1 && std::strchr(kHexDigits, name[0]) != nullptr;
}

// chattr +T: Orlov spreads this directory's subdirectories over the block
// groups as it does top-level ones. Filesystems without the flag say so.
void MarkTopOfHierarchy(const std::string& dir) {
  UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  int flags = 0;
  if (!fd || ::ioctl(fd.get(), FS_IOC_GETFLAGS, &flags) != 0 || (flags & FS_TOPDIR_FL)) return;
  flags |= FS_TOPDIR_FL;
  if (::ioctl(fd.get(), FS_IOC_SETFLAGS, &flags) != 0)
    log::Debug("%s: no top-of-hierarchy flag here: %s", dir, std::strerror(errno));
}

}  // namespace

absl::Status PrepareShardedDir(const std::string& top) {
  UCR_RETURN_IF_ERROR(MakeDirs(top, 0711));
  MarkTopOfHierarchy(top);
  for (const char* c = kHexDigits; *c != '\0'; ++c) {
    std::string shard = absl::StrCat(top, "/", std::string(1, *c));
    if (::mkdir(shard.c_str(), 0711) != 0 && errno != EEXIST) return LastErrnoError(absl::StrCat("mkdir ", shard));
  }
  // A live container's overlay keeps working across the rename: it holds
  // its directories, not their paths. Anything not named like an id (an
  // admin's backup, lost+found) is left where it is.
  UCR_ASSIGN_OR_RETURN(std::vector<std::string> entries, ListDir(top));
  for (const std::string& name : entries) {
    if (IsShardName(name)) continue;
    std::string from = absl::StrCat(top, "/", name);
    if (!IsFullId(name)) {
      log::Warn("%s: not an id, left alone", from);
      continue;
    }
    std::string to = ShardedPath(top, name);
    if (::rename(from.c_str(), to.c_str()) != 0) return LastErrnoError(absl::StrCat("move ", from, " to ", to));
    log::Info("moved %s into its shard", from);
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<std::string>> ListShardedDir(const std::string& top) {
  std::vector<std::string> ids;
  for (const char* c = kHexDigits; *c != '\0'; ++c) {
    absl::StatusOr<std::vector<std::string>> in_shard = ListDir(absl::StrCat(top, "/", std::string(1, *c)));
    if (!in_shard.ok() && absl::IsNotFound(in_shard.status())) continue;  // not made yet
    UCR_RETURN_IF_ERROR(in_shard.status());
    for (std::string& id : *in_shard) ids.push_back(std::move(id));
  }
  return ids;
}

}  // namespace ucr
