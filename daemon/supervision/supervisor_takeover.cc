// Supervisor's part in `pm update`: the apps, their sockets and instances
// exported for the next pmd, and taken over by it (see daemon/takeover.h).

#include <spdlog/spdlog.h>

#include "common/user_error.h"
#include "daemon/supervision/supervisor.h"
#include "daemon/uv/inherit_fd.h"

namespace pm {

namespace {

json export_listeners(const ListenerSet& listeners) {
  json exported = json::array();
  for (SharedListener* listener : listeners.all()) {
    const ListenAddress& address = listener->address();
    exported.push_back({{"unix", address.kind == ListenAddress::Kind::Unix},
                        {"host", address.host},
                        {"port", address.port},
                        {"path", address.path},
                        {"bound_port", listener->port()},
                        {"fd", inherit_fd(listener->fd())}});
  }
  return exported;
}

void adopt_listeners(ListenerSet& listeners, const json& exported) {
  for (const auto& listener : exported) {
    ListenAddress address;
    address.kind =
        listener.value("unix", false) ? ListenAddress::Kind::Unix : ListenAddress::Kind::Tcp;
    address.host = listener.value("host", "");
    address.port = listener.value("port", 0);
    address.path = listener.value("path", "");
    listeners.adopt(address, listener.value("fd", -1), listener.value("bound_port", 0));
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
                    {"listeners", export_listeners(app->listeners())},
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
    adopt_listeners(app->listeners(), saved.value("listeners", json::array()));
    App& adopted = *app;
    apps_.push_back(std::move(app));
    for (const auto& instance : saved.value("instances", json::array()))
      adopted.adopt_slot(instance);
    scheduled_.schedule_cron(adopted);
  }
  scheduled_.update();
  spdlog::info("took over {} app(s) from the previous pmd", apps_.size());
}

}  // namespace pm
