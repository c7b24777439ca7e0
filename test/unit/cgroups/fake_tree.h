// A fake cgroup tree in a temp dir: control files pre-created with chosen contents, plus
// the mountinfo text that describes it, so v1 and v2 code runs without the kernel.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/files.h"
#include "runtime/cgroups/cgroups.h"

namespace ucr::runtime::cgroups {

class FakeTree {
 public:
  FakeTree() {
    char tmpl[] = "/tmp/ucr-fakecg-XXXXXX";
    root_ = ::mkdtemp(tmpl);
  }
  ~FakeTree() { (void)RemoveTree(root_); }
  FakeTree(const FakeTree&) = delete;
  FakeTree& operator=(const FakeTree&) = delete;

  const std::string& root() const { return root_; }
  // Creates <root>/<rel> with `content` (and its directories).
  void Put(const std::string& rel, const std::string& content) {
    std::string path = absl::StrCat(root_, "/", rel);
    ASSERT_TRUE(MakeDirs(path.substr(0, path.rfind('/'))).ok());
    ASSERT_TRUE(WriteFileAtomic(path, content).ok());
  }
  std::string Get(const std::string& rel) const {
    absl::StatusOr<std::string> s = ReadFile(absl::StrCat(root_, "/", rel));
    return s.ok() ? *s : "<missing>";
  }
  bool Exists(const std::string& rel) const { return ReadFile(absl::StrCat(root_, "/", rel)).ok(); }
  // One mountinfo line for a cgroup mount at <root>/<rel>.
  std::string MountLine(int id, const std::string& rel, const std::string& fs,
                        const std::string& super_options) const {
    std::string point = rel.empty() ? root_ : absl::StrCat(root_, "/", rel);
    return absl::StrCat(id, " 1 0:", id, " / ", point,
                        " rw,nosuid,nodev,noexec,relatime shared:", id, " - ", fs, " ", fs, " ",
                        super_options, "\n");
  }

 private:
  std::string root_;
};

}  // namespace ucr::runtime::cgroups
