"""Running pm in production: ecosystem files, save/resurrect, log rotation,
memory limits, scaling, boot start, update."""

import glob
import json
import os
import subprocess

from harness import PM, PmTestCase, free_port, main, pid_alive

SLEEPER = "import os, sys, time\nprint('up', os.environ.get('GREETING'), sys.argv[1:], flush=True)\ntime.sleep(1000)\n"


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
             "watch": True},
        ])
        result = self.pm("start", "ecosystem.json", "--env", "production")
        self.assertIn('unknown field "watch" (ignored)', result.stderr)
        self.assertEqual(len(self.rows("api")), 2)
        self.assertEqual(len(self.rows("jobs")), 1)
        self.wait_log(self.log_path("api", 0), "up prod ['--port', '80']")
        self.wait_log(self.log_path("jobs", 2), "up None []")
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
        self.wait_log(self.log_path("web", 1), "up None ['--web']")

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
        out = self.pm("startOrRestart", "ecosystem.json", "--only", "b").stdout
        self.assertIn("restarted b", out)


class Persistence(PmTestCase):
    def test_save_kill_resurrect(self):
        script = self.write("worker.py", SLEEPER)
        self.pm("start", script, "--name", "a", "-i", "2", "--env", "GREETING=saved")
        self.pm("start", "sleep 1000", "--name", "b")
        self.pm("scale", "b", "3")
        out = self.pm("save").stdout
        self.assertIn("saved 2 app(s)", out)
        self.pm("kill")
        out = self.pm("resurrect").stdout
        self.assertIn("resurrected a", out)
        self.assertEqual(len(self.rows("a")), 2)
        self.assertEqual(len(self.rows("b")), 3)
        self.assertIn("GREETING=saved", self.pm("env", "0").stdout.splitlines())
        self.assertIn("b is running already", self.pm("resurrect").stdout)

    def test_a_corrupt_dump_falls_back_to_the_backup(self):
        self.pm("start", "sleep 1000", "--name", "first")
        self.pm("save")
        self.pm("start", "sleep 1000", "--name", "second")
        self.pm("save")
        dump = os.path.join(self.home, "dump.json")
        with open(dump, "w") as f:
            f.write('{"apps": [trunc')
        self.pm("kill")
        result = self.pm("resurrect")
        self.assertIn("dump.json is corrupt; using the previous list", result.stderr)
        self.assertEqual([r["name"] for r in self.jlist()], ["first"])

    def test_saving_nothing_needs_force_and_cleardump(self):
        result = self.pm("save", check=False)
        self.assertIn("use --force", result.stderr)
        self.pm("save", "--force")
        self.assertTrue(os.path.exists(os.path.join(self.home, "dump.json")))
        self.pm("cleardump")
        self.assertFalse(os.path.exists(os.path.join(self.home, "dump.json")))
        self.assertIn("run `pm save` first", self.pm("resurrect", check=False).stderr)

    def test_update_keeps_the_childrens_pids(self):
        port = free_port()
        node = self.write("web.js", "const http = require('http');\n"
                          "let said = 'nothing';\n"
                          "process.on('message', (m) => { said = JSON.stringify(m); });\n"
                          f"http.createServer((q, r) => r.end(`${{process.pid}} ${{said}}`)).listen({port});\n")
        ticker = self.write("ticker.py", "import os, socket, time\n"
                            "channel = socket.socket(fileno=int(os.environ['PM_CHANNEL_FD']))\n"
                            "i = 0\nwhile True:\n    print(f'tick {i}', flush=True)\n"
                            "    i += 1\n    time.sleep(0.05)\n")
        self.pm("start", node, "-i", "2")
        self.pm("start", ticker, "--listen-timeout", "0")
        before = {r["id"]: r["pid"] for r in self.jlist()}
        pmd = self.daemon_pid()
        out = self.pm("update").stdout
        self.assertIn("3 running instance(s) taken over, pids unchanged", out)
        self.assertEqual({r["id"]: r["pid"] for r in self.jlist()}, before)
        self.assertEqual(self.daemon_pid(), pmd, "the same process, a new image")
        self.assertIn("took over pid", open(os.path.join(self.home, "pmd.log")).read())
        # Sockets, pipes and channels all carried over.
        import http.client
        def ask():
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            c.request("GET", "/")
            body = c.getresponse().read().decode()
            c.close()
            return body
        self.assertIn(ask().split()[0], {str(p) for p in before.values()})
        size = os.path.getsize(self.log_path("ticker", 2))
        self.wait_for(lambda: os.path.getsize(self.log_path("ticker", 2)) > size,
                      "output after the update to reach the log")
        self.pm("send", "web", '{"after": "update"}')
        self.wait_for(lambda: ask().endswith('{"after":"update"}'), "a message after the update")
        self.pm("reload", "web")
        self.assertTrue(all(r["pid"] != before[r["id"]] for r in self.rows("web")))
        self.pm("stop", "all")
        for pid in before.values():
            self.assertFalse(pid_alive(pid))

    def test_pmd_resurrect_at_boot_and_startup_unit(self):
        self.pm("start", "sleep 1000", "--name", "boot")
        self.pm("save")
        self.pm("kill")
        pmd = os.path.join(os.path.dirname(PM), "pmd")
        daemon = subprocess.Popen([pmd, "--resurrect"], env=self.env, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL, start_new_session=True)
        try:
            self.wait_for(lambda: os.path.exists(os.path.join(self.home, "pm.sock")) and
                          self.rows("boot"), "pmd --resurrect to bring the app back")
        finally:
            self.pm("kill")
            daemon.wait(timeout=30)
        unit = self.pm("startup").stdout
        self.assertIn("ExecStart=", unit)
        self.assertIn("pmd --resurrect", unit)
        self.assertIn(f"Environment=PM_HOME={self.home}", unit)
        self.assertIn("Type=notify", unit)


class LogFiles(PmTestCase):
    FLOOD = ("import sys\nfor i in range(20000):\n    sys.stdout.write(f'line {i:06d} ' + 'x' * 50 + '\\n')\n"
             "sys.stdout.write('flood done\\n')\nsys.stdout.flush()\nimport time\ntime.sleep(1000)\n")

    def test_rotation_keeps_at_most_n_files_of_at_most_the_size(self):
        script = self.write("flood.py", self.FLOOD)
        self.pm("start", script, "--log-max-size", "100K", "--log-max-files", "3")
        self.wait_log(self.log_path("flood", 0), "flood done")
        files = sorted(glob.glob(self.log_path("flood", 0) + "*"))
        self.assertEqual([os.path.basename(f) for f in files],
                         ["flood-0-out.log", "flood-0-out.log.1", "flood-0-out.log.2",
                          "flood-0-out.log.3"])
        for path in files:
            self.assertLessEqual(os.path.getsize(path), 100 * 1024)
        # The newest lines are in the live file, the older ones in .1 ...
        with open(files[1]) as f:
            last_of_rotated = f.read().splitlines()[-1]
        with open(files[0]) as f:
            first_of_live = f.read().splitlines()[0]
        self.assertEqual(int(first_of_live.split()[1]), int(last_of_rotated.split()[1]) + 1)

    def test_time_merge_and_disabled_logs(self):
        script = self.write("worker.py", SLEEPER)
        self.pm("start", script, "--name", "m", "-i", "2", "--merge-logs", "--time",
                "--error", "/dev/null")
        merged = os.path.join(self.home, "logs", "m-out.log")
        self.wait_for(lambda: os.path.exists(merged) and
                      open(merged).read().count("up None") == 2, "both instances in one file")
        line = open(merged).read().splitlines()[0]
        self.assertRegex(line, r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d: up None")
        self.assertFalse(glob.glob(os.path.join(self.home, "logs", "m*err*")))
        out = self.write("custom.log", "")
        self.pm("start", script, "--name", "c", "--output", out)
        self.wait_log(os.path.join(self.tmp, "custom-2.log"), "up None")

    def test_logs_json(self):
        script = self.write("worker.py", SLEEPER)
        self.pm("start", script, "--name", "j")
        self.wait_log(self.log_path("j", 0), "up")
        lines = self.pm("logs", "j", "--json", "--nostream", "--out").stdout.splitlines()
        self.assertEqual(json.loads(lines[0]), {"id": 0, "app": "j", "stream": "out",
                                                "message": "up None []"})

    def test_reload_logs_after_logrotate(self):
        script = self.write("ticker.py", "import time\ni = 0\nwhile True:\n"
                            "    print(f'tick {i}', flush=True)\n    i += 1\n    time.sleep(0.02)\n")
        self.pm("start", script, "--name", "t")
        path = self.log_path("t", 0)
        self.wait_log(path, "tick 1")
        os.rename(path, path + ".moved")
        self.pm("reloadLogs")
        self.wait_log(path, "tick")


class Operations(PmTestCase):
    def test_max_memory_restart_replaces_a_leaking_instance(self):
        port = free_port()
        script = self.write("leak.js", f"""
const http = require('http');
const hoard = [];
http.createServer((req, res) => res.end(String(process.pid))).listen({port});
setInterval(() => hoard.push(Buffer.alloc(8 * 1024 * 1024, 1)), 100);
""")
        self.pm("start", script, "--max-memory-restart", "120M")
        pid = self.rows("leak")[0]["pid"]
        row = self.wait_for(lambda: next((r for r in self.rows("leak")
                                          if r["pid"] != pid and r["status"] == "online"), None),
                            "the leaking instance to be replaced")
        self.assertGreaterEqual(row["restarts"], 1)
        self.assertIn("over max_memory_restart",
                      open(os.path.join(self.home, "pmd.log")).read())

    def test_scale_up_and_down(self):
        self.pm("start", "sleep 1000", "--name", "s", "-i", "2")
        self.pm("scale", "s", "4")
        self.wait_status("s", "online", count=4)
        self.assertEqual([r["id"] for r in self.rows("s")], [0, 1, 2, 3])
        removed = [r["pid"] for r in self.rows("s")][1:]
        self.pm("scale", "s", "-3")
        self.assertEqual([r["id"] for r in self.rows("s")], [0])
        for pid in removed:
            self.assertFalse(pid_alive(pid))
        self.pm("scale", "s", "+1")
        self.assertEqual(len(self.rows("s")), 2)
        self.assertIn("at least one instance", self.pm("scale", "s", "0", check=False).stderr)
        self.assertIn("N, +N or -N", self.pm("scale", "s", "lots", check=False).stderr)

    def test_reset_zeroes_restart_counters(self):
        self.pm("start", "sleep 1000", "--name", "r")
        self.pm("restart", "r")
        self.assertEqual(self.rows("r")[0]["restarts"], 1)
        self.pm("reset", "r")
        self.assertEqual(self.rows("r")[0]["restarts"], 0)

    def test_stop_exit_codes_and_history(self):
        self.pm("start", "sh -c 'echo once; exit 7'", "--name", "job", "--stop-exit-codes", "7",
                check=False)
        self.wait_status("job", "stopped")
        self.assertEqual(self.rows("job")[0]["restarts"], 0)
        self.assertIn("code 7 after", self.pm("describe", "job").stdout)


if __name__ == "__main__":
    main()
