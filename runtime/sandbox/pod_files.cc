#include "runtime/sandbox/pod_files.h"

#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/files.h"
#include "common/status.h"

namespace ucr::runtime {
namespace {

constexpr char kShmOptions[] = "mode=1777,size=65536k";

std::string NodeHostname() {
  char name[256] = {};
  if (::gethostname(name, sizeof name - 1) != 0) return "localhost";
  return name;
}

bool IsMountPoint(const std::string& path) {
  struct stat self, parent;
  if (::stat(path.c_str(), &self) != 0) return false;
  if (::stat(absl::StrCat(path, "/..").c_str(), &parent) != 0) return false;
  return self.st_dev != parent.st_dev;
}

}  // namespace

std::string PodHostname(const PodSpec& spec) {
  if (!spec.hostname.empty()) return spec.hostname;
  if (spec.net_mode == NamespaceMode::kNode) return NodeHostname();
  // A pod network namespace without a requested hostname: the pod's name,
  // truncated to the kernel's limit.
  std::string name = spec.metadata.name.substr(0, 63);
  return name.empty() ? "localhost" : name;
}

std::string ResolvConfText(const network::DnsConfig& dns) {
  std::string text;
  if (!dns.searches.empty()) absl::StrAppend(&text, "search ", absl::StrJoin(dns.searches, " "), "\n");
  for (const std::string& server : dns.servers) absl::StrAppend(&text, "nameserver ", server, "\n");
  if (!dns.options.empty()) absl::StrAppend(&text, "options ", absl::StrJoin(dns.options, " "), "\n");
  return text;
}

std::string HostsText(const PodSpec& spec, const std::string& hostname, const std::string& ip) {
  if (spec.net_mode == NamespaceMode::kNode) {
    absl::StatusOr<std::string> host = ReadFile("/etc/hosts");
    if (host.ok()) return *host;
  }
  std::string text =
      "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n"
      "fe00::0\tip6-localnet\nfe00::0\tip6-mcastprefix\nfe00::1\tip6-allnodes\n"
      "fe00::2\tip6-allrouters\n";
  if (!ip.empty()) absl::StrAppend(&text, ip, "\t", hostname, "\n");
  return text;
}

// Under state_dir (a tmpfs): the files go with the pod at a reboot, so they
// are replaced atomically but never fsynced.
absl::Status WritePodFiles(const PodFilePaths& paths, const PodSpec& spec) {
  UCR_RETURN_IF_ERROR(
      WriteFileAtomic(paths.hostname, absl::StrCat(PodHostname(spec), "\n"), 0644, Durability::kAtomic));
  std::string resolv = ResolvConfText(spec.dns);
  if (resolv.empty()) {
    absl::StatusOr<std::string> host = ReadFile("/etc/resolv.conf");
    resolv = host.ok() ? *host : "";
  }
  return WriteFileAtomic(paths.resolv_conf, resolv, 0644, Durability::kAtomic);
}

absl::Status WritePodHosts(const PodFilePaths& paths, const PodSpec& spec, const std::string& ip) {
  return WriteFileAtomic(paths.hosts, HostsText(spec, PodHostname(spec), ip), 0644, Durability::kAtomic);
}

absl::Status MountPodShm(const std::string& target) {
  UCR_RETURN_IF_ERROR(MakeDirs(target, 0755));
  if (IsMountPoint(target)) return absl::OkStatus();
  if (::mount("shm", target.c_str(), "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, kShmOptions) != 0) {
    return LastErrnoError(absl::StrCat("mount the pod's /dev/shm tmpfs at ", target));
  }
  return absl::OkStatus();
}

absl::Status UnmountPodShm(const std::string& target) {
  while (IsMountPoint(target)) {
    if (::umount2(target.c_str(), MNT_DETACH) != 0) {
      return LastErrnoError(absl::StrCat("unmount the pod's /dev/shm at ", target));
    }
  }
  return absl::OkStatus();
}

}  // namespace ucr::runtime
