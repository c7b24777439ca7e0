// PodNetwork over CNI: keeps the current network list (the conf dir's first
// valid file, else the embedded default), attaches pods with ADD, detaches
// them with DEL from the result cache, and reports NetworkReady.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "network/cni_conf.h"
#include "network/cni_exec.h"
#include "network/conf_watcher.h"
#include "network/pod_network.h"
#include "network/result_cache.h"

namespace ucr::network {

struct CniNetworkOptions {
  std::string conf_dir;
  std::vector<std::string> bin_dirs;
  std::string cache_dir;  // Paths::NetworkResultsDir()
  std::chrono::milliseconds plugin_timeout{60000};
  bool default_network = true;  // use DefaultNetwork() while conf_dir has no config at all
  int del_attempts = 3;
};

class CniNetwork : public PodNetwork {
 public:
  explicit CniNetwork(CniNetworkOptions options);

  absl::Status Ready() override;
  absl::StatusOr<PodNetworkResult> Setup(const PodNetworkRequest& request) override;
  absl::Status Teardown(const std::string& sandbox_id) override;
  absl::Status Check(const std::string& sandbox_id) override;
  absl::Status Recover() override;
  NetworkState State() override;

  // The list new pods get now (after picking up conf dir changes), or
  // FAILED_PRECONDITION saying why there is none.
  absl::StatusOr<std::shared_ptr<const CniNetworkList>> CurrentNetwork();

 private:
  struct Snapshot {
    std::shared_ptr<const CniNetworkList> network;
    bool is_default = false;
    std::string why_none;  // when network is null
  };
  Snapshot Refresh();
  absl::Status CheckPluginsPresent(const CniNetworkList& list) const;
  CniInvocation InvocationFor(const CachedAttachment& entry) const;
  absl::Status DeleteAttachment(const CachedAttachment& entry);
  absl::Status TeardownWithoutCache(const std::string& sandbox_id, const absl::Status& why);
  absl::Status RollBack(const CachedAttachment& entry, const CniNetworkList& list);

  const CniNetworkOptions options_;
  ResultCache cache_;
  absl::Mutex mu_;
  ConfWatcher watcher_ ABSL_GUARDED_BY(mu_);
  Snapshot current_ ABSL_GUARDED_BY(mu_);
};

}  // namespace ucr::network
