#include "network/result_cache.h"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/files.h"
#include "common/json_state.h"
#include "common/log.h"
#include "common/status.h"
#include "common/unique_fd.h"

namespace ucr::network {
namespace {

using nlohmann::json;

constexpr int kFormat = 1;

json ToJson(const CachedAttachment& e) {
  return {{"format", kFormat},         {"sandboxId", e.sandbox_id}, {"ifName", e.ifname},
          {"netns", e.netns},          {"cniArgs", e.cni_args},     {"networkSource", e.network_source},
          {"config", e.network},       {"capabilityArgs", e.capability_args}, {"result", e.result}};
}

absl::StatusOr<CachedAttachment> FromJson(const json& j, const std::string& path) {
  try {
    CachedAttachment e;
    e.sandbox_id = j.at("sandboxId").get<std::string>();
    e.ifname = j.at("ifName").get<std::string>();
    e.netns = j.at("netns").get<std::string>();
    e.cni_args = j.at("cniArgs").get<std::string>();
    e.network_source = j.value("networkSource", std::string());
    e.network = j.at("config");
    e.capability_args = j.value("capabilityArgs", json::object());
    e.result = j.value("result", json());
    return e;
  } catch (const json::exception& ex) {
    return absl::DataLossError(absl::StrCat("CNI result cache ", path, ": ", ex.what()));
  }
}

}  // namespace

ResultCache::ResultCache(std::string dir) : dir_(std::move(dir)) {
  syncer_ = std::thread([this] { SyncLoop(); });
}

ResultCache::~ResultCache() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  syncer_.join();
}

void ResultCache::SyncLoop() {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    cv_.wait(lock, [&] { return stop_ || !unsynced_.empty(); });
    if (unsynced_.empty()) return;  // stopping, nothing left
    std::set<std::string> batch = std::exchange(unsynced_, {});
    syncing_ = true;
    lock.unlock();
    SyncNow(batch);
    lock.lock();
    syncing_ = false;
    cv_.notify_all();
  }
}

void ResultCache::SyncNow(const std::set<std::string>& paths) {
  for (const std::string& path : paths) {
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) continue;  // already torn down
    if (::fsync(fd.get()) != 0) log::Warn("fsync %s: %s", path, strerror(errno));
  }
  if (absl::Status st = FsyncDir(dir_); !st.ok()) log::Warn("%s", st.message());
}

void ResultCache::Flush() {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [&] { return unsynced_.empty() && !syncing_; });
}

std::string ResultCache::PathFor(const std::string& sandbox_id, const std::string& ifname) const {
  return absl::StrCat(dir_, "/", sandbox_id, "-", ifname, ".json");
}

absl::Status ResultCache::Save(const CachedAttachment& entry) {
  UCR_RETURN_IF_ERROR(MakeDirs(dir_, 0700));
  std::string path = PathFor(entry.sandbox_id, entry.ifname);
  // Replaced at once (readers see the old or the new entry), fsynced by SyncLoop.
  UCR_RETURN_IF_ERROR(WriteFileAtomic(path, ToJson(entry).dump(), 0600, Durability::kAtomic));
  {
    std::lock_guard<std::mutex> lock(mu_);
    unsynced_.insert(path);
  }
  cv_.notify_all();
  return absl::OkStatus();
}

absl::StatusOr<CachedAttachment> ResultCache::Load(const std::string& sandbox_id,
                                                   const std::string& ifname) const {
  std::string path = PathFor(sandbox_id, ifname);
  UCR_ASSIGN_OR_RETURN(json j, LoadJson(path));
  return FromJson(j, path);
}

absl::Status ResultCache::Remove(const std::string& sandbox_id, const std::string& ifname) {
  std::string path = PathFor(sandbox_id, ifname);
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) return LastErrnoError(absl::StrCat("unlink ", path));
  return absl::OkStatus();
}

std::vector<CachedAttachment> ResultCache::List() const {
  std::vector<CachedAttachment> out;
  DIR* d = ::opendir(dir_.c_str());
  if (d == nullptr) return out;
  while (struct dirent* e = ::readdir(d)) {
    std::string name = e->d_name;
    if (name.starts_with(".") && absl::StrContains(name, ".tmp-")) {  // a write cut short by a crash
      ::unlink(absl::StrCat(dir_, "/", name).c_str());
      continue;
    }
    if (name.starts_with(".") || !absl::EndsWith(name, ".json")) continue;
    std::string path = absl::StrCat(dir_, "/", name);
    absl::StatusOr<json> j = LoadJson(path);
    absl::StatusOr<CachedAttachment> entry = j.ok() ? FromJson(*j, path) : j.status();
    if (!entry.ok()) {
      log::Warn("skipping CNI cache entry: %s", entry.status().message());
      continue;
    }
    out.push_back(std::move(*entry));
  }
  ::closedir(d);
  return out;
}

}  // namespace ucr::network
