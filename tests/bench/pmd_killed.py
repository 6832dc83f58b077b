#!/usr/bin/env python3
"""Benchmark: seconds from `kill -9` of the daemon until a 2-instance Node
cluster answers again from new processes, under `ab -c20`. Whatever would
bring the daemon back (systemd's Restart=on-failure, the next command) is
played by one `ping` right after the kill. pm's next pmd ends what the dead
one left and starts its apps again; PM2's new daemon starts empty, so its app
never answers again until a person acts (given up on after GIVE_UP seconds).
RUNS interleaved runs each; the median and the range are printed.

What is timed is checked: the port is free before the app starts, both
instances are online before the kill, ab is still running when the daemon
is killed (else nothing was under load), every pm/PM2 call succeeds, and an
answer counts only from a pid that was not an instance before the kill; then
both instances must be online again, all new."""

import http.client
import os
import signal
import subprocess
import sys
import time

from common import RUNS, Homes, ensure_tools, print_header, spread, wait_port, wait_port_free

PORT = 8093
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


def one_run(tool, h, script):
    wait_port_free(PORT)
    h.run(tool, "start", script, "-i", "2", "--name", "app")
    old = h.wait_online(tool, "app", 2)
    wait_port(PORT)
    load = subprocess.Popen(["ab", "-r", "-q", "-c", "20", "-t", str(GIVE_UP + 5), "-n",
                             "10000000", f"http://127.0.0.1:{PORT}/"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(1)
    if load.poll() is not None:
        raise SystemExit(f"{tool}: ab ended before the kill (exit {load.returncode})")
    daemon = h.daemon_pid(tool)
    killed_at = time.monotonic()
    os.kill(daemon, signal.SIGKILL)
    h.run(tool, "ping")
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
        h.wait_online(tool, "app", 2, deadline=10, replacing=old)
    # PM2's new daemon knows no app, and deleting one it does not know fails.
    if h.instances(tool, "app"):
        h.run(tool, "delete", "app")
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
    print_header()
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
            text = spread(values, ".2f", " s")
        print(f"{tool:8} {text:>58}")
    print(f"({RUNS} interleaved runs; a 2-instance Node cluster under ab -c20; one `ping` right "
          "after the kill plays the supervisor that restarts the daemon)")


if __name__ == "__main__":
    main()
