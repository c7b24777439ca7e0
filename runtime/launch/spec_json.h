// ContainerSpec and ExecSpec as JSON: the launcher writes them, ucr-init
// reads them. Parsing never throws: bad input is an InvalidArgument status.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "runtime/launch/launcher.h"

namespace ucr::runtime {

std::string ContainerSpecToJson(const ContainerSpec& spec);
absl::StatusOr<ContainerSpec> ContainerSpecFromJson(const std::string& text);

std::string ExecSpecToJson(const ExecSpec& spec);
absl::StatusOr<ExecSpec> ExecSpecFromJson(const std::string& text);

}  // namespace ucr::runtime
