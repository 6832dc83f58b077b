#!/usr/bin/env python3
"""Benchmark: how fast `pm list` answers and what pmd costs in memory, side
by side with PM2 in one run on this machine (2 apps, 3 instances each)."""

import statistics
import subprocess
import time

from common import Homes, PM, PM2, ensure_tools, memory

RUNS = 40


def median_ms(command, env):
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        subprocess.run(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                       check=True)
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main():
    ensure_tools()
    with Homes() as h:
        worker = f"{h.dir}/worker.js"
        with open(worker, "w") as f:
            f.write("setInterval(() => {}, 1000);\n")
        h.pm("start", worker, "--name", "a")
        h.pm("start", worker, "--name", "b", "-i", "2")
        h.pm2("start", worker, "--name", "a")
        h.pm2("start", worker, "--name", "b", "-i", "2")
        time.sleep(2)  # both settled

        true_ms = median_ms(["/bin/true"], h.env)
        pm_ms = median_ms([PM, "list"], h.env)
        pm2_ms = median_ms([PM2, "list"], h.env)
        pmd_pid = int(open(f"{h.dir}/pm/pmd.pid").read())
        pm2_pid = int(open(f"{h.dir}/pm2/pm2.pid").read())
        pmd_rss, pmd_anon = memory(pmd_pid)
        pm2_rss, pm2_anon = memory(pm2_pid)

    print(f"{'':22}{'pm':>10}{'PM2':>10}{'ratio':>10}")
    print(f"{'list, median ms':22}{pm_ms:>10.2f}{pm2_ms:>10.1f}{pm2_ms / pm_ms:>9.0f}x")
    print(f"{'daemon RSS, MB':22}{pmd_rss / 1024:>10.1f}{pm2_rss / 1024:>10.1f}"
          f"{pm2_rss / pmd_rss:>9.0f}x")
    print(f"{'daemon RssAnon, MB':22}{pmd_anon / 1024:>10.1f}{pm2_anon / 1024:>10.1f}"
          f"{pm2_anon / max(pmd_anon, 1):>9.0f}x")
    print(f"(median of {RUNS} runs each, wall time including process start-up; "
          f"starting /bin/true alone takes {true_ms:.2f} ms here)")


if __name__ == "__main__":
    main()
