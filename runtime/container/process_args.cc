#include "runtime/container/process_args.h"

#include <signal.h>
#include <string.h>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace ucr::runtime {
namespace {

constexpr char kDefaultPath[] = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

// Sets KEY=value in `env`, replacing an earlier KEY in place.
void SetEnv(std::vector<std::string>* env, absl::string_view key, absl::string_view value) {
  std::string prefix = absl::StrCat(key, "=");
  for (std::string& entry : *env) {
    if (absl::StartsWith(entry, prefix)) {
      entry = absl::StrCat(prefix, value);
      return;
    }
  }
  env->push_back(absl::StrCat(prefix, value));
}

bool HasEnv(const std::vector<std::string>& env, absl::string_view key) {
  std::string prefix = absl::StrCat(key, "=");
  for (const std::string& entry : env) {
    if (absl::StartsWith(entry, prefix)) return true;
  }
  return false;
}

}  // namespace

absl::StatusOr<ProcessArgs> MergeProcessArgs(const ContainerRequest& request,
                                             const image::ImageConfig& image,
                                             const std::string& hostname, const std::string& home) {
  ProcessArgs out;
  if (!request.command.empty()) {
    out.argv = request.command;
    out.argv.insert(out.argv.end(), request.args.begin(), request.args.end());
  } else {
    out.argv = image.entrypoint;
    const std::vector<std::string>& args = request.args.empty() ? image.cmd : request.args;
    out.argv.insert(out.argv.end(), args.begin(), args.end());
  }
  if (out.argv.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("container \"", request.name,
                     "\": no command: the CRI config has no command/args and the image no "
                     "ENTRYPOINT/CMD"));
  }

  if (!HasEnv(image.env, "PATH")) out.env.push_back(kDefaultPath);
  for (const std::string& entry : image.env) {
    size_t eq = entry.find('=');
    if (eq == std::string::npos) continue;
    SetEnv(&out.env, entry.substr(0, eq), entry.substr(eq + 1));
  }
  SetEnv(&out.env, "HOSTNAME", hostname);
  for (const auto& [key, value] : request.envs) SetEnv(&out.env, key, value);
  if (!HasEnv(out.env, "HOME")) out.env.push_back(absl::StrCat("HOME=", home));

  out.cwd = !request.working_dir.empty() ? request.working_dir
            : !image.working_dir.empty() ? image.working_dir
                                         : "/";
  return out;
}

absl::StatusOr<int> ParseSignal(const std::string& text) {
  if (text.empty()) return 0;
  int number;
  if (absl::SimpleAtoi(text, &number)) {
    if (number > 0 && number < NSIG) return number;
  } else {
    std::string name = absl::AsciiStrToUpper(text);
    if (absl::StartsWith(name, "SIG")) name = name.substr(3);
    for (int sig = 1; sig < NSIG; ++sig) {
      const char* abbrev = sigabbrev_np(sig);
      if (abbrev != nullptr && name == abbrev) return sig;
    }
    if (absl::StartsWith(name, "RTMIN+") && absl::SimpleAtoi(name.substr(6), &number)) return SIGRTMIN + number;
  }
  return absl::InvalidArgumentError(absl::StrCat("unknown signal \"", text, "\""));
}

}  // namespace ucr::runtime
