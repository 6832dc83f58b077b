#include "daemon/supervision/target_matcher.h"

#include <algorithm>
#include <cctype>
#include <regex>

#include "common/user_error.h"

namespace pm {

namespace {

bool is_number(const std::string& text) {
  return !text.empty() && text.size() < 10 &&
         std::all_of(text.begin(), text.end(), [](unsigned char c) { return std::isdigit(c); });
}

std::string base_name(const std::string& path) {
  auto slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

/// Whether `target` is the script of `spec` as `pm start` was given it: the
/// same words, the same absolute path, or (for a bare file name) the same
/// file name, so `pm restart app.js` finds `pm start ./src/app.js`.
bool names_script(const AppSpec& spec, const std::string& target) {
  if (spec.script == target) return true;
  std::string absolute =
      !spec.script.empty() && spec.script[0] == '/' ? spec.script : spec.cwd + "/" + spec.script;
  if (absolute == target) return true;
  if (target.find('/') != std::string::npos || target.find('.') == std::string::npos) return false;
  return base_name(spec.script) == target;
}

}  // namespace

std::vector<const App*> TargetMatcher::apps_named(const std::string& target) const {
  std::vector<const App*> found;
  auto collect = [&](auto matches) {
    for (const auto& app : apps_)
      if (matches(app->spec())) found.push_back(app.get());
    return !found.empty();
  };
  if (target.size() > 2 && target.front() == '/' && target.back() == '/') {
    std::regex pattern;
    try {
      pattern = std::regex(target.substr(1, target.size() - 2), std::regex::ECMAScript);
    } catch (const std::regex_error& error) {
      throw UserError("target " + target + " is not a valid regular expression (" + error.what() +
                      ")");
    }
    collect([&](const AppSpec& spec) { return std::regex_search(spec.name, pattern); });
    if (found.empty())
      throw UserError("no app name matches " + target + " (" + known_names() + ")");
    return found;
  }
  if (collect([&](const AppSpec& spec) { return spec.name == target; })) return found;
  if (collect([&](const AppSpec& spec) { return spec.namespace_name == target; })) return found;
  collect([&](const AppSpec& spec) { return names_script(spec, target); });
  return found;
}

std::vector<int> TargetMatcher::ids_of(const std::string& target) const {
  std::vector<int> ids;
  if (target == "all") {
    if (apps_.empty())
      throw UserError("no apps to act on: none is known; start one with `pm start`");
    for (const auto& app : apps_)
      for (const auto& instance : app->instances()) ids.push_back(instance->id());
    return ids;
  }
  for (const App* app : apps_named(target))
    for (const auto& instance : app->instances()) ids.push_back(instance->id());
  if (!ids.empty()) return ids;
  if (is_number(target)) {
    int id = std::stoi(target);
    for (const auto& app : apps_)
      if (app->find(id)) return {id};
    throw UserError("no instance with id " + target + " (" + known_names() + ")");
  }
  throw UserError("no app named \"" + target + "\" (" + known_names() + ")");
}

std::string TargetMatcher::known_names() const {
  if (apps_.empty()) return "no apps are running; start one with `pm start`";
  std::string names = "known: ";
  for (std::size_t i = 0; i < apps_.size(); ++i) {
    if (i) names += ", ";
    names += apps_[i]->spec().name;
  }
  return names;
}

}  // namespace pm
