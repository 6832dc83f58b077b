"""pm update: the daemon re-executes itself and takes over the running
instances, their sockets, pipes and channels."""

import os
import queue
import subprocess
import threading

from harness import PID_SERVER, PM, PmTestCase, free_port, http_get, main, pid_alive
from test_steering import get_from

TICKER = ("import time\ni = 0\nwhile True:\n    print(f'tick {i}', flush=True)\n"
          "    i += 1\n    time.sleep(0.05)\n")


class Update(PmTestCase):
    def test_update_keeps_the_childrens_pids(self):
        port = free_port()
        node = self.write("web.js", "const http = require('http');\n"
                          "let said = 'nothing';\n"
                          "process.on('message', (m) => { said = JSON.stringify(m); });\n"
                          f"http.createServer((q, r) => r.end(`${{process.pid}} ${{said}}`)).listen({port});\n")
        ticker = self.write("ticker.py", "import os, socket, time\n"
                            "channel = socket.socket(fileno=int(os.environ['PM_CHANNEL_FD']))\n"
                            "i = 0\nwhile True:\n    print(f'tick {i}', flush=True)\n"
                            "    i += 1\n    time.sleep(0.05)\n")
        self.pm("start", node, "-i", "2")
        self.pm("start", ticker, "--listen-timeout", "0")
        before = {r["id"]: r["pid"] for r in self.jlist()}
        pmd = self.daemon_pid()
        out = self.pm("update").stdout
        self.assertIn("3 running instance(s) taken over, pids unchanged", out)
        self.assertEqual({r["id"]: r["pid"] for r in self.jlist()}, before)
        self.assertEqual(self.daemon_pid(), pmd, "the same process, a new image")
        self.assertIn("took over pid", open(os.path.join(self.home, "pmd.log")).read())
        # Sockets, pipes and channels all carried over.
        self.assertIn(http_get(port).split()[0], {str(p) for p in before.values()})
        size = os.path.getsize(self.log_path("ticker", 0))
        self.wait_for(lambda: os.path.getsize(self.log_path("ticker", 0)) > size,
                      "output after the update to reach the log")
        self.pm("send", "web", '{"after": "update"}')
        self.wait_for(lambda: http_get(port).endswith('{"after":"update"}'),
                      "a message after the update")
        self.pm("reload", "web")
        self.assertTrue(all(r["pid"] != before[r["id"]] for r in self.rows("web")))
        self.pm("stop", "all")
        for pid in before.values():
            self.assertFalse(pid_alive(pid))

    def test_steering_carries_over_the_update(self):
        """The sockets of each instance, in the kernel's group order: a
        sticky client stays where it was, and a reload after the update
        still replaces every instance under steering."""
        port = free_port()
        script = self.write("sticky.py", PID_SERVER)
        self.pm("start", script, "-i", "2", "--sticky", "--", str(port))
        self.wait_ready("sticky")
        sources = [f"127.0.0.{n}" for n in range(2, 12)]

        def mapping():
            return {source: get_from(source, port).split()[1] for source in sources}

        before = mapping()
        self.assertEqual(len(set(before.values())), 2, before)
        self.pm("update")
        self.assertEqual(mapping(), before)
        old = {str(r["pid"]) for r in self.rows("sticky")}
        self.pm("reload", "sticky")
        after = mapping()
        self.assertTrue(old.isdisjoint(after.values()), after)
        self.assertEqual(len(set(after.values())), 2, after)
        # Nothing was left in a free socket's queue: every address answered.
        self.assertIn("draining pid", self.pmd_log())

    def test_a_follower_follows_on_after_update_and_ends_with_pm_kill(self):
        self.pm("start", self.write("ticker.py", TICKER), "--name", "ticker")
        log = self.log_path("ticker", 0)
        self.wait_log(log, "tick 1")
        follower = subprocess.Popen([PM, "logs", "ticker", "--lines", "0", "--raw"],
                                    env=self.env, stdout=subprocess.PIPE,
                                    stderr=subprocess.PIPE, text=True)
        lines = queue.Queue()
        threading.Thread(target=lambda: [lines.put(line) for line in follower.stdout],
                         daemon=True).start()

        def next_tick():
            try:
                return int(lines.get(timeout=30).split()[1])
            except queue.Empty:
                self.fail("no line reached pm logs within 30 s")

        try:
            next_tick()
            self.pm("update")
            with open(log) as f:
                last_before = int(f.read().splitlines()[-1].split()[1])
            while next_tick() <= last_before + 2:
                pass  # lines written after the update reach the same follower
            self.assertIsNone(follower.poll())
            self.pm("kill")
            follower.wait(timeout=30)
        finally:
            follower.kill()
            follower.wait()
        errors = follower.stderr.read()
        self.assertIn("[pm] pmd was replaced (pm update); following on", errors)
        self.assertIn("pmd has stopped (pm kill", errors)
        self.assertEqual(follower.returncode, 1, errors)


if __name__ == "__main__":
    main()
