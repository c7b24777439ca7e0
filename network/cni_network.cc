#include "network/cni_network.h"

#include <linux/magic.h>
#include <sys/vfs.h>
#include <stdio.h>

#include <algorithm>
#include <thread>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/log.h"
#include "common/status.h"
#include "network/cni_capabilities.h"
#include "network/cni_chain.h"
#include "network/cni_exec.h"
#include "network/cni_result.h"
#include "network/loopback.h"

namespace ucr::network {
namespace {

using nlohmann::json;

constexpr char kIfName[] = "eth0";

// Sandbox ids name cache files: keep them to safe characters.
bool IsSafeId(const std::string& id) {
  return !id.empty() && id.size() <= 128 && id[0] != '.' &&
         std::all_of(id.begin(), id.end(), [](char c) {
           return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
         });
}

// A pinned netns that was unmounted leaves a plain file behind; plugins must
// then be told there is no netns ("") rather than fail to open it.
bool IsNetnsPin(const std::string& path) {
  struct statfs fs;
  return !path.empty() && ::statfs(path.c_str(), &fs) == 0 &&
         (fs.f_type == NSFS_MAGIC || fs.f_type == PROC_SUPER_MAGIC);
}

std::string DescribeScanFailure(const std::string& dir, const ConfDirScan& scan) {
  if (scan.dir_missing) return absl::StrCat("CNI config dir ", dir, " does not exist");
  if (scan.candidates == 0) return absl::StrCat("no CNI network config (.conflist/.conf/.json) in ", dir);
  return absl::StrCat("no valid CNI network config in ", dir, ": ", absl::StrJoin(scan.rejected, "; "));
}

}  // namespace

CniNetwork::CniNetwork(CniNetworkOptions options)
    : options_(std::move(options)), cache_(options_.cache_dir), watcher_(options_.conf_dir) {}

CniNetwork::Snapshot CniNetwork::Refresh() {
  absl::MutexLock lock(&mu_);
  if (!watcher_.Changed()) return current_;
  ConfDirScan scan = ScanConfDir(options_.conf_dir);
  Snapshot next;
  if (scan.network.has_value()) {
    next.network = std::make_shared<const CniNetworkList>(std::move(*scan.network));
  } else if (options_.default_network && scan.candidates == 0) {
    // Only when there is no config at all: a broken config must not be papered over.
    next.network = std::make_shared<const CniNetworkList>(DefaultNetwork());
    next.is_default = true;
  } else {
    next.why_none = DescribeScanFailure(options_.conf_dir, scan);
  }
  for (const std::string& why : scan.rejected) log::Warn("skipping %s", why);
  std::string before = current_.network ? current_.network->source : "";
  std::string after = next.network ? next.network->source : "";
  if (before != after || (!next.network && current_.why_none != next.why_none)) {
    if (next.network) {
      log::Info("CNI network \"%s\" (cniVersion %s) from %s", next.network->name, next.network->cni_version, after);
    } else {
      log::Warn("no CNI network: %s", next.why_none);
    }
  }
  current_ = std::move(next);
  return current_;
}

absl::StatusOr<std::shared_ptr<const CniNetworkList>> CniNetwork::CurrentNetwork() {
  Snapshot snap = Refresh();
  if (!snap.network) return absl::FailedPreconditionError(snap.why_none);
  return snap.network;
}

absl::Status CniNetwork::CheckPluginsPresent(const CniNetworkList& list) const {
  for (const CniPlugin& plugin : list.plugins) {
    absl::StatusOr<std::string> found = FindPlugin(plugin.type, options_.bin_dirs);
    if (!found.ok()) {
      return absl::FailedPreconditionError(
          absl::StrCat("network \"", list.name, "\" from ", list.source, ": ", found.status().message()));
    }
  }
  return absl::OkStatus();
}

NetworkState CniNetwork::State() {
  Snapshot snap = Refresh();
  if (!snap.network) return {false, "NetworkPluginNotReady", snap.why_none};
  if (absl::Status st = CheckPluginsPresent(*snap.network); !st.ok()) {
    return {false, "NetworkPluginNotReady", std::string(st.message())};
  }
  if (snap.is_default) {
    return {true, "EmbeddedDefaultNetwork",
            absl::StrCat("no CNI config in ", options_.conf_dir, ": using ucr's embedded default network \"",
                         snap.network->name, "\" (bridge ucr0, host-local 10.88.0.0/16, portmap)")};
  }
  return {true, "", absl::StrCat("CNI network \"", snap.network->name, "\" from ", snap.network->source)};
}

absl::Status CniNetwork::Ready() {
  NetworkState state = State();
  return state.ready ? absl::OkStatus() : absl::FailedPreconditionError(state.message);
}

CniInvocation CniNetwork::InvocationFor(const CachedAttachment& entry) const {
  CniInvocation inv;
  inv.container_id = entry.sandbox_id;
  inv.netns = IsNetnsPin(entry.netns) ? entry.netns : "";
  inv.ifname = entry.ifname;
  inv.cni_args = entry.cni_args;
  inv.bin_dirs = options_.bin_dirs;
  return inv;
}

absl::StatusOr<PodNetworkResult> CniNetwork::Setup(const PodNetworkRequest& request) {
  if (!IsSafeId(request.sandbox_id)) {
    return absl::InvalidArgumentError(absl::StrCat("invalid sandbox id \"", request.sandbox_id, "\""));
  }
  if (request.netns_path.empty()) return absl::InvalidArgumentError("no network namespace path");
  UCR_ASSIGN_OR_RETURN(std::shared_ptr<const CniNetworkList> list, CurrentNetwork());
  UCR_RETURN_IF_ERROR(CheckPluginsPresent(*list));
  UCR_ASSIGN_OR_RETURN(json capability_args, BuildCapabilityArgs(request));

  CachedAttachment entry;
  entry.sandbox_id = request.sandbox_id;
  entry.ifname = kIfName;
  entry.netns = request.netns_path;
  entry.cni_args = BuildCniArgs(request.pod_namespace, request.pod_name, request.sandbox_id, request.pod_uid);
  entry.network = list->ToJson();
  entry.network_source = list->source;
  entry.capability_args = capability_args;
  std::string what = absl::StrCat("CNI ADD of pod ", request.pod_namespace, "/", request.pod_name,
                                  " to network \"", list->name, "\"");

  if (!request.loopback_up && !list->HasPluginType("loopback")) {
    UCR_RETURN_IF_ERROR(BringUpLoopback(request.netns_path));
  }
  // Recorded before ADD: should ucrd die half-way, DEL can still release it.
  UCR_RETURN_IF_ERROR(Annotate(cache_.Save(entry), what));
  CniInvocation inv = InvocationFor(entry);
  inv.netns = request.netns_path;  // ADD gets the path as given; only DEL tolerates a vanished one
  absl::StatusOr<json> result = ChainAdd(*list, inv, capability_args, options_.plugin_timeout);
  absl::StatusOr<PodNetworkResult> ips = result.ok() ? PodIpsFromResult(*result) : result.status();
  if (!ips.ok()) {
    absl::Status failure = Annotate(ips.status(), what);
    if (absl::Status undo = RollBack(entry, *list); !undo.ok()) {
      return absl::Status(failure.code(), absl::StrCat(failure.message(), " (and the rollback failed: ",
                                                       undo.message(), ")"));
    }
    return failure;
  }
  entry.result = *result;
  UCR_RETURN_IF_ERROR(Annotate(cache_.Save(entry), what));
  log::Debug("%s: ip %s %s", what, ips->ip, absl::StrJoin(ips->additional_ips, ","));
  return ips;
}

absl::Status CniNetwork::RollBack(const CachedAttachment& entry, const CniNetworkList& list) {
  absl::Status del = ChainDel(list, InvocationFor(entry), entry.capability_args, json(), options_.plugin_timeout);
  if (!del.ok()) return del;  // the pending entry stays for Teardown/Recover to retry
  return cache_.Remove(entry.sandbox_id, entry.ifname);
}

absl::Status CniNetwork::DeleteAttachment(const CachedAttachment& entry) {
  absl::StatusOr<CniNetworkList> list = NetworkListFromJson(entry.network, entry.network_source);
  if (!list.ok()) return Annotate(list.status(), "cached network config");
  absl::Status st;
  for (int attempt = 0; attempt < std::max(1, options_.del_attempts); ++attempt) {
    if (attempt > 0) std::this_thread::sleep_for(std::chrono::milliseconds(100 << attempt));
    st = ChainDel(*list, InvocationFor(entry), entry.capability_args, entry.result, options_.plugin_timeout);
    if (st.ok()) break;
  }
  if (!st.ok()) {
    return Annotate(st, absl::StrCat("CNI DEL of sandbox ", entry.sandbox_id, " from network \"", list->name,
                                     "\" (kept for a retry)"));
  }
  return cache_.Remove(entry.sandbox_id, entry.ifname);
}

absl::Status CniNetwork::Teardown(const std::string& sandbox_id) {
  if (!IsSafeId(sandbox_id)) return absl::InvalidArgumentError(absl::StrCat("invalid sandbox id \"", sandbox_id, "\""));
  absl::StatusOr<CachedAttachment> entry = cache_.Load(sandbox_id, kIfName);
  if (absl::IsNotFound(entry.status())) return absl::OkStatus();  // never attached, or already detached
  if (!entry.ok()) return TeardownWithoutCache(sandbox_id, entry.status());
  return DeleteAttachment(*entry);
}

// An unreadable entry must not keep a pod from being removed forever: set it
// aside for a human (<entry>.corrupt) and DEL with what we have now.
absl::Status CniNetwork::TeardownWithoutCache(const std::string& sandbox_id, const absl::Status& why) {
  std::string path = cache_.PathFor(sandbox_id, kIfName);
  log::Error("CNI cache entry %s is unusable (%s); detaching with the current network", path, why.message());
  if (::rename(path.c_str(), (path + ".corrupt").c_str()) != 0) {
    return LastErrnoError(absl::StrCat("set aside ", path));
  }
  UCR_ASSIGN_OR_RETURN(std::shared_ptr<const CniNetworkList> list, CurrentNetwork());
  CachedAttachment entry;
  entry.sandbox_id = sandbox_id;
  entry.ifname = kIfName;
  entry.cni_args = BuildCniArgs("", "", sandbox_id, "");
  entry.capability_args = json::object();
  return ChainDel(*list, InvocationFor(entry), entry.capability_args, json(), options_.plugin_timeout);
}

absl::Status CniNetwork::Check(const std::string& sandbox_id) {
  if (!IsSafeId(sandbox_id)) return absl::InvalidArgumentError(absl::StrCat("invalid sandbox id \"", sandbox_id, "\""));
  UCR_ASSIGN_OR_RETURN(CachedAttachment entry, cache_.Load(sandbox_id, kIfName));
  UCR_ASSIGN_OR_RETURN(CniNetworkList list, NetworkListFromJson(entry.network, entry.network_source));
  return ChainCheck(list, InvocationFor(entry), entry.capability_args, entry.result, options_.plugin_timeout);
}

absl::Status CniNetwork::Recover() {
  int attached = 0, released = 0;
  absl::Status first_error;
  for (const CachedAttachment& entry : cache_.List()) {
    if (!entry.pending()) {
      ++attached;
      continue;
    }
    // ADD was cut short by a crash: its RunPodSandbox failed, so release what it took.
    absl::Status st = DeleteAttachment(entry);
    if (st.ok()) {
      ++released;
    } else if (first_error.ok()) {
      first_error = st;
    }
  }
  log::Info("CNI: %d pod attachment(s) cached, %d interrupted ADD(s) released", attached, released);
  NetworkState state = State();
  log::Info("CNI NetworkReady=%s: %s", state.ready ? "true" : "false", state.message);
  return first_error;
}

}  // namespace ucr::network
