#include "common/config.h"

#include <sstream>
#include <toml.hpp>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/files.h"
#include "common/log.h"
#include "common/status.h"

namespace ucr {
namespace {

using TomlValue = toml::value;

std::string TypeName(const TomlValue& v) {
  std::ostringstream os;
  os << v.type();
  return os.str();
}

absl::Status KeyError(absl::string_view key, absl::string_view problem) {
  return absl::InvalidArgumentError(absl::StrCat("key \"", key, "\": ", problem));
}

absl::Status ReadString(const TomlValue& v, absl::string_view key, std::string* out) {
  if (!v.is_string()) return KeyError(key, absl::StrCat("expected a string, got ", TypeName(v)));
  *out = v.as_string().str;
  return absl::OkStatus();
}

absl::Status ReadBool(const TomlValue& v, absl::string_view key, bool* out) {
  if (!v.is_boolean()) return KeyError(key, absl::StrCat("expected a boolean, got ", TypeName(v)));
  *out = v.as_boolean();
  return absl::OkStatus();
}

absl::Status ReadIntIn(const TomlValue& v, absl::string_view key, int lo, int hi, int* out) {
  if (!v.is_integer()) return KeyError(key, absl::StrCat("expected an integer, got ", TypeName(v)));
  auto n = v.as_integer();
  if (n < lo || n > hi) return KeyError(key, absl::StrCat(n, " is outside ", lo, "..", hi));
  *out = static_cast<int>(n);
  return absl::OkStatus();
}

absl::Status ReadPositiveInt(const TomlValue& v, absl::string_view key, int* out) {
  return ReadIntIn(v, key, 1, 3600000, out);
}

absl::Status ReadStringList(const TomlValue& v, absl::string_view key, std::vector<std::string>* out) {
  if (!v.is_array()) return KeyError(key, absl::StrCat("expected an array of strings, got ", TypeName(v)));
  out->clear();
  for (const TomlValue& item : v.as_array()) {
    if (!item.is_string()) {
      return KeyError(key, absl::StrCat("expected an array of strings, found a ", TypeName(item)));
    }
    out->push_back(item.as_string().str);
  }
  return absl::OkStatus();
}

absl::Status RequireTable(const TomlValue& v, absl::string_view key) {
  if (!v.is_table()) return KeyError(key, absl::StrCat("expected a table, got ", TypeName(v)));
  return absl::OkStatus();
}

absl::Status ParseRegistry(const TomlValue& table, const std::string& prefix, RegistryConfig* out) {
  UCR_RETURN_IF_ERROR(RequireTable(table, prefix));
  for (const auto& [key, value] : table.as_table()) {
    std::string full = absl::StrCat(prefix, ".", key);
    if (key == "mirrors") {
      UCR_RETURN_IF_ERROR(ReadStringList(value, full, &out->mirrors));
    } else if (key == "insecure") {
      UCR_RETURN_IF_ERROR(ReadBool(value, full, &out->insecure));
    } else if (key == "username") {
      UCR_RETURN_IF_ERROR(ReadString(value, full, &out->username));
    } else if (key == "password") {
      UCR_RETURN_IF_ERROR(ReadString(value, full, &out->password));
    } else if (key == "auth") {
      UCR_RETURN_IF_ERROR(ReadString(value, full, &out->auth));
    } else {
      return KeyError(full, "unknown key");
    }
  }
  return absl::OkStatus();
}

absl::Status ParseRoot(const TomlValue& root, Config* config) {
  for (const auto& [key, value] : root.as_table()) {
    if (key == "socket") {
      UCR_RETURN_IF_ERROR(ReadString(value, key, &config->socket_path));
    } else if (key == "root_dir") {
      UCR_RETURN_IF_ERROR(ReadString(value, key, &config->root_dir));
    } else if (key == "state_dir") {
      UCR_RETURN_IF_ERROR(ReadString(value, key, &config->state_dir));
    } else if (key == "log_level") {
      UCR_RETURN_IF_ERROR(ReadString(value, key, &config->log_level));
    } else if (key == "cni") {
      UCR_RETURN_IF_ERROR(RequireTable(value, key));
      for (const auto& [ckey, cvalue] : value.as_table()) {
        std::string full = absl::StrCat("cni.", ckey);
        if (ckey == "conf_dir") {
          UCR_RETURN_IF_ERROR(ReadString(cvalue, full, &config->cni_conf_dir));
        } else if (ckey == "bin_dirs") {
          UCR_RETURN_IF_ERROR(ReadStringList(cvalue, full, &config->cni_bin_dirs));
        } else if (ckey == "plugin_timeout_ms") {
          UCR_RETURN_IF_ERROR(ReadPositiveInt(cvalue, full, &config->cni_plugin_timeout_ms));
        } else if (ckey == "default_network") {
          UCR_RETURN_IF_ERROR(ReadBool(cvalue, full, &config->cni_default_network));
        } else {
          return KeyError(full, "unknown key");
        }
      }
    } else if (key == "launcher") {
      UCR_RETURN_IF_ERROR(RequireTable(value, key));
      for (const auto& [lkey, lvalue] : value.as_table()) {
        std::string full = absl::StrCat("launcher.", lkey);
        if (lkey == "spare_monitors") {
          UCR_RETURN_IF_ERROR(ReadIntIn(lvalue, full, 0, 16, &config->spare_monitors));
        } else {
          return KeyError(full, "unknown key");
        }
      }
    } else if (key == "registries") {
      UCR_RETURN_IF_ERROR(RequireTable(value, key));
      for (const auto& [host, table] : value.as_table()) {
        RegistryConfig reg;
        UCR_RETURN_IF_ERROR(ParseRegistry(table, absl::StrCat("registries.\"", host, "\""), &reg));
        config->registries[host] = std::move(reg);
      }
    } else {
      return KeyError(key, "unknown key");
    }
  }
  return absl::OkStatus();
}

std::string Quote(const std::string& s) { return nlohmann::json(s).dump(); }

std::string QuoteList(const std::vector<std::string>& items) {
  std::vector<std::string> quoted;
  for (const auto& i : items) quoted.push_back(Quote(i));
  return absl::StrCat("[", absl::StrJoin(quoted, ", "), "]");
}

}  // namespace

absl::StatusOr<Config> ParseConfig(absl::string_view toml_text, absl::string_view origin) {
  Config config;
  config.source = std::string(origin);
  try {
    std::istringstream in{std::string(toml_text)};
    TomlValue root = toml::parse(in, std::string(origin));
    UCR_RETURN_IF_ERROR(ParseRoot(root, &config));
  } catch (const std::exception& e) {
    // toml11's messages span several lines with a source excerpt; keep the first.
    std::string what = e.what();
    std::string first = what.substr(0, what.find('\n'));
    return absl::InvalidArgumentError(absl::StrCat("invalid TOML: ", first));
  }
  UCR_RETURN_IF_ERROR(ValidateConfig(config));
  return config;
}

absl::StatusOr<Config> LoadConfigFile(const std::string& path, bool must_exist) {
  absl::StatusOr<std::string> text = ReadFile(path);
  if (!text.ok()) {
    if (absl::IsNotFound(text.status()) && !must_exist) return Config();
    return text.status();
  }
  absl::StatusOr<Config> config = ParseConfig(*text, path);
  if (!config.ok()) return Annotate(config.status(), absl::StrCat("config ", path));
  return config;
}

absl::Status ValidateConfig(const Config& config) {
  const std::pair<const char*, const std::string*> paths[] = {
      {"socket", &config.socket_path},
      {"root_dir", &config.root_dir},
      {"state_dir", &config.state_dir},
      {"cni.conf_dir", &config.cni_conf_dir},
  };
  for (const auto& [key, value] : paths) {
    if (value->empty() || (*value)[0] != '/') {
      return KeyError(key, absl::StrCat("\"", *value, "\" is not an absolute path"));
    }
  }
  for (const auto& dir : config.cni_bin_dirs) {
    if (dir.empty() || dir[0] != '/') {
      return KeyError("cni.bin_dirs", absl::StrCat("\"", dir, "\" is not an absolute path"));
    }
  }
  if (absl::Status st = log::ParseLevel(config.log_level).status(); !st.ok()) {
    return KeyError("log_level", st.message());
  }
  for (const auto& [host, reg] : config.registries) {
    for (const auto& m : reg.mirrors) {
      if (!m.starts_with("http://") && !m.starts_with("https://")) {
        return KeyError(absl::StrCat("registries.\"", host, "\".mirrors"),
                        absl::StrCat("\"", m, "\" must start with http:// or https://"));
      }
    }
  }
  return absl::OkStatus();
}

std::string ConfigToToml(const Config& config) {
  std::string out = absl::StrCat("# effective ucrd configuration (from ", config.source, ")\n");
  absl::StrAppend(&out, "socket = ", Quote(config.socket_path), "\n");
  absl::StrAppend(&out, "root_dir = ", Quote(config.root_dir), "\n");
  absl::StrAppend(&out, "state_dir = ", Quote(config.state_dir), "\n");
  absl::StrAppend(&out, "log_level = ", Quote(config.log_level), "\n");
  absl::StrAppend(&out, "\n[cni]\n");
  absl::StrAppend(&out, "conf_dir = ", Quote(config.cni_conf_dir), "\n");
  absl::StrAppend(&out, "bin_dirs = ", QuoteList(config.cni_bin_dirs), "\n");
  absl::StrAppend(&out, "plugin_timeout_ms = ", config.cni_plugin_timeout_ms, "\n");
  absl::StrAppend(&out, "default_network = ", config.cni_default_network ? "true" : "false", "\n");
  absl::StrAppend(&out, "\n[launcher]\n");
  absl::StrAppend(&out, "spare_monitors = ", config.spare_monitors, "\n");
  for (const auto& [host, reg] : config.registries) {
    absl::StrAppend(&out, "\n[registries.", Quote(host), "]\n");
    absl::StrAppend(&out, "mirrors = ", QuoteList(reg.mirrors), "\n");
    absl::StrAppend(&out, "insecure = ", reg.insecure ? "true" : "false", "\n");
    // Secrets are never printed back.
    if (!reg.username.empty()) absl::StrAppend(&out, "username = ", Quote(reg.username), "\n");
    if (!reg.password.empty() || !reg.auth.empty()) absl::StrAppend(&out, "# credentials set (hidden)\n");
  }
  return out;
}

nlohmann::json ConfigToJson(const Config& config) {
  nlohmann::json j = {
      {"source", config.source},
      {"socket", config.socket_path},
      {"root_dir", config.root_dir},
      {"state_dir", config.state_dir},
      {"log_level", config.log_level},
      {"cni", {{"conf_dir", config.cni_conf_dir}, {"bin_dirs", config.cni_bin_dirs},
               {"plugin_timeout_ms", config.cni_plugin_timeout_ms},
               {"default_network", config.cni_default_network}}},
      {"launcher", {{"spare_monitors", config.spare_monitors}}},
      {"registries", nlohmann::json::object()},
  };
  for (const auto& [host, reg] : config.registries) {
    j["registries"][host] = {{"mirrors", reg.mirrors}, {"insecure", reg.insecure},
                             {"username", reg.username},
                             {"credentials", !reg.password.empty() || !reg.auth.empty()}};
  }
  return j;
}

}  // namespace ucr
