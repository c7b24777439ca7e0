// Helpers for the image end-to-end tests: CRI image calls on a fixture ucrd,
// the test registries' hooks, and looks at the image store on disk.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "nlohmann/json.hpp"
#include "test/e2e/ucrd_fixture.h"

namespace ucr::test {

inline constexpr char kOpen[] = "127.0.0.1:5100";
inline constexpr char kBasic[] = "127.0.0.1:5101";
inline constexpr char kBearer[] = "127.0.0.1:5102";

// "127.0.0.1:5100/ucr-test/<name>"
std::string TestImage(const std::string& name);

struct PullOutcome {
  grpc::Status status;
  std::string image_ref;
};
PullOutcome Pull(Ucrd& ucrd, const std::string& ref, const std::string& user = "",
                 const std::string& pass = "", const std::string& auth = "");

std::optional<v1::Image> Status(Ucrd& ucrd, const std::string& ref);
nlohmann::json VerboseInfo(Ucrd& ucrd, const std::string& ref);
std::vector<v1::Image> List(Ucrd& ucrd, const std::string& filter = "");
grpc::Status Remove(Ucrd& ucrd, const std::string& ref);
v1::FilesystemUsage FsInfo(Ucrd& ucrd);

// The directory of the image's layer `index` from the top (0 = top layer).
std::string LayerDir(Ucrd& ucrd, const std::string& ref, size_t index_from_top = 0);

// Published layer dirs / blobs / leftovers in the fixture's root.
std::vector<std::string> PublishedLayers(const Ucrd& ucrd);
std::vector<std::string> Blobs(const Ucrd& ucrd);
std::vector<std::string> Entries(const std::string& dir);  // names, or {} when absent
// Asserts the image store holds nothing at all.
void ExpectStoreEmpty(Ucrd& ucrd);

// GET on the test registries / token server; JSON answers parsed.
std::string HttpGet(const std::string& url, const std::vector<std::string>& headers = {});
nlohmann::json TokenServer(const std::string& path);  // "/stats", "/reset", ...

// The manifest digest the registry serves for `repo:tag` on 5100.
std::string ManifestDigest(const std::string& repo, const std::string& tag);

}  // namespace ucr::test
