"""Statuses as PM2 users read them: `online` as soon as the process runs
(`launching` only while --wait-ready waits for the signal), and readiness,
what reloads and `pm start` wait for, as a field and a column of its own."""

import os

from harness import SLEEPER, PmTestCase, free_port, http_get, main, pid_alive

# Serves on the socket pmd passes at fd 3 once GATE exists.
GATED_SERVER = """
import http.server, os, socket, time
server = http.server.HTTPServer(("", 0), http.server.BaseHTTPRequestHandler,
                                bind_and_activate=False)
server.socket = socket.socket(fileno=3)
while not os.path.exists({gate!r}):
    time.sleep(0.02)
server.serve_forever()
"""


class Statuses(PmTestCase):
    def table_row(self, name):
        return next(line for line in self.pm("list").stdout.splitlines() if f" {name} " in line)

    def test_a_plain_program_is_online_when_start_returns_and_ready_later(self):
        script = self.write("worker.py", SLEEPER)
        out = self.pm("start", script).stdout
        self.assertIn("started worker (1 instance): online, not ready yet", out)
        [row] = self.rows("worker")
        self.assertEqual((row["status"], row["ready"]), ("online", False))
        self.assertTrue(pid_alive(row["pid"]))
        self.assertRegex(self.table_row("worker"), r"│ online\s+│ no\s+│")
        # No signal: ready once listen_timeout (3000 ms) has passed.
        self.wait_ready("worker")
        self.assertRegex(self.table_row("worker"), r"│ online\s+│ yes\s+│")
        self.assertIn("yes, by no signal within listen_timeout",
                      self.pm("describe", "worker").stdout)

    def test_restart_shows_online_at_once(self):
        script = self.write("worker.py", SLEEPER)
        self.pm("start", script, "--listen-timeout", "60000")
        before = self.rows("worker")[0]["pid"]
        self.pm("restart", "worker")
        [row] = self.rows("worker")
        self.assertNotEqual(row["pid"], before)
        self.assertEqual((row["status"], row["ready"]), ("online", False))

    def test_a_listen_program_is_ready_once_it_serves(self):
        gate = os.path.join(self.tmp, "gate")
        port = free_port()
        script = self.write("late.py", GATED_SERVER.format(gate=gate))
        self.pm("start", script, "--listen", f"127.0.0.1:{port}", "--no-wait",
                "--listen-timeout", "60000")
        [row] = self.rows("late")
        self.assertEqual((row["status"], row["ready"]), ("online", False))
        open(gate, "w").close()
        self.wait_ready("late")
        http_get(port)

    def test_start_waits_for_a_listen_program_and_says_it_is_ready(self):
        gate = self.write("gate", "")  # open from the start
        port = free_port()
        script = self.write("quick.py", GATED_SERVER.format(gate=gate))
        out = self.pm("start", script, "--listen", f"127.0.0.1:{port}", "-i", "2",
                      "--listen-timeout", "60000").stdout
        self.assertIn("started quick (2 instances): online, ready", out)
        self.assertEqual([(r["status"], r["ready"]) for r in self.rows("quick")],
                         [("online", True)] * 2)

    def test_wait_ready_shows_launching_until_the_signal_as_pm2_does(self):
        gate = os.path.join(self.tmp, "gate")
        script = self.write("worker.js", f"""
const fs = require('fs');
const timer = setInterval(() => {{
  if (fs.existsSync({gate!r})) {{ process.send('ready'); clearInterval(timer); }}
}}, 20);
setInterval(() => {{}}, 1000);
""")
        self.pm("start", script, "--wait-ready", "--no-wait", "--listen-timeout", "60000")
        [row] = self.rows("worker")
        self.assertEqual((row["status"], row["ready"]), ("launching", False))
        self.assertTrue(pid_alive(row["pid"]))
        open(gate, "w").close()
        self.wait_ready("worker")


if __name__ == "__main__":
    main()
