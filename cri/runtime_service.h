// The CRI RuntimeService. Each RPC's handler lives in the file named beside
// it; RPCs whose feature has not landed answer UNIMPLEMENTED naming the RPC.
#pragma once

#include "api.grpc.pb.h"
#include "cri/services.h"

namespace ucr::cri {

namespace v1 = ::runtime::v1;

#define UCR_CRI_UNARY(Name) \
  grpc::Status Name(grpc::ServerContext* ctx, const v1::Name##Request* req, v1::Name##Response* resp) override
#define UCR_CRI_STREAM(Name, Req, Resp) \
  grpc::Status Name(grpc::ServerContext* ctx, const v1::Req* req, grpc::ServerWriter<v1::Resp>* writer) override

class RuntimeService final : public v1::RuntimeService::Service {
 public:
  explicit RuntimeService(Services services) : s_(services) {}

  UCR_CRI_UNARY(Version);        // cri/version.cc
  UCR_CRI_UNARY(Status);         // cri/runtime_status.cc
  UCR_CRI_UNARY(RuntimeConfig);  // cri/runtime_status.cc
  UCR_CRI_UNARY(UpdateRuntimeConfig);  // cri/runtime_status.cc

  UCR_CRI_UNARY(RunPodSandbox);     // cri/sandbox_run.cc
  UCR_CRI_UNARY(StopPodSandbox);    // cri/sandbox_run.cc
  UCR_CRI_UNARY(RemovePodSandbox);  // cri/sandbox_run.cc
  UCR_CRI_UNARY(PodSandboxStatus);  // cri/sandbox_status.cc
  UCR_CRI_UNARY(ListPodSandbox);    // cri/sandbox_status.cc
  UCR_CRI_UNARY(CreateContainer);   // cri/container_create.cc
  UCR_CRI_UNARY(StartContainer);    // cri/container_create.cc
  UCR_CRI_UNARY(StopContainer);     // cri/container_stop.cc
  UCR_CRI_UNARY(RemoveContainer);   // cri/container_stop.cc
  UCR_CRI_UNARY(ListContainers);    // cri/container_status.cc
  UCR_CRI_UNARY(ContainerStatus);   // cri/container_status.cc
  UCR_CRI_UNARY(UpdateContainerResources);  // cri/container_update.cc
  UCR_CRI_UNARY(ReopenContainerLog);        // cri/container_update.cc
  UCR_CRI_UNARY(ExecSync);                  // cri/exec_sync.cc
  UCR_CRI_UNARY(ContainerStats);       // cri/stats.cc
  UCR_CRI_UNARY(ListContainerStats);   // cri/stats.cc
  UCR_CRI_UNARY(PodSandboxStats);      // cri/stats.cc
  UCR_CRI_UNARY(ListPodSandboxStats);  // cri/stats.cc

  // Not implemented yet: cri/unimplemented.cc
  UCR_CRI_UNARY(Exec);
  UCR_CRI_UNARY(Attach);
  UCR_CRI_UNARY(PortForward);
  UCR_CRI_UNARY(CheckpointContainer);
  UCR_CRI_UNARY(CheckpointPod);
  UCR_CRI_UNARY(RestorePod);
  UCR_CRI_UNARY(ListMetricDescriptors);
  UCR_CRI_UNARY(ListPodSandboxMetrics);
  UCR_CRI_UNARY(UpdatePodSandboxResources);
  UCR_CRI_STREAM(StreamPodSandboxes, StreamPodSandboxesRequest, StreamPodSandboxesResponse);
  UCR_CRI_STREAM(StreamContainers, StreamContainersRequest, StreamContainersResponse);
  UCR_CRI_STREAM(StreamContainerStats, StreamContainerStatsRequest, StreamContainerStatsResponse);
  UCR_CRI_STREAM(StreamPodSandboxStats, StreamPodSandboxStatsRequest, StreamPodSandboxStatsResponse);
  UCR_CRI_STREAM(GetContainerEvents, GetEventsRequest, ContainerEventResponse);
  UCR_CRI_STREAM(StreamPodSandboxMetrics, StreamPodSandboxMetricsRequest, StreamPodSandboxMetricsResponse);

 private:
  Services s_;
};

}  // namespace ucr::cri
