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


def builds():
    """[(label, pm binary)] to compare: BENCH_BUILDS="NEW=/dir,OLD=/dir" names
    build directories (each holding pm and pmd); without it, the one build
    at PM_BIN_DIR (default build/), labelled "pm"."""
    spec = os.environ.get("BENCH_BUILDS")
    if not spec:
        return [("pm", PM)]
    pairs = [item.split("=", 1) for item in spec.split(",") if item]
    if not all(len(pair) == 2 for pair in pairs):
        raise SystemExit(f"BENCH_BUILDS={spec}: expected LABEL=DIR,LABEL=DIR")
    return [(label, os.path.join(os.path.abspath(path), "pm")) for label, path in pairs]


def supports(pm, flag):
    """Whether the pm binary `pm` knows `flag` for start (an older build may not)."""
    return flag in subprocess.run([pm, "help", "start"], capture_output=True, text=True).stdout
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
    for _, pm in builds():
        if not os.path.exists(pm):
            raise SystemExit(f"build pm first (no {pm})")


PM_VERSION = r"(\S+)"  # what `pm --version` prints


def tool_versions(extra=()):
    """The versions of node, PM2, ab, wrk and pm (each build compared), then
    of the programs in `extra` ([(name, command, pattern)]), and the core
    count."""
    def version(command, pattern):
        try:
            result = subprocess.run(command, capture_output=True, text=True)
        except FileNotFoundError:
            return "not installed"
        found = re.search(pattern, result.stdout + result.stderr)
        return found.group(1) if found else "unknown"
    pms = [f"pm{'' if label == 'pm' else ' ' + label} {version([pm, '--version'], PM_VERSION)} "
           f"({pm})" for label, pm in builds()]
    return ", ".join([f"node {version(['node', '--version'], r'(v[0-9.]+)')}",
                      f"PM2 {installed_pm2_version()}",
                      f"ab {version(['ab', '-V'], r'Version ([0-9.]+)')}",
                      f"wrk {version(['wrk', '-v'], r'wrk ([^ ]+)')}", *pms,
                      *(f"{name} {version(command, pattern)}" for name, command, pattern in extra),
                      f"{os.cpu_count()} cores"])


def print_header(extra=()):
    """Two comment lines that make the raw output say how it was made: the
    command with its BENCH_* settings and the date, then the tool versions
    (`extra`: see tool_versions)."""
    script = os.path.relpath(os.path.abspath(sys.argv[0]), ROOT)
    knobs = " ".join(f"{k}={v}" for k, v in sorted(os.environ.items())
                     if k.startswith("BENCH_") or k == "PM_BIN_DIR")
    print(f"# python3 {script}{f' ({knobs})' if knobs else ''}, {datetime.date.today()}")
    print(f"# {tool_versions(extra)}", flush=True)


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
    """A private PM_HOME and PM2_HOME; both daemons are killed on exit.
    `pm`: the pm binary its "pm" calls run (one of builds())."""

    def __init__(self, pm=PM):
        self.pm_binary = pm

    def __enter__(self):
        self.dir = tempfile.mkdtemp(prefix="pm-bench-")
        self.env = dict(os.environ, PM_HOME=f"{self.dir}/pm", PM2_HOME=f"{self.dir}/pm2")
        return self

    def run(self, tool, *args, check=True, **kw):
        """`pm` or `PM2` (by `tool`) with `args`; a call that fails stops the
        benchmark unless check=False."""
        result = subprocess.run([self.pm_binary if tool == "pm" else PM2, *args], env=self.env,
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
        """[(pid, status)] of the instances of app `name`, from jlist. pm's
        count as online once ready (serving), which is what they measure."""
        rows = json.loads(self.run(tool, "jlist").stdout or "[]")
        if tool == "pm":
            return [(r["pid"], "online" if r["ready"] else "not ready") for r in rows
                    if r["name"] == name]
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


def start_load(tool, port, concurrency, seconds):
    """ab (a new connection per request) or wrk (keep-alive) against
    127.0.0.1:`port` for `seconds`; read it with load_failures."""
    if tool == "ab":
        command = ["ab", "-r", "-q", "-c", str(concurrency), "-t", str(seconds), "-n",
                   "10000000", f"http://127.0.0.1:{port}/"]
    else:
        command = ["wrk", "-t2", f"-c{concurrency}", f"-d{seconds}s", f"http://127.0.0.1:{port}/"]
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def load_failures(tool, load, interrupted=False):
    """(requests, failed) of a finished start_load: ab's failed requests plus
    non-2xx, or wrk's socket errors plus non-2xx; when ab gave up (it stops
    at a refused or reset connection, whatever -r says), failed is its
    reason as text. `interrupted`: the load was ended by SIGINT (both print
    their figures then; ab exits 1). A load that did not run stops the
    benchmark."""
    out = load.communicate()[0]
    if tool == "ab":
        complete = re.search(r"Complete requests:\s+(\d+)", out)
        failed = re.search(r"Failed requests:\s+(\d+)", out)
        non2xx = re.search(r"Non-2xx responses:\s+(\d+)", out)
        if complete and failed and load.returncode in ((0, 1) if interrupted else (0,)):
            return int(complete.group(1)), int(failed.group(1)) + \
                (int(non2xx.group(1)) if non2xx else 0)
        done = re.search(r"Total of (\d+) requests completed", out)
        reason = re.search(r"^apr_\S+ (.*)$", out, re.M)
        if done and reason:
            return int(done.group(1)), f"ab aborted: {reason.group(1)}"
    else:
        total = re.search(r"(\d+) requests in", out)
        if total and load.returncode == 0:
            errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), "
                               r"timeout (\d+)", out)
            non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
            return int(total.group(1)), (sum(map(int, errors.groups())) if errors else 0) + \
                (int(non2xx.group(1)) if non2xx else 0)
    raise SystemExit(f"{tool} failed (exit {load.returncode}):\n{out}")


def failed_cell(runs):
    """The 'failed' figure of [(requests, failed)] runs: median and range,
    or how many runs ab aborted in (the reasons are in the runs)."""
    reasons = [f for _, f in runs if isinstance(f, str)]
    if reasons:
        return f"ab aborted in {len(reasons)} of {len(runs)}"
    return spread([f for _, f in runs], ".0f")


def children(pid):
    """The pids of the direct children of `pid`."""
    found = set()
    for task in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{task}/children") as f:
                found |= {int(c) for c in f.read().split()}
        except FileNotFoundError:
            pass
    return found
