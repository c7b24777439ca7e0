// A temporary directory for network unit tests, removed with its contents.
#pragma once

#include <stdlib.h>

#include <string>

#include "common/files.h"

namespace ucr::network {

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/ucr-net-unit-XXXXXX";
    const char* made = ::mkdtemp(tmpl);
    path_ = made ? made : "";
  }
  ~TempDir() { (void)RemoveTree(path_); }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace ucr::network
