#!/usr/bin/env python3
"""Benchmark: requests/s of a CPU-bound and a hello-world Node server run as
a single node, Node's cluster module, PM2 cluster mode and pm, loaded with ab
(a new connection per request) and wrk (keep-alive), CONCURRENCY clients for
SECONDS each, on this machine.

RUNS interleaved runs, each going once over every server, mode and tool;
every figure is the median of the runs with its range, and the ratios
pm/PM2 and pm/single node are printed for every server and tool, whichever
way they go (median and range of the per-run ratios).

What is timed is checked: the port must be free before a mode starts (a
server left over would be measured instead); a mode is loaded only once all
of it is up (pm and PM2: one instance per CPU online in jlist; Node's
cluster: every worker listening); and the same processes must still be
serving after each load, or the figure would not be theirs, and a load
that completed no request is an error (raise BENCH_SECONDS)."""

import os
import re
import subprocess
import sys
import time

from common import (HERE, ROOT, RUNS, Homes, ensure_tools, print_header, spread, wait_port,
                    wait_port_free)

PORT = 8090
SECONDS = int(os.environ.get("BENCH_SECONDS", "10"))
CONCURRENCY = 200
CPUS = os.cpu_count()  # what `-i max` starts under PM2 and pm
MODES = ["single node", "node cluster", "PM2 -i max", "pm -i max"]


def load(command, rps_pattern):
    """Runs a load tool; its output, or the benchmark stops if it failed."""
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0 or not re.search(rps_pattern, result.stdout):
        raise SystemExit(f"{command[0]} failed (exit {result.returncode}):\n"
                         f"{result.stdout}{result.stderr}")
    return result.stdout


def ab():
    out = load(["ab", "-r", "-q", "-c", str(CONCURRENCY), "-t", str(SECONDS), "-n", "10000000",
                f"http://127.0.0.1:{PORT}/"], r"Requests per second")
    rps = float(re.search(r"Requests per second:\s+([\d.]+)", out).group(1))
    failed = int(re.search(r"Failed requests:\s+(\d+)", out).group(1))
    p50 = float(re.search(r"^\s+50%\s+(\d+)", out, re.M).group(1))
    p99 = float(re.search(r"^\s+99%\s+(\d+)", out, re.M).group(1))
    return rps, p50, p99, failed


def milliseconds(text):
    """wrk's latencies ('812.00us', '1.23ms', '2.00s') in ms."""
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(number) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60000}[unit]


def wrk():
    out = load(["wrk", "-t2", f"-c{CONCURRENCY}", f"-d{SECONDS}s", "--latency",
                f"http://127.0.0.1:{PORT}/"], r"Requests/sec")
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p50 = milliseconds(re.search(r"^\s+50%\s+(\S+)", out, re.M).group(1))
    p99 = milliseconds(re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1))
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)",
                       out)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    failed = (sum(int(x) for x in errors.groups()) if errors else 0) + \
             (int(non2xx.group(1)) if non2xx else 0)
    return rps, p50, p99, failed


def start(mode, script, h):
    """Starts `script` in `mode` and returns once all of it is up, with two
    functions: still_up() says whether the same processes still serve it,
    stop() ends it."""
    if mode in ("single node", "node cluster"):
        # The cluster's workers complain on stderr when the primary is stopped: not our concern.
        proc = (subprocess.Popen(["node", script], stdout=subprocess.DEVNULL)
                if mode == "single node" else
                subprocess.Popen(["node", os.path.join(HERE, "node_cluster.js"), script],
                                 stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True))
        stop = lambda: (proc.terminate(), proc.wait())
        try:
            if mode == "single node":
                wait_port(PORT)
            else:
                # The workers share the primary's stdout: skip what the server prints.
                if f"{CPUS} workers listening\n" not in iter(proc.stdout.readline, ""):
                    raise SystemExit(f"node cluster did not start {CPUS} workers")
        except BaseException:
            stop()  # it must not hold the port after us
            raise
        return (lambda: proc.poll() is None), stop
    tool = mode.split()[0]
    h.run(tool, "start", script, "-i", "max", "--name", "bench")
    pids = h.wait_online(tool, "bench", CPUS)
    return (lambda: h.wait_online(tool, "bench", CPUS, deadline=0) == pids), \
        (lambda: h.run(tool, "delete", "bench"))


def main():
    ensure_tools(["wrk", "apache2-utils"])
    print_header()
    results = {}  # (server, mode, tool) -> [(req/s, p50 ms, p99 ms, failed)], one per run
    with Homes() as h:
        servers = {}
        for name, path in (("cpu-bound server.js", "server.js"), ("hello world", "hello.js")):
            source = open(os.path.join(ROOT, "examples", path)).read()
            source = source.replace("8080", str(PORT)).replace("|| 8081", f"|| {PORT}")
            servers[name] = os.path.join(h.dir, path)
            with open(servers[name], "w") as f:
                f.write(source)
        for run in range(RUNS):
            for server, script in servers.items():
                for mode in MODES:
                    wait_port_free(PORT)
                    still_up, stop = start(mode, script, h)
                    try:
                        time.sleep(1)  # past start-up work before the clock runs
                        for tool, measure in (("ab", ab), ("wrk", wrk)):
                            figures = measure()
                            if not still_up():
                                raise SystemExit(f"{server}, {mode}: its processes did not "
                                                 f"last through {tool}")
                            if figures[0] == 0:
                                raise SystemExit(f"{server}, {mode}: {tool} completed no "
                                                 f"request in {SECONDS} s")
                            results.setdefault((server, mode, tool), []).append(figures)
                            print(f"  run {run + 1} {server:20} {mode:13} {tool:4} "
                                  f"{figures[0]:9.0f} req/s", file=sys.stderr)
                    finally:
                        stop()
                        # A mode that outlives its stop would be measured as the next one.
                        wait_port_free(PORT)

    print(f"\n{'server':20} {'mode':13} {'tool':4} {'req/s':>21} {'p50 ms':>21} "
          f"{'p99 ms':>21} {'failed':>16}")
    for (server, mode, tool), runs in results.items():
        rps, p50, p99, failed = zip(*runs)
        print(f"{server:20} {mode:13} {tool:4} {spread(rps, '.0f'):>21} {spread(p50):>21} "
              f"{spread(p99):>21} {spread(failed, '.0f'):>16}")
    print()
    for server in servers:
        for tool in ("ab", "wrk"):
            def per_run(mode):
                return [figures[0] for figures in results[(server, mode, tool)]]
            pm, pm2, single = per_run("pm -i max"), per_run("PM2 -i max"), per_run("single node")
            print(f"{server:20} {tool:4} "
                  f"pm/PM2 {spread([a / b for a, b in zip(pm, pm2)], '.2f', 'x'):20} "
                  f"pm/single {spread([a / b for a, b in zip(pm, single)], '.2f', 'x')}")
    print(f"(median and range of {RUNS} interleaved runs of {SECONDS} s, {CONCURRENCY} clients; "
          "ratios are of req/s within each run; failed: ab's failed requests, or wrk's socket "
          "errors plus non-2xx responses)")


if __name__ == "__main__":
    main()
