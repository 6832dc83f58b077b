#!/usr/bin/env python3
"""Benchmark: failed requests while pm and PM2 reload (and restart) a
2-instance hello-world app twice under load: ab -c50 (a new connection per
request) and wrk -c50 (keep-alive), SECONDS each, the actions 2/9 and 5/9
of the way in. Same app, same machine.

RUNS interleaved runs, each going once over every manager, action and load
tool; every figure is the median of the runs with its range.

What is timed is checked: the port must be free before the app starts; both
instances are online before the load begins; after each reload or restart
both instances are online again with new pids (an action that replaced
nothing would fail no request); and the load must still be running when the
second action is done, unless ab gave up on a refused connection (which is
then the result)."""

import os
import sys
import time

from chart import save_chart
from common import (ROOT, RUNS, Homes, ensure_tools, failed_cell, load_failures, print_header,
                    spread, start_load, wait_port, wait_port_free)

PORT = 8091
SECONDS = int(os.environ.get("BENCH_SECONDS", "9"))
ACTIONS_AT = (2 / 9, 5 / 9)  # fractions of SECONDS into the load


def measure(manager, action, tool, h, script):
    """(requests, failed) of one load during which `action` happens twice."""
    wait_port_free(PORT)
    h.run(manager, "start", script, "-i", "2", "--name", "app")
    pids = h.wait_online(manager, "app", 2)
    wait_port(PORT)
    time.sleep(1)
    load = start_load(tool, PORT, 50, SECONDS)
    began = time.monotonic()
    for at in ACTIONS_AT:
        time.sleep(max(0.0, began + at * SECONDS - time.monotonic()))
        h.run(manager, action, "app")
        pids = h.wait_online(manager, "app", 2, replacing=pids)
    under_load = load.poll() is None
    total, failed = load_failures(tool, load)
    if not under_load and isinstance(failed, int):
        raise SystemExit(f"{manager} {action}: {tool} ended before the second {action} was "
                         f"done; raise BENCH_SECONDS (now {SECONDS})")
    h.run(manager, "delete", "app")
    # An app that outlives its delete would be measured as the next one.
    wait_port_free(PORT)
    return total, failed


def main():
    ensure_tools(["wrk", "apache2-utils"])
    print_header()
    results = {}  # (manager, action, tool) -> [(requests, failed)], one per run
    with Homes() as h:
        script = os.path.join(h.dir, "hello.js")
        with open(script, "w") as f:
            f.write(open(os.path.join(ROOT, "examples", "hello.js")).read()
                    .replace("|| 8081", f"|| {PORT}"))
        for run in range(RUNS):
            for manager in ("pm", "PM2"):
                for action in ("reload", "restart"):
                    for tool in ("ab", "wrk"):
                        total, failed = measure(manager, action, tool, h, script)
                        results.setdefault((manager, action, tool), []).append((total, failed))
                        print(f"  run {run + 1} {manager:4} {action:8} {tool:4} {failed} "
                              f"failed of {total}", file=sys.stderr)

    print(f"\n{'manager':8} {'action':8} {'load':4} {'requests':>24} {'failed':>24}")
    aborts, table = [], []
    for (manager, action, tool), runs in results.items():
        totals = [total for total, _ in runs]
        reasons = [f for _, f in runs if isinstance(f, str)]
        table.append(f"{manager:8} {action:8} {tool:4} {spread(totals, '.0f'):>24} "
                     f"{failed_cell(runs):>24}")
        print(table[-1])
        aborts += [f"{manager} {action}: {reason}" for reason in reasons]
    for line in aborts:
        print(line)
    save_chart("reload_under_load", "\n".join(table))
    print(f"\n(median and range of {RUNS} interleaved runs of {SECONDS} s; two reloads or "
          "restarts of a 2-instance app during each, every instance replaced each time; "
          "'failed' is ab's failed requests plus non-2xx, or wrk's socket errors plus non-2xx "
          "responses; 'ab aborted': ab stopped at a refused or reset connection, its requests "
          "counted up to there)")


if __name__ == "__main__":
    main()
