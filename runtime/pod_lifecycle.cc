#include "runtime/pod_lifecycle.h"

#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/status.h"

namespace ucr::runtime {

absl::Status StopPod(SandboxManager& sandboxes, ContainerManager& containers, const std::string& id_or_prefix) {
  absl::StatusOr<std::string> id = sandboxes.ResolveId(id_or_prefix);
  if (!id.ok()) return absl::OkStatus();  // removed already: kubelet expects OK
  std::vector<std::string> ids = containers.IdsInSandbox(*id);
  std::vector<absl::Status> results(ids.size());
  std::vector<std::thread> threads;
  for (size_t i = 0; i < ids.size(); ++i) {
    threads.emplace_back([&, i] {
      results[i] = containers.Stop(ids[i], kPodStopGrace);
      if (absl::IsNotFound(results[i])) results[i] = absl::OkStatus();
    });
  }
  for (std::thread& t : threads) t.join();
  for (size_t i = 0; i < ids.size(); ++i) {
    UCR_RETURN_IF_ERROR(Annotate(results[i], absl::StrCat("stop container ", ids[i])));
  }
  return sandboxes.Stop(*id);
}

absl::Status RemovePod(SandboxManager& sandboxes, ContainerManager& containers, const std::string& id_or_prefix) {
  absl::StatusOr<std::string> id = sandboxes.ResolveId(id_or_prefix);
  if (!id.ok()) return absl::OkStatus();
  UCR_RETURN_IF_ERROR(StopPod(sandboxes, containers, *id));
  for (const std::string& cid : containers.IdsInSandbox(*id)) {
    UCR_RETURN_IF_ERROR(Annotate(containers.Remove(cid), absl::StrCat("remove container ", cid)));
  }
  return sandboxes.Remove(*id);
}

}  // namespace ucr::runtime
