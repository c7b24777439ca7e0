// The monitor's CRI log writer on its own: record format and splitting.
#include "runtime/monitor/cri_log.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <regex>

#include "absl/strings/str_split.h"

namespace ucr::test {
namespace {

std::vector<std::string> Records(const std::function<void(monitor::CriLog&)>& write) {
  char tmpl[] = "/tmp/ucr-crilog-XXXXXX";
  int fd = ::mkstemp(tmpl);
  ::unlink(tmpl);
  {
    auto log = std::make_unique<monitor::CriLog>(fd);
    write(*log);
  }
  std::string all;
  char buf[65536];
  ssize_t n;
  ::lseek(fd, 0, SEEK_SET);
  while ((n = ::read(fd, buf, sizeof buf)) > 0) all.append(buf, static_cast<size_t>(n));
  ::close(fd);
  static const std::regex kLine(
      R"(^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z (stdout|stderr) ([PF]) (.*)$)");
  std::vector<std::string> out;
  for (absl::string_view l : absl::StrSplit(all, '\n', absl::SkipEmpty())) {
    std::string line(l);
    std::smatch m;
    EXPECT_TRUE(std::regex_match(line, m, kLine)) << line;
    if (m.size() == 4) out.push_back(m[1].str() + " " + m[2].str() + " " + m[3].str());
  }
  return out;
}

TEST(CriLogTest, LinesAcrossChunksAndStreams) {
  auto recs = Records([](monitor::CriLog& log) {
    log.Append(0, "hel", 3);
    log.Append(1, "e1\ne2\n", 6);
    log.Append(0, "lo\nwor", 6);
    log.Append(0, "ld\n\n", 4);
    log.Flush();
  });
  EXPECT_THAT(recs, ::testing::ElementsAre("stderr F e1", "stderr F e2", "stdout F hello",
                                           "stdout F world", "stdout F "));
}

TEST(CriLogTest, SplitsAt16KiBAndFlushesPartialLine) {
  std::string exact(monitor::kMaxLine, 'x');
  auto recs = Records([&](monitor::CriLog& log) {
    std::string s = exact + "\n" + exact + "y\n" + "end";
    log.Append(0, s.data(), s.size());
    log.Flush();
  });
  ASSERT_EQ(recs.size(), 4u);
  EXPECT_EQ(recs[0], "stdout F " + exact) << "an exact fit is still one full line";
  EXPECT_EQ(recs[1], "stdout P " + exact);
  EXPECT_EQ(recs[2], "stdout F y");
  EXPECT_EQ(recs[3], "stdout F end");
}

}  // namespace
}  // namespace ucr::test
