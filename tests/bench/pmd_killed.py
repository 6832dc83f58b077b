#!/usr/bin/env python3
"""Benchmark: seconds from `kill -9` of the daemon until a 2-instance Node
cluster answers again from new processes, under `ab -c20`. Whatever would
bring the daemon back (systemd's Restart=on-failure, the next command) is
played by one `ping` right after the kill. pm's next pmd ends what the dead
one left and starts its apps again; PM2's new daemon starts empty, so its app
never answers again until a person acts (given up on after GIVE_UP seconds).
RUNS interleaved runs each; the median and the range are printed."""

import http.client
import json
import os
import signal
import statistics
import subprocess
import sys
import threading
import time

from common import PM, PM2, Homes, ensure_tools
from cluster_throughput import wait_port, wait_port_free

PORT = 8093
RUNS = int(os.environ.get("BENCH_RUNS", "3"))
GIVE_UP = float(os.environ.get("BENCH_GIVE_UP", "20"))
APP = ("require('http').createServer((q, r) => r.end(String(process.pid)))"
       f".listen({PORT});\n")


def answering_pid():
    connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=1)
    try:
        connection.request("GET", "/")
        return int(connection.getresponse().read())
    except (OSError, ValueError, http.client.HTTPException):
        return None
    finally:
        connection.close()


def instance_pids(tool, h):
    out = (h.pm if tool == "pm" else h.pm2)("jlist")
    if out.returncode != 0:
        raise SystemExit(f"{tool} jlist failed: {out.stderr}")
    rows = json.loads(out.stdout or "[]")
    status = (lambda r: r["status"]) if tool == "pm" else (lambda r: r["pm2_env"]["status"])
    return {r["pid"] for r in rows if status(r) == "online"}


def one_run(tool, h, script):
    start = (h.pm if tool == "pm" else h.pm2)("start", script, "-i", "2", "--name", "app")
    if start.returncode != 0:
        raise SystemExit(f"{tool} start failed: {start.stdout}{start.stderr}")
    wait_port(PORT)
    old = instance_pids(tool, h)
    if len(old) != 2:
        raise SystemExit(f"{tool}: {len(old)} instances online, not 2")
    load = subprocess.Popen(["ab", "-r", "-q", "-c", "20", "-t", str(GIVE_UP + 5), "-n",
                             "10000000", f"http://127.0.0.1:{PORT}/"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(1)
    pid_file = f"{h.dir}/pm/pmd.pid" if tool == "pm" else f"{h.dir}/pm2/pm2.pid"
    daemon = int(open(pid_file).read())
    killed_at = time.monotonic()
    os.kill(daemon, signal.SIGKILL)
    (h.pm if tool == "pm" else h.pm2)("ping")
    seconds = None
    while time.monotonic() - killed_at < GIVE_UP:
        pid = answering_pid()
        if pid is not None and pid not in old:
            seconds = time.monotonic() - killed_at
            break
        time.sleep(0.01)
    load.kill()
    load.wait()
    if seconds is not None:
        deadline = time.monotonic() + 10
        while len(new := instance_pids(tool, h)) != 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        if len(new) != 2 or new & old:
            raise SystemExit(f"{tool}: after the kill {new} online, before {old}")
    (h.pm if tool == "pm" else h.pm2)("delete", "all")
    # PM2's orphans of the dead daemon, if any, must not hold the port.
    for pid in old:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    wait_port_free(PORT)
    return seconds


def main():
    ensure_tools(["apache2-utils"])
    results = {"pm": [], "PM2": []}
    for run in range(RUNS):
        for tool in ("pm", "PM2"):
            with Homes() as h:
                script = os.path.join(h.dir, "pid.js")
                with open(script, "w") as f:
                    f.write(APP)
                seconds = one_run(tool, h, script)
                results[tool].append(seconds)
                print(f"  run {run + 1} {tool:4} "
                      f"{'never' if seconds is None else f'{seconds:.2f} s'}", file=sys.stderr)
    print(f"{'manager':8} {'answers again after kill -9 of the daemon (median, range)':>58}")
    for tool, values in results.items():
        if any(v is None for v in values):
            done = [v for v in values if v is not None]
            text = f"never within {GIVE_UP:.0f} s in {len(values) - len(done)} of {len(values)}"
        else:
            text = (f"{statistics.median(values):.2f} s ({min(values):.2f}-{max(values):.2f})")
        print(f"{tool:8} {text:>58}")
    print(f"({RUNS} interleaved runs; a 2-instance Node cluster under ab -c20; one `ping` right "
          "after the kill plays the supervisor that restarts the daemon)")


if __name__ == "__main__":
    main()
