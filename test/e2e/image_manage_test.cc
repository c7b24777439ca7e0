// The image index after pulls: list and filter, remove by tag / id / digest
// with garbage collection, ImageFsInfo, a tag that moved, coalesced
// concurrent pulls, and a pull interrupted by a crash.
#include <signal.h>

#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/child_process.h"
#include "common/files.h"
#include "common/ids.h"
#include "test/e2e/image_helpers.h"

namespace ucr::test {
namespace {

using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

class ImageManageTest : public UcrdTest {
 protected:
  void SetUp() override { ASSERT_TRUE(ucrd_.Start()); }
};

TEST_F(ImageManageTest, ListAndFilter) {
  ASSERT_TRUE(Pull(ucrd_, TestImage("busybox:1")).status.ok());
  ASSERT_TRUE(Pull(ucrd_, TestImage("uid:1")).status.ok());
  EXPECT_EQ(List(ucrd_).size(), 2u);
  std::vector<v1::Image> one = List(ucrd_, TestImage("uid:1"));
  ASSERT_EQ(one.size(), 1u);
  EXPECT_THAT(one[0].repo_tags(), ElementsAre(TestImage("uid:1")));
  EXPECT_EQ(List(ucrd_, one[0].id()).size(), 1u);
  EXPECT_EQ(List(ucrd_, one[0].id().substr(7, 12)).size(), 1u);  // short id
  EXPECT_THAT(List(ucrd_, TestImage("nope:1")), IsEmpty());
  EXPECT_FALSE(Status(ucrd_, TestImage("nope:1")).has_value());  // absent: empty status, no error
}

TEST_F(ImageManageTest, RemoveByTagIdAndDigestCollectsLayers) {
  PullOutcome a = Pull(ucrd_, TestImage("busybox:1"));
  ASSERT_TRUE(a.status.ok());
  ASSERT_TRUE(Pull(ucrd_, TestImage("busybox:latest")).status.ok());
  ASSERT_EQ(List(ucrd_).size(), 1u);  // same image, two tags

  // By tag while another remains: only the tag goes.
  ASSERT_TRUE(Remove(ucrd_, TestImage("busybox:1")).ok());
  std::optional<v1::Image> img = Status(ucrd_, a.image_ref);
  ASSERT_TRUE(img.has_value());
  EXPECT_THAT(img->repo_tags(), ElementsAre(TestImage("busybox:latest")));
  EXPECT_FALSE(PublishedLayers(ucrd_).empty());

  // By id: the image, its layer and blobs go.
  ASSERT_TRUE(Remove(ucrd_, a.image_ref).ok());
  ExpectStoreEmpty(ucrd_);
  EXPECT_TRUE(Remove(ucrd_, a.image_ref).ok());  // idempotent

  // By digest.
  const std::string by_digest = TestImage("busybox@") + ManifestDigest("ucr-test/busybox", "1");
  ASSERT_TRUE(Pull(ucrd_, TestImage("busybox:1")).status.ok());
  ASSERT_TRUE(Remove(ucrd_, by_digest).ok());
  ExpectStoreEmpty(ucrd_);
}

TEST_F(ImageManageTest, SharedLayerSurvivesRemovalOfOneImage) {
  ASSERT_TRUE(Pull(ucrd_, TestImage("busybox:1")).status.ok());
  ASSERT_TRUE(Pull(ucrd_, TestImage("zstd:1")).status.ok());
  std::string base = LayerDir(ucrd_, TestImage("busybox:1"));
  std::string zstd_top = LayerDir(ucrd_, TestImage("zstd:1"));
  ASSERT_TRUE(Remove(ucrd_, TestImage("zstd:1")).ok());
  EXPECT_EQ(::access((base + "/bin/busybox").c_str(), F_OK), 0);
  EXPECT_NE(::access(zstd_top.c_str(), F_OK), 0) << "unreferenced layer not collected";
  EXPECT_EQ(PublishedLayers(ucrd_).size(), 2u);  // dir + json
}

TEST_F(ImageManageTest, ImageFsInfoFollowsTheStore) {
  v1::FilesystemUsage before = FsInfo(ucrd_);
  EXPECT_EQ(before.fs_id().mountpoint(), ucrd_.root_dir());
  EXPECT_GT(before.timestamp(), 0);
  ASSERT_TRUE(Pull(ucrd_, TestImage("layers:1")).status.ok());
  v1::FilesystemUsage pulled = FsInfo(ucrd_);
  EXPECT_GT(pulled.used_bytes().value(), before.used_bytes().value() + 1000000);
  EXPECT_GT(pulled.inodes_used().value(), before.inodes_used().value() + 300);  // busybox applet links
  ASSERT_TRUE(Remove(ucrd_, TestImage("layers:1")).ok());
  v1::FilesystemUsage after = FsInfo(ucrd_);
  EXPECT_LT(after.used_bytes().value(), pulled.used_bytes().value() - 1000000);
  EXPECT_LE(after.inodes_used().value(), before.inodes_used().value() + 5);
}

// Runs curl (Debian's, from hack/setup.sh) against the open registry.
std::string Curl(const std::vector<std::string>& args) {
  std::vector<std::string> argv = {"/usr/bin/curl", "-sS", "--fail"};
  argv.insert(argv.end(), args.begin(), args.end());
  absl::StatusOr<CommandResult> r = RunCommand(argv, std::nullopt, "", std::chrono::seconds(30));
  EXPECT_TRUE(r.ok() && r->exit_code == 0) << (r.ok() ? r->err : r.status().ToString());
  return r.ok() ? r->out : "";
}

// Tags `repo:tag` on 5100 with the manifest of `from_repo:from_tag` (blobs
// mounted across repositories first, as a registry requires).
void PushTag(const std::string& repo, const std::string& tag, const std::string& from_repo,
             const std::string& from_tag) {
  const std::string base = absl::StrCat("http://", kOpen, "/v2/");
  const std::string accept = "Accept: application/vnd.docker.distribution.manifest.v2+json";
  std::string manifest = Curl({"-H", accept, base + from_repo + "/manifests/" + from_tag});
  nlohmann::json m = nlohmann::json::parse(manifest);
  std::vector<std::string> digests = {m["config"]["digest"]};
  for (const auto& l : m["layers"]) digests.push_back(l["digest"]);
  for (const std::string& d : digests) {
    Curl({"-X", "POST", "-o", "/dev/null", absl::StrCat(base, repo, "/blobs/uploads/?mount=", d, "&from=", from_repo)});
  }
  Curl({"-X", "PUT", "-o", "/dev/null", "-H", "Content-Type: application/vnd.docker.distribution.manifest.v2+json",
        "--data-binary", manifest, base + repo + "/manifests/" + tag});
}

TEST_F(ImageManageTest, RepulledTagThatMovedPointsToTheNewImage) {
  const std::string repo = "ucr-test/moving";
  const std::string tag = "t" + NewId().substr(0, 8);
  const std::string ref = absl::StrCat(kOpen, "/", repo, ":", tag);
  PushTag(repo, tag, "ucr-test/busybox", "1");
  PullOutcome first = Pull(ucrd_, ref);
  ASSERT_TRUE(first.status.ok()) << first.status.error_message();

  PushTag(repo, tag, "ucr-test/uid", "1");
  PullOutcome second = Pull(ucrd_, ref);
  ASSERT_TRUE(second.status.ok()) << second.status.error_message();
  ASSERT_NE(first.image_ref, second.image_ref);

  EXPECT_EQ(Status(ucrd_, ref)->id(), second.image_ref);
  std::optional<v1::Image> old = Status(ucrd_, first.image_ref);
  ASSERT_TRUE(old.has_value()) << "the old image stays, by id";
  EXPECT_THAT(old->repo_tags(), IsEmpty());
  EXPECT_FALSE(old->repo_digests().empty());
  EXPECT_THAT(ucrd_.ReadLog(), HasSubstr("moved from " + first.image_ref));
}

TEST_F(ImageManageTest, ConcurrentPullsOfOneImageDownloadItOnce) {
  const std::string ref = TestImage("layers:1");
  std::vector<PullOutcome> results(4);
  std::vector<std::thread> threads;
  for (PullOutcome& r : results) threads.emplace_back([&] { r = Pull(ucrd_, ref); });
  for (std::thread& t : threads) t.join();
  for (const PullOutcome& r : results) {
    ASSERT_TRUE(r.status.ok()) << r.status.error_message();
    EXPECT_EQ(r.image_ref, results[0].image_ref);
  }
  std::string log = ucrd_.ReadLog();
  // Each of the 3 layers was fetched exactly once, whichever pulls overlapped.
  size_t fetched = 0;
  for (size_t pos = 0; (pos = log.find("fetched and unpacked", pos)) != std::string::npos; ++pos) ++fetched;
  EXPECT_EQ(fetched, 3u) << log;
  EXPECT_EQ(List(ucrd_).size(), 1u);
}

TEST_F(ImageManageTest, CrashDuringAPullLeavesNothingVisible) {
  const std::string big = absl::StrCat(kOpen, "/ucr-bench/big:1");
  if (HttpGet(absl::StrCat("http://", kOpen, "/v2/ucr-bench/big/tags/list")).empty()) {
    GTEST_SKIP() << "ucr-bench/big:1 is not pushed (hack/images/bench-image.sh)";
  }
  std::thread puller([&] { Pull(ucrd_, big); });
  // Kill it once the manifest is resolved: the config and ~175 MB of layers
  // are still to come (over a second even on an idle machine).
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (!absl::StrContains(ucrd_.ReadLog(), "resolved on") && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(100));  // let some layers land
  ucrd_.Kill();
  puller.join();
  EXPECT_THAT(ucrd_.ReadLog(), ::testing::Not(HasSubstr("pulled " + big)));
  EXPECT_THAT(Entries(ucrd_.root_dir() + "/images"), IsEmpty());

  ASSERT_TRUE(ucrd_.Start());
  ExpectStoreEmpty(ucrd_);
  // And the store works afterwards.
  ASSERT_TRUE(Pull(ucrd_, TestImage("busybox:1")).status.ok());
}

}  // namespace
}  // namespace ucr::test
