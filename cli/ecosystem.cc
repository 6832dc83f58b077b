#include "cli/ecosystem.h"

#include <algorithm>
#include <cctype>
#include <set>
#include <sstream>

#include "cli/format.h"
#include "cli/pm2_field_names.h"
#include "common/command_line.h"
#include "common/paths.h"

namespace pm {

using json = nlohmann::json;

namespace {

std::string stringify(const json& value) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_null()) return "";
  return value.dump();
}

std::vector<std::string> words(const json& value, const std::string& field) {
  if (value.is_string()) return split_command(value.get<std::string>());
  if (!value.is_array()) throw SpecError("field \"" + field + "\" must be a string or a list");
  std::vector<std::string> out;
  for (const auto& item : value) out.push_back(stringify(item));
  return out;
}

std::string absolute(const std::string& path, const std::string& base) {
  if (path.empty() || path[0] == '/' || log_disabled(path)) return path;
  return base + "/" + path;
}

/// The AppSpec fields a file may set, by each name it may give them.
const std::map<std::string, SpecField>& ecosystem_fields() {
  static const std::map<std::string, SpecField> fields = [] {
    std::map<std::string, SpecField> by_name;
    AppSpec spec;
    visit_fields(spec, [&](const SpecField& field, auto&) {
      if (field.form == EcosystemForm::None) return;
      by_name.emplace(field.name, field);
      if (field.alias) by_name.emplace(field.alias, field);
    });
    return by_name;
  }();
  return fields;
}

const json& text(const std::string& key, const json& value) {
  if (!value.is_string())
    throw SpecError("field \"" + key + "\" must be a string, not " + value.dump());
  return value;
}

json flag(const std::string& key, const json& value) {
  // PM2 files (and YAML written by hand) often quote their booleans.
  if (value == "true" || value == "false") return value == "true";
  if (!value.is_boolean())
    throw SpecError("field \"" + key + "\" must be true or false, not " + value.dump());
  return value;
}

/// A number written as a string ("50"), as PM2 takes it, else `value`.
json number_in_text(const json& value) {
  if (!value.is_string()) return value;
  const std::string& text = value.get_ref<const std::string&>();
  std::size_t digits = text.find_first_not_of("+-") == 1 ? 1 : 0;
  if (text.size() == digits || text.size() > digits + 9 ||
      text.find_first_not_of("0123456789", digits) != std::string::npos)
    return value;
  return std::stoll(text);
}

std::map<std::string, std::string> variables(const std::string& key, const json& value) {
  if (!value.is_object()) throw SpecError("field \"" + key + "\" must be an object");
  std::map<std::string, std::string> out;
  for (const auto& [name, setting] : value.items()) out[name] = stringify(setting);
  return out;
}

json duration(const std::string& key, const json& value) {
  long long ms = parse_duration_ms(value);
  if (ms < 0)
    throw SpecError("field \"" + key + "\" must be a duration in ms (or \"10s\"), not " +
                    value.dump() + (value.is_number() ? " (negative)" : ""));
  return ms;
}

json size(const std::string& key, const json& value) {
  long long bytes = value.is_number_integer() ? value.get<long long>()
                    : value.is_string()       ? parse_bytes(value.get<std::string>())
                                              : -1;
  if (bytes < 0)
    throw SpecError("field \"" + key + "\" must be a size such as \"300M\", not " + value.dump());
  return bytes;
}

json exit_codes(const std::string& key, const json& value) {
  std::vector<int> codes;
  for (const auto& given : value.is_array() ? value : json::array({value})) {
    json code = number_in_text(given);
    if (!code.is_number_integer())
      throw SpecError("field \"" + key + "\" must hold exit codes, not " + code.dump());
    codes.push_back(code.get<int>());
  }
  return codes;
}

json list(const json& value) {
  std::vector<std::string> items;
  for (const auto& item : value.is_array() ? value : json::array({value}))
    items.push_back(stringify(item));
  return items;
}

/// A field's value as spec_from_json reads it, from the form the file gave.
json field_value(const SpecField& field, const std::string& key, const json& value) {
  switch (field.form) {
    case EcosystemForm::Text:
      return text(key, value);
    case EcosystemForm::Flag:
      return flag(key, value);
    case EcosystemForm::Whole:
      if (!number_in_text(value).is_number_integer())
        throw SpecError("field \"" + key + "\" must be a whole number, not " + value.dump());
      return number_in_text(value);
    case EcosystemForm::Instances:
      if (value.is_number_integer()) return value;
      if (value.is_string()) return parse_instances(value.get<std::string>());
      throw SpecError("instances must be a number or \"max\" (got " + value.dump() + ")");
    case EcosystemForm::Duration:
      return duration(key, value);
    case EcosystemForm::Size:
      return size(key, value);
    case EcosystemForm::Words:
      return words(value, key);
    case EcosystemForm::List:
      return list(value);
    case EcosystemForm::ExitCodes:
      return exit_codes(key, value);
    case EcosystemForm::Env:  // merged with port and env_<name> by the caller
    case EcosystemForm::None:
      break;
  }
  return value;
}

/// What an app declares besides AppSpec's fields, applied once all are read.
struct AppExtras {
  std::map<std::string, std::string> env;           // env, and PORT from port
  std::map<std::string, std::string> env_override;  // env_<name> for --env name
  bool time = false;
  bool append_env_to_name = false;  // name-<env> under --env <env>
  bool default_log_file = false;    // log_file: true, PM2's "the usual place"
  bool watch_cwd = false;           // watch: true, the app's directory
};

/// Reads a PM2 key that is no AppSpec field; false when it is unknown.
bool read_extra(const std::string& key, const json& value, const std::string& env_name,
                AppExtras& extras) {
  if (key == "time") {
    extras.time = flag(key, value).get<bool>();
  } else if (key == "append_env_to_name") {
    extras.append_env_to_name = flag(key, value).get<bool>();
  } else if (key == "exec_mode") {
    std::string mode = text(key, value).get<std::string>();
    if (mode != "fork" && mode != "fork_mode" && mode != "cluster" && mode != "cluster_mode")
      throw SpecError("field \"exec_mode\" must be fork or cluster, not \"" + mode + "\"");
  } else if (key == "port") {
    extras.env["PORT"] = stringify(value);
  } else if (key.rfind("env_", 0) == 0) {
    auto settings = variables(key, value);
    if (key.substr(4) == env_name) extras.env_override = std::move(settings);
  } else {
    return false;
  }
  return true;
}

/// Fills in what the file leaves to pm: paths from its directory, the
/// timestamp `time` asks for, the environment, the name with its env.
/// `declared` is the name before the env was appended, which --only takes.
AppSpec complete(json spec, const AppExtras& extras, const std::string& base_dir,
                 const std::string& env_name, std::string& declared) {
  if (extras.time && !spec.contains("log_date_format"))
    spec["log_date_format"] = kTimeLogDateFormat;
  if (spec.contains("log_date_format"))
    spec["log_date_format"] = strftime_format(spec["log_date_format"].get<std::string>());
  std::string cwd = spec.value("cwd", "");
  spec["cwd"] = cwd.empty() ? base_dir : absolute(cwd, base_dir);
  for (const char* path : {"out_file", "error_file", "log_file", "pid_file"})
    if (spec.contains(path)) spec[path] = absolute(spec[path].get<std::string>(), spec["cwd"]);
  if (extras.watch_cwd && !spec.contains("watch")) spec["watch"] = json::array({spec["cwd"]});
  if (spec.contains("watch"))
    for (auto& path : spec["watch"]) path = absolute(path.get<std::string>(), spec["cwd"]);
  std::map<std::string, std::string> env = extras.env;
  for (const auto& [name, setting] : extras.env_override) env[name] = setting;
  spec["env"] = env;
  if (!spec.contains("script")) throw SpecError("field \"script\" is missing: nothing to run");
  declared = spec.value("name", default_app_name(spec["script"].get<std::string>()));
  if (extras.append_env_to_name && !env_name.empty()) spec["name"] = declared + "-" + env_name;
  if (extras.default_log_file)
    spec["log_file"] =
        Paths::from_environment().log_dir() + "/" + spec.value("name", declared) + ".log";
  return spec_from_json(spec);
}

/// PM2 turns cron restarts off with a cron_restart of 0.
bool cron_turned_off(const std::string& key, const json& value) {
  return key == "cron_restart" && (value == 0 || value == "0");
}

AppSpec read_app(const json& app, const std::string& base_dir, const std::string& env_name,
                 std::vector<std::string>& warnings, const std::string& where,
                 std::string& declared) {
  if (!app.is_object()) throw SpecError("an app must be an object, not " + app.dump());
  const auto& fields = ecosystem_fields();
  json spec = json::object();
  AppExtras extras;
  std::map<std::string, std::string> spelled;
  json named = with_field_names(app, where, spelled, warnings);
  for (const auto& [key, value] : named.items()) {
    if (cron_turned_off(key, value)) continue;
    const std::string& written = spelled[key];  // messages quote the file
    auto field = fields.find(key);
    if (field == fields.end()) {
      if (!read_extra(key, value, env_name, extras))
        warnings.push_back(where + ": unknown field \"" + written + "\" (ignored)");
    } else if (field->second.form == EcosystemForm::Env) {
      for (const auto& [name, setting] : variables(written, value)) extras.env[name] = setting;
    } else if (field->second.name == std::string("log_file") && value.is_boolean()) {
      extras.default_log_file = value.get<bool>();
    } else if (field->second.name == std::string("watch") && value.is_boolean()) {
      extras.watch_cwd = value.get<bool>();
    } else {
      spec[field->second.name] = field_value(field->second, written, value);
    }
  }
  return complete(std::move(spec), extras, base_dir, env_name, declared);
}

/// Keeps the apps whose declared name (`declared`, one per app) `only` lists.
void keep_only(Ecosystem& ecosystem, const std::vector<std::string>& declared,
               const std::vector<std::string>& only, const std::string& file) {
  if (only.empty()) return;
  for (const auto& name : only)
    if (std::find(declared.begin(), declared.end(), name) == declared.end())
      throw SpecError(file + ": --only names \"" + name + "\", which the file does not declare");
  std::vector<AppSpec> kept;
  for (std::size_t i = 0; i < ecosystem.apps.size(); ++i)
    if (std::find(only.begin(), only.end(), declared[i]) != only.end())
      kept.push_back(std::move(ecosystem.apps[i]));
  ecosystem.apps = std::move(kept);
}

/// The app list of a document: {"apps": [...]}, a package.json's "pm2"
/// (a list, or an object with "apps"), a list, or one app.
json apps_of(const json& document, const std::string& file) {
  if (document.is_array()) return document;
  if (!document.is_object()) return nullptr;
  if (document.contains("apps")) return document["apps"];
  if (document.contains("pm2")) {
    const json& pm2 = document["pm2"];
    return pm2.is_object() && pm2.contains("apps") ? pm2["apps"] : pm2;
  }
  if (file.size() >= 12 && file.compare(file.size() - 12, 12, "package.json") == 0)
    throw SpecError(file + ": no \"pm2\" key (expected \"pm2\": [{\"script\": ...}])");
  return json::array({document});
}

}  // namespace

Ecosystem read_ecosystem(const json& document, const std::string& file, const std::string& base_dir,
                         const std::string& env_name, const std::vector<std::string>& only) {
  json apps = apps_of(document, file);
  if (apps.is_object()) apps = json::array({apps});
  if (!apps.is_array() || apps.empty())
    throw SpecError(file + ": no apps declared (expected {\"apps\": [...]})");

  Ecosystem ecosystem;
  std::set<std::string> names;
  std::vector<std::string> declared;
  for (std::size_t i = 0; i < apps.size(); ++i) {
    const json& app = apps[i];
    std::string label = app.is_object() && app.contains("name") && app["name"].is_string()
                            ? "app \"" + app["name"].get<std::string>() + "\""
                            : "app #" + std::to_string(i + 1);
    std::string where = file + ": " + label;
    try {
      declared.emplace_back();
      AppSpec spec = read_app(app, base_dir, env_name, ecosystem.warnings, where, declared.back());
      if (!names.insert(spec.name).second)
        throw SpecError("the name \"" + spec.name + "\" is used by two apps");
      ecosystem.apps.push_back(std::move(spec));
    } catch (const SpecError& error) {
      throw SpecError(where + ": " + error.what());
    }
  }
  keep_only(ecosystem, declared, only, file);
  return ecosystem;
}

Ecosystem read_procfile(const std::string& text, const std::string& file,
                        const std::string& base_dir, const std::vector<std::string>& only) {
  Ecosystem ecosystem;
  std::istringstream lines(text);
  std::string line;
  int number = 0;
  while (std::getline(lines, line)) {
    ++number;
    auto first = line.find_first_not_of(" \t");
    if (first == std::string::npos || line[first] == '#') continue;
    auto colon = line.find(':');
    std::string where = file + ":" + std::to_string(number);
    if (colon == std::string::npos)
      throw SpecError(where + ": expected \"name: command\", got \"" + line + "\"");
    json spec{{"name", line.substr(first, colon - first)},
              {"script", line.substr(line.find_first_not_of(" \t", colon + 1) == std::string::npos
                                         ? line.size()
                                         : line.find_first_not_of(" \t", colon + 1))},
              {"cwd", base_dir}};
    try {
      ecosystem.apps.push_back(spec_from_json(spec));
    } catch (const SpecError& error) {
      throw SpecError(where + ": " + error.what());
    }
  }
  if (ecosystem.apps.empty()) throw SpecError(file + ": no processes declared");
  std::vector<std::string> declared;
  for (const auto& app : ecosystem.apps) declared.push_back(app.name);
  keep_only(ecosystem, declared, only, file);
  return ecosystem;
}

long long parse_duration_ms(const json& value) {
  if (value.is_number_integer()) return value.get<long long>() >= 0 ? value.get<long long>() : -1;
  // A float past long long's range would be undefined behaviour to convert.
  if (value.is_number())
    return value.get<double>() >= 0 && value.get<double>() < 1e15
               ? static_cast<long long>(value.get<double>())
               : -1;
  if (!value.is_string()) return -1;
  std::string text = value.get<std::string>();
  std::size_t digits = 0;
  while (digits < text.size() && std::isdigit(static_cast<unsigned char>(text[digits]))) ++digits;
  if (digits == 0 || digits > 12) return -1;
  long long amount = std::stoll(text.substr(0, digits));
  std::string unit = text.substr(digits);
  if (unit.empty() || unit == "ms") return amount;
  if (unit == "s") return amount * 1000;
  if (unit == "m") return amount * 60000;
  if (unit == "h") return amount * 3600000;
  return -1;
}

std::string strftime_format(const std::string& format) {
  if (format.find('%') != std::string::npos) return format;
  static const std::pair<const char*, const char*> kTokens[] = {
      {"YYYY", "%Y"}, {"MM", "%m"}, {"DD", "%d"},  {"HH", "%H"},
      {"mm", "%M"},   {"ss", "%S"}, {"SSS", "%L"}, {"Z", "%z"}};
  std::string out;
  for (std::size_t i = 0; i < format.size();) {
    bool matched = false;
    for (const auto& [token, replacement] : kTokens) {
      std::size_t length = std::char_traits<char>::length(token);
      if (format.compare(i, length, token) == 0) {
        out += replacement;
        i += length;
        matched = true;
        break;
      }
    }
    if (!matched) out += format[i++];
  }
  return out;
}

}  // namespace pm
