"""One socket per instance, steered in the kernel: an instance being
replaced gets no new connection before it is stopped (so even a server that
drops everything on its stop signal loses nothing), a crashed instance's
queue waits for its restart, connections spread evenly, and --sticky keeps
a client address on one instance, moving it once on a reload."""

import collections
import http.client
import os
import signal
import socket
import subprocess

from harness import PID_SERVER, PM, Load, PmTestCase, free_port, main, pid_alive, program

ABRUPT_SERVER = program("abrupt_server.py")


def get_from(source, port):
    """The body of GET / on 127.0.0.1:PORT, from the address SOURCE."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10,
                                            source_address=(source, 0))
    try:
        connection.request("GET", "/", headers={"Connection": "close"})
        return connection.getresponse().read().decode()
    finally:
        connection.close()


class Steering(PmTestCase):
    def start(self, name, source, *flags, port=None, instances=2):
        port = port or free_port()
        script = self.write(f"{name}.py", source)
        self.pm("start", script, "--name", name, "-i", str(instances), *flags, "--", str(port))
        self.wait_ready(name, count=instances)
        return port

    def test_a_server_that_drops_everything_on_stop_loses_nothing_on_reload(self):
        port = self.start("abrupt", ABRUPT_SERVER)
        for _ in range(2):
            before = {row["id"]: row["pid"] for row in self.rows("abrupt")}
            with Load(port) as load:
                self.wait_for(lambda: load.ok["new"] > 20 and load.ok["keepalive"] > 20,
                              "the load to get going")
                self.pm("reload", "abrupt")
                counted = dict(load.ok)
                self.wait_for(lambda: all(load.ok[k] > counted[k] + 20 for k in counted),
                              f"both clients to be served after the reload: {load.ok}")
            # A kept-alive connection stays with the instance it reached:
            # a request on it when the server drops everything is lost, and
            # only the server's own graceful stop can help (see the
            # real-server tests). Every new connection must be served.
            new = [failure for failure in load.failures if failure.startswith("new")]
            self.assertEqual(new, [], "failed new connections during the reload")
            after = {row["id"]: row["pid"] for row in self.rows("abrupt")}
            for instance_id, pid in before.items():
                self.assertNotEqual(after[instance_id], pid)
                self.assertFalse(pid_alive(pid))
        self.assertIn("draining pid", self.pmd_log())

    def test_connections_spread_evenly(self):
        port = self.start("even", PID_SERVER)
        pids = {str(row["pid"]) for row in self.rows("even")}
        served = collections.Counter(get_from("127.0.0.1", port).split()[1]
                                     for _ in range(1000))
        self.assertEqual(set(served), pids)
        for pid, count in served.items():
            # Random halves of 1000: 6 standard deviations either way.
            self.assertTrue(400 <= count <= 600, f"pid {pid} served {count} of 1000")

    def test_sticky_keeps_each_client_address_on_one_instance(self):
        port = self.start("sticky", PID_SERVER, "--sticky")
        sources = [f"127.0.0.{n}" for n in range(2, 22)]

        def mapping():
            served = {}
            for source in sources:
                pids = {get_from(source, port).split()[1] for _ in range(50)}
                self.assertEqual(len(pids), 1, f"{source} reached {pids}")
                served[source] = pids.pop()
            return served

        before = mapping()
        pids = {str(row["pid"]) for row in self.rows("sticky")}
        self.assertEqual(set(before.values()), pids, "both instances have clients")
        self.assertIn("sticky", self.pm("describe", "sticky").stdout)

        self.pm("reload", "sticky")
        after = mapping()
        new_pids = {str(row["pid"]) for row in self.rows("sticky")}
        self.assertTrue(set(after.values()) <= new_pids)
        self.assertTrue(new_pids.isdisjoint(pids), "every pid was replaced")
        # Each old instance's clients moved together, to one new instance.
        moved = collections.defaultdict(set)
        for source in sources:
            moved[before[source]].add(after[source])
        self.assertTrue(all(len(targets) == 1 for targets in moved.values()), dict(moved))
        self.assertEqual(len(set().union(*moved.values())), 2)

    def test_a_killed_instance_loses_at_most_what_it_was_serving(self):
        port = self.start("crash", PID_SERVER)
        victim = self.rows("crash")[0]["pid"]
        with Load(port) as load:
            self.wait_for(lambda: load.ok["new"] > 20, "the load to get going")
            os.kill(victim, signal.SIGKILL)
            self.wait_for(lambda: any(row["id"] == 0 and row["pid"] not in (0, victim)
                                      and row["ready"]
                                      for row in self.rows("crash")),
                          "the killed instance to come back")
            counted = dict(load.ok)
            self.wait_for(lambda: load.ok["new"] > counted["new"] + 20,
                          "requests to go on after the restart")
        refused = [f for f in load.failures if "Refused" in f]
        self.assertEqual(refused, [])
        self.assertLessEqual(len(load.failures), 2, load.failures)

    def test_a_client_silent_at_a_reload_is_served_by_the_old_instance(self):
        """With deferred accepts a client that has connected but not spoken is
        not yet in any queue; the drain waits for it to land in the old
        instance's queue (the kernel puts it there within a second once the
        socket stops deferring) instead of leaving it to a socket nobody
        accepts from."""
        port = self.start("silent", PID_SERVER, instances=1)
        old = self.rows("silent")[0]["pid"]
        client = socket.create_connection(("127.0.0.1", port), timeout=30)
        reload = subprocess.Popen([PM, "reload", "silent"], env=self.env,
                                  stdout=subprocess.DEVNULL)
        # Its stop signal comes once the drain is done: the client is the
        # old instance's by then, and speaks while it still serves.
        self.wait_for(lambda: f"stopping pid {old}" in self.pmd_log(),
                      "the old instance's drain to end")
        client.sendall(b"GET / HTTP/1.0\r\n\r\n")
        answer = b""
        while chunk := client.recv(4096):
            answer += chunk
        client.close()
        self.assertTrue(answer.endswith(f"pid {old}".encode()), answer)
        self.assertEqual(reload.wait(timeout=60), 0)

    def test_scaling_up_and_down_keeps_every_connection_served(self):
        port = self.start("scaled", PID_SERVER)
        with Load(port) as load:
            self.wait_for(lambda: load.ok["new"] > 20, "the load to get going")
            self.pm("scale", "scaled", "4")
            self.wait_ready("scaled", count=4)
            four = {str(row["pid"]) for row in self.rows("scaled")}
            load.pids.clear()
            self.wait_for(lambda: four <= load.pids, f"all 4 instances to serve: {load.pids}")
            self.pm("scale", "scaled", "1")
            self.wait_ready("scaled", count=1)
            one = str(self.rows("scaled")[0]["pid"])
            counted = dict(load.ok)
            self.wait_for(lambda: load.ok["new"] > counted["new"] + 20, "requests to go on")
            load.pids.clear()
            counted = dict(load.ok)
            self.wait_for(lambda: load.ok["new"] > counted["new"] + 20, "requests to go on")
        self.assertEqual(load.failures, [])
        self.assertEqual(load.pids, {one})


if __name__ == "__main__":
    main()
