// Supervisor's part in `pm update`: the apps, their sockets and instances
// exported for the next pmd, and taken over by it (see daemon/takeover.h).

#include <spdlog/spdlog.h>

#include "common/user_error.h"
#include "daemon/supervision/supervisor.h"
#include "daemon/uv/inherit_fd.h"

namespace pm {

namespace {

json export_listeners(const App& app) {
  json exported = json::array();
  for (const ListenGroup* group : app.listeners().all()) {
    // In group order, with who holds each: the steering names them so.
    json members = json::array();
    for (const auto& member : group->members()) {
      int holder = -1;
      for (const auto& instance : app.instances())
        if (instance.get() == member.holder) holder = instance->id();
      members.push_back({{"fd", inherit_fd(member.fd)}, {"holder", holder}});
    }
    const ListenAddress& address = group->address();
    exported.push_back({{"unix", address.kind == ListenAddress::Kind::Unix},
                        {"host", address.host},
                        {"port", address.port},
                        {"v6only", address.v6only},
                        {"path", address.path},
                        {"bound_port", group->port()},
                        {"members", members}});
  }
  return exported;
}

void adopt_listeners(App& app, const json& exported) {
  for (const auto& saved : exported) {
    ListenAddress address;
    address.kind =
        saved.value("unix", false) ? ListenAddress::Kind::Unix : ListenAddress::Kind::Tcp;
    address.host = saved.value("host", "");
    address.port = saved.value("port", 0);
    address.v6only = saved.value("v6only", false);
    address.path = saved.value("path", "");
    std::vector<int> fds;
    for (const auto& member : saved.value("members", json::array()))
      fds.push_back(member.value("fd", -1));
    // A pmd from before per-instance sockets held one shared socket.
    if (int fd = saved.value("fd", -1); fd >= 0) fds.push_back(fd);
    app.listeners().adopt(
        std::make_unique<ListenGroup>(address, saved.value("bound_port", 0), std::move(fds)));
  }
}

void assign_listeners(App& app, const json& exported) {
  auto groups = app.listeners().all();
  for (std::size_t g = 0; g < groups.size() && g < exported.size(); ++g) {
    const json members = exported[g].value("members", json::array());
    for (std::size_t position = 0; position < members.size(); ++position)
      if (const Instance* holder = app.find(members[position].value("holder", -1)))
        groups[g]->assign(position, holder);
  }
}

}  // namespace

json Supervisor::export_state() const {
  for (const auto& reload : reloads_)
    if (!reload->finished())
      throw UserError("a reload of " + reload->app() + " is running; update when it is done");
  json apps = json::array();
  for (const auto& app : apps_) {
    if (app->reloading())
      throw UserError("app " + app->spec().name + " is reloading; update when it is done");
    for (const auto& instance : app->instances())
      if (instance->state() == InstanceState::Stopping)
        throw UserError("app " + app->spec().name + " is stopping; update when it is done");
  }
  for (const auto& app : apps_) {
    json instances = json::array();
    for (const auto& instance : app->instances()) instances.push_back(instance->export_state());
    apps.push_back({{"spec", to_json(app->spec())},
                    {"listeners", export_listeners(*app)},
                    {"instances", instances},
                    {"reload_error", app->reload_error()}});
  }
  return {{"next_id", next_id_}, {"apps", apps}};
}

void Supervisor::adopt_state(const json& state) {
  next_id_ = state.value("next_id", 0);
  for (const auto& saved : state.value("apps", json::array())) {
    auto app = std::make_unique<App>(context_, spec_from_json(saved["spec"]));
    app->set_reload_error(saved.value("reload_error", ""));
    json listeners = saved.value("listeners", json::array());
    adopt_listeners(*app, listeners);
    App& adopted = *app;
    apps_.push_back(std::move(app));
    for (const auto& instance : saved.value("instances", json::array()))
      adopted.adopt_slot(instance);
    assign_listeners(adopted, listeners);
    scheduled_.schedule_cron(adopted);
    scheduled_.watch_files(adopted);
  }
  scheduled_.update();
  spdlog::info("took over {} app(s) from the previous pmd", apps_.size());
}

}  // namespace pm
