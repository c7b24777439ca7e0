#include "network/cni_conf.h"

#include <dirent.h>

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/files.h"
#include "common/status.h"

namespace ucr::network {
namespace {

using nlohmann::json;

constexpr const char* kSupportedVersions[] = {"0.1.0", "0.2.0", "0.3.0", "0.3.1", "0.4.0", "1.0.0"};

absl::Status Invalid(absl::string_view source, absl::string_view problem) {
  return absl::InvalidArgumentError(absl::StrCat("CNI config ", source, ": ", problem));
}

// A plugin type names a binary in the bin dirs: no path tricks.
bool IsValidPluginType(const std::string& type) {
  if (type.empty() || type == "." || type == "..") return false;
  return std::all_of(type.begin(), type.end(), [](char c) {
    return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
  });
}

absl::StatusOr<CniPlugin> ParsePlugin(const json& conf, absl::string_view source, size_t index) {
  std::string where = absl::StrCat("plugins[", index, "]");
  if (!conf.is_object()) return Invalid(source, absl::StrCat(where, " is not an object"));
  auto type = conf.find("type");
  if (type == conf.end() || !type->is_string()) {
    return Invalid(source, absl::StrCat(where, " has no \"type\" string"));
  }
  CniPlugin plugin{type->get<std::string>(), conf, {}};
  if (!IsValidPluginType(plugin.type)) {
    return Invalid(source, absl::StrCat(where, " has an invalid type \"", plugin.type, "\""));
  }
  if (auto caps = conf.find("capabilities"); caps != conf.end()) {
    if (!caps->is_object()) return Invalid(source, absl::StrCat(where, ".capabilities is not an object"));
    for (const auto& [key, value] : caps->items()) {
      if (value.is_boolean() && value.get<bool>()) plugin.capabilities.insert(key);
    }
  }
  return plugin;
}

absl::StatusOr<CniNetworkList> ParseListJson(const json& root, absl::string_view source) {
  if (!root.is_object()) return Invalid(source, "not a JSON object");
  CniNetworkList list;
  list.source = std::string(source);
  auto name = root.find("name");
  if (name == root.end() || !name->is_string() || name->get<std::string>().empty()) {
    return Invalid(source, "no \"name\"");
  }
  list.name = name->get<std::string>();
  auto version = root.find("cniVersion");
  if (version == root.end() || !version->is_string()) return Invalid(source, "no \"cniVersion\"");
  list.cni_version = version->get<std::string>();
  if (!IsSupportedCniVersion(list.cni_version)) {
    return Invalid(source, absl::StrCat("unsupported cniVersion \"", list.cni_version,
                                        "\" (supported: 0.1.0 to 1.0.0)"));
  }
  if (auto dc = root.find("disableCheck"); dc != root.end()) {
    // libcni accepts a boolean or the strings "true"/"false".
    list.disable_check = dc->is_boolean() ? dc->get<bool>() : (dc->is_string() && *dc == "true");
  }
  auto plugins = root.find("plugins");
  if (plugins == root.end() || !plugins->is_array() || plugins->empty()) {
    return Invalid(source, "no \"plugins\" list (or it is empty)");
  }
  for (size_t i = 0; i < plugins->size(); ++i) {
    UCR_ASSIGN_OR_RETURN(CniPlugin plugin, ParsePlugin((*plugins)[i], source, i));
    list.plugins.push_back(std::move(plugin));
  }
  return list;
}

std::vector<int> VersionParts(absl::string_view version) {
  std::vector<int> parts;
  for (absl::string_view p : absl::StrSplit(version, '.')) {
    int n = 0;
    parts.push_back(absl::SimpleAtoi(p, &n) ? n : 0);
  }
  parts.resize(3, 0);
  return parts;
}

}  // namespace

bool CniNetworkList::HasPluginType(absl::string_view type) const {
  return std::any_of(plugins.begin(), plugins.end(), [&](const CniPlugin& p) { return p.type == type; });
}

json CniNetworkList::ToJson() const {
  json out = {{"cniVersion", cni_version}, {"name", name}, {"plugins", json::array()}};
  if (disable_check) out["disableCheck"] = true;
  for (const CniPlugin& p : plugins) out["plugins"].push_back(p.conf);
  return out;
}

bool IsSupportedCniVersion(absl::string_view version) {
  return std::find(std::begin(kSupportedVersions), std::end(kSupportedVersions), version) !=
         std::end(kSupportedVersions);
}

bool CniVersionAtLeast(absl::string_view version, absl::string_view minimum) {
  return VersionParts(version) >= VersionParts(minimum);
}

absl::StatusOr<CniNetworkList> ParseNetworkList(absl::string_view text, absl::string_view source,
                                                bool single_plugin) {
  json root = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (root.is_discarded()) return Invalid(source, "malformed JSON");
  if (!single_plugin) return ParseListJson(root, source);
  if (!root.is_object()) return Invalid(source, "not a JSON object");
  // A single plugin config: the list takes its name and version (as libcni's
  // ConfListFromConf does); the plugin keeps its own copy of both.
  json list = {{"name", root.value("name", json())},
               {"cniVersion", root.value("cniVersion", json())},
               {"plugins", json::array({root})}};
  return ParseListJson(list, source);
}

absl::StatusOr<CniNetworkList> NetworkListFromJson(const json& value, absl::string_view source) {
  return ParseListJson(value, source);
}

absl::StatusOr<CniNetworkList> LoadNetworkFile(const std::string& path) {
  UCR_ASSIGN_OR_RETURN(std::string text, ReadFile(path));
  return ParseNetworkList(text, path, !absl::EndsWith(path, ".conflist"));
}

ConfDirScan ScanConfDir(const std::string& dir) {
  ConfDirScan scan;
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) {
    scan.dir_missing = true;
    return scan;
  }
  std::vector<std::string> names;
  while (struct dirent* e = ::readdir(d)) {
    std::string name = e->d_name;
    if (name.starts_with(".")) continue;  // editors' temp files, our own atomic writes
    if (absl::EndsWith(name, ".conflist") || absl::EndsWith(name, ".conf") ||
        absl::EndsWith(name, ".json")) {
      names.push_back(std::move(name));
    }
  }
  ::closedir(d);
  std::sort(names.begin(), names.end());
  scan.candidates = static_cast<int>(names.size());
  for (const std::string& name : names) {
    absl::StatusOr<CniNetworkList> list = LoadNetworkFile(absl::StrCat(dir, "/", name));
    if (list.ok()) {
      scan.network = std::move(*list);
      break;
    }
    scan.rejected.push_back(std::string(list.status().message()));
  }
  return scan;
}

CniNetworkList DefaultNetwork() {
  static constexpr char kDefault[] = R"({
    "cniVersion": "1.0.0",
    "name": "ucr",
    "plugins": [
      {"type": "bridge", "bridge": "ucr0", "isGateway": true, "ipMasq": true, "hairpinMode": true,
       "ipam": {"type": "host-local", "ranges": [[{"subnet": "10.88.0.0/16"}]],
                "routes": [{"dst": "0.0.0.0/0"}]}},
      {"type": "portmap", "capabilities": {"portMappings": true}}
    ]})";
  absl::StatusOr<CniNetworkList> list = ParseNetworkList(kDefault, kDefaultNetworkSource, false);
  return *list;  // a constant: the unit tests prove it parses
}

}  // namespace ucr::network
