#include "image/layer_store.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/files.h"
#include "common/ids.h"
#include "common/json_state.h"
#include "common/log.h"
#include "common/status.h"
#include "common/unique_fd.h"
#include "openssl/evp.h"
#include "absl/strings/escaping.h"

namespace ucr::image {
namespace {

constexpr absl::string_view kSha256 = "sha256:";

bool IsHex64(absl::string_view s) {
  return s.size() == 64 &&
         std::all_of(s.begin(), s.end(), [](char c) { return absl::ascii_isdigit(c) || (c >= 'a' && c <= 'f'); });
}

// The hex of a "sha256:<hex>" id, or "" when malformed.
std::string HexOf(absl::string_view id) {
  if (!absl::ConsumePrefix(&id, kSha256) || !IsHex64(id)) return "";
  return std::string(id);
}

absl::Status CheckId(absl::string_view id, absl::string_view what) {
  if (HexOf(id).empty()) {
    return absl::InvalidArgumentError(absl::StrCat("malformed ", what, " \"", id, "\" (want sha256:<64 hex>)"));
  }
  return absl::OkStatus();
}

bool Exists(const std::string& path) {
  struct stat st;
  return ::lstat(path.c_str(), &st) == 0;
}

bool IsDir(const std::string& path) {
  struct stat st;
  return ::lstat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

std::vector<std::string> DirEntries(const std::string& dir) {
  std::vector<std::string> names;
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return names;
  while (dirent* ent = ::readdir(d)) {
    absl::string_view n = ent->d_name;
    if (n != "." && n != "..") names.emplace_back(n);
  }
  ::closedir(d);
  return names;
}

}  // namespace

// Serializes work on one chain id: waits until no other call holds it.
class LayerStore::ChainLock {
 public:
  ChainLock(LayerStore& store, absl::string_view chain_id) : store_(store), id_(chain_id) {
    std::unique_lock<std::mutex> lock(store_.mu_);
    store_.cv_.wait(lock, [&] { return store_.busy_.count(id_) == 0; });
    store_.busy_.insert(id_);
  }
  ~ChainLock() {
    std::lock_guard<std::mutex> lock(store_.mu_);
    store_.busy_.erase(id_);
    store_.cv_.notify_all();
  }

 private:
  LayerStore& store_;
  std::string id_;
};

LayerStore::LayerStore(Paths paths, bool durable) : paths_(std::move(paths)), durable_(durable) {}

std::string LayerStore::ChainId(absl::string_view parent_chain_id, absl::string_view diff_id) {
  if (parent_chain_id.empty()) return std::string(diff_id);
  std::string input = absl::StrCat(parent_chain_id, " ", diff_id);
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(input.data(), input.size(), md, &len, EVP_sha256(), nullptr);
  return absl::StrCat(kSha256, absl::BytesToHexString(absl::string_view(reinterpret_cast<char*>(md), len)));
}

std::string LayerStore::Dir(absl::string_view chain_id) const {
  std::string hex = HexOf(chain_id);
  return hex.empty() ? "" : paths_.LayerDir(hex);
}

bool LayerStore::Has(absl::string_view chain_id) const {
  std::string hex = HexOf(chain_id);
  return !hex.empty() && Exists(paths_.LayerMetaPath(hex)) && IsDir(paths_.LayerDir(hex));
}

absl::StatusOr<LayerInfo> LayerStore::Info(absl::string_view chain_id) const {
  UCR_RETURN_IF_ERROR(CheckId(chain_id, "chain id"));
  std::string hex = HexOf(chain_id);
  if (!Has(chain_id)) return absl::NotFoundError(absl::StrCat("layer ", chain_id, " not found"));
  UCR_ASSIGN_OR_RETURN(nlohmann::json j, LoadJson(paths_.LayerMetaPath(hex)));
  LayerInfo info;
  info.chain_id = j.value("chain_id", "");
  info.diff_id = j.value("diff_id", "");
  info.parent_chain_id = j.value("parent_chain_id", "");
  info.size_bytes = j.value("size_bytes", uint64_t{0});
  if (info.chain_id != chain_id || HexOf(info.diff_id).empty()) {
    return absl::DataLossError(absl::StrCat("layer metadata ", paths_.LayerMetaPath(hex), " is inconsistent"));
  }
  return info;
}

std::vector<LayerInfo> LayerStore::List() const {
  std::vector<LayerInfo> out;
  for (const std::string& name : DirEntries(paths_.LayersDir())) {
    absl::string_view hex = name;
    if (!absl::ConsumeSuffix(&hex, ".json") || !IsHex64(hex)) continue;
    absl::StatusOr<LayerInfo> info = Info(absl::StrCat(kSha256, hex));
    if (info.ok()) out.push_back(*std::move(info));
  }
  std::sort(out.begin(), out.end(), [](const LayerInfo& a, const LayerInfo& b) { return a.chain_id < b.chain_id; });
  return out;
}

absl::Status LayerStore::Recover() {
  UCR_RETURN_IF_ERROR(EnsureUsableDir(paths_.LayersDir(), 0700));
  UCR_RETURN_IF_ERROR(RemoveTree(paths_.LayersTmpDir()));
  UCR_RETURN_IF_ERROR(MakeDirs(paths_.LayersTmpDir(), 0700));
  for (const std::string& name : DirEntries(paths_.LayersDir())) {
    std::string path = absl::StrCat(paths_.LayersDir(), "/", name);
    absl::string_view hex = name;
    if (IsHex64(name) && !Exists(paths_.LayerMetaPath(name))) {
      log::Warn("layer store: removing half-published layer %s", name);
      UCR_RETURN_IF_ERROR(RemoveTree(path));
    } else if (absl::ConsumeSuffix(&hex, ".json") && IsHex64(hex) && !IsDir(paths_.LayerDir(hex))) {
      log::Warn("layer store: removing metadata of missing layer %s", hex);
      if (::unlink(path.c_str()) != 0) return LastErrnoError(absl::StrCat("unlink ", path));
    } else if (absl::StartsWith(name, ".") && absl::StrContains(name, ".json.tmp-")) {
      ::unlink(path.c_str());  // a WriteFileAtomic interrupted by a crash
    }
  }
  return FsyncDir(paths_.LayersDir());
}

absl::StatusOr<LayerInfo> LayerStore::Unpack(absl::string_view chain_id, absl::string_view parent_chain_id,
                                             absl::string_view expected_diff_id, ByteSource& source,
                                             Compression c) {
  UCR_RETURN_IF_ERROR(CheckId(chain_id, "chain id"));
  UCR_RETURN_IF_ERROR(CheckId(expected_diff_id, "diff id"));
  if (!parent_chain_id.empty()) UCR_RETURN_IF_ERROR(CheckId(parent_chain_id, "parent chain id"));
  ChainLock lock(*this, chain_id);
  if (Has(chain_id)) return Info(chain_id);
  return UnpackLocked(chain_id, parent_chain_id, expected_diff_id, source, c);
}

absl::StatusOr<LayerInfo> LayerStore::UnpackLocked(absl::string_view chain_id,
                                                   absl::string_view parent_chain_id,
                                                   absl::string_view expected_diff_id,
                                                   ByteSource& source, Compression c) {
  UCR_RETURN_IF_ERROR(MakeDirs(paths_.LayersTmpDir(), 0700));
  std::string tmp = absl::StrCat(paths_.LayersTmpDir(), "/", RandomHex(8));
  if (::mkdir(tmp.c_str(), 0755) != 0) return LastErrnoError(absl::StrCat("mkdir ", tmp));
  LayerInfo info{std::string(chain_id), std::string(expected_diff_id), std::string(parent_chain_id), 0};
  absl::Status st = [&]() -> absl::Status {
    absl::StatusOr<UnpackStats> stats = UnpackLayer(source, c, tmp);
    if (!stats.ok()) return Annotate(stats.status(), absl::StrCat("unpack layer ", chain_id));
    if (stats->diff_id != expected_diff_id) {
      return absl::InvalidArgumentError(absl::StrCat("layer ", chain_id, ": diff id mismatch: expected ",
                                                     expected_diff_id, ", uncompressed tar is ", stats->diff_id));
    }
    info.size_bytes = stats->uncompressed_bytes;
    return Publish(tmp, info);
  }();
  if (!st.ok()) {
    if (absl::Status rm = RemoveTree(tmp); !rm.ok()) log::Warn("layer store: %s", rm.ToString());
    return st;
  }
  return info;
}

absl::Status LayerStore::Publish(const std::string& tmp_dir, const LayerInfo& info) {
  if (durable_) {
    UniqueFd fd(::open(tmp_dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!fd || ::syncfs(fd.get()) != 0) return LastErrnoError(absl::StrCat("syncfs ", tmp_dir));
  }
  std::string hex = HexOf(info.chain_id);
  std::string final_dir = paths_.LayerDir(hex);
  UCR_RETURN_IF_ERROR(RemoveTree(final_dir));  // a half-published leftover
  if (::rename(tmp_dir.c_str(), final_dir.c_str()) != 0) {
    return LastErrnoError(absl::StrCat("rename ", tmp_dir, " to ", final_dir));
  }
  nlohmann::json j = {{"chain_id", info.chain_id},
                      {"diff_id", info.diff_id},
                      {"parent_chain_id", info.parent_chain_id},
                      {"size_bytes", info.size_bytes}};
  // WriteFileAtomic fsyncs layers/ too, which also makes the rename durable.
  absl::Status st = SaveJson(paths_.LayerMetaPath(hex), j);
  if (!st.ok()) {
    (void)RemoveTree(final_dir);
    return st;
  }
  return absl::OkStatus();
}

absl::Status LayerStore::Remove(absl::string_view chain_id) {
  UCR_RETURN_IF_ERROR(CheckId(chain_id, "chain id"));
  ChainLock lock(*this, chain_id);
  std::string hex = HexOf(chain_id);
  std::string meta = paths_.LayerMetaPath(hex);
  // Metadata first: from here on the layer is unpublished, and a crash
  // leaves a dir without metadata, which Recover() removes.
  if (::unlink(meta.c_str()) != 0 && errno != ENOENT) return LastErrnoError(absl::StrCat("unlink ", meta));
  UCR_RETURN_IF_ERROR(FsyncDir(paths_.LayersDir()));
  return RemoveTree(paths_.LayerDir(hex));
}

}  // namespace ucr::image
