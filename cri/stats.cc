// RuntimeService.ContainerStats, ListContainerStats, PodSandboxStats and
// ListPodSandboxStats: cgroup counters and the writable layer's usage.
#include "cri/call.h"
#include "cri/container_convert.h"
#include "cri/pod_convert.h"
#include "cri/runtime_service.h"
#include "runtime/container/container_manager.h"
#include "runtime/sandbox/sandbox_manager.h"
#include "runtime/state/lookup.h"

namespace ucr::cri {
namespace {

void FillCpuMemory(const runtime::cgroups::Stats& s, v1::CpuUsage* cpu, v1::MemoryUsage* mem) {
  const int64_t ts = static_cast<int64_t>(s.timestamp_ns);
  cpu->set_timestamp(ts);
  cpu->mutable_usage_core_nano_seconds()->set_value(s.cpu_usage_ns);
  mem->set_timestamp(ts);
  mem->mutable_working_set_bytes()->set_value(s.memory_working_set_bytes);
  mem->mutable_usage_bytes()->set_value(s.memory_usage_bytes);
  mem->mutable_rss_bytes()->set_value(s.memory_rss_bytes);
  mem->mutable_page_faults()->set_value(s.page_faults);
  mem->mutable_major_page_faults()->set_value(s.major_page_faults);
  if (s.memory_limit_bytes > 0) {
    uint64_t avail = s.memory_limit_bytes > s.memory_working_set_bytes
                         ? s.memory_limit_bytes - s.memory_working_set_bytes : 0;
    mem->mutable_available_bytes()->set_value(avail);
  }
}

void FillContainerStats(const runtime::ContainerStats& s, v1::ContainerStats* out) {
  const runtime::ContainerRecord& r = s.record;
  v1::ContainerAttributes* a = out->mutable_attributes();
  a->set_id(r.id);
  a->mutable_metadata()->set_name(r.request.name);
  a->mutable_metadata()->set_attempt(r.request.attempt);
  a->mutable_labels()->insert(r.request.labels.begin(), r.request.labels.end());
  a->mutable_annotations()->insert(r.request.annotations.begin(), r.request.annotations.end());
  FillCpuMemory(s.cgroup, out->mutable_cpu(), out->mutable_memory());
  v1::FilesystemUsage* fs = out->mutable_writable_layer();
  fs->set_timestamp(static_cast<int64_t>(s.cgroup.timestamp_ns));
  fs->mutable_fs_id()->set_mountpoint(s.writable_layer_dir);
  fs->mutable_used_bytes()->set_value(s.writable_layer.bytes);
  fs->mutable_inodes_used()->set_value(s.writable_layer.inodes);
}

absl::Status FillPodStats(runtime::SandboxManager& sandboxes, runtime::ContainerManager& containers,
                          const runtime::SandboxRecord& r, v1::PodSandboxStats* out) {
  v1::PodSandboxAttributes* a = out->mutable_attributes();
  a->set_id(r.id);
  FillPodMetadata(r.spec.metadata, a->mutable_metadata());
  a->mutable_labels()->insert(r.spec.labels.begin(), r.spec.labels.end());
  a->mutable_annotations()->insert(r.spec.annotations.begin(), r.spec.annotations.end());
  absl::StatusOr<runtime::cgroups::Stats> pod = sandboxes.ReadStats(r.id);
  if (!pod.ok()) return pod.status();
  v1::LinuxPodSandboxStats* linux = out->mutable_linux();
  FillCpuMemory(*pod, linux->mutable_cpu(), linux->mutable_memory());
  linux->mutable_process()->set_timestamp(static_cast<int64_t>(pod->timestamp_ns));
  linux->mutable_process()->mutable_process_count()->set_value(pod->pids_current);
  for (const std::string& id : containers.IdsInSandbox(r.id)) {
    absl::StatusOr<runtime::ContainerStats> cs = containers.Stats(id);
    if (cs.ok() && cs->record.state == runtime::ContainerState::kRunning) {
      FillContainerStats(*cs, linux->add_containers());
    }
  }
  return absl::OkStatus();
}

}  // namespace

grpc::Status RuntimeService::ContainerStats(grpc::ServerContext*, const v1::ContainerStatsRequest* req,
                                            v1::ContainerStatsResponse* resp) {
  return RunCall("ContainerStats", [&] {
    absl::StatusOr<runtime::ContainerStats> stats = s_.containers->Stats(req->container_id());
    if (!stats.ok()) return stats.status();
    FillContainerStats(*stats, resp->mutable_stats());
    return absl::OkStatus();
  });
}

grpc::Status RuntimeService::ListContainerStats(grpc::ServerContext*, const v1::ListContainerStatsRequest* req,
                                                v1::ListContainerStatsResponse* resp) {
  return RunCall("ListContainerStats", [&] {
    runtime::ContainerFilter filter;
    filter.id_prefix = req->filter().id();
    filter.sandbox_id_prefix = req->filter().pod_sandbox_id();
    filter.label_selector.insert(req->filter().label_selector().begin(), req->filter().label_selector().end());
    // Like containerd: stats of running containers only.
    filter.has_state = true;
    filter.state = runtime::ContainerState::kRunning;
    for (const runtime::ContainerRecord& r : s_.containers->List(filter)) {
      absl::StatusOr<runtime::ContainerStats> stats = s_.containers->Stats(r.id);
      if (stats.ok()) FillContainerStats(*stats, resp->add_stats());
    }
    return absl::OkStatus();
  });
}

grpc::Status RuntimeService::PodSandboxStats(grpc::ServerContext*, const v1::PodSandboxStatsRequest* req,
                                             v1::PodSandboxStatsResponse* resp) {
  return RunCall("PodSandboxStats", [&] {
    absl::StatusOr<runtime::SandboxRecord> r = s_.sandboxes->Get(req->pod_sandbox_id());
    if (!r.ok()) return r.status();
    return FillPodStats(*s_.sandboxes, *s_.containers, *r, resp->mutable_stats());
  });
}

grpc::Status RuntimeService::ListPodSandboxStats(grpc::ServerContext*, const v1::ListPodSandboxStatsRequest* req,
                                                 v1::ListPodSandboxStatsResponse* resp) {
  return RunCall("ListPodSandboxStats", [&] {
    runtime::SandboxFilter filter;
    filter.id_prefix = req->filter().id();
    filter.label_selector.insert(req->filter().label_selector().begin(), req->filter().label_selector().end());
    filter.has_state = true;
    filter.state = runtime::SandboxState::kReady;
    for (const runtime::SandboxRecord& r : s_.sandboxes->List(filter)) {
      v1::PodSandboxStats stats;
      if (FillPodStats(*s_.sandboxes, *s_.containers, r, &stats).ok()) *resp->add_stats() = std::move(stats);
    }
    return absl::OkStatus();
  });
}

}  // namespace ucr::cri
