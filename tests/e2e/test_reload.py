"""Rolling reload, graceful stop, and messages to instances."""

import http.client
import os
import signal
import subprocess
import threading
import time

from harness import PM, PmTestCase, free_port, http_get, main, pid_alive

EXAMPLES = os.path.join(os.path.dirname(__file__), "..", "..", "examples")

NODE_SERVER = """
const http = require('http');
const fs = require('fs');
if (fs.existsSync(process.env.BROKEN_FLAG || '/nonexistent')) {
  console.error('this version is broken: cannot read config');
  process.exit(1);
}
http.createServer((req, res) => res.end(`pid ${process.pid} ${process.env.RELEASE || ''}`))
    .listen(Number(process.argv[2]));
"""

# Single-threaded on purpose: on SIGINT it finishes the request in hand, then exits.
PY_SERVER = """
import http.server, os, signal, sys, threading
class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = f"pid {os.getpid()}".encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *args):
        pass
server = http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), Handler)
signal.signal(signal.SIGINT, lambda *_: threading.Thread(target=server.shutdown).start())
server.serve_forever(poll_interval=0.05)
"""


class Load:
    """Clients requesting in a loop until stopped: one with a new connection
    per request, one on a kept-alive connection (which, like any HTTP client,
    retries an idempotent request once when the server closed the idle
    connection under it)."""

    def __init__(self, port):
        self.port = port
        self.stop = threading.Event()
        self.ok = {"new": 0, "keepalive": 0}
        self.failures = []
        self.retries = 0
        self.pids = set()
        self.threads = [threading.Thread(target=self.new_connections),
                        threading.Thread(target=self.keep_alive)]

    def record(self, kind, body):
        self.ok[kind] += 1
        self.pids.add(body.split()[1])

    def new_connections(self):
        while not self.stop.is_set():
            connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
            try:
                connection.request("GET", "/")
                response = connection.getresponse()
                body = response.read().decode()
                if response.status != 200:
                    self.failures.append(f"new: status {response.status}")
                else:
                    self.record("new", body)
            except Exception as error:  # noqa: BLE001 - every failure counts
                self.failures.append(f"new: {error!r}")
            finally:
                connection.close()

    def keep_alive(self):
        connection = None
        while not self.stop.is_set():
            for attempt in (1, 2):
                reused = connection is not None
                if connection is None:
                    connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
                try:
                    connection.request("GET", "/")
                    response = connection.getresponse()
                    body = response.read().decode()
                    if response.will_close:
                        connection.close()
                        connection = None
                    self.record("keepalive", body)
                    break
                except (http.client.RemoteDisconnected, ConnectionResetError,
                        BrokenPipeError) as error:
                    connection.close()
                    connection = None
                    if not reused or attempt == 2:
                        self.failures.append(f"keepalive: {error!r}")
                        break
                    self.retries += 1
                except Exception as error:  # noqa: BLE001
                    self.failures.append(f"keepalive: {error!r}")
                    connection = None
                    break

    def __enter__(self):
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        for thread in self.threads:
            thread.join()


class Reload(PmTestCase):
    def reload_under_load(self, name, port):
        before = {r["id"]: r["pid"] for r in self.rows(name)}
        with Load(port) as load:
            self.wait_for(lambda: load.ok["new"] > 20 and load.ok["keepalive"] > 20,
                          "the load to get going")
            out = self.pm("reload", "all").stdout
            counted = dict(load.ok)
            self.wait_for(lambda: load.ok["new"] > counted["new"] + 20, "load after the reload")
        self.assertEqual(load.failures, [], "failed requests during the reload")
        after = {r["id"]: r["pid"] for r in self.rows(name)}
        self.assertEqual(sorted(after), sorted(before), "same instance ids")
        for instance_id, pid in before.items():
            self.assertNotEqual(after[instance_id], pid, "every pid changed")
            self.assertFalse(pid_alive(pid))
        self.assertIn(f"{name}[0] pid {after[0]} is ready; stopping pid {before[0]}", out)
        self.assertEqual({r["restarts"] for r in self.rows(name)}, {1})
        return load

    def test_reload_node_app_under_load_fails_no_request(self):
        port = free_port()
        self.pm("start", self.write("web.js", NODE_SERVER), "-i", "2", "--", str(port))
        load = self.reload_under_load("web", port)
        self.assertGreater(load.ok["keepalive"], 40)
        # pm's graceful close answers "Connection: close" instead of dropping
        # kept-alive connections: the client never has to retry.
        self.assertEqual(load.retries, 0)

    def test_reload_python_app_under_load_fails_no_request(self):
        port = free_port()
        self.pm("start", self.write("web.py", PY_SERVER), "-i", "2", "--", str(port))
        self.wait_status("web", "online")
        self.reload_under_load("web", port)

    def test_a_replacement_that_crashes_aborts_the_reload(self):
        port = free_port()
        flag = os.path.join(self.tmp, "broken")
        self.env["BROKEN_FLAG"] = flag
        self.pm("start", self.write("web.js", NODE_SERVER), "-i", "2", "--", str(port))
        before = [r["pid"] for r in self.rows("web")]
        open(flag, "w").close()
        result = self.pm("reload", "web", check=False)
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("reload of web aborted; the old instances keep serving", result.stderr)
        self.assertIn("instance 0: the replacement exited (code 1) before it was ready",
                      result.stderr)
        self.assertIn("this version is broken: cannot read config", result.stderr)
        self.assertEqual([r["pid"] for r in self.rows("web")], before)
        self.assertEqual({r["status"] for r in self.rows("web")}, {"online"})
        self.assertTrue(http_get(port).startswith("pid "))
        self.assertIn("this version is broken", self.pm("describe", "web").stdout)
        # Fixed: the next reload goes through and clears the mark.
        os.remove(flag)
        self.pm("reload", "web")
        self.assertNotIn("this version is broken", self.pm("describe", "web").stdout)


    def test_sigusr2_to_the_daemon_reloads_everything(self):
        port = free_port()
        self.pm("start", self.write("web.js", NODE_SERVER), "-i", "2", "--", str(port))
        before = {r["pid"] for r in self.rows("web")}
        os.kill(self.daemon_pid(), signal.SIGUSR2)
        self.wait_for(lambda: (lambda rows: {r["pid"] for r in rows}.isdisjoint(before)
                               and all(r["status"] == "online" for r in rows))(self.rows("web")),
                      "every instance to be replaced after SIGUSR2")
        self.assertIn("SIGUSR2: every app reloaded",
                      self.wait_for(lambda: (lambda t: t if "every app reloaded" in t else None)(
                          open(os.path.join(self.home, "pmd.log")).read()),
                                    "the reload to be logged"))

    def test_update_env_and_parallel(self):
        port = free_port()
        self.env["RELEASE"] = "v1"
        self.pm("start", self.write("web.js", NODE_SERVER), "-i", "2", "--", str(port))
        self.assertTrue(http_get(port).endswith("v1"))
        self.env["RELEASE"] = "v2"
        self.pm("reload", "web")
        self.assertTrue(http_get(port).endswith("v1"), "without --update-env the env stays")
        self.pm("reload", "web", "--update-env", "--parallel", "2")
        for _ in range(10):
            self.assertTrue(http_get(port).endswith("v2"))

    def test_a_second_reload_of_the_same_app_is_refused(self):
        gate = os.path.join(self.tmp, "gate")
        script = self.write("slow.js", f"""
const fs = require('fs');
const timer = setInterval(() => {{
  if (fs.existsSync({gate!r})) {{ clearInterval(timer); process.send('ready'); }}
}}, 20);
setInterval(() => {{}}, 1000);
""")
        open(gate, "w").close()
        self.pm("start", script, "--wait-ready", "--listen-timeout", "30000")
        os.remove(gate)
        self.pm("reload", "slow", "--no-wait")
        result = self.pm("reload", "slow", check=False)
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("a reload of slow is already running", result.stderr)
        before = self.rows("slow")[0]["pid"]
        open(gate, "w").close()
        self.wait_for(lambda: self.rows("slow")[0]["pid"] != before, "the first reload to end")

    def test_restart_is_still_stop_then_start(self):
        port = free_port()
        self.pm("start", self.write("web.js", NODE_SERVER), "-i", "2", "--", str(port))
        before = [r["pid"] for r in self.rows("web")]
        self.pm("restart", "web")
        for pid in before:
            self.assertFalse(pid_alive(pid))
        self.assertTrue(http_get(port).startswith("pid "))


class GracefulStop(PmTestCase):
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
        started = time.monotonic()
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
        self.assertLess(time.monotonic() - started, 25, "stopped long before --kill-timeout")
        self.assertFalse(pid_alive(holder["pid"]))

    def find_holder(self, rows, port):
        """The instance that holds the established connection to `port`."""
        def holder():
            for row in rows:
                if self.has_established(row["pid"], port):
                    return row
            return None
        return self.wait_for(holder, "an instance to accept the slow request")

    def has_established(self, pid, port):
        inodes = set()
        for fd in os.listdir(f"/proc/{pid}/fd"):
            try:
                link = os.readlink(f"/proc/{pid}/fd/{fd}")
            except OSError:
                continue
            if link.startswith("socket:["):
                inodes.add(link[8:-1])
        for table in ("/proc/net/tcp", "/proc/net/tcp6"):
            with open(table) as f:
                for line in f.readlines()[1:]:
                    fields = line.split()
                    local_port = int(fields[1].split(":")[1], 16)
                    if local_port == port and fields[3] == "01" and fields[9] in inodes:
                        return True
        return False


    def test_shutdown_with_message(self):
        script = self.write("channel.py", open(os.path.join(EXAMPLES, "channel.py")).read())
        self.pm("start", script, "--wait-ready", "--shutdown-with-message")
        self.pm("stop", "channel")
        self.wait_log(self.log_path("channel", 0), 'got "shutdown"')
        self.assertIn("code 0", self.pm("describe", "channel").stdout)


class Messages(PmTestCase):
    def test_node_broadcast_with_pm_send(self):
        port = free_port()
        self.env["PORT"] = str(port)
        self.pm("start", os.path.join(EXAMPLES, "users_count.js"), "-i", "2", "--name", "web")
        out = self.pm("send", "web", '{"usersCount":25}').stdout
        self.assertIn("sent to instances 0, 1", out)
        seen = set()
        def both_answer():
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            connection.request("GET", "/")
            body = connection.getresponse().read().decode()
            connection.close()
            self.assertTrue(body.startswith("users: 25 "), body)
            seen.add(body.split("pid ")[1])
            return len(seen) == 2
        self.wait_for(both_answer, "both instances to answer")

    def test_python_instance_receives_messages_on_pm_channel_fd(self):
        script = self.write("channel.py", open(os.path.join(EXAMPLES, "channel.py")).read())
        self.pm("start", script, "--wait-ready")
        self.assertIn("ready message", self.pm("describe", "channel").stdout)
        self.pm("send", "channel", '{"greeting": "hi"}')
        self.pm("send", "0", '[1, 2, 3]')
        self.wait_log(self.log_path("channel", 0), 'got {"greeting": "hi"}')
        self.wait_log(self.log_path("channel", 0), "got [1, 2, 3]")

    def test_bad_messages_and_signals(self):
        self.pm("start", "sleep 1000", "--name", "s")
        result = self.pm("send", "s", "{not json", check=False)
        self.assertIn("not JSON", result.stderr)
        result = self.pm("signal", "SIGNOPE", "s", check=False)
        self.assertIn("not a signal", result.stderr)
        self.pm("stop", "s")
        result = self.pm("send", "s", "1", check=False)
        self.assertIn("not running, nothing sent", result.stderr)

    def test_pm_signal(self):
        script = self.write("usr1.py", "import signal, time\n"
                            "signal.signal(signal.SIGUSR1, lambda *_: print('got USR1', flush=True))\n"
                            "print('ready', flush=True)\nwhile True: time.sleep(1)\n")
        self.pm("start", script)
        self.wait_log(self.log_path("usr1", 0), "ready")
        self.assertIn("sent SIGUSR1 to instance 0", self.pm("signal", "USR1", "usr1").stdout)
        self.wait_log(self.log_path("usr1", 0), "got USR1")


if __name__ == "__main__":
    main()
