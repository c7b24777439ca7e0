// The [cni] keys network/ added to ucrd's config.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/config.h"

namespace ucr {
namespace {

using ::testing::HasSubstr;

TEST(CniConfigKeysTest, DefaultsAndParsing) {
  Config defaults;
  EXPECT_EQ(defaults.cni_plugin_timeout_ms, 60000);
  EXPECT_TRUE(defaults.cni_default_network);
  absl::StatusOr<Config> c = ParseConfig("[cni]\nplugin_timeout_ms = 1500\ndefault_network = false\n", "t");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->cni_plugin_timeout_ms, 1500);
  EXPECT_FALSE(c->cni_default_network);
  EXPECT_THAT(ConfigToToml(*c), HasSubstr("plugin_timeout_ms = 1500\ndefault_network = false\n"));
  EXPECT_EQ(ConfigToJson(*c)["cni"]["default_network"], false);
}

TEST(CniConfigKeysTest, WrongTypesAndRangesNameTheKey) {
  absl::StatusOr<Config> c = ParseConfig("[cni]\nplugin_timeout_ms = \"5s\"\n", "t");
  ASSERT_FALSE(c.ok());
  EXPECT_THAT(c.status().message(), HasSubstr("cni.plugin_timeout_ms"));
  c = ParseConfig("[cni]\nplugin_timeout_ms = 0\n", "t");
  ASSERT_FALSE(c.ok());
  EXPECT_THAT(c.status().message(), HasSubstr("outside"));
  c = ParseConfig("[cni]\ndefault_network = 1\n", "t");
  ASSERT_FALSE(c.ok());
  EXPECT_THAT(c.status().message(), HasSubstr("cni.default_network"));
}

}  // namespace
}  // namespace ucr
