#!/usr/bin/env python3
"""Benchmark: failed requests while a real server's 2 instances are reloaded
twice under load, for gunicorn, uvicorn, nginx, puma (Debian's) and the
Node hello world: ab -c20 (a new connection per request) and wrk -c20
(keep-alive), with each pm build (BENCH_BUILDS, e.g.
"NEW=build-steered,OLD=build-shared"), stopped with pm's default
signal and with the server's own graceful one (--kill-signal: SIGTERM for
gunicorn, uvicorn and puma, SIGQUIT for nginx), next to the server's own
rolling restart under the same load (gunicorn and uvicorn: kill -HUP of a
2-worker gunicorn; nginx: nginx -s reload with 2 workers; puma: phased
restart, kill -USR1 of `puma -w 2`; Node: PM2's reload).

RUNS interleaved runs, each going once over every server, way and load
tool; every figure is the median of the runs with its range.
BENCH_SERVERS=nginx,puma picks servers.

What is timed is checked: the port is free before a server starts; both
instances (or workers) serve before the load begins; after each reload both
are up again, all with new pids (a reload that replaced nothing would fail
no request), the first 2 s into the load, the second 1 s after the first is
done; the load is ended 3 s after the second is done (so a slow rolling
restart is measured whole), and must still be running then, unless ab gave
up on a refused or reset connection (which is then the result)."""

import os
import signal
import sys
import time

from chart import save_chart
from common import (PM2, RUNS, Homes, builds, ensure_tools, failed_cell, load_failures,
                    print_header, spread, start_load, wait_port, wait_port_free)
from servers import SERVERS, VERSIONS

PORT = 8094
CONCURRENCY = 20
FIRST_AT = 2.0  # s into the load
GAP = 1.0  # s between the end of the first reload and the second
TAIL = 3.0  # s of load after the second reload is done
LONGEST = 300  # s a load may last


def ways(server):
    """[(label, kind, extra pm flags)] for `server`: each build with the
    default stop signal, then with the server's graceful one; its own
    rolling restart."""
    found = []
    for label, _ in builds():
        found.append((f"pm {label}", label, []))
        if server.graceful:
            found.append((f"pm {label} --kill-signal {server.graceful}", label,
                          ["--kill-signal", server.graceful]))
    found.append((server.own_label, "own", []))
    return found


def under_load(tool, first, action):
    """Runs the load; `first()` returns the pids serving, `action(pids)`
    reloads and returns the new ones. The load is ended (SIGINT, after which
    ab and wrk print their figures) TAIL s after the second reload is done.
    (requests, failed, seconds)."""
    pids = first()
    time.sleep(1)  # past start-up work before the clock runs
    load = start_load(tool, PORT, CONCURRENCY, LONGEST)
    began = time.monotonic()
    try:
        time.sleep(FIRST_AT)
        pids = action(pids)
        time.sleep(GAP)
        action(pids)
        time.sleep(TAIL)
    except BaseException:
        load.kill()  # it must not load the next server
        load.wait()
        raise
    running = load.poll() is None
    if running:
        load.send_signal(signal.SIGINT)
    seconds = time.monotonic() - began
    total, failed = load_failures(tool, load, interrupted=running)
    if not running and isinstance(failed, int):
        raise SystemExit(f"{tool} ended {seconds:.1f} s in, before the second reload was "
                         f"done and {TAIL:.0f} s more (it runs {LONGEST} s at most)")
    return total, failed, seconds


def measure(server, kind, flags, tool, homes, d):
    wait_port_free(PORT)
    if kind == "own" and server.name != "node":
        own = server.own(d, PORT)
        try:
            def reload(pids):
                own.reload()
                return own.wait_workers(PORT, replacing=pids)
            return under_load(tool, lambda: own.wait_workers(PORT), reload)
        finally:
            own.stop()
            wait_port_free(PORT)
    h = homes["PM2" if kind == "own" else kind]
    manager = "PM2" if kind == "own" else "pm"
    h.run(manager, "start", *server.pm_start(d, PORT)[:1], "--name", "app", *flags,
          *server.pm_start(d, PORT)[1:])

    def first():
        pids = h.wait_online(manager, "app", 2)
        wait_port(PORT)
        return pids

    def reload(pids):
        h.run(manager, "reload", "app")
        return h.wait_online(manager, "app", 2, replacing=pids)
    try:
        return under_load(tool, first, reload)
    finally:
        h.run(manager, "delete", "app")
        # An app that outlives its delete would be measured as the next one.
        wait_port_free(PORT)


def main():
    ensure_tools(["wrk", "apache2-utils"])
    print_header(VERSIONS)
    picked = os.environ.get("BENCH_SERVERS")
    servers = [s for s in SERVERS if not picked or s.name in picked.split(",")]
    results = {}  # (server, way, tool) -> [(requests, failed)], one per run
    homes = {label: Homes(pm).__enter__() for label, pm in builds()}
    homes["PM2"] = homes[builds()[0][0]]
    try:
        d = os.path.join(homes["PM2"].dir, "servers")
        for run in range(RUNS):
            for server in servers:
                server.files(f"{d}/{server.name}", PORT)
                for way, kind, flags in ways(server):
                    for tool in ("ab", "wrk"):
                        total, failed, seconds = measure(server, kind, flags, tool, homes,
                                                         f"{d}/{server.name}")
                        results.setdefault((server.name, way, tool), []).append(
                            (total, failed, seconds))
                        print(f"  run {run + 1} {server.name:8} {way:36} {tool:4} {failed} "
                              f"failed of {total} in {seconds:.1f} s", file=sys.stderr,
                              flush=True)
    finally:
        for label, _ in builds():
            homes[label].__exit__(None, None, None)

    print(f"\n{'server':9} {'way':42} {'ab -c20 requests':>22} {'s':>16} {'ab failed':>20} "
          f"{'wrk -c20 requests':>24} {'s':>16} {'wrk errors':>20}")
    aborts, table = [], []
    for server in servers:
        for way, _, _ in ways(server):
            cells = []
            for tool in ("ab", "wrk"):
                runs = results[(server.name, way, tool)]
                cells += [spread([t for t, _, _ in runs], ".0f"), spread([s for _, _, s in runs]),
                          failed_cell([(t, f) for t, f, _ in runs])]
                aborts += [f"{server.name} {way} {tool}: {f}" for _, f, _ in runs
                           if isinstance(f, str)]
            table.append(f"{server.name:9} {way:42} {cells[0]:>22} {cells[1]:>16} "
                         f"{cells[2]:>20} {cells[3]:>24} {cells[4]:>16} {cells[5]:>20}")
            print(table[-1])
    for line in aborts:
        print(line)
    save_chart("reload_servers", "\n".join(table))
    print(f"\n(median and range of {RUNS} interleaved runs, {CONCURRENCY} clients; two reloads "
          f"during each load, the first {FIRST_AT:.0f} s in, the second {GAP:.0f} s after the "
          "first was done, every instance or worker replaced each time (a server's own: its "
          f"2 new workers running), the load ended {TAIL:.0f} s after the second was done "
          "('s': how long it ran); 'failed' is ab's failed requests plus non-2xx; 'errors' "
          "wrk's socket errors plus non-2xx responses; "
          "'ab aborted': ab stopped at a refused or reset connection)")


if __name__ == "__main__":
    main()
