// The forms PM2 users write ecosystem files in: YAML, package.json, PM2's
// other names for fields, numbers and booleans in quotes, append_env_to_name.

#include <doctest/doctest.h>

#include <cmath>

#include "cli/ecosystem.h"
#include "cli/pm2_field_names.h"
#include "cli/yaml_document.h"

using json = nlohmann::json;

namespace {

pm::Ecosystem read(const json& document, const std::string& env_name = "",
                   const std::vector<std::string>& only = {}) {
  return pm::read_ecosystem(document, "eco.json", "/srv", env_name, only);
}

std::string yaml_error(const std::string& text) {
  try {
    pm::parse_yaml(text, "eco.yml");
  } catch (const pm::SpecError& error) {
    return error.what();
  }
  return "no error";
}

}  // namespace

TEST_CASE("YAML becomes the JSON a .json file would give") {
  json value = pm::parse_yaml(R"(# apps
apps:
  - name: api
    script: server.js
    instances: 4
    autorestart: false
    kill_timeout: 1.5
    env:
      PORT: "3000"
      QUOTED: 'true'
      EMPTY:
      TILDE: ~
      HEX: 0x1F
      TEXT: yes
  - name: "worker"
    args: [--verbose, 12]
)",
                              "eco.yml");
  json expected = R"({"apps": [
    {"name": "api", "script": "server.js", "instances": 4, "autorestart": false,
     "kill_timeout": 1.5,
     "env": {"PORT": "3000", "QUOTED": "true", "EMPTY": null, "TILDE": null, "HEX": 31,
             "TEXT": "yes"}},
    {"name": "worker", "args": ["--verbose", 12]}]})"_json;
  CHECK(value == expected);
}

TEST_CASE("YAML anchors, merge keys and tags") {
  json value = pm::parse_yaml(R"(
defaults: &defaults
  max_restarts: 3
  env: {A: "1"}
apps:
  - <<: *defaults
    name: a
    script: a.js
    max_restarts: 5
  - {<<: *defaults, name: b, script: !!str 12, port: !!int "8080"}
)",
                              "eco.yml");
  CHECK(value["apps"][0] == R"({"max_restarts": 5, "env": {"A": "1"}, "name": "a",
                               "script": "a.js"})"_json);
  CHECK(value["apps"][1]["max_restarts"] == 3);
  CHECK(value["apps"][1]["script"] == "12");
  CHECK(value["apps"][1]["port"] == 8080);
  CHECK(std::isinf(pm::parse_yaml("-.inf", "f").get<double>()));
  CHECK(pm::parse_yaml("", "f").is_null());
}

TEST_CASE("YAML errors name the file and the line") {
  CHECK(yaml_error("apps:\n  - name: a\n   bad: [1\n").find("eco.yml:") == 0);
  CHECK(yaml_error("apps: [a, b\n").find("eco.yml:") == 0);
  CHECK(yaml_error("x: !!int abc\n") == "eco.yml:1:4: \"abc\" is not a !!int");
  CHECK(yaml_error("? [a, b]\n: c\n").find("a key must be a plain value") != std::string::npos);
  std::string laughs = "a: &a [x, x, x, x, x, x, x, x, x, x]\n";
  for (char name = 'b'; name <= 'h'; ++name)
    laughs += std::string(1, name) + ": &" + name + " [*" + char(name - 1) + ", *" +
              char(name - 1) + ", *" + char(name - 1) + ", *" + char(name - 1) + ", *" +
              char(name - 1) + ", *" + char(name - 1) + ", *" + char(name - 1) + ", *" +
              char(name - 1) + ", *" + char(name - 1) + ", *" + char(name - 1) + "]\n";
  CHECK(yaml_error(laughs).find("expands to more than") != std::string::npos);
}

TEST_CASE("a package.json holds its apps under \"pm2\"") {
  json list = R"({"name": "shop", "version": "1.0.0",
                  "pm2": [{"name": "api", "script": "a.js"}, {"script": "b.js"}]})"_json;
  auto e = pm::read_ecosystem(list, "/srv/package.json", "/srv", "", {});
  REQUIRE(e.apps.size() == 2);
  CHECK(e.apps[0].name == "api");
  CHECK(e.apps[1].name == "b");
  CHECK(e.warnings.empty());
  json nested = R"({"name": "shop", "pm2": {"apps": [{"script": "c.js"}]}})"_json;
  CHECK(pm::read_ecosystem(nested, "package.json", "/srv", "", {}).apps[0].name == "c");
  json one = R"({"name": "shop", "pm2": {"script": "d.js"}})"_json;
  CHECK(pm::read_ecosystem(one, "package.json", "/srv", "", {}).apps[0].name == "d");
  json none = R"({"name": "shop", "main": "index.js"})"_json;
  CHECK_THROWS_WITH_AS(pm::read_ecosystem(none, "/srv/package.json", "/srv", "", {}),
                       doctest::Contains("package.json: no \"pm2\" key"), pm::SpecError);
}

TEST_CASE("PM2's other names for fields") {
  CHECK(pm::pm2_field_name("cmd") == "script");
  CHECK(pm::pm2_field_name("exec_interpreter") == "interpreter");
  CHECK(pm::pm2_field_name("execInterpreter") == "interpreter");
  CHECK(pm::pm2_field_name("killTimeout") == "kill_timeout");
  CHECK(pm::pm2_field_name("PORT") == "PORT");
  auto e = read(R"([{"name": "a", "cmd": "a.js", "exec_interpreter": "python3",
                     "output": "o.log", "error": "e.log", "cron": "0 3 * * *",
                     "combine_logs": true, "nodeArgs": "--x", "killTimeout": 3000,
                     "maxRestarts": 2, "instanceVar": "SLOT"}])"_json);
  REQUIRE(e.apps.size() == 1);
  const pm::AppSpec& s = e.apps[0];
  CHECK(s.script == "a.js");
  CHECK(s.interpreter == "python3");
  CHECK(s.out_file == "/srv/o.log");
  CHECK(s.error_file == "/srv/e.log");
  CHECK(s.cron_restart == "0 3 * * *");
  CHECK(s.merge_logs);
  CHECK(s.interpreter_args == std::vector<std::string>{"--x"});
  CHECK(s.kill_timeout_ms == 3000);
  CHECK(s.max_restarts == 2);
  CHECK(s.instance_var == "SLOT");
  CHECK(e.warnings.empty());

  auto both = read(R"([{"name": "a", "script": "a.js", "cmd": "b.js", "fooBar": 1}])"_json);
  CHECK(both.apps[0].script == "a.js");
  REQUIRE(both.warnings.size() == 2);
  CHECK(both.warnings[0] ==
        "eco.json: app \"a\": \"cmd\" and \"script\" both set script; \"cmd\" is ignored");
  CHECK(both.warnings[1] == "eco.json: app \"a\": unknown field \"fooBar\" (ignored)");
}

TEST_CASE("numbers and booleans given as strings, as PM2 takes them") {
  auto e = read(R"([{"name": "a", "script": "a.js", "max_restarts": "50", "instances": "2",
                     "autorestart": "false", "wait_ready": "true", "log_max_files": "+3",
                     "stop_exit_codes": ["2", 3], "kill_timeout": "100"}])"_json);
  const pm::AppSpec& s = e.apps[0];
  CHECK(s.max_restarts == 50);
  CHECK(s.instances == 2);
  CHECK_FALSE(s.autorestart);
  CHECK(s.wait_ready);
  CHECK(s.log_max_files == 3);
  CHECK(s.stop_exit_codes == std::vector<int>{2, 3});
  CHECK(s.kill_timeout_ms == 100);
  CHECK_THROWS_WITH_AS(read(R"([{"script": "a.js", "max_restarts": "lots"}])"_json),
                       doctest::Contains("field \"max_restarts\" must be a whole number"),
                       pm::SpecError);
  CHECK_THROWS_WITH_AS(read(R"([{"script": "a.js", "autorestart": "yes"}])"_json),
                       doctest::Contains("must be true or false"), pm::SpecError);
  CHECK_THROWS_WITH_AS(read(R"([{"script": "a.js", "maxRestarts": "x"}])"_json),
                       doctest::Contains("field \"maxRestarts\" must be a whole number"),
                       pm::SpecError);
}

TEST_CASE("cron_restart 0 turns cron restarts off, as in PM2") {
  CHECK(read(R"([{"script": "a.js", "cron_restart": 0}])"_json).apps[0].cron_restart.empty());
  CHECK(read(R"([{"script": "a.js", "cron": "0"}])"_json).apps[0].cron_restart.empty());
}

TEST_CASE("append_env_to_name names the app after the env; --only takes the file's name") {
  json file = R"([{"name": "api", "script": "a.js", "append_env_to_name": true},
                  {"script": "worker.js", "appendEnvToName": "true"},
                  {"name": "plain", "script": "p.js"}])"_json;
  auto e = read(file, "production");
  REQUIRE(e.apps.size() == 3);
  CHECK(e.apps[0].name == "api-production");
  CHECK(e.apps[1].name == "worker-production");
  CHECK(e.apps[2].name == "plain");
  CHECK(read(file).apps[0].name == "api");
  auto only = read(file, "production", {"api"});
  REQUIRE(only.apps.size() == 1);
  CHECK(only.apps[0].name == "api-production");
}
