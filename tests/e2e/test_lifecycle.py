"""start, list, stop, restart, delete, scale; the environment an app gets."""

import json
import os
import shutil

from harness import SHELL_SLEEPER, PmTestCase, main, pid_alive


class Lifecycle(PmTestCase):
    def test_start_list_stop_restart_delete_by_name_id_and_all(self):
        script = self.write("sleeper.sh", SHELL_SLEEPER)
        out = self.pm("start", script, "-i", "2", "--name", "web").stdout
        self.assertIn("started web (2 instances)", out)
        self.pm("start", script, "--name", "worker")
        web = self.wait_ready("web", count=2)
        self.assertEqual(sorted(r["id"] for r in web), [0, 1])
        self.assertEqual({r["mode"] for r in web}, {"cluster"})
        self.assertEqual(self.rows("worker")[0]["mode"], "fork")

        table = self.pm("list").stdout
        for word in ("id", "name", "mode", "pid", "uptime", "status", "cpu", "mem", "web",
                     "worker", "online"):
            self.assertIn(word, table)
        self.assertNotIn("\033[", table, "no colour when stdout is not a tty")
        self.assertEqual(self.pm("ls").stdout.splitlines()[1], table.splitlines()[1])
        self.assertEqual(json.loads(self.pm("list", "--json").stdout)[0]["name"], "web")

        # By id: only that instance.
        old = {r["id"]: r["pid"] for r in self.rows("web")}
        self.pm("stop", "1")
        rows = {r["id"]: r for r in self.rows("web")}
        self.assertEqual(rows[1]["status"], "stopped")
        self.assertEqual(rows[0]["status"], "online")
        self.assertFalse(pid_alive(old[1]))

        # By name: every instance of the app, and it comes back with new pids.
        self.pm("restart", "web")
        rows = self.wait_ready("web", count=2)
        self.assertNotIn(rows[0]["pid"], old.values())
        self.assertEqual(rows[0]["restarts"], 1)
        self.wait_log(self.log_path("web", 0), "up 0 0 web")
        self.wait_log(self.log_path("web", 1), "up 1 1 web")

        # all
        self.pm("stop", "all")
        self.assertEqual({r["status"] for r in self.jlist()}, {"stopped"})
        self.pm("delete", "worker")
        self.assertEqual({r["name"] for r in self.jlist()}, {"web"})
        self.pm("delete", "0")
        self.assertEqual([r["id"] for r in self.jlist()], [1])
        self.pm("delete", "all")
        self.assertEqual(self.jlist(), [])

    def test_environment_of_the_cli_and_env_flags_reach_the_app(self):
        script = self.write("sleeper.sh", SHELL_SLEEPER)
        self.env["GREETING"] = "from-cli"
        self.pm("start", script, "--name", "a")
        self.wait_log(self.log_path("a", 0), "up 0 0 a from-cli")
        self.pm("start", script, "--name", "b", "--env", "GREETING=from-flag")
        self.wait_log(self.log_path("b", 0), "up 1 0 b from-flag")

    def test_unknown_targets_fail_and_name_what_exists(self):
        script = self.write("sleeper.sh", SHELL_SLEEPER)
        self.pm("start", script, "--name", "web")
        self.pm("start", script, "--name", "worker")
        for command in ("stop", "restart", "delete", "describe"):
            result = self.pm(command, "api", check=False)
            self.assertNotEqual(result.returncode, 0)
            self.assertIn('pm: no app named "api" (known: web, worker)', result.stderr)
        result = self.pm("bogus", check=False)
        self.assertEqual(result.returncode, 2)
        self.assertIn('pm: unknown command "bogus"', result.stderr)
        self.assertIn("Usage: pm", self.pm().stdout)
        result = self.pm("stop", "42", check=False)
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("no instance with id 42", result.stderr)

    def test_bad_start_requests_are_refused_clearly(self):
        script = self.write("sleeper.sh", SHELL_SLEEPER)
        self.pm("start", script, "--name", "web")
        result = self.pm("start", script, "--name", "web", check=False)
        self.assertNotEqual(result.returncode, 0)
        self.assertIn('an app named "web" already exists', result.stderr)
        result = self.pm("start", "no-such-program-xyz", check=False)
        self.assertIn("neither a file", result.stderr)
        result = self.pm("start", script, "-i", "lots", check=False)
        self.assertIn("instances must be a number", result.stderr)
        result = self.pm("start", script, "--kill-signal", "SIGNOPE", check=False)
        self.assertIn("not a signal", result.stderr)
        self.assertEqual([r["name"] for r in self.jlist()], ["web"])

    def test_instances_max_and_negative(self):
        script = self.write("sleeper.sh", SHELL_SLEEPER)
        cpus = len(os.sched_getaffinity(0))
        self.pm("start", script, "--name", "m", "-i", "max")
        self.assertEqual(len(self.rows("m")), cpus)
        self.pm("start", script, "--name", "n", "-i", "-1")
        self.assertEqual(len(self.rows("n")), max(1, cpus - 1))

    def test_node_and_python_programs(self):
        js = self.write("hello.js", "console.log('node says hi', process.env.PM_ID);"
                        "setInterval(() => {}, 1000);\n")
        py = self.write("hello.py", "import os, sys, time\nprint('python says hi', "
                        "os.environ['PM_ID'], flush=True)\ntime.sleep(1000)\n")
        self.pm("start", js)
        self.wait_log(self.log_path("hello", 0), "node says hi 0")
        result = self.pm("start", py, check=False)
        self.assertIn('"hello" already exists', result.stderr)
        self.pm("delete", "hello")
        self.pm("start", py)
        # Id 0 again, as PM2 counts once no app is left; the same files,
        # named by app and instance number.
        self.wait_log(self.log_path("hello", 0), "python says hi 0")
        with open(self.log_path("hello", 0)) as f:
            self.assertIn("node says hi 0", f.read(), "pm delete kept the log")
        self.assertEqual(sorted(os.listdir(os.path.join(self.home, "logs"))),
                         ["hello-0-err.log", "hello-0-out.log"])

    def test_a_ruby_script_runs_under_ruby(self):
        if not shutil.which("ruby"):
            self.skipTest("ruby is not installed (Debian: apt-get install ruby)")
        # Not executable and without a #! line: only its extension says ruby.
        script = self.write("hello.rb", "$stdout.sync = true\n"
                            "puts \"ruby #{RUBY_VERSION} says hi #{ENV['PM_ID']}\"\nsleep\n")
        self.pm("start", script)
        self.wait_log(self.log_path("hello", 0), "says hi 0")
        command = next(line for line in self.pm("describe", "hello").stdout.splitlines()
                       if line.strip().startswith("command"))
        self.assertEqual(command.split()[1:], [shutil.which("ruby"), script])

    def test_scale_up_and_down(self):
        self.pm("start", "sleep 1000", "--name", "s", "-i", "2")
        self.pm("scale", "s", "4")
        self.wait_ready("s", count=4)
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


if __name__ == "__main__":
    main()
