// CRI pod messages ⇄ runtime/ pod types. Pure translation, no logic.
#pragma once

#include <string>

#include "api.pb.h"
#include "runtime/state/sandbox_record.h"

namespace ucr::cri {

namespace v1 = ::runtime::v1;

runtime::PodSpec ToPodSpec(const v1::PodSandboxConfig& config, const std::string& runtime_handler);

void FillPodSandboxStatus(const runtime::SandboxRecord& record, v1::PodSandboxStatus* out);
void FillPodSandbox(const runtime::SandboxRecord& record, v1::PodSandbox* out);
void FillPodMetadata(const runtime::PodMetadata& metadata, v1::PodSandboxMetadata* out);

// A stable hash of a request message (deterministic serialization), so that
// a kubelet retry of the same request is recognised, also across restarts.
std::string Fingerprint(const google::protobuf::Message& message);

}  // namespace ucr::cri
