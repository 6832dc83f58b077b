#pragma once
// App: one app the Supervisor runs: its spec, its listening sockets and its
// instance slots, with the replacements a reload starts and the instances it
// retires. Slots change only through its methods.

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/app_spec.h"
#include "daemon/sockets/listener_set.h"
#include "daemon/supervision/instance.h"
#include "daemon/uv/timer.h"
#include "daemon/uv/tree_watch.h"

namespace pm {

/// Owned by the Supervisor. An instance is in exactly one of: a slot
/// (instances()), a replacement being started for a slot, or retiring.
class App {
 public:
  App(InstanceContext& context, AppSpec spec);
  App(const App&) = delete;
  App& operator=(const App&) = delete;

  const AppSpec& spec() const { return *spec_; }
  /// Instances made from now on get `spec`; those that exist keep theirs.
  void set_spec(AppSpec spec);
  ListenerSet& listeners() { return listeners_; }
  const ListenerSet& listeners() const { return listeners_; }
  /// The slots, in index order.
  const std::vector<std::unique_ptr<Instance>>& instances() const { return instances_; }
  Instance* find(int id) const;
  /// Every instance: in a slot, starting or retiring.
  std::vector<const Instance*> all_instances() const;
  /// The spec as `pm save` and the journal keep it: without the resolved
  /// argv, and with the instance count it runs (a scaled app).
  nlohmann::json saved_spec() const;
  /// The instance, in a slot, starting or retiring, whose process is `pid`.
  Instance* find_process(pid_t pid) const;

  /// A new slot after the last one, not started yet.
  Instance& add_slot(int id);
  /// A slot the previous pmd exported (`pm update`), taking over its child.
  Instance& adopt_slot(const nlohmann::json& saved);
  /// Deletes a slot and its instance, which must not be stopping.
  void remove_slot(int id);

  /// A replacement for `old`'s slot with the current spec, not started yet.
  Instance& add_replacement(const Instance& old);
  /// Puts a replacement into its slot; the instance it takes over from is
  /// stopped and retired, and returned. When the slot was deleted meanwhile,
  /// the replacement is retired instead, and nullptr returned.
  Instance* swap_in(Instance& replacement);
  /// Stops a replacement that will not be swapped in, and retires it.
  void retire_replacement(Instance& replacement);
  /// Tells the sockets where new connections go now: to the instances that
  /// accept, a slot's replacement taking its clients as soon as it does.
  void steer();
  /// Deletes the retired instances that are no longer stopping. The
  /// Supervisor calls it at the end of its reconcile pass, after the reloads
  /// have looked at them.
  void drop_retired();
  /// Whether a reload has instances in flight (replacements or retirees).
  bool reloading() const { return !incoming_.empty() || !retiring_.empty(); }

  /// Why the last reload failed, until one succeeds.
  const std::string& reload_error() const { return reload_error_; }
  void set_reload_error(std::string error) { reload_error_ = std::move(error); }
  /// Shown by the start that made the app.
  const std::string& start_warning() const { return start_warning_; }
  void set_start_warning(std::string warning) { start_warning_ = std::move(warning); }
  /// The timer of the next --cron-restart (see ScheduledReloads).
  Timer& cron_timer() { return cron_timer_; }
  /// The --watch of the app's files, when it has one (see ScheduledReloads),
  /// and the quiet time after a change that it waits before the reload.
  std::unique_ptr<TreeWatch>& file_watch() { return file_watch_; }
  Timer& watch_timer() { return watch_timer_; }

 private:
  /// After the last change of route: the kernel's one-second deferral, and then some.
  static constexpr std::uint64_t kLateArrivalsMs = 2500;
  using Instances = std::vector<std::unique_ptr<Instance>>;
  static Instances::iterator find_in(Instances& list, const Instance& instance);

  InstanceContext& context_;
  std::shared_ptr<const AppSpec> spec_;
  ListenerSet listeners_;  // declared before the instances: they hold a reference
  Instances instances_;
  Instances incoming_;
  Instances retiring_;
  std::string reload_error_;
  std::string start_warning_;
  Timer cron_timer_;
  Timer watch_timer_;
  Timer late_arrivals_timer_;
  bool refusing_ = false;  // the last route turned new connections away
  std::unique_ptr<TreeWatch> file_watch_;
};

}  // namespace pm
