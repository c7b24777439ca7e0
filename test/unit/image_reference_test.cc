// Reference normalization, table-driven against what kubelet/crictl (docker
// reference rules) produce.
#include <gtest/gtest.h>

#include "image/reference.h"

namespace ucr::image {
namespace {

constexpr char kD[] = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

struct Case {
  const char* in;
  const char* domain;
  const char* path;
  const char* tag;
  const char* digest;
  const char* normalized;
};

TEST(ReferenceTest, NormalizesLikeTheKubelet) {
  const std::string with_digest = std::string("busybox@") + kD;
  const std::string tag_digest = std::string("127.0.0.1:5100/ucr-test/busybox:1@") + kD;
  const Case cases[] = {
      {"busybox", "docker.io", "library/busybox", "latest", "", "docker.io/library/busybox:latest"},
      {"busybox:1.36", "docker.io", "library/busybox", "1.36", "", "docker.io/library/busybox:1.36"},
      {"library/busybox", "docker.io", "library/busybox", "latest", "", "docker.io/library/busybox:latest"},
      {"docker.io/busybox", "docker.io", "library/busybox", "latest", "", "docker.io/library/busybox:latest"},
      {"index.docker.io/library/busybox:1", "docker.io", "library/busybox", "1", "", "docker.io/library/busybox:1"},
      {"user/app:v2", "docker.io", "user/app", "v2", "", "docker.io/user/app:v2"},
      {"registry.k8s.io/pause:3.9", "registry.k8s.io", "pause", "3.9", "", "registry.k8s.io/pause:3.9"},
      {"localhost/app", "localhost", "app", "latest", "", "localhost/app:latest"},
      {"localhost:5000/a/b/c:t", "localhost:5000", "a/b/c", "t", "", "localhost:5000/a/b/c:t"},
      {"127.0.0.1:5100/ucr-test/busybox:1", "127.0.0.1:5100", "ucr-test/busybox", "1", "",
       "127.0.0.1:5100/ucr-test/busybox:1"},
      {"127.0.0.1:5100/ucr-test/busybox", "127.0.0.1:5100", "ucr-test/busybox", "latest", "",
       "127.0.0.1:5100/ucr-test/busybox:latest"},
      {"[::1]:5000/app:1", "[::1]:5000", "app", "1", "", "[::1]:5000/app:1"},
      {"x-y__z.w:T_1.0-x", "docker.io", "library/x-y__z.w", "T_1.0-x", "", "docker.io/library/x-y__z.w:T_1.0-x"},
  };
  for (const Case& c : cases) {
    absl::StatusOr<Reference> r = ParseReference(c.in);
    ASSERT_TRUE(r.ok()) << c.in << ": " << r.status();
    EXPECT_EQ(r->domain, c.domain) << c.in;
    EXPECT_EQ(r->path, c.path) << c.in;
    EXPECT_EQ(r->tag, c.tag) << c.in;
    EXPECT_EQ(r->digest, c.digest) << c.in;
    EXPECT_EQ(r->String(), c.normalized) << c.in;
  }

  absl::StatusOr<Reference> d = ParseReference(with_digest);
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(d->tag, "");
  EXPECT_EQ(d->digest, kD);
  EXPECT_EQ(d->String(), std::string("docker.io/library/busybox@") + kD);
  EXPECT_EQ(d->ManifestRef(), kD);

  absl::StatusOr<Reference> td = ParseReference(tag_digest);
  ASSERT_TRUE(td.ok()) << td.status();
  EXPECT_EQ(td->tag, "1");
  EXPECT_EQ(td->digest, kD);
  EXPECT_EQ(td->TagRef(), "127.0.0.1:5100/ucr-test/busybox:1");
  EXPECT_EQ(td->ManifestRef(), kD);  // the digest is what is pulled
}

TEST(ReferenceTest, RejectsMalformedReferences) {
  const char* bad[] = {
      "",
      "Busybox",                       // uppercase repository
      "busybox:",                      // empty tag
      "busybox:-x",                    // tag must start with a word character
      "busybox@sha256:abc",            // short digest
      "busybox@md5:0123456789abcdef",  // unsupported algorithm
      "/busybox",                      // empty component
      "a//b",
      "host:port/app",  // non-numeric port
      "app..x",
      "a.b_c/x",  // "_" is not allowed in a host name
  };
  for (const char* in : bad) {
    absl::StatusOr<Reference> r = ParseReference(in);
    EXPECT_FALSE(r.ok()) << "accepted \"" << in << "\" as " << (r.ok() ? r->String() : "");
    if (!r.ok()) {
      EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument) << in;
    }
  }
}

TEST(ReferenceTest, TagsUpTo128Characters) {
  EXPECT_TRUE(ParseReference("busybox:" + std::string(128, 'a')).ok());
  EXPECT_FALSE(ParseReference("busybox:" + std::string(129, 'a')).ok());
}

TEST(ReferenceTest, DigestRefUsesTheRepositoryName) {
  absl::StatusOr<Reference> r = ParseReference("busybox:1");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->DigestRef(kD), std::string("docker.io/library/busybox@") + kD);
  EXPECT_TRUE(IsSha256Digest(kD));
  EXPECT_FALSE(IsSha256Digest("sha256:0123"));
  EXPECT_FALSE(IsSha256Digest(std::string(kD).substr(0, 70) + "X"));
}

}  // namespace
}  // namespace ucr::image
