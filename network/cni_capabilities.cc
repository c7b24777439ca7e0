#include "network/cni_capabilities.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace ucr::network {
namespace {

using nlohmann::json;

struct Suffix {
  const char* text;
  long double factor;
};

// Longest first so that "Mi" is not read as "M" + junk.
constexpr Suffix kSuffixes[] = {
    {"Ki", 1024.0L}, {"Mi", 1048576.0L}, {"Gi", 1073741824.0L}, {"Ti", 1099511627776.0L},
    {"Pi", 1125899906842624.0L}, {"Ei", 1152921504606846976.0L},
    {"n", 1e-9L}, {"u", 1e-6L}, {"m", 1e-3L}, {"k", 1e3L}, {"M", 1e6L}, {"G", 1e9L},
    {"T", 1e12L}, {"P", 1e15L}, {"E", 1e18L},
};

absl::StatusOr<uint64_t> BandwidthAnnotation(const PodNetworkRequest& request, const char* key,
                                             bool* present) {
  auto it = request.annotations.find(key);
  *present = it != request.annotations.end();
  if (!*present) return 0;
  absl::StatusOr<uint64_t> bits = ParseQuantity(it->second);
  if (!bits.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("annotation ", key, ": ", bits.status().message()));
  }
  // The kubelet's limits: at least 1k, at most 1P bits/s.
  if (*bits < 1000 || *bits > 1000000000000000ULL) {
    return absl::InvalidArgumentError(
        absl::StrCat("annotation ", key, "=", it->second, " is outside 1k..1P bits/s"));
  }
  return bits;
}

json PortMappingsJson(const std::vector<PortMapping>& mappings) {
  json out = json::array();
  for (const PortMapping& m : mappings) {
    if (m.host_port <= 0) continue;  // only published ports are mapped (as containerd does)
    json entry = {{"hostPort", m.host_port}, {"containerPort", m.container_port},
                  {"protocol", absl::AsciiStrToLower(m.protocol.empty() ? "tcp" : m.protocol)}};
    if (!m.host_ip.empty()) entry["hostIP"] = m.host_ip;
    out.push_back(std::move(entry));
  }
  return out;
}

}  // namespace

absl::StatusOr<uint64_t> ParseQuantity(absl::string_view text) {
  absl::string_view s = absl::StripAsciiWhitespace(text);
  long double factor = 1.0L;
  for (const Suffix& suffix : kSuffixes) {
    if (absl::EndsWith(s, suffix.text)) {
      factor = suffix.factor;
      s.remove_suffix(strlen(suffix.text));
      break;
    }
  }
  // What is left is a decimal number, possibly with an exponent ("1e6", "2.5").
  double number = 0;
  bool plain = !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return absl::ascii_isdigit(static_cast<unsigned char>(c)) || c == '.' || c == 'e' || c == 'E' ||
           c == '+' || c == '-';
  });
  if (!plain || !absl::SimpleAtod(s, &number) || number < 0 || !std::isfinite(number)) {
    return absl::InvalidArgumentError(absl::StrCat("\"", text, "\" is not a quantity"));
  }
  long double value = std::ceil(static_cast<long double>(number) * factor);
  if (value > static_cast<long double>(std::numeric_limits<uint64_t>::max())) {
    return absl::InvalidArgumentError(absl::StrCat("\"", text, "\" is too large"));
  }
  return static_cast<uint64_t>(value);
}

absl::StatusOr<json> BuildCapabilityArgs(const PodNetworkRequest& request) {
  json args = json::object();
  json ports = PortMappingsJson(request.port_mappings);
  if (!ports.empty()) args["portMappings"] = std::move(ports);

  const DnsConfig& dns = request.dns;
  if (!dns.servers.empty() || !dns.searches.empty() || !dns.options.empty()) {
    args["dns"] = {{"servers", dns.servers}, {"searches", dns.searches}, {"options", dns.options}};
  }

  bool has_ingress = false, has_egress = false;
  absl::StatusOr<uint64_t> ingress = BandwidthAnnotation(request, kIngressBandwidthAnnotation, &has_ingress);
  if (!ingress.ok()) return ingress.status();
  absl::StatusOr<uint64_t> egress = BandwidthAnnotation(request, kEgressBandwidthAnnotation, &has_egress);
  if (!egress.ok()) return egress.status();
  if (has_ingress || has_egress) {
    // Burst as containerd sets it: effectively unlimited, the rate is what counts.
    json bw = json::object();
    if (has_ingress) bw.update({{"ingressRate", *ingress}, {"ingressBurst", std::numeric_limits<uint32_t>::max()}});
    if (has_egress) bw.update({{"egressRate", *egress}, {"egressBurst", std::numeric_limits<uint32_t>::max()}});
    args["bandwidth"] = std::move(bw);
  }
  return args;
}

json RuntimeConfigFor(const json& capability_args, const std::set<std::string>& capabilities) {
  json out = json::object();
  for (const std::string& cap : capabilities) {
    if (auto it = capability_args.find(cap); it != capability_args.end()) out[cap] = *it;
  }
  return out;
}

}  // namespace ucr::network
