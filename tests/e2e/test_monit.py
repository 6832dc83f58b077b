"""`pm monit` in a real terminal (tmux): the instances with their status,
restarts, CPU history and memory, the selected app's live log lines, keys
that restart, reload and stop, an 80x24 fit, redraw on resize, no colour
when NO_COLOR says so, and the terminal left as it was, Ctrl-C included."""

import os
import shlex
import shutil
import subprocess
import uuid

from harness import PM, PmTestCase, free_port, http_get, main

LOGGING_SERVER = """
import http.server, os, sys
class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        print(f"served {self.path} by {os.getpid()}", flush=True)
        body = f"pid {os.getpid()}".encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *args):
        pass
http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
"""


class Monit(PmTestCase):
    def setUp(self):
        super().setUp()
        if shutil.which("tmux") is None:
            self.fail("tmux is needed (packaging/install-deps.sh installs it)")
        self.session = "pm-monit-" + uuid.uuid4().hex[:8]
        # A server of our own: the user's tmux, if any, is not touched.
        self.socket = os.path.join(self.tmp, "tmux.sock")

    def tmux(self, *args):
        return subprocess.run(["tmux", "-S", self.socket, *args], capture_output=True,
                              text=True, timeout=30)

    def open_monit(self, width=80, height=24, extra_env=""):
        self.port = free_port()
        self.pm("start", self.write("web.py", LOGGING_SERVER), "-i", "2", "--", str(self.port))
        self.wait_ready("web", 2)
        # The shell stands for the user's interactive one, which outlives a
        # Ctrl-C to the program in front.
        command = (f"trap true INT; before=$(stty -g); PM_HOME={shlex.quote(self.home)} {extra_env} "
                   f"{shlex.quote(PM)} monit; code=$?; "
                   f"[ \"$before\" = \"$(stty -g)\" ] && echo \"TERMINAL SAME, EXIT $code\"; "
                   "sleep 600")
        self.tmux("new-session", "-d", "-s", self.session, "-x", str(width), "-y", str(height),
                  "sh", "-c", command)
        self.addCleanup(lambda: self.tmux("kill-server"))
        return self.wait_screen(lambda s: s.count(" online ") == 2, "both instances online")

    def screen(self, escapes=False):
        return self.tmux("capture-pane", "-p", *(["-e"] if escapes else []),
                         "-t", self.session).stdout

    def wait_screen(self, predicate, what):
        return self.wait_for(lambda: (lambda s: s if predicate(s) else None)(self.screen()),
                             lambda: f"{what} on the screen:\n{self.screen()}")

    def keys(self, *keys):
        self.tmux("send-keys", "-t", self.session, *keys)

    def test_instances_logs_and_keys(self):
        screen = self.open_monit()
        lines = screen.split("\n")
        self.assertLessEqual(max(len(line) for line in lines), 80, screen)
        for row in self.rows("web"):
            self.assertRegex(screen, rf"\n.{row['id']}\s+web\s+online\s+0\s+\d+%")
        self.assertIn("logs of web", screen)
        self.assertIn("mb", screen)

        http_get(self.port, "/hello-monit")
        self.wait_screen(lambda s: "served /hello-monit by" in s, "the request's log line")

        before = {r["pid"] for r in self.rows("web")}
        self.keys("l")
        self.wait_screen(lambda s: "reload web: done" in s, "the reload to finish")
        self.assertTrue(before.isdisjoint(r["pid"] for r in self.rows("web")))
        self.wait_screen(lambda s: s.count(" online          1 ") == 2,
                         "both instances with one restart")

        self.keys("s")
        self.wait_screen(lambda s: "stop web: done" in s and s.count(" stopped ") == 2,
                         "both instances stopped")
        self.assertEqual({r["status"] for r in self.rows("web")}, {"stopped"})
        self.keys("r")
        self.wait_screen(lambda s: "restart web: done" in s and s.count(" online ") == 2,
                         "both instances online again")

        self.keys("q")
        self.wait_screen(lambda s: "TERMINAL SAME, EXIT 0" in s, "monit to quit on q")
        self.assertNotIn("pm monit", self.screen())

    def test_ctrl_c_and_resize_leave_the_terminal_as_it_was(self):
        self.open_monit()
        self.tmux("resize-window", "-t", self.session, "-x", "120", "-y", "40")
        screen = self.wait_screen(lambda s: len(s.split("\n")[12]) > 80 or
                                  any(len(line) > 80 for line in s.split("\n")),
                                  "a redraw at 120 columns")
        self.assertEqual(screen.count(" online "), 2)
        self.keys("C-c")
        self.wait_screen(lambda s: "TERMINAL SAME, EXIT 0" in s, "monit to quit on Ctrl-C")

    def test_no_colour_when_asked(self):
        self.open_monit(extra_env="NO_COLOR=1")
        self.assertNotIn("\033[32m", self.screen(escapes=True))
        self.keys("q")
        self.wait_screen(lambda s: "TERMINAL SAME" in s, "monit to quit")

    def test_colour_by_default(self):
        self.open_monit()
        self.assertIn("\033[32m", self.screen(escapes=True))

    def test_not_a_terminal(self):
        result = self.pm("monit", check=False)
        self.assertEqual(result.returncode, 1)
        self.assertIn("pm monit needs a terminal", result.stderr)


if __name__ == "__main__":
    main()
