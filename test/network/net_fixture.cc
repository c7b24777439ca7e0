#include "test/network/net_fixture.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/file.h>
#include <unistd.h>

#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/files.h"
#include "common/ids.h"

namespace ucr::network::test {

// RunCommand wants a path: look bare names up as a shell would.
static std::vector<std::string> Resolve(std::vector<std::string> argv) {
  if (argv.empty() || absl::StrContains(argv[0], "/")) return argv;
  for (const char* dir : {"/usr/sbin", "/usr/bin", "/sbin", "/bin"}) {
    std::string path = absl::StrCat(dir, "/", argv[0]);
    if (::access(path.c_str(), X_OK) == 0) {
      argv[0] = path;
      break;
    }
  }
  return argv;
}

absl::StatusOr<std::string> RunTool(const std::vector<std::string>& argv, std::chrono::milliseconds timeout) {
  absl::StatusOr<CommandResult> r = RunCommand(Resolve(argv), std::nullopt, "", timeout);
  if (!r.ok()) return r.status();
  if (r->exit_code != 0) {
    return absl::InternalError(absl::StrCat(absl::StrJoin(argv, " "), " exited ", r->exit_code, ": ", r->err));
  }
  return r->out;
}

ScopedNetns::ScopedNetns(const std::string& name) : name_(name) {
  ok_ = RunTool({"ip", "netns", "add", name_}).ok();
}

ScopedNetns::~ScopedNetns() {
  if (ok_) (void)RunTool({"ip", "netns", "del", name_});
}

absl::StatusOr<std::string> ScopedNetns::Exec(const std::vector<std::string>& argv) const {
  std::vector<std::string> full = {"ip", "netns", "exec", name_};
  full.insert(full.end(), argv.begin(), argv.end());
  return RunTool(full);
}

absl::StatusOr<ChildProcess> ScopedNetns::StartHttpd(const std::string& dir, int port) const {
  SpawnOptions opts;
  opts.argv = {"/usr/sbin/ip", "netns", "exec", name_, "/bin/busybox", "httpd", "-f", "-p", std::to_string(port), "-h", dir};
  opts.new_session = true;
  return ChildProcess::Spawn(opts);
}

TestNetwork::TestNetwork() : tag_(RandomHex(3)) {
  lock_fd_ = ::open("/run/ucr-cni-tests.lock", O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (lock_fd_ >= 0) (void)::flock(lock_fd_, LOCK_EX);
  RemoveStaleLeftovers();
  char tmpl[] = "/tmp/ucr-net-it-XXXXXX";
  const char* made = ::mkdtemp(tmpl);
  dir_ = made ? made : "/nonexistent";
  (void)MakeDirs(conf_dir());
  (void)MakeDirs(fake_bin_dir());
  WriteConflist("10-test.conflist", Conflist(name(), bridge(), kTestSubnet));
}

TestNetwork::~TestNetwork() {
  RemoveIptablesRules(tag_);
  std::vector<std::string> bridges = ExtraBridges;
  bridges.push_back(bridge());
  for (const std::string& b : bridges) (void)RunTool({"ip", "link", "del", b});
  (void)RemoveTree(dir_);
  if (lock_fd_ >= 0) ::close(lock_fd_);
}

void TestNetwork::RemoveStaleLeftovers() {
  absl::StatusOr<std::string> addrs = RunTool({"ip", "-o", "-4", "addr", "show"});
  for (absl::string_view line : absl::StrSplit(addrs.ok() ? *addrs : "", '\n', absl::SkipEmpty())) {
    std::vector<std::string> f = absl::StrSplit(line, ' ', absl::SkipWhitespace());
    if (f.size() > 3 && absl::StartsWith(f[1], "ucrt") && absl::StartsWith(f[3], kTestSubnetPrefix)) {
      (void)RunTool({"ip", "link", "del", f[1]});
    }
  }
  absl::StatusOr<std::string> netns = RunTool({"ip", "netns", "list"});
  for (absl::string_view line : absl::StrSplit(netns.ok() ? *netns : "", '\n', absl::SkipEmpty())) {
    std::string name(line.substr(0, line.find(' ')));
    if (absl::StartsWith(name, "ucrt")) (void)RunTool({"ip", "netns", "del", name});
  }
  RemoveIptablesRules("ucrt-");
}

std::string TestNetwork::Conflist(const std::string& net_name, const std::string& bridge_name,
                                  const std::string& subnet, const std::string& extra_plugins,
                                  bool masquerade) const {
  return absl::StrCat(R"({"cniVersion": "1.0.0", "name": ")", net_name, R"(", "plugins": [
    {"type": "bridge", "bridge": ")", bridge_name, R"(", "isGateway": true, "ipMasq": )", masquerade ? "true" : "false", R"(, "hairpinMode": true,
     "ipam": {"type": "host-local", "ranges": [[{"subnet": ")", subnet, R"("}]],
              "routes": [{"dst": "0.0.0.0/0"}], "dataDir": ")", ipam_dir(), R"("}},
    {"type": "portmap", "capabilities": {"portMappings": true}, "snat": true})",
                      extra_plugins.empty() ? "" : ",\n    ", extra_plugins, "]}");
}

void TestNetwork::WriteConflist(const std::string& file, const std::string& text) const {
  (void)WriteFileAtomic(absl::StrCat(conf_dir(), "/", file), text);
}

std::unique_ptr<CniNetwork> TestNetwork::NewManager() const {
  CniNetworkOptions opts;
  opts.conf_dir = conf_dir();
  opts.bin_dirs = {fake_bin_dir(), "/usr/lib/cni"};
  opts.cache_dir = cache_dir();
  opts.plugin_timeout = std::chrono::seconds(20);
  opts.default_network = false;  // never fall back to 10.88.0.0/16 in a test
  return std::make_unique<CniNetwork>(opts);
}

std::unique_ptr<ScopedNetns> TestNetwork::NewNetns() {
  return std::make_unique<ScopedNetns>(absl::StrCat("ucrt", tag_, "-", netns_count_++));
}

PodNetworkRequest TestNetwork::Request(const ScopedNetns& ns, const std::string& sandbox_id) const {
  PodNetworkRequest r;
  r.sandbox_id = sandbox_id;
  r.netns_path = ns.path();
  r.pod_name = ns.name();
  r.pod_namespace = "cni-test";
  r.pod_uid = "uid-" + sandbox_id;
  r.hostname = ns.name();
  return r;
}

std::vector<std::string> TestNetwork::IptablesLines() const {
  std::vector<std::string> out;
  absl::StatusOr<std::string> save = RunTool({"iptables-save"});
  if (!save.ok()) return {"iptables-save failed: " + std::string(save.status().message())};
  // Rules naming the network or its subnet, and the chains they jump to.
  std::set<std::string> chains;
  std::vector<std::string> lines = absl::StrSplit(*save, '\n');
  for (const std::string& line : lines) {
    if (!absl::StartsWith(line, "-A ")) continue;
    if (!absl::StrContains(line, tag_) && !absl::StrContains(line, kTestSubnetPrefix)) continue;
    out.push_back(line);
    size_t j = line.find(" -j CNI-");
    if (j != std::string::npos) chains.insert(line.substr(j + 4, line.find(' ', j + 4) - j - 4));
  }
  for (const std::string& line : lines) {
    for (const std::string& chain : chains) {
      if (absl::StartsWith(line, absl::StrCat(":", chain, " ")) ||
          absl::StartsWith(line, absl::StrCat("-A ", chain, " "))) {
        out.push_back(line);
      }
    }
  }
  return out;
}

// Best effort, for failed tests: deletes our rules and the per-pod chains they
// jump to, table by table, with iptables-restore --noflush.
void TestNetwork::RemoveIptablesRules(const std::string& needle) {
  absl::StatusOr<std::string> save = RunTool({"iptables-save"});
  if (!save.ok()) return;
  std::string script, table;
  std::set<std::string> chains;
  auto flush_table = [&] {
    if (table.empty()) return;
    for (const std::string& c : chains) absl::StrAppend(&script, "-F ", c, "\n-X ", c, "\n");
    absl::StrAppend(&script, "COMMIT\n");
    chains.clear();
  };
  for (absl::string_view line : absl::StrSplit(*save, '\n')) {
    if (absl::StartsWith(line, "*")) {
      table = std::string(line);
      absl::StrAppend(&script, line, "\n");
    } else if (line == "COMMIT") {
      flush_table();
    } else if (absl::StartsWith(line, "-A ") && (absl::StrContains(line, needle) ||
                                                 absl::StrContains(line, kTestSubnetPrefix))) {
      absl::StrAppend(&script, "-D ", line.substr(3), "\n");
      size_t j = line.find(" -j CNI-");
      if (j != absl::string_view::npos) {
        std::string target(line.substr(j + 4, line.find(' ', j + 4) - j - 4));
        if (!absl::StartsWith(target, "CNI-HOSTPORT-")) chains.insert(target);
      }
    }
  }
  if (script.find("-D ") == std::string::npos) return;
  (void)RunCommand(Resolve({"iptables-restore", "--noflush"}), std::nullopt, script, std::chrono::seconds(30));
}

std::vector<std::string> TestNetwork::HostLocalAllocations() const {
  std::vector<std::string> out;
  absl::StatusOr<std::string> found = RunTool({"find", ipam_dir(), "-type", "f"});
  if (!found.ok()) return out;
  for (absl::string_view path : absl::StrSplit(*found, '\n', absl::SkipEmpty())) {
    absl::string_view file = path.substr(path.rfind('/') + 1);
    if (file == "lock" || absl::StartsWith(file, "last_reserved_ip")) continue;
    out.emplace_back(path);
  }
  return out;
}

std::vector<std::string> TestNetwork::BridgePorts() const {
  std::vector<std::string> out;
  std::vector<std::string> bridges = ExtraBridges;
  bridges.push_back(bridge());
  for (const std::string& b : bridges) {
    absl::StatusOr<std::string> links = RunTool({"ip", "-o", "link", "show", "master", b});
    if (!links.ok()) continue;  // no such bridge (yet)
    for (absl::string_view l : absl::StrSplit(*links, '\n', absl::SkipEmpty())) out.emplace_back(l);
  }
  return out;
}

}  // namespace ucr::network::test
