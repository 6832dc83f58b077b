"""Shared set-up for pm's end-to-end tests.

Every test gets a private PM_HOME in a temp dir, drives the real `pm` binary
(which starts the real `pmd`), runs real child programs, and checks what a
user would see. Waits are on events (a state in `pm jlist`, a line in a log,
a port accepting), each with a generous deadline and a clear failure message.
Child programs that tests share live in programs/.
"""

import errno
import glob
import http.client
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
BIN_DIR = os.environ.get("PM_BIN_DIR") or os.path.join(HERE, "..", "..", "build")
PM = os.path.abspath(os.path.join(BIN_DIR, "pm"))
DEADLINE = float(os.environ.get("PM_TEST_DEADLINE", "20"))
EXAMPLES = os.path.join(HERE, "..", "..", "examples")


def program(name):
    """The source of tests/e2e/programs/NAME. Tests write it into their temp
    dir under a name of their own, since pm names an app after its script."""
    with open(os.path.join(HERE, "programs", name)) as f:
        return f.read()


SLEEPER = program("sleeper.py")
SHELL_SLEEPER = program("sleeper.sh")
PID_SERVER = program("pid_server.py")


def pid_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie has exited; only its parent has not reaped it yet.
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def parent_pids():
    """{pid: its parent's pid} for every process there is."""
    parents = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    parents[int(entry)] = int(stat.read().rsplit(")", 1)[1].split()[1])
            except OSError:
                pass  # it exited meanwhile
    return parents


def process_tree(pid):
    """PID and its descendants, as far as they are alive."""
    children = {}
    for child, parent in parent_pids().items():
        children.setdefault(parent, []).append(child)
    tree, todo = set(), [pid]
    while todo:
        tree.add(todo[-1])
        todo.extend(children.get(todo.pop(), []))
    return tree


def ancestor_among(pid, candidates):
    """The one of CANDIDATES that PID is or descends from, or None."""
    parents = parent_pids()
    while pid and pid not in candidates:
        pid = parents.get(pid)
    return pid or None


def http_get(port, path="/", timeout=10):
    """The body of GET http://127.0.0.1:port/path, on a connection of its own."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request("GET", path)
        return connection.getresponse().read().decode()
    finally:
        connection.close()


def _port_block():
    """The ports this test process may hand out: a block of its own.

    The ports lie outside the kernel's ephemeral range, which client sockets
    (load threads, pm's own connections) draw from, so none of them can take
    a port between free_port() and the server binding it. Each test file gets
    its own block, by its place among the test files (a hash could give two
    files one block under `ctest -j2`); within the block each process starts
    at an offset of its pid, for two runs of one file at once.
    """
    with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
        low, high = (int(n) for n in f.read().split())
    below, above = (1024, low), (high + 1, 65536)
    start, end = max(below, above, key=lambda span: span[1] - span[0])
    files = sorted(os.path.basename(p) for p in glob.glob(os.path.join(HERE, "test_*.py")))
    main_file = os.path.basename(getattr(sys.modules["__main__"], "__file__", "") or "")
    index = files.index(main_file) if main_file in files else len(files)
    size = (end - start) // (len(files) + 1)
    first = start + index * size
    return range(first, first + size), os.getpid() % size


_PORTS, _next_port = _port_block()


def free_port():
    """A port no other test file uses and nothing listens on. Each call
    gives another port, so two servers of one test never share one."""
    global _next_port
    for _ in range(len(_PORTS)):
        port = _PORTS[_next_port % len(_PORTS)]
        _next_port += 1
        if _can_bind(port):
            return port
    raise RuntimeError(f"no free port in {_PORTS}")


def _can_bind(port):
    """Whether `port` is free on every address, as pmd binds it: [::] dual
    stack, or 0.0.0.0 without IPv6. A port in TIME_WAIT from an earlier test
    counts as taken."""
    try:
        with socket.socket(socket.AF_INET6) as s:
            s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
            s.bind(("::", port))
    except OSError as error:
        if error.errno not in (errno.EAFNOSUPPORT, errno.EADDRNOTAVAIL):
            return False
        with socket.socket() as s:
            try:
                s.bind(("0.0.0.0", port))
            except OSError:
                return False
    return True


class Load:
    """Clients requesting in a loop until stopped: one with a new connection
    per request, one on a kept-alive connection (which, like any HTTP client,
    retries an idempotent request once when the server closed the idle
    connection under it). Servers answer "pid <pid>": `pids` holds the pids
    that answered, `failures` says what went wrong with each failed request."""

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
                    if response.status != 200:
                        self.failures.append(f"keepalive: status {response.status}")
                    else:
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
                    connection.close()
                    connection = None
                    break
        if connection is not None:
            connection.close()

    def __enter__(self):
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        for thread in self.threads:
            thread.join()


class PmTestCase(unittest.TestCase):
    maxDiff = None

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="pm-e2e-")
        self.home = os.path.join(self.tmp, "home")
        self.env = dict(os.environ)
        self.env["PM_HOME"] = self.home
        # Sanitizer builds write their reports here; tearDown fails on any.
        self.env["ASAN_OPTIONS"] = f"log_path={self.tmp}/asan:detect_leaks=1"
        self.env["UBSAN_OPTIONS"] = f"log_path={self.tmp}/ubsan:print_stacktrace=1"

    def tearDown(self):
        result = self._outcome.result
        if any(test is self for test, _ in result.failures + result.errors):
            # What pmd saw is what tells a failure on CI's machine apart.
            try:
                lines = self.pmd_log().splitlines(True)[-80:]
                sys.stderr.write("--- the last lines of pmd.log:\n" + "".join(lines))
            except OSError:
                pass
        pmd = self.daemon_pid()
        if pmd:
            self.pm("kill", check=False)
            self.wait_for(lambda: not pid_alive(pmd), "pmd to exit after pm kill")
        reports = glob.glob(f"{self.tmp}/asan*") + glob.glob(f"{self.tmp}/ubsan*")
        text = "".join(open(path).read() for path in reports)
        shutil.rmtree(self.tmp, ignore_errors=True)
        self.assertEqual(text, "", "sanitizer reports")

    # --- driving pm -----------------------------------------------------
    def pm(self, *args, check=True, timeout=60, cwd=None):
        result = subprocess.run([PM, *args], env=self.env, cwd=cwd or self.tmp,
                                capture_output=True, text=True, timeout=timeout)
        if check and result.returncode != 0:
            self.fail(f"pm {' '.join(args)} exited {result.returncode}:\n"
                      f"{result.stdout}{result.stderr}")
        return result

    def jlist(self):
        return json.loads(self.pm("jlist").stdout)

    def rows(self, name):
        return [row for row in self.jlist() if row["name"] == name]

    def pmd_log(self):
        with open(os.path.join(self.home, "pmd.log")) as f:
            return f.read()

    def daemon_pid(self):
        try:
            with open(os.path.join(self.home, "pmd.pid")) as f:
                pid = int(f.read())
        except (OSError, ValueError):
            return None
        return pid if pid_alive(pid) else None

    # --- waiting ----------------------------------------------------------
    def wait_for(self, predicate, what, deadline=DEADLINE):
        """PREDICATE's first true value. WHAT says what is awaited; a callable
        is asked at the timeout, to tell how things stand then."""
        end = time.monotonic() + deadline
        delay = 0.005
        while True:
            value = predicate()
            if value:
                return value
            if time.monotonic() > end:
                what = what() if callable(what) else what
                self.fail(f"timed out after {deadline:.0f}s waiting for {what}")
            time.sleep(delay)
            delay = min(delay * 2, 0.1)

    def wait_status(self, name, status, count=None):
        def check():
            rows = self.rows(name)
            if count is not None and len(rows) != count:
                return None
            return rows if rows and all(r["status"] == status for r in rows) else None
        return self.wait_for(check, f"every instance of {name} to be {status}: "
                             f"{self.rows(name)}")

    def wait_ready(self, name, count=None):
        """Every instance of NAME online and ready: serving, as reloads and
        `pm start` count it (`online` alone means its process runs)."""
        def check():
            rows = self.rows(name)
            if count is not None and len(rows) != count:
                return None
            return rows if rows and all(r["status"] == "online" and r["ready"]
                                        for r in rows) else None
        return self.wait_for(check, lambda: f"every instance of {name} to be online "
                             f"and ready: {self.rows(name)}")

    def wait_log(self, path, text):
        def check():
            try:
                with open(path) as f:
                    return text in f.read()
            except OSError:
                return False
        return self.wait_for(check, f"{text!r} in {path}")

    def log_path(self, name, index, stream="out"):
        """The log file of the instance at `index` within app `name`."""
        return os.path.join(self.home, "logs", f"{name}-{index}-{stream}.log")

    # --- child programs --------------------------------------------------
    def write(self, name, content, mode=0o644):
        path = os.path.join(self.tmp, name)
        with open(path, "w") as f:
            f.write(content)
        os.chmod(path, mode)
        return path


def main():
    unittest.main(verbosity=2)
