#include "cli/ecosystem_file.h"

#include <limits.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>

#include "cli/daemon_client.h"
#include "cli/json5_reader.h"
#include "cli/yaml_document.h"

namespace pm {

namespace {

std::string base_name(const std::string& path) {
  auto slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

bool ends_with(const std::string& text, const std::string& tail) {
  return text.size() >= tail.size() &&
         text.compare(text.size() - tail.size(), tail.size(), tail) == 0;
}

bool is_file(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

std::string absolute_dir_of(const std::string& path) {
  char resolved[PATH_MAX];
  if (path == kStdinEcosystem) {
    if (!::getcwd(resolved, sizeof resolved)) throw UserError("cannot read the current directory");
    return resolved;
  }
  if (!::realpath(path.c_str(), resolved)) throw UserError("cannot read " + path);
  std::string full(resolved);
  return full.substr(0, full.find_last_of('/'));
}

/// Runs node on a JavaScript config and returns what it exports, as JSON text.
std::string evaluate_with_node(const std::string& path) {
  char resolved[PATH_MAX];
  if (!::realpath(path.c_str(), resolved)) throw UserError("cannot read " + path);
  int out[2];
  if (::pipe(out) != 0) throw UserError(std::string("cannot run node: ") + std::strerror(errno));
  pid_t child = ::fork();
  if (child == 0) {
    ::dup2(out[1], 1);
    ::close(out[0]);
    ::close(out[1]);
    const char* program =
        "const m = require(process.argv[1]);"
        "Promise.resolve(m && m.default ? m.default : m).then(c => "
        "process.stdout.write(JSON.stringify(c)));";
    ::execlp("node", "node", "-e", program, resolved, static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ::close(out[1]);
  std::string text;
  char buffer[8192];
  for (ssize_t n; (n = ::read(out[0], buffer, sizeof buffer)) > 0;) text.append(buffer, n);
  ::close(out[0]);
  int status = 0;
  ::waitpid(child, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) == 127)
    throw UserError(path + " is JavaScript, and reading it needs node, which is not installed");
  if (WEXITSTATUS(status) != 0) throw UserError("node could not evaluate " + path + " (see above)");
  return text;
}

}  // namespace

bool is_ecosystem_file(const std::string& path) {
  if (path == kStdinEcosystem) return true;
  if (!is_file(path)) return false;
  std::string name = base_name(path);
  return name == "Procfile" || ends_with(name, ".json") || ends_with(name, ".json5") ||
         ends_with(name, ".yml") || ends_with(name, ".yaml") || ends_with(name, ".config.js") ||
         ends_with(name, ".config.cjs") || ends_with(name, ".config.mjs");
}

std::string find_ecosystem_file() {
  for (const char* name :
       {"ecosystem.config.js", "ecosystem.config.cjs", "ecosystem.config.mjs", "ecosystem.json",
        "ecosystem.json5", "ecosystem.yml", "ecosystem.yaml", "Procfile"})
    if (is_file(name)) return name;
  return "";
}

Ecosystem load_ecosystem(const std::string& path, const std::string& env_name,
                         const std::vector<std::string>& only) {
  std::string dir = absolute_dir_of(path);
  try {
    if (base_name(path) == "Procfile") {
      std::ifstream in(path);
      std::stringstream text;
      text << in.rdbuf();
      return read_procfile(text.str(), path, dir, only);
    }
    if (path == kStdinEcosystem) {
      std::stringstream buffer;
      buffer << std::cin.rdbuf();
      return read_ecosystem(parse_json5(buffer.str(), "stdin"), "stdin", dir, env_name, only);
    }
    if (ends_with(path, ".js") || ends_with(path, ".cjs") || ends_with(path, ".mjs")) {
      nlohmann::json document = nlohmann::json::parse(evaluate_with_node(path), nullptr, false);
      if (document.is_discarded()) throw UserError(path + " did not export a JSON value");
      return read_ecosystem(document, path, dir, env_name, only);
    }
    std::ifstream in(path);
    if (!in) throw UserError("cannot read " + path + ": " + std::strerror(errno));
    std::stringstream buffer;
    buffer << in.rdbuf();
    nlohmann::json document = ends_with(path, ".yml") || ends_with(path, ".yaml")
                                  ? parse_yaml(buffer.str(), path)
                                  : parse_json5(buffer.str(), path);
    return read_ecosystem(document, path, dir, env_name, only);
  } catch (const SpecError& error) {
    throw UserError(std::string(error.what()) + "; nothing was started");
  }
}

nlohmann::json ecosystem_specs(const std::string& path, const std::string& env_name,
                               const std::vector<std::string>& only,
                               const nlohmann::json& base_env) {
  Ecosystem ecosystem = load_ecosystem(path, env_name, only);
  for (const auto& warning : ecosystem.warnings) std::cerr << "pm: warning: " << warning << "\n";
  nlohmann::json specs = nlohmann::json::array();
  for (auto& spec : ecosystem.apps) {
    nlohmann::json env = base_env;
    for (const auto& [key, value] : spec.env) env[key] = value;
    spec.env = env.get<std::map<std::string, std::string>>();
    nlohmann::json value = to_json(spec);
    value.erase("argv");
    specs.push_back(std::move(value));
  }
  return specs;
}

}  // namespace pm
