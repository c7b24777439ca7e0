#include "network/cni_result.h"

#include <arpa/inet.h>

#include <set>

#include "absl/strings/str_cat.h"
#include "common/status.h"

namespace ucr::network {
namespace {

using nlohmann::json;

struct Address {
  std::string ip;
  bool v4 = false;
};

// "198.18.0.2/24" → {"198.18.0.2", v4}; the address must parse as IPv4 or IPv6.
absl::StatusOr<Address> ParseCidrAddress(const json& value) {
  if (!value.is_string()) return absl::InvalidArgumentError("CNI result: an address is not a string");
  std::string text = value.get<std::string>();
  std::string ip = text.substr(0, text.find('/'));
  unsigned char buf[16];
  if (::inet_pton(AF_INET, ip.c_str(), buf) == 1) return Address{ip, true};
  if (::inet_pton(AF_INET6, ip.c_str(), buf) == 1) return Address{ip, false};
  return absl::InvalidArgumentError(absl::StrCat("CNI result: malformed address \"", text, "\""));
}

bool IsLoopback(const Address& a) { return a.v4 ? a.ip.starts_with("127.") : a.ip == "::1"; }

// Indexes of result interfaces that live in the sandbox (have "sandbox").
std::set<int> SandboxInterfaces(const json& result) {
  std::set<int> out;
  auto ifaces = result.find("interfaces");
  if (ifaces == result.end() || !ifaces->is_array()) return out;
  for (size_t i = 0; i < ifaces->size(); ++i) {
    const json& iface = (*ifaces)[i];
    if (iface.is_object() && iface.value("sandbox", std::string()) != "") out.insert(static_cast<int>(i));
  }
  return out;
}

absl::Status AddressesFromIps(const json& ips, const json& result, std::vector<Address>* out) {
  if (!ips.is_array()) return absl::InvalidArgumentError("CNI result: \"ips\" is not a list");
  std::set<int> sandbox = SandboxInterfaces(result);
  for (const json& entry : ips) {
    if (!entry.is_object()) return absl::InvalidArgumentError("CNI result: an \"ips\" entry is not an object");
    // An address on a host-side interface (the bridge, the veth's host end) is not the pod's.
    auto iface = entry.find("interface");
    if (!sandbox.empty() && iface != entry.end() && iface->is_number_integer() &&
        !sandbox.count(iface->get<int>())) {
      continue;
    }
    UCR_ASSIGN_OR_RETURN(Address a, ParseCidrAddress(entry.value("address", json())));
    out->push_back(std::move(a));
  }
  return absl::OkStatus();
}

// 0.1.0/0.2.0: {"ip4": {"ip": "10.0.0.2/24", ...}, "ip6": {...}}
absl::Status AddressesFromLegacy(const json& result, std::vector<Address>* out) {
  for (const char* key : {"ip4", "ip6"}) {
    auto it = result.find(key);
    if (it == result.end() || it->is_null()) continue;
    if (!it->is_object()) return absl::InvalidArgumentError(absl::StrCat("CNI result: \"", key, "\" is not an object"));
    UCR_ASSIGN_OR_RETURN(Address a, ParseCidrAddress(it->value("ip", json())));
    out->push_back(std::move(a));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<PodNetworkResult> PodIpsFromResult(const json& result) {
  PodNetworkResult pod;
  if (result.is_null()) return pod;  // a plugin chain may legitimately assign nothing
  if (!result.is_object()) return absl::InvalidArgumentError("CNI result is not a JSON object");
  std::vector<Address> addresses;
  if (auto ips = result.find("ips"); ips != result.end()) {
    UCR_RETURN_IF_ERROR(AddressesFromIps(*ips, result, &addresses));
  } else {
    UCR_RETURN_IF_ERROR(AddressesFromLegacy(result, &addresses));
  }
  std::vector<std::string> v4, v6;
  for (const Address& a : addresses) {
    if (IsLoopback(a)) continue;
    (a.v4 ? v4 : v6).push_back(a.ip);
  }
  for (auto* family : {&v4, &v6}) {
    for (std::string& ip : *family) {
      if (pod.ip.empty()) {
        pod.ip = std::move(ip);
      } else {
        pod.additional_ips.push_back(std::move(ip));
      }
    }
  }
  return pod;
}

}  // namespace ucr::network
