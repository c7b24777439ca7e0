#include "common/ids.h"

#include <gtest/gtest.h>

#include <set>

namespace ucr {
namespace {

TEST(IdsTest, NewIdIs64HexAndUnique) {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    std::string id = NewId();
    EXPECT_TRUE(IsFullId(id)) << id;
    EXPECT_TRUE(seen.insert(id).second);
  }
}

TEST(IdsTest, IsFullIdRejectsOtherShapes) {
  EXPECT_FALSE(IsFullId("abc"));
  EXPECT_FALSE(IsFullId(std::string(64, 'g')));
  EXPECT_FALSE(IsFullId(std::string(64, 'A')));
  EXPECT_TRUE(IsFullId(std::string(64, 'a')));
}

}  // namespace
}  // namespace ucr
