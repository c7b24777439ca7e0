// The content store verifies before publishing and leaves nothing on failure;
// the chunk pipe hands EOF to its reader only after an OK close.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <thread>

#include "absl/strings/strip.h"
#include "common/child_process.h"
#include "common/files.h"
#include "common/ids.h"
#include "image/chunk_pipe.h"
#include "image/content_store.h"
#include "image/digest.h"
#include "image/http_client.h"

namespace ucr::image {
namespace {

namespace fs = std::filesystem;

std::string Sha256Hex(const std::string& s) {
  absl::StatusOr<CommandResult> r =
      RunCommand({"/usr/bin/sha256sum"}, std::nullopt, s, std::chrono::seconds(10));
  return r.ok() ? r->out.substr(0, 64) : r.status().ToString();
}

class ContentStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(store_.Recover().ok());
  }
  void TearDown() override { RemoveTree(dir_).IgnoreError(); }
  size_t IngestEntries() const {
    return std::distance(fs::directory_iterator(paths_.IngestDir()), fs::directory_iterator());
  }

  std::string dir_ = (fs::temp_directory_path() / ("ucr-content-" + NewId().substr(0, 12))).string();
  Paths paths_{dir_, dir_ + "/state"};
  ContentStore store_{paths_};
};

TEST_F(ContentStoreTest, StoresVerifiedBlobs) {
  const std::string data = "hello blob";
  const std::string digest = Sha256Digest(data);
  // sha256("hello blob"), as `printf 'hello blob' | sha256sum` prints it.
  EXPECT_EQ(digest, "sha256:" + Sha256Hex("hello blob"));
  ASSERT_FALSE(store_.Has(digest));
  ASSERT_TRUE(store_.Put(digest, data.size(), data).ok());
  EXPECT_TRUE(store_.Has(digest));
  EXPECT_EQ(*store_.Read(digest), data);
  EXPECT_EQ(store_.List(), std::vector<std::string>{digest});
  EXPECT_EQ(IngestEntries(), 0u);
  ASSERT_TRUE(store_.Remove(digest).ok());
  EXPECT_FALSE(store_.Has(digest));
  EXPECT_TRUE(store_.Remove(digest).ok());  // idempotent
}

TEST_F(ContentStoreTest, WrongDigestOrSizeLeavesNothing) {
  const std::string data = "the real bytes";
  const std::string digest = Sha256Digest(data);
  absl::Status tampered = store_.Put(digest, data.size(), "the fake bytes");
  EXPECT_EQ(tampered.code(), absl::StatusCode::kDataLoss);
  EXPECT_NE(tampered.message().find("digest mismatch"), std::string::npos) << tampered;
  absl::Status bigger = store_.Put(digest, data.size() + 1, data);
  EXPECT_EQ(bigger.code(), absl::StatusCode::kDataLoss);
  EXPECT_NE(bigger.message().find("descriptor says"), std::string::npos) << bigger;
  absl::Status overflow = store_.Put(digest, data.size() - 1, data);
  EXPECT_EQ(overflow.code(), absl::StatusCode::kDataLoss);
  EXPECT_FALSE(store_.Has(digest));
  EXPECT_TRUE(store_.List().empty());
  EXPECT_EQ(IngestEntries(), 0u);
}

TEST_F(ContentStoreTest, InterruptedWriteIsInvisibleAndRecoverWipesIt) {
  const std::string data(100000, 'x');
  const std::string digest = Sha256Digest(data);
  {
    absl::StatusOr<ContentStore::Writer> w = store_.NewWriter(digest, data.size());
    ASSERT_TRUE(w.ok());
    ASSERT_TRUE(w->Write(absl::string_view(data).substr(0, 5000)).ok());
    EXPECT_FALSE(store_.Has(digest));
    EXPECT_EQ(IngestEntries(), 1u);
    // Dropped without Commit, as when the download fails.
  }
  EXPECT_EQ(IngestEntries(), 0u);
  // A crash leaves the ingest file behind: Recover removes it.
  ASSERT_TRUE(WriteFileAtomic(paths_.IngestDir() + "/leftover", "partial").ok());
  ASSERT_TRUE(store_.Recover().ok());
  EXPECT_EQ(IngestEntries(), 0u);
  EXPECT_FALSE(store_.Has(digest));
}

TEST(ChunkPipeTest, EofOnlyAfterOkClose) {
  ChunkPipe pipe(16);
  std::thread producer([&] {
    for (int i = 0; i < 100; ++i) ASSERT_TRUE(pipe.Push("0123456789").ok());
    pipe.Close(absl::OkStatus());
  });
  std::string got;
  char buf[7];
  while (true) {
    absl::StatusOr<size_t> n = pipe.Read(buf, sizeof buf);
    ASSERT_TRUE(n.ok());
    if (*n == 0) break;
    got.append(buf, *n);
  }
  producer.join();
  EXPECT_EQ(got.size(), 1000u);
  EXPECT_TRUE(pipe.reached_eof());
}

TEST(ChunkPipeTest, ErrorCloseReachesTheReaderAndStopUnblocksTheWriter) {
  ChunkPipe pipe(4);
  ASSERT_TRUE(pipe.Push("abcd").ok());
  pipe.Close(absl::DataLossError("blob digest mismatch"));
  char buf[8];
  EXPECT_EQ(*pipe.Read(buf, sizeof buf), 4u);
  EXPECT_EQ(pipe.Read(buf, sizeof buf).status().code(), absl::StatusCode::kDataLoss);
  EXPECT_FALSE(pipe.reached_eof());

  ChunkPipe full(4);
  ASSERT_TRUE(full.Push("abcd").ok());
  std::thread blocked([&] { EXPECT_EQ(full.Push("efgh").code(), absl::StatusCode::kCancelled); });
  full.StopReading();
  blocked.join();
}

TEST(HttpUrlTest, OriginsAndRedirectResolution) {
  EXPECT_EQ(UrlOrigin("http://127.0.0.1:5102/v2/x"), "http://127.0.0.1:5102");
  EXPECT_EQ(UrlOrigin("https://Registry.Example/v2/"), "https://registry.example:443");
  EXPECT_NE(UrlOrigin("http://127.0.0.1:5102/a"), UrlOrigin("http://127.0.0.1:5103/a"));
  EXPECT_EQ(*ResolveUrl("http://a:1/v2/r/blobs/x", "/other/y"), "http://a:1/other/y");
  EXPECT_EQ(*ResolveUrl("http://a:1/v2/r/blobs/x", "http://b:2/z?q=1"), "http://b:2/z?q=1");
  EXPECT_EQ(UrlEscape("repository:a/b:pull"), "repository%3Aa%2Fb%3Apull");
}

}  // namespace
}  // namespace ucr::image
