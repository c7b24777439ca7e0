// The on-disk record of each pod's CNI attachment (like libcni's
// /var/lib/cni/results): the network list used, the invocation arguments, the
// capability args and the final result. DEL replays exactly this after a
// restart or a config change. Written before ADD (result null: "pending") so
// that a crash mid-ADD still leaves enough to release what ADD took.
#pragma once

#include <string>
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

class ResultCache {
 public:
  explicit ResultCache(std::string dir) : dir_(std::move(dir)) {}

  const std::string& dir() const { return dir_; }
  std::string PathFor(const std::string& sandbox_id, const std::string& ifname) const;

  absl::Status Save(const CachedAttachment& entry);
  // NOT_FOUND when the sandbox has no attachment.
  absl::StatusOr<CachedAttachment> Load(const std::string& sandbox_id, const std::string& ifname) const;
  absl::Status Remove(const std::string& sandbox_id, const std::string& ifname);
  // Every readable entry (a corrupt one is logged and skipped).
  std::vector<CachedAttachment> List() const;

 private:
  std::string dir_;
};

}  // namespace ucr::network
