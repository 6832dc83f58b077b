#include "daemon/supervision/supervisor.h"

#include <spdlog/spdlog.h>
#include <uv.h>

#include <algorithm>
#include <cctype>
#include <ctime>
#include <set>

#include "common/command_line.h"
#include "common/user_error.h"
#include "daemon/uv/inherit_fd.h"

namespace pm {

namespace {

/// Runs `done` once `count` callbacks made by `arm()` have all run.
class Countdown {
 public:
  static std::function<void()> make(std::size_t count, std::function<void()> done) {
    if (count == 0) {
      done();
      return nullptr;
    }
    auto left = std::make_shared<std::size_t>(count);
    return [left, done = std::move(done)] {
      if (--*left == 0) done();
    };
  }
};

bool is_number(const std::string& text) {
  return !text.empty() && text.size() < 10 &&
         std::all_of(text.begin(), text.end(), [](unsigned char c) { return std::isdigit(c); });
}

}  // namespace

Supervisor::Supervisor(InstanceContext& context)
    : context_(context), sweep_timer_(context.loop), scheduled_(*this, context.loop) {
  context_.changed = [this](Instance& instance) { on_change(instance); };
}

Supervisor::~Supervisor() {
  context_.changed = nullptr;
  for (auto& reload : reloads_) reload->abort("pmd is shutting down");
  apps_.clear();
  reloads_.clear();
}

void Supervisor::on_change(Instance& instance) {
  if (App* app = app_of(instance.id())) {
    if (instance.state() == InstanceState::Errored || instance.state() == InstanceState::Stopped)
      release_if_idle(*app);
  }
  // Watchers and reloads act on instances, which changes them again: those
  // changes are looked at in another round, not from inside this one.
  if (notifying_) {
    changed_again_ = true;
    return;
  }
  notifying_ = true;
  do {
    changed_again_ = false;
    for (std::size_t i = 0; i < watchers_.size();) {
      auto check = watchers_[i];
      if (check())
        watchers_.erase(watchers_.begin() + static_cast<std::ptrdiff_t>(i));
      else
        ++i;
    }
    for (std::size_t i = 0; i < reloads_.size(); ++i) reloads_[i]->check();
  } while (changed_again_);
  notifying_ = false;
  sweep_reloads();
}

void Supervisor::sweep_reloads() {
  // A finished reload may still be on the stack (it finishes from inside its
  // own calls): forget it on the next turn of the loop.
  if (std::none_of(reloads_.begin(), reloads_.end(), [](const auto& r) { return r->finished(); }))
    return;
  sweep_timer_.start(0, [this] {
    reloads_.erase(std::remove_if(reloads_.begin(), reloads_.end(),
                                  [](const auto& reload) { return reload->finished(); }),
                   reloads_.end());
  });
}

void Supervisor::release_if_idle(App& app) {
  if (app.listeners.empty()) return;
  for (const auto& instance : app.instances) {
    InstanceState state = instance->state();
    if (state != InstanceState::Stopped && state != InstanceState::Errored) return;
  }
  spdlog::info("app {}: no instance runs; closing its sockets", app.spec->name);
  app.listeners.close_all();
}

App* Supervisor::app_of(int id) const {
  for (const auto& app : apps_)
    for (const auto& instance : app->instances)
      if (instance->id() == id) return app.get();
  return nullptr;
}

void Supervisor::prepare(AppSpec& spec) const {
  if (find_app(spec.name))
    throw UserError("an app named \"" + spec.name + "\" already exists; use `pm restart " +
                    spec.name + "` or pick another --name");
  spec.argv = resolve_argv(spec);
  if (!spec.interpreter_args.empty())
    spec.argv.insert(spec.argv.begin() + 1, spec.interpreter_args.begin(),
                     spec.interpreter_args.end());
}

App& Supervisor::start(AppSpec spec) {
  prepare(spec);
  int count = resolve_instances(spec.instances, static_cast<int>(uv_available_parallelism()));

  auto app = std::make_unique<App>();
  // Bind what --listen names now: a port in use refuses the start, with
  // nothing left behind.
  for (const auto& text : spec.listen) app->listeners.acquire(ListenAddress::parse(text));
  app->spec = std::make_shared<const AppSpec>(std::move(spec));
  for (int index = 0; index < count; ++index)
    app->instances.push_back(
        std::make_unique<Instance>(context_, next_id_++, index, app->spec, app->listeners));
  spdlog::info("app {}: starting {} instance(s) of {}", app->spec->name, count, app->spec->argv[0]);
  if (app->spec->listen.empty() && is_statically_linked(app->spec->argv[0]))
    app->start_warning = app->spec->argv[0] +
                         " is statically linked: if it binds a port itself, its instances "
                         "cannot share it; start it with --listen PORT and have it take fd 3 "
                         "(LISTEN_FDS)";
  apps_.push_back(std::move(app));
  App& started = *apps_.back();
  for (auto& instance : started.instances) instance->start();
  scheduled_.schedule_cron(started);
  scheduled_.update();
  return started;
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
          for (const auto& instance : app->instances) ids.push_back(instance->id());
      remove(ids, [] {});
      throw UserError("app \"" + name + "\": " + error.what() + " (nothing was started)");
    }
  }
  return started;
}

void Supervisor::replace_spec(App& app, AppSpec spec) {
  spec.argv = resolve_argv(spec);
  if (!spec.interpreter_args.empty())
    spec.argv.insert(spec.argv.begin() + 1, spec.interpreter_args.begin(),
                     spec.interpreter_args.end());
  app.spec = std::make_shared<const AppSpec>(std::move(spec));
  scheduled_.schedule_cron(app);
  scheduled_.update();
}

std::vector<int> Supervisor::scale(const std::string& name, int count, Done done) {
  App* app = find_app(name);
  if (!app) throw UserError("no app named \"" + name + "\" (" + known_names() + ")");
  if (count < 1) throw UserError("an app needs at least one instance; use `pm stop " + name + "`");
  std::vector<int> added;
  int current = static_cast<int>(app->instances.size());
  for (int index = current; index < count; ++index) {
    app->instances.push_back(
        std::make_unique<Instance>(context_, next_id_++, index, app->spec, app->listeners));
    added.push_back(app->instances.back()->id());
  }
  for (int id : added) find(id)->start();
  std::vector<int> removed;
  for (int index = current - 1; index >= count; --index)
    removed.push_back(app->instances[static_cast<std::size_t>(index)]->id());
  spdlog::info("app {}: scaling from {} to {} instance(s)", name, current, count);
  remove(removed, std::move(done));
  return added;
}

std::vector<int> Supervisor::select(const std::vector<std::string>& targets) const {
  std::set<int> ids;
  for (const auto& target : targets) {
    if (target == "all") {
      auto all = all_ids();
      ids.insert(all.begin(), all.end());
      continue;
    }
    if (App* app = find_app(target)) {
      for (const auto& instance : app->instances) ids.insert(instance->id());
      continue;
    }
    if (is_number(target) && find(std::stoi(target))) {
      ids.insert(std::stoi(target));
      continue;
    }
    if (is_number(target))
      throw UserError("no instance with id " + target + " (" + known_names() + ")");
    throw UserError("no app named \"" + target + "\" (" + known_names() + ")");
  }
  return {ids.begin(), ids.end()};
}

std::string Supervisor::known_names() const {
  if (apps_.empty()) return "no apps are running; start one with `pm start`";
  std::string names = "known: ";
  for (std::size_t i = 0; i < apps_.size(); ++i) {
    if (i) names += ", ";
    names += apps_[i]->spec->name;
  }
  return names;
}

App* Supervisor::find_app(const std::string& name) const {
  for (const auto& app : apps_)
    if (app->spec->name == name) return app.get();
  return nullptr;
}

Instance* Supervisor::find(int id) const {
  for (const auto& app : apps_)
    for (const auto& instance : app->instances)
      if (instance->id() == id) return instance.get();
  return nullptr;
}

std::vector<int> Supervisor::all_ids() const {
  std::vector<int> ids;
  for (const auto& app : apps_)
    for (const auto& instance : app->instances) ids.push_back(instance->id());
  return ids;
}

const char* Supervisor::mode(const App& app) {
  return app.instances.size() > 1 ? "cluster" : "fork";
}

void Supervisor::stop(const std::vector<int>& ids, Done done) {
  abort_reloads(ids, "reload cancelled: the app is being stopped");
  auto one_done = Countdown::make(ids.size(), std::move(done));
  for (int id : ids) {
    if (Instance* instance = find(id))
      instance->stop(one_done);
    else
      one_done();
  }
}

void Supervisor::restart(const std::vector<int>& ids, Done done) {
  abort_reloads(ids, "reload cancelled: the app is being restarted");
  auto one_done = Countdown::make(ids.size(), std::move(done));
  for (int id : ids) {
    Instance* instance = find(id);
    if (!instance) {
      one_done();
      continue;
    }
    instance->stop([this, id, one_done] {
      if (Instance* stopped = find(id)) {
        stopped->count_restart();
        stopped->start();
      }
      one_done();
    });
  }
}

void Supervisor::remove(const std::vector<int>& ids, Done done) {
  abort_reloads(ids, "reload cancelled: the app is being deleted");
  auto one_done = Countdown::make(ids.size(), std::move(done));
  for (int id : ids) {
    Instance* instance = find(id);
    if (!instance) {
      one_done();
      continue;
    }
    instance->stop([this, id, one_done] {
      for (auto app = apps_.begin(); app != apps_.end(); ++app) {
        auto& instances = (*app)->instances;
        auto it = std::find_if(instances.begin(), instances.end(),
                               [id](const auto& candidate) { return candidate->id() == id; });
        if (it == instances.end()) continue;
        instances.erase(it);
        if (instances.empty()) {
          spdlog::info("app {}: deleted", (*app)->spec->name);
          apps_.erase(app);
        }
        break;
      }
      one_done();
    });
  }
}

}  // namespace pm

namespace pm {

bool Supervisor::reloading(const std::string& name) const {
  return std::any_of(reloads_.begin(), reloads_.end(), [&](const auto& reload) {
    return !reload->finished() && reload->app() == name;
  });
}

void Supervisor::abort_reloads(const std::vector<int>& ids, const std::string& reason) {
  for (auto& reload : reloads_) {
    App* app = find_app(reload->app());
    if (!app) continue;
    for (const auto& instance : app->instances)
      if (std::find(ids.begin(), ids.end(), instance->id()) != ids.end()) {
        reload->abort(reason);
        break;
      }
  }
  sweep_reloads();
}

ReloadPlan Supervisor::plan_reload(const std::vector<int>& ids) const {
  ReloadPlan plan;
  for (const auto& app : apps_) {
    std::vector<int> mine;
    for (const auto& instance : app->instances)
      if (std::find(ids.begin(), ids.end(), instance->id()) != ids.end())
        mine.push_back(instance->id());
    if (!mine.empty()) plan.apps.emplace_back(app->spec->name, std::move(mine));
  }
  return plan;
}

void Supervisor::reload(ReloadPlan plan, std::function<void(const json&)> progress,
                        std::function<void(std::string)> done) {
  for (const auto& [name, ids] : plan.apps)
    for (const auto& reload : reloads_)
      if (reload->app() == name && !reload->finished())
        throw UserError("a reload of " + name + " is already running; wait for it to finish");
  reload_next(std::make_shared<ReloadPlan>(std::move(plan)), 0, std::move(progress),
              std::move(done));
}

void Supervisor::reload_next(std::shared_ptr<ReloadPlan> plan, std::size_t index,
                             std::function<void(const json&)> progress,
                             std::function<void(std::string)> done) {
  if (index >= plan->apps.size()) {
    done("");
    return;
  }
  const auto& [name, ids] = plan->apps[index];
  App* app = find_app(name);
  if (!app) {
    reload_next(plan, index + 1, progress, done);
    return;
  }
  if (plan->env) {
    auto spec = std::make_shared<AppSpec>(*app->spec);
    spec->env = *plan->env;
    app->spec = spec;
  }
  auto app_progress = [progress, name = name](const json& step) {
    json message = step;
    message["app"] = name;
    progress(message);
  };
  auto reload =
      std::make_unique<RollingReload>(*this, name, ids, plan->parallel, app_progress,
                                      [this, plan, index, progress, done](std::string error) {
                                        if (!error.empty()) {
                                          done(error);
                                          return;
                                        }
                                        reload_next(plan, index + 1, progress, done);
                                      });
  RollingReload* raw = reload.get();
  reloads_.push_back(std::move(reload));
  raw->start();
  sweep_reloads();
}

void Supervisor::reopen_logs() {
  context_.log_files.for_each([](LogFile& file) { file.reopen(); });
}

json Supervisor::export_state() const {
  for (const auto& reload : reloads_)
    if (!reload->finished())
      throw UserError("a reload of " + reload->app() + " is running; update when it is done");
  json apps = json::array();
  for (const auto& app : apps_) {
    if (!app->incoming.empty() || !app->retiring.empty())
      throw UserError("app " + app->spec->name + " is reloading; update when it is done");
    for (const auto& instance : app->instances)
      if (instance->state() == InstanceState::Stopping)
        throw UserError("app " + app->spec->name + " is stopping; update when it is done");
  }
  for (const auto& app : apps_) {
    json listeners = json::array();
    for (SharedListener* listener : app->listeners.all()) {
      const ListenAddress& address = listener->address();
      listeners.push_back({{"unix", address.kind == ListenAddress::Kind::Unix},
                           {"host", address.host},
                           {"port", address.port},
                           {"path", address.path},
                           {"bound_port", listener->port()},
                           {"fd", inherit_fd(listener->fd())}});
    }
    json instances = json::array();
    for (const auto& instance : app->instances) instances.push_back(instance->export_state());
    apps.push_back({{"spec", to_json(*app->spec)},
                    {"listeners", listeners},
                    {"instances", instances},
                    {"reload_error", app->reload_error}});
  }
  return {{"next_id", next_id_}, {"apps", apps}};
}

void Supervisor::adopt_state(const json& state) {
  next_id_ = state.value("next_id", 0);
  for (const auto& saved : state.value("apps", json::array())) {
    auto app = std::make_unique<App>();
    app->spec = std::make_shared<const AppSpec>(spec_from_json(saved["spec"]));
    app->reload_error = saved.value("reload_error", "");
    for (const auto& listener : saved.value("listeners", json::array())) {
      ListenAddress address;
      address.kind =
          listener.value("unix", false) ? ListenAddress::Kind::Unix : ListenAddress::Kind::Tcp;
      address.host = listener.value("host", "");
      address.port = listener.value("port", 0);
      address.path = listener.value("path", "");
      app->listeners.adopt(address, listener.value("fd", -1), listener.value("bound_port", 0));
    }
    App& adopted = *app;
    apps_.push_back(std::move(app));
    for (const auto& instance : saved.value("instances", json::array()))
      adopted.instances.push_back(
          std::make_unique<Instance>(context_, instance.value("id", 0), instance.value("index", 0),
                                     adopted.spec, adopted.listeners, &instance));
    scheduled_.schedule_cron(adopted);
  }
  scheduled_.update();
  spdlog::info("took over {} app(s) from the previous pmd", apps_.size());
}

}  // namespace pm
