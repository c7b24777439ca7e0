// RPCs whose feature has not landed yet. Each answers UNIMPLEMENTED with its
// own name, so a kubelet or crictl user sees exactly what is missing.
#include "cri/call.h"
#include "cri/image_service.h"
#include "cri/runtime_service.h"

namespace ucr::cri {

#define UCR_NOT_YET_UNARY(Service, Name)                                                      \
  grpc::Status Service::Name(grpc::ServerContext*, const v1::Name##Request*, v1::Name##Response*) { \
    return RunCall(#Name, [] { return NotImplemented(#Name); });                              \
  }
#define UCR_NOT_YET_STREAM(Service, Name, Req, Resp)                                       \
  grpc::Status Service::Name(grpc::ServerContext*, const v1::Req*, grpc::ServerWriter<v1::Resp>*) { \
    return RunCall(#Name, [] { return NotImplemented(#Name); });                           \
  }

UCR_NOT_YET_UNARY(RuntimeService, Exec)
UCR_NOT_YET_UNARY(RuntimeService, Attach)
UCR_NOT_YET_UNARY(RuntimeService, PortForward)
UCR_NOT_YET_UNARY(RuntimeService, CheckpointContainer)
UCR_NOT_YET_UNARY(RuntimeService, CheckpointPod)
UCR_NOT_YET_UNARY(RuntimeService, RestorePod)
UCR_NOT_YET_UNARY(RuntimeService, ListMetricDescriptors)
UCR_NOT_YET_UNARY(RuntimeService, ListPodSandboxMetrics)
UCR_NOT_YET_UNARY(RuntimeService, UpdatePodSandboxResources)
UCR_NOT_YET_STREAM(RuntimeService, StreamPodSandboxes, StreamPodSandboxesRequest, StreamPodSandboxesResponse)
UCR_NOT_YET_STREAM(RuntimeService, StreamContainers, StreamContainersRequest, StreamContainersResponse)
UCR_NOT_YET_STREAM(RuntimeService, StreamContainerStats, StreamContainerStatsRequest, StreamContainerStatsResponse)
UCR_NOT_YET_STREAM(RuntimeService, StreamPodSandboxStats, StreamPodSandboxStatsRequest, StreamPodSandboxStatsResponse)
UCR_NOT_YET_STREAM(RuntimeService, GetContainerEvents, GetEventsRequest, ContainerEventResponse)
UCR_NOT_YET_STREAM(RuntimeService, StreamPodSandboxMetrics, StreamPodSandboxMetricsRequest, StreamPodSandboxMetricsResponse)


}  // namespace ucr::cri
