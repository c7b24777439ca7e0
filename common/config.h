// ucrd's configuration: embedded defaults, overlaid by /etc/ucrd/config.toml
// (when present) and then by command-line flags. Every key is documented in
// docs/config.md; an unknown key or a wrong type is an error naming the key.
#pragma once

#include "absl/strings/string_view.h"
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"

namespace ucr {

// How ucrd reaches one registry host ("docker.io", "127.0.0.1:5000").
struct RegistryConfig {
  // Endpoints tried in order before the registry itself, e.g. "http://127.0.0.1:5000".
  std::vector<std::string> mirrors;
  // Plain HTTP (and unverified TLS) allowed for this host and its mirrors.
  bool insecure = false;
  // Credentials used when a pull request carries none.
  std::string username;
  std::string password;
  std::string auth;  // base64 "user:password", as in a Docker config.json
};

struct Config {
  std::string socket_path = "/run/ucrd/ucrd.sock";
  std::string root_dir = "/var/lib/ucrd";
  std::string state_dir = "/run/ucrd";
  std::string log_level = "info";
  std::string cni_conf_dir = "/etc/cni/net.d";
  std::vector<std::string> cni_bin_dirs = {"/opt/cni/bin", "/usr/lib/cni"};
  // How long one CNI plugin call may run before its process group is killed.
  int cni_plugin_timeout_ms = 60000;
  // With no config at all in cni_conf_dir, pods get ucr's embedded default
  // network (bridge ucr0, 10.88.0.0/16); false: NetworkReady stays false instead.
  bool cni_default_network = true;
  std::map<std::string, RegistryConfig> registries;
  // [launcher] spare_monitors: container monitors kept started ahead of
  // creates, at idle CPU priority (runtime/launch/spare_monitors.h); 0: none.
  int spare_monitors = 1;

  // Where the config came from ("defaults" or a file path); not a key.
  std::string source = "defaults";
};

inline constexpr char kDefaultConfigPath[] = "/etc/ucrd/config.toml";

// Parses TOML text over the defaults. Errors are INVALID_ARGUMENT with one
// line naming the key and the problem.
absl::StatusOr<Config> ParseConfig(absl::string_view toml_text, absl::string_view origin);

// Loads `path` over the defaults; a missing file is fine only when
// `must_exist` is false (the default path), otherwise NOT_FOUND.
absl::StatusOr<Config> LoadConfigFile(const std::string& path, bool must_exist);

// Checks values that TOML types alone cannot (absolute paths, log level).
absl::Status ValidateConfig(const Config& config);

// The effective config, as `ucrd config` prints it and Status verbose reports it.
std::string ConfigToToml(const Config& config);
nlohmann::json ConfigToJson(const Config& config);

}  // namespace ucr
