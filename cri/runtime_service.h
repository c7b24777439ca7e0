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

  // Not implemented yet: cri/unimplemented.cc
  UCR_CRI_UNARY(RunPodSandbox);
  UCR_CRI_UNARY(StopPodSandbox);
  UCR_CRI_UNARY(RemovePodSandbox);
  UCR_CRI_UNARY(PodSandboxStatus);
  UCR_CRI_UNARY(ListPodSandbox);
  UCR_CRI_UNARY(CreateContainer);
  UCR_CRI_UNARY(StartContainer);
  UCR_CRI_UNARY(StopContainer);
  UCR_CRI_UNARY(RemoveContainer);
  UCR_CRI_UNARY(ListContainers);
  UCR_CRI_UNARY(ContainerStatus);
  UCR_CRI_UNARY(UpdateContainerResources);
  UCR_CRI_UNARY(ReopenContainerLog);
  UCR_CRI_UNARY(ExecSync);
  UCR_CRI_UNARY(Exec);
  UCR_CRI_UNARY(Attach);
  UCR_CRI_UNARY(PortForward);
  UCR_CRI_UNARY(ContainerStats);
  UCR_CRI_UNARY(ListContainerStats);
  UCR_CRI_UNARY(PodSandboxStats);
  UCR_CRI_UNARY(ListPodSandboxStats);
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
