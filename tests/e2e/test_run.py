"""`pm run`, pm inside a container: pmd in the foreground as PID 1 of a new
PID namespace (unshare, as a container runtime makes one), the apps'
output on its stdout, orphans reaped, SIGTERM stopping the apps
gracefully with the requests in flight answered, and an exit code that
says how the apps ended."""

import http.client
import json
import os
import signal
import subprocess
import threading
import urllib.request

from harness import PM, PmTestCase, free_port, main, pid_alive

# A threaded server whose /slow requests take a second; on SIGINT (pm's
# stop signal for it) it stops accepting and finishes what it has.
SLOW_SERVER = """
import http.server, os, signal, sys, threading
class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path == "/slow":
            print(f"slow request in {os.getpid()}", flush=True)
            threading.Event().wait(1)
        body = f"pid {os.getpid()}".encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *args):
        pass
server = http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler)
server.daemon_threads = False
signal.signal(signal.SIGINT, lambda *_: threading.Thread(target=server.shutdown).start())
print("serving", flush=True)
server.serve_forever()
server.server_close()
"""

# Leaves orphans behind as fast as it can: each grandchild outlives its
# parent, so it is re-parented to PID 1 (pmd), which must reap it.
ORPHAN_MAKER = """
import os, time
for _ in range(30):
    if os.fork() == 0:
        if os.fork() == 0:
            time.sleep(0.05)
            os._exit(0)
        os._exit(0)
    os.wait()
print("orphans made", flush=True)
time.sleep(1000)
"""


class Run(PmTestCase):
    def pm_run(self, *args):
        self.out_path = os.path.join(self.tmp, "run.out")
        self.err_path = os.path.join(self.tmp, "run.err")
        with open(self.out_path, "w") as out, open(self.err_path, "w") as err:
            proc = subprocess.Popen(
                ["unshare", "--pid", "--fork", "--mount-proc", PM, "run", *args],
                env=self.env, cwd=self.tmp, stdout=out, stderr=err)
        self.addCleanup(lambda: proc.poll() is None and (proc.kill(), proc.wait()))
        return proc

    def output(self):
        with open(self.out_path) as f:
            return f.read()

    def errors(self):
        with open(self.err_path) as f:
            return f.read()

    def pmd_pid(self, proc):
        """pmd's pid outside the namespace: the child unshare forked."""
        def child():
            try:
                with open(f"/proc/{proc.pid}/task/{proc.pid}/children") as f:
                    return int(f.read().split()[0])
            except (OSError, IndexError, ValueError):
                return None
        return self.wait_for(child, "pmd to start under unshare")

    def wait_exit(self, proc):
        self.wait_for(lambda: proc.poll() is not None, lambda: "pm run to exit; stderr:\n" +
                      self.errors())
        return proc.returncode

    def test_pid_1_output_and_sigterm_answering_what_is_in_flight(self):
        port = free_port()
        self.write("web.py", SLOW_SERVER)
        metrics = free_port()
        proc = self.pm_run("--metrics", str(metrics), "web.py", "-i", "2", "--", str(port))
        pmd = self.pmd_pid(proc)
        with open(f"/proc/{pmd}/status") as f:
            nspid = [line for line in f if line.startswith("NSpid:")][0].split()
        self.assertEqual(nspid[-1], "1", "pmd is PID 1 in its namespace")
        self.wait_for(lambda: self.output().count("|web| serving") == 2,
                      lambda: "both instances' output on pm run's stdout:\n" + self.output())
        # pm commands reach it as usual (same PM_HOME).
        self.wait_ready("web", 2)
        with urllib.request.urlopen(f"http://127.0.0.1:{metrics}/ready", timeout=10) as reply:
            self.assertEqual(reply.status, 200)

        answers = []

        def slow():
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            connection.request("GET", "/slow")
            response = connection.getresponse()
            answers.append((response.status, response.read().decode()))
        clients = [threading.Thread(target=slow) for _ in range(4)]
        for client in clients:
            client.start()
        self.wait_for(lambda: self.output().count("slow request in") == 4,
                      lambda: "4 requests in flight:\n" + self.output())
        os.kill(pmd, signal.SIGTERM)
        for client in clients:
            client.join(timeout=60)
        self.assertEqual([status for status, _ in answers], [200] * 4)
        self.assertEqual(self.wait_exit(proc), 0, self.errors())
        self.assertIn("stopping every app", self.errors())

    def test_orphans_are_reaped(self):
        self.write("orphans.py", ORPHAN_MAKER)
        proc = self.pm_run("orphans.py")
        pmd = self.pmd_pid(proc)
        self.wait_for(lambda: "orphans made" in self.output(),
                      lambda: "the app to leave its orphans:\n" + self.output())

        def zombies():
            found = []
            for entry in os.listdir("/proc"):
                if not entry.isdigit():
                    continue
                try:
                    with open(f"/proc/{entry}/stat") as f:
                        fields = f.read().rsplit(")", 1)[1].split()
                except OSError:
                    continue
                if fields[0] == "Z" and int(fields[1]) == pmd:
                    found.append(int(entry))
            return found
        self.wait_for(lambda: not zombies(), lambda: f"pmd to reap its zombies: {zombies()}")
        os.kill(pmd, signal.SIGTERM)
        self.assertEqual(self.wait_exit(proc), 0)

    def test_stopping_every_app_ends_it_and_json_lines(self):
        self.write("talk.py", "print('hello', flush=True)\nimport time\ntime.sleep(1000)\n")
        proc = self.pm_run("--json", "talk.py")
        self.wait_for(lambda: '"message":"hello"' in self.output(),
                      lambda: "a JSON line on stdout:\n" + self.output())
        line = json.loads(self.output().splitlines()[0])
        self.assertEqual((line["app"], line["id"], line["stream"]), ("talk", 0, "out"))
        update = self.pm("update", check=False)
        self.assertNotEqual(update.returncode, 0)
        self.assertIn("pm update is not for `pm run`", update.stderr)
        self.pm("stop", "all")
        self.assertEqual(self.wait_exit(proc), 0)

    def test_an_app_that_gives_up_exits_1(self):
        self.write("broken.py", "import sys\nsys.exit(3)\n")
        # --no-wait: the start succeeds, then the app crashes until pm gives up.
        proc = self.pm_run("broken.py", "--max-restarts", "2", "--no-wait")
        self.assertEqual(self.wait_exit(proc), 1)
        self.assertIn("an app gave up", self.errors())

    def test_a_start_that_fails_exits_1(self):
        proc = self.pm_run("no-such-script.py")
        self.assertEqual(self.wait_exit(proc), 1)
        self.assertIn("the apps did not start", self.errors())

    def test_refuses_beside_a_running_pmd(self):
        self.pm("ping")
        result = subprocess.run([PM, "run", "x.py"], env=self.env, cwd=self.tmp,
                                capture_output=True, text=True, timeout=60)
        self.assertEqual(result.returncode, 1)
        self.assertIn("a pmd already runs", result.stderr)
        self.assertTrue(pid_alive(self.daemon_pid()))


if __name__ == "__main__":
    main()
