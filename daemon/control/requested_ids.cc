#include "common/user_error.h"
#include "daemon/control/handlers.h"

namespace pm {

std::vector<int> requested_ids(const Supervisor& supervisor, const json& request,
                               bool default_all) {
  const std::string key = field::kTargets;
  std::vector<std::string> names;
  auto it = request.find(key);
  if (it != request.end() && !it->is_null()) {
    if (!it->is_array()) throw UserError("field \"" + key + "\" must be a list of names or ids");
    for (const auto& target : *it) {
      if (!target.is_string()) throw UserError("field \"" + key + "\" must hold strings");
      names.push_back(target.get<std::string>());
    }
  }
  if (names.empty()) {
    if (!default_all) throw UserError("no target given: name an app, an instance id, or all");
    return supervisor.all_ids();
  }
  return supervisor.select(names);
}

}  // namespace pm
