#include "image/image_manager.h"

#include <algorithm>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "common/log.h"
#include "common/status.h"
#include "image/puller.h"
#include "image/reference.h"

namespace ucr::image {
namespace {

void AddUnique(std::vector<std::string>& v, const std::string& s) {
  if (!s.empty() && std::find(v.begin(), v.end(), s) == v.end()) v.push_back(s);
}

bool Erase(std::vector<std::string>& v, const std::string& s) {
  auto it = std::find(v.begin(), v.end(), s);
  if (it == v.end()) return false;
  v.erase(it);
  return true;
}

bool Contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

bool IsHexPrefix(absl::string_view s) {
  return !s.empty() && s.size() <= 64 &&
         std::all_of(s.begin(), s.end(), [](char c) { return absl::ascii_isdigit(c) || (c >= 'a' && c <= 'f'); });
}

}  // namespace

struct ImageManager::Flight {
  bool done = false;
  absl::StatusOr<ImageRecord> result;
};

ImageManager::ImageManager(const Config* config, Paths paths)
    : config_(config), paths_(paths), content_(paths), layers_(paths), records_(paths) {}

void ImageManager::SetInUseChecker(std::function<bool(const std::string&)> checker) {
  absl::MutexLock lock(&mu_);
  in_use_ = std::move(checker);
}

absl::Status ImageManager::Recover() {
  UCR_RETURN_IF_ERROR(Annotate(content_.Recover(), "recover content store"));
  UCR_RETURN_IF_ERROR(Annotate(layers_.Recover(), "recover layer store"));
  UCR_ASSIGN_OR_RETURN(std::vector<ImageRecord> records, records_.LoadAll());
  absl::MutexLock lock(&mu_);
  images_.clear();
  // Newest first, so that a tag left on two records by a crash stays with the newer.
  std::sort(records.begin(), records.end(),
            [](const ImageRecord& a, const ImageRecord& b) { return a.pulled_at_ns > b.pulled_at_ns; });
  std::set<std::string> tags_seen;
  for (ImageRecord& r : records) {
    auto missing = std::find_if(r.chain_ids.begin(), r.chain_ids.end(),
                                [&](const std::string& c) { return !layers_.Has(c); });
    if (missing != r.chain_ids.end()) {
      log::Warn("image %s lost its layer %s: forgetting it (pull it again)", r.id, *missing);
      UCR_RETURN_IF_ERROR(records_.Remove(r.id));
      continue;
    }
    bool changed = false;
    for (auto it = r.repo_tags.begin(); it != r.repo_tags.end();) {
      if (tags_seen.insert(*it).second) {
        ++it;
      } else {
        it = r.repo_tags.erase(it);
        changed = true;
      }
    }
    if (changed) UCR_RETURN_IF_ERROR(records_.Save(r));
    images_[r.id] = std::move(r);
  }
  CollectGarbageLocked();
  log::Info("image store: %d images", static_cast<int>(images_.size()));
  return absl::OkStatus();
}

absl::StatusOr<ImageRecord> ImageManager::Pull(absl::string_view reference, const Credentials& creds) {
  UCR_ASSIGN_OR_RETURN(Reference ref, ParseReference(reference));
  std::string key = absl::StrCat(ref.String(), "\n", creds.username, "\n", creds.password);
  std::shared_ptr<Flight> flight;
  bool leader = false;
  {
    absl::MutexLock lock(&mu_);
    auto [it, inserted] = flights_.try_emplace(key, nullptr);
    if (inserted) it->second = std::make_shared<Flight>();
    flight = it->second;
    leader = inserted;
  }
  if (!leader) {
    log::Info("pull %s: joining the pull already in progress", ref.String());
    absl::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(&flight->done));
    return flight->result;
  }
  absl::StatusOr<ImageRecord> result = PullUncoalesced(ref.String(), creds);
  absl::MutexLock lock(&mu_);
  // A failed pull keeps nothing: the layers and blobs it stored are unpinned now.
  if (!result.ok()) CollectGarbageLocked();
  flight->result = result;
  flight->done = true;
  flights_.erase(key);
  return result;
}

absl::StatusOr<ImageRecord> ImageManager::PullUncoalesced(absl::string_view reference, const Credentials& creds) {
  UCR_ASSIGN_OR_RETURN(Reference ref, ParseReference(reference));
  ScopedPins pins(&pins_);
  PullDeps deps{config_, &content_, &layers_, &claims_, &pins_};
  UCR_ASSIGN_OR_RETURN(PullResult pulled, PullImage(deps, ref, creds, pins));

  absl::MutexLock lock(&mu_);
  ImageRecord& rec = images_[pulled.config_digest];
  rec.id = pulled.config_digest;
  rec.chain_ids = pulled.chain_ids;
  rec.diff_ids = pulled.config.diff_ids;
  rec.config = pulled.config.config;
  rec.size = pulled.size;
  rec.pulled_at_ns = absl::GetCurrentTimeNanos();
  for (const std::string& b : pulled.blobs) AddUnique(rec.blobs, b);
  std::string tag = ref.TagRef();
  AddUnique(rec.repo_tags, tag);
  AddUnique(rec.repo_digests, ref.DigestRef(pulled.manifest_digest));
  UCR_RETURN_IF_ERROR(SaveLocked(rec));
  // A tag that moved: the image it named before loses it (and stays, by id and digest).
  for (auto& [id, other] : images_) {
    if (id != rec.id && !tag.empty() && Erase(other.repo_tags, tag)) {
      log::Info("tag %s moved from %s to %s", tag, id, rec.id);
      UCR_RETURN_IF_ERROR(SaveLocked(other));
    }
  }
  return rec;
}

absl::Status ImageManager::SaveLocked(const ImageRecord& record) {
  return Annotate(records_.Save(record), absl::StrCat("save image record ", record.id));
}

std::vector<ImageRecord> ImageManager::List() const {
  absl::MutexLock lock(&mu_);
  std::vector<ImageRecord> out;
  for (const auto& [id, r] : images_) out.push_back(r);
  return out;
}

const ImageRecord* ImageManager::FindLocked(absl::string_view text) const {
  std::string id = absl::StartsWith(text, "sha256:") ? std::string(text) : absl::StrCat("sha256:", text);
  if (auto it = images_.find(id); it != images_.end()) return &it->second;
  if (absl::StatusOr<Reference> ref = ParseReference(text); ref.ok()) {
    for (const auto& [rid, r] : images_) {
      bool match = ref->digest.empty() ? Contains(r.repo_tags, ref->TagRef())
                                       : Contains(r.repo_digests, ref->DigestRef(ref->digest));
      if (match) return &r;
    }
  }
  absl::string_view prefix = absl::StripPrefix(text, "sha256:");
  if (!IsHexPrefix(prefix)) return nullptr;
  const ImageRecord* found = nullptr;
  for (const auto& [rid, r] : images_) {
    if (absl::StartsWith(absl::StripPrefix(rid, "sha256:"), prefix)) {
      if (found != nullptr) return nullptr;  // ambiguous
      found = &r;
    }
  }
  return found;
}

absl::StatusOr<ImageRecord> ImageManager::Find(absl::string_view ref_or_id) const {
  absl::MutexLock lock(&mu_);
  const ImageRecord* r = FindLocked(ref_or_id);
  if (r == nullptr) return absl::NotFoundError(absl::StrCat("image \"", ref_or_id, "\" not found"));
  return *r;
}

absl::Status ImageManager::Remove(absl::string_view ref_or_id) {
  std::function<bool(const std::string&)> in_use;
  std::string id;
  {
    absl::MutexLock lock(&mu_);
    const ImageRecord* r = FindLocked(ref_or_id);
    if (r == nullptr) return absl::NotFoundError(absl::StrCat("image \"", ref_or_id, "\" not found"));
    id = r->id;
    in_use = in_use_;
  }
  absl::StatusOr<Reference> ref = ParseReference(ref_or_id);
  std::string tag = ref.ok() && ref->digest.empty() ? ref->TagRef() : "";
  absl::MutexLock lock(&mu_);
  auto it = images_.find(id);
  if (it == images_.end()) return absl::NotFoundError(absl::StrCat("image \"", ref_or_id, "\" not found"));
  ImageRecord& rec = it->second;
  if (!tag.empty() && Contains(rec.repo_tags, tag) && rec.repo_tags.size() > 1) {
    Erase(rec.repo_tags, tag);
    log::Info("untagged %s from %s", tag, id);
    return SaveLocked(rec);
  }
  if (in_use) {
    // The checker may call back into runtime/, which may call Resolve: not under our lock.
    mu_.Unlock();
    bool used = in_use(id);
    mu_.Lock();
    if (used) {
      return absl::FailedPreconditionError(
          absl::StrCat("image \"", ref_or_id, "\" (", id, ") is in use by a container; remove the container first"));
    }
    it = images_.find(id);
    if (it == images_.end()) return absl::OkStatus();  // removed meanwhile
  }
  UCR_RETURN_IF_ERROR(records_.Remove(id));
  images_.erase(it);
  log::Info("removed image %s (%s)", id, std::string(ref_or_id));
  CollectGarbageLocked();
  return absl::OkStatus();
}

void ImageManager::CollectGarbageLocked() {
  std::set<std::string> chains, blobs;
  for (const auto& [id, r] : images_) {
    chains.insert(r.chain_ids.begin(), r.chain_ids.end());
    blobs.insert(r.blobs.begin(), r.blobs.end());
    blobs.insert(r.id);
  }
  for (const LayerInfo& layer : layers_.List()) {
    if (chains.count(layer.chain_id)) continue;
    pins_.RunIfUnpinned(layer.chain_id, [&] {
      absl::Status st = layers_.Remove(layer.chain_id);
      if (st.ok()) {
        log::Info("collected layer %s (%.1f MB)", layer.chain_id, layer.size_bytes / 1e6);
      } else {
        log::Warn("cannot collect layer %s: %s", layer.chain_id, st.message());
      }
    });
  }
  for (const std::string& digest : content_.List()) {
    if (blobs.count(digest)) continue;
    pins_.RunIfUnpinned(digest, [&] {
      if (absl::Status st = content_.Remove(digest); !st.ok()) log::Warn("cannot collect blob: %s", st.message());
    });
  }
}

absl::StatusOr<std::string> ImageManager::ConfigJson(const ImageRecord& record) const {
  return content_.Read(record.id);
}

absl::StatusOr<DiskUsage> ImageManager::Usage() const {
  return MeasureTrees({paths_.ContentDir(), paths_.LayersDir(), paths_.ImagesDir()});
}

absl::StatusOr<ResolvedImage> ImageManager::Resolve(absl::string_view ref_or_id) {
  UCR_ASSIGN_OR_RETURN(ImageRecord r, Find(ref_or_id));
  ResolvedImage out;
  out.id = r.id;
  out.image_ref = r.repo_digests.empty() ? r.id : r.repo_digests.front();
  for (auto it = r.chain_ids.rbegin(); it != r.chain_ids.rend(); ++it) out.lower_dirs.push_back(layers_.Dir(*it));
  out.config = r.config;
  return out;
}

}  // namespace ucr::image
