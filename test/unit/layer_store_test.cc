// ROOT: unpacks layers (chown, mknod, trusted.* xattrs) and mounts overlayfs.
#include "image/layer_store.h"

#include <dirent.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <atomic>
#include <set>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/files.h"
#include "common/scoped_mount.h"
#include "test/unit/tar_builder.h"

namespace ucr::image {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ucr::testing::GzipCompress;
using ucr::testing::Sha256Digest;
using ucr::testing::TarBuilder;
using ucr::testing::ZstdCompress;

std::set<std::string> Entries(const std::string& dir) {
  std::set<std::string> names;
  if (DIR* d = ::opendir(dir.c_str())) {
    while (dirent* e = ::readdir(d)) {
      std::string n = e->d_name;
      if (n != "." && n != "..") names.insert(n);
    }
    ::closedir(d);
  }
  return names;
}

bool Exists(const std::string& path) {
  struct stat st;
  return ::lstat(path.c_str(), &st) == 0;
}

class LayerStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/ucr-layers-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    root_ = tmpl;
    store_ = std::make_unique<LayerStore>(paths_());
    ASSERT_TRUE(store_->Recover().ok());
  }
  void TearDown() override {
    (void)UnmountAllUnder(root_);
    (void)RemoveTree(root_);
  }
  Paths paths_() const { return Paths(root_ + "/root", root_ + "/state"); }

  absl::StatusOr<LayerInfo> Put(const std::string& tar, const std::string& parent = "",
                                Compression c = Compression::kGzip) {
    std::string diff_id = Sha256Digest(tar);
    StringByteSource src(c == Compression::kGzip ? GzipCompress(tar) : ZstdCompress(tar));
    return store_->Unpack(LayerStore::ChainId(parent, diff_id), parent, diff_id, src, c);
  }

  std::string root_;
  std::unique_ptr<LayerStore> store_;
};

TEST_F(LayerStoreTest, ChainIdFollowsTheOciDefinition) {
  std::string d0 = Sha256Digest("layer0"), d1 = Sha256Digest("layer1");
  EXPECT_EQ(LayerStore::ChainId("", d0), d0);
  std::string c1 = LayerStore::ChainId(d0, d1);
  EXPECT_EQ(c1, Sha256Digest(d0 + " " + d1));
  EXPECT_EQ(LayerStore::ChainId(c1, d0), Sha256Digest(c1 + " " + d0));
}

TEST_F(LayerStoreTest, PublishHasInfoList) {
  std::string tar = TarBuilder().File("etc/hello", "hi").Build();
  absl::StatusOr<LayerInfo> info = Put(tar);
  ASSERT_TRUE(info.ok()) << info.status();
  std::string chain = Sha256Digest(tar);
  EXPECT_EQ(info->chain_id, chain);
  EXPECT_EQ(info->diff_id, chain);
  EXPECT_EQ(info->parent_chain_id, "");
  EXPECT_EQ(info->size_bytes, tar.size());
  EXPECT_TRUE(store_->Has(chain));
  std::string hex = chain.substr(7);
  EXPECT_EQ(store_->Dir(chain), paths_().LayerDir(hex));
  EXPECT_EQ(*ReadFile(store_->Dir(chain) + "/etc/hello"), "hi");
  EXPECT_TRUE(Exists(paths_().LayerMetaPath(hex)));
  EXPECT_TRUE(Entries(paths_().LayersTmpDir()).empty());

  std::string tar2 = TarBuilder().File("two", "2").Build();
  absl::StatusOr<LayerInfo> child = Put(tar2, chain, Compression::kZstd);
  ASSERT_TRUE(child.ok()) << child.status();
  EXPECT_EQ(child->parent_chain_id, chain);
  EXPECT_EQ(child->chain_id, LayerStore::ChainId(chain, Sha256Digest(tar2)));

  // Info survives a new store instance (read from disk).
  LayerStore again(paths_());
  ASSERT_TRUE(again.Recover().ok());
  absl::StatusOr<LayerInfo> read = again.Info(child->chain_id);
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(read->diff_id, Sha256Digest(tar2));
  EXPECT_EQ(read->parent_chain_id, chain);
  EXPECT_EQ(read->size_bytes, tar2.size());
  std::vector<LayerInfo> all = again.List();
  ASSERT_EQ(all.size(), 2u);
  std::set<std::string> ids = {all[0].chain_id, all[1].chain_id};
  EXPECT_EQ(ids, (std::set<std::string>{chain, child->chain_id}));

  // Present: returned without reading the (garbage) source.
  StringByteSource garbage("not gzip");
  absl::StatusOr<LayerInfo> same = store_->Unpack(chain, "", chain, garbage, Compression::kGzip);
  ASSERT_TRUE(same.ok()) << same.status();
  EXPECT_EQ(same->chain_id, chain);
}

TEST_F(LayerStoreTest, DiffIdMismatchStoresNothing) {
  std::string tar = TarBuilder().File("x", "x").Build();
  std::string wrong = Sha256Digest("something else");
  StringByteSource src(GzipCompress(tar));
  absl::StatusOr<LayerInfo> info = store_->Unpack(wrong, "", wrong, src, Compression::kGzip);
  ASSERT_EQ(info.status().code(), absl::StatusCode::kInvalidArgument) << info.status();
  EXPECT_THAT(std::string(info.status().message()), HasSubstr(wrong));
  EXPECT_THAT(std::string(info.status().message()), HasSubstr(Sha256Digest(tar)));
  EXPECT_FALSE(store_->Has(wrong));
  EXPECT_THAT(Entries(paths_().LayersDir()), ElementsAre("tmp"));
  EXPECT_TRUE(Entries(paths_().LayersTmpDir()).empty());
  EXPECT_TRUE(store_->List().empty());
}

TEST_F(LayerStoreTest, HostileLayerStoresNothing) {
  std::string tar = TarBuilder().File("ok", "ok").File("../../escape", "x").Build();
  absl::StatusOr<LayerInfo> info = Put(tar);
  ASSERT_EQ(info.status().code(), absl::StatusCode::kInvalidArgument) << info.status();
  EXPECT_THAT(std::string(info.status().message()), HasSubstr("../../escape"));
  EXPECT_THAT(Entries(paths_().LayersDir()), ElementsAre("tmp"));
  EXPECT_TRUE(Entries(paths_().LayersTmpDir()).empty());
}

TEST_F(LayerStoreTest, MalformedIdsAreInvalidArgument) {
  StringByteSource src("");
  std::string good = Sha256Digest("x");
  EXPECT_EQ(store_->Unpack("sha256:abc", "", good, src, Compression::kNone).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->Unpack(good, "", "md5:1", src, Compression::kNone).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->Unpack(good, "../x", good, src, Compression::kNone).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->Info("sha256:../../etc").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->Remove("nope").code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->Dir("sha256:XYZ"), "");
  EXPECT_FALSE(store_->Has("sha256:../tmp"));
  EXPECT_EQ(store_->Info(good).status().code(), absl::StatusCode::kNotFound);
}

TEST_F(LayerStoreTest, RemoveIsIdempotent) {
  absl::StatusOr<LayerInfo> info = Put(TarBuilder().File("a", "a").Build());
  ASSERT_TRUE(info.ok()) << info.status();
  std::string dir = store_->Dir(info->chain_id);
  ASSERT_TRUE(store_->Remove(info->chain_id).ok());
  EXPECT_FALSE(store_->Has(info->chain_id));
  EXPECT_FALSE(Exists(dir));
  EXPECT_EQ(store_->Info(info->chain_id).status().code(), absl::StatusCode::kNotFound);
  EXPECT_TRUE(store_->Remove(info->chain_id).ok());
  EXPECT_TRUE(store_->List().empty());
}

TEST_F(LayerStoreTest, RecoverWipesTmpAndHalfPublishedLayers) {
  absl::StatusOr<LayerInfo> kept = Put(TarBuilder().File("keep", "k").Build());
  ASSERT_TRUE(kept.ok()) << kept.status();
  Paths p = paths_();
  // An unpack interrupted mid-way, a dir renamed into place without metadata,
  // metadata whose dir is gone, and an interrupted atomic write.
  ASSERT_TRUE(MakeDirs(p.LayersTmpDir() + "/0123abcd/usr/bin").ok());
  std::string half = std::string(64, 'a');
  ASSERT_TRUE(MakeDirs(p.LayerDir(half) + "/etc").ok());
  std::string orphan = std::string(64, 'b');
  ASSERT_TRUE(WriteFileAtomic(p.LayerMetaPath(orphan), "{}").ok());
  ASSERT_TRUE(WriteFileAtomic(p.LayersDir() + "/." + orphan + ".json.tmp-1234", "{").ok());

  LayerStore fresh(p);
  ASSERT_TRUE(fresh.Recover().ok());
  EXPECT_TRUE(Entries(p.LayersTmpDir()).empty());
  std::string kept_hex = kept->chain_id.substr(7);
  EXPECT_EQ(Entries(p.LayersDir()), (std::set<std::string>{"tmp", kept_hex, kept_hex + ".json"}));
  EXPECT_FALSE(fresh.Has("sha256:" + half));
  EXPECT_TRUE(fresh.Has(kept->chain_id));
  EXPECT_EQ(*ReadFile(fresh.Dir(kept->chain_id) + "/keep"), "k");
}

TEST_F(LayerStoreTest, ConcurrentUnpacksOfTheSameChainId) {
  std::string tar = TarBuilder().File("big", std::string(4 << 20, 'q')).File("small", "s").Build();
  std::string gz = GzipCompress(tar);
  std::string diff_id = Sha256Digest(tar);
  constexpr int kThreads = 6;
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&] {
      StringByteSource src(gz);
      absl::StatusOr<LayerInfo> info = store_->Unpack(diff_id, "", diff_id, src, Compression::kGzip);
      if (info.ok() && info->chain_id == diff_id && info->size_bytes == tar.size()) ++ok;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), kThreads);
  EXPECT_EQ(Entries(paths_().LayersDir()).size(), 3u);  // tmp, <hex>, <hex>.json
  EXPECT_TRUE(Entries(paths_().LayersTmpDir()).empty());
  EXPECT_EQ(Entries(store_->Dir(diff_id)), (std::set<std::string>{"big", "small"}));
  EXPECT_EQ(*ReadFile(store_->Dir(diff_id) + "/small"), "s");
}

TEST_F(LayerStoreTest, ConcurrentUnpacksOfDifferentChainIds) {
  constexpr int kThreads = 4;
  std::vector<std::string> tars;
  for (int i = 0; i < kThreads; ++i) {
    TarBuilder b;
    for (int f = 0; f < 200; ++f) b.File("d" + std::to_string(f % 7) + "/f" + std::to_string(f), std::to_string(i));
    tars.push_back(b.Build());
  }
  std::vector<absl::Status> results(kThreads);
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] { results[i] = Put(tars[i]).status(); });
  }
  for (auto& t : threads) t.join();
  for (int i = 0; i < kThreads; ++i) {
    ASSERT_TRUE(results[i].ok()) << results[i];
    EXPECT_EQ(*ReadFile(store_->Dir(Sha256Digest(tars[i])) + "/d3/f199"), std::to_string(i));
  }
  EXPECT_EQ(store_->List().size(), static_cast<size_t>(kThreads));
}

// Two unpacked layers as overlay lowerdirs: the upper one's whiteout hides a
// file and its opaque dir hides the lower dir's old content.
TEST_F(LayerStoreTest, OverlayMergesWhiteoutsAndOpaqueDirs) {
  std::string base = TarBuilder()
                         .File("data/a", "a")
                         .File("data/b", "b")
                         .File("opq/old1", "1")
                         .File("opq/sub/old2", "2")
                         .Build();
  std::string top = TarBuilder()
                        .Dir("data")
                        .File("data/.wh.b", "")
                        .Dir("opq")
                        .File("opq/.wh..wh..opq", "")
                        .File("opq/new", "new")
                        .Build();
  absl::StatusOr<LayerInfo> l0 = Put(base);
  ASSERT_TRUE(l0.ok()) << l0.status();
  absl::StatusOr<LayerInfo> l1 = Put(top, l0->chain_id);
  ASSERT_TRUE(l1.ok()) << l1.status();
  std::string merged = root_ + "/merged";
  ASSERT_TRUE(MakeDirs(merged).ok());
  std::string opts = "lowerdir=" + store_->Dir(l1->chain_id) + ":" + store_->Dir(l0->chain_id);
  absl::StatusOr<ScopedMount> mnt = ScopedMount::Mount("overlay", merged, "overlay", MS_RDONLY, opts);
  ASSERT_TRUE(mnt.ok()) << mnt.status();
  EXPECT_EQ(Entries(merged + "/data"), (std::set<std::string>{"a"}));
  EXPECT_EQ(*ReadFile(merged + "/data/a"), "a");
  EXPECT_FALSE(Exists(merged + "/data/b"));
  EXPECT_EQ(Entries(merged + "/opq"), (std::set<std::string>{"new"}));
  EXPECT_EQ(*ReadFile(merged + "/opq/new"), "new");
  // Without the top layer, the base is intact.
  EXPECT_TRUE(Exists(store_->Dir(l0->chain_id) + "/data/b"));
  EXPECT_TRUE(Exists(store_->Dir(l0->chain_id) + "/opq/sub/old2"));
  ASSERT_TRUE(mnt->Unmount().ok());
}

}  // namespace
}  // namespace ucr::image
