#include "image/image_config.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "image/reference.h"

namespace ucr::image {
namespace {

using nlohmann::json;

std::string Str(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::vector<std::string> Strings(const json& j, const char* key) {
  std::vector<std::string> out;
  auto it = j.find(key);
  if (it == j.end() || !it->is_array()) return out;
  for (const json& v : *it) {
    if (v.is_string()) out.push_back(v.get<std::string>());
  }
  return out;
}

}  // namespace

absl::StatusOr<ParsedConfig> ParseImageConfig(absl::string_view body) {
  json j = json::parse(body.begin(), body.end(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return absl::InvalidArgumentError("bad image config: not a JSON object");
  ParsedConfig out;
  out.os = Str(j, "os");
  out.architecture = Str(j, "architecture");
  auto rootfs = j.find("rootfs");
  if (rootfs == j.end() || !rootfs->is_object()) return absl::InvalidArgumentError("bad image config: no rootfs");
  out.diff_ids = Strings(*rootfs, "diff_ids");
  if (out.diff_ids.empty()) return absl::InvalidArgumentError("bad image config: rootfs.diff_ids is empty");
  for (const std::string& d : out.diff_ids) {
    if (!IsSha256Digest(d)) return absl::InvalidArgumentError(absl::StrCat("bad image config: diff id \"", d, "\""));
  }
  auto cfg = j.find("config");
  if (cfg == j.end() || !cfg->is_object()) return out;  // "config" is optional in OCI
  ImageConfig& c = out.config;
  c.user = Str(*cfg, "User");
  c.env = Strings(*cfg, "Env");
  c.entrypoint = Strings(*cfg, "Entrypoint");
  c.cmd = Strings(*cfg, "Cmd");
  c.working_dir = Str(*cfg, "WorkingDir");
  c.stop_signal = Str(*cfg, "StopSignal");
  if (auto labels = cfg->find("Labels"); labels != cfg->end() && labels->is_object()) {
    for (const auto& [k, v] : labels->items()) {
      if (v.is_string()) c.labels[k] = v.get<std::string>();
    }
  }
  if (auto ports = cfg->find("ExposedPorts"); ports != cfg->end() && ports->is_object()) {
    for (const auto& [k, v] : ports->items()) c.exposed_ports.push_back(k);
  }
  return out;
}

json ImageConfigToJson(const ImageConfig& c) {
  return json{{"user", c.user},         {"env", c.env},           {"entrypoint", c.entrypoint},
              {"cmd", c.cmd},           {"working_dir", c.working_dir}, {"stop_signal", c.stop_signal},
              {"labels", c.labels},     {"exposed_ports", c.exposed_ports}};
}

ImageConfig ImageConfigFromJson(const json& j) {
  ImageConfig c;
  c.user = j.value("user", "");
  c.env = j.value("env", std::vector<std::string>{});
  c.entrypoint = j.value("entrypoint", std::vector<std::string>{});
  c.cmd = j.value("cmd", std::vector<std::string>{});
  c.working_dir = j.value("working_dir", "");
  c.stop_signal = j.value("stop_signal", "");
  c.labels = j.value("labels", std::map<std::string, std::string>{});
  c.exposed_ports = j.value("exposed_ports", std::vector<std::string>{});
  return c;
}

ImageUser SplitImageUser(absl::string_view user) {
  ImageUser out;
  absl::string_view name = user.substr(0, user.find(':'));
  if (name.empty()) return out;
  int64_t uid = 0;
  if (absl::SimpleAtoi(name, &uid) && uid >= 0) {
    out.uid = uid;
  } else {
    out.username = std::string(name);
  }
  return out;
}

}  // namespace ucr::image
