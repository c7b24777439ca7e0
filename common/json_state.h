// JSON state files: every record ucrd keeps on disk is one of these, written
// atomically and read back on start-up.
#pragma once

#include "absl/strings/string_view.h"
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"

#include "common/files.h"

namespace ucr {

absl::Status SaveJson(const std::string& path, const nlohmann::json& value,
                      Durability durability = Durability::kDurable);

// Reads and parses `path`; a parse error is DATA_LOSS naming the file.
absl::StatusOr<nlohmann::json> LoadJson(const std::string& path);

// Parses JSON text; errors are INVALID_ARGUMENT naming `what`.
absl::StatusOr<nlohmann::json> ParseJson(absl::string_view text, absl::string_view what);

}  // namespace ucr
