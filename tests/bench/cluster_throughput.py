#!/usr/bin/env python3
"""Benchmark: requests/s of a CPU-bound and a hello-world Node server run as
a single node, Node's cluster module, PM2 cluster mode and pm (each build of
BENCH_BUILDS, and with --sticky where the build has it), loaded with ab (a
new connection per request) and wrk (keep-alive), CONCURRENCY clients for
SECONDS each, on this machine; and the share of the requests each instance
served (the busiest instance's, where even is 100 % / CPUs).

RUNS interleaved runs, each going once over every server, mode and tool;
every figure is the median of the runs with its range, and the ratios
pm/PM2 and pm/single node are printed for every server and tool, whichever
way they go (median and range of the per-run ratios).

The shares are counted by the servers themselves: each script is run with a
few lines before it that count the 'request' events of its HTTP servers and
write the count to a file named by the pid every 200 ms, renamed into
place (one increment per request and a tiny write 5 times a second, so the
throughput stays the script's); the counts before and after each load give each pid's share.

What is timed is checked: the port must be free before a mode starts (a
server left over would be measured instead); a mode is loaded only once all
of it is up (pm and PM2: one instance per CPU online in jlist; Node's
cluster: every worker listening); and the same processes must still be
serving after each load, or the figure would not be theirs, and a load
that completed no request is an error (raise BENCH_SECONDS)."""

import os
import re
import statistics
import subprocess
import sys
import time

from chart import throughput_svg
from common import (HERE, ROOT, RUNS, Homes, builds, children, ensure_tools, print_header,
                    spread, supports, wait_port, wait_port_free)

PORT = 8090
SECONDS = int(os.environ.get("BENCH_SECONDS", "10"))
CONCURRENCY = 200
CPUS = os.cpu_count()  # what `-i max` starts under PM2 and pm
COUNTER = """const __http = require('http');
let __served = 0;
const __emit = __http.Server.prototype.emit;
__http.Server.prototype.emit = function (event, ...args) {
  if (event === 'request') __served++;
  return __emit.call(this, event, ...args);
};
setInterval(() => {
  // Renamed into place: a reader never sees a file half written.
  require('fs').writeFileSync(`COUNTS/.${process.pid}`, String(__served));
  require('fs').renameSync(`COUNTS/.${process.pid}`, `COUNTS/${process.pid}`);
}, 200).unref();
"""


def modes():
    """[(mode, pm binary or None, extra flags)]."""
    found = [("single node", None, []), ("node cluster", None, []), ("PM2 -i max", None, [])]
    for label, pm in builds():
        name = "pm" if label == "pm" else f"pm {label}"
        found.append((f"{name} -i max", pm, []))
        if supports(pm, "--sticky"):
            found.append((f"{name} -i max --sticky", pm, ["--sticky"]))
    return found


def counts(directory, pids):
    """{pid: requests served so far} of `pids`, from the counter's files."""
    found = {}
    for pid in pids:
        try:
            with open(os.path.join(directory, str(pid))) as f:
                found[pid] = int(f.read())
        except FileNotFoundError:
            found[pid] = 0
    return found


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


def start(mode, binary, flags, script, h):
    """Starts `script` in `mode` (under the pm `binary` with `flags`, for
    pm) and returns once all of it is up, with its serving pids and two
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
                pids = {proc.pid}
            else:
                # The workers share the primary's stdout: skip what the server prints.
                if f"{CPUS} workers listening\n" not in iter(proc.stdout.readline, ""):
                    raise SystemExit(f"node cluster did not start {CPUS} workers")
                pids = children(proc.pid)
        except BaseException:
            stop()  # it must not hold the port after us
            raise
        return pids, (lambda: proc.poll() is None), stop
    tool = "PM2" if mode.startswith("PM2") else "pm"
    h.pm_binary = binary
    h.run(tool, "start", script, "-i", "max", "--name", "bench", *flags)
    pids = h.wait_online(tool, "bench", CPUS)
    return pids, (lambda: h.wait_online(tool, "bench", CPUS, deadline=0) == pids), \
        (lambda: h.run(tool, "delete", "bench"))


def main():
    ensure_tools(["wrk", "apache2-utils"])
    print_header()
    results = {}  # (server, mode, tool) -> [(req/s, p50 ms, p99 ms, failed)], one per run
    shares = {}  # (server, mode, tool) -> [the busiest instance's share, %], one per run
    with Homes() as h:
        servers = {}
        tally = os.path.join(h.dir, "counts")
        os.makedirs(tally)
        for name, path in (("cpu-bound server.js", "server.js"), ("hello world", "hello.js")):
            source = open(os.path.join(ROOT, "examples", path)).read()
            source = source.replace("8080", str(PORT)).replace("|| 8081", f"|| {PORT}")
            servers[name] = os.path.join(h.dir, path)
            with open(servers[name], "w") as f:
                f.write(COUNTER.replace("COUNTS", tally) + source)
        picked = os.environ.get("BENCH_SERVERS")
        servers = {k: v for k, v in servers.items() if not picked or k.split()[0] in picked}
        for run in range(RUNS):
            for server, script in servers.items():
                for mode, binary, flags in modes():
                    wait_port_free(PORT)
                    pids, still_up, stop = start(mode, binary, flags, script, h)
                    try:
                        time.sleep(1)  # past start-up work before the clock runs
                        for tool, measure in (("ab", ab), ("wrk", wrk)):
                            time.sleep(0.5)  # the counts written since the last load
                            before = counts(tally, pids)
                            figures = measure()
                            if not still_up():
                                raise SystemExit(f"{server}, {mode}: its processes did not "
                                                 f"last through {tool}")
                            if figures[0] == 0:
                                raise SystemExit(f"{server}, {mode}: {tool} completed no "
                                                 f"request in {SECONDS} s")
                            time.sleep(0.5)
                            after = counts(tally, pids)
                            served = [after[p] - before[p] for p in pids]
                            if sum(served) == 0 or min(served) < 0:
                                raise SystemExit(f"{server}, {mode}: counted {served}")
                            results.setdefault((server, mode, tool), []).append(figures)
                            shares.setdefault((server, mode, tool), []).append(
                                100 * max(served) / sum(served))
                            print(f"  run {run + 1} {server:20} {mode:22} {tool:4} "
                                  f"{figures[0]:9.0f} req/s, served {served}", file=sys.stderr,
                                  flush=True)
                    finally:
                        stop()
                        # A mode that outlives its stop would be measured as the next one.
                        wait_port_free(PORT)

    print(f"\n{'server':20} {'mode':22} {'tool':4} {'req/s':>21} {'p50 ms':>19} "
          f"{'p99 ms':>21} {'failed':>13} {'busiest %':>19}")
    for (server, mode, tool), runs in results.items():
        rps, p50, p99, failed = zip(*runs)
        busiest = spread(shares[(server, mode, tool)]) if mode != "single node" else "-"
        print(f"{server:20} {mode:22} {tool:4} {spread(rps, '.0f'):>21} {spread(p50):>19} "
              f"{spread(p99):>21} {spread(failed, '.0f'):>13} {busiest:>19}")
    print()
    pm_modes = [mode for mode, binary, _ in modes() if binary]
    for server in servers:
        for tool in ("ab", "wrk"):
            def ratio(mode, other):
                pairs = zip(results[(server, mode, tool)], results[(server, other, tool)])
                return spread([a[0] / b[0] for a, b in pairs], ".2f", "x")
            for mode in pm_modes:
                others = ["PM2 -i max", "single node"] + [m for m in pm_modes[:1] if m != mode]
                print(f"{server:20} {tool:4} " + "  ".join(
                    f"{mode} / {other} {ratio(mode, other)}" for other in others))
    print(f"(median and range of {RUNS} interleaved runs of {SECONDS} s, {CONCURRENCY} clients "
          f"from 127.0.0.1; ratios are of req/s within each run; failed: ab's failed requests, "
          "or wrk's socket errors plus non-2xx responses; busiest %: the share of the load's "
          f"requests served by the busiest instance, even is {100 / CPUS:.0f} %, counted by the "
          "servers; --sticky sends every connection of one client address to one instance)")
    # The same figures as a picture, beside the raw output.
    rows = [(server, tool, mode, *sorted_spread(run[0] for run in runs))
            for (server, mode, tool), runs in results.items()]
    rows.sort(key=lambda row: (row[0] != "hello world", row[1] != "ab"))
    with open(os.path.join(HERE, "results", "cluster_throughput.svg"), "w") as f:
        f.write(throughput_svg(rows, "Requests per second, 2 instances"))


def sorted_spread(values):
    """(median, low, high) of `values`."""
    values = sorted(values)
    return statistics.median(values), values[0], values[-1]


if __name__ == "__main__":
    main()
