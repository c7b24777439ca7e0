#include "common/json_state.h"

#include "absl/strings/str_cat.h"
#include "common/files.h"
#include "common/status.h"

namespace ucr {

absl::Status SaveJson(const std::string& path, const nlohmann::json& value, Durability durability) {
  return WriteFileAtomic(path, value.dump(), 0600, durability);
}

absl::StatusOr<nlohmann::json> LoadJson(const std::string& path) {
  UCR_ASSIGN_OR_RETURN(std::string text, ReadFile(path));
  nlohmann::json value = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (value.is_discarded()) return absl::DataLossError(absl::StrCat("corrupt JSON in ", path));
  return value;
}

absl::StatusOr<nlohmann::json> ParseJson(absl::string_view text, absl::string_view what) {
  nlohmann::json value = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (value.is_discarded()) return absl::InvalidArgumentError(absl::StrCat("malformed JSON in ", what));
  return value;
}

}  // namespace ucr
