// Serializes creates of the same name: a kubelet retry that arrives while the
// first create is still running waits for it and then finds its result
// (CRI-O's resource store idea) instead of failing with "name is reserved".
#pragma once

#include <map>
#include <memory>
#include <string>

#include "absl/synchronization/mutex.h"

namespace ucr::runtime {

class NameLocks {
 public:
  class Guard {
   public:
    Guard(NameLocks* owner, std::string key, std::shared_ptr<absl::Mutex> mu)
        : owner_(owner), key_(std::move(key)), mu_(std::move(mu)) {}
    ~Guard() {
      mu_->Unlock();
      owner_->Release(key_);
    }
    Guard(const Guard&) = delete;
    Guard& operator=(const Guard&) = delete;

   private:
    NameLocks* owner_;
    std::string key_;
    std::shared_ptr<absl::Mutex> mu_;
  };

  std::unique_ptr<Guard> Lock(const std::string& key) {
    std::shared_ptr<absl::Mutex> mu;
    {
      absl::MutexLock lock(&mu_);
      Entry& e = entries_[key];
      if (!e.mu) e.mu = std::make_shared<absl::Mutex>();
      ++e.users;
      mu = e.mu;
    }
    mu->Lock();
    return std::make_unique<Guard>(this, key, std::move(mu));
  }

 private:
  struct Entry {
    std::shared_ptr<absl::Mutex> mu;
    int users = 0;
  };
  void Release(const std::string& key) {
    absl::MutexLock lock(&mu_);
    auto it = entries_.find(key);
    if (it != entries_.end() && --it->second.users == 0) entries_.erase(it);
  }

  absl::Mutex mu_;
  std::map<std::string, Entry> entries_ ABSL_GUARDED_BY(mu_);
};

}  // namespace ucr::runtime
