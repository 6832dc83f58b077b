"""Ecosystem files: PM2-style JSON and JavaScript, Procfiles, --only, --env,
startOrReload and startOrRestart."""

import json

from harness import SLEEPER, PmTestCase, main, pid_alive


class Ecosystem(PmTestCase):
    def write_ecosystem(self, apps, name="ecosystem.json"):
        return self.write(name, json.dumps({"apps": apps}, indent=2))

    def test_pm2_style_file_with_two_apps_and_env_production(self):
        self.write("worker.py", SLEEPER)
        self.write_ecosystem([
            {"name": "api", "script": "worker.py", "instances": 2,
             "env": {"GREETING": "dev", "KEEP": 1}, "env_production": {"GREETING": "prod"},
             "kill_timeout": 3000, "max_restarts": 5, "args": "--port 80"},
            {"name": "jobs", "script": "worker.py", "exec_mode": "fork", "min_uptime": "2s",
             "vizion": True},
        ])
        result = self.pm("start", "ecosystem.json", "--env", "production")
        self.assertIn('unknown field "vizion" (ignored)', result.stderr)
        self.assertEqual(len(self.rows("api")), 2)
        self.assertEqual(len(self.rows("jobs")), 1)
        self.wait_log(self.log_path("api", 0), "up prod ['--port', '80']")
        self.wait_log(self.log_path("jobs", 0), "up None []")
        describe = self.pm("describe", "api").stdout
        self.assertIn("3000 ms", describe)
        env = self.pm("env", "0").stdout.splitlines()
        self.assertIn("KEEP=1", env)
        self.assertIn("GREETING=prod", env)

    def test_start_with_no_argument_finds_the_file_and_only_picks(self):
        self.write("worker.py", SLEEPER)
        self.write_ecosystem([{"name": "a", "script": "worker.py"},
                              {"name": "b", "script": "worker.py"}])
        self.pm("start", "--only", "b")
        self.assertEqual([r["name"] for r in self.jlist()], ["b"])
        result = self.pm("start", "--only", "zzz", check=False)
        self.assertIn('--only names "zzz"', result.stderr)

    def test_an_invalid_file_starts_nothing_and_names_the_field(self):
        self.write("worker.py", SLEEPER)
        cases = [
            ({"name": "api", "script": "worker.py", "kill_timeout": -5},
             'ecosystem.json: app "api": field "kill_timeout"'),
            ({"name": "api", "script": "worker.py", "instances": "lots"},
             'ecosystem.json: app "api": instances must be a number or "max"'),
            ({"name": "api"}, 'ecosystem.json: app "api": field "script" is missing'),
            ({"name": "api", "script": "worker.py", "autorestart": "yes"},
             'field "autorestart" must be true or false'),
            ({"name": "api", "script": "missing.py"},
             'app "api": "missing.py" is neither a file'),
        ]
        for bad, message in cases:
            with self.subTest(bad=bad):
                self.write_ecosystem([{"name": "good", "script": "worker.py"}, bad])
                result = self.pm("start", "ecosystem.json", check=False)
                self.assertNotEqual(result.returncode, 0)
                self.assertIn(message, result.stderr)
                self.assertEqual(self.jlist(), [], "nothing started from a file with errors")

    def test_javascript_config_and_procfile(self):
        self.write("worker.py", SLEEPER)
        self.write("ecosystem.config.js", "module.exports = { apps: [{ name: 'js', "
                   "script: 'worker.py', env: { GREETING: 'from ' + 'js' } }] };\n")
        self.pm("start", "ecosystem.config.js")
        self.wait_log(self.log_path("js", 0), "up from js")
        self.write("Procfile", "# processes\nweb: python3 worker.py --web\nclock: sleep 1000\n")
        self.pm("start", "Procfile")
        self.assertEqual(sorted(r["name"] for r in self.jlist()), ["clock", "js", "web"])
        self.wait_log(self.log_path("web", 0), "up None ['--web']")

    def test_start_or_reload_starts_new_apps_and_reloads_running_ones(self):
        self.write("worker.py", SLEEPER)
        self.write_ecosystem([{"name": "a", "script": "worker.py", "env": {"GREETING": "one"},
                               "listen_timeout": 100}])
        self.pm("start")
        pid = self.rows("a")[0]["pid"]
        self.write_ecosystem([{"name": "a", "script": "worker.py", "env": {"GREETING": "two"},
                               "listen_timeout": 100},
                              {"name": "b", "script": "worker.py"}])
        out = self.pm("startOrReload", "ecosystem.json").stdout
        self.assertIn("reloaded a", out)
        self.assertIn("started b", out)
        row = self.rows("a")[0]
        self.assertNotEqual(row["pid"], pid)
        self.assertFalse(pid_alive(pid))
        self.wait_log(self.log_path("a", 0), "up two")
        pid = self.rows("b")[0]["pid"]
        out = self.pm("startOrRestart", "ecosystem.json", "--only", "b").stdout
        self.assertIn("restarted b", out)
        self.assertNotEqual(self.rows("b")[0]["pid"], pid)
        self.assertFalse(pid_alive(pid))


    def test_reload_of_the_file_applies_its_new_settings(self):
        self.write("worker.py", SLEEPER)
        app = {"name": "api", "script": "worker.py", "listen_timeout": 100,
               "env": {"GREETING": "dev"}, "env_production": {"GREETING": "prod"}}
        self.write("ecosystem.config.js",
                   "module.exports = " + json.dumps({"apps": [app]}) + ";\n")
        self.pm("start", "ecosystem.config.js", "--env", "production")
        self.wait_log(self.log_path("api", 0), "up prod []")
        [old] = [row["pid"] for row in self.rows("api")]
        app.update({"instances": 2, "env_production": {"GREETING": "prod2"}, "args": "--v2",
                    "interpreter_args": "-u"})
        self.write("ecosystem.config.js",
                   "module.exports = " + json.dumps({"apps": [app]}) + ";\n")
        out = self.pm("reload", "ecosystem.config.js", "--env", "production").stdout
        self.assertIn("reloaded api", out)
        rows = self.wait_ready("api", 2)
        self.assertNotIn(old, [row["pid"] for row in rows])
        self.assertFalse(pid_alive(old))
        for index in (0, 1):
            self.wait_log(self.log_path("api", index), "up prod2 ['--v2']")
        self.assertIn("GREETING=prod2", self.pm("env", "api").stdout.splitlines())
        self.assertIn("-u", self.pm("describe", "api").stdout)
        # Fewer instances in the file: the reload takes the surplus away.
        app["instances"] = 1
        self.write("ecosystem.config.js",
                   "module.exports = " + json.dumps({"apps": [app]}) + ";\n")
        self.pm("reload", "ecosystem.config.js")
        self.wait_for(lambda: len(self.rows("api")) == 1, "api back to one instance")

    def test_restart_stop_delete_of_the_file_with_only(self):
        self.write("worker.py", SLEEPER)
        self.write_ecosystem([{"name": "a", "script": "worker.py"},
                              {"name": "b", "script": "worker.py", "namespace": "batch"}])
        self.pm("start", "ecosystem.json")
        self.wait_ready("a")
        self.pm("stop", "ecosystem.json", "--only", "a")
        self.wait_status("a", "stopped")
        self.assertEqual(self.rows("b")[0]["status"], "online")
        [b_pid] = [row["pid"] for row in self.rows("b")]
        self.write_ecosystem([{"name": "a", "script": "worker.py"},
                              {"name": "b", "script": "worker.py", "namespace": "batch",
                               "env": {"GREETING": "new"}}])
        self.pm("restart", "ecosystem.json")
        self.wait_ready("a")
        self.wait_log(self.log_path("b", 0), "up new")
        self.assertFalse(pid_alive(b_pid))
        self.assertEqual(self.rows("b")[0]["namespace"], "batch")
        self.pm("stop", "batch")
        self.wait_status("b", "stopped")
        self.pm("delete", "ecosystem.json", "--only", "b")
        self.assertEqual([row["name"] for row in self.jlist()], ["a"])
        self.pm("delete", "ecosystem.json")
        self.assertEqual(self.jlist(), [])
        result = self.pm("stop", "ecosystem.json", check=False)
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("no app of ecosystem.json is known to pm (the file has: a, b)",
                      result.stderr)

    def test_namespace_flag_for_the_file_and_a_namespace_started_again(self):
        self.write("worker.py", SLEEPER)
        self.write_ecosystem([{"name": "a", "script": "worker.py"},
                              {"name": "b", "script": "worker.py", "namespace": "own"}])
        self.pm("start", "ecosystem.json", "--namespace", "batch")
        names = {row["name"]: row["namespace"] for row in self.jlist()}
        self.assertEqual(names, {"a": "batch", "b": "own"})
        self.pm("stop", "batch")
        self.wait_status("a", "stopped")
        self.pm("start", "batch")
        self.wait_ready("a")
        self.assertEqual(len(self.jlist()), 2)

    def test_start_of_the_file_again_restarts_known_apps_and_starts_new_ones(self):
        self.write("worker.py", SLEEPER)
        self.write_ecosystem([{"name": "a", "script": "worker.py", "env": {"GREETING": "one"}}])
        self.pm("start", "ecosystem.json")
        self.wait_log(self.log_path("a", 0), "up one")
        [old] = [row["pid"] for row in self.rows("a")]
        self.write_ecosystem([{"name": "a", "script": "worker.py", "env": {"GREETING": "two"}},
                              {"name": "b", "script": "worker.py"}])
        self.pm("start", "ecosystem.json")
        self.wait_ready("a")
        self.wait_ready("b")
        self.assertFalse(pid_alive(old))
        self.wait_log(self.log_path("a", 0), "up two")
        self.pm("stop", "all")
        self.wait_status("a", "stopped")
        self.pm("start", "ecosystem.json", "--only", "b")
        self.wait_ready("b")
        self.assertEqual(self.rows("a")[0]["status"], "stopped")


if __name__ == "__main__":
    main()
