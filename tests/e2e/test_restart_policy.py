"""When pm restarts an instance by itself: crashes, crash loops,
--no-autorestart, --stop-exit-codes, --max-memory-restart; pm reset."""

import os
import signal

from harness import SHELL_SLEEPER, PmTestCase, free_port, main


class RestartPolicy(PmTestCase):
    def test_kill_9_brings_the_instance_back_with_one_restart(self):
        script = self.write("sleeper.sh", SHELL_SLEEPER)
        self.pm("start", script, "--name", "web")
        pid = self.wait_status("web", "online")[0]["pid"]
        os.kill(pid, signal.SIGKILL)
        row = self.wait_for(
            lambda: next((r for r in self.rows("web")
                          if r["status"] == "online" and r["pid"] != pid), None),
            "the killed instance to come back")
        self.assertEqual(row["restarts"], 1)
        describe = self.pm("describe", "web").stdout
        self.assertIn("SIGKILL", describe)

    def test_a_crash_loop_ends_errored(self):
        result = self.pm("start", "sh -c 'echo boom >&2; exit 3'", "--name", "loop",
                         "--max-restarts", "3", check=False)
        self.assertEqual(result.returncode, 1)
        self.assertIn("instance 0: exited (code 3) before it was ready", result.stderr)
        self.assertIn("    boom", result.stderr)
        rows = self.wait_status("loop", "errored")
        self.assertEqual(rows[0]["restarts"], 2, "3 exits in all, as PM2 counts max_restarts")
        describe = self.pm("describe", "loop").stdout
        self.assertIn("code 3", describe)
        self.assertIn("not restarting", describe)
        # A manual restart gives it another full set of chances.
        self.pm("restart", "loop", check=False)
        self.wait_for(lambda: self.rows("loop")[0]["status"] == "errored"
                      and self.rows("loop")[0]["restarts"] == 5,
                      "the restarted crash loop to end errored again after 3 more exits")

    def test_no_autorestart(self):
        self.pm("start", "sh -c 'exit 0'", "--name", "once", "--no-autorestart")
        rows = self.wait_status("once", "stopped")
        self.assertEqual(rows[0]["restarts"], 0)

    def test_stop_exit_codes_and_history(self):
        self.pm("start", "sh -c 'echo once; exit 7'", "--name", "job", "--stop-exit-codes", "7",
                check=False)
        self.wait_status("job", "stopped")
        self.assertEqual(self.rows("job")[0]["restarts"], 0)
        self.assertIn("code 7 after", self.pm("describe", "job").stdout)

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

    def test_reset_zeroes_restart_counters(self):
        self.pm("start", "sleep 1000", "--name", "r")
        self.pm("restart", "r")
        self.assertEqual(self.rows("r")[0]["restarts"], 1)
        self.pm("reset", "r")
        self.assertEqual(self.rows("r")[0]["restarts"], 0)


if __name__ == "__main__":
    main()
