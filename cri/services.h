// What the CRI handlers can reach: the effective config and, as features land,
// the runtime, image and network managers. Owned by the daemon.
#pragma once

#include "common/config.h"
#include "network/pod_network.h"

namespace ucr::image {
class ImageManager;
}

namespace ucr::cri {

struct Services {
  const Config* config = nullptr;
  image::ImageManager* images = nullptr;
  // Pod networking (CNI); also what Status reports as NetworkReady.
  network::PodNetwork* network = nullptr;
};

}  // namespace ucr::cri
