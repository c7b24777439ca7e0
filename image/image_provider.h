// What runtime/ needs from the image store to build a container's root
// filesystem: the image's unpacked layers (overlayfs lowerdirs) and its config.
// Implemented in image/; runtime/ depends only on this interface.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace ucr::image {

// The parts of an OCI/Docker image config a container launch uses.
struct ImageConfig {
  std::string user;  // "name", "uid", "uid:gid", "name:group", or ""
  std::vector<std::string> env;  // "KEY=value"
  std::vector<std::string> entrypoint;
  std::vector<std::string> cmd;
  std::string working_dir;
  std::string stop_signal;  // "SIGTERM", "15", or "" for the default
  std::map<std::string, std::string> labels;
  std::vector<std::string> exposed_ports;  // "8080/tcp"
};

struct ResolvedImage {
  std::string id;         // "sha256:<hex>" of the image config, the CRI image id
  std::string image_ref;  // repo digest ("name@sha256:…") when known, else the id
  std::vector<std::string> lower_dirs;  // unpacked layers, TOP layer first (overlay order)
  ImageConfig config;
};

class ImageProvider {
 public:
  virtual ~ImageProvider() = default;
  // Looks up a pulled image by id, full or short id prefix, tag or digest
  // reference ("busybox" normalizes to docker.io/library/busybox:latest).
  // NOT_FOUND naming the reference when it is not pulled.
  virtual absl::StatusOr<ResolvedImage> Resolve(absl::string_view ref_or_id) = 0;
};

}  // namespace ucr::image
