"""Talking to running instances: pm send (Node IPC and PM_CHANNEL_FD) and
pm signal."""

import os

from harness import EXAMPLES, PmTestCase, free_port, http_get, main


class Messages(PmTestCase):
    def test_node_broadcast_with_pm_send(self):
        port = free_port()
        self.env["PORT"] = str(port)
        self.pm("start", os.path.join(EXAMPLES, "users_count.js"), "-i", "2", "--name", "web")
        out = self.pm("send", "web", '{"usersCount":25}').stdout
        self.assertIn("sent to instances 0, 1", out)
        seen = set()
        def both_answer():
            body = http_get(port)
            self.assertTrue(body.startswith("users: 25 "), body)
            seen.add(body.split("pid ")[1])
            return len(seen) == 2
        self.wait_for(both_answer, "both instances to answer")

    def test_python_instance_receives_messages_on_pm_channel_fd(self):
        script = self.write("channel.py", open(os.path.join(EXAMPLES, "channel.py")).read())
        self.pm("start", script, "--wait-ready")
        self.assertIn("ready message", self.pm("describe", "channel").stdout)
        self.pm("send", "channel", '{"greeting": "hi"}')
        self.pm("send", "0", '[1, 2, 3]')
        self.wait_log(self.log_path("channel", 0), 'got {"greeting": "hi"}')
        self.wait_log(self.log_path("channel", 0), "got [1, 2, 3]")

    def test_bad_messages_and_signals(self):
        self.pm("start", "sleep 1000", "--name", "s")
        result = self.pm("send", "s", "{not json", check=False)
        self.assertIn("not JSON", result.stderr)
        result = self.pm("signal", "SIGNOPE", "s", check=False)
        self.assertIn("not a signal", result.stderr)
        self.pm("stop", "s")
        result = self.pm("send", "s", "1", check=False)
        self.assertIn("not running, nothing sent", result.stderr)

    def test_pm_signal(self):
        script = self.write("usr1.py", "import signal, time\n"
                            "signal.signal(signal.SIGUSR1, lambda *_: print('got USR1', flush=True))\n"
                            "print('ready', flush=True)\nwhile True: time.sleep(1)\n")
        self.pm("start", script)
        self.wait_log(self.log_path("usr1", 0), "ready")
        self.assertIn("sent SIGUSR1 to instance 0", self.pm("signal", "USR1", "usr1").stdout)
        self.wait_log(self.log_path("usr1", 0), "got USR1")


if __name__ == "__main__":
    main()
