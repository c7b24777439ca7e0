// What the CRI handlers can reach: the effective config and the runtime,
// image and network managers. Owned by the daemon (ucrd/server.cc).
#pragma once

#include "common/config.h"
#include "network/pod_network.h"

namespace ucr::runtime {
class SandboxManager;
class ContainerManager;
}  // namespace ucr::runtime
namespace ucr::image {
class ImageManager;
}

namespace ucr::cri {

struct Services {
  const Config* config = nullptr;
  runtime::SandboxManager* sandboxes = nullptr;
  runtime::ContainerManager* containers = nullptr;
  image::ImageManager* images = nullptr;
  // Pod networking (CNI); also what Status reports as NetworkReady.
  network::PodNetwork* network = nullptr;
};

}  // namespace ucr::cri
