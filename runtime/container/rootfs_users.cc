#include "runtime/container/rootfs_users.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/status.h"
#include "common/unique_fd.h"

namespace ucr::runtime {
namespace {

bool ParseId(absl::string_view text, uint32_t* id) { return absl::SimpleAtoi(text, id); }

const PasswdEntry* FindUser(const std::vector<PasswdEntry>& users, absl::string_view name) {
  for (const PasswdEntry& u : users) {
    if (u.name == name) return &u;
  }
  return nullptr;
}
const PasswdEntry* FindUid(const std::vector<PasswdEntry>& users, uint32_t uid) {
  for (const PasswdEntry& u : users) {
    if (u.uid == uid) return &u;
  }
  return nullptr;
}

absl::StatusOr<uint32_t> GroupId(const std::vector<GroupEntry>& groups, absl::string_view spec) {
  uint32_t gid;
  if (ParseId(spec, &gid)) return gid;
  for (const GroupEntry& g : groups) {
    if (g.name == spec) return g.gid;
  }
  return absl::NotFoundError(absl::StrCat("group \"", spec, "\" not found in the image's /etc/group"));
}

}  // namespace

std::vector<PasswdEntry> ParsePasswd(const std::string& text) {
  std::vector<PasswdEntry> out;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    std::vector<absl::string_view> f = absl::StrSplit(line, ':');
    PasswdEntry e;
    if (f.size() < 4 || !ParseId(f[2], &e.uid) || !ParseId(f[3], &e.gid)) continue;
    e.name = std::string(f[0]);
    if (f.size() > 5) e.home = std::string(f[5]);
    out.push_back(std::move(e));
  }
  return out;
}

std::vector<GroupEntry> ParseGroup(const std::string& text) {
  std::vector<GroupEntry> out;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    std::vector<absl::string_view> f = absl::StrSplit(line, ':');
    GroupEntry e;
    if (f.size() < 3 || !ParseId(f[2], &e.gid)) continue;
    e.name = std::string(f[0]);
    if (f.size() > 3) {
      for (absl::string_view m : absl::StrSplit(f[3], ',', absl::SkipEmpty())) e.members.emplace_back(m);
    }
    out.push_back(std::move(e));
  }
  return out;
}

absl::StatusOr<std::string> ReadInRoot(const std::string& rootfs, const std::string& relative) {
  UniqueFd root(::open(rootfs.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!root) return LastErrnoError(absl::StrCat("open rootfs ", rootfs));
  struct open_how how = {};
  how.flags = O_RDONLY | O_CLOEXEC;
  how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
  UniqueFd fd(static_cast<int>(::syscall(SYS_openat2, root.get(), relative.c_str(), &how, sizeof how)));
  if (!fd) {
    if (errno == ENOENT || errno == ENOTDIR) return std::string();
    return LastErrnoError(absl::StrCat("open ", relative, " in ", rootfs));
  }
  std::string data;
  char buf[8192];
  for (;;) {
    ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return LastErrnoError(absl::StrCat("read ", relative, " in ", rootfs));
    if (n == 0) break;
    data.append(buf, static_cast<size_t>(n));
    if (data.size() > (16u << 20)) return absl::InvalidArgumentError(absl::StrCat(relative, " is too large"));
  }
  return data;
}

absl::StatusOr<ResolvedUser> ResolveUser(const std::string& rootfs, const ContainerRequest& request,
                                         const std::string& image_user) {
  UCR_ASSIGN_OR_RETURN(std::string passwd_text, ReadInRoot(rootfs, "etc/passwd"));
  UCR_ASSIGN_OR_RETURN(std::string group_text, ReadInRoot(rootfs, "etc/group"));
  std::vector<PasswdEntry> users = ParsePasswd(passwd_text);
  std::vector<GroupEntry> groups = ParseGroup(group_text);

  ResolvedUser out;
  const PasswdEntry* entry = nullptr;
  std::string group_spec;
  if (request.run_as_user >= 0) {
    out.uid = static_cast<uint32_t>(request.run_as_user);
    entry = FindUid(users, out.uid);
  } else {
    std::string user_spec = request.run_as_username;
    if (user_spec.empty()) {
      std::pair<std::string, std::string> parts = absl::StrSplit(image_user, absl::MaxSplits(':', 1));
      user_spec = parts.first;
      group_spec = parts.second;
    }
    if (!user_spec.empty() && !ParseId(user_spec, &out.uid)) {
      entry = FindUser(users, user_spec);
      if (entry == nullptr) {
        return absl::NotFoundError(absl::StrCat("user \"", user_spec, "\" not found in the image's /etc/passwd"));
      }
      out.uid = entry->uid;
    } else if (!user_spec.empty()) {
      entry = FindUid(users, out.uid);
    }
  }
  if (entry != nullptr) {
    out.gid = entry->gid;
    if (!entry->home.empty()) out.home = entry->home;
  }
  if (!group_spec.empty()) {
    UCR_ASSIGN_OR_RETURN(out.gid, GroupId(groups, group_spec));
  }
  if (request.run_as_group >= 0) out.gid = static_cast<uint32_t>(request.run_as_group);

  if (entry != nullptr) {
    for (const GroupEntry& g : groups) {
      if (std::find(g.members.begin(), g.members.end(), entry->name) != g.members.end()) {
        out.additional_gids.push_back(g.gid);
      }
    }
  }
  for (int64_t gid : request.supplemental_groups) out.additional_gids.push_back(static_cast<uint32_t>(gid));
  std::sort(out.additional_gids.begin(), out.additional_gids.end());
  out.additional_gids.erase(std::unique(out.additional_gids.begin(), out.additional_gids.end()),
                            out.additional_gids.end());
  return out;
}

}  // namespace ucr::runtime
