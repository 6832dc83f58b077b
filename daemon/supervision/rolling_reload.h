#pragma once
// RollingReload: one `pm reload` of one app. For each instance in turn
// (K at a time with --parallel) it starts a replacement with the app's
// current spec, waits until the replacement is ready, swaps it into the slot
// (same id) and only then stops the old process gracefully, so the number of
// ready instances never drops below N. A replacement that dies or is not
// ready aborts the reload; the old instances keep serving.

#include <functional>
#include <string>
#include <vector>

#include "common/protocol.h"

namespace pm {

class App;
class Instance;
class Supervisor;

/// Owned by the Supervisor while it runs, which forgets it once finished.
/// The instances it starts and retires are owned by their App.
class RollingReload {
 public:
  /// `progress` gets one message per step; `done` gets "" on success or why
  /// it failed. Neither is called after abort() returns.
  RollingReload(Supervisor& supervisor, std::string app, std::vector<int> ids, int parallel,
                std::function<void(const json&)> progress, std::function<void(std::string)> done);

  void start();
  /// Looks at the replacements and the old instances stopping; called by the
  /// Supervisor's reconcile pass.
  void check();
  /// Stops the replacements not yet swapped in and reports `reason`.
  void abort(const std::string& reason);
  bool finished() const { return finished_; }
  const std::string& app() const { return app_; }

 private:
  App* find_app() const;
  void launch(App& app);
  void check_replacements(App& app);
  void swap_in(App& app, Instance& replacement);
  void fail(App& app, Instance& replacement, const std::string& why);
  void finish(const std::string& error);

  Supervisor& supervisor_;
  std::string app_;
  std::vector<int> queue_;
  int parallel_;
  /// Replacements being started, in the app's incoming list until swapped in.
  std::vector<Instance*> starting_;
  /// Old instances swapped out and stopping, retired in the app until they
  /// stopped (the app deletes them only after this has seen that).
  std::vector<const Instance*> stopping_old_;
  std::function<void(const json&)> progress_;
  std::function<void(std::string)> done_;
  bool finished_ = false;
};

}  // namespace pm
