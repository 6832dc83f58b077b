#!/usr/bin/env python3
"""Check (not a timing): with --sticky, each of 20 client addresses
(127.0.0.2-21, bound as the source address) sending 50 requests, each on a
new connection, to a 2-instance Node app answering its pid, is always
answered by the same pid; after `pm reload` each address is again answered
by exactly one pid, a new one. Without --sticky the same addresses reach
both instances. Every build of BENCH_BUILDS that has --sticky; RUNS runs.

What is checked besides: the port is free before each start; both instances
are online before the requests; the reload replaced both pids; every answer
comes from a pid pm lists for the app."""

import collections
import http.client
import os
import sys

from common import RUNS, Homes, builds, print_header, supports, wait_port, wait_port_free

PORT = 8096
SOURCES = [f"127.0.0.{n}" for n in range(2, 22)]
REQUESTS = 50
APP = ("require('http').createServer((q, r) => r.end(String(process.pid)))"
       f".listen({PORT});\n")


def answer(source):
    connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=10,
                                            source_address=(source, 0))
    try:
        connection.request("GET", "/", headers={"Connection": "close"})
        response = connection.getresponse()
        if response.status != 200:
            raise SystemExit(f"{source}: HTTP {response.status}")
        return int(response.read())
    finally:
        connection.close()


def mapping(pids):
    """{source: set of the pids that answered it}; every pid among `pids`."""
    served = {s: {answer(s) for _ in range(REQUESTS)} for s in SOURCES}
    strangers = set().union(*served.values()) - set(pids)
    if strangers:
        raise SystemExit(f"answers from pids that are not the app's: {strangers}")
    return served


def describe(served, pids):
    """'20/20 addresses on one pid (split 11/9)'."""
    single = [next(iter(p)) for p in served.values() if len(p) == 1]
    split = collections.Counter(single)
    return (f"{len(single)}/{len(served)} addresses on one pid "
            f"(split {'/'.join(str(split[p]) for p in sorted(pids))})")


def one_run(h, script):
    """Lines saying what happened; a failed check is a line starting FAIL."""
    lines = []
    wait_port_free(PORT)
    h.pm("start", script, "-i", "2", "--name", "sticky", "--sticky")
    before = h.wait_online("pm", "sticky", 2)
    wait_port(PORT)
    first = mapping(before)
    lines.append(f"--sticky:       {describe(first, before)}")
    ok = all(len(p) == 1 for p in first.values()) and \
        set().union(*first.values()) == set(before)
    h.pm("reload", "sticky")
    after = h.wait_online("pm", "sticky", 2, replacing=before)
    second = mapping(after)
    on_new = sum(1 for p in second.values() if len(p) == 1 and p <= after)
    lines.append(f"after reload:   {describe(second, after)}, {on_new} of them on a new pid")
    ok = ok and on_new == len(SOURCES)
    h.pm("delete", "sticky")
    wait_port_free(PORT)
    h.pm("start", script, "-i", "2", "--name", "plain")
    plain_pids = h.wait_online("pm", "plain", 2)
    wait_port(PORT)
    plain = mapping(plain_pids)
    both = sum(1 for p in plain.values() if len(p) == 2)
    lines.append(f"without sticky: {both}/{len(plain)} addresses reached both pids")
    h.pm("delete", "plain")
    wait_port_free(PORT)
    lines.append("PASS" if ok else "FAIL: an address reached more than one pid, or no new one")
    return lines


def main():
    print_header()
    checked = [(label, pm) for label, pm in builds() if supports(pm, "--sticky")]
    for label, pm in builds():
        if (label, pm) not in checked:
            print(f"pm {label}: no --sticky in this build")
    failed = False
    with_homes = {label: Homes(pm).__enter__() for label, pm in checked}
    try:
        for run in range(RUNS):
            for label, _ in checked:
                h = with_homes[label]
                script = os.path.join(h.dir, "pid.js")
                with open(script, "w") as f:
                    f.write(APP)
                for line in one_run(h, script):
                    print(f"pm {label} run {run + 1}  {line}", flush=True)
                    failed = failed or line.startswith("FAIL")
    finally:
        for h in with_homes.values():
            h.__exit__(None, None, None)
    print(f"({len(SOURCES)} source addresses x {REQUESTS} requests, a new connection each, "
          "2 instances; 'split': how many addresses each pid had)")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
