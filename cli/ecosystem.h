#pragma once
// Ecosystem files: many apps in one file, as PM2 reads them
// ({"apps": [...]}, with PM2's field names), and Procfiles ("name: command").

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/app_spec.h"

namespace pm {

/// The log_date_format that `time` (`--time`) stands for.
constexpr const char* kTimeLogDateFormat = "%Y-%m-%dT%H:%M:%S";

/// The apps of a file, and what was wrong but not fatal in it.
struct Ecosystem {
  std::vector<AppSpec> apps;
  std::vector<std::string> warnings;  // unknown fields, ignored settings
};

/// Reads PM2-style app declarations. `file` names the file in messages;
/// relative paths are taken from `base_dir`; `env_name` ("production")
/// merges `env_production` into `env`; `only` keeps just those app names.
/// Throws SpecError naming the file, the app and the field; one bad app
/// fails the whole file.
Ecosystem read_ecosystem(const nlohmann::json& document, const std::string& file,
                         const std::string& base_dir, const std::string& env_name,
                         const std::vector<std::string>& only);

/// Reads a Procfile: one "name: command" a line.
Ecosystem read_procfile(const std::string& text, const std::string& file,
                        const std::string& base_dir, const std::vector<std::string>& only);

/// Milliseconds from a number or a string such as "1500", "10s", "2m", "1h".
/// Returns -1 when it is neither.
long long parse_duration_ms(const nlohmann::json& value);

/// A moment.js date format as PM2 takes it ("YYYY-MM-DD HH:mm:ss Z") turned
/// into strftime's; a format with a '%' is taken as strftime's already.
std::string strftime_format(const std::string& format);

}  // namespace pm
