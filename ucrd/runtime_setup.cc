#include "ucrd/runtime_setup.h"

#include <unistd.h>

#include <filesystem>

#include "common/files.h"
#include "common/log.h"
#include "common/status.h"

namespace ucr::daemon {

std::string HelperBinary(const std::string& name) {
  std::error_code ec;
  std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) return "";
  std::filesystem::path helper = self.parent_path() / name;
  return ::access(helper.c_str(), X_OK) == 0 ? helper.string() : "";
}

absl::StatusOr<RuntimeParts> BuildRuntime(const Paths& paths, image::ImageProvider* images,
                                          network::PodNetwork* network, int spare_monitors) {
  for (const std::string& dir : {paths.ContainersDir(), paths.SandboxesDir(), paths.ContainersStateDir(),
                                 paths.SandboxesStateDir()}) {
    UCR_RETURN_IF_ERROR(MakeDirs(dir, 0711));
  }
  UCR_ASSIGN_OR_RETURN(runtime::cgroups::Hierarchy hierarchy, runtime::cgroups::Hierarchy::Detect());
  std::string podinit = HelperBinary("ucr-podinit");
  if (podinit.empty()) log::Warn("ucr-podinit not found beside ucrd: pods with a shared PID namespace will fail");
  RuntimeParts parts;
  runtime::LauncherOptions launcher_options = runtime::LauncherOptions::Defaults();
  launcher_options.spare_monitors = spare_monitors;
  parts.launcher = std::make_unique<runtime::Launcher>(std::move(launcher_options));
  parts.sandboxes = std::make_unique<runtime::SandboxManager>(paths, hierarchy, network, podinit);
  parts.containers = std::make_unique<runtime::ContainerManager>(paths, parts.sandboxes.get(), images,
                                                                 parts.launcher.get());
  UCR_RETURN_IF_ERROR(Annotate(parts.sandboxes->Recover(), "recover pod sandboxes"));
  UCR_RETURN_IF_ERROR(Annotate(parts.containers->Recover(), "recover containers"));
  return parts;
}

}  // namespace ucr::daemon
