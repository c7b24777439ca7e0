// ROOT: CRI mount propagation — rshared (Bidirectional), rslave
// (HostToContainer), rprivate — between real host mounts and the container.
#include <linux/magic.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>

#include "absl/strings/str_cat.h"
#include "common/files.h"
#include "test/runtime/launch_fixture.h"

namespace ucr::test {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

bool IsTmpfs(const std::string& path) {
  struct statfs s;
  return ::statfs(path.c_str(), &s) == 0 && s.f_type == TMPFS_MAGIC;
}

TEST_F(LaunchTest, MountPropagation) {
  // Host sources on shared mounts, as kubelet's pod directories are.
  std::string bidir = dir_ + "/bidir", h2c = dir_ + "/h2c", priv = dir_ + "/priv";
  for (const std::string& d : {bidir, h2c, priv}) {
    ASSERT_TRUE(MakeDirs(d + "/from-container").ok());
    ASSERT_EQ(::mount(d.c_str(), d.c_str(), nullptr, MS_BIND, nullptr), 0);
    ASSERT_EQ(::mount(nullptr, d.c_str(), nullptr, MS_SHARED, nullptr), 0);
  }
  runtime::ContainerSpec spec = Spec({"sleep", "100"});
  spec.mounts.push_back({bidir, "/bidir", "bind", {"rbind", "rshared"}});
  spec.mounts.push_back({h2c, "/h2c", "bind", {"rbind", "rslave"}});
  spec.mounts.push_back({priv, "/priv", "bind", {"rbind", "rprivate"}});
  pid_t pid = Run(spec);
  ASSERT_TRUE(WaitUntil([&] { return HasExeced(pid); }));

  // Container → host: only the Bidirectional mount carries it.
  for (const char* d : {"/bidir", "/h2c", "/priv"}) {
    runtime::ExecSpec e =
        Exec(pid, {"mount", "-t", "tmpfs", "tmpfs", absl::StrCat(d, "/from-container")});
    e.process.capabilities = std::vector<std::string>{"CAP_SYS_ADMIN"};
    auto r = launcher_.ExecSync(e, std::chrono::seconds(10));
    ASSERT_TRUE(r.ok() && r->exit_code == 0) << d << " " << (r.ok() ? r->stderr_data : "");
  }
  EXPECT_TRUE(IsTmpfs(bidir + "/from-container"));
  EXPECT_FALSE(IsTmpfs(h2c + "/from-container"));
  EXPECT_FALSE(IsTmpfs(priv + "/from-container"));

  // Host → container: Bidirectional and HostToContainer carry it.
  for (const std::string& d : {bidir, h2c, priv}) {
    ASSERT_TRUE(MakeDirs(d + "/from-host").ok());
    ASSERT_EQ(::mount("tmpfs", (d + "/from-host").c_str(), "tmpfs", 0, nullptr), 0);
  }
  auto r = launcher_.ExecSync(Exec(pid, {"cat", "/proc/mounts"}), std::chrono::seconds(10));
  ASSERT_TRUE(r.ok());
  EXPECT_THAT(r->stdout_data, HasSubstr(" /bidir/from-host tmpfs"));
  EXPECT_THAT(r->stdout_data, HasSubstr(" /h2c/from-host tmpfs"));
  EXPECT_THAT(r->stdout_data, Not(HasSubstr(" /priv/from-host tmpfs")));
}

}  // namespace
}  // namespace ucr::test
