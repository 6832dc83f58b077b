"""Targets as PM2 users type them: names, ids, all, namespaces, the script
as given to start, /regex/ on names; `pm pid`; `pm start` of several scripts
and of a known app; `restart --update-env`."""

import re

from harness import SLEEPER, PmTestCase, main, pid_alive


class Targets(PmTestCase):
    def pids(self, name):
        return sorted(row["pid"] for row in self.rows(name))

    def start_three(self):
        self.write("worker.py", SLEEPER)
        self.write("jobs.py", SLEEPER)
        self.pm("start", "worker.py", "--name", "web-1", "--namespace", "front")
        self.pm("start", "worker.py", "--name", "web-2", "--namespace", "front")
        self.pm("start", "jobs.py")
        for name in ("web-1", "web-2", "jobs"):
            self.wait_ready(name)

    def test_regex_namespace_and_script_name_are_targets(self):
        self.start_three()
        self.pm("stop", "/^web-/")
        self.wait_status("web-1", "stopped")
        self.wait_status("web-2", "stopped")
        self.assertEqual(self.rows("jobs")[0]["status"], "online")

        self.pm("restart", "front")
        self.wait_ready("web-1")
        self.wait_ready("web-2")

        old = self.pids("jobs")
        self.pm("restart", "jobs.py")
        self.wait_ready("jobs")
        self.assertNotEqual(self.pids("jobs"), old, "pm restart jobs.py restarted jobs")
        self.assertFalse(pid_alive(old[0]))

        rows = {row["name"]: row for row in self.jlist()}
        self.assertEqual(rows["web-1"]["namespace"], "front")
        self.assertEqual(rows["jobs"]["namespace"], "default")
        self.assertIn("front", self.pm("describe", "web-2").stdout)
        # `pm list` gets a namespace column once an app is not in "default".
        table = self.pm("list").stdout
        self.assertIn("namespace", table)
        self.assertRegex(table, r"web-1\s*│\s*front\s*│")
        described = self.pm("describe", "front").stdout
        self.assertEqual(re.findall(r"^(web-\d) \[", described, re.M), ["web-1", "web-2"])

        result = self.pm("stop", "/^api/", check=False)
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("no app name matches /^api/ (known: web-1, web-2, jobs)", result.stderr)
        result = self.pm("stop", "/(/", check=False)
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("not a valid regular expression", result.stderr)

    def test_targets_reach_every_command_that_names_apps(self):
        self.start_three()
        self.pm("signal", "SIGTERM", "/-2$/")
        self.wait_for(lambda: self.rows("web-2")[0]["restarts"] >= 1,
                      "web-2 to be restarted after SIGTERM")
        self.assertEqual(self.rows("web-1")[0]["restarts"], 0)
        self.pm("reset", "front")
        self.assertEqual(self.rows("web-2")[0]["restarts"], 0)
        self.pm("scale", "jobs.py", "2")
        self.wait_ready("jobs", 2)
        self.assertIn("PM_APP_NAME=web-1", self.pm("env", "front").stdout.splitlines())
        logs = self.pm("logs", "/^web/", "--nostream").stdout
        self.assertIn("web-1", logs)
        self.assertIn("web-2", logs)
        self.assertNotIn("jobs", logs)
        self.pm("delete", "front")
        self.assertEqual([row["name"] for row in self.jlist()], ["jobs", "jobs"])

    def test_pid_prints_one_pid_a_line(self):
        self.start_three()
        self.pm("scale", "web-1", "2")
        self.wait_ready("web-1", 2)
        out = self.pm("pid", "web-1").stdout.split()
        self.assertEqual(sorted(int(pid) for pid in out), self.pids("web-1"))
        everything = sorted(int(pid) for pid in self.pm("pid").stdout.split())
        self.assertEqual(everything, sorted(row["pid"] for row in self.jlist()))
        self.pm("stop", "jobs")
        self.wait_status("jobs", "stopped")
        self.assertEqual(self.pm("pid", "jobs").stdout, "0\n")
        result = self.pm("pid", "nope", check=False)
        self.assertNotEqual(result.returncode, 0)
        self.assertEqual(result.stdout, "")
        self.assertIn('no app named "nope"', result.stderr)

    def test_all_with_no_apps_fails_and_says_so(self):
        for command in ("stop", "restart", "reload", "delete"):
            with self.subTest(command=command):
                result = self.pm(command, "all", check=False)
                self.assertNotEqual(result.returncode, 0)
                self.assertIn("no apps to act on", result.stderr)

    def test_start_several_scripts_and_arguments_after_dashes(self):
        self.write("a.py", SLEEPER)
        self.write("b.py", SLEEPER)
        self.pm("start", "a.py", "b.py")
        self.wait_log(self.log_path("a", 0), "up None []")
        self.wait_log(self.log_path("b", 0), "up None []")
        self.write("c.py", SLEEPER)
        self.pm("start", "c.py", "--", "b.py", "x")
        self.wait_log(self.log_path("c", 0), "up None ['b.py', 'x']")
        self.assertEqual(sorted(row["name"] for row in self.jlist()), ["a", "b", "c"])
        self.assertNotIn("namespace", self.pm("list").stdout)
        result = self.pm("start", "a.py", "b.py", "--name", "two", check=False)
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("--name names one app", result.stderr)

    def test_start_of_a_known_app_starts_it_again(self):
        script = self.write("worker.py", SLEEPER)
        self.pm("start", script, "--name", "web")
        self.wait_ready("web")
        self.pm("stop", "web")
        self.wait_status("web", "stopped")
        self.pm("start", "web")
        self.wait_ready("web")
        self.pm("stop", "web")
        self.wait_status("web", "stopped")
        # The same script again: the stopped app starts, no second app.
        self.pm("start", script, "--name", "web")
        self.wait_ready("web")
        self.assertEqual(len(self.jlist()), 1)
        old = self.pids("web")
        self.pm("start", "web")  # running: restarted, as PM2 does
        self.wait_ready("web")
        self.assertNotEqual(self.pids("web"), old)
        result = self.pm("start", script, "--name", "web", check=False)
        self.assertIn('an app named "web" already exists', result.stderr)

    def test_restart_update_env(self):
        self.write("worker.py", SLEEPER)
        self.env["GREETING"] = "one"
        self.pm("start", "worker.py")
        self.wait_log(self.log_path("worker", 0), "up one")
        self.env["GREETING"] = "two"
        self.pm("restart", "worker")
        self.assertIn("GREETING=one", self.pm("env", "worker").stdout.splitlines())
        self.pm("restart", "worker", "--update-env", "--env", "EXTRA=3")
        self.wait_log(self.log_path("worker", 0), "up two")
        env = self.pm("env", "worker").stdout.splitlines()
        self.assertIn("GREETING=two", env)
        self.assertIn("EXTRA=3", env)
        result = self.pm("restart", "worker", "--env", "production", check=False)
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("name the file too", result.stderr)


if __name__ == "__main__":
    main()
