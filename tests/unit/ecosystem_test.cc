#include "cli/ecosystem.h"

#include <doctest/doctest.h>

#include "common/listen_address.h"

using json = nlohmann::json;

TEST_CASE("PM2 fields map onto the spec") {
  json file = json::parse(R"({"apps": [{
    "name": "api", "script": "server.js", "args": "--port 80 'a b'", "instances": "max",
    "exec_mode": "cluster", "env": {"A": 1, "B": "x"}, "env_production": {"B": "prod"},
    "kill_timeout": "5s", "listen_timeout": 8000, "min_uptime": "1m", "max_restarts": 3,
    "max_memory_restart": "300M", "autorestart": false, "stop_exit_codes": 2,
    "out_file": "logs/out.log", "error_file": "/dev/null", "merge_logs": true,
    "log_date_format": "YYYY-MM-DD HH:mm Z", "cron_restart": "0 3 * * *", "port": 3000,
    "listen": 8080, "interpreter_args": "--max-old-space-size=100", "watch": true,
    "vizion": true}]})");
  pm::Ecosystem e = pm::read_ecosystem(file, "eco.json", "/srv", "production", {});
  REQUIRE(e.apps.size() == 1);
  const pm::AppSpec& s = e.apps[0];
  CHECK(s.name == "api");
  CHECK(s.args == std::vector<std::string>{"--port", "80", "a b"});
  CHECK(s.instances == 0);
  CHECK(s.env.at("A") == "1");
  CHECK(s.env.at("B") == "prod");
  CHECK(s.env.at("PORT") == "3000");
  CHECK(s.kill_timeout_ms == 5000);
  CHECK(s.listen_timeout_ms == 8000);
  CHECK(s.min_uptime_ms == 60000);
  CHECK(s.max_memory_restart == 300LL << 20);
  CHECK_FALSE(s.autorestart);
  CHECK(s.stop_exit_codes == std::vector<int>{2});
  CHECK(s.out_file == "/srv/logs/out.log");
  CHECK(s.error_file == "/dev/null");
  CHECK(s.merge_logs);
  CHECK(s.log_date_format == "%Y-%m-%d %H:%M %z");
  CHECK(s.listen == std::vector<std::string>{"8080"});
  CHECK(s.cwd == "/srv");
  CHECK(s.interpreter_args == std::vector<std::string>{"--max-old-space-size=100"});
  CHECK(s.watch == std::vector<std::string>{"/srv"});
  REQUIRE(e.warnings.size() == 1);
  CHECK(e.warnings[0] == "eco.json: app \"api\": unknown field \"vizion\" (ignored)");
}

TEST_CASE("errors name the file, the app and the field") {
  auto message = [](const char* text) {
    try {
      pm::read_ecosystem(json::parse(text), "eco.json", "/srv", "", {});
    } catch (const pm::SpecError& error) {
      return std::string(error.what());
    }
    return std::string("no error");
  };
  CHECK(message(R"({"apps":[{"name":"a","script":"x","kill_timeout":-1}]})")
            .find("eco.json: app \"a\": field \"kill_timeout\"") == 0);
  CHECK(message(R"({"apps":[{"name":"a","script":"x","instances":"lots"}]})")
            .find("instances must be") != std::string::npos);
  CHECK(message(R"({"apps":[{"name":"a"}]})").find("\"script\" is missing") != std::string::npos);
  CHECK(message(R"({"apps":[{"script":"x","name":"a"},{"script":"y","name":"a"}]})")
            .find("used by two apps") != std::string::npos);
  CHECK(message(R"({"apps":[]})").find("no apps") != std::string::npos);
  CHECK(message(R"({"apps":[{"name":"a","script":"x","exec_mode":"turbo"}]})").find("exec_mode") !=
        std::string::npos);
  CHECK(message(R"({"apps":[{"name":"a","script":"x","cron_restart":"never"}]})")
            .find("cron_restart") != std::string::npos);
}

TEST_CASE("only keeps the named apps") {
  json file = json::parse(R"([{"name":"a","script":"x"},{"name":"b","script":"y"}])");
  auto e = pm::read_ecosystem(file, "f", "/srv", "", {"b"});
  REQUIRE(e.apps.size() == 1);
  CHECK(e.apps[0].name == "b");
  CHECK_THROWS_AS(pm::read_ecosystem(file, "f", "/srv", "", {"c"}), pm::SpecError);
}

TEST_CASE("Procfiles") {
  auto e = pm::read_procfile("# comment\nweb: gunicorn app:wsgi\n\nworker:   python3 w.py\n",
                             "Procfile", "/srv", {});
  REQUIRE(e.apps.size() == 2);
  CHECK(e.apps[0].name == "web");
  CHECK(e.apps[0].script == "gunicorn app:wsgi");
  CHECK(e.apps[1].script == "python3 w.py");
  CHECK_THROWS_WITH_AS(pm::read_procfile("nonsense\n", "Procfile", "/srv", {}),
                       doctest::Contains("Procfile:1"), pm::SpecError);
}

TEST_CASE("durations and date formats") {
  CHECK(pm::parse_duration_ms(json(1500)) == 1500);
  CHECK(pm::parse_duration_ms(json("10s")) == 10000);
  CHECK(pm::parse_duration_ms(json("2m")) == 120000);
  CHECK(pm::parse_duration_ms(json(1.11e91)) == -1);  // found by fuzz_ecosystem
  CHECK(pm::parse_duration_ms(json("250ms")) == 250);
  CHECK(pm::parse_duration_ms(json(-1)) == -1);
  CHECK(pm::parse_duration_ms(json("soon")) == -1);
  CHECK(pm::strftime_format("YYYY-MM-DDTHH:mm:ss.SSS") == "%Y-%m-%dT%H:%M:%S.%L");
  CHECK(pm::strftime_format("%H:%M") == "%H:%M");
}

TEST_CASE("listen addresses") {
  auto port = pm::ListenAddress::parse("8080");
  CHECK(port.host.empty());
  CHECK(port.port == 8080);
  CHECK(port.display() == ":8080");
  CHECK(pm::ListenAddress::parse("127.0.0.1:80").display() == "127.0.0.1:80");
  CHECK(pm::ListenAddress::parse("[::1]:443").display() == "[::1]:443");
  CHECK(pm::ListenAddress::parse("localhost:3000").host == "127.0.0.1");
  CHECK(pm::ListenAddress::parse("/run/app.sock").kind == pm::ListenAddress::Kind::Unix);
  CHECK(pm::ListenAddress::parse("unix:app.sock").path == "app.sock");
  CHECK(pm::ListenAddress::parse("*:80").key() == pm::ListenAddress::parse("80").key());
  CHECK_THROWS_AS(pm::ListenAddress::parse("99999"), pm::UserError);
  CHECK_THROWS_AS(pm::ListenAddress::parse("host.example:80"), pm::UserError);
  CHECK_THROWS_AS(pm::ListenAddress::parse("[::1]80"), pm::UserError);
  CHECK_THROWS_AS(pm::ListenAddress::parse(""), pm::UserError);
}
