#include "network/result_cache.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/files.h"
#include "test/unit/network/temp_dir.h"

namespace ucr::network {
namespace {

using ::testing::IsEmpty;
using nlohmann::json;

CachedAttachment Entry(const std::string& id) {
  CachedAttachment e;
  e.sandbox_id = id;
  e.netns = "/run/ucrd/sandboxes/" + id + "/ns/net";
  e.cni_args = "IgnoreUnknown=1;K8S_POD_NAME=p";
  e.network = {{"cniVersion", "1.0.0"}, {"name", "n"}, {"plugins", {{{"type", "bridge"}}}}};
  e.network_source = "/etc/cni/net.d/10-n.conflist";
  e.capability_args = {{"portMappings", {{{"hostPort", 80}}}}};
  return e;
}

TEST(ResultCacheTest, SavesLoadsAndRemoves) {
  TempDir dir;
  ResultCache cache(dir.path() + "/results");
  CachedAttachment e = Entry("sb1");
  ASSERT_TRUE(cache.Save(e).ok());
  absl::StatusOr<CachedAttachment> back = cache.Load("sb1", "eth0");
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_TRUE(back->pending());
  EXPECT_EQ(back->netns, e.netns);
  EXPECT_EQ(back->cni_args, e.cni_args);
  EXPECT_EQ(back->network, e.network);
  EXPECT_EQ(back->network_source, e.network_source);
  EXPECT_EQ(back->capability_args, e.capability_args);

  e.result = {{"cniVersion", "1.0.0"}, {"ips", {{{"address", "198.18.0.2/24"}}}}};
  ASSERT_TRUE(cache.Save(e).ok());
  cache.Flush();
  back = cache.Load("sb1", "eth0");
  ASSERT_TRUE(back.ok());
  EXPECT_FALSE(back->pending());
  EXPECT_EQ(back->result, e.result);
  EXPECT_EQ(cache.PathFor("sb1", "eth0"), dir.path() + "/results/sb1-eth0.json");

  ASSERT_TRUE(cache.Remove("sb1", "eth0").ok());
  EXPECT_TRUE(absl::IsNotFound(cache.Load("sb1", "eth0").status()));
  EXPECT_TRUE(cache.Remove("sb1", "eth0").ok());  // idempotent
}

TEST(ResultCacheTest, ListSkipsCorruptEntriesAndClearsInterruptedWrites) {
  TempDir dir;
  ResultCache cache(dir.path());
  ASSERT_TRUE(cache.Save(Entry("a")).ok());
  ASSERT_TRUE(cache.Save(Entry("b")).ok());
  ASSERT_TRUE(WriteFileAtomic(dir.path() + "/c-eth0.json", "{truncated").ok());
  ASSERT_TRUE(WriteFileAtomic(dir.path() + "/.tmp-abc", "partial").ok());
  std::vector<CachedAttachment> all = cache.List();
  std::vector<std::string> ids;
  for (const auto& e : all) ids.push_back(e.sandbox_id);
  std::sort(ids.begin(), ids.end());
  EXPECT_EQ(ids, (std::vector<std::string>{"a", "b"}));
  EXPECT_TRUE(absl::IsNotFound(ReadFile(dir.path() + "/.tmp-abc").status()));
  EXPECT_FALSE(cache.Load("c", "eth0").ok());
}

TEST(ResultCacheTest, ANewInstanceSeesWhatTheOldOneSaved) {
  TempDir dir;
  {
    ResultCache first(dir.path());
    ASSERT_TRUE(first.Save(Entry("sb")).ok());
  }
  ResultCache second(dir.path());
  EXPECT_TRUE(second.Load("sb", "eth0").ok());
  EXPECT_THAT(ResultCache(dir.path() + "/none").List(), IsEmpty());
}

}  // namespace
}  // namespace ucr::network
