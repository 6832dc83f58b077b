#pragma once
// The other names PM2 accepts for an ecosystem field: its aliases (`cmd`
// for script, `output` for out_file, ...; PM2's lib/API/schema.json and
// Common.verifyConfs) and the camelCase form of every name (`killTimeout`).

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace pm {

/// The name `key` stands for: the field an alias names, the snake_case form
/// of a camelCase key, or `key` itself.
std::string pm2_field_name(const std::string& key);

/// `app` with every key under the name it stands for, and the keys as the
/// file spelled them (`spelled[name]`). A name given both directly and by an
/// alias takes the direct one; what is dropped is said in `warnings`.
nlohmann::json with_field_names(const nlohmann::json& app, const std::string& where,
                                std::map<std::string, std::string>& spelled,
                                std::vector<std::string>& warnings);

}  // namespace pm
