// CRI container messages ⇄ runtime/ container types. Pure translation.
#pragma once

#include "api.pb.h"
#include "runtime/cgroups/cgroups.h"
#include "runtime/state/container_record.h"

namespace ucr::cri {

namespace v1 = ::runtime::v1;

runtime::ContainerRequest ToContainerRequest(const v1::ContainerConfig& config);
runtime::cgroups::Resources ToResources(const v1::LinuxContainerResources& linux);
void FillResources(const runtime::cgroups::Resources& r, int64_t oom_score_adj,
                   v1::LinuxContainerResources* out);

// CRI Signal enum -> signal number (0 for SIGNAL_RUNTIME_DEFAULT).
int SignalNumber(v1::Signal signal);
v1::Signal SignalEnum(int number);

void FillContainer(const runtime::ContainerRecord& record, v1::Container* out);
void FillContainerStatus(const runtime::ContainerRecord& record, v1::ContainerStatus* out);

}  // namespace ucr::cri
