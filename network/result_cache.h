// The on-disk record of each pod's CNI attachment (like libcni's
// /var/lib/cni/results): the network list used, the invocation arguments, the
// capability args and the final result. DEL replays exactly this after a
// restart or a config change. Written before ADD (result null: "pending") so
// that a crash mid-ADD still leaves enough to release what ADD took.
#pragma once

#include <condition_variable>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"

namespace ucr::network {

struct CachedAttachment {
  std::string sandbox_id;
  std::string ifname = "eth0";
  std::string netns;
  std::string cni_args;
  nlohmann::json network;          // CniNetworkList::ToJson()
  std::string network_source;      // the file it came from
  nlohmann::json capability_args;  // all of them; filtered per plugin on replay
  nlohmann::json result;           // the final ADD result; null while pending

  bool pending() const { return result.is_null(); }
};

// Entries are replaced atomically (temp file + rename) at once, and made
// durable (fsync of file and dir) by a background thread moments later: two
// synchronous fsyncs cost ~30 ms per pod start on a VM disk, more than all of
// ucr's own work. A ucrd crash loses nothing (the page cache survives it);
// only a power loss in that window can lose an entry.
class ResultCache {
 public:
  explicit ResultCache(std::string dir);
  ~ResultCache();  // syncs what is still pending
  ResultCache(const ResultCache&) = delete;
  ResultCache& operator=(const ResultCache&) = delete;

  const std::string& dir() const { return dir_; }
  std::string PathFor(const std::string& sandbox_id, const std::string& ifname) const;

  absl::Status Save(const CachedAttachment& entry);
  // NOT_FOUND when the sandbox has no attachment.
  absl::StatusOr<CachedAttachment> Load(const std::string& sandbox_id, const std::string& ifname) const;
  absl::Status Remove(const std::string& sandbox_id, const std::string& ifname);
  // Every readable entry (a corrupt one is logged and skipped).
  std::vector<CachedAttachment> List() const;
  // Blocks until every entry saved so far is durable.
  void Flush();

 private:
  void SyncLoop();
  void SyncNow(const std::set<std::string>& paths);

  std::string dir_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::set<std::string> unsynced_;  // guarded by mu_
  bool syncing_ = false;            // guarded by mu_
  bool stop_ = false;               // guarded by mu_
  std::thread syncer_;
};

}  // namespace ucr::network
