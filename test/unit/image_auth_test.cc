// WWW-Authenticate parsing and credentials.
#include <gtest/gtest.h>

#include "image/auth.h"
#include "image/registry_client.h"

namespace ucr::image {
namespace {

TEST(AuthTest, ParsesBearerChallenge) {
  absl::StatusOr<Challenge> c = ParseChallenge(
      R"(Bearer realm="http://127.0.0.1:5103/token",service="ucr-test",scope="repository:public/busybox:pull")");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->scheme, "bearer");
  EXPECT_EQ(c->params["realm"], "http://127.0.0.1:5103/token");
  EXPECT_EQ(c->params["service"], "ucr-test");
  EXPECT_EQ(c->params["scope"], "repository:public/busybox:pull");
}

TEST(AuthTest, ParsesSpacesEscapesTokensAndCase) {
  absl::StatusOr<Challenge> c = ParseChallenge(
      R"(  BEARER Realm = "https://auth.example/token" , service=registry.example,  error="invalid_token", scope="a \"q\" b")");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->scheme, "bearer");
  EXPECT_EQ(c->params["realm"], "https://auth.example/token");
  EXPECT_EQ(c->params["service"], "registry.example");
  EXPECT_EQ(c->params["error"], "invalid_token");
  EXPECT_EQ(c->params["scope"], "a \"q\" b");

  absl::StatusOr<Challenge> basic = ParseChallenge(R"(Basic realm="ucr-basic")");
  ASSERT_TRUE(basic.ok());
  EXPECT_EQ(basic->scheme, "basic");
  EXPECT_EQ(basic->params["realm"], "ucr-basic");
  ASSERT_TRUE(ParseChallenge("Basic").ok());
  // Two challenges: the first is used.
  absl::StatusOr<Challenge> two = ParseChallenge(R"(Basic realm="a", Bearer realm="b")");
  ASSERT_TRUE(two.ok()) << two.status();
  EXPECT_EQ(two->scheme, "basic");
  EXPECT_EQ(two->params["realm"], "a");
}

TEST(AuthTest, RejectsBrokenChallenges) {
  EXPECT_FALSE(ParseChallenge("").ok());
  EXPECT_FALSE(ParseChallenge(R"(Bearer realm="unterminated)").ok());
  EXPECT_FALSE(ParseChallenge(R"(Bearer =x)").ok());
}

TEST(AuthTest, CredentialsFromFieldsOrBase64Auth) {
  absl::StatusOr<Credentials> a = MakeCredentials("ucr", "ucrpass", "");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->username, "ucr");
  absl::StatusOr<Credentials> b = MakeCredentials("", "", "dWNyOnVjcnBhc3M=");  // ucr:ucrpass
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_EQ(b->username, "ucr");
  EXPECT_EQ(b->password, "ucrpass");
  EXPECT_EQ(BasicAuthHeaderValue(*b), "Basic dWNyOnVjcnBhc3M=");
  EXPECT_TRUE(MakeCredentials("", "", "")->empty());
  EXPECT_EQ(MakeCredentials("", "", "!!!").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(MakeCredentials("", "", "bm9jb2xvbg==").status().code(), absl::StatusCode::kInvalidArgument);  // "nocolon"
}

TEST(EndpointsTest, MirrorsFirstThenTheRegistry) {
  Config config;
  config.registries["example.invalid"].mirrors = {"http://127.0.0.1:5100", "mirror.example:443/"};
  config.registries["mirror.example:443"].username = "m";
  config.registries["mirror.example:443"].password = "p";
  absl::StatusOr<std::vector<Endpoint>> eps = EndpointsFor(config, "example.invalid", Credentials{"u", "p"});
  ASSERT_TRUE(eps.ok()) << eps.status();
  ASSERT_EQ(eps->size(), 3u);
  EXPECT_EQ((*eps)[0].base_url, "http://127.0.0.1:5100");
  EXPECT_TRUE((*eps)[0].mirror);
  EXPECT_TRUE((*eps)[0].creds.empty());  // the pull's credentials are for the registry only
  EXPECT_EQ((*eps)[1].base_url, "https://mirror.example:443");
  EXPECT_EQ((*eps)[1].creds.username, "m");
  EXPECT_EQ((*eps)[2].base_url, "https://example.invalid");
  EXPECT_FALSE((*eps)[2].mirror);
  EXPECT_TRUE((*eps)[2].verify_tls);
  EXPECT_EQ((*eps)[2].creds.username, "u");

  absl::StatusOr<std::vector<Endpoint>> hub = EndpointsFor(config, "docker.io", {});
  ASSERT_TRUE(hub.ok());
  EXPECT_EQ(hub->back().base_url, "https://registry-1.docker.io");

  absl::StatusOr<std::vector<Endpoint>> local = EndpointsFor(config, "127.0.0.1:5100", {});
  EXPECT_EQ(local->back().base_url, "http://127.0.0.1:5100");  // loopback: plain HTTP
  config.registries["reg.lan:5000"].insecure = true;
  EXPECT_EQ(EndpointsFor(config, "reg.lan:5000", {})->back().base_url, "http://reg.lan:5000");

  config.registries["bad"].mirrors = {"ftp://x"};
  EXPECT_EQ(EndpointsFor(config, "bad", {}).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(EndpointsTest, LoopbackHosts) {
  EXPECT_TRUE(IsLoopbackHost("127.0.0.1:5100"));
  EXPECT_TRUE(IsLoopbackHost("127.1.2.3"));
  EXPECT_TRUE(IsLoopbackHost("localhost:5000"));
  EXPECT_TRUE(IsLoopbackHost("[::1]:5000"));
  EXPECT_FALSE(IsLoopbackHost("128.0.0.1:5000"));
  EXPECT_FALSE(IsLoopbackHost("registry-1.docker.io"));
}

}  // namespace
}  // namespace ucr::image
