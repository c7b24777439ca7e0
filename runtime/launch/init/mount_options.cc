#include "runtime/launch/init/mount_options.h"

#include <sys/mount.h>

#include <map>

namespace ucr::runtime::init {

MountFlags ParseMountOptions(const std::vector<std::string>& options) {
  // true: set the flag; false: clear it.
  static const std::map<std::string, std::pair<bool, unsigned long>> kFlags = {
      {"ro", {true, MS_RDONLY}},
      {"rw", {false, MS_RDONLY}},
      {"bind", {true, MS_BIND}},
      {"rbind", {true, MS_BIND | MS_REC}},
      {"nosuid", {true, MS_NOSUID}},
      {"suid", {false, MS_NOSUID}},
      {"nodev", {true, MS_NODEV}},
      {"dev", {false, MS_NODEV}},
      {"noexec", {true, MS_NOEXEC}},
      {"exec", {false, MS_NOEXEC}},
      {"relatime", {true, MS_RELATIME}},
      {"norelatime", {false, MS_RELATIME}},
      {"strictatime", {true, MS_STRICTATIME}},
      {"noatime", {true, MS_NOATIME}},
      {"nodiratime", {true, MS_NODIRATIME}},
      {"sync", {true, MS_SYNCHRONOUS}},
      {"defaults", {false, 0}},
  };
  static const std::map<std::string, unsigned long> kPropagation = {
      {"private", MS_PRIVATE},       {"rprivate", MS_PRIVATE | MS_REC},
      {"slave", MS_SLAVE},           {"rslave", MS_SLAVE | MS_REC},
      {"shared", MS_SHARED},         {"rshared", MS_SHARED | MS_REC},
      {"unbindable", MS_UNBINDABLE}, {"runbindable", MS_UNBINDABLE | MS_REC},
  };
  MountFlags out;
  for (const auto& o : options) {
    if (auto f = kFlags.find(o); f != kFlags.end()) {
      if (f->second.first)
        out.flags |= f->second.second;
      else
        out.flags &= ~f->second.second;
    } else if (auto p = kPropagation.find(o); p != kPropagation.end()) {
      out.propagation = p->second;
    } else {
      if (!out.data.empty()) out.data += ',';
      out.data += o;
    }
  }
  return out;
}

}  // namespace ucr::runtime::init
