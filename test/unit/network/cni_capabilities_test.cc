#include "network/cni_capabilities.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace ucr::network {
namespace {

using ::testing::HasSubstr;
using nlohmann::json;

TEST(QuantityTest, ParsesKubernetesQuantities) {
  struct Case {
    const char* text;
    uint64_t value;
  } cases[] = {
      {"10M", 10000000}, {"1k", 1000}, {"1Ki", 1024}, {"2Mi", 2097152}, {"1G", 1000000000},
      {"1Gi", 1073741824}, {"1P", 1000000000000000ULL}, {"100", 100}, {"1e6", 1000000},
      {"1.5M", 1500000}, {"2500m", 3} /* rounded up as Quantity.Value() */, {" 5k ", 5000},
  };
  for (const Case& c : cases) {
    absl::StatusOr<uint64_t> v = ParseQuantity(c.text);
    ASSERT_TRUE(v.ok()) << c.text << ": " << v.status();
    EXPECT_EQ(*v, c.value) << c.text;
  }
}

TEST(QuantityTest, RejectsGarbage) {
  for (const char* text : {"", "M", "ten", "10X", "-5M", "1..2", "0x10", "1e400"}) {
    EXPECT_FALSE(ParseQuantity(text).ok()) << text;
  }
}

PodNetworkRequest Request() {
  PodNetworkRequest r;
  r.sandbox_id = "abc";
  return r;
}

TEST(CapabilityArgsTest, EmptyRequestGivesNoArgs) {
  absl::StatusOr<json> args = BuildCapabilityArgs(Request());
  ASSERT_TRUE(args.ok());
  EXPECT_EQ(*args, json::object());
}

TEST(CapabilityArgsTest, PortMappingsOnlyForPublishedPortsWithLowercaseProtocol) {
  PodNetworkRequest r = Request();
  r.port_mappings = {{"TCP", 80, 8080, ""}, {"UDP", 53, 5353, "127.0.0.1"}, {"tcp", 9000, 0, ""}};
  absl::StatusOr<json> args = BuildCapabilityArgs(r);
  ASSERT_TRUE(args.ok());
  EXPECT_EQ((*args)["portMappings"],
            json::parse(R"([{"hostPort": 8080, "containerPort": 80, "protocol": "tcp"},
                            {"hostPort": 5353, "containerPort": 53, "protocol": "udp", "hostIP": "127.0.0.1"}])"));
}

TEST(CapabilityArgsTest, DnsAndBandwidth) {
  PodNetworkRequest r = Request();
  r.dns.servers = {"198.18.0.53"};
  r.dns.searches = {"ns.svc.cluster.local"};
  r.dns.options = {"ndots:5"};
  r.annotations[kIngressBandwidthAnnotation] = "10M";
  r.annotations[kEgressBandwidthAnnotation] = "1Mi";
  absl::StatusOr<json> args = BuildCapabilityArgs(r);
  ASSERT_TRUE(args.ok()) << args.status();
  EXPECT_EQ((*args)["dns"], json::parse(R"({"servers": ["198.18.0.53"], "searches": ["ns.svc.cluster.local"],
                                            "options": ["ndots:5"]})"));
  EXPECT_EQ((*args)["bandwidth"]["ingressRate"], 10000000u);
  EXPECT_EQ((*args)["bandwidth"]["egressRate"], 1048576u);
  EXPECT_EQ((*args)["bandwidth"]["ingressBurst"], 4294967295u);
}

TEST(CapabilityArgsTest, MalformedBandwidthIsAnErrorNamingTheAnnotation) {
  PodNetworkRequest r = Request();
  r.annotations[kEgressBandwidthAnnotation] = "fast";
  absl::StatusOr<json> args = BuildCapabilityArgs(r);
  ASSERT_FALSE(args.ok());
  EXPECT_EQ(args.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(args.status().message(), HasSubstr("kubernetes.io/egress-bandwidth"));
  r.annotations[kEgressBandwidthAnnotation] = "10";  // below the kubelet's 1k minimum
  EXPECT_FALSE(BuildCapabilityArgs(r).ok());
}

TEST(CapabilityArgsTest, RuntimeConfigHoldsOnlyDeclaredCapabilities) {
  json all = {{"portMappings", json::array({{{"hostPort", 1}}})}, {"dns", {{"servers", {"x"}}}}};
  EXPECT_EQ(RuntimeConfigFor(all, {}), json::object());
  EXPECT_EQ(RuntimeConfigFor(all, {"portMappings"}), json({{"portMappings", all["portMappings"]}}));
  EXPECT_EQ(RuntimeConfigFor(all, {"dns", "bandwidth", "ipRanges"}), json({{"dns", all["dns"]}}));
}

}  // namespace
}  // namespace ucr::network
