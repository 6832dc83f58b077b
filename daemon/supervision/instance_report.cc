// What Instance reports to the control clients: its `pm list` row and its
// `pm describe` details.

#include "daemon/supervision/instance.h"
#include "daemon/uv/now_ms.h"

namespace pm {

using json = nlohmann::json;

json Instance::summary() {
  json row{{"id", id_},
           {"name", spec_->name},
           {"status", state_name(state_)},
           {"pid", pid_},
           {"restarts", restarts_},
           {"uptime_ms", 0},
           {"cpu", 0.0},
           {"memory", 0}};
  if (pid_ > 0) {
    std::uint64_t now = now_ms(context_.loop);
    row["uptime_ms"] = now - started_ms_;
    ProcessSample sample = sample_process(pid_);
    row["cpu"] = cpu_.percent(sample, now, started_ms_);
    row["memory"] = sample.rss_bytes;
  }
  return row;
}

json Instance::details() {
  json info = summary();
  info["created_at"] = created_at_;
  info["unstable_restarts"] = policy_.unstable_restarts();
  info["last_exit"] = last_exit_;
  info["error"] = last_error_;
  info["out_log"] = out_.file().path();
  info["err_log"] = err_.file().path();
  std::string log_error = out_.file().error().empty() ? err_.file().error() : out_.file().error();
  info["log_error"] = log_error;
  info["socket_via"] = socket_via_;
  info["history"] = history_;
  info["ready_via"] = ready_via_;
  info["notify_socket"] = notify_ ? notify_->path() : "";
  return info;
}

}  // namespace pm
