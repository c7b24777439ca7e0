// ImageManager in-process against the open registry: what runtime/ uses
// (ImageProvider::Resolve, the in-use hook), which the CRI does not expose.
#include <unistd.h>

#include "absl/strings/match.h"
#include "common/config.h"
#include "image/image_manager.h"
#include "test/e2e/image_helpers.h"

namespace ucr::test {
namespace {

using ::testing::HasSubstr;

class ImageManagerTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(manager_.Recover().ok()); }

  TempDir dir_;
  Config config_;
  image::ImageManager manager_{&config_, Paths(dir_.path() + "/root", dir_.path() + "/state")};
};

TEST_F(ImageManagerTest, ResolveGivesTopLayerFirstAndTheConfig) {
  absl::StatusOr<image::ImageRecord> rec = manager_.Pull(TestImage("layers:1"), {});
  ASSERT_TRUE(rec.ok()) << rec.status();
  absl::StatusOr<image::ResolvedImage> r = manager_.Resolve(TestImage("layers:1"));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->id, rec->id);
  EXPECT_TRUE(absl::StartsWith(r->image_ref, TestImage("layers@sha256:"))) << r->image_ref;
  ASSERT_EQ(r->lower_dirs.size(), 3u);
  // Top first: the whiteout layer, then /data, then busybox.
  EXPECT_EQ(::access((r->lower_dirs[0] + "/opq/new").c_str(), F_OK), 0);
  EXPECT_EQ(::access((r->lower_dirs[1] + "/data/a").c_str(), F_OK), 0);
  EXPECT_EQ(::access((r->lower_dirs[2] + "/bin/busybox").c_str(), F_OK), 0);
  EXPECT_EQ(r->config.stop_signal, "SIGUSR1");
  EXPECT_EQ(r->config.entrypoint, (std::vector<std::string>{"/bin/sh", "-c"}));
  EXPECT_THAT(r->config.env, ::testing::Contains("FOO=bar"));
  // By short id and by digest too; unknown → NOT_FOUND naming it.
  EXPECT_TRUE(manager_.Resolve(rec->id.substr(7, 12)).ok());
  EXPECT_TRUE(manager_.Resolve(rec->repo_digests.front()).ok());
  absl::StatusOr<image::ResolvedImage> missing = manager_.Resolve("busybox");
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(missing.status().message()), HasSubstr("busybox"));
}

TEST_F(ImageManagerTest, AnImageInUseIsKept) {
  absl::StatusOr<image::ImageRecord> rec = manager_.Pull(TestImage("busybox:1"), {});
  ASSERT_TRUE(rec.ok()) << rec.status();
  std::string asked;
  manager_.SetInUseChecker([&](const std::string& id) {
    asked = id;
    return true;
  });
  absl::Status st = manager_.Remove(TestImage("busybox:1"));
  EXPECT_EQ(st.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(st.message()), HasSubstr(TestImage("busybox:1")));
  EXPECT_EQ(asked, rec->id);
  EXPECT_TRUE(manager_.Find(rec->id).ok());

  manager_.SetInUseChecker([](const std::string&) { return false; });
  EXPECT_TRUE(manager_.Remove(TestImage("busybox:1")).ok());
  EXPECT_EQ(manager_.Find(rec->id).status().code(), absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace ucr::test
