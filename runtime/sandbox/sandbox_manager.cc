// SandboxManager: lookups, listing, records on disk and recovery.
#include "runtime/sandbox/sandbox_manager.h"

#include <ifaddrs.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/files.h"
#include "common/json_state.h"
#include "common/log.h"
#include "common/sharded_dirs.h"
#include "common/status.h"
#include "runtime/launch/proc_util.h"
#include "runtime/sandbox/pin_namespaces.h"
#include "runtime/state/lookup.h"

namespace ucr::runtime {

std::string SandboxNameKey(const PodMetadata& m) {
  return absl::StrCat(m.name, "/", m.ns, "/", m.uid, "/", m.attempt);
}

bool ProcessMatches(pid_t pid, uint64_t start_time) {
  if (pid <= 0 || start_time == 0 || ProcessStartTime(pid).value_or(0) != start_time) return false;
  // A zombie (dead, not yet reaped by whoever inherited it) is not alive.
  absl::StatusOr<std::string> stat = ReadFile(absl::StrCat("/proc/", pid, "/stat"));
  size_t paren = stat.ok() ? stat->rfind(')') : std::string::npos;
  return paren != std::string::npos && paren + 2 < stat->size() && (*stat)[paren + 2] != 'Z';
}

std::string HostIp() {
  struct ifaddrs* list = nullptr;
  if (::getifaddrs(&list) != 0) return "";
  std::string ip;
  for (struct ifaddrs* ifa = list; ifa != nullptr && ip.empty(); ifa = ifa->ifa_next) {
    if (ifa->ifa_addr == nullptr || ifa->ifa_addr->sa_family != AF_INET) continue;
    if ((ifa->ifa_flags & IFF_LOOPBACK) || !(ifa->ifa_flags & IFF_UP)) continue;
    char buf[INET_ADDRSTRLEN];
    auto* sin = reinterpret_cast<struct sockaddr_in*>(ifa->ifa_addr);
    if (::inet_ntop(AF_INET, &sin->sin_addr, buf, sizeof buf) != nullptr) ip = buf;
  }
  ::freeifaddrs(list);
  return ip;
}

SandboxManager::SandboxManager(const Paths& paths, const cgroups::Hierarchy& hierarchy,
                               network::PodNetwork* network, std::string podinit_binary)
    : paths_(paths), hierarchy_(hierarchy), network_(network), podinit_binary_(std::move(podinit_binary)) {}

absl::Status SandboxManager::Save(const SandboxRecord& record, bool durable) const {
  return SaveJson(paths_.SandboxRecordPath(record.id), record, durable ? Durability::kDurable : Durability::kAtomic);
}

PodFilePaths SandboxManager::FilePaths(const std::string& id) const {
  return {paths_.SandboxHostnamePath(id), paths_.SandboxHostsPath(id), paths_.SandboxResolvConfPath(id),
          paths_.SandboxShmDir(id)};
}

std::string SandboxManager::NsPath(const std::string& id, const char* type) const {
  return PinnedNsPath(paths_.SandboxNsDir(id), type);
}

SandboxState SandboxManager::LiveState(const SandboxRecord& r) const {
  if (r.state != SandboxState::kReady) return SandboxState::kNotReady;
  if (r.spec.net_mode != NamespaceMode::kNode && !IsPinnedNamespace(NsPath(r.id, "net"))) {
    return SandboxState::kNotReady;
  }
  if (r.spec.ipc_mode != NamespaceMode::kNode && !IsPinnedNamespace(NsPath(r.id, "ipc"))) {
    return SandboxState::kNotReady;
  }
  if (r.init_pid != 0 && !ProcessMatches(r.init_pid, r.init_start_time)) return SandboxState::kNotReady;
  return SandboxState::kReady;
}

std::shared_ptr<SandboxManager::Entry> SandboxManager::Find(const std::string& id_or_prefix) const {
  absl::MutexLock lock(&mu_);
  absl::StatusOr<std::string> id = runtime::ResolveId(sandboxes_, id_or_prefix, "pod sandbox");
  if (!id.ok()) return nullptr;
  return sandboxes_.at(*id);
}

absl::StatusOr<std::string> SandboxManager::ResolveId(const std::string& id_or_prefix) const {
  absl::MutexLock lock(&mu_);
  return runtime::ResolveId(sandboxes_, id_or_prefix, "pod sandbox");
}

absl::StatusOr<SandboxRecord> SandboxManager::Get(const std::string& id_or_prefix) const {
  std::shared_ptr<Entry> entry;
  {
    absl::MutexLock lock(&mu_);
    UCR_ASSIGN_OR_RETURN(std::string id, runtime::ResolveId(sandboxes_, id_or_prefix, "pod sandbox"));
    entry = sandboxes_.at(id);
  }
  SandboxRecord record;
  {
    absl::ReaderMutexLock lock(&mu_);
    record = entry->record;
  }
  record.state = LiveState(record);
  return record;
}

std::vector<SandboxRecord> SandboxManager::List(const SandboxFilter& filter) const {
  std::vector<SandboxRecord> out;
  {
    absl::MutexLock lock(&mu_);
    for (const auto& [id, entry] : sandboxes_) {
      if (!absl::StartsWith(id, filter.id_prefix)) continue;
      if (!MatchesLabels(entry->record.spec.labels, filter.label_selector)) continue;
      out.push_back(entry->record);
    }
  }
  std::vector<SandboxRecord> filtered;
  for (SandboxRecord& r : out) {
    r.state = LiveState(r);
    if (filter.has_state && r.state != filter.state) continue;
    filtered.push_back(std::move(r));
  }
  return filtered;
}

std::string SandboxManager::ExistingWithName(const std::string& name_key) const {
  absl::MutexLock lock(&mu_);
  for (const auto& [id, entry] : sandboxes_) {
    if (SandboxNameKey(entry->record.spec.metadata) == name_key) return id;
  }
  return "";
}

absl::StatusOr<cgroups::Stats> SandboxManager::ReadStats(const std::string& id) const {
  UCR_ASSIGN_OR_RETURN(SandboxRecord record, Get(id));
  return cgroups::Cgroup::Open(hierarchy_, record.cgroup_path).ReadStats();
}

absl::Status SandboxManager::Recover() {
  UCR_RETURN_IF_ERROR(PrepareShardedDir(paths_.SandboxesDir()));
  int loaded = 0, not_ready = 0;
  UCR_ASSIGN_OR_RETURN(std::vector<std::string> ids, ListShardedDir(paths_.SandboxesDir()));
  for (const std::string& id : ids) {
    absl::StatusOr<nlohmann::json> json = LoadJson(paths_.SandboxRecordPath(id));
    if (!json.ok()) {
      log::Warn("recover: skipping pod sandbox %s: %s", id, json.status().message());
      continue;
    }
    auto entry = std::make_shared<Entry>();
    try {
      entry->record = json->get<SandboxRecord>();
    } catch (const nlohmann::json::exception& e) {
      log::Warn("recover: skipping pod sandbox %s: bad record: %s", id, e.what());
      continue;
    }
    if (entry->record.id != id) continue;
    if (LiveState(entry->record) == SandboxState::kNotReady) ++not_ready;
    absl::MutexLock lock(&mu_);
    sandboxes_[id] = std::move(entry);
    ++loaded;
  }
  log::Info("recovered %d pod sandboxes (%d not ready)", loaded, not_ready);
  return absl::OkStatus();
}

}  // namespace ucr::runtime
