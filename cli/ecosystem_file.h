#pragma once
// Reading an ecosystem file on the CLI's side: JSON (JSON5, as PM2 reads
// it), YAML, a JavaScript config evaluated by node, or a Procfile; "-" is
// JSON5 read from stdin, as `pm2 start -` reads it.

#include <string>
#include <vector>

#include "cli/ecosystem.h"

namespace pm {

/// The "file" that stands for stdin.
inline constexpr char kStdinEcosystem[] = "-";

/// Whether `path` names an ecosystem file rather than a script to run.
bool is_ecosystem_file(const std::string& path);
/// The ecosystem file in the current directory, or empty.
std::string find_ecosystem_file();
/// Reads the file; throws UserError naming the file, app and field.
Ecosystem load_ecosystem(const std::string& path, const std::string& env_name,
                         const std::vector<std::string>& only);

/// Reads the file, prints its warnings, and returns the apps as the daemon
/// takes them: each with this shell's environment (`base_env`) under the
/// file's env.
nlohmann::json ecosystem_specs(const std::string& path, const std::string& env_name,
                               const std::vector<std::string>& only,
                               const nlohmann::json& base_env);

}  // namespace pm
