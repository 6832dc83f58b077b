"""pmd never dies of what a client, a child or a stray signal does, and never
runs out of what it holds: tried the way a hostile local user or a careless
operator would."""

import os
import resource
import json
import select
import signal
import socket
import subprocess

from harness import DEADLINE, PM, PmTestCase, main

# Every signal whose default action would end pmd and that is not one of
# pmd's own commands (TERM/INT stop it, HUP reopens logs, USR2 reloads).
STRAY_SIGNALS = ["SIGUSR1", "SIGPIPE", "SIGALRM", "SIGIO", "SIGPROF", "SIGVTALRM", "SIGXCPU",
                 "SIGXFSZ", "SIGSTKFLT", "SIGPWR", "SIGQUIT"]


DEEP = "[" * 100000 + "]" * 100000


class DaemonSurvivesTest(PmTestCase):
    def exchange(self, line):
        """pmd's reply to one raw request line."""
        with socket.socket(socket.AF_UNIX) as sock:
            sock.connect(os.path.join(self.home, "pm.sock"))
            sock.sendall(line.encode())
            return json.loads(sock.makefile().readline())

    def test_values_nested_100000_deep_are_refused(self):
        self.pm("start", "/bin/sleep", "--name", "nap", "--", "1000")
        [row] = self.wait_ready("nap")
        pmd = self.daemon_pid()
        requests = {
            "start": {"spec": {"script": "/bin/sleep", "name": "deep", "env": {"A": "@"}}},
            "send": {"targets": ["all"], "message": "@"},
            "signal": {"targets": "@", "signal": "SIGUSR1"},
            "list": {"extra": "@"},
        }
        for cmd, fields in requests.items():
            with self.subTest(cmd=cmd):
                line = json.dumps({"v": 1, "cmd": cmd, **fields}).replace('"@"', DEEP)
                reply = self.exchange(line + "\n")
                self.assertFalse(reply["ok"])
                self.assertIn("nested deeper than", reply["error"])
        self.assertEqual(self.daemon_pid(), pmd)
        self.assertEqual(self.rows("nap")[0]["pid"], row["pid"])

    def test_an_app_writing_deep_or_mistyped_messages_does_not_crash_pmd(self):
        # Written straight to the channel: Node's own process.send could not
        # even encode it.
        node = self.write("deep.js", f"""
            const fs = require("fs");
            // The channel is non-blocking: wait out a full socket buffer.
            function writeAll(text) {{
              const bytes = Buffer.from(text);
              for (let at = 0; at < bytes.length;) {{
                try {{
                  at += fs.writeSync(process.channel.fd, bytes, at);
                }} catch (error) {{
                  if (error.code !== "EAGAIN") throw error;
                }}
              }}
            }}
            const query = {{cmd: "NODE_CLUSTER", act: "queryServer", seq: 1, port: 0,
                            addressType: 4, address: "@"}};
            const wrongTypes = [
              {{cmd: "NODE_CLUSTER", act: 5}},
              {{cmd: "NODE_CLUSTER", act: "queryServer", seq: "x", port: "y", addressType: "z"}},
              {{cmd: "NODE_CLUSTER", act: "exitedAfterDisconnect", seq: {{}}}},
            ].map((m) => JSON.stringify(m));
            for (const line of ['{DEEP}', JSON.stringify(query).replace('"@"', '{DEEP}'),
                                ...wrongTypes])
              writeAll(line + "\\n");
            process.send("still here");
            setInterval(() => {{}}, 1000);
        """)
        python = self.write("deep.py", f"""
import os, sys, time
os.write(int(os.environ["PM_CHANNEL_FD"]), b'{DEEP}\\n')
print("sent", flush=True)
time.sleep(1000)
""")
        self.pm("start", node, "--name", "deep-node")
        self.pm("start", python, "--name", "deep-py")
        pmd = self.daemon_pid()
        self.wait_log(self.log_path("deep-py", 0), "sent")
        self.wait_ready("deep-node")
        self.pm("ping")
        self.assertEqual(self.daemon_pid(), pmd)

    def test_stray_signals_do_not_kill_pmd(self):
        self.pm("start", "/bin/sleep", "--name", "nap", "--", "1000")
        [row] = self.wait_ready("nap")
        pmd = self.daemon_pid()
        signals = [getattr(signal, name) for name in STRAY_SIGNALS]
        signals += [signal.SIGRTMIN, signal.SIGRTMIN + 5, signal.SIGRTMAX]
        for signum in signals:
            os.kill(pmd, signum)
            self.pm("ping")  # answered after the signal was delivered
        self.assertEqual(self.daemon_pid(), pmd, "pmd was replaced")
        self.assertEqual(self.rows("nap")[0]["pid"], row["pid"], "the app was restarted")
        with open(os.path.join(self.home, "pmd.log")) as log:
            self.assertIn("SIGUSR1 ignored", log.read())

    def test_many_instances_fit_under_a_low_open_files_limit(self):
        # Each instance costs pmd several fds (pipes, channels): 60 of them
        # need far more than 256. pmd raises its own limit; the children get
        # back the one pmd was started with.
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        if hard != resource.RLIM_INFINITY and hard < 2048:
            self.skipTest(f"the hard open-files limit ({hard}) leaves nothing to raise to")

        def low_limit():
            resource.setrlimit(resource.RLIMIT_NOFILE, (256, hard))

        def pmd_fds():
            return os.listdir(f"/proc/{self.daemon_pid()}/fd")

        subprocess.run([PM, "ping"], env=self.env, check=True, capture_output=True,
                       timeout=60, preexec_fn=low_limit)
        fds_before = len(pmd_fds())
        result = subprocess.run([PM, "start", "sh", "--name", "many", "-i", "60", "--", "-c",
                                 "ulimit -n; exec sleep 1000"], env=self.env, cwd=self.tmp,
                                capture_output=True, text=True, timeout=120,
                                preexec_fn=low_limit)
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        rows = self.wait_ready("many", count=60)
        self.assertEqual(len({row["pid"] for row in rows}), 60)
        # Per instance: its stdout and stderr pipes and log files, the
        # preload library's listen channel and the message channel.
        # Waited for: the connection of the `pm jlist` just answered may not
        # be closed yet in pmd.
        self.wait_for(lambda: len(pmd_fds()) - fds_before <= 6 * 60,
                      lambda: f"pmd to hold at most 6 fds per instance: "
                              f"{len(pmd_fds()) - fds_before} for 60")
        with open(f"/proc/{self.daemon_pid()}/limits") as limits:
            line = next(line for line in limits if line.startswith("Max open files"))
        self.assertEqual(line.split()[3], str(hard) if hard != resource.RLIM_INFINITY
                         else "unlimited", line)
        self.wait_log(self.log_path("many", 59), "256")

    def test_running_out_of_fds_delays_a_start_and_never_ends_it(self):
        # A hard limit pmd cannot raise past: 3 instances of hog leave no
        # room for 4 of many. Once hog is gone, many starts by itself.
        def tiny_limit():
            resource.setrlimit(resource.RLIMIT_NOFILE, (48, 48))

        def pm_limited(*args):
            return subprocess.run([PM, *args], env=self.env, cwd=self.tmp, capture_output=True,
                                  text=True, timeout=60, preexec_fn=tiny_limit)

        pm_limited("ping")
        if self.sanitized(self.daemon_pid()):
            self.skipTest("UBSan checks memory through a pipe of its own, which it cannot open "
                          "when fds are out, and then reports a false error")
        pm_limited("start", "/bin/sleep", "--name", "hog", "-i", "3", "--", "1000")
        result = pm_limited("start", "/bin/sleep", "--name", "many", "-i", "4", "--", "1000")
        self.assertIn("Too many open files; retrying", result.stderr)
        self.assertNotIn("exited ()", result.stderr)
        self.assertNotIn("errored", {r["status"] for r in self.jlist()})
        self.pm("delete", "hog")
        self.wait_for(lambda: sum(r["pid"] > 0 for r in self.rows("many")) >= 3,
                      "many to start once hog's fds are free")
        self.assertNotIn("errored", {r["status"] for r in self.rows("many")})

    def test_a_save_cut_short_leaves_nothing_behind(self):
        # What `kill -9` of pmd in the middle of `pm save` leaves.
        os.makedirs(self.home, mode=0o700)
        for name in ("dump.json.tmp", "dump.json.bak.tmp"):
            with open(os.path.join(self.home, name), "w") as f:
                f.write('{"version": 1, "apps": [')
        self.pm("ping")
        self.assertEqual(sorted(f for f in os.listdir(self.home) if f.startswith("dump")), [])


    def sanitized(self, pid):
        """Whether pmd runs with ASan/UBSan, whose allocator and checks have
        costs of their own."""
        with open(f"/proc/{pid}/maps") as maps:
            return any("libasan" in line or "libubsan" in line for line in maps)

    def rss_mb(self, pid):
        with open(f"/proc/{pid}/status") as f:
            return next(int(line.split()[1]) for line in f if line.startswith("VmRSS")) / 1024

    def test_a_client_that_never_reads_is_dropped_and_pmd_does_not_grow(self):
        # 30 MB of log, then 100 requests for all of it on one connection
        # whose replies are never read.
        # ASan keeps freed memory aside for a while: keep that small here.
        self.env["ASAN_OPTIONS"] += ":quarantine_size_mb=1:thread_local_quarantine_size_kb=64"
        self.pm("start", "sh", "--name", "chatty", "--", "-c",
                "yes " + "x" * 199 + " | head -n 150000; echo done; exec sleep 1000")
        [row] = self.wait_ready("chatty")
        self.wait_log(self.log_path("chatty", 0), "done")
        pmd = self.daemon_pid()
        before = self.rss_mb(pmd)
        request = json.dumps({"v": 1, "cmd": "logs", "targets": ["chatty"], "lines": 150000,
                              "follow": False}) + "\n"
        with socket.socket(socket.AF_UNIX) as hog:
            hog.connect(os.path.join(self.home, "pm.sock"))
            hog.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            try:
                hog.sendall((request * 100).encode())
            except (BrokenPipeError, ConnectionResetError):
                pass  # already dropped
            poller = select.poll()
            poller.register(hog, select.POLLRDHUP)
            # Generous: pmd reads 8 MiB a request until 64 MiB wait, which
            # under ASan on a loaded machine took more than 20 s.
            self.wait_for(lambda: poller.poll(0), "pmd to drop the client that never reads",
                          deadline=max(DEADLINE, 120))
            self.pm("ping")
            # Unbounded, the replies would take about 850 MB.
            limit = 250 if self.sanitized(pmd) else 100
            self.assertLess(self.rss_mb(pmd) - before, limit,
                            "pmd grew by queueing replies nobody reads")
        self.assertEqual(self.daemon_pid(), pmd)


if __name__ == "__main__":
    main()
