// The end-to-end fixture: starts a real ucrd as a child process under a fresh
// temporary root, state dir and socket, talks to it through the generated gRPC
// stubs, and on teardown stops it and removes every mount and file it left,
// even when the test failed half-way.
#pragma once

#include <grpcpp/grpcpp.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "api.grpc.pb.h"
#include "common/child_process.h"

namespace ucr::test {

namespace v1 = ::runtime::v1;

// A private temporary directory, removed (mounts first) on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

class Ucrd {
 public:
  explicit Ucrd(const TempDir& dir) : dir_(dir.path()) {}
  ~Ucrd();

  std::string root_dir() const { return dir_ + "/root"; }
  std::string state_dir() const { return dir_ + "/state"; }
  std::string socket_path() const { return dir_ + "/state/ucrd.sock"; }
  std::string config_path() const { return dir_ + "/config.toml"; }
  std::string log_path() const { return dir_ + "/ucrd.log"; }
  // Holds the e2e pod network (test/e2e/test_network.h). To use another
  // conf dir pass "--cni_conf_dir" in Start's extra_args: the flag overrides
  // a [cni] conf_dir in the TOML.
  std::string cni_conf_dir() const { return dir_ + "/cni/net.d"; }

  // The arguments every fixture ucrd gets: its own root, state, socket and CNI conf dir.
  std::vector<std::string> BaseArgs() const;

  // Writes `config_toml` (appended to the fixture's dir settings) and starts
  // ucrd, waiting until it answers Version. Fails the test on error.
  ::testing::AssertionResult Start(const std::string& extra_config_toml = "",
                                   const std::vector<std::string>& extra_args = {});
  // SIGTERM and wait; returns the exit code (or -1 after a forced kill).
  int Stop(std::chrono::seconds grace = std::chrono::seconds(20));
  // SIGKILL without cleanup, as a crash would.
  void Kill();
  bool running() const { return process_.pid() > 0; }
  pid_t pid() const { return process_.pid(); }

  std::string ReadLog() const;

  v1::RuntimeService::Stub& runtime() { return *runtime_; }
  v1::ImageService::Stub& image() { return *image_; }
  std::shared_ptr<grpc::Channel> channel() { return channel_; }

 private:
  std::string dir_;
  ChildProcess process_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::RuntimeService::Stub> runtime_;
  std::unique_ptr<v1::ImageService::Stub> image_;
};

// A ClientContext with a deadline, as the kubelet always sets one.
std::unique_ptr<grpc::ClientContext> Context(std::chrono::seconds timeout = std::chrono::seconds(60));

// Runs the ucrd binary to completion with `args`, capturing its output.
CommandResult RunUcrdCommand(const std::vector<std::string>& args);

// A gtest base class: one TempDir and one Ucrd per test; prints the daemon's
// log when the test failed.
class UcrdTest : public ::testing::Test {
 protected:
  UcrdTest() : ucrd_(dir_) {}
  void TearDown() override;

  TempDir dir_;
  Ucrd ucrd_;
};

}  // namespace ucr::test
