// SpawnHelper hands the child exactly the fds asked for, wherever ours sit.
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>

#include "gtest/gtest.h"
#include "runtime/launch/proc_util.h"

namespace ucr {
namespace {

std::string ReadAllFrom(int fd) {
  std::string out;
  char buf[256];
  ssize_t n;
  while ((n = ::read(fd, buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
  return out;
}

// Our sources at 100-103, the numbers a fixed lift base used to move fds to:
// each must still arrive at its target (a ucrd with ~100 fds open gave its
// exec helpers the wrong pipes).
TEST(SpawnHelperTest, SourcesAtHighNumbersReachTheirTargets) {
  int read_ends[4];
  for (int i = 0; i < 4; ++i) {
    int p[2];
    ASSERT_EQ(::pipe2(p, O_CLOEXEC), 0);
    read_ends[i] = p[0];
    ASSERT_EQ(::dup3(p[1], 100 + i, O_CLOEXEC), 100 + i);
    ::close(p[1]);
  }
  // Target k gets source 103-k: every lift would land on a source still needed.
  absl::StatusOr<pid_t> pid = runtime::SpawnHelper(
      {"/bin/sh", "-c", "echo one >&1; echo two >&2; echo three >&3; echo four >&4"},
      {{1, 103}, {2, 102}, {3, 101}, {4, 100}});
  ASSERT_TRUE(pid.ok()) << pid.status();
  for (int i = 0; i < 4; ++i) ::close(100 + i);
  int st = 0;
  ASSERT_EQ(::waitpid(*pid, &st, 0), *pid);
  EXPECT_EQ(st, 0);
  EXPECT_EQ(ReadAllFrom(read_ends[3]), "one\n");
  EXPECT_EQ(ReadAllFrom(read_ends[2]), "two\n");
  EXPECT_EQ(ReadAllFrom(read_ends[1]), "three\n");
  EXPECT_EQ(ReadAllFrom(read_ends[0]), "four\n");
  for (int fd : read_ends) ::close(fd);
}

}  // namespace
}  // namespace ucr
