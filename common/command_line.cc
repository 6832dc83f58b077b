#include "common/command_line.h"

#include <sys/stat.h>
#include <unistd.h>

namespace pm {

std::vector<std::string> split_command(const std::string& text) {
  std::vector<std::string> words;
  std::string word;
  bool in_word = false;
  char quote = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (quote == '\'') {
      if (c == '\'')
        quote = 0;
      else
        word.push_back(c);
    } else if (quote == '"') {
      if (c == '"')
        quote = 0;
      else if (c == '\\' && i + 1 < text.size() &&
               (text[i + 1] == '"' || text[i + 1] == '\\' || text[i + 1] == '$'))
        word.push_back(text[++i]);
      else
        word.push_back(c);
    } else if (c == '\'' || c == '"') {
      quote = c;
      in_word = true;
    } else if (c == '\\' && i + 1 < text.size()) {
      word.push_back(text[++i]);
      in_word = true;
    } else if (c == ' ' || c == '\t' || c == '\n') {
      if (in_word) words.push_back(std::move(word));
      word.clear();
      in_word = false;
    } else {
      word.push_back(c);
      in_word = true;
    }
  }
  if (quote) throw SpecError("unterminated quote in command: " + text);
  if (in_word) words.push_back(std::move(word));
  return words;
}

std::string interpreter_for(const std::string& path) {
  auto dot = path.find_last_of('.');
  if (dot == std::string::npos || path.find('/', dot) != std::string::npos) return "";
  std::string ext = path.substr(dot + 1);
  if (ext == "js" || ext == "mjs" || ext == "cjs") return "node";
  if (ext == "py") return "python3";
  if (ext == "rb") return "ruby";
  if (ext == "sh") return "bash";
  if (ext == "pl") return "perl";
  if (ext == "php") return "php";
  if (ext == "coffee") return "coffee";
  return "";
}

namespace {

bool is_regular_file(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

bool is_executable_file(const std::string& path) {
  return is_regular_file(path) && ::access(path.c_str(), X_OK) == 0;
}

std::string in_cwd(const std::string& path, const std::string& cwd) {
  if (path.empty() || path[0] == '/' || cwd.empty()) return path;
  return cwd + "/" + path;
}

}  // namespace

std::string find_program(const std::string& program, const std::string& path_env,
                         const std::string& cwd) {
  if (program.empty()) return "";
  if (program.find('/') != std::string::npos) {
    std::string path = in_cwd(program, cwd);
    return is_executable_file(path) ? path : "";
  }
  std::size_t start = 0;
  while (start <= path_env.size()) {
    auto colon = path_env.find(':', start);
    std::string dir = path_env.substr(start, colon == std::string::npos ? colon : colon - start);
    std::string candidate = in_cwd((dir.empty() ? "." : dir) + "/" + program, cwd);
    if (is_executable_file(candidate)) return candidate;
    if (colon == std::string::npos) break;
    start = colon + 1;
  }
  return "";
}

std::vector<std::string> resolve_argv(const AppSpec& spec) {
  auto path_it = spec.env.find("PATH");
  std::string path_env =
      path_it != spec.env.end() ? path_it->second : "/usr/local/bin:/usr/bin:/bin";

  // A script that names an existing file is that file, even with spaces in
  // its name; otherwise it is a command line.
  std::vector<std::string> words;
  if (is_regular_file(in_cwd(spec.script, spec.cwd)))
    words.push_back(spec.script);
  else
    words = split_command(spec.script);
  if (words.empty()) throw SpecError("nothing to run: the script is empty");
  words.insert(words.end(), spec.args.begin(), spec.args.end());

  std::string first = words[0];
  std::string first_path = in_cwd(first, spec.cwd);
  std::vector<std::string> interpreter;
  if (!spec.interpreter.empty() && spec.interpreter != "none") {
    interpreter = split_command(spec.interpreter);
  } else if (spec.interpreter.empty() && is_regular_file(first_path) &&
             !interpreter_for(first).empty()) {
    interpreter.push_back(interpreter_for(first));
  }

  if (!interpreter.empty()) {
    std::string program = find_program(interpreter[0], path_env, spec.cwd);
    if (program.empty())
      throw SpecError("interpreter \"" + interpreter[0] + "\" for " + first +
                      " is not installed (not found on PATH); install it or pass --interpreter");
    interpreter[0] = program;
    if (!is_regular_file(first_path))
      throw SpecError("script \"" + first + "\" not found in " + spec.cwd);
    words[0] = first_path;
    interpreter.insert(interpreter.end(), words.begin(), words.end());
    return interpreter;
  }

  if (is_regular_file(first_path) && first.find('/') == std::string::npos &&
      ::access(first_path.c_str(), X_OK) == 0) {
    words[0] = first_path;
    return words;
  }
  std::string program = find_program(first, path_env, spec.cwd);
  if (program.empty()) {
    if (is_regular_file(first_path))
      throw SpecError("\"" + first + "\" is not executable; chmod +x it or pass --interpreter");
    throw SpecError("\"" + first + "\" is neither a file in " + spec.cwd +
                    " nor a command on PATH");
  }
  words[0] = program;
  return words;
}

}  // namespace pm
