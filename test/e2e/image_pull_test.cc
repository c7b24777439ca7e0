// PullImage against the real local registries: what lands on disk, image
// formats (Docker schema2, OCI, indexes, gzip/zstd/plain), and the images
// that must fail cleanly (bad digests, hostile layers) leaving nothing behind.
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "absl/strings/match.h"
#include "common/files.h"
#include "test/e2e/image_helpers.h"

namespace ucr::test {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

class ImagePullTest : public UcrdTest {
 protected:
  void SetUp() override { ASSERT_TRUE(ucrd_.Start()); }
};

std::string ReadOr(const std::string& path) {
  absl::StatusOr<std::string> s = ReadFile(path);
  return s.ok() ? *s : "<" + std::string(s.status().message()) + ">";
}

TEST_F(ImagePullTest, PullsBusyboxIntoAnUnpackedLayer) {
  const std::string ref = TestImage("busybox:1");
  PullOutcome p = Pull(ucrd_, ref);
  ASSERT_TRUE(p.status.ok()) << p.status.error_message();
  EXPECT_TRUE(absl::StartsWith(p.image_ref, "sha256:")) << p.image_ref;

  std::optional<v1::Image> img = Status(ucrd_, ref);
  ASSERT_TRUE(img.has_value());
  EXPECT_EQ(img->id(), p.image_ref);
  EXPECT_THAT(img->repo_tags(), Contains(ref));
  EXPECT_THAT(img->repo_digests(), Contains(TestImage("busybox@") + ManifestDigest("ucr-test/busybox", "1")));
  EXPECT_GT(img->size(), 1000000u);
  EXPECT_FALSE(img->has_uid());
  EXPECT_EQ(img->username(), "");

  std::string layer = LayerDir(ucrd_, ref);
  ASSERT_FALSE(layer.empty());
  EXPECT_TRUE(absl::StartsWith(layer, ucrd_.root_dir() + "/layers/")) << layer;
  struct stat st;
  ASSERT_EQ(::lstat((layer + "/bin/busybox").c_str(), &st), 0);
  EXPECT_TRUE(S_ISREG(st.st_mode));
  EXPECT_EQ(st.st_mode & 07777, 0755u);
  ASSERT_EQ(::lstat((layer + "/bin/sh").c_str(), &st), 0);
  EXPECT_TRUE(S_ISLNK(st.st_mode));
  ASSERT_EQ(::lstat((layer + "/tmp").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 01777u);
  ASSERT_EQ(::lstat((layer + "/home/ucrtest").c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, 1234u);

  // The manifest and config are kept; no layer blob (it was unpacked while
  // streaming); nothing left in ingest/ or layers/tmp.
  EXPECT_THAT(Blobs(ucrd_), Contains(p.image_ref.substr(7)));
  EXPECT_EQ(Blobs(ucrd_).size(), 2u);
  EXPECT_THAT(Entries(ucrd_.root_dir() + "/content/ingest"), IsEmpty());
  EXPECT_THAT(Entries(ucrd_.root_dir() + "/layers/tmp"), IsEmpty());
  EXPECT_EQ(Entries(ucrd_.root_dir() + "/images").size(), 1u);

  nlohmann::json info = VerboseInfo(ucrd_, ref);
  EXPECT_EQ(info["imageSpec"]["config"]["Cmd"], nlohmann::json({"sh"}));
  EXPECT_EQ(info["imageSpec"]["config"]["Labels"]["org.ucr.test"], "busybox");
  EXPECT_THAT(ucrd_.ReadLog(), HasSubstr("fetched and unpacked"));
}

TEST_F(ImagePullTest, WhiteoutsBecomeOverlayWhiteouts) {
  const std::string ref = TestImage("layers:1");
  ASSERT_TRUE(Pull(ucrd_, ref).status.ok());
  nlohmann::json info = VerboseInfo(ucrd_, ref);
  ASSERT_EQ(info["layerDirs"].size(), 3u);
  std::string top = LayerDir(ucrd_, ref, 0);
  std::string middle = LayerDir(ucrd_, ref, 1);

  struct stat st;
  ASSERT_EQ(::lstat((top + "/data/b").c_str(), &st), 0) << "whiteout of /data/b missing";
  EXPECT_TRUE(S_ISCHR(st.st_mode));
  EXPECT_EQ(st.st_rdev, makedev(0, 0));
  EXPECT_NE(::access((top + "/data/.wh.b").c_str(), F_OK), 0);
  char value[8] = {};
  ssize_t n = ::lgetxattr((top + "/opq").c_str(), "trusted.overlay.opaque", value, sizeof value);
  ASSERT_EQ(n, 1) << "no opaque xattr on /opq";
  EXPECT_EQ(value[0], 'y');
  EXPECT_EQ(ReadOr(top + "/opq/new").empty(), false);
  EXPECT_NE(::access((top + "/opq/.wh..wh..opq").c_str(), F_OK), 0);

  ASSERT_EQ(::lstat((middle + "/data/suid").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 04755u);
  struct stat a, hl;
  ASSERT_EQ(::lstat((middle + "/data/a").c_str(), &a), 0);
  ASSERT_EQ(::lstat((middle + "/data/hl").c_str(), &hl), 0);
  EXPECT_EQ(a.st_ino, hl.st_ino);

  nlohmann::json cfg = info["imageSpec"]["config"];
  EXPECT_EQ(cfg["StopSignal"], "SIGUSR1");
  EXPECT_TRUE(cfg["ExposedPorts"].contains("8080/tcp"));
}

TEST_F(ImagePullTest, PullsByDigest) {
  const std::string digest = ManifestDigest("ucr-test/busybox", "1");
  const std::string ref = TestImage("busybox@") + digest;
  PullOutcome p = Pull(ucrd_, ref);
  ASSERT_TRUE(p.status.ok()) << p.status.error_message();
  std::optional<v1::Image> img = Status(ucrd_, ref);
  ASSERT_TRUE(img.has_value());
  EXPECT_THAT(img->repo_digests(), Contains(ref));
  EXPECT_THAT(img->repo_tags(), IsEmpty());
  EXPECT_EQ(Status(ucrd_, p.image_ref)->id(), p.image_ref);  // by id too

  // A digest the registry does not have: NOT_FOUND naming the reference.
  std::string missing = TestImage("busybox@sha256:") + std::string(64, '0');
  PullOutcome m = Pull(ucrd_, missing);
  EXPECT_EQ(m.status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_THAT(m.status.error_message(), HasSubstr(missing));
}

TEST_F(ImagePullTest, IndexAndManifestListPickThisArchitecture) {
#if !defined(__x86_64__)
  GTEST_SKIP() << "the /arch marker check assumes an amd64 host";
#endif
  for (const char* tag : {"multiarch:1", "multiarch:docker"}) {
    const std::string ref = TestImage(tag);
    ASSERT_TRUE(Pull(ucrd_, ref).status.ok()) << tag;
    EXPECT_EQ(ReadOr(LayerDir(ucrd_, ref) + "/arch"), "amd64\n") << tag;
    std::string index_digest = ManifestDigest("ucr-test/multiarch", std::string(tag).substr(10));
    EXPECT_THAT(Status(ucrd_, ref)->repo_digests(), Contains(TestImage("multiarch@") + index_digest)) << tag;
  }
  // The same amd64 image behind both: one image with two tags.
  EXPECT_EQ(List(ucrd_).size(), 1u);
}

TEST_F(ImagePullTest, ZstdAndUncompressedLayers) {
  ASSERT_TRUE(Pull(ucrd_, TestImage("zstd:1")).status.ok());
  EXPECT_EQ(ReadOr(LayerDir(ucrd_, TestImage("zstd:1")) + "/zstd-marker"), "zstd\n");
  ASSERT_TRUE(Pull(ucrd_, TestImage("plain:1")).status.ok());
  EXPECT_EQ(ReadOr(LayerDir(ucrd_, TestImage("plain:1")) + "/plain-marker"), "plain\n");
  // Both share the busybox base layer: stored once.
  EXPECT_EQ(PublishedLayers(ucrd_).size(), 3u * 2);  // dir + .json per layer
}

TEST_F(ImagePullTest, UserBecomesUsernameOrUid) {
  ASSERT_TRUE(Pull(ucrd_, TestImage("user:1")).status.ok());
  std::optional<v1::Image> named = Status(ucrd_, TestImage("user:1"));
  ASSERT_TRUE(named.has_value());
  EXPECT_EQ(named->username(), "ucrtest");
  EXPECT_FALSE(named->has_uid());

  ASSERT_TRUE(Pull(ucrd_, TestImage("uid:1")).status.ok());
  std::optional<v1::Image> numeric = Status(ucrd_, TestImage("uid:1"));
  ASSERT_TRUE(numeric.has_value());
  ASSERT_TRUE(numeric->has_uid());
  EXPECT_EQ(numeric->uid().value(), 1234);
  EXPECT_EQ(numeric->username(), "");
}

TEST_F(ImagePullTest, UnknownTagOrRepositoryIsNotFound) {
  for (const std::string& ref : {TestImage("busybox:no-such-tag"), TestImage("no-such-repo:1")}) {
    PullOutcome p = Pull(ucrd_, ref);
    EXPECT_EQ(p.status.error_code(), grpc::StatusCode::NOT_FOUND) << p.status.error_message();
    EXPECT_THAT(p.status.error_message(), HasSubstr(ref));
  }
  PullOutcome bad = Pull(ucrd_, "Not/A/Valid:Ref");
  EXPECT_EQ(bad.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  PullOutcome empty = Pull(ucrd_, "");
  EXPECT_EQ(empty.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  ExpectStoreEmpty(ucrd_);
}

TEST_F(ImagePullTest, BadSizeBadBlobAndWrongDiffIdStoreNothing) {
  struct Case {
    const char* image;
    const char* says;
  } cases[] = {
      {"bad-digest:1", "bytes, its descriptor says"},
      {"bad-blob:1", "digest mismatch"},
      {"hostile-diffid:1", "sha256:"},
  };
  for (const Case& c : cases) {
    PullOutcome p = Pull(ucrd_, TestImage(c.image));
    EXPECT_FALSE(p.status.ok()) << c.image;
    EXPECT_THAT(p.status.error_message(), HasSubstr(c.says)) << c.image;
    ExpectStoreEmpty(ucrd_);
  }
  EXPECT_NE(::access((ucrd_.root_dir() + "/diffid-marker").c_str(), F_OK), 0);
}

TEST_F(ImagePullTest, HostileLayersNeverWriteOutsideTheLayer) {
  struct stat passwd_before, shadow_before;
  ASSERT_EQ(::stat("/etc/passwd", &passwd_before), 0);
  ASSERT_EQ(::stat("/etc/shadow", &shadow_before), 0);
  const char* host_paths[] = {"/tmp/ucr-escape-abs", "/tmp/ucr-escape-symlink", "/tmp/ucr-escape-symlink-rel"};
  for (const char* p : host_paths) ::unlink(p);

  for (const char* image : {"hostile-dotdot:1", "hostile-abs:1", "hostile-symlink:1", "hostile-hardlink:1"}) {
    const std::string ref = TestImage(image);
    PullOutcome p = Pull(ucrd_, ref);
    if (p.status.ok()) {
      // Confined instead of refused: only an absolute name may be, and then
      // inside the layer.
      EXPECT_EQ(std::string(image), "hostile-abs:1") << image << " was accepted";
      EXPECT_EQ(::access((LayerDir(ucrd_, ref) + "/tmp/ucr-escape-abs").c_str(), F_OK), 0);
      ASSERT_TRUE(Remove(ucrd_, ref).ok());
    } else {
      EXPECT_THAT(p.status.error_code(), ::testing::AnyOf(grpc::StatusCode::INVALID_ARGUMENT,
                                                          grpc::StatusCode::PERMISSION_DENIED))
          << image << ": " << p.status.error_message();
    }
    ExpectStoreEmpty(ucrd_);
    for (const char* hp : host_paths) EXPECT_NE(::access(hp, F_OK), 0) << image << " wrote " << hp;
    for (const std::string& dir : {ucrd_.root_dir(), ucrd_.root_dir() + "/layers", dir_.path()}) {
      EXPECT_NE(::access((dir + "/escape-dotdot").c_str(), F_OK), 0) << image;
      EXPECT_NE(::access((dir + "/escape-dotdot-nested").c_str(), F_OK), 0) << image;
    }
  }
  struct stat passwd_after, shadow_after;
  ASSERT_EQ(::stat("/etc/passwd", &passwd_after), 0);
  ASSERT_EQ(::stat("/etc/shadow", &shadow_after), 0);
  EXPECT_EQ(passwd_after.st_nlink, passwd_before.st_nlink);
  EXPECT_EQ(shadow_after.st_nlink, shadow_before.st_nlink);
}

TEST_F(ImagePullTest, MirrorServesARegistryThatDoesNotResolve) {
  ucrd_.Stop();
  ASSERT_TRUE(ucrd_.Start("[registries.\"example.invalid\"]\nmirrors = [\"http://127.0.0.1:5100\"]\n"));
  const std::string ref = "example.invalid/ucr-test/busybox:1";
  PullOutcome p = Pull(ucrd_, ref);
  ASSERT_TRUE(p.status.ok()) << p.status.error_message();
  EXPECT_THAT(Status(ucrd_, ref)->repo_tags(), Contains(ref));
  std::string log = ucrd_.ReadLog();
  EXPECT_THAT(log, HasSubstr("resolved on http://127.0.0.1:5100"));
  // The registry itself (which would need a DNS lookup) was never tried.
  EXPECT_THAT(log, ::testing::Not(HasSubstr("https://example.invalid")));
  EXPECT_THAT(log, ::testing::Not(HasSubstr("mirror http://127.0.0.1:5100 failed")));
}

}  // namespace
}  // namespace ucr::test
