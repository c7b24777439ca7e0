#include "image/manifest.h"

#include <sys/utsname.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "image/reference.h"
#include "nlohmann/json.hpp"

namespace ucr::image {
namespace {

using nlohmann::json;

bool IsManifestType(absl::string_view t) { return t == media::kOciManifest || t == media::kDockerManifest; }
bool IsIndexType(absl::string_view t) { return t == media::kOciIndex || t == media::kDockerList; }

std::string StringField(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

absl::StatusOr<Descriptor> ParseDescriptor(const json& j, absl::string_view where) {
  if (!j.is_object()) return absl::InvalidArgumentError(absl::StrCat(where, ": not an object"));
  Descriptor d;
  d.media_type = StringField(j, "mediaType");
  d.digest = StringField(j, "digest");
  if (!IsSha256Digest(d.digest)) {
    return absl::InvalidArgumentError(absl::StrCat(where, ": bad or unsupported digest \"", d.digest, "\""));
  }
  auto size = j.find("size");
  if (size == j.end() || !size->is_number_integer() || size->get<int64_t>() < 0) {
    return absl::InvalidArgumentError(absl::StrCat(where, ": missing or negative size"));
  }
  d.size = size->get<int64_t>();
  if (auto p = j.find("platform"); p != j.end() && p->is_object()) {
    d.platform = {StringField(*p, "os"), StringField(*p, "architecture"), StringField(*p, "variant")};
  }
  return d;
}

absl::StatusOr<std::vector<Descriptor>> ParseDescriptors(const json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_array()) {
    return absl::InvalidArgumentError(absl::StrCat("manifest has no \"", key, "\" array"));
  }
  std::vector<Descriptor> out;
  for (size_t i = 0; i < it->size(); ++i) {
    absl::StatusOr<Descriptor> d = ParseDescriptor((*it)[i], absl::StrCat(key, "[", i, "]"));
    if (!d.ok()) return d.status();
    out.push_back(std::move(*d));
  }
  return out;
}

absl::StatusOr<ParsedManifest> ParseJsonManifest(const json& j, std::string type) {
  ParsedManifest m;
  m.media_type = std::move(type);
  m.is_index = IsIndexType(m.media_type);
  if (m.is_index) {
    absl::StatusOr<std::vector<Descriptor>> ms = ParseDescriptors(j, "manifests");
    if (!ms.ok()) return ms.status();
    m.manifests = std::move(*ms);
    return m;
  }
  auto config = j.find("config");
  if (config == j.end()) return absl::InvalidArgumentError("manifest has no config");
  absl::StatusOr<Descriptor> c = ParseDescriptor(*config, "config");
  if (!c.ok()) return c.status();
  m.config = std::move(*c);
  absl::StatusOr<std::vector<Descriptor>> layers = ParseDescriptors(j, "layers");
  if (!layers.ok()) return layers.status();
  if (layers->empty()) return absl::InvalidArgumentError("manifest has no layers");
  m.layers = std::move(*layers);
  return m;
}

}  // namespace

absl::StatusOr<ParsedManifest> ParseManifest(absl::string_view body, absl::string_view content_type) {
  json j = json::parse(body.begin(), body.end(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    return absl::InvalidArgumentError("bad manifest: not a JSON object");
  }
  if (auto v = j.find("schemaVersion"); v != j.end() && *v == 1) {
    return absl::FailedPreconditionError(
        "unsupported manifest media type \"application/vnd.docker.distribution.manifest.v1+json\" (Docker schema1)");
  }
  std::string type = StringField(j, "mediaType");
  if (type.empty()) {
    // OCI allows omitting mediaType; the Content-Type (minus parameters) tells then.
    type = std::string(content_type.substr(0, content_type.find(';')));
    if (!IsManifestType(type) && !IsIndexType(type)) {
      type = j.contains("manifests") ? media::kOciIndex : media::kOciManifest;
    }
  }
  if (!IsManifestType(type) && !IsIndexType(type)) {
    return absl::FailedPreconditionError(absl::StrCat("unsupported manifest media type \"", type, "\""));
  }
  absl::StatusOr<ParsedManifest> m = ParseJsonManifest(j, type);
  if (!m.ok()) return absl::InvalidArgumentError(absl::StrCat("bad manifest: ", m.status().message()));
  return m;
}

Platform HostPlatform() {
  struct utsname u;
  ::uname(&u);
  absl::string_view machine = u.machine;
  if (machine == "x86_64") return {"linux", "amd64", ""};
  if (machine == "aarch64" || machine == "arm64") return {"linux", "arm64", "v8"};
  if (machine == "armv7l") return {"linux", "arm", "v7"};
  if (machine == "armv6l") return {"linux", "arm", "v6"};
  if (machine == "i686" || machine == "i386") return {"linux", "386", ""};
  return {"linux", std::string(machine), ""};
}

absl::StatusOr<Descriptor> SelectPlatform(const ParsedManifest& index, const Platform& want) {
  auto norm_variant = [](const Platform& p) {
    return p.architecture == "arm64" && p.variant.empty() ? std::string("v8") : p.variant;
  };
  const std::string want_variant = norm_variant(want);
  const Descriptor* loose = nullptr;
  std::vector<std::string> offered;
  for (const Descriptor& d : index.manifests) {
    const Platform& p = d.platform;
    offered.push_back(absl::StrCat(p.os, "/", p.architecture, p.variant.empty() ? "" : "/", p.variant));
    if (p.os != want.os || p.architecture != want.architecture) continue;
    if (!IsManifestType(d.media_type) && !d.media_type.empty()) continue;
    std::string variant = norm_variant(p);
    if (variant == want_variant) return d;
    if ((variant.empty() || want_variant.empty()) && loose == nullptr) loose = &d;
  }
  if (loose != nullptr) return *loose;
  return absl::NotFoundError(absl::StrCat("no manifest for ", want.os, "/", want.architecture,
                                          want.variant.empty() ? "" : "/", want.variant,
                                          " in the image index (it has: ", absl::StrJoin(offered, ", "), ")"));
}

}  // namespace ucr::image
