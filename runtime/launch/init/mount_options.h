// OCI mount options → mount(2) flags, propagation flags and fs data.
#pragma once

#include <string>
#include <vector>

namespace ucr::runtime::init {

struct MountFlags {
  unsigned long flags = 0;        // MS_BIND, MS_REC, MS_RDONLY, MS_NOSUID, ...
  unsigned long propagation = 0;  // MS_PRIVATE|MS_SLAVE|MS_SHARED|MS_UNBINDABLE (+MS_REC)
  std::string data;               // the rest, comma-joined ("mode=755,size=64m")
};

MountFlags ParseMountOptions(const std::vector<std::string>& options);

}  // namespace ucr::runtime::init
