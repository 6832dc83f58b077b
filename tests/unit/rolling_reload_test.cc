// Rolling reloads on a real loop: a Supervisor with real /bin/sh children
// in a private PM_HOME, the loop run until the reload reports back.

#include <doctest/doctest.h>
#include <signal.h>
#include <stdlib.h>
#include <uv.h>

#include <cstdlib>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "common/paths.h"
#include "daemon/supervision/supervisor.h"
#include "daemon/uv/timer.h"

namespace {

using pm::App;
using pm::InstanceState;

/// A Supervisor on a loop of its own, with what the Daemon would give it.
class SupervisorOnALoop {
 public:
  SupervisorOnALoop() {
    char dir[] = "/tmp/pm-reload-XXXXXX";
    home_ = ::mkdtemp(dir);
    pm::Paths paths{home_};
    pm::ensure_private_dir(paths.log_dir());
    pm::ensure_private_dir(paths.notify_dir());
    uv_loop_init(&loop_);
    reaper_ = std::make_unique<pm::ChildReaper>(&loop_);
    context_ = std::make_unique<pm::InstanceContext>(pm::InstanceContext{
        &loop_, *reaper_, bus_, log_files_, paths, "", "", "", "", false, nullptr, nullptr});
    supervisor_ = std::make_unique<pm::Supervisor>(*context_);
  }
  ~SupervisorOnALoop() {
    bool removed = false;
    supervisor_->remove(supervisor_->all_ids(), [&] { removed = true; });
    run_until([&] { return removed; });
    supervisor_.reset();
    context_.reset();
    reaper_.reset();
    uv_run(&loop_, UV_RUN_DEFAULT);  // lets libuv close the handles
    uv_loop_close(&loop_);
    std::system(("rm -rf " + home_).c_str());
  }

  pm::Supervisor& supervisor() { return *supervisor_; }
  const std::string& home() const { return home_; }

  /// Runs the loop until `done()`; false if a generous deadline came first.
  bool run_until(const std::function<bool()>& done) {
    pm::Timer deadline(&loop_);
    bool late = false;
    deadline.start(30000, [&] { late = true; });
    while (!done() && !late) uv_run(&loop_, UV_RUN_ONCE);
    return done();
  }

  /// Reloads every instance; returns what the reload reported ("" when it
  /// succeeded), or nothing if it never finished.
  std::optional<std::string> reload_all() {
    std::optional<std::string> result;
    supervisor_->reload(
        supervisor_->plan_reload(supervisor_->all_ids()), [](const pm::json&) {},
        [&](std::string error) { result = error; });
    run_until([&] { return result.has_value(); });
    return result;
  }

 private:
  std::string home_;
  uv_loop_t loop_;
  std::unique_ptr<pm::ChildReaper> reaper_;
  pm::LogBus bus_;
  pm::LogFiles log_files_;
  std::unique_ptr<pm::InstanceContext> context_;
  std::unique_ptr<pm::Supervisor> supervisor_;
};

/// Two shell instances, online as soon as they run; with FAIL=1 in their
/// environment they exit at once instead.
pm::AppSpec two_shells(const std::string& cwd) {
  pm::AppSpec spec;
  spec.name = "web";
  spec.script = "/bin/sh";
  spec.args = {"-c", "test \"$FAIL\" = 1 && exit 3; exec sleep 1000"};
  spec.cwd = cwd;
  spec.env = {{"PATH", "/usr/bin:/bin"}};
  spec.instances = 2;
  spec.listen_timeout_ms = 0;
  spec.kill_signal = "SIGTERM";
  return spec;
}

std::map<int, pid_t> pids_by_id(const App& app) {
  std::map<int, pid_t> pids;
  for (const auto& instance : app.instances()) pids[instance->id()] = instance->pid();
  return pids;
}

bool all_online(const App& app) {
  for (const auto& instance : app.instances())
    if (instance->state() != InstanceState::Online) return false;
  return true;
}

bool process_exists(pid_t pid) {
  return ::kill(pid, 0) == 0;
}

}  // namespace

TEST_CASE("a rolling reload replaces the process of every instance, keeping the ids") {
  SupervisorOnALoop on_loop;
  App& app = on_loop.supervisor().start(two_shells(on_loop.home()));
  REQUIRE(on_loop.run_until([&] { return all_online(app); }));
  auto before = pids_by_id(app);
  REQUIRE(before.size() == 2);

  auto result = on_loop.reload_all();
  REQUIRE(result.has_value());
  CHECK(*result == "");

  auto after = pids_by_id(app);
  REQUIRE(after.size() == 2);
  for (const auto& [id, pid] : before) {
    REQUIRE(after.count(id) == 1);
    CHECK(after[id] != pid);
    CHECK_FALSE(process_exists(pid));
    CHECK(process_exists(after[id]));
  }
  CHECK(all_online(app));
  CHECK_FALSE(app.reloading());
  CHECK(app.reload_error().empty());
}

TEST_CASE("a replacement that exits at once aborts the reload; the old instances keep running") {
  SupervisorOnALoop on_loop;
  App& app = on_loop.supervisor().start(two_shells(on_loop.home()));
  REQUIRE(on_loop.run_until([&] { return all_online(app); }));
  auto before = pids_by_id(app);

  pm::AppSpec failing = app.spec();
  failing.env["FAIL"] = "1";
  failing.listen_timeout_ms = 60000;  // it exits long before it could count as ready
  on_loop.supervisor().replace_spec(app, failing);
  auto result = on_loop.reload_all();
  REQUIRE(result.has_value());
  CHECK(result->find("aborted; the old instances keep serving") != std::string::npos);
  CHECK(result->find("instance 0: the replacement exited (code 3) before it was ready") !=
        std::string::npos);
  CHECK(app.reload_error().find("exited (code 3)") != std::string::npos);

  CHECK(pids_by_id(app) == before);
  CHECK(all_online(app));
  for (const auto& [id, pid] : before) CHECK(process_exists(pid));
  REQUIRE(on_loop.run_until([&] { return !app.reloading(); }));
}
