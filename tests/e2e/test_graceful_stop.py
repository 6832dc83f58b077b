"""Stopping an instance gently: in-flight requests finish, no new ones arrive,
and --shutdown-with-message asks it to leave."""

import http.client
import os
import signal
import subprocess

from harness import EXAMPLES, PM, PmTestCase, free_port, http_get, main, pid_alive
from proc_sockets import holds_connection


class GracefulStop(PmTestCase):
    def serial_server(self, port, gate, seconds_per_request=0.0):
        """A server answering one request at a time, "pid <pid>", each after
        `seconds_per_request`; /busy holds its request until the file `gate`
        exists. SIGINT (pm's stop signal for Python) ends it after the
        request in hand."""
        return self.write("serial.py", f"""
import os, signal, socket, time
stopping = []
signal.signal(signal.SIGINT, lambda *_: stopping.append(1))
listener = socket.socket()
listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
listener.bind(("127.0.0.1", {port}))
listener.listen(64)
listener.settimeout(0.05)
while not stopping:
    try:
        connection, _ = listener.accept()
    except socket.timeout:
        continue
    connection.settimeout(None)
    request = connection.recv(1000)
    if request.startswith(b"GET /busy"):
        print("busy", flush=True)
        while not os.path.exists({gate!r}):
            pass
    time.sleep({seconds_per_request})
    body = b"pid %d" % os.getpid()
    connection.sendall(b"HTTP/1.1 200 OK\\r\\nContent-Length: %d\\r\\n\\r\\n%s" % (len(body), body))
    connection.close()
""")

    def start_serial(self, port, kill_timeout, seconds_per_request=0.0):
        """Starts serial_server as the app "serial"; its gate file and pid."""
        gate = os.path.join(self.tmp, "gate")
        script = self.serial_server(port, gate, seconds_per_request)
        self.pm("start", script, "--name", "serial", "--kill-timeout", str(kill_timeout))
        self.wait_ready("serial")
        return gate, self.rows("serial")[0]["pid"]

    def send_requests(self, port, count):
        """`count` connections that have each sent a request."""
        sent = []
        for _ in range(count):
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            self.addCleanup(connection.close)
            connection.request("GET", "/")
            sent.append(connection)
        return sent

    def queue_behind_a_busy_request(self, port, count):
        """A /busy request in hand (once the server said so), and `count`
        requests sent behind it."""
        busy = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        busy.request("GET", "/busy")
        self.addCleanup(busy.close)
        self.wait_log(self.log_path("serial", 0), "busy")
        return busy, self.send_requests(port, count)

    def test_a_stopping_node_instance_finishes_its_request_and_takes_no_new_ones(self):
        port = free_port()
        gate = os.path.join(self.tmp, "gate")
        script = self.write("slow.js", f"""
const http = require('http'), fs = require('fs');
http.createServer((req, res) => {{
  const reply = () => res.end(`pid ${{process.pid}}`);
  if (req.url !== '/slow') return reply();
  const timer = setInterval(() => {{
    if (fs.existsSync({gate!r})) {{ clearInterval(timer); reply(); }}
  }}, 10);
}}).listen({port});
""")
        self.pm("start", script, "-i", "2", "--kill-timeout", "30000")
        rows = self.rows("slow")
        # Hold a slow request on some instance, then stop exactly that one.
        slow = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        slow.request("GET", "/slow")
        holder = self.find_holder(rows, port)
        stopper = subprocess.Popen([PM, "stop", str(holder["id"])], env=self.env,
                                   stdout=subprocess.DEVNULL)
        self.wait_for(lambda: self.rows("slow")[holder["id"]]["status"] == "stopping",
                      "the instance to be stopping")
        other = [r["pid"] for r in rows if r["id"] != holder["id"]][0]
        for _ in range(20):
            self.assertEqual(http_get(port), f"pid {other}", "a stopping instance got a request")
        open(gate, "w").close()
        self.assertEqual(slow.getresponse().read().decode(), f"pid {holder['pid']}",
                         "the in-flight request finished")
        # Node keeps a kept-alive connection open until its keepAliveTimeout.
        slow.close()
        self.assertEqual(stopper.wait(timeout=30), 0)
        self.assertNotIn("sending SIGKILL", self.pmd_log(),
                         "the instance left by itself, not at --kill-timeout")
        self.assertFalse(pid_alive(holder["pid"]))

    def find_holder(self, rows, port):
        """The instance that holds the established connection to `port`."""
        def holder():
            for row in rows:
                if holds_connection(row["pid"], port):
                    return row
            return None
        return self.wait_for(holder, "an instance to accept the slow request")

    def test_stopping_the_last_instance_serves_what_waits_in_its_queue(self):
        """`pm stop` (and pm run's SIGTERM, and pm kill) of a whole app:
        connections already queued for the last instance are served before it
        gets its stop signal; one made after the stop began is turned away
        when the port closes, not served by a dying process nor left hanging."""
        port = free_port()
        gate, pid = self.start_serial(port, 30000)
        busy, queued = self.queue_behind_a_busy_request(port, 5)
        stopper = subprocess.Popen([PM, "stop", "serial"], env=self.env,
                                   stdout=subprocess.DEVNULL)
        self.wait_for(lambda: "new connections are turned away" in self.pmd_log(),
                      "pmd to turn new connections away")
        late = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        late.request("GET", "/")
        open(gate, "w").close()
        self.assertEqual(busy.getresponse().read().decode(), f"pid {pid}")
        for connection in queued:
            self.assertEqual(connection.getresponse().read().decode(), f"pid {pid}")
        self.assertEqual(stopper.wait(timeout=60), 0)
        with self.assertRaises((ConnectionError, http.client.RemoteDisconnected)):
            late.getresponse()
        late.close()

    def test_a_drain_outlasts_the_kill_timeout_while_the_instance_takes_from_its_queue(self):
        """A reload's drain is bounded by the kill timeout only when the old
        instance takes nothing from its queue: a slow one serves all of it."""
        port = free_port()
        gate, pid = self.start_serial(port, 500, seconds_per_request=0.3)
        busy, queued = self.queue_behind_a_busy_request(port, 5)
        reload = subprocess.Popen([PM, "reload", "serial"], env=self.env,
                                  stdout=subprocess.DEVNULL)
        self.wait_for(lambda: f"draining pid {pid}" in self.pmd_log(), "the drain to begin")
        open(gate, "w").close()
        # Six requests of 0.3 s: three times the kill timeout.
        for connection in [busy, *queued]:
            self.assertEqual(connection.getresponse().read().decode(), f"pid {pid}")
        self.assertEqual(reload.wait(timeout=60), 0)
        self.assertNotIn("still queued", self.pmd_log())

    def test_a_drain_gives_up_on_an_instance_that_takes_nothing(self):
        """Its queue is reset once nothing was taken for the kill timeout:
        the clients learn at once, and the reload goes on."""
        port = free_port()
        _, pid = self.start_serial(port, 500)
        os.kill(pid, signal.SIGSTOP)
        queued = self.send_requests(port, 3)
        self.pm("reload", "serial")
        self.assertIn("3 connection(s) still queued, none taken for", self.pmd_log())
        for connection in queued:
            with self.assertRaises((ConnectionError, http.client.RemoteDisconnected)):
                connection.getresponse()
        self.assertFalse(pid_alive(pid))
        self.assertEqual(http_get(port), f"pid {self.rows('serial')[0]['pid']}")

    def test_shutdown_with_message(self):
        script = self.write("channel.py", open(os.path.join(EXAMPLES, "channel.py")).read())
        self.pm("start", script, "--wait-ready", "--shutdown-with-message")
        self.pm("stop", "channel")
        self.wait_log(self.log_path("channel", 0), 'got "shutdown"')
        self.assertIn("code 0", self.pm("describe", "channel").stdout)


if __name__ == "__main__":
    main()
