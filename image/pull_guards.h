// Bookkeeping shared by concurrent pulls and the garbage collector:
//  - PinSet: chain ids and blob digests a pull in progress relies on, which
//    garbage collection must not remove before the image record exists;
//  - LayerClaims: one download per layer at a time, even across pulls of
//    different images that share it.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

namespace ucr::image {

class PinSet {
 public:
  void Pin(const std::vector<std::string>& keys);
  void Unpin(const std::vector<std::string>& keys);
  bool Pinned(const std::string& key) const;
  // Runs `fn` when `key` is not pinned, holding the set's lock so that no pull
  // can pin it (and then find it present) while `fn` removes it.
  template <typename Fn>
  bool RunIfUnpinned(const std::string& key, Fn fn) {
    absl::MutexLock lock(&mu_);
    if (counts_.count(key) > 0) return false;
    fn();
    return true;
  }

 private:
  mutable absl::Mutex mu_;
  std::map<std::string, int> counts_ ABSL_GUARDED_BY(mu_);
};

// Pins for the lifetime of a scope; more keys can be added as they become known.
class ScopedPins {
 public:
  explicit ScopedPins(PinSet* set) : set_(set) {}
  ~ScopedPins() { set_->Unpin(keys_); }
  ScopedPins(const ScopedPins&) = delete;
  ScopedPins& operator=(const ScopedPins&) = delete;
  void Add(const std::vector<std::string>& keys) {
    set_->Pin(keys);
    keys_.insert(keys_.end(), keys.begin(), keys.end());
  }

 private:
  PinSet* set_;
  std::vector<std::string> keys_;
};

class LayerClaims {
 public:
  // Blocks while another pull holds `chain_id`, then holds it.
  void Acquire(const std::string& chain_id);
  void Release(const std::string& chain_id);

 private:
  absl::Mutex mu_;
  std::set<std::string> held_ ABSL_GUARDED_BY(mu_);
};

class ScopedClaim {
 public:
  ScopedClaim(LayerClaims* claims, std::string chain_id) : claims_(claims), id_(std::move(chain_id)) {
    claims_->Acquire(id_);
  }
  ~ScopedClaim() { claims_->Release(id_); }
  ScopedClaim(const ScopedClaim&) = delete;
  ScopedClaim& operator=(const ScopedClaim&) = delete;

 private:
  LayerClaims* claims_;
  std::string id_;
};

}  // namespace ucr::image
