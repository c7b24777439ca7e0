#include "image/image_record.h"

#include <dirent.h>
#include <unistd.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/files.h"
#include "common/json_state.h"
#include "common/log.h"
#include "common/status.h"
#include "common/status.h"
#include "image/image_config.h"
#include "image/reference.h"

namespace ucr::image {
namespace {

using nlohmann::json;

json ToJson(const ImageRecord& r) {
  return json{{"id", r.id},
              {"repo_tags", r.repo_tags},
              {"repo_digests", r.repo_digests},
              {"chain_ids", r.chain_ids},
              {"diff_ids", r.diff_ids},
              {"blobs", r.blobs},
              {"size", r.size},
              {"config", ImageConfigToJson(r.config)},
              {"pinned", r.pinned},
              {"pulled_at_ns", r.pulled_at_ns}};
}

absl::StatusOr<ImageRecord> FromJson(const json& j, const std::string& path) {
  try {
    ImageRecord r;
    r.id = j.at("id").get<std::string>();
    r.repo_tags = j.value("repo_tags", std::vector<std::string>{});
    r.repo_digests = j.value("repo_digests", std::vector<std::string>{});
    r.chain_ids = j.at("chain_ids").get<std::vector<std::string>>();
    r.diff_ids = j.value("diff_ids", std::vector<std::string>{});
    r.blobs = j.value("blobs", std::vector<std::string>{});
    r.size = j.value("size", uint64_t{0});
    r.config = ImageConfigFromJson(j.value("config", json::object()));
    r.pinned = j.value("pinned", false);
    r.pulled_at_ns = j.value("pulled_at_ns", int64_t{0});
    if (!IsSha256Digest(r.id) || r.chain_ids.empty()) {
      return absl::DataLossError(absl::StrCat(path, ": bad id or no layers"));
    }
    return r;
  } catch (const json::exception& e) {
    return absl::DataLossError(absl::StrCat(path, ": ", e.what()));
  }
}

}  // namespace

absl::Status ImageRecordStore::Save(const ImageRecord& record) const {
  UCR_RETURN_IF_ERROR(MakeDirs(paths_.ImagesDir(), 0700));
  return SaveJson(paths_.ImageMetaPath(absl::StripPrefix(record.id, "sha256:")), ToJson(record));
}

absl::Status ImageRecordStore::Remove(absl::string_view id) const {
  std::string path = paths_.ImageMetaPath(absl::StripPrefix(id, "sha256:"));
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) return LastErrnoError(absl::StrCat("remove ", path));
  return FsyncDir(paths_.ImagesDir());
}

absl::StatusOr<std::vector<ImageRecord>> ImageRecordStore::LoadAll() const {
  UCR_RETURN_IF_ERROR(MakeDirs(paths_.ImagesDir(), 0700));
  std::vector<ImageRecord> out;
  DIR* d = ::opendir(paths_.ImagesDir().c_str());
  if (d == nullptr) return LastErrnoError(absl::StrCat("open ", paths_.ImagesDir()));
  std::vector<std::string> names;
  while (struct dirent* e = ::readdir(d)) {
    absl::string_view name = e->d_name;
    if (absl::StartsWith(name, ".") && absl::StrContains(name, ".tmp-")) {  // a write cut short by a crash
      ::unlink(absl::StrCat(paths_.ImagesDir(), "/", name).c_str());
      continue;
    }
    if (absl::EndsWith(name, ".json") && IsSha256Hex(name.substr(0, name.size() - 5))) names.emplace_back(name);
  }
  ::closedir(d);
  for (const std::string& name : names) {
    std::string path = absl::StrCat(paths_.ImagesDir(), "/", name);
    absl::StatusOr<json> j = LoadJson(path);
    absl::StatusOr<ImageRecord> r = j.ok() ? FromJson(*j, path) : absl::StatusOr<ImageRecord>(j.status());
    if (!r.ok()) {
      log::Warn("image record skipped: %s", r.status().message());
      continue;
    }
    out.push_back(std::move(*r));
  }
  return out;
}

}  // namespace ucr::image
