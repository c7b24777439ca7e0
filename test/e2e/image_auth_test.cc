// Registry authentication end to end: Basic on 5101, the Bearer token flow on
// 5102/5103 (anonymous and with credentials), token reuse across a pull, and
// no Authorization header following a redirect to another host. These tests
// use the token server's shared counters: they run serially in one binary.
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "test/e2e/image_helpers.h"

namespace ucr::test {
namespace {

using ::testing::HasSubstr;

class ImageAuthTest : public UcrdTest {
 protected:
  void SetUp() override {
    ASSERT_TRUE(ucrd_.Start());
    TokenServer("/config?redirect_blobs=0");
    TokenServer("/reset");
  }
  void TearDown() override {
    TokenServer("/config?redirect_blobs=0");
    UcrdTest::TearDown();
  }
};

TEST_F(ImageAuthTest, BasicAuthNeedsCredentials) {
  const std::string ref = absl::StrCat(kBasic, "/ucr-test/busybox:1");
  PullOutcome none = Pull(ucrd_, ref);
  EXPECT_EQ(none.status.error_code(), grpc::StatusCode::UNAUTHENTICATED) << none.status.error_message();
  EXPECT_THAT(none.status.error_message(), HasSubstr(kBasic));

  PullOutcome wrong = Pull(ucrd_, ref, "ucr", "not-the-password");
  EXPECT_EQ(wrong.status.error_code(), grpc::StatusCode::UNAUTHENTICATED) << wrong.status.error_message();
  EXPECT_THAT(wrong.status.error_message(), HasSubstr(kBasic));
  ExpectStoreEmpty(ucrd_);

  PullOutcome ok = Pull(ucrd_, ref, "ucr", "ucrpass");
  ASSERT_TRUE(ok.status.ok()) << ok.status.error_message();
  ASSERT_TRUE(Remove(ucrd_, ref).ok());
  // The base64 "auth" form of the same credentials.
  PullOutcome b64 = Pull(ucrd_, ref, "", "", "dWNyOnVjcnBhc3M=");
  ASSERT_TRUE(b64.status.ok()) << b64.status.error_message();
  EXPECT_TRUE(Status(ucrd_, ref).has_value());
}

TEST_F(ImageAuthTest, BearerAnonymousForPublicRepositories) {
  const std::string ref = absl::StrCat(kBearer, "/public/busybox:1");
  PullOutcome p = Pull(ucrd_, ref);
  ASSERT_TRUE(p.status.ok()) << p.status.error_message();
  nlohmann::json stats = TokenServer("/stats");
  EXPECT_EQ(stats["tokens_issued"], 1) << stats.dump();
  EXPECT_EQ(stats["tokens_anonymous"], 1) << stats.dump();
  // manifest (401, then with the token), config, layer: one token for all.
  EXPECT_GE(stats["registry_proxied"].get<int>(), 3) << stats.dump();
  EXPECT_EQ(stats["registry_unauthorized"], 1) << stats.dump();
}

TEST_F(ImageAuthTest, BearerPrivateNeedsCredentialsAndReusesTheToken) {
  const std::string ref = absl::StrCat(kBearer, "/private/busybox:1");
  PullOutcome none = Pull(ucrd_, ref);
  EXPECT_EQ(none.status.error_code(), grpc::StatusCode::UNAUTHENTICATED) << none.status.error_message();
  EXPECT_THAT(none.status.error_message(), HasSubstr(kBearer));
  ExpectStoreEmpty(ucrd_);

  PullOutcome wrong = Pull(ucrd_, ref, "ucr", "nope");
  EXPECT_EQ(wrong.status.error_code(), grpc::StatusCode::UNAUTHENTICATED) << wrong.status.error_message();

  TokenServer("/reset");
  // layers:1 has three layers, fetched in parallel: still one token.
  const std::string multi = absl::StrCat(kBearer, "/ucr-test/layers:1");
  PullOutcome ok = Pull(ucrd_, multi, "ucr", "ucrpass");
  ASSERT_TRUE(ok.status.ok()) << ok.status.error_message();
  nlohmann::json stats = TokenServer("/stats");
  EXPECT_EQ(stats["tokens_issued"], 1) << stats.dump();
  EXPECT_EQ(stats["tokens_authenticated"], 1) << stats.dump();
  EXPECT_GE(stats["registry_proxied"].get<int>(), 5) << stats.dump();  // manifest, config, 3 layers
  EXPECT_EQ(stats["registry_unauthorized"], 1) << stats.dump();

  ASSERT_TRUE(Pull(ucrd_, ref, "ucr", "ucrpass").status.ok());
}

TEST_F(ImageAuthTest, RevokedTokenIsRenewed) {
  const std::string ref = absl::StrCat(kBearer, "/private/busybox:1");
  ASSERT_TRUE(Pull(ucrd_, ref, "ucr", "ucrpass").status.ok());
  ASSERT_TRUE(Remove(ucrd_, ref).ok());
  TokenServer("/revoke");
  TokenServer("/reset");
  ASSERT_TRUE(Pull(ucrd_, ref, "ucr", "ucrpass").status.ok());
  EXPECT_EQ(TokenServer("/stats")["tokens_issued"], 1);
}

TEST_F(ImageAuthTest, RedirectToBlobStorageDropsAuthorization) {
  TokenServer("/config?redirect_blobs=1");
  TokenServer("/reset");
  const std::string ref = absl::StrCat(kBearer, "/private/busybox:1");
  PullOutcome p = Pull(ucrd_, ref, "ucr", "ucrpass");
  ASSERT_TRUE(p.status.ok()) << p.status.error_message();
  nlohmann::json stats = TokenServer("/stats");
  EXPECT_GE(stats["blob_redirects"].get<int>(), 2) << stats.dump();  // config and layer
  EXPECT_GE(stats["redirected_blob_requests"].get<int>(), 2) << stats.dump();
  EXPECT_EQ(stats["leaked_auth"], 0) << stats.dump();
  EXPECT_EQ(stats["tokens_issued"], 1) << stats.dump();
}

}  // namespace
}  // namespace ucr::test
