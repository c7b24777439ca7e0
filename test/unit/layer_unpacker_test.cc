// ROOT: needs mknod, chown, trusted.* xattrs. Tar streams are built here with
// libarchive's writer; digests are recomputed independently in one shot.
#include "image/unpack/layer_unpacker.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/child_process.h"
#include "common/files.h"
#include "common/ids.h"
#include "test/unit/tar_builder.h"

namespace ucr::image {
namespace {

using ::testing::HasSubstr;
using ucr::testing::GzipCompress;
using ucr::testing::kTestMtime;
using ucr::testing::Sha256Digest;
using ucr::testing::TarBuilder;
using ucr::testing::TarEntry;
using ucr::testing::ZstdCompress;

std::string Xattr(const std::string& path, const char* name) {
  char buf[256];
  ssize_t n = ::lgetxattr(path.c_str(), name, buf, sizeof buf);
  return n < 0 ? "<none>" : std::string(buf, static_cast<size_t>(n));
}

bool Exists(const std::string& path) {
  struct stat st;
  return ::lstat(path.c_str(), &st) == 0;
}

class LayerUnpackerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/ucr-unpack-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    top_ = tmpl;
    // The layer sits 2 levels down so that "../../x" would land in top_.
    dest_ = top_ + "/a/b/layer";
    ASSERT_TRUE(MakeDirs(dest_).ok());
  }
  void TearDown() override { (void)RemoveTree(top_); }

  absl::StatusOr<UnpackStats> Unpack(const std::string& blob, Compression c = Compression::kNone) {
    StringByteSource src(blob);
    return UnpackLayer(src, c, dest_);
  }
  struct stat Lstat(const std::string& rel) {
    struct stat st{};
    EXPECT_EQ(::lstat((dest_ + "/" + rel).c_str(), &st), 0) << rel;
    return st;
  }
  // Nothing appeared next to or above the layer dir.
  void ExpectNothingOutside() {
    EXPECT_FALSE(Exists(top_ + "/a/b/escape"));
    EXPECT_FALSE(Exists(top_ + "/a/escape"));
    EXPECT_FALSE(Exists(top_ + "/escape"));
  }

  std::string top_, dest_;
};

TEST(CompressionForMediaTypeTest, KnownAndUnknown) {
  struct Case { const char* type; Compression c; };
  for (Case k : {Case{"application/vnd.oci.image.layer.v1.tar", Compression::kNone},
                 Case{"application/vnd.oci.image.layer.v1.tar+gzip", Compression::kGzip},
                 Case{"application/vnd.oci.image.layer.v1.tar+zstd", Compression::kZstd},
                 Case{"application/vnd.oci.image.layer.nondistributable.v1.tar+gzip", Compression::kGzip},
                 Case{"application/vnd.oci.image.layer.nondistributable.v1.tar+zstd", Compression::kZstd},
                 Case{"application/vnd.oci.image.layer.nondistributable.v1.tar", Compression::kNone},
                 Case{"application/vnd.docker.image.rootfs.diff.tar.gzip", Compression::kGzip},
                 Case{"application/vnd.docker.image.rootfs.foreign.diff.tar.gzip", Compression::kGzip}}) {
    absl::StatusOr<Compression> c = CompressionForMediaType(k.type);
    ASSERT_TRUE(c.ok()) << k.type;
    EXPECT_EQ(*c, k.c) << k.type;
  }
  absl::StatusOr<Compression> bad = CompressionForMediaType("application/vnd.oci.image.layer.v1.tar+lz4");
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(bad.status().message()),
              HasSubstr("unsupported layer media type application/vnd.oci.image.layer.v1.tar+lz4"));
}

TEST_F(LayerUnpackerTest, RegularFilesDirsModesOwnersMtimes) {
  std::string tar = TarBuilder()
                        .Add({.name = "./", .type = S_IFDIR, .perm = 0751})
                        .Add({.name = "etc/", .type = S_IFDIR, .perm = 0750, .uid = 7, .gid = 8, .mtime = 1000})
                        .Add({.name = "etc/conf", .perm = 0640, .uid = 1000, .gid = 2000, .mtime = 1234567890,
                              .data = "hello\n"})
                        .Add({.name = "deep/er/file", .perm = 0600, .data = std::string(3 << 20, 'x')})
                        .File("empty", "", 0444)
                        .File("open", "o", 0777)  // bits the umask would strip
                        .Build();
  absl::StatusOr<UnpackStats> stats = Unpack(tar);
  ASSERT_TRUE(stats.ok()) << stats.status();
  EXPECT_EQ(stats->entries, 6u);
  EXPECT_EQ(Lstat("open").st_mode & 07777, 0777u);
  struct stat st = Lstat("etc/conf");
  EXPECT_TRUE(S_ISREG(st.st_mode));
  EXPECT_EQ(st.st_mode & 07777, 0640u);
  EXPECT_EQ(st.st_uid, 1000u);
  EXPECT_EQ(st.st_gid, 2000u);
  EXPECT_EQ(st.st_mtim.tv_sec, 1234567890);
  EXPECT_EQ(*ReadFile(dest_ + "/etc/conf"), "hello\n");
  st = Lstat("etc");  // dir times are set after its children were created
  EXPECT_TRUE(S_ISDIR(st.st_mode));
  EXPECT_EQ(st.st_mode & 07777, 0750u);
  EXPECT_EQ(st.st_uid, 7u);
  EXPECT_EQ(st.st_gid, 8u);
  EXPECT_EQ(st.st_mtim.tv_sec, 1000);
  EXPECT_EQ(Lstat("").st_mode & 07777, 0751u);
  EXPECT_EQ(Lstat("deep/er").st_mode & 07777, 0755u);  // implicit parents
  EXPECT_EQ(Lstat("deep/er/file").st_size, 3 << 20);
  EXPECT_EQ(*ReadFile(dest_ + "/deep/er/file"), std::string(3 << 20, 'x'));
  EXPECT_EQ(Lstat("empty").st_size, 0);
  EXPECT_EQ(Lstat("empty").st_mode & 07777, 0444u);
}

TEST_F(LayerUnpackerTest, NonAsciiAndLongNames) {
  std::string long_name = std::string(150, 'd') + "/" + std::string(200, 'f');
  std::string tar = TarBuilder().File("caf\xc3\xa9/\xe6\x97\xa5\xe6\x9c\xac", "utf8").File(long_name, "long").Build();
  absl::StatusOr<UnpackStats> stats = Unpack(tar);
  ASSERT_TRUE(stats.ok()) << stats.status();
  EXPECT_EQ(*ReadFile(dest_ + "/caf\xc3\xa9/\xe6\x97\xa5\xe6\x9c\xac"), "utf8");
  EXPECT_EQ(*ReadFile(dest_ + "/" + long_name), "long");
}

// Python's tarfile writes non-ASCII names as UTF-8 PAX records (no
// hdrcharset=BINARY); they must come out byte for byte whatever the locale.
TEST_F(LayerUnpackerTest, Utf8PaxNamesFromPythonTarfile) {
  const char* script =
      "import io, sys, tarfile\n"
      "b = io.BytesIO()\n"
      "with tarfile.open(fileobj=b, mode='w', format=tarfile.PAX_FORMAT) as t:\n"
      "    i = tarfile.TarInfo('caf\\u00e9/\\u65e5\\u672c'); i.size = 4\n"
      "    t.addfile(i, io.BytesIO(b'utf8'))\n"
      "    l = tarfile.TarInfo('l\\u00e9'); l.type = tarfile.SYMTYPE; l.linkname = '\\u00e9/x'\n"
      "    t.addfile(l)\n"
      "sys.stdout.buffer.write(b.getvalue())\n";
  absl::StatusOr<CommandResult> r =
      RunCommand({"/usr/bin/python3", "-c", script}, std::vector<std::string>{"LC_ALL=C"}, "", std::chrono::seconds(30));
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->exit_code, 0) << r->err;
  absl::StatusOr<UnpackStats> stats = Unpack(r->out);
  ASSERT_TRUE(stats.ok()) << stats.status();
  EXPECT_EQ(*ReadFile(dest_ + "/caf\xc3\xa9/\xe6\x97\xa5\xe6\x9c\xac"), "utf8");
  char buf[64];
  ssize_t n = ::readlink((dest_ + "/l\xc3\xa9").c_str(), buf, sizeof buf);
  EXPECT_EQ(std::string(buf, n > 0 ? n : 0), "\xc3\xa9/x");
}

TEST_F(LayerUnpackerTest, SparseFilesKeepTheirHoles) {
  constexpr int64_t kSize = 64 << 20;
  std::string logical(kSize, '\0');
  logical.replace(4 << 20, 5, "hello");
  logical.replace(kSize - 5, 5, "world");
  std::string tar =
      TarBuilder().Add({.name = "sparse", .data = logical, .sparse = {{4 << 20, 5}, {kSize - 5, 5}}}).Build();
  ASSERT_LT(tar.size(), 1u << 20);  // the writer really stored it sparse
  absl::StatusOr<UnpackStats> stats = Unpack(tar);
  ASSERT_TRUE(stats.ok()) << stats.status();
  struct stat st = Lstat("sparse");
  EXPECT_EQ(st.st_size, kSize);
  EXPECT_LT(st.st_blocks * 512, 1 << 20);  // holes were not written
  std::string content = *ReadFile(dest_ + "/sparse");
  ASSERT_EQ(content.size(), static_cast<size_t>(kSize));
  EXPECT_EQ(content.substr(4 << 20, 5), "hello");
  EXPECT_EQ(content.substr(kSize - 5), "world");
  EXPECT_EQ(content.find_first_not_of('\0'), static_cast<size_t>(4 << 20));
}

TEST_F(LayerUnpackerTest, SetuidSetgidSurviveChown) {
  std::string tar = TarBuilder()
                        .Add({.name = "suid", .perm = 04755, .uid = 1000, .gid = 1000, .data = "x"})
                        .Add({.name = "sgid", .type = S_IFDIR, .perm = 02775, .uid = 5, .gid = 6})
                        .Add({.name = "sgid/inside", .perm = 0644, .data = "gid 0, not the dir's 6"})
                        .Build();
  ASSERT_TRUE(Unpack(tar).ok());
  EXPECT_EQ(Lstat("suid").st_mode & 07777, 04755u);
  EXPECT_EQ(Lstat("suid").st_uid, 1000u);
  EXPECT_EQ(Lstat("sgid").st_mode & 07777, 02775u);
  EXPECT_EQ(Lstat("sgid/inside").st_gid, 0u);
}

TEST_F(LayerUnpackerTest, XattrsIncludingFileCapabilities) {
  // vfs_cap_data v2, effective, permitted = CAP_NET_BIND_SERVICE (10).
  std::string cap("\x01\x00\x00\x02" "\x00\x04\x00\x00" "\x00\x00\x00\x00" "\x00\x00\x00\x00" "\x00\x00\x00\x00", 20);
  std::string tar =
      TarBuilder()
          .Add({.name = "ping", .perm = 0755, .uid = 1000, .data = "x",
                .xattrs = {{"security.capability", cap}, {"user.ucr", "test"}}})
          .Add({.name = "dir", .type = S_IFDIR, .perm = 0755, .xattrs = {{"user.dir", "d"}}})
          // never taken from a tar: would change how overlayfs reads the layer
          .Add({.name = "sneaky", .type = S_IFDIR, .xattrs = {{"trusted.overlay.opaque", "y"}}})
          .Build();
  absl::StatusOr<UnpackStats> stats = Unpack(tar);
  ASSERT_TRUE(stats.ok()) << stats.status();
  EXPECT_EQ(Xattr(dest_ + "/ping", "security.capability"), cap);
  EXPECT_EQ(Xattr(dest_ + "/ping", "user.ucr"), "test");
  EXPECT_EQ(Xattr(dest_ + "/dir", "user.dir"), "d");
  EXPECT_EQ(Xattr(dest_ + "/sneaky", "trusted.overlay.opaque"), "<none>");
}

TEST_F(LayerUnpackerTest, SymlinksStoredVerbatimNeverFollowed) {
  std::string tar = TarBuilder()
                        .Add({.name = "abs", .type = S_IFLNK, .perm = 0777, .uid = 3, .gid = 4,
                              .mtime = 999, .link = "/etc/passwd"})
                        .Symlink("rel", "../../../../outside")
                        .Symlink("dangling", "nope/nothing")
                        .Build();
  ASSERT_TRUE(Unpack(tar).ok());
  char buf[256];
  ssize_t n = ::readlink((dest_ + "/abs").c_str(), buf, sizeof buf);
  EXPECT_EQ(std::string(buf, n), "/etc/passwd");
  n = ::readlink((dest_ + "/rel").c_str(), buf, sizeof buf);
  EXPECT_EQ(std::string(buf, n), "../../../../outside");
  struct stat st = Lstat("abs");
  EXPECT_TRUE(S_ISLNK(st.st_mode));
  EXPECT_EQ(st.st_uid, 3u);
  EXPECT_EQ(st.st_gid, 4u);
  EXPECT_EQ(st.st_mtim.tv_sec, 999);
  EXPECT_TRUE(S_ISLNK(Lstat("dangling").st_mode));
}

TEST_F(LayerUnpackerTest, HardlinksToEarlierEntries) {
  std::string tar = TarBuilder()
                        .File("data/a", "content", 0600)
                        .Hardlink("data/hl", "data/a")
                        .Hardlink("other/hl2", "/data/a")  // absolute: confined to the layer
                        .Build();
  absl::StatusOr<UnpackStats> stats = Unpack(tar);
  ASSERT_TRUE(stats.ok()) << stats.status();
  struct stat a = Lstat("data/a"), hl = Lstat("data/hl"), hl2 = Lstat("other/hl2");
  EXPECT_EQ(a.st_ino, hl.st_ino);
  EXPECT_EQ(a.st_ino, hl2.st_ino);
  EXPECT_EQ(a.st_nlink, 3u);
  EXPECT_EQ(*ReadFile(dest_ + "/data/hl"), "content");
}

TEST_F(LayerUnpackerTest, DeviceNodesAndFifos) {
  std::string tar = TarBuilder()
                        .Add({.name = "dev/null", .type = S_IFCHR, .perm = 0666, .dev_major = 1, .dev_minor = 3})
                        .Add({.name = "dev/loop9", .type = S_IFBLK, .perm = 0660, .gid = 6, .dev_major = 7,
                              .dev_minor = 9})
                        .Add({.name = "run/fifo", .type = S_IFIFO, .perm = 0620})
                        .Build();
  ASSERT_TRUE(Unpack(tar).ok());
  struct stat st = Lstat("dev/null");
  EXPECT_TRUE(S_ISCHR(st.st_mode));
  EXPECT_EQ(major(st.st_rdev), 1u);
  EXPECT_EQ(minor(st.st_rdev), 3u);
  EXPECT_EQ(st.st_mode & 07777, 0666u);
  st = Lstat("dev/loop9");
  EXPECT_TRUE(S_ISBLK(st.st_mode));
  EXPECT_EQ(major(st.st_rdev), 7u);
  EXPECT_EQ(minor(st.st_rdev), 9u);
  EXPECT_EQ(st.st_gid, 6u);
  st = Lstat("run/fifo");
  EXPECT_TRUE(S_ISFIFO(st.st_mode));
  EXPECT_EQ(st.st_mode & 07777, 0620u);
}

TEST_F(LayerUnpackerTest, WhiteoutsBecomeOverlayWhiteouts) {
  std::string tar = TarBuilder()
                        .Dir("data")
                        .File("data/.wh.b", "")
                        .Dir("opq")
                        .File("opq/.wh..wh..opq", "")
                        .File("opq/new", "new")
                        .File(".wh..wh.plnk", "")  // AUFS bookkeeping: skipped
                        .Build();
  absl::StatusOr<UnpackStats> stats = Unpack(tar);
  ASSERT_TRUE(stats.ok()) << stats.status();
  struct stat st = Lstat("data/b");
  EXPECT_TRUE(S_ISCHR(st.st_mode));
  EXPECT_EQ(st.st_rdev, makedev(0, 0));
  EXPECT_FALSE(Exists(dest_ + "/data/.wh.b"));
  EXPECT_EQ(Xattr(dest_ + "/opq", "trusted.overlay.opaque"), "y");
  EXPECT_FALSE(Exists(dest_ + "/opq/.wh..wh..opq"));
  EXPECT_EQ(Xattr(dest_ + "/data", "trusted.overlay.opaque"), "<none>");
  EXPECT_FALSE(Exists(dest_ + "/.wh..wh.plnk"));
  EXPECT_FALSE(Exists(dest_ + "/plnk"));
}

TEST_F(LayerUnpackerTest, LaterEntriesReplaceEarlierOnes) {
  std::string tar = TarBuilder()
                        .File("f", "first")
                        .File("f", "second")
                        .File("d/x", "x")
                        .File("d", "now a file")  // replaces the whole directory
                        .Symlink("s", "a")
                        .File("s", "not a link")  // replaces the symlink, does not follow it
                        .Build();
  absl::StatusOr<UnpackStats> stats = Unpack(tar);
  ASSERT_TRUE(stats.ok()) << stats.status();
  EXPECT_EQ(*ReadFile(dest_ + "/f"), "second");
  EXPECT_EQ(*ReadFile(dest_ + "/d"), "now a file");
  EXPECT_TRUE(S_ISREG(Lstat("s").st_mode));
  EXPECT_FALSE(Exists(dest_ + "/a"));
}

// The diff id is the sha256 of the exact uncompressed stream, including the
// end-of-archive blocks and any padding after them.
TEST_F(LayerUnpackerTest, DiffIdIsSha256OfUncompressedStream) {
  std::string tar = TarBuilder().File("a", "aaa").Dir("d").File("d/b", std::string(100000, 'b')).Build();
  std::string padded = tar + std::string(20 * 512, '\0');  // like a 10 KiB-record tar writer
  struct Case { std::string name, blob; Compression c; std::string plain; };
  for (const Case& k : {Case{"plain", tar, Compression::kNone, tar},
                        Case{"padded", padded, Compression::kNone, padded},
                        Case{"gzip", GzipCompress(padded), Compression::kGzip, padded},
                        Case{"zstd", ZstdCompress(padded), Compression::kZstd, padded},
                        // concatenated gzip members / zstd frames are one stream
                        Case{"gzip-multi", GzipCompress(padded.substr(0, 700)) + GzipCompress(padded.substr(700)),
                             Compression::kGzip, padded},
                        Case{"zstd-multi", ZstdCompress(padded.substr(0, 700)) + ZstdCompress(padded.substr(700)),
                             Compression::kZstd, padded}}) {
    SCOPED_TRACE(k.name);
    ASSERT_TRUE(RemoveTree(dest_).ok());
    ASSERT_TRUE(MakeDirs(dest_).ok());
    absl::StatusOr<UnpackStats> stats = Unpack(k.blob, k.c);
    ASSERT_TRUE(stats.ok()) << stats.status();
    EXPECT_EQ(stats->diff_id, Sha256Digest(k.plain));
    EXPECT_EQ(stats->uncompressed_bytes, k.plain.size());
    EXPECT_EQ(stats->entries, 3u);
    EXPECT_EQ(*ReadFile(dest_ + "/d/b"), std::string(100000, 'b'));
  }
  EXPECT_NE(Sha256Digest(tar), Sha256Digest(padded));
}

TEST_F(LayerUnpackerTest, HostileDotDotIsRefused) {
  for (const char* name : {"../../escape", "a/../../../escape", "./../escape"}) {
    SCOPED_TRACE(name);
    absl::StatusOr<UnpackStats> stats = Unpack(TarBuilder().File(name, "pwned").Build());
    ASSERT_EQ(stats.status().code(), absl::StatusCode::kInvalidArgument) << stats.status();
    EXPECT_THAT(std::string(stats.status().message()), HasSubstr(name));
    ExpectNothingOutside();
  }
}

TEST_F(LayerUnpackerTest, HostileAbsolutePathIsConfined) {
  std::string host = "/tmp/ucr-escape-abs-" + RandomHex(6);
  absl::StatusOr<UnpackStats> stats = Unpack(TarBuilder().File(host, "pwned").Build());
  ASSERT_TRUE(stats.ok()) << stats.status();
  EXPECT_FALSE(Exists(host));
  EXPECT_EQ(*ReadFile(dest_ + host), "pwned");
}

TEST_F(LayerUnpackerTest, HostileWriteThroughSymlinkIsRefused) {
  std::string host_dir = top_ + "/escape";  // absolute target outside the layer
  ASSERT_TRUE(MakeDirs(host_dir).ok());
  struct Case { std::string link, target; };
  for (const Case& k : {Case{"evil", host_dir}, Case{"evilrel", "../../../escape"},
                        Case{"evildot", "."}}) {
    SCOPED_TRACE(k.link);
    ASSERT_TRUE(RemoveTree(dest_).ok());
    ASSERT_TRUE(MakeDirs(dest_).ok());
    std::string entry = k.link + "/ucr-escape-symlink";
    absl::StatusOr<UnpackStats> stats = Unpack(TarBuilder().Symlink(k.link, k.target).File(entry, "pwned").Build());
    ASSERT_EQ(stats.status().code(), absl::StatusCode::kInvalidArgument) << stats.status();
    EXPECT_THAT(std::string(stats.status().message()), HasSubstr(entry));
    EXPECT_THAT(std::string(stats.status().message()), HasSubstr("traverses a symlink"));
    EXPECT_FALSE(Exists(host_dir + "/ucr-escape-symlink"));
    EXPECT_FALSE(Exists(dest_ + "/ucr-escape-symlink"));
  }
}

// A directory replaced by a symlink must not stay usable through a cached fd.
TEST_F(LayerUnpackerTest, HostileDirReplacedBySymlinkIsRefused) {
  std::string host_dir = top_ + "/escape";
  ASSERT_TRUE(MakeDirs(host_dir).ok());
  std::string tar = TarBuilder().File("d/first", "ok").Symlink("d", host_dir).File("d/x", "pwned").Build();
  absl::StatusOr<UnpackStats> stats = Unpack(tar);
  ASSERT_EQ(stats.status().code(), absl::StatusCode::kInvalidArgument) << stats.status();
  EXPECT_THAT(std::string(stats.status().message()), HasSubstr("d/x"));
  EXPECT_THAT(std::string(stats.status().message()), HasSubstr("traverses a symlink"));
  EXPECT_FALSE(Exists(host_dir + "/x"));
}

TEST_F(LayerUnpackerTest, HostileHardlinksOutsideAreRefused) {
  struct stat passwd_before{}, shadow_before{};
  ASSERT_EQ(::stat("/etc/passwd", &passwd_before), 0);
  bool has_shadow = ::stat("/etc/shadow", &shadow_before) == 0;
  struct Case { std::string target, why; };
  for (const Case& k : {Case{"../../../etc/passwd", "\"..\" components are refused"},
                        Case{"/etc/shadow", "is not in the layer"},
                        Case{"/etc/passwd", "is not in the layer"},
                        Case{"missing", "is not in the layer"}}) {
    SCOPED_TRACE(k.target);
    ASSERT_TRUE(RemoveTree(dest_).ok());
    ASSERT_TRUE(MakeDirs(dest_).ok());
    absl::StatusOr<UnpackStats> stats = Unpack(TarBuilder().File("x", "x").Hardlink("hl", k.target).Build());
    ASSERT_EQ(stats.status().code(), absl::StatusCode::kInvalidArgument) << stats.status();
    EXPECT_THAT(std::string(stats.status().message()), HasSubstr("hl"));
    EXPECT_THAT(std::string(stats.status().message()), HasSubstr(k.why));
    EXPECT_FALSE(Exists(dest_ + "/hl"));
  }
  // Through a symlinked directory: refused too.
  ASSERT_TRUE(RemoveTree(dest_).ok());
  ASSERT_TRUE(MakeDirs(dest_).ok());
  absl::StatusOr<UnpackStats> stats =
      Unpack(TarBuilder().Symlink("etc", "/etc").Hardlink("hl", "etc/passwd").Build());
  ASSERT_EQ(stats.status().code(), absl::StatusCode::kInvalidArgument) << stats.status();
  struct stat passwd_after{}, shadow_after{};
  ASSERT_EQ(::stat("/etc/passwd", &passwd_after), 0);
  EXPECT_EQ(passwd_after.st_nlink, passwd_before.st_nlink);
  if (has_shadow) {
    ASSERT_EQ(::stat("/etc/shadow", &shadow_after), 0);
    EXPECT_EQ(shadow_after.st_nlink, shadow_before.st_nlink);
  }
}

TEST_F(LayerUnpackerTest, CorruptGzipIsDataLoss) {
  std::string tar = TarBuilder().File("a", std::string(200000, 'a') + RandomHex(1000)).Build();
  std::string gz = GzipCompress(tar);
  std::string corrupt = gz;
  for (size_t i = gz.size() / 2; i < gz.size() / 2 + 64; ++i) corrupt[i] ^= 0x5a;
  absl::StatusOr<UnpackStats> stats = Unpack(corrupt, Compression::kGzip);
  EXPECT_EQ(stats.status().code(), absl::StatusCode::kDataLoss) << stats.status();
  EXPECT_THAT(std::string(stats.status().message()), HasSubstr("gzip"));
  // Not gzip at all.
  stats = Unpack(tar, Compression::kGzip);
  EXPECT_EQ(stats.status().code(), absl::StatusCode::kDataLoss) << stats.status();
  // Trailing garbage after the last member.
  stats = Unpack(gz + "garbage!", Compression::kGzip);
  EXPECT_EQ(stats.status().code(), absl::StatusCode::kDataLoss) << stats.status();
}

TEST_F(LayerUnpackerTest, TruncatedStreamsAreDataLoss) {
  std::string tar = TarBuilder().File("a", RandomHex(100000)).File("b", "b").Build();
  struct Case { std::string name, blob; Compression c; };
  std::string gz = GzipCompress(tar), zst = ZstdCompress(tar);
  for (const Case& k : {Case{"plain", tar.substr(0, 50000), Compression::kNone},
                        Case{"gzip", gz.substr(0, gz.size() / 2), Compression::kGzip},
                        Case{"gzip-no-trailer", gz.substr(0, gz.size() - 4), Compression::kGzip},
                        Case{"zstd", zst.substr(0, zst.size() / 2), Compression::kZstd},
                        Case{"zstd-last-byte", zst.substr(0, zst.size() - 1), Compression::kZstd},
                        Case{"empty-gzip", "", Compression::kGzip},
                        Case{"empty-zstd", "", Compression::kZstd}}) {
    SCOPED_TRACE(k.name);
    absl::StatusOr<UnpackStats> stats = Unpack(k.blob, k.c);
    EXPECT_EQ(stats.status().code(), absl::StatusCode::kDataLoss) << stats.status();
  }
}

TEST_F(LayerUnpackerTest, NotATarIsDataLoss) {
  absl::StatusOr<UnpackStats> stats = Unpack(std::string(4096, 'z'));
  EXPECT_EQ(stats.status().code(), absl::StatusCode::kDataLoss) << stats.status();
}

TEST_F(LayerUnpackerTest, FdByteSourceReadsAFile) {
  std::string tar = TarBuilder().File("hello", "world").Build();
  std::string blob_path = top_ + "/blob";
  ASSERT_TRUE(WriteFileAtomic(blob_path, GzipCompress(tar)).ok());
  FdByteSource src(UniqueFd(::open(blob_path.c_str(), O_RDONLY | O_CLOEXEC)));
  absl::StatusOr<UnpackStats> stats = UnpackLayer(src, Compression::kGzip, dest_);
  ASSERT_TRUE(stats.ok()) << stats.status();
  EXPECT_EQ(stats->diff_id, Sha256Digest(tar));
  EXPECT_EQ(*ReadFile(dest_ + "/hello"), "world");
}

}  // namespace
}  // namespace ucr::image
