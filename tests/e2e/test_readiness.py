"""When an instance counts as ready (`ready` in jlist; its status is online
as soon as its process runs): sd_notify READY=1, a Node ready message, the
first accept of a --listen program that says nothing, and --wait-ready
without any of them."""

import os
import socket

from harness import PmTestCase, free_port, http_get, main


class Readiness(PmTestCase):
    def test_sd_notify_makes_an_online_instance_ready(self):
        gate = os.path.join(self.tmp, "gate")
        script = self.write("notify.py", f"""
import os, socket, time
while not os.path.exists({gate!r}):
    time.sleep(0.02)
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.sendto(b"STATUS=warming up\\nREADY=1", os.environ["NOTIFY_SOCKET"])
time.sleep(1000)
""")
        self.pm("start", script, "--no-wait", "--listen-timeout", "60000")
        [row] = self.rows("notify")
        self.assertEqual((row["status"], row["ready"]), ("online", False))
        open(gate, "w").close()
        self.wait_ready("notify")
        self.assertIn("sd_notify", self.pm("describe", "notify").stdout)

    def test_one_notify_socket_tells_the_instances_apart(self):
        script = self.write("notify_child.py", f"""
import os, socket, time
gate = os.path.join({self.tmp!r}, "gate-" + os.environ["PM_ID"])
while not os.path.exists(gate):
    time.sleep(0.02)
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.sendto(b"READY=1", os.environ["NOTIFY_SOCKET"])
time.sleep(1000)
""")
        # The sender is the shell's child, as a server behind `npm start` is.
        self.pm("start", "sh", "--name", "wrapped", "-i", "3", "--no-wait",
                "--listen-timeout", "60000", "--", "-c", f"python3 {script}; exit 1")
        rows = self.rows("wrapped")
        self.assertEqual([(r["status"], r["ready"]) for r in rows], [("online", False)] * 3)
        # A process of no instance's is nobody's ready signal.
        outsider = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        outsider.sendto(b"READY=1", os.path.join(self.home, "notify", "notify.sock"))
        outsider.close()
        chosen = rows[1]["id"]
        open(os.path.join(self.tmp, f"gate-{chosen}"), "w").close()
        self.wait_for(lambda: [r["ready"] for r in self.rows("wrapped")] == [False, True, False],
                      "only the gated instance ready")
        self.assertIn("sd_notify", self.pm("describe", str(chosen)).stdout)

    def test_a_listen_program_is_ready_once_it_accepts(self):
        gate = os.path.join(self.tmp, "gate-{id}")
        script = self.write("late.py", f"""
import http.server, os, socket, sys, time
server = http.server.HTTPServer(("", 0), http.server.BaseHTTPRequestHandler,
                                bind_and_activate=False)
server.socket = socket.socket(fileno=3)
while not os.path.exists({gate!r}.format(id=os.environ["PM_ID"])):
    time.sleep(0.02)
server.serve_forever()
""")
        port = free_port()
        # No ready signal and a listen timeout far away: only the accept counts.
        self.pm("start", script, "--listen", f"127.0.0.1:{port}", "-i", "2", "--no-wait",
                "--listen-timeout", "60000")
        rows = self.rows("late")
        self.assertEqual([(r["status"], r["ready"]) for r in rows], [("online", False)] * 2)
        open(gate.format(id=rows[1]["id"]), "w").close()
        self.wait_for(lambda: [r["ready"] for r in self.rows("late")] == [False, True],
                      "only the instance that accepts to be ready")
        self.assertIn("ready              yes, by its first accept",
                      self.pm("describe", str(rows[1]["id"])).stdout)
        # pmd's probe went to that instance alone: the other one's queue
        # holds only its own probe, and it is still not ready.
        self.assertFalse(self.rows("late")[0]["ready"])
        open(gate.format(id=rows[0]["id"]), "w").close()
        self.wait_ready("late")
        http_get(port)

    def test_wait_ready_without_a_signal_fails_the_start(self):
        script = self.write("silent.py", "import time\ntime.sleep(1000)\n")
        result = self.pm("start", script, "--wait-ready", "--listen-timeout", "300", check=False)
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("no ready signal within 300 ms", result.stderr)

    def test_node_ready_message_with_wait_ready(self):
        script = self.write("worker.js", "setTimeout(() => process.send('ready'), 50);"
                            "setInterval(() => {}, 1000);\n")
        self.pm("start", script, "--wait-ready", "--listen-timeout", "20000")
        [row] = self.rows("worker")
        self.assertEqual((row["status"], row["ready"]), ("online", True))
        self.assertIn("ready message", self.pm("describe", "worker").stdout)


if __name__ == "__main__":
    main()
