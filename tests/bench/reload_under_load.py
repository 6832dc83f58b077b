#!/usr/bin/env python3
"""Benchmark: failed requests while pm and PM2 reload (and restart) a
2-instance hello-world app twice under load: ab -c50 (a new connection per
request) and wrk -c50 (keep-alive). Same app, same machine, one run."""

import os
import re
import subprocess
import threading
import time

from common import ROOT, Homes, ensure_tools
from cluster_throughput import wait_port, wait_port_free

PORT = 8091
SECONDS = int(os.environ.get("BENCH_SECONDS", "9"))


def run_load(tool):
    if tool == "ab":
        command = ["ab", "-r", "-q", "-c", "50", "-t", str(SECONDS), "-n", "10000000",
                   f"http://127.0.0.1:{PORT}/"]
    else:
        command = ["wrk", "-t2", "-c50", f"-d{SECONDS}s", f"http://127.0.0.1:{PORT}/"]
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def failures(tool, out):
    if tool == "ab":
        complete = re.search(r"Complete requests:\s+(\d+)", out)
        if not complete:
            # ab gives up at the first refused connection: say so.
            done = re.search(r"Total of (\d+) requests completed", out)
            return (int(done.group(1)) if done else 0), "aborted: " + out.strip().splitlines()[-1]
        total = int(complete.group(1))
        failed = int(re.search(r"Failed requests:\s+(\d+)", out).group(1))
        non2xx = re.search(r"Non-2xx responses:\s+(\d+)", out)
        return total, failed + (int(non2xx.group(1)) if non2xx else 0)
    total = int(re.search(r"(\d+) requests in", out).group(1))
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return total, (sum(map(int, errors.groups())) if errors else 0) + \
        (int(non2xx.group(1)) if non2xx else 0)


def main():
    ensure_tools(["wrk", "apache2-utils"])
    rows = []
    with Homes() as h:
        script = os.path.join(h.dir, "hello.js")
        with open(script, "w") as f:
            f.write(open(os.path.join(ROOT, "examples", "hello.js")).read()
                    .replace("|| 8081", f"|| {PORT}"))
        managers = {
            "pm": (lambda: h.pm("start", script, "-i", "2", "--name", "app"),
                   lambda action: h.pm(action, "app"), lambda: h.pm("delete", "app")),
            "PM2": (lambda: h.pm2("start", script, "-i", "2", "--name", "app"),
                    lambda action: h.pm2(action, "app"), lambda: h.pm2("delete", "app")),
        }
        for manager, (start, act, delete) in managers.items():
            for action in ("reload", "restart"):
                for tool in ("ab", "wrk"):
                    start()
                    wait_port(PORT)
                    time.sleep(1)
                    load = run_load(tool)
                    time.sleep(2)
                    act(action)
                    time.sleep(3)
                    act(action)
                    out = load.communicate()[0]
                    total, failed = failures(tool, out)
                    rows.append((manager, action, tool, total, failed))
                    print(f"  {manager:4} {action:8} {tool:4} {failed} failed of {total}",
                          file=__import__("sys").stderr)
                    delete()
                    wait_port_free(PORT)

    print(f"\n{'manager':8} {'action':8} {'load':4} {'requests':>9} {'failed':>7}")
    for manager, action, tool, total, failed in rows:
        print(f"{manager:8} {action:8} {tool:4} {total:>9} {failed!s:>7}")
    print("\n(two reloads or restarts of a 2-instance app during each run; 'failed' is ab's"
          " failed requests, or wrk's socket errors plus non-2xx responses)")


if __name__ == "__main__":
    main()
