#include "daemon/supervisor.h"

#include <spdlog/spdlog.h>
#include <uv.h>

#include <algorithm>
#include <cctype>
#include <set>

#include "common/command_line.h"

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

Supervisor::Supervisor(InstanceContext& context) : context_(context) {
  context_.changed = [this](Instance& instance) { on_change(instance); };
}

Supervisor::~Supervisor() {
  context_.changed = nullptr;
  apps_.clear();
}

void Supervisor::on_change(Instance& instance) {
  if (App* app = app_of(instance.id())) {
    if (instance.state() == InstanceState::Errored || instance.state() == InstanceState::Stopped)
      release_if_idle(*app);
  }
  if (running_watchers_) return;
  running_watchers_ = true;
  // A watcher may add watchers; those are checked from the next change on.
  for (std::size_t i = 0; i < watchers_.size();) {
    auto check = watchers_[i];
    if (check())
      watchers_.erase(watchers_.begin() + static_cast<std::ptrdiff_t>(i));
    else
      ++i;
  }
  running_watchers_ = false;
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

App& Supervisor::start(AppSpec spec) {
  if (find_app(spec.name))
    throw UserError("an app named \"" + spec.name + "\" already exists; use `pm restart " +
                    spec.name + "` or pick another --name");
  spec.argv = resolve_argv(spec);
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
  apps_.push_back(std::move(app));
  App& started = *apps_.back();
  for (auto& instance : started.instances) instance->start();
  return started;
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
  auto one_done = Countdown::make(ids.size(), std::move(done));
  for (int id : ids) {
    if (Instance* instance = find(id))
      instance->stop(one_done);
    else
      one_done();
  }
}

void Supervisor::restart(const std::vector<int>& ids, Done done) {
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
