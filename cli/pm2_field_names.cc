#include "cli/pm2_field_names.h"

#include <cctype>
#include <map>

namespace pm {

namespace {

const std::map<std::string, std::string>& aliases() {
  static const std::map<std::string, std::string> by_alias = {
      {"exec", "script"},
      {"cmd", "script"},
      {"command", "script"},
      {"exec_interpreter", "interpreter"},
      {"out", "out_file"},
      {"output", "out_file"},
      {"out_log", "out_file"},
      {"error", "error_file"},
      {"err", "error_file"},
      {"err_file", "error_file"},
      {"err_log", "error_file"},
      {"cron", "cron_restart"},
      {"combine_logs", "merge_logs"},
  };
  return by_alias;
}

/// "killTimeout" as "kill_timeout"; names that do not start in lower case
/// ("PORT") are left as they are.
std::string snake_case(const std::string& key) {
  if (key.empty() || !std::islower(static_cast<unsigned char>(key[0]))) return key;
  std::string out;
  for (char c : key) {
    if (std::isupper(static_cast<unsigned char>(c))) {
      out += '_';
      out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace

std::string pm2_field_name(const std::string& key) {
  std::string name = snake_case(key);
  auto alias = aliases().find(name);
  return alias == aliases().end() ? name : alias->second;
}

nlohmann::json with_field_names(const nlohmann::json& app, const std::string& where,
                                std::map<std::string, std::string>& spelled,
                                std::vector<std::string>& warnings) {
  nlohmann::json named = nlohmann::json::object();
  for (const auto& [key, value] : app.items())
    if (pm2_field_name(key) == key) {
      named[key] = value;
      spelled[key] = key;
    }
  for (const auto& [key, value] : app.items()) {
    std::string name = pm2_field_name(key);
    if (name == key) continue;
    if (named.contains(name)) {
      warnings.push_back(where + ": \"" + key + "\" and \"" + spelled[name] + "\" both set " +
                         name + "; \"" + key + "\" is ignored");
      continue;
    }
    named[name] = value;
    spelled[name] = key;
  }
  return named;
}

}  // namespace pm
