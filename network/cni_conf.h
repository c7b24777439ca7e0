// CNI network configuration: parsing and validating one .conflist (or a
// single-plugin .conf/.json wrapped into a list), choosing the lexically first
// valid file in the conf dir as libcni does, and ucr's embedded default network.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "nlohmann/json.hpp"

namespace ucr::network {

struct CniPlugin {
  std::string type;
  nlohmann::json conf;                // the plugin's object from the list, as written
  std::set<std::string> capabilities;  // the keys of "capabilities" whose value is true
};

struct CniNetworkList {
  std::string name;
  std::string cni_version;
  std::string source;  // the file it came from, or "embedded default"
  bool disable_check = false;
  std::vector<CniPlugin> plugins;

  bool HasPluginType(absl::string_view type) const;
  // The list as JSON (what the result cache stores so DEL sees the same config).
  nlohmann::json ToJson() const;
};

// CNI spec versions ucr speaks (the list's "cniVersion").
bool IsSupportedCniVersion(absl::string_view version);
// a.b.c compared numerically; "0.4.0" >= "0.3.1".
bool CniVersionAtLeast(absl::string_view version, absl::string_view minimum);

// Parses a list ({"name", "cniVersion", "plugins": [...]}); `single_plugin`
// wraps a plain plugin config ({"type", ...}) into a one-plugin list.
// Errors are INVALID_ARGUMENT saying what is wrong with `source`.
absl::StatusOr<CniNetworkList> ParseNetworkList(absl::string_view text, absl::string_view source,
                                                bool single_plugin);
// Parses a list back from CniNetworkList::ToJson().
absl::StatusOr<CniNetworkList> NetworkListFromJson(const nlohmann::json& json,
                                                   absl::string_view source);

// Reads one file; the extension decides between list and single plugin.
absl::StatusOr<CniNetworkList> LoadNetworkFile(const std::string& path);

struct ConfDirScan {
  std::optional<CniNetworkList> network;  // the first valid file, if any
  bool dir_missing = false;
  int candidates = 0;                     // .conflist/.conf/.json files seen
  std::vector<std::string> rejected;      // "file: why", for files skipped
};

// Reads `dir`'s config files in lexical order and keeps the first valid one.
ConfDirScan ScanConfDir(const std::string& dir);

// The embedded default network: bridge ucr0, host-local 10.88.0.0/16, portmap
// (the loopback interface is brought up in-process).
CniNetworkList DefaultNetwork();
inline constexpr char kDefaultNetworkSource[] = "embedded default";

}  // namespace ucr::network
