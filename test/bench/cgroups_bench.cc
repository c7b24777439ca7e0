// Prints what a container's cgroup costs on this host (root): p50/p90 over 50 rounds of
// Create, Apply (cpu+memory+pids), ReadStats, KillAll on an empty cgroup and Destroy.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/ids.h"
#include "runtime/cgroups/cgroups.h"

namespace cg = ucr::runtime::cgroups;
using Clock = std::chrono::steady_clock;

namespace {

struct Samples {
  const char* name;
  std::vector<double> us;
  void Print() {
    std::sort(us.begin(), us.end());
    std::printf("%-28s p50 %8.1f us   p90 %8.1f us\n", name, us[us.size() / 2],
                us[us.size() * 9 / 10]);
  }
};

template <typename F>
bool Time(Samples* s, F f) {
  auto start = Clock::now();
  bool ok = f();
  s->us.push_back(std::chrono::duration<double, std::micro>(Clock::now() - start).count());
  return ok;
}

}  // namespace

int main() {
  if (::geteuid() != 0) {
    std::fprintf(stderr, "cgroups_bench needs root\n");
    return 1;
  }
  absl::StatusOr<cg::Hierarchy> h = cg::Hierarchy::Detect();
  if (!h.ok()) {
    std::fprintf(stderr, "%s\n", h.status().ToString().c_str());
    return 1;
  }
  std::string parent = absl::StrCat("/ucr-bench-", ucr::RandomHex(4));
  Samples create{"Create (pod/ctr)"}, apply{"Apply cpu+mem+pids"}, stats{"ReadStats"},
      kill{"KillAll(SIGKILL), empty"}, destroy{"Destroy"};
  cg::Resources r;
  r.cpu_shares = 512;
  r.cpu_quota = 50000;
  r.cpu_period = 100000;
  r.memory_limit_bytes = 64 << 20;
  r.pids_limit = 100;
  bool ok = true;
  for (int i = 0; i < 50 && ok; ++i) {
    std::string path = absl::StrCat(parent, "/c", i);
    absl::StatusOr<cg::Cgroup> c;
    ok = ok && Time(&create, [&] { return (c = cg::Cgroup::Create(*h, path)).ok(); });
    ok = ok && Time(&apply, [&] { return c->Apply(r).ok(); });
    ok = ok && Time(&stats, [&] { return c->ReadStats().ok(); });
    ok = ok && Time(&kill, [&] { return c->KillAll(SIGKILL).ok(); });
    ok = ok && Time(&destroy, [&] { return c->Destroy().ok(); });
  }
  (void)cg::Cgroup::Open(*h, parent).Destroy();
  if (!ok) {
    std::fprintf(stderr, "a cgroup operation failed\n");
    return 1;
  }
  std::printf("cgroup %s, %zu hierarchies\n", h->version() == cg::Version::kV1 ? "v1" : "v2",
              h->mounts().size());
  for (Samples* s : {&create, &apply, &stats, &kill, &destroy}) s->Print();
  return 0;
}
