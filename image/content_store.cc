#include "image/content_store.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/files.h"
#include "common/ids.h"
#include "common/status.h"
#include "image/reference.h"

namespace ucr::image {
namespace {

absl::Status CheckDigest(absl::string_view digest) {
  if (!IsSha256Digest(digest)) return absl::InvalidArgumentError(absl::StrCat("bad digest \"", digest, "\""));
  return absl::OkStatus();
}

}  // namespace

absl::Status ContentStore::Recover() {
  UCR_RETURN_IF_ERROR(MakeDirs(paths_.BlobsDir(), 0700));
  UCR_RETURN_IF_ERROR(RemoveTree(paths_.IngestDir()));
  return MakeDirs(paths_.IngestDir(), 0700);
}

std::string ContentStore::PathOf(absl::string_view digest) const {
  return paths_.BlobPath(absl::StripPrefix(digest, "sha256:"));
}

bool ContentStore::Has(absl::string_view digest) const {
  return IsSha256Digest(digest) && ::access(PathOf(digest).c_str(), F_OK) == 0;
}

absl::StatusOr<std::string> ContentStore::Read(absl::string_view digest, size_t max_bytes) const {
  UCR_RETURN_IF_ERROR(CheckDigest(digest));
  struct stat st;
  std::string path = PathOf(digest);
  if (::stat(path.c_str(), &st) != 0) return LastErrnoError(absl::StrCat("blob ", digest));
  if (static_cast<size_t>(st.st_size) > max_bytes) {
    return absl::ResourceExhaustedError(absl::StrCat("blob ", digest, " is larger than ", max_bytes, " bytes"));
  }
  return ReadFile(path);
}

absl::StatusOr<ContentStore::Writer> ContentStore::NewWriter(absl::string_view digest, int64_t size) {
  UCR_RETURN_IF_ERROR(CheckDigest(digest));
  std::string tmp = absl::StrCat(paths_.IngestDir(), "/", absl::StripPrefix(digest, "sha256:"), "-", RandomHex(4));
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) return LastErrnoError(absl::StrCat("create ", tmp));
  return Writer(std::move(tmp), PathOf(digest), UniqueFd(fd), std::string(digest), size);
}

ContentStore::Writer::~Writer() {
  if (!committed_ && !tmp_.empty() && verifier_ != nullptr) ::unlink(tmp_.c_str());
}

absl::Status ContentStore::Writer::Write(absl::string_view chunk) {
  UCR_RETURN_IF_ERROR(verifier_->Update(chunk));
  return WriteAll(fd_.get(), chunk, tmp_);
}

absl::Status ContentStore::Writer::Commit() {
  UCR_RETURN_IF_ERROR(verifier_->Finish());
  if (::fsync(fd_.get()) != 0) return LastErrnoError(absl::StrCat("fsync ", tmp_));
  fd_.reset();
  if (::rename(tmp_.c_str(), final_.c_str()) != 0) return LastErrnoError(absl::StrCat("rename to ", final_));
  committed_ = true;
  std::string dir = final_.substr(0, final_.rfind('/'));
  return FsyncDir(dir);
}

absl::Status ContentStore::Put(absl::string_view digest, int64_t size, absl::string_view data) {
  if (Has(digest)) return absl::OkStatus();
  UCR_ASSIGN_OR_RETURN(Writer w, NewWriter(digest, size));
  UCR_RETURN_IF_ERROR(w.Write(data));
  return w.Commit();
}

absl::Status ContentStore::Remove(absl::string_view digest) {
  UCR_RETURN_IF_ERROR(CheckDigest(digest));
  std::string path = PathOf(digest);
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) return LastErrnoError(absl::StrCat("remove ", path));
  return absl::OkStatus();
}

std::vector<std::string> ContentStore::List() const {
  std::vector<std::string> out;
  DIR* d = ::opendir(paths_.BlobsDir().c_str());
  if (d == nullptr) return out;
  while (struct dirent* e = ::readdir(d)) {
    if (IsSha256Hex(e->d_name)) out.push_back(absl::StrCat("sha256:", e->d_name));
  }
  ::closedir(d);
  return out;
}

}  // namespace ucr::image
