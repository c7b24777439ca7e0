#include "image/pull_guards.h"

namespace ucr::image {

void PinSet::Pin(const std::vector<std::string>& keys) {
  absl::MutexLock lock(&mu_);
  for (const std::string& k : keys) ++counts_[k];
}

void PinSet::Unpin(const std::vector<std::string>& keys) {
  absl::MutexLock lock(&mu_);
  for (const std::string& k : keys) {
    auto it = counts_.find(k);
    if (it != counts_.end() && --it->second == 0) counts_.erase(it);
  }
}

bool PinSet::Pinned(const std::string& key) const {
  absl::MutexLock lock(&mu_);
  return counts_.count(key) > 0;
}

void LayerClaims::Acquire(const std::string& chain_id) {
  absl::MutexLock lock(&mu_);
  auto free = [&]() -> bool { return held_.count(chain_id) == 0; };
  mu_.Await(absl::Condition(&free));
  held_.insert(chain_id);
}

void LayerClaims::Release(const std::string& chain_id) {
  absl::MutexLock lock(&mu_);
  held_.erase(chain_id);
}

}  // namespace ucr::image
