#include "common/app_spec.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <type_traits>

#include "common/cron_schedule.h"
#include "common/listen_address.h"
#include "common/signal_names.h"

namespace pm {

using json = nlohmann::json;

json to_json(const AppSpec& spec) {
  json value = json::object();
  visit_fields(spec,
               [&](const SpecField& field, const auto& member) { value[field.name] = member; });
  return value;
}

namespace {

/// A value as a message may quote it: never more than a line of it.
std::string shown(const json& value) {
  std::string text = value.dump(-1, ' ', false, json::error_handler_t::replace);
  return text.size() > 80 ? text.substr(0, 77) + "..." : text;
}

template <typename T>
void read_field(const json& value, const char* field, T& out) {
  auto it = value.find(field);
  if (it == value.end() || it->is_null()) return;
  if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
    // nlohmann converts any number, and a float past T's range is undefined
    // behaviour: take whole numbers that fit, and say so otherwise.
    if (it->is_number()) {
      double number = it->get<double>();
      if (!(number >= static_cast<double>(std::numeric_limits<T>::min()) &&
            number <= static_cast<double>(std::numeric_limits<T>::max())) ||
          number != std::floor(number))
        throw SpecError(std::string("field \"") + field + "\" must be a whole number from " +
                        std::to_string(std::numeric_limits<T>::min()) + " to " +
                        std::to_string(std::numeric_limits<T>::max()) + " (got " + shown(*it) +
                        ")");
      out = it->is_number_float() ? static_cast<T>(number) : it->get<T>();
      return;
    }
  }
  try {
    out = it->get<T>();
  } catch (const json::exception&) {
    throw SpecError(std::string("field \"") + field + "\" has the wrong type: " + shown(*it));
  }
}

void require_non_negative(int value, const char* field) {
  if (value < 0)
    throw SpecError(std::string("field \"") + field + "\" must not be negative (got " +
                    std::to_string(value) + ")");
}

}  // namespace

AppSpec spec_from_json(const json& value) {
  if (!value.is_object()) throw SpecError("app spec must be a JSON object");
  AppSpec spec;
  visit_fields(
      spec, [&](const SpecField& field, auto& member) { read_field(value, field.name, member); });

  if (spec.script.empty()) throw SpecError("field \"script\" is missing: nothing to run");
  if (spec.name.empty()) spec.name = default_app_name(spec.script);
  // Before any message quotes the name: it is shown on terminals.
  if (spec.name.size() > kMaxAppNameLength)
    throw SpecError("an app name has at most " + std::to_string(kMaxAppNameLength) +
                    " characters, so that its log paths fit (got " +
                    std::to_string(spec.name.size()) + ")");
  for (std::size_t i = 0; i < spec.name.size(); ++i) {
    auto c = static_cast<unsigned char>(spec.name[i]);
    if (c < 0x20 || c == 0x7f)
      throw SpecError("an app name must not contain control characters (character " +
                      std::to_string(i + 1) + " is one)");
  }
  if (spec.name == "all") throw SpecError("\"all\" is reserved and cannot name an app");
  if (spec.name.find('/') != std::string::npos)
    throw SpecError("app name \"" + spec.name + "\" must not contain '/'");
  if (spec.namespace_name.empty()) spec.namespace_name = "default";
  if (spec.namespace_name == "all" || spec.namespace_name.find('/') != std::string::npos)
    throw SpecError("namespace \"" + spec.namespace_name +
                    "\" cannot be used: \"all\" and names with '/' mean other targets");
  if (!spec.cwd.empty() && spec.cwd[0] != '/')
    throw SpecError("field \"cwd\" must be an absolute path (got \"" + spec.cwd + "\")");
  require_non_negative(spec.kill_timeout_ms, "kill_timeout");
  require_non_negative(spec.min_uptime_ms, "min_uptime");
  require_non_negative(spec.max_restarts, "max_restarts");
  require_non_negative(spec.listen_timeout_ms, "listen_timeout");
  require_non_negative(spec.restart_delay_ms, "restart_delay");
  require_non_negative(spec.exp_backoff_restart_delay_ms, "exp_backoff_restart_delay");
  require_non_negative(spec.log_max_files, "log_max_files");
  require_non_negative(spec.watch_delay_ms, "watch_delay");
  for (const auto& path : spec.watch)
    if (path.empty() || path[0] != '/')
      throw SpecError("field \"watch\" takes absolute paths (got \"" + path + "\")");
  if (spec.max_memory_restart < 0)
    throw SpecError("field \"max_memory_restart\" must not be negative");
  if (spec.log_max_size < 0) throw SpecError("field \"log_max_size\" must not be negative");
  if (spec.instance_var.empty()) throw SpecError("field \"instance_var\" must not be empty");
  if (!spec.log_type.empty() && spec.log_type != "json")
    throw SpecError("field \"log_type\" is \"json\" or absent (got \"" + spec.log_type + "\")");
  if (spec.increment_var.find('=') != std::string::npos)
    throw SpecError("field \"increment_var\" names a variable; \"" + spec.increment_var +
                    "\" has a '='");
  if (!spec.cron_restart.empty()) CronSchedule::parse(spec.cron_restart);
  for (const auto& address : spec.listen) ListenAddress::parse(address);
  if (!spec.kill_signal.empty() && signal_number(spec.kill_signal) == 0)
    throw SpecError("field \"kill_signal\" is not a signal: \"" + spec.kill_signal + "\"");
  return spec;
}

bool log_disabled(const std::string& path) {
  return path == "/dev/null" || path == "NULL";
}

int resolve_instances(int requested, int cpus) {
  if (cpus < 1) cpus = 1;
  if (requested > 0) return requested;
  return std::max(1, cpus + requested);
}

int parse_instances(const std::string& text) {
  if (text == "max") return 0;
  errno = 0;
  char* end = nullptr;
  long value = std::strtol(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0' || errno != 0 || value > 4096 || value < -4096)
    throw SpecError("instances must be a number or \"max\" (got \"" + text + "\")");
  return static_cast<int>(value);
}

std::string default_app_name(const std::string& script) {
  std::string first = script.substr(0, script.find(' '));
  auto slash = first.find_last_of('/');
  std::string base = slash == std::string::npos ? first : first.substr(slash + 1);
  auto dot = base.find_last_of('.');
  if (dot != std::string::npos && dot > 0) base.erase(dot);
  return base.empty() ? "app" : base;
}

}  // namespace pm
