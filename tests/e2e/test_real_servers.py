"""Real servers from Debian's packages, clustered by pm on one port: gunicorn
(inherited socket, LISTEN_FDS; and its own bind, through the preload library),
uvicorn (--fd), nginx (its own bind), puma (its own bind; and LISTEN_FDS).

Each answers "pid <pid of the process that served>", which for gunicorn and
nginx is a worker, a child of the instance. For each server, with -i 2: both
instances serve; two `pm reload` under load (new connections and a kept-alive
one) fail no request and replace every instance; kill -9 of an instance under
load refuses no connection and fails at most 2 requests; `pm stop` lets the
requests in flight finish (/slow answers only once the test releases it,
after the stop signal). Last, the README's gunicorn example, as written."""

import http.client
import http.server
import os
import shutil
import signal
import subprocess
import threading

from harness import (PM, Load, PmTestCase, ancestor_among, free_port, main, pid_alive,
                     process_tree)
from proc_sockets import requests_read

# /slow answers once the file "release" is in the app's directory (at most a
# minute): the test creates it once `pm stop` has signalled the server.
WSGI_APP = """import os, time

RELEASE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "release")


def app(environ, start_response):
    if environ["PATH_INFO"] == "/slow":
        for _ in range(6000):
            if os.path.exists(RELEASE):
                break
            time.sleep(0.01)
    body = f"pid {os.getpid()}\\n".encode()
    start_response("200 OK", [("Content-Type", "text/plain"),
                              ("Content-Length", str(len(body)))])
    return [body]


wsgi = app
"""

ASGI_APP = """import asyncio, os

RELEASE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "release")


async def app(scope, receive, send):
    if scope["type"] != "http":
        return
    if scope["path"] == "/slow":
        for _ in range(6000):
            if os.path.exists(RELEASE):
                break
            await asyncio.sleep(0.01)
    body = f"pid {os.getpid()}\\n".encode()
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"text/plain"),
                            (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})
"""

RACK_APP = """run lambda { |env|
  if env["PATH_INFO"] == "/slow"
    6000.times { File.exist?(File.join(Dir.pwd, "release")) ? break : sleep(0.01) }
  end
  [200, {"Content-Type" => "text/plain"}, ["pid #{Process.pid}\\n"]]
}
"""



class HeldUpstream:
    """An HTTP server on a free port of its own that answers only once
    released (at most a minute): the upstream of nginx's /slow."""

    def __init__(self):
        self.released = threading.Event()
        released = self.released

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                released.wait(60)
                body = b"pid upstream\n"
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.released.set()
        self.server.shutdown()
        self.server.server_close()


def find_program(name):
    """The path of program NAME (/usr/sbin too: nginx is there), or None."""
    return shutil.which(name, path=os.environ.get("PATH", "") + ":/usr/sbin:/sbin")


class ServerCase(PmTestCase):
    """A real server under pm. A subclass names the programs it needs and
    starts the app `name` with two instances on a port."""

    programs = ()
    name = None

    def setUp(self):
        for program in self.programs:
            if not find_program(program):
                self.skipTest(f"{program} is not installed (packaging/install-deps.sh installs it)")
        super().setUp()

    def app_dir(self, filename, source):
        directory = os.path.join(self.tmp, "app")
        os.makedirs(directory, exist_ok=True)
        with open(os.path.join(directory, filename), "w") as f:
            f.write(source)
        return directory

    def started(self, *options):
        """Start the server with `pm start OPTIONS`; its port once both
        instances are online and serving."""
        port = free_port()
        self.start_server(port, *options)
        self.wait_serving(port)
        return port

    def instance_pids(self):
        rows = self.wait_ready(self.name, count=2)
        return {row["pid"] for row in rows}

    def wait_serving(self, port):
        """Until each instance, or one of its workers, has answered."""
        pids = self.instance_pids()
        answers = {}

        def check():
            # Connections that wait at once, for servers whose idle workers
            # take turns unevenly (nginx: the first one woken keeps winning).
            connections = [http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                           for _ in range(4)]
            try:
                for connection in connections:
                    connection.connect()
                for connection in connections:
                    connection.request("GET", "/")
                for connection in connections:
                    pid = int(connection.getresponse().read().split()[1])
                    answers[pid] = ancestor_among(pid, pids)
            finally:
                for connection in connections:
                    connection.close()
            return set(answers.values()) >= pids
        self.wait_for(check, lambda: f"a process of each instance {pids} to answer on :{port} "
                      f"(answered, with their instance: {answers})")

    def processes(self):
        """Every process of the app's instances."""
        return set().union(*(process_tree(pid) for pid in self.instance_pids()))

    def release_slow_requests(self):
        """Lets /slow answer."""
        open(os.path.join(self.tmp, "app", "release"), "w").close()

    def wait_served(self, load, what):
        """Until both of LOAD's clients have had 20 more answers."""
        counted = dict(load.ok)
        self.wait_for(lambda: all(load.ok[kind] >= counted[kind] + 20 for kind in counted),
                      lambda: f"both clients to be served {what}: {counted} answers before, "
                      f"{load.ok} now, failures: {load.failures[:3]}")


class Scenarios:
    """The checks every server goes through; mixed into a ServerCase."""

    def test_two_reloads_under_load_fail_no_request_and_replace_every_instance(self):
        port = self.started()
        failed_after = []
        with Load(port) as load:
            self.wait_served(load, "at first")
            for _ in range(2):
                before = self.processes()
                old = self.instance_pids()
                self.pm("reload", self.name)
                self.assertTrue(self.instance_pids().isdisjoint(old), "every instance replaced")
                self.wait_for(lambda: not any(pid_alive(pid) for pid in before),
                              "every process of the old instances to exit")
                self.wait_served(load, "after the reload")
                failed_after.append(len(load.failures))
        self.assertEqual(load.failures, [],
                         f"{len(load.failures)} failed requests of "
                         f"{sum(load.ok.values()) + len(load.failures)} (count after each reload: "
                         f"{failed_after}, keep-alive retries: {load.retries})")

    def test_kill_9_of_an_instance_under_load_refuses_no_connection(self):
        port = self.started()
        victim = next(r["pid"] for r in self.rows(self.name) if r["id"] == 0)
        tree = process_tree(victim)
        with Load(port) as load:
            self.wait_served(load, "at first")
            os.kill(victim, signal.SIGKILL)
            row = self.wait_for(lambda: next((r for r in self.rows(self.name)
                                              if r["id"] == 0 and r["ready"]
                                              and r["pid"] != victim), None),
                                lambda: f"the killed instance to come back: {self.rows(self.name)}")
            self.wait_served(load, "after the kill")
        self.assertEqual(row["restarts"], 1)
        self.wait_for(lambda: not any(pid_alive(pid) for pid in tree),
                      f"every process of the killed instance to exit: {tree}")
        self.wait_serving(port)
        refused = [failure for failure in load.failures if "Refused" in failure]
        self.assertEqual(refused, [], "connections refused")
        self.assertLessEqual(len(load.failures), 2, f"failed requests: {load.failures}")

    def test_stop_lets_the_requests_in_flight_finish(self):
        # The deadline for leaving is no part of the test: the stop must be graceful.
        port = self.started("--kill-timeout", "30000")
        answers, sent = [], threading.Semaphore(0)

        def slow_request():
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            try:
                try:
                    connection.request("GET", "/slow")
                finally:
                    sent.release()
                response = connection.getresponse()
                answers.append((response.status, response.read().decode().split()[0]))
            except Exception as error:  # noqa: BLE001 - the test reports it
                answers.append(repr(error))
            finally:
                connection.close()
        clients = [threading.Thread(target=slow_request) for _ in range(2)]
        for client in clients:
            client.start()
        for _ in clients:
            sent.acquire()
        pids = self.instance_pids()
        stop = None
        try:
            # The processes are listed afresh: a worker may have booted since
            # its instance first answered, and taken one of the requests.
            self.wait_for(lambda: requests_read(port, self.processes()) == len(clients),
                          lambda: f"the server to read both requests (answers so far: {answers})")
            processes = self.processes()
            stop = subprocess.Popen([PM, "stop", self.name], env=self.env, cwd=self.tmp,
                                    stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            self.wait_for(lambda: all(f"stopping pid {pid} with" in self.pmd_log() for pid in pids),
                          lambda: f"pmd to signal both instances {pids} while the requests wait")
        finally:
            self.release_slow_requests()
            output = stop.communicate(timeout=60)[0] if stop else ""
        self.assertEqual(stop.returncode, 0, f"pm stop: {output}")
        for client in clients:
            client.join()
        self.assertEqual(answers, [(200, "pid")] * len(clients), "the requests in flight")
        self.wait_for(lambda: not any(pid_alive(pid) for pid in processes),
                      f"every process of the app to exit: {processes}")


class GunicornListenFds(Scenarios, ServerCase):
    """gunicorn reads LISTEN_FDS itself; one worker per instance (its
    default), with two threads: the two slow requests of the stop test may
    reach the same instance, and both must be in hand when it stops."""
    programs = ("gunicorn",)
    name = "gu"

    def start_server(self, port, *options):
        self.pm("start", "/usr/bin/gunicorn", "--name", self.name, "--listen",
                f"127.0.0.1:{port}", "-i", "2", *options, "--", "--threads", "2",
                "--chdir", self.app_dir("app.py", WSGI_APP), "app:app")


class GunicornOwnBind(Scenarios, ServerCase):
    """gunicorn binds the port itself (the preload library steps in); two
    workers per instance."""
    programs = ("gunicorn",)
    name = "gu"

    def start_server(self, port, *options):
        self.pm("start", "/usr/bin/gunicorn", "--name", self.name, "-i", "2", *options, "--",
                "--bind", f"127.0.0.1:{port}", "--workers", "2",
                "--chdir", self.app_dir("app.py", WSGI_APP), "app:app")


class Uvicorn(Scenarios, ServerCase):
    programs = ("uvicorn",)
    name = "uv"

    def start_server(self, port, *options):
        self.pm("start", "/usr/bin/uvicorn", "--name", self.name, "--listen",
                f"127.0.0.1:{port}", "-i", "2", *options, "--", "--fd", "{fd}",
                "--app-dir", self.app_dir("app.py", ASGI_APP), "--no-access-log", "app:app")


class Nginx(Scenarios, ServerCase):
    """nginx binds the port itself, a master with one worker per instance."""
    programs = ("nginx",)
    name = "ngx"

    def start_server(self, port, *options):
        prefix = os.path.join(self.tmp, "nginx")
        os.makedirs(prefix, exist_ok=True)
        self.upstream = HeldUpstream()
        self.addCleanup(self.upstream.close)
        # As root nginx would run its workers as nobody, who cannot enter the temp dir.
        conf = self.write("nginx.conf", f"""
{"user root;" if os.geteuid() == 0 else ""}
daemon off;
master_process on;
worker_processes 1;
error_log stderr;
pid {prefix}/nginx.pid;
events {{ worker_connections 256; }}
http {{
    access_log off;
    client_body_temp_path {prefix}/client_body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
    server {{
        listen 127.0.0.1:{port};
        location / {{ return 200 "pid $pid\\n"; }}
        location = /slow {{ proxy_pass http://127.0.0.1:{self.upstream.port}; }}
    }}
}}
""")
        self.pm("start", find_program("nginx"), "--name", self.name, "-i", "2", *options, "--",
                "-p", prefix, "-e", "stderr", "-c", conf)

    def release_slow_requests(self):
        self.upstream.released.set()


class PumaOwnBind(Scenarios, ServerCase):
    """puma (single mode) binds the port itself."""
    programs = ("puma", "ruby")
    name = "pu"

    def start_server(self, port, *options):
        app = self.app_dir("config.ru", RACK_APP)
        self.pm("start", "puma", "--name", self.name, "-i", "2", *options, "--",
                "-b", f"tcp://127.0.0.1:{port}", "--dir", app, os.path.join(app, "config.ru"))


class PumaListenFds(PumaOwnBind):
    """puma takes the socket from LISTEN_FDS when -b names its address."""

    def start_server(self, port, *options):
        app = self.app_dir("config.ru", RACK_APP)
        self.pm("start", "puma", "--name", self.name, "--listen", f"127.0.0.1:{port}", "-i", "2",
                *options, "--", "-b", "tcp://127.0.0.1:{port}", "--dir", app,
                os.path.join(app, "config.ru"))


class ReadmeExample(ServerCase):
    programs = ("gunicorn",)
    name = "gunicorn"

    def test_the_readme_gunicorn_example_serves(self):
        port = free_port()
        app = self.app_dir("app.py", WSGI_APP)
        self.pm("start", "gunicorn", "--listen", str(port), "-i", "2", "--", "app:wsgi", cwd=app)
        self.wait_serving(port)


if __name__ == "__main__":
    main()
