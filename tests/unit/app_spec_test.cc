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

TEST_CASE("a spec survives a round trip through JSON") {
  pm::AppSpec spec;
  spec.name = "web";
  spec.script = "server.js";
  spec.args = {"--port", "80"};
  spec.cwd = "/srv";
  spec.env = {{"A", "1"}};
  spec.instances = 0;
  spec.kill_signal = "SIGTERM";
  spec.kill_timeout_ms = 5000;
  spec.autorestart = false;
  pm::AppSpec back = pm::spec_from_json(pm::to_json(spec));
  CHECK(back.name == "web");
  CHECK(back.args == spec.args);
  CHECK(back.env == spec.env);
  CHECK(back.instances == 0);
  CHECK(back.kill_signal == "SIGTERM");
  CHECK(back.kill_timeout_ms == 5000);
  CHECK_FALSE(back.autorestart);
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
  CHECK(message(json{{"script", "a"}, {"name", "42"}}).find("number") != std::string::npos);
  CHECK(message(json{{"script", "a"}, {"cwd", "rel"}}).find("cwd") != std::string::npos);
  CHECK(message(json::array()).find("object") != std::string::npos);
}
