#include <spdlog/spdlog.h>

#include "common/user_error.h"
#include "daemon/control/handlers.h"

namespace pm {

namespace {

/// The specs of saved apps; throws SpecError for one that is not valid.
std::vector<AppSpec> specs_of(const json& apps) {
  std::vector<AppSpec> specs;
  for (const auto& value : apps) specs.push_back(spec_from_json(value));
  return specs;
}

}  // namespace

namespace handlers {

void save(CommandContext& context, const json& request, Client client) {
  json apps = json::array();
  for (const auto& app : context.supervisor.apps()) apps.push_back(app->saved_spec());
  if (apps.empty() && !request.value(field::kForce, false))
    throw UserError("no app is running: saving would forget the saved list; use --force");
  context.state.save(apps);
  client->reply(ok_reply({{field::kPath, context.state.path()}, {field::kCount, apps.size()}}));
}

void resurrect(CommandContext& context, const json&, Client client) {
  std::vector<std::string> warnings;
  std::vector<AppSpec> specs;
  json skipped = json::array();
  for (AppSpec& spec : specs_of(context.state.load(warnings))) {
    if (context.supervisor.find_app(spec.name))
      skipped.push_back(spec.name);
    else
      specs.push_back(std::move(spec));
  }
  std::vector<std::string> names;
  if (!specs.empty()) names = context.supervisor.start_all(std::move(specs));
  client->reply(ok_reply(
      {{field::kStarted, names}, {field::kSkipped, skipped}, {field::kWarnings, warnings}}));
}

void resurrect_at_start(CommandContext& context) {
  try {
    std::vector<std::string> warnings;
    json apps = context.state.load(warnings);
    for (const auto& warning : warnings) spdlog::warn("resurrect: {}", warning);
    auto names = context.supervisor.start_all(specs_of(apps));
    spdlog::info("resurrected {} app(s)", names.size());
  } catch (const UserError& error) {
    spdlog::error("resurrect: {}", error.what());
  }
}

bool recover_at_start(CommandContext& context) {
  std::string problem;
  json journal = context.supervisor.journal().read_left_behind(problem);
  if (!problem.empty()) spdlog::error("{}; the apps it held are not restarted", problem);
  if (journal.is_null()) return false;
  std::vector<JournalRun> runs;
  for (const auto& run : journal["runs"])
    runs.push_back({run.value("app", ""), run.value("pid", 0), run.value("start_ticks", 0ULL),
                    run.value("run_id", ""), run.value("kill_signal", ""),
                    run.value("cgroup", "")});
  std::string dead = std::to_string(journal.value("pmd", 0));
  std::size_t ended = Journal::end_runs(runs, 3000);
  spdlog::warn(
      "pmd {} did not exit cleanly: ended the {} process(es) it left; starting its {} "
      "app(s) again",
      dead, ended, journal["apps"].size());
  try {
    auto names = context.supervisor.start_all(specs_of(journal["apps"]));
    for (const auto& name : names)
      if (App* app = context.supervisor.find_app(name))
        for (const auto& instance : app->instances())
          instance->count_restart("pmd " + dead + " died; restarted by the next pmd");
    spdlog::info("restarted {} app(s) after pmd {} died", names.size(), dead);
  } catch (const UserError& error) {
    spdlog::error("cannot restart the apps of pmd {}: {}", dead, error.what());
  }
  for (const auto& saved : journal.value("stopped_apps", json::array())) {
    try {
      context.supervisor.add_stopped(spec_from_json(saved));
    } catch (const std::exception& error) {
      spdlog::error("cannot list the stopped app {} again: {}", saved.value("name", "?"),
                    error.what());
    }
  }
  return true;
}

void cleardump(CommandContext& context, const json&, Client client) {
  context.state.clear();
  client->reply(ok_reply({{field::kPath, context.state.path()}}));
}

}  // namespace handlers

}  // namespace pm
