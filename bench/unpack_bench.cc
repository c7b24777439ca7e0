// Unpacks the layers of an image into a fresh LayerStore, sequentially and
// then concurrently (one thread per layer, as the puller does), and prints
// seconds and MB/s. Blobs come from the bench image cache (default) or from a
// docker-registry filesystem storage:
//
//   unpack_bench [--cache DIR]                 (default /var/cache/ucr-bench/200mb-v2)
//   unpack_bench --registry DIR --repo R --tag T   (e.g. /tmp/ucr-registry/open ucr-bench/big 1)
//   options: --runs N (default 3)  --work DIR (default /var/tmp)  --no-sync
#include <sys/resource.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/files.h"
#include "common/json_state.h"
#include "common/paths.h"
#include "common/status.h"
#include "image/layer_store.h"

namespace ucr::image {
namespace {

struct Layer {
  std::string digest, media_type, diff_id, chain_id, parent_chain_id, path;
  uint64_t size = 0;
};

struct Options {
  std::string cache = "/var/cache/ucr-bench/200mb-v2";
  std::string registry, repo, tag = "1";
  std::string work = "/var/tmp";
  int runs = 3;
  bool sync = true;
};

std::string Hex(const std::string& digest) { return digest.substr(digest.find(':') + 1); }

absl::StatusOr<std::vector<Layer>> LoadImage(const Options& o) {
  std::function<std::string(const std::string&)> blob_path;
  std::string manifest_text;
  if (o.registry.empty()) {
    blob_path = [&](const std::string& d) { return absl::StrCat(o.cache, "/blobs/sha256-", Hex(d)); };
    UCR_ASSIGN_OR_RETURN(nlohmann::json meta, LoadJson(o.cache + "/image.json"));
    manifest_text = meta.value("manifest", "");
  } else {
    std::string v2 = o.registry + "/docker/registry/v2";
    blob_path = [v2](const std::string& d) {
      std::string h = Hex(d);
      return absl::StrCat(v2, "/blobs/sha256/", h.substr(0, 2), "/", h, "/data");
    };
    UCR_ASSIGN_OR_RETURN(std::string link, ReadFile(absl::StrCat(v2, "/repositories/", o.repo,
                                                                 "/_manifests/tags/", o.tag, "/current/link")));
    UCR_ASSIGN_OR_RETURN(manifest_text, ReadFile(blob_path(link)));
  }
  UCR_ASSIGN_OR_RETURN(nlohmann::json manifest, ParseJson(manifest_text, "manifest"));
  std::string config_digest = manifest["config"].value("digest", "");
  UCR_ASSIGN_OR_RETURN(std::string config_text, ReadFile(blob_path(config_digest)));
  UCR_ASSIGN_OR_RETURN(nlohmann::json config, ParseJson(config_text, "config"));
  const nlohmann::json& diff_ids = config["rootfs"]["diff_ids"];
  std::vector<Layer> layers;
  std::string parent;
  for (size_t i = 0; i < manifest["layers"].size(); ++i) {
    const nlohmann::json& l = manifest["layers"][i];
    Layer layer{l.value("digest", ""), l.value("mediaType", ""), diff_ids.at(i).get<std::string>(), "", parent, "", 0};
    layer.chain_id = LayerStore::ChainId(parent, layer.diff_id);
    layer.path = blob_path(layer.digest);
    layer.size = l.value("size", uint64_t{0});
    parent = layer.chain_id;
    layers.push_back(layer);
  }
  return layers;
}

absl::StatusOr<uint64_t> UnpackOne(LayerStore& store, const Layer& l) {
  UCR_ASSIGN_OR_RETURN(Compression c, CompressionForMediaType(l.media_type));
  UniqueFd fd(::open(l.path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return absl::NotFoundError("open " + l.path);
  FdByteSource src(std::move(fd));
  UCR_ASSIGN_OR_RETURN(LayerInfo info, store.Unpack(l.chain_id, l.parent_chain_id, l.diff_id, src, c));
  return info.size_bytes;
}

// One run in a fresh store; returns seconds or an error.
double CpuSeconds() {
  struct rusage ru;
  ::getrusage(RUSAGE_SELF, &ru);
  return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

// One run in a fresh store; returns wall seconds (and CPU seconds of all
// threads in *cpu: the machine may be shared, CPU time is the steadier figure).
absl::StatusOr<double> Run(const Options& o, const std::vector<Layer>& layers, bool concurrent,
                           uint64_t* bytes, double* cpu) {
  static int run_number = 0;
  std::string root = absl::StrCat(o.work, "/ucr-unpack-bench-", ::getpid(), "/", ++run_number);
  LayerStore store(Paths(root, root + "/state"), o.sync);
  UCR_RETURN_IF_ERROR(store.Recover());
  std::vector<absl::StatusOr<uint64_t>> results(layers.size(), uint64_t{0});
  auto start = std::chrono::steady_clock::now();
  double cpu_start = CpuSeconds();
  if (concurrent) {
    std::vector<std::thread> threads;
    for (size_t i = 0; i < layers.size(); ++i) {
      threads.emplace_back([&, i] { results[i] = UnpackOne(store, layers[i]); });
    }
    for (auto& t : threads) t.join();
  } else {
    for (size_t i = 0; i < layers.size(); ++i) results[i] = UnpackOne(store, layers[i]);
  }
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  *cpu = CpuSeconds() - cpu_start;
  *bytes = 0;
  for (auto& r : results) {
    if (!r.ok()) return r.status();
    *bytes += *r;
  }
  // Trees are removed only at the end: on ext4, creating inodes right after
  // deleting many makes the allocator skip "recently deleted" inodes, slowly.
  return secs;
}

int Main(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
    if (a == "--cache") o.cache = next();
    else if (a == "--registry") o.registry = next();
    else if (a == "--repo") o.repo = next();
    else if (a == "--tag") o.tag = next();
    else if (a == "--work") o.work = next();
    else if (a == "--runs") o.runs = std::stoi(next());
    else if (a == "--no-sync") o.sync = false;
    else { std::fprintf(stderr, "unknown argument %s\n", a.c_str()); return 2; }
  }
  absl::StatusOr<std::vector<Layer>> layers = LoadImage(o);
  if (!layers.ok()) {
    std::fprintf(stderr, "load image: %s\n", layers.status().ToString().c_str());
    return 1;
  }
  uint64_t compressed = 0;
  for (const Layer& l : *layers) compressed += l.size;
  std::printf("%zu layers, %.1f MB compressed, syncfs before publish: %s\n", layers->size(),
              compressed / 1e6, o.sync ? "yes" : "no");
  for (bool concurrent : {false, true}) {
    for (int r = 0; r < o.runs; ++r) {
      uint64_t bytes = 0;
      double cpu = 0;
      absl::StatusOr<double> secs = Run(o, *layers, concurrent, &bytes, &cpu);
      if (!secs.ok()) {
        std::fprintf(stderr, "unpack: %s\n", secs.status().ToString().c_str());
        (void)RemoveTree(absl::StrCat(o.work, "/ucr-unpack-bench-", ::getpid()));
        return 1;
      }
      std::printf("%-10s run %d: %.3f s wall  %.3f s cpu  %.1f MB uncompressed  %.1f MB/s  (%.1f MB/s compressed)\n",
                  concurrent ? "concurrent" : "sequential", r + 1, *secs, cpu, bytes / 1e6, bytes / 1e6 / *secs,
                  compressed / 1e6 / *secs);
    }
  }
  return RemoveTree(absl::StrCat(o.work, "/ucr-unpack-bench-", ::getpid())).ok() ? 0 : 1;
}

}  // namespace
}  // namespace ucr::image

int main(int argc, char** argv) { return ucr::image::Main(argc, argv); }
