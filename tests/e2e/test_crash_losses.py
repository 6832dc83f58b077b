"""A crashing instance loses the request it was serving and nothing more.
Node instances accept one connection at a time (the preload's accept
pacing), and pmd's sockets hand a connection over only with its first bytes
(TCP_DEFER_ACCEPT), so what waits behind a dying instance, sent or not yet
sent, stays in the kernel's queue that pmd holds and its restart serves it.
--no-defer-accept turns the deferral off for servers that speak first."""

import os
import socket

from harness import PmTestCase, free_port, main

# GET /busy holds the loop until a file exists (connections queue behind it),
# GET /crash exits without answering, anything else answers the pid.
NODE_SERVER = """
const fs = require('fs');
const http = require('http');
const [port, flag] = [Number(process.argv[2]), process.argv[3]];
http.createServer((req, res) => {
  if (req.url === '/crash') process.exit(1);
  if (req.url === '/busy') {
    console.log('busy');
    const deadline = Date.now() + 60000;
    while (!fs.existsSync(flag) && Date.now() < deadline);
  }
  res.end(String(process.pid));
}).listen(port);
"""

# Says hello first, then echoes one line: a protocol where the server speaks first.
BANNER_SERVER = """
import os, socket, sys
listener = socket.socket()
listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
listener.bind(("127.0.0.1", int(sys.argv[1])))
listener.listen(16)
while True:
    connection, _ = listener.accept()
    connection.sendall(b"hello from %d\\n" % os.getpid())
    connection.sendall(connection.recv(100))
    connection.close()
"""

REQUEST = b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"


def connect(port):
    return socket.create_connection(("127.0.0.1", port), timeout=30)


def send(client, path):
    client.sendall(REQUEST.replace(b"GET /", b"GET " + path.encode()))


def answer(client):
    """The body of the response on `client`, or what went wrong."""
    data = b""
    try:
        while chunk := client.recv(4096):
            data += chunk
    except OSError as error:
        return f"error: {error}"
    finally:
        client.close()
    if not data:
        return "closed without an answer"
    return data.split(b"\r\n\r\n", 1)[-1].decode()


class CrashLosses(PmTestCase):
    def start_node(self, *flags):
        port = free_port()
        script = self.write("crashy.js", NODE_SERVER)
        self.flag = os.path.join(self.tmp, "go-on")
        self.pm("start", script, "--name", "crashy", *flags, "--", str(port), self.flag)
        self.wait_ready("crashy")
        return port, self.rows("crashy")[0]["pid"]

    def wait_restarted(self, old_pid):
        self.wait_for(lambda: any(row["pid"] not in (0, old_pid) and row["ready"]
                                  for row in self.rows("crashy")),
                      "the crashed instance to be back")

    def test_requests_queued_behind_a_crash_are_served_by_its_restart(self):
        port, pid = self.start_node()
        busy = connect(port)
        send(busy, "/busy")
        self.wait_log(self.log_path("crashy", 0), "busy")
        # While the instance is held up: the crash, then ten more, all sent.
        crash = connect(port)
        send(crash, "/crash")
        queued = [connect(port) for _ in range(10)]
        for client in queued:
            send(client, "/")
        with open(self.flag, "w"):
            pass
        self.assertEqual(answer(busy), str(pid))
        self.assertEqual(answer(crash), "closed without an answer")
        answers = [answer(client) for client in queued]
        self.wait_restarted(pid)
        new_pid = str(self.rows("crashy")[0]["pid"])
        self.assertEqual(answers, [new_pid] * 10)

    def silent_then_crash(self, *flags):
        """Five clients connect and say nothing, a sixth crashes the
        instance; then the five speak. Their answers, and the new pid."""
        port, pid = self.start_node(*flags)
        silent = [connect(port) for _ in range(5)]
        crash = connect(port)
        send(crash, "/crash")
        self.assertEqual(answer(crash), "closed without an answer")
        self.wait_restarted(pid)
        for client in silent:
            send(client, "/")
        return [answer(client) for client in silent], str(self.rows("crashy")[0]["pid"])

    def test_connections_that_have_not_spoken_yet_survive_a_crash(self):
        answers, new_pid = self.silent_then_crash()
        self.assertEqual(answers, [new_pid] * 5)

    def test_without_deferral_a_crash_takes_the_silent_connections(self):
        # The trade-off --no-defer-accept makes: the instance took them
        # before they spoke (the crash request queued behind them).
        answers, new_pid = self.silent_then_crash("--no-defer-accept")
        self.assertNotIn(new_pid, answers)

    def test_a_server_that_speaks_first_works_with_no_defer_accept(self):
        port = free_port()
        script = self.write("banner.py", BANNER_SERVER)
        self.pm("start", script, "--name", "banner", "-i", "2", "--no-defer-accept", "--",
                str(port))
        self.wait_ready("banner", count=2)
        self.assertIn("at once (--no-defer-accept)", self.pm("describe", "banner").stdout)
        pids = {str(row["pid"]) for row in self.rows("banner")}
        for _ in range(4):
            client = connect(port)
            banner = client.makefile("rb").readline().decode()
            self.assertRegex(banner, r"^hello from \d+\n$")
            self.assertIn(banner.split()[-1], pids)
            client.sendall(b"ping\n")
            self.assertEqual(client.recv(100), b"ping\n")
            client.close()

    def test_describe_names_the_deferral(self):
        self.start_node()
        self.assertIn("with its first bytes", self.pm("describe", "crashy").stdout)


if __name__ == "__main__":
    main()
