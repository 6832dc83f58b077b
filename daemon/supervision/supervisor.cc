#include "daemon/supervision/supervisor.h"

#include <spdlog/spdlog.h>
#include <unistd.h>
#include <uv.h>

#include <algorithm>
#include <set>

#include "common/command_line.h"
#include "common/elf_file.h"
#include "common/known_servers.h"
#include "common/user_error.h"
#include "daemon/supervision/process_stats.h"
#include "daemon/supervision/target_matcher.h"

namespace pm {

namespace {

/// Why the preload library cannot hand `program` its port when it binds
/// one itself, or empty when it can.
std::string own_bind_warning(const std::string& program) {
  if (is_go_program(program))
    return program +
           " is a Go program: Go binds with raw system calls, out of reach of pm's preload "
           "library, so if it binds a port itself its instances cannot share it (the second "
           "fails with \"address already in use\") and a reload cannot start a replacement; "
           "start it with --listen ADDR and have it take the socket with "
           "net.FileListener(os.NewFile(3, \"listener\"))";
  if (is_statically_linked(program))
    return program +
           " is statically linked: if it binds a port itself, its instances cannot share it; "
           "start it with --listen PORT and have it take fd 3 (LISTEN_FDS)";
  return "";
}

}  // namespace

Supervisor::Supervisor(InstanceContext& context)
    : context_(context),
      reconcile_call_(context.loop, [this] { reconcile(); }),
      journal_(context.paths),
      scheduled_(*this, context.loop, context.paths.home) {
  context_.changed = &reconcile_call_;
}

Supervisor::~Supervisor() {
  context_.changed = nullptr;
  for (auto& reload : reloads_) reload->abort("pmd is shutting down");
  apps_.clear();
  reloads_.clear();
}

void Supervisor::reconcile() {
  // First: a reload that stops an old instance below drains it only when
  // the steering already counts its replacement as accepting.
  for (auto& app : apps_) app->steer();
  run_watchers();
  // By index: a reload that finishes may start the next one of its plan.
  for (std::size_t i = 0; i < reloads_.size(); ++i) reloads_[i]->check();
  reloads_.erase(std::remove_if(reloads_.begin(), reloads_.end(),
                                [](const auto& reload) { return reload->finished(); }),
                 reloads_.end());
  for (auto& app : apps_) {
    // After what watchers and reloads start: a restart keeps the sockets.
    release_if_idle(*app);
    // Last: the reloads have seen their retired instances stop.
    app->drop_retired();
  }
  if (!journal_closed_) journal_.record(journal_state());
}

json Supervisor::journal_state() const {
  json apps = json::array();
  json stopped_apps = json::array();
  json runs = json::array();
  for (const auto& app : apps_) {
    // What the user stopped comes back stopped.
    bool meant_to_run =
        std::any_of(app->instances().begin(), app->instances().end(), [](const auto& instance) {
          return instance->state() != InstanceState::Stopped &&
                 instance->state() != InstanceState::Errored;
        });
    (meant_to_run ? apps : stopped_apps).push_back(app->saved_spec());
    for (const Instance* instance : app->all_instances()) {
      if (instance->run().run_id.empty()) continue;
      runs.push_back({{"app", app->spec().name},
                      {"pid", instance->pid()},
                      {"start_ticks", instance->start_ticks()},
                      {"run_id", instance->run().run_id},
                      {"cgroup", instance->run().cgroup},
                      {"kill_signal", instance->spec().kill_signal}});
    }
  }
  return {{"pmd", ::getpid()}, {"apps", apps}, {"stopped_apps", stopped_apps}, {"runs", runs}};
}

void Supervisor::forget_journal() {
  journal_closed_ = true;
  journal_.remove();
}

void Supervisor::run_watchers() {
  for (std::size_t i = 0; i < watchers_.size();) {
    auto check = watchers_[i];  // a copy: a check may add watchers
    if (check())
      watchers_.erase(watchers_.begin() + static_cast<std::ptrdiff_t>(i));
    else
      ++i;
  }
}

void Supervisor::watch(std::function<bool()> check) {
  watchers_.push_back(std::move(check));
  reconcile_call_.request();
}

void Supervisor::release_if_idle(App& app) {
  if (app.listeners().empty()) return;
  for (const auto& instance : app.instances()) {
    InstanceState state = instance->state();
    if (state != InstanceState::Stopped && state != InstanceState::Errored) return;
  }
  spdlog::info("app {}: no instance runs; closing its sockets", app.spec().name);
  app.listeners().close_all();
}

App* Supervisor::app_of(int id) const {
  for (const auto& app : apps_)
    if (app->find(id)) return app.get();
  return nullptr;
}

void Supervisor::resolve_command(AppSpec& spec) {
  spec.argv = resolve_argv(spec);
  if (!spec.interpreter_args.empty())
    spec.argv.insert(spec.argv.begin() + 1, spec.interpreter_args.begin(),
                     spec.interpreter_args.end());
  choose_kill_signal(spec);
}

void Supervisor::prepare(AppSpec& spec) const {
  if (find_app(spec.name))
    throw UserError("an app named \"" + spec.name + "\" already exists; use `pm restart " +
                    spec.name + "` or pick another --name");
  resolve_command(spec);
}

App& Supervisor::start(AppSpec spec) {
  prepare(spec);
  int count = resolve_instances(spec.instances, static_cast<int>(uv_available_parallelism()));
  auto app = std::make_unique<App>(context_, std::move(spec));
  // Bind what --listen names now: a port in use refuses the start, with
  // nothing left behind.
  for (const auto& text : app->spec().listen) app->listeners().bind(ListenAddress::parse(text));
  for (int index = 0; index < count; ++index) app->add_slot(next_id_++);
  const AppSpec& started_spec = app->spec();
  spdlog::info("app {}: starting {} instance(s) of {}", started_spec.name, count,
               started_spec.argv[0]);
  if (started_spec.listen.empty()) app->set_start_warning(own_bind_warning(started_spec.argv[0]));
  apps_.push_back(std::move(app));
  App& started = *apps_.back();
  for (const auto& instance : started.instances()) instance->start();
  scheduled_.schedule_cron(started);
  scheduled_.watch_files(started);
  scheduled_.update();
  return started;
}

App& Supervisor::add_stopped(AppSpec spec) {
  prepare(spec);
  int count = resolve_instances(spec.instances, static_cast<int>(uv_available_parallelism()));
  auto app = std::make_unique<App>(context_, std::move(spec));
  // Its sockets are bound when an instance starts again.
  for (int index = 0; index < count; ++index) app->add_slot(next_id_++);
  spdlog::info("app {}: {} instance(s), stopped", app->spec().name, count);
  apps_.push_back(std::move(app));
  scheduled_.watch_files(*apps_.back());  // heard once it runs again
  reconcile_call_.request();              // the journal keeps it
  return *apps_.back();
}

std::vector<std::string> Supervisor::start_all(std::vector<AppSpec> specs) {
  std::set<std::string> names;
  for (auto& spec : specs) {
    if (!names.insert(spec.name).second)
      throw UserError("two apps are named \"" + spec.name + "\"");
    try {
      AppSpec checked = spec;
      prepare(checked);
    } catch (const UserError& error) {
      throw UserError("app \"" + spec.name + "\": " + error.what());
    }
  }
  std::vector<std::string> started;
  for (auto& spec : specs) {
    std::string name = spec.name;
    try {
      start(std::move(spec));
      started.push_back(name);
    } catch (const UserError& error) {
      std::vector<int> ids;
      for (const auto& done : started)
        if (App* app = find_app(done))
          for (const auto& instance : app->instances()) ids.push_back(instance->id());
      remove(ids, [] {});
      throw UserError("app \"" + name + "\": " + error.what() + " (nothing was started)");
    }
  }
  return started;
}

void Supervisor::replace_spec(App& app, AppSpec spec) {
  resolve_command(spec);
  app.set_spec(std::move(spec));
  scheduled_.schedule_cron(app);
  scheduled_.watch_files(app);
  scheduled_.update();
}

std::vector<int> Supervisor::renew(App& app, AppSpec spec) {
  int count = resolve_instances(spec.instances, static_cast<int>(uv_available_parallelism()));
  replace_spec(app, std::move(spec));
  std::vector<int> kept;
  for (const auto& instance : app.instances())
    if (static_cast<int>(kept.size()) < count) kept.push_back(instance->id());
  if (count != static_cast<int>(app.instances().size())) scale(app.spec().name, count, [] {});
  return kept;
}

std::vector<int> Supervisor::scale(const std::string& name, int count, Done done) {
  App* app = find_app(name);
  if (!app) throw UserError("no app named \"" + name + "\" (" + known_names() + ")");
  if (count < 1) throw UserError("an app needs at least one instance; use `pm stop " + name + "`");
  std::vector<int> added;
  int current = static_cast<int>(app->instances().size());
  for (int index = current; index < count; ++index) added.push_back(app->add_slot(next_id_++).id());
  for (int id : added) find(id)->start();
  std::vector<int> removed;
  for (int index = current - 1; index >= count; --index)
    removed.push_back(app->instances()[static_cast<std::size_t>(index)]->id());
  spdlog::info("app {}: scaling from {} to {} instance(s)", name, current, count);
  remove(removed, std::move(done));
  return added;
}

std::vector<int> Supervisor::select(const std::vector<std::string>& targets) const {
  TargetMatcher matcher(apps_);
  std::set<int> ids;
  for (const auto& target : targets) {
    auto named = matcher.ids_of(target);
    ids.insert(named.begin(), named.end());
  }
  return {ids.begin(), ids.end()};
}

std::string Supervisor::known_names() const {
  return TargetMatcher(apps_).known_names();
}

App* Supervisor::find_app(const std::string& name) const {
  for (const auto& app : apps_)
    if (app->spec().name == name) return app.get();
  return nullptr;
}

Instance* Supervisor::find(int id) const {
  for (const auto& app : apps_)
    if (Instance* instance = app->find(id)) return instance;
  return nullptr;
}

void Supervisor::process_ready(pid_t sender, const char* via) {
  // Deep enough for any wrapper chain; stops at pmd, which adopts orphans.
  constexpr int kMaxDepth = 32;
  pid_t self = ::getpid();
  for (int depth = 0; depth < kMaxDepth && sender > 1 && sender != self; ++depth) {
    for (const auto& app : apps_)
      if (Instance* instance = app->find_process(sender)) {
        instance->mark_ready(via);
        return;
      }
    sender = parent_of(sender);
  }
}

std::vector<int> Supervisor::all_ids() const {
  std::vector<int> ids;
  for (const auto& app : apps_)
    for (const auto& instance : app->instances()) ids.push_back(instance->id());
  return ids;
}

const char* Supervisor::mode(const App& app) {
  return app.instances().size() > 1 ? "cluster" : "fork";
}

void Supervisor::reopen_logs() {
  context_.log_files.for_each([](LogFile& file) { file.reopen(); });
}

void Supervisor::stop_then(const std::vector<int>& ids, bool leaving,
                           std::function<void(int id)> each, Done done) {
  for (int id : ids)
    if (Instance* instance = find(id)) instance->stop(leaving);
  auto waiting = std::make_shared<std::vector<int>>(ids);
  watch([this, waiting, each = std::move(each), done = std::move(done)] {
    for (std::size_t i = 0; i < waiting->size();) {
      int id = (*waiting)[i];
      Instance* instance = find(id);
      if (instance && instance->state() == InstanceState::Stopping) {
        ++i;
        continue;
      }
      waiting->erase(waiting->begin() + static_cast<std::ptrdiff_t>(i));
      each(id);
    }
    if (!waiting->empty()) return false;
    done();
    return true;
  });
}

void Supervisor::stop(const std::vector<int>& ids, Done done) {
  abort_reloads(ids, "reload cancelled: the app is being stopped");
  stop_then(
      ids, true,
      [this](int id) {
        // Answered once the ports it freed are closed.
        if (App* app = app_of(id)) release_if_idle(*app);
      },
      std::move(done));
}

void Supervisor::restart(const std::vector<int>& ids, Done done) {
  abort_reloads(ids, "reload cancelled: the app is being restarted");
  stop_then(
      ids, false,
      [this](int id) {
        Instance* stopped = find(id);
        App* app = app_of(id);
        if (!stopped || !app) return;
        if (&stopped->spec() != &app->spec()) {
          // The app's settings changed since this one started (restart
          // --update-env, an ecosystem file): a successor runs the new ones.
          Instance& fresh = app->add_replacement(*stopped);
          app->swap_in(fresh);
          fresh.start();
          return;
        }
        stopped->count_restart();
        stopped->start();
      },
      std::move(done));
}

void Supervisor::remove(const std::vector<int>& ids, Done done) {
  abort_reloads(ids, "reload cancelled: the app is being deleted");
  stop_then(
      ids, true, [this](int id) { delete_instance(id); }, std::move(done));
}

void Supervisor::delete_instance(int id) {
  auto app = std::find_if(apps_.begin(), apps_.end(),
                          [id](const auto& candidate) { return candidate->find(id); });
  if (app == apps_.end()) return;
  (*app)->remove_slot(id);
  reconcile_call_.request();  // the journal forgets it
  if (!(*app)->instances().empty()) return;
  spdlog::info("app {}: deleted", (*app)->spec().name);
  apps_.erase(app);
  // As PM2: once nothing is left, ids count from 0 again.
  if (apps_.empty()) next_id_ = 0;
}

}  // namespace pm
