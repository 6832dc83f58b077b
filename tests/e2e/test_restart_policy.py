"""When pm restarts an instance by itself: crashes, crash loops,
--no-autorestart, --stop-exit-codes, --max-memory-restart; pm reset."""

import os
import re
import signal

from harness import SHELL_SLEEPER, PmTestCase, free_port, main, pid_alive


class RestartPolicy(PmTestCase):
    def exits(self, name):
        """The exit history `pm describe` shows: [(pid, exit, stopped or crashed)]."""
        return [(int(pid), exit, how) for pid, exit, how in re.findall(
            r"^  exit .*  pid (\d+)  (.+) after \S+ \((stopped|crashed)\)$",
            self.pm("describe", name).stdout, re.MULTILINE)]

    def test_kill_9_brings_the_instance_back_with_one_restart(self):
        script = self.write("sleeper.sh", SHELL_SLEEPER)
        self.pm("start", script, "--name", "web")
        pid = self.wait_ready("web")[0]["pid"]
        os.kill(pid, signal.SIGKILL)
        row = self.wait_for(
            lambda: next((r for r in self.rows("web")
                          if r["ready"] and r["pid"] != pid), None),
            "the killed instance to come back")
        self.assertEqual(row["restarts"], 1)
        self.assertEqual(self.exits("web"), [(pid, "SIGKILL", "crashed")])

    def test_a_crash_loop_ends_errored(self):
        result = self.pm("start", "sh -c 'echo boom >&2; exit 3'", "--name", "loop",
                         "--max-restarts", "3", check=False)
        self.assertEqual(result.returncode, 1)
        self.assertIn("instance 0: exited (code 3) before it was ready", result.stderr)
        self.assertIn("    boom", result.stderr)
        rows = self.wait_status("loop", "errored")
        self.assertEqual(rows[0]["restarts"], 2, "3 exits in all, as PM2 counts max_restarts")
        self.assertIn("not restarting", self.pm("describe", "loop").stdout)
        exits = self.exits("loop")
        self.assertEqual([(exit, how) for _, exit, how in exits], [("code 3", "crashed")] * 3)
        self.assertEqual(len({pid for pid, _, _ in exits}), 3, "three runs, three pids")
        # A manual restart gives it another full set of chances.
        self.pm("restart", "loop", check=False)
        self.wait_for(lambda: self.rows("loop")[0]["status"] == "errored"
                      and self.rows("loop")[0]["restarts"] == 5,
                      "the restarted crash loop to end errored again after 3 more exits")
        self.assertEqual(len(self.exits("loop")), 6)

    def test_no_autorestart(self):
        self.pm("start", "sh -c 'exit 0'", "--name", "once", "--no-autorestart")
        rows = self.wait_status("once", "stopped")
        self.assertEqual(rows[0]["restarts"], 0)

    def test_stop_exit_codes_and_history(self):
        self.pm("start", "sh -c 'echo once; exit 7'", "--name", "job", "--stop-exit-codes", "7",
                check=False)
        self.wait_status("job", "stopped")
        self.assertEqual(self.rows("job")[0]["restarts"], 0)
        [(_, exit, how)] = self.exits("job")
        self.assertEqual((exit, how), ("code 7", "crashed"), "it left by itself")

    def test_max_memory_restart_replaces_a_leaking_instance(self):
        port = free_port()
        # The leak stops at 160 MB of buffers: over the limit, never past
        # twice the limit, where pmd would restart without a replacement.
        script = self.write("leak.js", f"""
const http = require('http');
const hoard = [];
http.createServer((req, res) => res.end(String(process.pid))).listen({port});
setInterval(() => hoard.length < 20 && hoard.push(Buffer.alloc(8 * 1024 * 1024, 1)), 100);
""")
        self.pm("start", script, "--max-memory-restart", "120M")
        pid = self.rows("leak")[0]["pid"]
        row = self.wait_for(lambda: next((r for r in self.rows("leak")
                                          if r["pid"] != pid and r["ready"]), None),
                            "the leaking instance to be replaced")
        self.assertGreaterEqual(row["restarts"], 1)
        exited = f"leak[0]: pid {pid} exited"
        self.wait_log(os.path.join(self.home, "pmd.log"), exited)
        log = self.pmd_log()
        reloading = "app leak: reloading instance(s) for memory"
        self.assertIn(reloading, log)
        self.assertIn("over max_memory_restart 120 MB", log[log.index(reloading):].splitlines()[0])
        # Replacement first: the new process was ready before the old one went.
        self.assertIn("leak[0]: ready", log[log.index(reloading):log.index(exited)], log)

    def test_memory_counts_the_whole_process_tree(self):
        # A shell in front, as `npm start` or a wrapper script puts one: the
        # shell holds 1 MB, its child 150 MB.
        hold = self.write("hold.py", "import time\nhoard = b'x' * (150 << 20)\n"
                          "print('holding', flush=True)\ntime.sleep(1000)\n")
        self.pm("start", "sh", "--name", "wrapped", "--max-memory-restart", "100M",
                "--", "-c", f"python3 {hold}; exit 0")
        [row] = self.rows("wrapped")
        self.wait_log(self.log_path("wrapped", 0), "holding")
        self.wait_for(lambda: self.rows("wrapped")[0]["memory"] >= 150 << 20,
                      "pm list to show the tree's memory")
        self.wait_for(lambda: any(r["pid"] != row["pid"] for r in self.rows("wrapped")),
                      "the instance over its limit to be replaced")
        log = self.pmd_log()
        self.assertIn("over max_memory_restart", log)
        self.assertNotIn("over twice", log)

    def test_past_twice_the_limit_an_instance_is_restarted_at_once(self):
        # Far over the limit within a second: waiting for a replacement to be
        # ready (3 s here) would let it grow on.
        leak = self.write("burst.py", "import time\nhoard = b'x' * (300 << 20)\n"
                          "print('burst', flush=True)\ntime.sleep(1000)\n")
        self.pm("start", leak, "--max-memory-restart", "100M", "--no-wait")
        pid = self.rows("burst")[0]["pid"]
        self.wait_for(lambda: "over twice max_memory_restart" in
                      self.pmd_log(),
                      "the instance to be restarted past its ceiling")
        self.wait_for(lambda: not pid_alive(pid), "the old process to be gone")
        self.wait_for(lambda: self.rows("burst")[0]["restarts"] >= 1, "a restart counted")

    def test_reset_zeroes_restart_counters(self):
        self.pm("start", "sleep 1000", "--name", "r")
        pid = self.rows("r")[0]["pid"]
        self.pm("restart", "r")
        self.assertEqual(self.rows("r")[0]["restarts"], 1)
        self.assertEqual(self.exits("r"), [(pid, "SIGINT", "stopped")])
        self.pm("reset", "r")
        self.assertEqual(self.rows("r")[0]["restarts"], 0)


if __name__ == "__main__":
    main()
