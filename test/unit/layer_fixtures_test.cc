// ROOT: unpacks every test image of hack/images/mkimage.py (written as an OCI
// layout, no registry needed) through the LayerStore, checking diff ids
// against the configs (computed by Python's hashlib), the hostile images'
// outcomes, and the merged overlay view of layers:1.
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <fcntl.h>
#include <dirent.h>
#include <unistd.h>

#include <chrono>
#include <map>
#include <set>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/child_process.h"
#include "common/files.h"
#include "common/json_state.h"
#include "common/scoped_mount.h"
#include "image/layer_store.h"

namespace ucr::image {
namespace {

using ::testing::HasSubstr;

bool Exists(const std::string& path) {
  struct stat st;
  return ::lstat(path.c_str(), &st) == 0;
}

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

struct ImageResult {
  absl::Status status;             // first failing layer's error, or OK
  std::vector<std::string> dirs;   // unpacked layer dirs, base first
};

class LayerFixturesTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    char tmpl[] = "/tmp/ucr-fixtures-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    top_ = new std::string(tmpl);
    absl::StatusOr<CommandResult> r =
        RunCommand({"/usr/bin/python3", std::string(UCR_SOURCE_DIR) + "/hack/images/mkimage.py", "oci-layout",
                    *top_ + "/oci"},
                   std::nullopt, "", std::chrono::seconds(120));
    ASSERT_TRUE(r.ok()) << r.status();
    ASSERT_EQ(r->exit_code, 0) << r->err;
  }
  static void TearDownTestSuite() {
    (void)UnmountAllUnder(*top_);
    (void)RemoveTree(*top_);
    delete top_;
  }
  void SetUp() override {
    store_ = std::make_unique<LayerStore>(Paths(*top_ + "/root", *top_ + "/state"));
    ASSERT_TRUE(store_->Recover().ok());
  }
  std::string Blob(const std::string& digest) { return *top_ + "/oci/blobs/sha256/" + digest.substr(7); }

  // Pulls image `ref` ("repo:tag" in the layout's index) into the store.
  ImageResult UnpackImage(const std::string& ref) {
    ImageResult out;
    absl::StatusOr<nlohmann::json> index = LoadJson(*top_ + "/oci/index.json");
    if (!index.ok()) return {index.status(), {}};
    std::string manifest_digest;
    for (const auto& m : (*index)["manifests"]) {
      if (m["annotations"].value("org.opencontainers.image.ref.name", "") == ref) manifest_digest = m["digest"];
    }
    if (manifest_digest.empty()) return {absl::NotFoundError(ref), {}};
    absl::StatusOr<nlohmann::json> manifest = LoadJson(Blob(manifest_digest));
    absl::StatusOr<nlohmann::json> config = LoadJson(Blob((*manifest)["config"]["digest"]));
    const nlohmann::json& layers = (*manifest)["layers"];
    std::string parent;
    for (size_t i = 0; i < layers.size(); ++i) {
      std::string diff_id = (*config)["rootfs"]["diff_ids"][i];
      std::string chain = LayerStore::ChainId(parent, diff_id);
      absl::StatusOr<Compression> c = CompressionForMediaType(layers[i].value("mediaType", ""));
      if (!c.ok()) return {c.status(), out.dirs};
      FdByteSource src(UniqueFd(::open(Blob(layers[i]["digest"]).c_str(), O_RDONLY | O_CLOEXEC)));
      absl::StatusOr<LayerInfo> info = store_->Unpack(chain, parent, diff_id, src, *c);
      if (!info.ok()) return {info.status(), out.dirs};
      out.dirs.push_back(store_->Dir(chain));
      parent = chain;
    }
    return out;
  }

  static std::string* top_;
  std::unique_ptr<LayerStore> store_;
};
std::string* LayerFixturesTest::top_ = nullptr;

TEST_F(LayerFixturesTest, WellFormedImagesUnpackWithMatchingDiffIds) {
  for (const char* ref : {"ucr-test/busybox:1", "ucr-test/layers:1", "ucr-test/zstd:1", "ucr-test/plain:1",
                          "ucr-test/user:1", "ucr-test/bad-digest:1"}) {
    SCOPED_TRACE(ref);
    ImageResult r = UnpackImage(ref);
    ASSERT_TRUE(r.status.ok()) << r.status;
  }
  ImageResult zstd = UnpackImage("ucr-test/zstd:1");
  EXPECT_EQ(*ReadFile(zstd.dirs.back() + "/zstd-marker"), "zstd\n");
  ImageResult plain = UnpackImage("ucr-test/plain:1");
  EXPECT_EQ(*ReadFile(plain.dirs.back() + "/plain-marker"), "plain\n");
  // busybox: applet symlinks, sticky /tmp, owned home.
  std::string base = zstd.dirs.front();
  char target[64];
  ssize_t n = ::readlink((base + "/bin/sh").c_str(), target, sizeof target);
  EXPECT_EQ(std::string(target, n > 0 ? n : 0), "busybox");
  struct stat st;
  ASSERT_EQ(::lstat((base + "/tmp").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 01777u);
  ASSERT_EQ(::lstat((base + "/home/ucrtest").c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, 1234u);
  EXPECT_EQ(st.st_gid, 1234u);
}

TEST_F(LayerFixturesTest, LayersImageMergesInOverlay) {
  ImageResult r = UnpackImage("ucr-test/layers:1");
  ASSERT_TRUE(r.status.ok()) << r.status;
  ASSERT_EQ(r.dirs.size(), 3u);
  std::string merged = *top_ + "/merged";
  ASSERT_TRUE(MakeDirs(merged).ok());
  std::string opts = "lowerdir=" + r.dirs[2] + ":" + r.dirs[1] + ":" + r.dirs[0];
  absl::StatusOr<ScopedMount> mnt = ScopedMount::Mount("overlay", merged, "overlay", MS_RDONLY, opts);
  ASSERT_TRUE(mnt.ok()) << mnt.status();
  EXPECT_EQ(Entries(merged + "/data"), (std::set<std::string>{"a", "hl", "link", "keep", "xattr", "suid"}));
  EXPECT_EQ(Entries(merged + "/opq"), (std::set<std::string>{"new"}));
  struct stat a, hl, suid;
  ASSERT_EQ(::lstat((merged + "/data/a").c_str(), &a), 0);
  ASSERT_EQ(::lstat((merged + "/data/hl").c_str(), &hl), 0);
  EXPECT_EQ(a.st_ino, hl.st_ino);
  ASSERT_EQ(::lstat((merged + "/data/suid").c_str(), &suid), 0);
  EXPECT_EQ(suid.st_mode & 07777, 04755u);
  char value[16];
  ssize_t n = ::getxattr((merged + "/data/xattr").c_str(), "user.ucr", value, sizeof value);
  EXPECT_EQ(std::string(value, n > 0 ? n : 0), "test");
  EXPECT_TRUE(Exists(merged + "/bin/busybox"));
  ASSERT_TRUE(mnt->Unmount().ok());
}

TEST_F(LayerFixturesTest, HostileImagesAreRefusedOrConfined) {
  struct stat passwd_before{}, passwd_after{};
  ASSERT_EQ(::stat("/etc/passwd", &passwd_before), 0);
  bool abs_existed = Exists("/tmp/ucr-escape-abs");
  struct Case { const char* ref; const char* error; };
  for (const Case& k : {Case{"ucr-test/hostile-dotdot:1", "escape-dotdot"},
                        Case{"ucr-test/hostile-symlink:1", "traverses a symlink"},
                        Case{"ucr-test/hostile-hardlink:1", "hl"},
                        Case{"ucr-test/hostile-diffid:1", "diff id mismatch"}}) {
    SCOPED_TRACE(k.ref);
    ImageResult r = UnpackImage(k.ref);
    EXPECT_EQ(r.status.code(), absl::StatusCode::kInvalidArgument) << r.status;
    EXPECT_THAT(std::string(r.status.message()), HasSubstr(k.error));
    EXPECT_EQ(r.dirs.size(), 1u);  // the busybox base went in, the hostile layer did not
  }
  EXPECT_FALSE(Exists(*top_ + "/escape-dotdot"));
  EXPECT_FALSE(Exists(*top_ + "/root/escape-dotdot"));
  EXPECT_FALSE(Exists(*top_ + "/root/layers/escape-dotdot"));
  EXPECT_FALSE(Exists("/tmp/ucr-escape-symlink"));
  EXPECT_FALSE(Exists("/tmp/ucr-escape-symlink-rel"));
  ASSERT_EQ(::stat("/etc/passwd", &passwd_after), 0);
  EXPECT_EQ(passwd_after.st_nlink, passwd_before.st_nlink);
  // Absolute names are confined to the layer.
  ImageResult abs = UnpackImage("ucr-test/hostile-abs:1");
  ASSERT_TRUE(abs.status.ok()) << abs.status;
  EXPECT_TRUE(Exists(abs.dirs.back() + "/tmp/ucr-escape-abs"));
  if (!abs_existed) {
    EXPECT_FALSE(Exists("/tmp/ucr-escape-abs"));
  }
  // Nothing half-unpacked is left behind.
  EXPECT_TRUE(Entries(*top_ + "/root/layers/tmp").empty());
}

}  // namespace
}  // namespace ucr::image
