#include "daemon/container_run.h"

#include <spdlog/spdlog.h>
#include <sys/time.h>
#include <unistd.h>

#include <ctime>
#include <nlohmann/json.hpp>
#include <string>

#include "daemon/supervision/supervisor.h"

namespace pm {

namespace {

void write_all(const std::string& text) {
  for (std::size_t done = 0; done < text.size();) {
    ssize_t n = ::write(STDOUT_FILENO, text.data() + done, text.size() - done);
    if (n <= 0) return;  // nobody reads: the apps go on
    done += static_cast<std::size_t>(n);
  }
}

std::string now_iso() {
  timeval now{};
  ::gettimeofday(&now, nullptr);
  tm utc{};
  ::gmtime_r(&now.tv_sec, &utc);
  char text[40];
  std::size_t n = std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S", &utc);
  std::snprintf(text + n, sizeof text - n, ".%03ldZ", static_cast<long>(now.tv_usec / 1000));
  return text;
}

}  // namespace

ContainerRun::ContainerRun(uv_loop_t* loop, LogBus& bus, const Supervisor& supervisor, bool json,
                           std::function<void()> stop_all)
    : bus_(bus),
      supervisor_(supervisor),
      json_(json),
      stop_all_(std::move(stop_all)),
      token_(bus.subscribe([this](const LogLine& line) { print(line); })),
      check_timer_(loop) {
  // Polled, not hooked into every state change: a quarter second late is
  // nothing for a container's end, and no part of pmd learns about this one.
  check_timer_.start(
      250, [this] { check(); }, 250);
  check_timer_.unref();
}

ContainerRun::~ContainerRun() {
  bus_.unsubscribe(token_);
}

void ContainerRun::print(const LogLine& line) {
  if (json_) {
    nlohmann::json value{{"timestamp", now_iso()},
                         {"app", line.app},
                         {"id", line.instance_id},
                         {"stream", line.stream},
                         {"message", std::string(line.text)}};
    write_all(value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
    return;
  }
  write_all(std::to_string(line.instance_id) + "|" + line.app + "| " + std::string(line.text) +
            "\n");
}

bool ContainerRun::observe() {
  bool alive = false;
  for (const auto& app : supervisor_.apps()) {
    started_ = true;
    for (const auto& instance : app->instances()) {
      if (instance->running() || instance->on_its_way() ||
          instance->state() == InstanceState::Stopping)
        alive = true;
      if (instance->state() == InstanceState::Errored) errored_ = true;
    }
  }
  return alive;
}

void ContainerRun::check() {
  if (ending_) return;
  bool alive = observe();
  if (!started_ || alive) return;
  ending_ = true;
  spdlog::info("pm run: no app runs any more; pmd exits ({})",
               errored_ ? "an app gave up" : "stopped cleanly");
  stop_all_();
}

}  // namespace pm
