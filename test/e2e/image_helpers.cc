#include "test/e2e/image_helpers.h"

#include <filesystem>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "image/http_client.h"
#include "image/manifest.h"

namespace ucr::test {

namespace fs = std::filesystem;

std::string TestImage(const std::string& name) { return absl::StrCat(kOpen, "/ucr-test/", name); }

PullOutcome Pull(Ucrd& ucrd, const std::string& ref, const std::string& user, const std::string& pass,
                 const std::string& auth) {
  v1::PullImageRequest req;
  req.mutable_image()->set_image(ref);
  if (!user.empty()) req.mutable_auth()->set_username(user);
  if (!pass.empty()) req.mutable_auth()->set_password(pass);
  if (!auth.empty()) req.mutable_auth()->set_auth(auth);
  v1::PullImageResponse resp;
  PullOutcome out;
  out.status = ucrd.image().PullImage(Context(std::chrono::seconds(120)).get(), req, &resp);
  out.image_ref = resp.image_ref();
  return out;
}

std::optional<v1::Image> Status(Ucrd& ucrd, const std::string& ref) {
  v1::ImageStatusRequest req;
  req.mutable_image()->set_image(ref);
  v1::ImageStatusResponse resp;
  grpc::Status st = ucrd.image().ImageStatus(Context().get(), req, &resp);
  EXPECT_TRUE(st.ok()) << st.error_message();
  if (!resp.has_image()) return std::nullopt;
  return resp.image();
}

nlohmann::json VerboseInfo(Ucrd& ucrd, const std::string& ref) {
  v1::ImageStatusRequest req;
  req.mutable_image()->set_image(ref);
  req.set_verbose(true);
  v1::ImageStatusResponse resp;
  grpc::Status st = ucrd.image().ImageStatus(Context().get(), req, &resp);
  EXPECT_TRUE(st.ok()) << st.error_message();
  if (!resp.info().count("info")) return nlohmann::json();
  return nlohmann::json::parse(resp.info().at("info"), nullptr, false);
}

std::vector<v1::Image> List(Ucrd& ucrd, const std::string& filter) {
  v1::ListImagesRequest req;
  if (!filter.empty()) req.mutable_filter()->mutable_image()->set_image(filter);
  v1::ListImagesResponse resp;
  grpc::Status st = ucrd.image().ListImages(Context().get(), req, &resp);
  EXPECT_TRUE(st.ok()) << st.error_message();
  return {resp.images().begin(), resp.images().end()};
}

grpc::Status Remove(Ucrd& ucrd, const std::string& ref) {
  v1::RemoveImageRequest req;
  req.mutable_image()->set_image(ref);
  v1::RemoveImageResponse resp;
  return ucrd.image().RemoveImage(Context().get(), req, &resp);
}

v1::FilesystemUsage FsInfo(Ucrd& ucrd) {
  v1::ImageFsInfoResponse resp;
  grpc::Status st = ucrd.image().ImageFsInfo(Context().get(), {}, &resp);
  EXPECT_TRUE(st.ok()) << st.error_message();
  EXPECT_EQ(resp.image_filesystems_size(), 1);
  return resp.image_filesystems_size() ? resp.image_filesystems(0) : v1::FilesystemUsage();
}

std::string LayerDir(Ucrd& ucrd, const std::string& ref, size_t index_from_top) {
  nlohmann::json info = VerboseInfo(ucrd, ref);
  if (!info.is_object() || !info.contains("layerDirs")) return "";
  std::vector<std::string> dirs = info["layerDirs"].get<std::vector<std::string>>();  // bottom first
  if (index_from_top >= dirs.size()) return "";
  return dirs[dirs.size() - 1 - index_from_top];
}

std::vector<std::string> Entries(const std::string& dir) {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) out.push_back(e.path().filename().string());
  return out;
}

std::vector<std::string> PublishedLayers(const Ucrd& ucrd) {
  std::vector<std::string> out;
  for (const std::string& name : Entries(ucrd.root_dir() + "/layers")) {
    if (name != "tmp") out.push_back(name);
  }
  return out;
}

std::vector<std::string> Blobs(const Ucrd& ucrd) { return Entries(ucrd.root_dir() + "/content/blobs/sha256"); }

void ExpectStoreEmpty(Ucrd& ucrd) {
  EXPECT_TRUE(List(ucrd).empty());
  EXPECT_THAT(PublishedLayers(ucrd), ::testing::IsEmpty());
  EXPECT_THAT(Blobs(ucrd), ::testing::IsEmpty());
  EXPECT_THAT(Entries(ucrd.root_dir() + "/content/ingest"), ::testing::IsEmpty());
  EXPECT_THAT(Entries(ucrd.root_dir() + "/layers/tmp"), ::testing::IsEmpty());
  EXPECT_THAT(Entries(ucrd.root_dir() + "/images"), ::testing::IsEmpty());
}

std::string HttpGet(const std::string& url, const std::vector<std::string>& headers) {
  image::HttpClient http;
  image::HttpRequest req;
  req.url = url;
  req.headers = headers;
  absl::StatusOr<image::HttpResponse> resp = http.Do(req);
  EXPECT_TRUE(resp.ok()) << resp.status();
  if (!resp.ok()) return "";
  EXPECT_EQ(resp->status, 200) << url << ": " << resp->body;
  return resp->body;
}

nlohmann::json TokenServer(const std::string& path) {
  return nlohmann::json::parse(HttpGet(absl::StrCat("http://127.0.0.1:5103", path)), nullptr, false);
}

std::string ManifestDigest(const std::string& repo, const std::string& tag) {
  image::HttpClient http;
  image::HttpRequest req;
  req.method = "HEAD";
  req.url = absl::StrCat("http://", kOpen, "/v2/", repo, "/manifests/", tag);
  req.headers = {absl::StrCat("Accept: ", image::media::kManifestAccept)};
  absl::StatusOr<image::HttpResponse> resp = http.Do(req);
  EXPECT_TRUE(resp.ok() && resp->status == 200) << repo << ":" << tag;
  return resp.ok() ? resp->Header("docker-content-digest") : "";
}

}  // namespace ucr::test
