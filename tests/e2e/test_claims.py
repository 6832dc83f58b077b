"""Claims of the README and the man page that no other file tests: SIGHUP,
pmd's own sd_notify, LISTEN_FDNAMES and Unix-socket --listen, log
timestamps and NULL paths, log files that cannot be written, instance_var,
restart_delay and the backoff base, the default listen timeout and
max_restarts, pmd's check of its clients' uid, and a stopping instance that
is not Node taking no new connection."""

import glob
import http.client
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import unittest

from harness import DEADLINE, PM, SLEEPER, PmTestCase, free_port, http_get, main, pid_alive, program
from proc_sockets import holds_connection
from test_trust import other_uid

PMD = os.path.join(os.path.dirname(PM), "pmd")
TICKER = program("ticker.py")

# Serves every socket pmd passed (fd 3 on, the systemd way): each connection
# gets one line naming this process, the socket's family and the LISTEN_
# variables.
FD_SERVER = r"""
import os, signal, socket, threading

def serve(listener):
    while True:
        connection, _ = listener.accept()
        with connection:
            connection.sendall(f"pid {os.getpid()} {listener.family.name} "
                               f"{os.environ['LISTEN_FDS']} {os.environ['LISTEN_FDNAMES']}\n"
                               .encode())

for fd in range(3, 3 + int(os.environ["LISTEN_FDS"])):
    threading.Thread(target=serve, args=(socket.socket(fileno=fd),), daemon=True).start()
signal.pause()
"""

# Writes more than a pipe holds to stdout and to stderr, then "done" to both:
# "done" arrives only if pmd drained the pipes.
TWO_STREAMS = r"""
import sys, time
for stream in (sys.stdout, sys.stderr):
    for i in range(2000):
        stream.write("x" * 99 + "\n")
for stream in (sys.stdout, sys.stderr):
    stream.write("done\n")
    stream.flush()
time.sleep(1000)
"""

# An HTTP server on 127.0.0.1:PORT, a thread per request, answering
# "pid <its pid>"; GET /slow waits until the file GATE exists. On SIGINT it
# stops accepting, says "closed", finishes the requests in hand and exits:
# a graceful server that is not Node.
THREADED_SERVER = r"""
import http.server, os, signal, socketserver, sys, threading, time
port, gate = int(sys.argv[1]), sys.argv[2]

class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        while self.path == "/slow" and not os.path.exists(gate):
            time.sleep(0.01)
        body = f"pid {os.getpid()}".encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass

class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = False  # server_close() waits for the requests in hand

server = Server(("127.0.0.1", port), Handler)
signal.signal(signal.SIGINT, lambda *_: threading.Thread(target=server.shutdown).start())
server.serve_forever(poll_interval=0.05)
print("closed", flush=True)
server.server_close()
"""

# Connects to the control socket at argv[1] as uid argv[2] and asks pmd to
# die; says whether it got in and what came back.
HOSTILE_CLIENT = r"""
import os, socket, sys
uid = int(sys.argv[2])
os.setgid(uid)
os.setuid(uid)
client = socket.socket(socket.AF_UNIX)
client.connect(sys.argv[1])
print("connected", flush=True)
reply = b""
try:
    client.sendall(b'{"v":1,"cmd":"kill"}\n')
    while chunk := client.recv(4096):
        reply += chunk
except (BrokenPipeError, ConnectionResetError):
    pass  # hung up on at once
print(repr(reply), flush=True)
"""


class Claims(PmTestCase):
    def pmd_log(self):
        with open(os.path.join(self.home, "pmd.log")) as f:
            return f.read()

    def env_of(self, instance_id):
        return self.pm("env", str(instance_id)).stdout.splitlines()

    def first_line(self, path):
        with open(path) as f:
            return f.readline().rstrip("\n")

    # --- the daemon ---------------------------------------------------------
    def test_sighup_reopens_the_log_files(self):
        self.pm("start", self.write("ticker.py", TICKER), "--name", "t", "--no-wait")
        path = self.log_path("t", 0)
        self.wait_log(path, "tick 1")
        pmd = self.daemon_pid()
        os.rename(path, path + ".moved")  # as logrotate does
        os.kill(pmd, signal.SIGHUP)
        # Without a reopen every line goes on into the moved file.
        self.wait_log(path, "tick")
        self.assertIn("SIGHUP: reopening log files", self.pmd_log())
        self.assertEqual(self.daemon_pid(), pmd)

    def test_pmd_tells_systemd_it_is_ready(self):
        notify_path = os.path.join(self.tmp, "systemd-notify")
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as manager:
            manager.bind(notify_path)
            manager.settimeout(DEADLINE)
            pmd = subprocess.Popen([PMD], env=dict(self.env, NOTIFY_SOCKET=notify_path),
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                   start_new_session=True)
            try:
                try:
                    message = manager.recv(4096).decode()
                except TimeoutError:
                    self.fail(f"pmd sent nothing to $NOTIFY_SOCKET within {DEADLINE:.0f}s")
                # Ready means serving: what systemd starts after pmd can use it
                # at once, without retrying.
                with socket.socket(socket.AF_UNIX) as client:
                    client.connect(os.path.join(self.home, "pm.sock"))
            finally:
                self.pm("kill")
                pmd.wait(timeout=DEADLINE)
        self.assertEqual(sorted(message.splitlines()), [f"MAINPID={pmd.pid}", "READY=1"])

    def test_pmd_refuses_a_client_of_another_user(self):
        uid = other_uid()
        if uid is None or os.geteuid() != 0:
            self.skipTest("needs root and a second user to connect as another uid")
        self.pm("start", "/bin/sleep", "--name", "nap", "--no-wait", "--", "1000")
        [row] = self.rows("nap")
        pmd = self.daemon_pid()
        # The modes alone keep other users from the socket; open them so that
        # pmd's own check (SO_PEERCRED) is all that stands in the way.
        sock = os.path.join(self.home, "pm.sock")
        os.chmod(self.tmp, 0o711)
        os.chmod(self.home, 0o711)
        os.chmod(sock, 0o666)
        client = subprocess.run([sys.executable, "-c", HOSTILE_CLIENT, sock, str(uid)],
                                capture_output=True, text=True, timeout=60)
        self.assertEqual(client.stdout, "connected\nb''\n", client.stderr)
        self.assertEqual(self.daemon_pid(), pmd, "pmd obeyed another user's kill")
        self.assertEqual(self.rows("nap")[0]["pid"], row["pid"])
        self.assertIn(f"refused a control connection from uid {uid}", self.pmd_log())

    # --- sockets ------------------------------------------------------------
    def read_line(self, family, address):
        with socket.socket(family) as client:
            client.settimeout(DEADLINE)
            client.connect(address)
            return client.makefile().readline()

    def test_listen_fdnames_names_every_passed_socket(self):
        port = free_port()
        path = os.path.join(self.tmp, "two.sock")
        self.pm("start", self.write("two.py", FD_SERVER), "--name", "two", "--no-wait",
                "--listen", f"127.0.0.1:{port}", "--listen", path)
        # The fds in the order of the addresses, one name for each.
        self.assertEqual(self.read_line(socket.AF_INET, ("127.0.0.1", port)).split()[2:],
                         ["AF_INET", "2", "two:two"])
        self.assertEqual(self.read_line(socket.AF_UNIX, path).split()[2:],
                         ["AF_UNIX", "2", "two:two"])

    def test_listen_on_a_unix_socket_path(self):
        path = os.path.join(self.tmp, "web.sock")
        self.pm("start", self.write("web.py", FD_SERVER), "--name", "web", "-i", "2",
                "--no-wait", "--listen", path)
        pids = {f"pid {row['pid']}" for row in self.rows("web")}
        seen = set()
        def both_answer():
            line = self.read_line(socket.AF_UNIX, path)
            self.assertIn("AF_UNIX", line)
            seen.add(" ".join(line.split()[:2]))
            return len(seen) == 2
        self.wait_for(both_answer, f"both instances to answer on {path} (saw {seen})")
        self.assertEqual(seen, pids)
        self.assertEqual({row["listen"] for row in self.rows("web")}, {path})

    def test_a_stopping_instance_that_is_not_node_takes_no_new_connection(self):
        port = free_port()
        gate = os.path.join(self.tmp, "gate")
        script = self.write("threaded.py", THREADED_SERVER)
        self.pm("start", script, "-i", "2", "--kill-timeout", "30000", "--", str(port), gate)
        rows = self.wait_ready("threaded")
        slow = http.client.HTTPConnection("127.0.0.1", port, timeout=DEADLINE)
        slow.request("GET", "/slow")
        holder = self.wait_for(
            lambda: next((r for r in rows if holds_connection(r["pid"], port)), None),
            "an instance to accept the slow request")
        stopper = subprocess.Popen([PM, "stop", str(holder["id"])], env=self.env,
                                   stdout=subprocess.DEVNULL)
        # Stopping means signalled: the server shut its accept loop. (The
        # only app here: ids are indexes.)
        self.wait_log(self.log_path("threaded", holder["id"]), "closed")
        self.assertEqual(self.rows("threaded")[holder["id"]]["status"], "stopping")
        other = next(r["pid"] for r in rows if r["id"] != holder["id"])
        for _ in range(20):
            self.assertEqual(http_get(port), f"pid {other}", "a stopping instance got a request")
        open(gate, "w").close()
        self.assertEqual(slow.getresponse().read().decode(), f"pid {holder['pid']}",
                         "the request in flight finished")
        slow.close()
        self.assertEqual(stopper.wait(timeout=60), 0)

    # --- logs -----------------------------------------------------------------
    def test_logs_timestamp_prefixes_live_lines(self):
        self.pm("start", self.write("ticker.py", TICKER), "--name", "t", "--no-wait")
        self.wait_log(self.log_path("t", 0), "tick 1")
        follower = subprocess.Popen([PM, "logs", "t", "--lines", "0", "--out", "--timestamp"],
                                    env=self.env, stdout=subprocess.PIPE, text=True)
        try:
            line = next(l for l in follower.stdout if "|t|" in l)
        finally:
            follower.kill()
            follower.wait()
            follower.stdout.close()
        self.assertRegex(line, r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3} 0\|t\| tick \d+$")

    def test_log_date_format_in_moment_and_strftime_style(self):
        worker = self.write("worker.py", SLEEPER)
        # Either side of a midnight the test might straddle.
        days = {time.strftime("%d.%m.%Y")}
        years = {time.strftime("%Y %j")}
        self.pm("start", worker, "--name", "moment", "--no-wait", "--log-date-format",
                "DD.MM.YYYY HH:mm:ss.SSS")
        self.pm("start", worker, "--name", "strftime", "--no-wait", "--log-date-format", "%Y %j")
        for name in ("moment", "strftime"):
            self.wait_log(self.log_path(name, 0), "up None")
        days.add(time.strftime("%d.%m.%Y"))
        years.add(time.strftime("%Y %j"))
        stamp = re.fullmatch(r"(\d\d\.\d\d\.\d{4}) \d\d:\d\d:\d\d\.\d{3}: up None \[\]",
                             self.first_line(self.log_path("moment", 0)))
        self.assertIsNotNone(stamp, self.first_line(self.log_path("moment", 0)))
        self.assertIn(stamp.group(1), days)
        line = self.first_line(self.log_path("strftime", 0))
        self.assertIn(line, {f"{year}: up None []" for year in years})

    def test_null_turns_a_log_off_as_dev_null_does(self):
        script = self.write("both.py", TWO_STREAMS)
        self.pm("start", script, "--name", "quiet", "--no-wait", "--output", "NULL")
        self.write("ecosystem.json", json.dumps(
            {"apps": [{"name": "eco", "script": "both.py", "error_file": "NULL"}]}))
        self.pm("start", "ecosystem.json", "--no-wait")
        self.wait_log(self.log_path("quiet", 0, "err"), "done")
        self.wait_log(self.log_path("eco", 0), "done")
        self.assertEqual(sorted(os.listdir(os.path.join(self.home, "logs"))),
                         ["eco-0-out.log", "quiet-0-err.log"])
        # Taken as a path, NULL would be relative to pm's directory or pmd's (/).
        self.assertEqual(glob.glob(os.path.join(self.tmp, "NULL*")) + glob.glob("/NULL*"), [])

    def test_an_unwritable_log_is_reported_and_the_app_goes_on(self):
        script = self.write("both.py", TWO_STREAMS)
        blocker = self.write("blocker", "")  # a file where a directory should be
        self.pm("start", script, "--name", "lost", "--no-wait", "--output", f"{blocker}/out.log")
        # /dev/full is a full disk: every write fails with ENOSPC.
        self.pm("start", script, "--name", "full", "--no-wait", "--output", "/dev/full",
                "--merge-logs")
        pids = {name: self.rows(name)[0]["pid"] for name in ("lost", "full")}
        self.wait_log(self.log_path("lost", 0, "err"), "done")
        self.wait_log(os.path.join(self.home, "logs", "full-err.log"), "done")
        problems = {"lost": f"cannot open {blocker}/out.log: Not a directory",
                    "full": "cannot write /dev/full: No space left on device"}
        log = self.pmd_log()
        for name, problem in problems.items():
            self.assertRegex(self.pm("describe", name).stdout,
                             rf"log problem\s+{re.escape(problem)}")
            self.assertIn(problem, log)
            [row] = self.rows(name)
            self.assertEqual((row["pid"], row["restarts"]), (pids[name], 0), "the app goes on")
            self.assertTrue(pid_alive(pids[name]))

    # --- settings ---------------------------------------------------------
    def test_instance_var_names_the_index_variable(self):
        self.pm("start", "/bin/sleep", "--name", "first", "--no-wait", "--", "1000")
        # Ids 1 and 2, indexes 0 and 1: the variable holds the index.
        self.pm("start", "/bin/sleep", "--name", "flag", "-i", "2", "--instance-var", "WORKER",
                "--no-wait", "--", "1000")
        self.write("ecosystem.json", json.dumps({"apps": [
            {"name": "eco", "script": "/bin/sleep", "args": "1000", "instance_var": "SLOT"}]}))
        self.pm("start", "ecosystem.json", "--no-wait")
        for instance_id, variable, index in ((1, "WORKER", 0), (2, "WORKER", 1), (3, "SLOT", 0)):
            env = self.env_of(instance_id)
            self.assertIn(f"{variable}={index}", env)
            self.assertFalse([v for v in env if v.startswith("NODE_APP_INSTANCE=")], env)
        self.assertIn("NODE_APP_INSTANCE=0", self.env_of(0))

    def crash_beside_the_default_backoff(self, *flags):
        """Starts "held" with `flags` and "paced" with the defaults, each
        crashing at once; returns held's row once paced was restarted twice
        (after 100 and 150 ms): far from held's delay, on a loaded machine too."""
        self.pm("start", "sh -c 'exit 3'", "--name", "held", "--no-wait", *flags)
        self.pm("start", "sh -c 'exit 3'", "--name", "paced", "--no-wait")
        self.wait_for(lambda: self.rows("paced")[0]["restarts"] >= 2,
                      "the default backoff to restart paced twice")
        return self.rows("held")[0]

    def test_restart_delay_holds_a_crashed_instance_back(self):
        held = self.crash_beside_the_default_backoff("--restart-delay", "3000")
        self.assertEqual((held["status"], held["restarts"]), ("waiting restart", 0))
        self.wait_for(lambda: self.rows("held")[0]["restarts"] >= 1,
                      "held to be restarted after its delay")

    def test_exp_backoff_restart_delay_sets_the_first_delay(self):
        held = self.crash_beside_the_default_backoff("--exp-backoff-restart-delay", "3000")
        self.assertEqual((held["status"], held["restarts"]), ("waiting restart", 0))
        self.wait_for(lambda: self.rows("held")[0]["restarts"] >= 1,
                      "held to be restarted after its first delay")

    # README: "`pm describe` shows every setting".
    def test_describe_shows_every_setting(self):
        self.pm("start", "/bin/sleep", "--name", "fixed", "--restart-delay", "1234",
                "--stop-exit-codes", "3", "--max-memory-restart", "300M",
                "--cron-restart", "0 3 * * *", "--log-date-format", "%H:%M",
                "--log-max-size", "2M", "--log-max-files", "7", "--", "1000")
        self.pm("start", "/bin/sleep", "--name", "backoff", "--exp-backoff-restart-delay", "4321",
                "--", "1000")
        fixed = self.pm("describe", "fixed").stdout
        for shown in ("1234 ms, fixed", "stop exit codes    3", "300.0mb", "0 3 * * *",
                      "%H:%M", "past 2.0mb, 7 kept", "NODE_APP_INSTANCE"):
            self.assertIn(shown, fixed)
        self.assertIn("backoff from 4321 ms", self.pm("describe", "backoff").stdout)

    def test_without_a_signal_an_instance_is_online_after_3000_ms_by_default(self):
        # The default one starts first: were its timeout the shorter, it
        # would be online first.
        self.pm("start", "/bin/sleep", "--name", "default", "--no-wait", "--", "1000")
        self.pm("start", "/bin/sleep", "--name", "short", "--no-wait", "--listen-timeout", "500",
                "--", "1000")
        self.wait_ready("short")
        [row] = self.rows("default")
        self.assertEqual((row["status"], row["ready"]), ("online", False))
        self.wait_ready("default")
        describe = self.pm("describe", "default").stdout
        self.assertRegex(describe, r"listen timeout\s+3000 ms\n")
        self.assertIn("yes, by no signal within listen_timeout", describe)

    def test_the_16th_unstable_exit_in_a_row_ends_errored_by_default(self):
        # A short fixed delay keeps the 16 runs quick; the count is the default.
        self.pm("start", "sh -c 'exit 3'", "--name", "loop", "--restart-delay", "1", check=False)
        [row] = self.wait_status("loop", "errored")
        self.assertEqual(row["restarts"], 15)
        self.assertIn("crashed 16 times in a row", self.pm("describe", "loop").stdout)


if __name__ == "__main__":
    main()
