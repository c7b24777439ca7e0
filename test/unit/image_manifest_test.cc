// Manifest / index parsing and platform selection.
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "image/image_config.h"
#include "image/manifest.h"

namespace ucr::image {
namespace {

std::string Dg(char c) { return absl::StrCat("sha256:", std::string(64, c)); }

std::string Entry(const std::string& arch, const std::string& variant, char digit,
                  const std::string& type = media::kOciManifest) {
  std::string platform = absl::StrCat(R"({"os":"linux","architecture":")", arch, "\"");
  if (!variant.empty()) absl::StrAppend(&platform, R"(,"variant":")", variant, "\"");
  absl::StrAppend(&platform, "}");
  return absl::StrCat(R"({"mediaType":")", type, R"(","digest":")", Dg(digit), R"(","size":100,"platform":)",
                      platform, "}");
}

TEST(ManifestTest, ParsesDockerSchema2) {
  std::string body = absl::StrCat(R"({"schemaVersion":2,"mediaType":")", media::kDockerManifest,
                                  R"(","config":{"mediaType":")", media::kDockerConfig, R"(","digest":")", Dg('a'),
                                  R"(","size":7},"layers":[{"mediaType":"application/vnd.docker.image.rootfs.diff.tar.gzip","digest":")",
                                  Dg('b'), R"(","size":9}]})");
  absl::StatusOr<ParsedManifest> m = ParseManifest(body, "");
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_FALSE(m->is_index);
  EXPECT_EQ(m->config.digest, Dg('a'));
  EXPECT_EQ(m->config.size, 7);
  ASSERT_EQ(m->layers.size(), 1u);
  EXPECT_EQ(m->layers[0].digest, Dg('b'));
  EXPECT_EQ(m->layers[0].size, 9);
}

TEST(ManifestTest, MediaTypeFromContentTypeWhenBodyHasNone) {
  std::string body = absl::StrCat(R"({"schemaVersion":2,"manifests":[)", Entry("amd64", "", '1'), "]}");
  absl::StatusOr<ParsedManifest> m = ParseManifest(body, "application/vnd.oci.image.index.v1+json; charset=utf-8");
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_TRUE(m->is_index);
  EXPECT_EQ(m->media_type, media::kOciIndex);
}

TEST(ManifestTest, RefusesSchema1UnknownTypesAndGarbage) {
  absl::StatusOr<ParsedManifest> s1 =
      ParseManifest(R"({"schemaVersion":1,"name":"x","fsLayers":[]})", "application/vnd.docker.distribution.manifest.v1+prettyjws");
  EXPECT_EQ(s1.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(s1.status().message().find("unsupported manifest media type"), std::string::npos);

  EXPECT_EQ(ParseManifest(R"({"mediaType":"text/plain"})", "").status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(ParseManifest("not json", "").status().code(), absl::StatusCode::kInvalidArgument);
  // A descriptor with a bad digest or no size.
  std::string bad = absl::StrCat(R"({"mediaType":")", media::kOciManifest,
                                 R"(","config":{"digest":"sha256:zz","size":1},"layers":[]})");
  EXPECT_EQ(ParseManifest(bad, "").status().code(), absl::StatusCode::kInvalidArgument);
  std::string nosize = absl::StrCat(R"({"mediaType":")", media::kOciManifest, R"(","config":{"digest":")", Dg('a'),
                                    R"("},"layers":[]})");
  EXPECT_EQ(ParseManifest(nosize, "").status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(ManifestTest, SelectsThisPlatformFromAnIndex) {
  std::string body = absl::StrCat(R"({"mediaType":")", media::kDockerList, R"(","manifests":[)",
                                  Entry("arm64", "v8", '1', media::kDockerManifest), ",",
                                  Entry("amd64", "", '2', media::kDockerManifest), ",",
                                  Entry("arm", "v6", '3', media::kDockerManifest), ",",
                                  Entry("arm", "v7", '4', media::kDockerManifest), "]}");
  absl::StatusOr<ParsedManifest> index = ParseManifest(body, "");
  ASSERT_TRUE(index.ok()) << index.status();
  EXPECT_EQ(SelectPlatform(*index, {"linux", "amd64", ""})->digest, Dg('2'));
  EXPECT_EQ(SelectPlatform(*index, {"linux", "arm64", ""})->digest, Dg('1'));  // "" == v8 on arm64
  EXPECT_EQ(SelectPlatform(*index, {"linux", "arm", "v7"})->digest, Dg('4'));
  EXPECT_EQ(SelectPlatform(*index, {"linux", "arm", "v6"})->digest, Dg('3'));
  absl::StatusOr<Descriptor> none = SelectPlatform(*index, {"linux", "s390x", ""});
  EXPECT_EQ(none.status().code(), absl::StatusCode::kNotFound);
  EXPECT_NE(none.status().message().find("linux/arm64/v8"), std::string::npos) << none.status();
  EXPECT_EQ(SelectPlatform(*index, {"windows", "amd64", ""}).status().code(), absl::StatusCode::kNotFound);

  Platform host = HostPlatform();
  EXPECT_EQ(host.os, "linux");
  EXPECT_FALSE(host.architecture.empty());
}

TEST(ImageConfigTest, ParsesTheFieldsALaunchNeeds) {
  std::string body = absl::StrCat(
      R"({"architecture":"amd64","os":"linux","config":{"User":"1234:5","Env":["A=b"],"Entrypoint":["/bin/sh","-c"],)",
      R"("Cmd":["echo"],"WorkingDir":"/w","StopSignal":"SIGUSR1","Labels":{"k":"v"},"ExposedPorts":{"8080/tcp":{}}},)",
      R"("rootfs":{"type":"layers","diff_ids":[")", Dg('c'), R"("]}})");
  absl::StatusOr<ParsedConfig> c = ParseImageConfig(body);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->config.user, "1234:5");
  EXPECT_EQ(c->config.env, std::vector<std::string>{"A=b"});
  EXPECT_EQ(c->config.entrypoint, (std::vector<std::string>{"/bin/sh", "-c"}));
  EXPECT_EQ(c->config.cmd, std::vector<std::string>{"echo"});
  EXPECT_EQ(c->config.working_dir, "/w");
  EXPECT_EQ(c->config.stop_signal, "SIGUSR1");
  EXPECT_EQ(c->config.labels.at("k"), "v");
  EXPECT_EQ(c->config.exposed_ports, std::vector<std::string>{"8080/tcp"});
  EXPECT_EQ(c->diff_ids, std::vector<std::string>{Dg('c')});
  EXPECT_EQ(ImageConfigFromJson(ImageConfigToJson(c->config)).stop_signal, "SIGUSR1");

  EXPECT_FALSE(ParseImageConfig(R"({"rootfs":{"diff_ids":[]}})").ok());
  EXPECT_FALSE(ParseImageConfig(R"({"rootfs":{"diff_ids":["sha256:nothex"]}})").ok());
}

TEST(ImageConfigTest, SplitsUserLikeContainerd) {
  EXPECT_EQ(SplitImageUser("1234:1234").uid, 1234);
  EXPECT_EQ(SplitImageUser("1234:1234").username, "");
  EXPECT_EQ(SplitImageUser("0").uid, 0);
  EXPECT_EQ(SplitImageUser("ucrtest").username, "ucrtest");
  EXPECT_FALSE(SplitImageUser("ucrtest").uid.has_value());
  EXPECT_EQ(SplitImageUser("ucrtest:wheel").username, "ucrtest");
  EXPECT_FALSE(SplitImageUser("").uid.has_value());
  EXPECT_EQ(SplitImageUser("").username, "");
}

}  // namespace
}  // namespace ucr::image
