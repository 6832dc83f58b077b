"""Shared set-up for pm's end-to-end tests.

Every test gets a private PM_HOME in a temp dir, drives the real `pm` binary
(which starts the real `pmd`), runs real child programs, and checks what a
user would see. Waits are on events (a state in `pm jlist`, a line in a log,
a port accepting), each with a generous deadline and a clear failure message.
Child programs that tests share live in programs/.
"""

import glob
import http.client
import json
import os
import shutil
import socket
import subprocess
import tempfile
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


def http_get(port, path="/", timeout=10):
    """The body of GET http://127.0.0.1:port/path, on a connection of its own."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request("GET", path)
        return connection.getresponse().read().decode()
    finally:
        connection.close()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


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

    def daemon_pid(self):
        try:
            with open(os.path.join(self.home, "pmd.pid")) as f:
                pid = int(f.read())
        except (OSError, ValueError):
            return None
        return pid if pid_alive(pid) else None

    # --- waiting ----------------------------------------------------------
    def wait_for(self, predicate, what, deadline=DEADLINE):
        end = time.monotonic() + deadline
        delay = 0.005
        while True:
            value = predicate()
            if value:
                return value
            if time.monotonic() > end:
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
