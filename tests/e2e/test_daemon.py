"""The daemon itself: start-up, the control socket, bad clients, pm kill."""

import json
import os
import socket
import stat
import subprocess
import threading

from harness import PM, PmTestCase, main, pid_alive


class Daemon(PmTestCase):
    def connect(self):
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(15)
        sock.connect(os.path.join(self.home, "pm.sock"))
        return sock

    def exchange(self, payload):
        with self.connect() as sock:
            sock.sendall(payload)
            data = b""
            while not data.endswith(b"\n"):
                chunk = sock.recv(65536)
                if not chunk:
                    break
                data += chunk
        return json.loads(data.decode().splitlines()[0]) if data else None

    def test_any_command_starts_the_daemon_with_private_files(self):
        self.assertIsNone(self.daemon_pid())
        out = self.pm("ping").stdout
        self.assertIn("pong", out)
        pid = self.daemon_pid()
        self.assertTrue(pid)
        self.assertEqual(stat.S_IMODE(os.stat(self.home).st_mode), 0o700)
        self.assertEqual(stat.S_IMODE(os.stat(os.path.join(self.home, "pm.sock")).st_mode), 0o600)
        # Detached: not in the session of the command that started it.
        self.assertNotEqual(os.getsid(pid), os.getsid(0))
        self.assertIn(f"started (pid {pid}", self.pmd_log())
        self.assertRegex(self.pm("--version").stdout, r"^\d+\.\d+\.\d+")

    def test_garbage_and_oversized_requests_get_errors_and_the_daemon_survives(self):
        self.pm("ping")
        cases = {
            b"this is not json\n": "not valid JSON",
            b"[1,2,3]\n": "JSON object",
            b'{"cmd":"list"}\n': "protocol version",
            b'{"v":99,"cmd":"list"}\n': "mismatch",
            b'{"v":1}\n': "no command",
            b'{"v":1,"cmd":"launch-missiles"}\n': "unknown command",
            b'{"v":1,"cmd":"start"}\n': "spec",
            b'{"v":1,"cmd":"start","spec":{"script":42}}\n': "wrong type",
            b'{"v":1,"cmd":"stop","targets":"web"}\n': "targets",
            b'{"v":1,"cmd":"stop","targets":[1]}\n': "strings",
            b'{"v":1,"cmd":"logs","lines":"many"}\n': "malformed request",
            b'{"v":1,"cmd":"list"': "truncated",
        }
        for payload, expected in cases.items():
            with self.subTest(payload=payload):
                if payload.endswith(b"\n"):
                    reply = self.exchange(payload)
                else:
                    with self.connect() as sock:
                        sock.sendall(payload)
                        sock.shutdown(socket.SHUT_WR)
                        reply = json.loads(sock.makefile().readline())
                self.assertFalse(reply["ok"])
                self.assertIn(expected, reply["error"])

        with self.connect() as sock:
            try:
                sock.sendall(b"x" * (2 * 1024 * 1024))
            except (BrokenPipeError, ConnectionResetError):
                pass
            reply = sock.makefile().readline()
            self.assertIn("too large", reply)

        # Clients that connect and say nothing, or vanish mid-request.
        silent = self.connect()
        vanishing = self.connect()
        vanishing.sendall(b'{"v":1,"cmd":"li')
        vanishing.close()
        self.assertIn("pong", self.pm("ping").stdout)
        silent.close()
        self.assertTrue(self.daemon_pid())

    def test_a_silent_client_is_disconnected(self):
        self.pm("ping")
        with self.connect() as sock:
            sock.settimeout(30)
            self.assertEqual(sock.recv(100), b"", "the daemon should hang up on a silent client")

    def test_two_first_commands_at_once_start_one_daemon(self):
        results = []
        def run():
            results.append(subprocess.run([PM, "ping"], env=self.env, capture_output=True,
                                          text=True, timeout=60))
        threads = [threading.Thread(target=run) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        self.assertTrue(all(r.returncode == 0 for r in results), results)
        pids = {r.stdout.split("pid ")[1].strip(")\n") for r in results}
        self.assertEqual(len(pids), 1, pids)
        daemons = [p for p in os.listdir("/proc") if p.isdigit() and self.is_our_pmd(p)]
        self.assertEqual(len(daemons), 1, daemons)

    def is_our_pmd(self, pid):
        try:
            with open(f"/proc/{pid}/environ", "rb") as f:
                env = f.read().split(b"\0")
            with open(f"/proc/{pid}/comm") as f:
                comm = f.read().strip()
        except OSError:
            return False
        return comm == "pmd" and f"PM_HOME={self.home}".encode() in env and pid_alive(int(pid))

    def test_kill_stops_every_app_and_leaves_no_process(self):
        self.pm("start", "sleep 1000", "-i", "2", "--name", "a")
        self.pm("start", self.write("b.py", "import time\ntime.sleep(1000)\n"), "--name", "b")
        pids = [r["pid"] for r in self.wait_ready("a")] + [self.rows("b")[0]["pid"]]
        pmd = self.daemon_pid()
        out = self.pm("kill").stdout
        self.assertIn("pmd stopped", out)
        # pm kill returns once pmd let go of its lock, in its last instant.
        self.wait_for(lambda: not pid_alive(pmd), "pmd to be gone")
        for pid in pids:
            self.assertFalse(pid_alive(pid), f"instance {pid} survived pm kill")
        self.assertFalse(os.path.exists(os.path.join(self.home, "pm.sock")))
        self.assertIn("not running", self.pm("kill").stdout)

    def test_sigterm_to_the_daemon_stops_apps_too(self):
        self.pm("start", "sleep 1000", "--name", "a")
        pid = self.wait_ready("a")[0]["pid"]
        pmd = self.daemon_pid()
        os.kill(pmd, 15)
        self.wait_for(lambda: not pid_alive(pmd), "pmd to exit on SIGTERM")
        self.assertFalse(pid_alive(pid))


if __name__ == "__main__":
    main()
