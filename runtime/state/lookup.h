// Id lookups and list filters shared by the sandbox and container managers.
#pragma once

#include <map>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace ucr::runtime {

// The full id in `items` (a map keyed by id) that `id_or_prefix` names: the id
// itself or a unique prefix of one. NOT_FOUND naming `what` and the id.
template <typename Map>
absl::StatusOr<std::string> ResolveId(const Map& items, const std::string& id_or_prefix,
                                      const char* what) {
  if (id_or_prefix.empty()) return absl::InvalidArgumentError(absl::StrCat(what, " id is empty"));
  if (items.count(id_or_prefix) != 0) return id_or_prefix;
  std::string found;
  for (auto it = items.lower_bound(id_or_prefix); it != items.end(); ++it) {
    if (!absl::StartsWith(it->first, id_or_prefix)) break;
    if (!found.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat(what, " id prefix \"", id_or_prefix, "\" is ambiguous"));
    }
    found = it->first;
  }
  if (found.empty()) return absl::NotFoundError(absl::StrCat(what, " \"", id_or_prefix, "\" not found"));
  return found;
}

// True when every selector key is present in `labels` with the same value.
inline bool MatchesLabels(const std::map<std::string, std::string>& labels,
                          const std::map<std::string, std::string>& selector) {
  for (const auto& [key, value] : selector) {
    auto it = labels.find(key);
    if (it == labels.end() || it->second != value) return false;
  }
  return true;
}

}  // namespace ucr::runtime
