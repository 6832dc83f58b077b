#pragma once
// Supervisor: the daemon's table of apps and their instances. Command
// handlers ask it to start, stop, restart, reload and delete; it owns every
// App. Instance state changes reach it as one reconcile pass per loop turn
// (watchers, reloads, idle sockets, retired instances), never from inside
// the instance that changed.

#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "common/app_spec.h"
#include "daemon/supervision/app.h"
#include "daemon/supervision/instance.h"
#include "daemon/supervision/journal.h"
#include "daemon/supervision/rolling_reload.h"
#include "daemon/supervision/scheduled_reloads.h"
#include "daemon/uv/deferred_call.h"

namespace pm {

/// What `pm reload` and SIGUSR2 ask for.
struct ReloadPlan {
  std::vector<std::pair<std::string, std::vector<int>>> apps;  // in order
  int parallel = 1;
  /// With --update-env: the environment the apps get from now on.
  std::optional<std::map<std::string, std::string>> env;
};

/// Owned by the Daemon. Operations on running processes take instance ids,
/// not pointers, because instances may be deleted while an operation waits.
class Supervisor {
 public:
  using Done = std::function<void()>;

  /// Makes its reconcile pass the context's `changed`.
  explicit Supervisor(InstanceContext& context);
  ~Supervisor();

  /// Checks the spec, resolves its argv and instance count, and starts every
  /// instance. Throws UserError (the name is taken, nothing to run).
  App& start(AppSpec spec);
  /// Starts several apps as one: every spec is checked before any starts,
  /// and if one cannot start, those started with it are deleted again.
  std::vector<std::string> start_all(std::vector<AppSpec> specs);
  /// Adds an app whose instances are all stopped, as the user left it
  /// (after a pmd died). Throws UserError (the name is taken, nothing to run).
  App& add_stopped(AppSpec spec);
  /// Gives an app a new spec; its instances take it when restarted or
  /// reloaded.
  void replace_spec(App& app, AppSpec spec);
  /// Gives an app a new spec and the instance count it asks for (new
  /// instances start now, surplus ones stop and go). Returns the ids of the
  /// instances kept, which take the spec when restarted or reloaded.
  std::vector<int> renew(App& app, AppSpec spec);
  /// Adds instances (started now) or stops and deletes the newest ones.
  /// Returns the ids added; `done` runs once removed ones are gone.
  std::vector<int> scale(const std::string& name, int count, Done done);
  /// The instance ids named by targets (see TargetMatcher).
  /// Throws UserError naming what does exist.
  std::vector<int> select(const std::vector<std::string>& targets) const;

  void stop(const std::vector<int>& ids, Done done);
  /// Stop, then start again (`pm restart`).
  void restart(const std::vector<int>& ids, Done done);
  /// Stop, then forget; an app with no instance left is forgotten too.
  void remove(const std::vector<int>& ids, Done done);
  /// Rolling reload of each app in the plan, one app after the other,
  /// stopping at the first failure. `done` gets "" or why it failed.
  void reload(ReloadPlan plan, std::function<void(const json&)> progress,
              std::function<void(std::string)> done);
  /// The plan for targets: their instance ids grouped by app.
  ReloadPlan plan_reload(const std::vector<int>& ids) const;
  /// Everything a new pmd needs to take the apps over (`pm update`), with
  /// copies of the fds that survive exec. Throws UserError while an app is
  /// stopping or reloading.
  json export_state() const;
  /// Takes over the apps a previous pmd exported.
  void adopt_state(const json& state);
  /// pmd exits cleanly: the journal goes, and nothing writes it again.
  void forget_journal();
  /// What the journal holds now: every app's saved spec, every live run.
  json journal_state() const;
  const Journal& journal() const { return journal_; }
  /// Reopens every log file (after an external logrotate).
  void reopen_logs();
  /// Whether a reload of the app is running.
  bool reloading(const std::string& name) const;

  Instance* find(int id) const;
  /// A ready signal from process `sender` (sd_notify READY=1 on pmd's one
  /// notify socket): it counts for the instance whose process sent it or is
  /// an ancestor of the sender (a server behind `sh -c` or `npm start`).
  void process_ready(pid_t sender, const char* via);
  App* app_of(int id) const;
  App* find_app(const std::string& name) const;
  /// `check` runs in every reconcile pass, the first soon after, until it
  /// returns true.
  void watch(std::function<bool()> check);
  const std::vector<std::unique_ptr<App>>& apps() const { return apps_; }
  std::vector<int> all_ids() const;
  /// "cluster" when the app runs more than one instance, else "fork".
  static const char* mode(const App& app);

 private:
  std::string known_names() const;
  /// Runs after instance state changes, once per loop turn.
  void reconcile();
  void run_watchers();
  /// Closes an app's sockets once none of its instances runs or will run.
  void release_if_idle(App& app);
  /// Stops the instances; `each` gets every id once its instance is no
  /// longer stopping (or gone), `done` runs after the last.
  void stop_then(const std::vector<int>& ids, bool leaving, std::function<void(int id)> each,
                 Done done);
  /// Deletes an instance's slot, and its app with the last one.
  void delete_instance(int id);
  void reload_next(std::shared_ptr<ReloadPlan> plan, std::size_t index,
                   std::function<void(const json&)> progress,
                   std::function<void(std::string)> done);
  /// Aborts the reloads of the apps these instances belong to.
  void abort_reloads(const std::vector<int>& ids, const std::string& reason);
  /// Checks a new app's name and resolves its argv; throws UserError.
  void prepare(AppSpec& spec) const;
  /// Resolves a spec's argv (with its interpreter arguments) and the kill
  /// signal pm chooses for it; throws UserError.
  static void resolve_command(AppSpec& spec);

  InstanceContext& context_;
  std::vector<std::unique_ptr<App>> apps_;
  int next_id_ = 0;
  std::vector<std::function<bool()>> watchers_;
  std::vector<std::unique_ptr<RollingReload>> reloads_;
  DeferredCall reconcile_call_;
  Journal journal_;
  bool journal_closed_ = false;
  ScheduledReloads scheduled_;
};

}  // namespace pm
