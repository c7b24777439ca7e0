#include "common/status.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cerrno>

namespace ucr {
namespace {

using ::testing::HasSubstr;

TEST(StatusTest, ErrnoErrorCarriesContextNameAndCode) {
  absl::Status st = ErrnoError(ENOENT, "open /nope");
  EXPECT_EQ(st.code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(st.message()), HasSubstr("open /nope: ENOENT"));
  EXPECT_THAT(std::string(st.message()), HasSubstr("No such file"));
}

TEST(StatusTest, CodesForCommonErrnos) {
  EXPECT_EQ(CodeForErrno(EEXIST), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(CodeForErrno(EACCES), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(CodeForErrno(EINVAL), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(CodeForErrno(ENOSPC), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(CodeForErrno(EIO), absl::StatusCode::kInternal);
}

TEST(StatusTest, AnnotateKeepsCodeAndPrependsContext) {
  absl::Status st = Annotate(absl::NotFoundError("blob sha256:ab"), "pull busybox");
  EXPECT_EQ(st.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(st.message(), "pull busybox: blob sha256:ab");
  EXPECT_TRUE(Annotate(absl::OkStatus(), "x").ok());
}

absl::StatusOr<int> Half(int x) {
  if (x % 2) return absl::InvalidArgumentError("odd");
  return x / 2;
}

absl::Status UseMacros(int x, int* out) {
  UCR_ASSIGN_OR_RETURN(int h, Half(x));
  UCR_RETURN_IF_ERROR(h > 10 ? absl::OutOfRangeError("big") : absl::OkStatus());
  *out = h;
  return absl::OkStatus();
}

TEST(StatusTest, Macros) {
  int out = 0;
  EXPECT_TRUE(UseMacros(8, &out).ok());
  EXPECT_EQ(out, 4);
  EXPECT_EQ(UseMacros(3, &out).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(UseMacros(40, &out).code(), absl::StatusCode::kOutOfRange);
}

}  // namespace
}  // namespace ucr
