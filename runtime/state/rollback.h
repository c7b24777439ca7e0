// Undo steps for a multi-step create: each step that succeeded registers how
// to undo itself; unless Commit() is called they run in reverse order.
#pragma once

#include <functional>
#include <utility>
#include <vector>

namespace ucr::runtime {

class Rollback {
 public:
  Rollback() = default;
  ~Rollback() {
    for (auto it = undo_.rbegin(); it != undo_.rend(); ++it) (*it)();
  }
  Rollback(const Rollback&) = delete;
  Rollback& operator=(const Rollback&) = delete;

  void Add(std::function<void()> undo) { undo_.push_back(std::move(undo)); }
  void Commit() { undo_.clear(); }

 private:
  std::vector<std::function<void()>> undo_;
};

}  // namespace ucr::runtime
