"""Prometheus metrics (PM_METRICS): what pmd serves at /metrics is valid for
promtool, a real Prometheus server scrapes it, the figures are the
instances' own, and a bad address or a client that says nothing costs
pmd nothing."""

import json
import os
import re
import resource
import shutil
import signal
import socket
import subprocess
import urllib.parse
import urllib.request

from harness import PID_SERVER, PmTestCase, free_port, http_get, main


def scrape(port, path="/metrics"):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10) as response:
        return response.headers.get("Content-Type"), response.read().decode()


def samples(text, name):
    """{frozenset of (label, value)}: value} of one metric."""
    found = {}
    for line in text.splitlines():
        match = re.match(name + r"(\{(.*)\})? (\S+)$", line)
        if match:
            labels = frozenset(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', match.group(2) or ""))
            found[labels] = float(match.group(3))
    return found


def non_loopback_address():
    """An IPv4 address of this machine other than loopback, or None."""
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        probe.connect(("192.0.2.1", 9))  # no packet is sent
        address = probe.getsockname()[0]
    except OSError:
        return None
    finally:
        probe.close()
    return None if address.startswith("127.") else address


class Metrics(PmTestCase):
    def start_web(self, metrics):
        self.env["PM_METRICS"] = metrics
        port = free_port()
        self.pm("start", self.write("web.py", PID_SERVER), "-i", "2", "--", str(port))
        self.wait_ready("web", 2)
        return port

    def test_instances_listeners_and_pmd_as_promtool_and_prometheus_read_them(self):
        metrics = free_port()
        app_port = self.start_web(str(metrics))
        self.assertTrue(http_get(app_port).startswith("pid "))
        content_type, text = scrape(metrics)
        self.assertEqual(content_type, "text/plain; version=0.0.4; charset=utf-8")

        check = subprocess.run(["promtool", "check", "metrics"], input=text, capture_output=True,
                               text=True, timeout=60)
        self.assertEqual(check.returncode, 0, check.stdout + check.stderr)

        rows = self.rows("web")
        expected = {frozenset({("app", "web"), ("id", str(r["id"])), ("pid", str(r["pid"]))})
                    for r in rows}
        self.assertEqual(set(samples(text, "pm_instance_ready")), expected)
        self.assertEqual(set(samples(text, "pm_instance_ready").values()), {1.0})
        for labels, memory in samples(text, "pm_instance_resident_memory_bytes").items():
            self.assertGreater(memory, 1 << 20, labels)
        online = {labels for labels, value in samples(text, "pm_instance_status").items()
                  if value == 1}
        self.assertEqual(online, {labels | {("status", "online")} for labels in expected})
        queue = samples(text, "pm_listen_queue_connections")
        self.assertEqual(len(queue), 1, queue)
        self.assertTrue(dict(next(iter(queue)))["address"].endswith(f":{app_port}"), queue)
        self.assertEqual(samples(text, "pm_daemon_resident_memory_bytes").keys(), {frozenset()})
        self.assertGreater(samples(text, "pm_daemon_open_fds")[frozenset()], 3)

        # A crash shows as a restart of that slot, under the new pid.
        victim = rows[0]
        os.kill(victim["pid"], signal.SIGKILL)
        self.wait_for(lambda: (lambda r: r["pid"] not in (0, victim["pid"])
                               and r["status"] == "online" and r["ready"])(self.rows("web")[0]),
                      "the killed instance to be back")
        new_pid = self.rows("web")[0]["pid"]
        restarts = samples(scrape(metrics)[1], "pm_instance_restarts_total")
        self.assertEqual(restarts[frozenset({("app", "web"), ("id", str(victim["id"])),
                                             ("pid", str(new_pid))})], 1)

        self.prometheus_scrapes(metrics, {str(r["pid"]) for r in self.rows("web")})

    def test_drops_at_a_full_accept_queue_are_counted_per_address(self):
        metrics = free_port()
        self.env["PM_METRICS"] = str(metrics)
        port = free_port()
        # Binds, listens and never accepts: its queue fills.
        script = self.write("deaf.py", """
import socket, sys, time
listener = socket.socket()
listener.bind(("127.0.0.1", int(sys.argv[1])))
listener.listen(8)
time.sleep(3600)
""")
        self.pm("start", script, "--name", "deaf", "--no-defer-accept", "--", str(port))
        self.wait_ready("deaf")
        drops = samples(scrape(metrics)[1], "pm_listen_drops_total")
        self.assertEqual(len(drops), 1, drops)
        key = next(iter(drops))
        self.assertEqual(dict(key)["app"], "deaf")
        self.assertTrue(dict(key)["address"].endswith(f":{port}"), drops)
        self.assertEqual(drops[key], 0)
        with open("/proc/sys/net/core/somaxconn") as f:
            backlog = int(f.read())
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        wanted = backlog + 200
        if hard != resource.RLIM_INFINITY and hard < wanted + 100:
            self.skipTest(f"filling a queue of {backlog} needs more than {hard} open files")
        if soft < wanted + 100:
            resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, wanted + 100), hard))
        clients = []
        try:
            for _ in range(wanted):
                client = socket.socket()
                client.setblocking(False)
                client.connect_ex(("127.0.0.1", port))
                clients.append(client)
            self.wait_for(lambda: samples(scrape(metrics)[1], "pm_listen_drops_total")[key] > 0,
                          "drops at the full queue to be counted")
        finally:
            for client in clients:
                client.close()

    def prometheus_scrapes(self, metrics, pids):
        web = free_port()
        config = self.write("prometheus.yml", f"""
global:
  scrape_interval: 1s
scrape_configs:
  - job_name: pm
    static_configs:
      - targets: ["127.0.0.1:{metrics}"]
""")
        server = subprocess.Popen(
            ["prometheus", f"--config.file={config}",
             f"--storage.tsdb.path={os.path.join(self.tmp, 'tsdb')}",
             f"--web.listen-address=127.0.0.1:{web}"],
            stdout=subprocess.DEVNULL, stderr=open(os.path.join(self.tmp, "prometheus.log"), "w"))
        self.addCleanup(lambda: (server.terminate(), server.wait(timeout=30)))
        query = urllib.parse.quote('pm_instance_ready{app="web"}')

        def series():
            try:
                with urllib.request.urlopen(
                        f"http://127.0.0.1:{web}/api/v1/query?query={query}", timeout=5) as reply:
                    result = json.load(reply)["data"]["result"]
            except OSError:
                return None
            found = {s["metric"]["pid"] for s in result if s["value"][1] == "1"}
            return found if found == pids else None

        def log():
            with open(os.path.join(self.tmp, "prometheus.log")) as f:
                return "Prometheus to return a ready series for pids " \
                    f"{sorted(pids)}; its log ends:\n{f.read()[-2000:]}"
        self.wait_for(series, log, deadline=120)

    def test_a_bare_port_is_loopback_only(self):
        address = non_loopback_address()
        if address is None:
            self.skipTest("this machine has no address but loopback")
        metrics = free_port()
        self.start_web(str(metrics))
        scrape(metrics)
        with self.assertRaises(OSError):
            socket.create_connection((address, metrics), timeout=5).close()

    def test_only_get_metrics_is_served(self):
        metrics = free_port()
        self.start_web(f"127.0.0.1:{metrics}")
        with self.assertRaises(urllib.error.HTTPError) as missing:
            scrape(metrics, "/")
        self.assertEqual(missing.exception.code, 404)
        request = urllib.request.Request(f"http://127.0.0.1:{metrics}/metrics", data=b"x")
        with self.assertRaises(urllib.error.HTTPError) as posted:
            urllib.request.urlopen(request, timeout=10)
        self.assertEqual(posted.exception.code, 405)

    def test_silent_and_garbage_clients_do_not_stop_the_scrapes(self):
        metrics = free_port()
        self.start_web(str(metrics))
        silent = [socket.create_connection(("127.0.0.1", metrics)) for _ in range(10)]
        garbage = socket.create_connection(("127.0.0.1", metrics))
        garbage.sendall(os.urandom(40000))
        self.assertIn("pm_instance_ready", scrape(metrics)[1])
        for s in silent + [garbage]:
            s.close()
        self.assertTrue(self.daemon_pid())
        self.assertEqual(len(self.rows("web")), 2)

    def test_an_address_pmd_cannot_take_leaves_it_running_and_says_why(self):
        for bad in ("not-an-address", f"127.0.0.1:{self.busy_port()}"):
            with self.subTest(bad=bad):
                self.start_web(bad)
                self.wait_for(lambda: f"PM_METRICS={bad}: " in self.pmd_log(),
                              f"pmd.log to say why PM_METRICS={bad} is not served")
                self.assertIn("no metrics are served", self.pmd_log())
                self.pm("kill")
                shutil.rmtree(self.home, ignore_errors=True)

    def busy_port(self):
        holder = socket.socket()
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        self.addCleanup(holder.close)
        return holder.getsockname()[1]

    def test_probes_for_orchestrators(self):
        metrics = free_port()
        self.env["PM_METRICS"] = str(metrics)
        self.pm("ping")

        def status(path):
            try:
                return urllib.request.urlopen(f"http://127.0.0.1:{metrics}{path}",
                                              timeout=10).status
            except urllib.error.HTTPError as error:
                return error.code
        self.assertEqual(status("/live"), 200)
        self.assertEqual(status("/ready"), 503, "no app: nothing serves")
        self.pm("start", self.write("web.py", PID_SERVER), "-i", "2", "--", str(free_port()))
        self.wait_ready("web", 2)
        self.assertEqual(status("/ready"), 200)
        # An instance that never says it is ready keeps the whole pmd unready.
        self.pm("start", self.write("mute.py", "import time\ntime.sleep(1000)\n"),
                "--wait-ready", "--listen-timeout", "60000", "--no-wait")
        self.assertEqual(status("/ready"), 503)
        self.pm("stop", "mute")
        self.wait_status("mute", "stopped")
        self.assertEqual(status("/ready"), 200, "an app stopped on purpose does not count")

    def test_off_unless_asked(self):
        self.env.pop("PM_METRICS", None)
        self.pm("ping")
        self.assertNotIn("metrics", self.pmd_log())


if __name__ == "__main__":
    main()
