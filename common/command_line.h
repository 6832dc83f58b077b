#pragma once
// How a script or command given to `pm start` becomes the argv that is
// exec'd: no shell is involved unless the user names one.

#include <map>
#include <string>
#include <vector>

#include "common/app_spec.h"

namespace pm {

/// Splits a command line into words the way a shell would quote them
/// ('single', "double", backslash), without expanding anything.
/// Throws SpecError on an unterminated quote.
std::vector<std::string> split_command(const std::string& text);

/// The interpreter for a script by its extension (.js → node, .py → python3,
/// .rb → ruby, .sh → bash, .pl → perl, .php → php, .coffee → coffee), or
/// empty when it should run as is. PM2's list, without LiveScript and
/// TypeScript: which of ts-node, tsx, bun or node runs a .ts file is the
/// user's choice (--interpreter).
std::string interpreter_for(const std::string& path);

/// Looks `program` up on `path_env` (a PATH value) unless it contains a '/'.
/// Returns the full path, or empty when nothing executable is found.
std::string find_program(const std::string& program, const std::string& path_env,
                         const std::string& cwd);

/// Builds the argv for a spec: the script (a file or a command line) with
/// its interpreter and arguments. Throws SpecError with an actionable message
/// when there is nothing runnable.
std::vector<std::string> resolve_argv(const AppSpec& spec);

}  // namespace pm
