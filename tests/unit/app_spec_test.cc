#include "common/app_spec.h"

#include <doctest/doctest.h>

using json = nlohmann::json;

TEST_CASE("instances resolve like PM2: N, max/0, -N, at least one") {
  CHECK(pm::resolve_instances(3, 8) == 3);
  CHECK(pm::resolve_instances(0, 8) == 8);
  CHECK(pm::resolve_instances(-1, 8) == 7);
  CHECK(pm::resolve_instances(-10, 2) == 1);
  CHECK(pm::resolve_instances(0, 0) == 1);
  CHECK(pm::parse_instances("max") == 0);
  CHECK(pm::parse_instances("4") == 4);
  CHECK(pm::parse_instances("-1") == -1);
  CHECK_THROWS_AS(pm::parse_instances("lots"), pm::SpecError);
  CHECK_THROWS_AS(pm::parse_instances(""), pm::SpecError);
  CHECK_THROWS_AS(pm::parse_instances("4x"), pm::SpecError);
}

TEST_CASE("a spec survives a round trip through JSON, every field") {
  pm::AppSpec spec;
  spec.name = "web";
  spec.namespace_name = "front";
  spec.script = "server.js";
  spec.args = {"--port", "80"};
  spec.interpreter = "node";
  spec.cwd = "/srv";
  spec.env = {{"A", "1"}};
  spec.instances = 0;
  spec.kill_signal = "SIGTERM";
  spec.kill_signal_reason = "gunicorn's graceful shutdown";
  spec.kill_timeout_ms = 5000;
  spec.min_uptime_ms = 2000;
  spec.max_restarts = 3;
  spec.autorestart = false;
  spec.listen = {"8080", "/run/web.sock"};
  spec.listen_timeout_ms = 8000;
  spec.wait_ready = true;
  spec.shutdown_with_message = true;
  spec.interpreter_args = {"--max-old-space-size=100"};
  spec.restart_delay_ms = 250;
  spec.exp_backoff_restart_delay_ms = 200;
  spec.stop_exit_codes = {0, 2};
  spec.max_memory_restart = 300LL << 20;
  spec.cron_restart = "0 3 * * *";
  spec.instance_var = "INSTANCE";
  spec.out_file = "/var/log/web.out";
  spec.error_file = "/dev/null";
  spec.merge_logs = true;
  spec.log_date_format = "%H:%M";
  spec.log_max_size = 1LL << 40;
  spec.log_max_files = 9;
  spec.argv = {"/usr/bin/node", "server.js", "--port", "80"};
  pm::AppSpec back = pm::spec_from_json(pm::to_json(spec));
  CHECK(back.name == spec.name);
  CHECK(back.namespace_name == spec.namespace_name);
  CHECK(back.script == spec.script);
  CHECK(back.args == spec.args);
  CHECK(back.interpreter == spec.interpreter);
  CHECK(back.cwd == spec.cwd);
  CHECK(back.env == spec.env);
  CHECK(back.instances == spec.instances);
  CHECK(back.kill_signal == spec.kill_signal);
  CHECK(back.kill_signal_reason == spec.kill_signal_reason);
  CHECK(back.kill_timeout_ms == spec.kill_timeout_ms);
  CHECK(back.min_uptime_ms == spec.min_uptime_ms);
  CHECK(back.max_restarts == spec.max_restarts);
  CHECK(back.autorestart == spec.autorestart);
  CHECK(back.listen == spec.listen);
  CHECK(back.listen_timeout_ms == spec.listen_timeout_ms);
  CHECK(back.wait_ready == spec.wait_ready);
  CHECK(back.shutdown_with_message == spec.shutdown_with_message);
  CHECK(back.interpreter_args == spec.interpreter_args);
  CHECK(back.restart_delay_ms == spec.restart_delay_ms);
  CHECK(back.exp_backoff_restart_delay_ms == spec.exp_backoff_restart_delay_ms);
  CHECK(back.stop_exit_codes == spec.stop_exit_codes);
  CHECK(back.max_memory_restart == spec.max_memory_restart);
  CHECK(back.cron_restart == spec.cron_restart);
  CHECK(back.instance_var == spec.instance_var);
  CHECK(back.out_file == spec.out_file);
  CHECK(back.error_file == spec.error_file);
  CHECK(back.merge_logs == spec.merge_logs);
  CHECK(back.log_date_format == spec.log_date_format);
  CHECK(back.log_max_size == spec.log_max_size);
  CHECK(back.log_max_files == spec.log_max_files);
  CHECK(back.argv == spec.argv);
}

TEST_CASE("the JSON names of a spec's fields") {
  json value = pm::to_json(pm::AppSpec{});
  for (const char* name : {"name",
                           "namespace",
                           "script",
                           "args",
                           "interpreter",
                           "cwd",
                           "env",
                           "instances",
                           "kill_signal",
                           "kill_signal_reason",
                           "kill_timeout",
                           "min_uptime",
                           "max_restarts",
                           "autorestart",
                           "listen",
                           "listen_timeout",
                           "wait_ready",
                           "sticky",
                           "defer_accept",
                           "shutdown_with_message",
                           "interpreter_args",
                           "restart_delay",
                           "exp_backoff_restart_delay",
                           "stop_exit_codes",
                           "max_memory_restart",
                           "cron_restart",
                           "instance_var",
                           "increment_var",
                           "pid_file",
                           "watch",
                           "ignore_watch",
                           "watch_delay",
                           "out_file",
                           "error_file",
                           "log_file",
                           "log_type",
                           "merge_logs",
                           "log_date_format",
                           "log_max_size",
                           "log_max_files",
                           "argv"})
    CHECK_MESSAGE(value.contains(name), name);
  CHECK(value.size() == 41);
  CHECK(value["env"].is_object());
}

TEST_CASE("the default name is the script's file name without extension") {
  CHECK(pm::default_app_name("examples/server.js") == "server");
  CHECK(pm::default_app_name("python3 -m http.server") == "python3");
  CHECK(pm::default_app_name("./run") == "run");
  json value{{"script", "/srv/api.py"}};
  CHECK(pm::spec_from_json(value).name == "api");
}

TEST_CASE("bad specs are refused naming the field") {
  auto message = [](json value) {
    try {
      pm::spec_from_json(value);
    } catch (const pm::SpecError& error) {
      return std::string(error.what());
    }
    return std::string();
  };
  CHECK(message(json{{"name", "x"}}).find("script") != std::string::npos);
  CHECK(message(json{{"script", "a"}, {"kill_timeout", -1}}).find("kill_timeout") !=
        std::string::npos);
  CHECK(message(json{{"script", "a"}, {"instances", "lots"}}).find("instances") !=
        std::string::npos);
  CHECK(message(json{{"script", "a"}, {"kill_signal", "SIGNOPE"}}).find("kill_signal") !=
        std::string::npos);
  CHECK(message(json{{"script", "a"}, {"name", "all"}}).find("reserved") != std::string::npos);
  CHECK(message(json{{"script", "a"}, {"name", "42"}}).empty());  // numeric names, as PM2
  CHECK(message(json{{"script", "a"}, {"cwd", "rel"}}).find("cwd") != std::string::npos);
  CHECK(message(json{{"script", "a"}, {"namespace", "all"}}).find("namespace") !=
        std::string::npos);
  CHECK(message(json::array()).find("object") != std::string::npos);
}

TEST_CASE("numeric fields take whole numbers that fit, and refuse the rest by name") {
  nlohmann::json spec{{"script", "/bin/true"}, {"max_memory_restart", 3.0e29}};
  CHECK_THROWS_WITH(pm::spec_from_json(spec),
                    doctest::Contains("field \"max_memory_restart\" must be a whole number"));
  spec["max_memory_restart"] = 2.5;
  CHECK_THROWS_WITH(pm::spec_from_json(spec), doctest::Contains("whole number"));
  spec["max_memory_restart"] = 1024.0;
  CHECK(pm::spec_from_json(spec).max_memory_restart == 1024);
  spec["max_memory_restart"] = 1024;
  CHECK(pm::spec_from_json(spec).max_memory_restart == 1024);
}
