"""The short flags PM2 users type on `pm start`, meaning what they mean to
PM2: -f starts a duplicate, -p writes pid files, -x (fork mode) is taken;
and the ecosystem fields behind them (pid_file, exec_mode)."""

import json
import os

from harness import SHELL_SLEEPER, PmTestCase, main, pid_alive


def read_pid(path):
    with open(path) as f:
        return f.read().strip()


class StartFlags(PmTestCase):
    def test_force_starts_a_duplicate_under_the_same_name(self):
        script = self.write("sleeper.sh", SHELL_SLEEPER)
        self.pm("start", script, "--name", "w")
        [first] = self.wait_ready("w")
        result = self.pm("start", script, "--name", "w", check=False)
        self.assertEqual(result.returncode, 1)
        self.assertIn('an app named "w" already exists', result.stderr)
        self.pm("start", script, "--name", "w", "-f")
        rows = self.wait_ready("w", 2)
        self.assertEqual(rows[0]["pid"], first["pid"], "the running one is left alone")
        self.assertNotEqual(rows[1]["pid"], first["pid"])
        self.pm("start", script, "--name", "w", "--force", "-i", "2", "--no-wait")
        self.wait_ready("w", 4)
        # One name, as PM2 shows duplicates: stop acts on every one.
        self.pm("stop", "w")
        self.wait_status("w", "stopped", count=4)

    def test_pid_file_per_instance_as_pm2_names_it(self):
        script = self.write("sleeper.sh", SHELL_SLEEPER)
        pid_dir = os.path.join(self.tmp, "run", "pids")  # does not exist yet
        self.pm("start", script, "--name", "p", "-i", "2", "-p", "run/pids/app.pid")
        rows = self.wait_ready("p", 2)
        for row in rows:
            path = os.path.join(pid_dir, f"app-{row['id']}.pid")
            self.wait_for(lambda: os.path.exists(path), path)
            self.assertEqual(read_pid(path), str(row["pid"]))
        self.pm("restart", "p")
        restarted = self.wait_ready("p", 2)
        for row in restarted:
            path = os.path.join(pid_dir, f"app-{row['id']}.pid")
            self.wait_for(lambda: read_pid(path) == str(row["pid"]),
                          f"{path} to hold the new pid {row['pid']}")
        self.pm("stop", "p")
        self.wait_status("p", "stopped", count=2)
        self.assertEqual(os.listdir(pid_dir), [], "a stopped instance leaves no pid file")

    def test_pid_file_not_ending_in_pid_and_from_an_ecosystem_file(self):
        script = self.write("sleeper.sh", SHELL_SLEEPER)
        self.pm("start", script, "--name", "plain", "--pid", "plain.pidfile")
        [row] = self.wait_ready("plain")
        path = os.path.join(self.tmp, "plain.pidfile")
        self.wait_for(lambda: os.path.exists(path), path)
        self.assertEqual(read_pid(path), str(row["pid"]))
        self.write("ecosystem.json", json.dumps({"apps": [
            {"name": "eco", "script": "sleeper.sh", "pid_file": "eco.pid", "exec_mode": "fork"},
            {"name": "alias", "script": "sleeper.sh", "pid": "alias.pid",
             "exec_mode": "cluster_mode"},
        ]}))
        self.pm("start", "ecosystem.json")
        for name in ("eco", "alias"):
            [row] = self.wait_ready(name)
            path = os.path.join(self.tmp, f"{name}-{row['id']}.pid")
            self.wait_for(lambda: os.path.exists(path), path)
            self.assertEqual(read_pid(path), str(row["pid"]))

    def test_fork_mode_is_accepted_and_runs_the_program_as_usual(self):
        script = self.write("sleeper.sh", SHELL_SLEEPER)
        self.pm("start", script, "--name", "x", "-x")
        [row] = self.wait_ready("x")
        self.assertTrue(pid_alive(row["pid"]))
        self.wait_log(self.log_path("x", 0), "up")
        self.write("ecosystem.json", json.dumps({"apps": [
            {"name": "bad", "script": "sleeper.sh", "exec_mode": "forked"}]}))
        result = self.pm("start", "ecosystem.json", check=False)
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("exec_mode", result.stderr)


if __name__ == "__main__":
    main()
