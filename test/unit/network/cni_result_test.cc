#include "network/cni_result.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace ucr::network {
namespace {

using ::testing::ElementsAre;
using nlohmann::json;

PodNetworkResult Parse(const char* text) {
  absl::StatusOr<PodNetworkResult> r = PodIpsFromResult(json::parse(text));
  EXPECT_TRUE(r.ok()) << r.status();
  return r.ok() ? *r : PodNetworkResult{};
}

TEST(CniResultTest, Version100KeepsOnlySandboxInterfaceAddresses) {
  PodNetworkResult r = Parse(R"({"cniVersion": "1.0.0",
    "interfaces": [{"name": "br0"}, {"name": "veth1"}, {"name": "eth0", "sandbox": "/run/netns/x"}],
    "ips": [{"interface": 0, "address": "198.18.0.1/24"},
            {"interface": 2, "address": "fd00::5/64", "gateway": "fd00::1"},
            {"interface": 2, "address": "198.18.0.5/24", "gateway": "198.18.0.1"}]})");
  EXPECT_EQ(r.ip, "198.18.0.5");  // IPv4 first, even when listed after IPv6
  EXPECT_THAT(r.additional_ips, ElementsAre("fd00::5"));
}

TEST(CniResultTest, Version040WithoutInterfaces) {
  PodNetworkResult r = Parse(R"({"cniVersion": "0.4.0",
    "ips": [{"version": "4", "address": "198.18.0.7/24"}, {"version": "4", "address": "198.18.0.8/24"}]})");
  EXPECT_EQ(r.ip, "198.18.0.7");
  EXPECT_THAT(r.additional_ips, ElementsAre("198.18.0.8"));
}

TEST(CniResultTest, Version020UsesIp4AndIp6) {
  PodNetworkResult r = Parse(R"({"cniVersion": "0.2.0",
    "ip4": {"ip": "198.18.0.9/24", "gateway": "198.18.0.1"}, "ip6": {"ip": "fd00::9/64"}})");
  EXPECT_EQ(r.ip, "198.18.0.9");
  EXPECT_THAT(r.additional_ips, ElementsAre("fd00::9"));
}

TEST(CniResultTest, OnlyIpv6) {
  PodNetworkResult r = Parse(R"({"cniVersion": "1.0.0", "ips": [{"address": "fd00::2/64"}]})");
  EXPECT_EQ(r.ip, "fd00::2");
  EXPECT_TRUE(r.additional_ips.empty());
}

TEST(CniResultTest, LoopbackAndEmptyResults) {
  EXPECT_EQ(Parse(R"({"cniVersion": "1.0.0", "ips": [{"address": "127.0.0.1/8"}]})").ip, "");
  EXPECT_EQ(Parse(R"({"cniVersion": "1.0.0"})").ip, "");
  absl::StatusOr<PodNetworkResult> null_result = PodIpsFromResult(json());
  ASSERT_TRUE(null_result.ok());
  EXPECT_EQ(null_result->ip, "");
}

TEST(CniResultTest, MalformedResultsAreErrors) {
  for (const char* text : {R"([1])", R"({"ips": 3})", R"({"ips": [{"address": "not-an-ip/24"}]})",
                           R"({"ips": [{"address": 7}]})", R"({"ip4": "x"})"}) {
    absl::StatusOr<PodNetworkResult> r = PodIpsFromResult(json::parse(text));
    EXPECT_FALSE(r.ok()) << text;
  }
}

}  // namespace
}  // namespace ucr::network
