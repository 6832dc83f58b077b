#pragma once
// RollingReload: one `pm reload` of one app. For each instance in turn
// (K at a time with --parallel) it starts a replacement with the app's
// current spec, waits until the replacement is ready, swaps it into the slot
// (same id) and only then stops the old process gracefully, so the number of
// ready instances never drops below N. A replacement that dies or is not
// ready aborts the reload; the old instances keep serving.

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/protocol.h"

namespace pm {

class Instance;
class Supervisor;
struct App;

/// Owned by the Supervisor while it runs.
class RollingReload {
 public:
  /// `progress` gets one message per step; `done` gets "" on success or why
  /// it failed. Neither is called after abort() returns.
  RollingReload(Supervisor& supervisor, std::string app, std::vector<int> ids, int parallel,
                std::function<void(const json&)> progress, std::function<void(std::string)> done);
  ~RollingReload();

  void start();
  /// Re-examines the replacements; called on every instance state change.
  void check();
  /// Stops the replacements not yet swapped in and reports `reason`.
  void abort(const std::string& reason);
  bool finished() const { return finished_; }
  const std::string& app() const { return app_; }

 private:
  struct Slot {
    int id;
    Instance* replacement;  // owned by App::incoming until swapped in
  };

  App* find_app() const;
  void launch();
  void swap_in(App& app, const Slot& slot);
  void fail(App& app, const Slot& slot, const std::string& why);
  void finish(const std::string& error);

  Supervisor& supervisor_;
  std::string app_;
  std::vector<int> queue_;
  int parallel_;
  std::vector<Slot> active_;
  int stopping_old_ = 0;
  std::function<void(const json&)> progress_;
  std::function<void(std::string)> done_;
  bool finished_ = false;
  // Stop callbacks of old instances may outlive this object.
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace pm
