// Fake CNI plugins for unit tests: small shell scripts that record what they
// were given (stdin, CNI_* environment, call order) into a log dir and print a
// canned result or error, so that the executor and the chain can be checked
// without touching the host's network.
#pragma once

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/files.h"
#include "nlohmann/json.hpp"
#include "test/unit/network/temp_dir.h"

namespace ucr::network {

class FakePlugins {
 public:
  FakePlugins() { (void)MakeDirs(log_dir()); }

  std::string bin_dir() const { return dir_.path(); }
  std::string log_dir() const { return dir_.path() + "/log"; }

  // A plugin `type` that records its call and prints `stdout_text` with exit `code`.
  void Add(const std::string& type, const std::string& stdout_text, int code = 0,
           const std::string& extra_shell = "") {
    std::string log = log_dir();
    std::string script = absl::StrCat(
        "#!/bin/sh\n", "cat > ", log, "/", type, "-$CNI_COMMAND.json\n",
        "env | grep '^CNI_' | sort > ", log, "/", type, "-$CNI_COMMAND.env\n",
        "echo \"", type, " $CNI_COMMAND\" >> ", log, "/calls\n", extra_shell,
        "cat <<'UCR_EOF'\n", stdout_text, "\nUCR_EOF\n", "exit ", code, "\n");
    (void)WriteFileAtomic(absl::StrCat(bin_dir(), "/", type), script, 0755);
  }

  std::vector<std::string> Calls() const {
    absl::StatusOr<std::string> text = ReadFile(log_dir() + "/calls");
    if (!text.ok()) return {};
    return absl::StrSplit(*text, '\n', absl::SkipEmpty());
  }
  void ClearCalls() const { (void)WriteFileAtomic(log_dir() + "/calls", ""); }

  nlohmann::json Stdin(const std::string& type, const std::string& command) const {
    absl::StatusOr<std::string> text = ReadFile(absl::StrCat(log_dir(), "/", type, "-", command, ".json"));
    return text.ok() ? nlohmann::json::parse(*text, nullptr, false) : nlohmann::json();
  }
  std::string Env(const std::string& type, const std::string& command) const {
    absl::StatusOr<std::string> text = ReadFile(absl::StrCat(log_dir(), "/", type, "-", command, ".env"));
    return text.ok() ? *text : "";
  }

 private:
  TempDir dir_;
};

}  // namespace ucr::network
