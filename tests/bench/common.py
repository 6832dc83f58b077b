"""Helpers shared by the benchmarks: where the binaries are, PM2 installed
locally with npm at the version package.json pins, private homes so nothing
touches the user's own, pm and PM2 calls that stop the benchmark when they
fail, and the checks that what is about to be timed is really running."""

import datetime
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
PM = os.path.join(os.environ.get("PM_BIN_DIR", os.path.join(ROOT, "build")), "pm")
PM2 = os.path.join(HERE, "node_modules", ".bin", "pm2")
with open(os.path.join(HERE, "package.json")) as f:
    PM2_VERSION = json.load(f)["dependencies"]["pm2"]
# Interleaved runs behind every figure: each run goes once over everything
# compared, so conditions that drift during the benchmark hit all alike.
RUNS = int(os.environ.get("BENCH_RUNS", "3"))


def installed_pm2_version():
    with open(os.path.join(HERE, "node_modules", "pm2", "package.json")) as f:
        return json.load(f)["version"]


def ensure_tools(apt_packages=()):
    """PM2 at the pinned version from the npm registry into
    tests/bench/node_modules; load tools from Debian."""
    if not os.path.exists(PM2):
        subprocess.run(["npm", "install", "--no-audit", "--no-fund", "--no-save", "--prefix", HERE,
                        f"pm2@{PM2_VERSION}"], check=True, stdout=subprocess.DEVNULL)
    installed = installed_pm2_version()
    if installed != PM2_VERSION:
        raise SystemExit(f"PM2 {installed} is installed in {HERE}/node_modules, but the "
                         f"benchmarks pin {PM2_VERSION} (package.json): remove node_modules "
                         "and run again to install it")
    missing = [p for p in apt_packages if shutil.which(p if p != "apache2-utils" else "ab") is None]
    if missing:
        sudo = [] if os.geteuid() == 0 else ["sudo"]
        subprocess.run(sudo + ["apt-get", "install", "-y", "-qq", *missing], check=True,
                       stdout=subprocess.DEVNULL)
    if not os.path.exists(PM):
        raise SystemExit(f"build pm first (no {PM})")


def tool_versions():
    """The versions of node, PM2, ab, wrk and pm, and the core count."""
    def version(command, pattern):
        try:
            result = subprocess.run(command, capture_output=True, text=True)
        except FileNotFoundError:
            return "not installed"
        found = re.search(pattern, result.stdout + result.stderr)
        return found.group(1) if found else "unknown"
    pm = version([PM, "--version"], r"(\S+)")
    return ", ".join([f"node {version(['node', '--version'], r'(v[0-9.]+)')}",
                      f"PM2 {installed_pm2_version()}",
                      f"ab {version(['ab', '-V'], r'Version ([0-9.]+)')}",
                      f"wrk {version(['wrk', '-v'], r'wrk ([^ ]+)')}",
                      f"pm {pm} ({PM})", f"{os.cpu_count()} cores"])


def print_header():
    """Two comment lines that make the raw output say how it was made: the
    command with its BENCH_* settings and the date, then the tool versions."""
    script = os.path.relpath(os.path.abspath(sys.argv[0]), ROOT)
    knobs = " ".join(f"{k}={v}" for k, v in sorted(os.environ.items())
                     if k.startswith("BENCH_") or k == "PM_BIN_DIR")
    print(f"# python3 {script}{f' ({knobs})' if knobs else ''}, {datetime.date.today()}")
    print(f"# {tool_versions()}", flush=True)


def spread(values, fmt=".1f", unit=""):
    """The median of `values` and their range, as text."""
    return (f"{statistics.median(values):{fmt}}{unit} "
            f"({min(values):{fmt}}-{max(values):{fmt}})")


def wait_port(port, deadline=20):
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)
    raise SystemExit(f"nothing answers on :{port} after {deadline} s")


def wait_port_free(port, deadline=20):
    """Returns once nothing accepts on `port`. A server still holding it
    after the deadline stops the benchmark: whatever comes next would be
    timed against that server instead of its own."""
    end = time.monotonic() + deadline
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
        except OSError:
            return
        if time.monotonic() > end:
            holder = subprocess.run(["ss", "-Hltnp", f"sport = :{port}"], capture_output=True,
                                    text=True).stdout.strip()
            raise SystemExit(f"something still answers on :{port} after {deadline} s: "
                             f"{holder or 'nothing listens, yet a connection was accepted'}")
        time.sleep(0.1)


class Homes:
    """A private PM_HOME and PM2_HOME; both daemons are killed on exit."""

    def __enter__(self):
        self.dir = tempfile.mkdtemp(prefix="pm-bench-")
        self.env = dict(os.environ, PM_HOME=f"{self.dir}/pm", PM2_HOME=f"{self.dir}/pm2")
        return self

    def run(self, tool, *args, check=True, **kw):
        """`pm` or `PM2` (by `tool`) with `args`; a call that fails stops the
        benchmark unless check=False."""
        result = subprocess.run([PM if tool == "pm" else PM2, *args], env=self.env,
                                capture_output=True, text=True, **kw)
        if check and result.returncode != 0:
            raise SystemExit(f"{tool} {' '.join(args)} failed (exit {result.returncode}):\n"
                             f"{result.stdout}{result.stderr}")
        return result

    def pm(self, *args, **kw):
        return self.run("pm", *args, **kw)

    def pm2(self, *args, **kw):
        return self.run("PM2", *args, **kw)

    def daemon_pid(self, tool):
        path = f"{self.dir}/pm/pmd.pid" if tool == "pm" else f"{self.dir}/pm2/pm2.pid"
        with open(path) as f:
            return int(f.read())

    def instances(self, tool, name):
        """[(pid, status)] of the instances of app `name`, from jlist."""
        rows = json.loads(self.run(tool, "jlist").stdout or "[]")
        if tool == "pm":
            return [(r["pid"], r["status"]) for r in rows if r["name"] == name]
        return [(r["pid"], r["pm2_env"]["status"]) for r in rows if r["name"] == name]

    def wait_online(self, tool, name, count, deadline=30, replacing=()):
        """The pids of app `name` once it has exactly `count` instances, all
        online and none of them among `replacing` (the pids a reload or a
        restart must have replaced); after `deadline` s, stops the benchmark."""
        end = time.monotonic() + deadline
        while True:
            rows = self.instances(tool, name)
            pids = {pid for pid, status in rows if status == "online"}
            if len(rows) == count and len(pids) == count and not pids & set(replacing):
                return pids
            if time.monotonic() > end:
                raise SystemExit(f"{tool}: {name} has not {count} instances online"
                                 f"{' replacing ' + str(sorted(replacing)) if replacing else ''}"
                                 f" after {deadline} s: {rows}")
            time.sleep(0.2)

    def __exit__(self, *exc):
        # Cleanup only: a failure here must not hide the one that got us here.
        self.pm("kill", check=False)
        self.pm2("kill", check=False)
        shutil.rmtree(self.dir, ignore_errors=True)


def memory(pid):
    """(RSS, RssAnon) in kB from /proc."""
    values = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, rest = line.partition(":")
            if key in ("VmRSS", "RssAnon"):
                values[key] = int(rest.split()[0])
    return values.get("VmRSS", 0), values.get("RssAnon", 0)
