#include "ucrd/flags.h"

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/flags/usage_config.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

ABSL_FLAG(std::string, config, "",
          "TOML config file (default /etc/ucrd/config.toml when it exists)");
ABSL_FLAG(std::string, socket, "", "CRI unix socket path (config key: socket)");
ABSL_FLAG(std::string, root_dir, "", "persistent state: images, containers (config key: root_dir)");
ABSL_FLAG(std::string, state_dir, "", "runtime state on tmpfs (config key: state_dir)");
ABSL_FLAG(std::string, cni_conf_dir, "", "CNI network config dir (config key: cni.conf_dir)");
ABSL_FLAG(std::string, cni_bin_dirs, "", "colon-separated CNI plugin dirs (config key: cni.bin_dirs)");
ABSL_FLAG(std::string, log_level, "", "debug, info, warn or error (config key: log_level)");

namespace ucr::daemon {

absl::StatusOr<Invocation> ParseInvocation(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "ucr's CRI runtime daemon.\n"
      "  ucrd [flags]          serve the CRI on the unix socket\n"
      "  ucrd config [flags]   print the effective configuration as TOML");
  absl::FlagsUsageConfig usage;
  usage.version_string = [] { return std::string("ucrd ") + UCR_VERSION + "\n"; };
  usage.contains_help_flags = [](absl::string_view path) {
    return path.find("ucrd/") != absl::string_view::npos;
  };
  absl::SetFlagsUsageConfig(usage);
  std::vector<char*> positional = absl::ParseCommandLine(argc, argv);

  Invocation inv;
  if (positional.size() > 2) return absl::InvalidArgumentError("too many arguments");
  if (positional.size() == 2) {
    inv.command = positional[1];
    if (inv.command != "config") {
      return absl::InvalidArgumentError(absl::StrCat("unknown command \"", inv.command, "\""));
    }
  }

  std::string path = absl::GetFlag(FLAGS_config);
  bool explicit_path = !path.empty();
  absl::StatusOr<Config> loaded = LoadConfigFile(explicit_path ? path : kDefaultConfigPath, explicit_path);
  if (!loaded.ok()) return loaded.status();
  inv.config = *std::move(loaded);

  auto overlay = [](const std::string& flag, std::string* field) {
    if (!flag.empty()) *field = flag;
  };
  overlay(absl::GetFlag(FLAGS_socket), &inv.config.socket_path);
  overlay(absl::GetFlag(FLAGS_root_dir), &inv.config.root_dir);
  overlay(absl::GetFlag(FLAGS_state_dir), &inv.config.state_dir);
  overlay(absl::GetFlag(FLAGS_cni_conf_dir), &inv.config.cni_conf_dir);
  overlay(absl::GetFlag(FLAGS_log_level), &inv.config.log_level);
  if (std::string dirs = absl::GetFlag(FLAGS_cni_bin_dirs); !dirs.empty()) {
    inv.config.cni_bin_dirs = absl::StrSplit(dirs, ':', absl::SkipEmpty());
  }
  if (absl::Status st = ValidateConfig(inv.config); !st.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("flags: ", st.message()));
  }
  return inv;
}

}  // namespace ucr::daemon
