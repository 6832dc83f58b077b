#!/usr/bin/env python3
"""Benchmark: requests/s of a CPU-bound and a hello-world Node server run as
a single node, Node's cluster module, PM2 cluster mode and pm, side by side in
one run on this machine, loaded with ab (a new connection per request) and
wrk (keep-alive). Prints a table and the ratios pm/PM2 and pm/single."""

import os
import re
import socket
import subprocess
import sys
import time

from common import ROOT, HERE, Homes, PM, PM2, ensure_tools

PORT = 8090
SECONDS = int(os.environ.get("BENCH_SECONDS", "10"))
CONCURRENCY = 200


def wait_port(port, deadline=20):
    end = time.time() + deadline
    while time.time() < end:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)
    raise SystemExit(f"nothing answers on :{port}")


def wait_port_free(port, deadline=20):
    end = time.time() + deadline
    while time.time() < end:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            time.sleep(0.1)
        except OSError:
            return


def ab():
    out = subprocess.run(["ab", "-r", "-q", "-c", str(CONCURRENCY), "-t", str(SECONDS),
                          "-n", "10000000", f"http://127.0.0.1:{PORT}/"],
                         capture_output=True, text=True).stdout
    rps = float(re.search(r"Requests per second:\s+([\d.]+)", out).group(1))
    failed = int(re.search(r"Failed requests:\s+(\d+)", out).group(1))
    p50 = re.search(r"^\s+50%\s+(\d+)", out, re.M)
    p99 = re.search(r"^\s+99%\s+(\d+)", out, re.M)
    return rps, f"{p50.group(1)}ms" if p50 else "-", f"{p99.group(1)}ms" if p99 else "-", failed


def wrk():
    out = subprocess.run(["wrk", "-t2", f"-c{CONCURRENCY}", f"-d{SECONDS}s", "--latency",
                          f"http://127.0.0.1:{PORT}/"], capture_output=True, text=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p50 = re.search(r"^\s+50%\s+(\S+)", out, re.M).group(1)
    p99 = re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)",
                       out)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    failed = (sum(int(x) for x in errors.groups()) if errors else 0) + \
             (int(non2xx.group(1)) if non2xx else 0)
    return rps, p50, p99, failed


def run_mode(mode, script, h):
    """Starts `script` in `mode`; returns a function that stops it."""
    if mode == "single node":
        proc = subprocess.Popen(["node", script], stdout=subprocess.DEVNULL)
        return lambda: (proc.terminate(), proc.wait())
    if mode == "node cluster":
        # Its workers complain on stderr when the primary is stopped: not our concern.
        proc = subprocess.Popen(["node", os.path.join(HERE, "node_cluster.js"), script],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return lambda: (proc.terminate(), proc.wait())
    if mode == "PM2 -i max":
        h.pm2("start", script, "-i", "max", "--name", "bench")
        return lambda: h.pm2("delete", "all")
    if mode == "pm -i max":
        h.pm("start", script, "-i", "max", "--name", "bench")
        return lambda: h.pm("delete", "all")
    raise ValueError(mode)


def main():
    ensure_tools(["wrk", "apache2-utils"])
    modes = ["single node", "node cluster", "PM2 -i max", "pm -i max"]
    results = {}
    with Homes() as h:
        servers = {}
        for name, path in (("cpu-bound server.js", "server.js"), ("hello world", "hello.js")):
            source = open(os.path.join(ROOT, "examples", path)).read()
            source = source.replace("8080", str(PORT)).replace("|| 8081", f"|| {PORT}")
            servers[name] = os.path.join(h.dir, path)
            with open(servers[name], "w") as f:
                f.write(source)
        for server, script in servers.items():
            for mode in modes:
                stop = run_mode(mode, script, h)
                try:
                    wait_port(PORT)
                    time.sleep(1)
                    for tool, load in (("ab", ab), ("wrk", wrk)):
                        results[(server, mode, tool)] = load()
                        print(f"  {server:20} {mode:13} {tool:4} {results[(server, mode, tool)][0]:9.0f} req/s",
                              file=sys.stderr)
                finally:
                    stop()
                    wait_port_free(PORT)

    print(f"\n{'server':20} {'mode':13} {'tool':4} {'req/s':>9} {'p50':>8} {'p99':>8} {'failed':>7}")
    for (server, mode, tool), (rps, p50, p99, failed) in results.items():
        print(f"{server:20} {mode:13} {tool:4} {rps:>9.0f} {p50:>8} {p99:>8} {failed:>7}")
    print()
    for server in servers:
        for tool in ("ab", "wrk"):
            pm = results[(server, "pm -i max", tool)][0]
            pm2 = results[(server, "PM2 -i max", tool)][0]
            single = results[(server, "single node", tool)][0]
            print(f"{server:20} {tool:4} pm/PM2 {pm / pm2:5.2f}x   pm/single {pm / single:5.2f}x")


if __name__ == "__main__":
    main()
