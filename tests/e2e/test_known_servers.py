"""Real servers and what they expect: the graceful stop signal of the
servers pm knows, puma without NOTIFY_SOCKET, Go programs that bind their
own port, and the arguments of a --listen app as the program gets them."""

import os
import shutil
import subprocess
import tempfile

from harness import SLEEPER, PmTestCase, free_port, http_get, main, program

SIGNAL_RECORDER = program("signal_recorder.py")


class RealServers(PmTestCase):
    def fake_server(self, name):
        """The signal recorder installed as a program called `name`."""
        os.makedirs(os.path.join(self.tmp, "bin"), exist_ok=True)
        return self.write(os.path.join("bin", name), SIGNAL_RECORDER, mode=0o755)

    def kill_signal_line(self, target):
        lines = self.pm("describe", target).stdout.splitlines()
        return next(line.split(None, 2)[2] for line in lines if "kill signal" in line)

    def read_log(self, name):
        try:
            with open(self.log_path(name, 0)) as f:
                return f.read()
        except FileNotFoundError:
            return ""

    def stop_and_read(self, name, runs=1):
        """Stops the app `name` once the latest of its `runs` runs has set its
        handlers up; what it logged."""
        self.wait_for(lambda: self.read_log(name).count("up\n") >= runs,
                      f"run {runs} of {name} to be up")
        self.pm("stop", name)
        return self.read_log(name)

    def test_nginx_gets_sigquit_unless_the_user_says_otherwise(self):
        nginx = self.fake_server("nginx")
        self.pm("start", nginx)
        self.assertEqual(self.kill_signal_line("nginx"),
                         "SIGQUIT (nginx's graceful shutdown; --kill-signal to change)")
        self.assertIn("got SIGQUIT", self.stop_and_read("nginx"))

        self.pm("start", nginx, "--name", "told", "--kill-signal", "SIGTERM")
        self.assertEqual(self.kill_signal_line("told"), "SIGTERM (--kill-signal)")
        self.assertIn("got SIGTERM", self.stop_and_read("told"))

        self.pm("start", self.fake_server("myserver"))
        self.assertEqual(self.kill_signal_line("myserver"),
                         "SIGINT (default; --kill-signal to change)")
        self.assertIn("got SIGINT", self.stop_and_read("myserver"))

    def test_save_and_resurrect_keep_a_given_signal_and_choose_again_otherwise(self):
        nginx = self.fake_server("nginx")
        self.pm("start", nginx)
        self.pm("start", nginx, "--name", "told", "--kill-signal", "SIGTERM")
        self.pm("save")
        self.pm("kill")
        self.pm("resurrect")
        self.assertEqual(self.kill_signal_line("nginx"),
                         "SIGQUIT (nginx's graceful shutdown; --kill-signal to change)")
        self.assertEqual(self.kill_signal_line("told"), "SIGTERM (--kill-signal)")
        # Both runs were stopped: by pm kill, then by this stop.
        self.assertEqual(self.stop_and_read("told", runs=2).count("got SIGTERM"), 2)

    def test_an_ecosystem_kill_signal_is_the_users(self):
        nginx = self.fake_server("nginx")
        self.write("ecosystem.json",
                   f'{{"apps": [{{"name": "web", "script": "{nginx}", "kill_signal": "SIGINT"}}]}}')
        self.pm("start", "ecosystem.json")
        self.assertEqual(self.kill_signal_line("web"), "SIGINT (--kill-signal)")
        self.assertIn("got SIGINT", self.stop_and_read("web"))

    def test_puma_starts_without_the_systemd_complaint_and_stops_gracefully(self):
        if not shutil.which("puma"):
            self.skipTest("puma is not installed (Debian: apt-get install puma)")
        port = free_port()
        self.write("config.ru",
                   'run ->(env) { [200, {"Content-Type" => "text/plain"}, ["pid #{Process.pid}"]] }\n')
        self.pm("start", "puma", "--", "-b", f"tcp://127.0.0.1:{port}")
        pid = self.rows("puma")[0]["pid"]
        self.assertEqual(http_get(port), f"pid {pid}")
        # Puma looks at NOTIFY_SOCKET before it binds, so its complaint would
        # be in the log by now.
        self.wait_log(self.log_path("puma", 0), "Listening on")
        self.assertIn("SIGTERM (puma's graceful shutdown", self.kill_signal_line("puma"))
        self.pm("stop", "puma")
        logs = ""
        for stream in ("out", "err"):
            with open(self.log_path("puma", 0, stream)) as f:
                logs += f.read()
        self.assertNotIn("Systemd integration failed", logs)
        self.assertIn("Gracefully stopping", logs)

    go_dir = None  # the Go build's cache and binary, shared by the tests

    @classmethod
    def tearDownClass(cls):
        if cls.go_dir:
            shutil.rmtree(cls.go_dir, ignore_errors=True)

    def go_server(self):
        """The Go server, built once for these tests, copied into this test's
        directory as `goserver`."""
        if not shutil.which("go"):
            self.skipTest("go is not installed (Debian: apt-get install golang-go)")
        cls = type(self)
        if not cls.go_dir:
            cls.go_dir = tempfile.mkdtemp(prefix="pm-e2e-go-")
            source = os.path.join(cls.go_dir, "main.go")
            with open(source, "w") as f:
                f.write(program("go_server.go"))
            env = dict(os.environ, HOME=cls.go_dir, GOCACHE=os.path.join(cls.go_dir, "cache"),
                       GOPATH=os.path.join(cls.go_dir, "path"), GOPROXY="off", GOFLAGS="",
                       GOTOOLCHAIN="local", CGO_ENABLED="1")
            # With cgo, as Go builds a server where a C compiler is: dynamically
            # linked, so only Go's build id tells pm that its preload cannot help.
            subprocess.run(["go", "build", "-o", "goserver", source], env=env, check=True,
                           cwd=cls.go_dir, timeout=240)
        binary = os.path.join(self.tmp, "goserver")
        shutil.copy(os.path.join(cls.go_dir, "goserver"), binary)
        with open(binary, "rb") as f:
            self.assertIn(b"ld-linux", f.read(1 << 16), "the Go server is dynamically linked")
        return binary

    def test_a_go_server_without_listen_is_warned_about_and_the_warning_stays(self):
        binary = self.go_server()
        port = free_port()
        result = self.pm("start", binary, "-i", "2", "--", str(port), check=False)
        self.assertIn("is a Go program", result.stderr)
        self.assertIn("--listen ADDR", result.stderr)
        self.assertIn("net.FileListener(os.NewFile(3", result.stderr)

        def refused():
            for index in (0, 1):
                try:
                    with open(self.log_path("goserver", index, "err")) as f:
                        if "address already in use" in f.read():
                            return True
                except FileNotFoundError:
                    pass
            return False
        self.wait_for(refused, "one instance to fail to bind the port the other has")
        for instance in self.rows("goserver"):
            self.assertIn("warning", self.pm("describe", str(instance["id"])).stdout)
            self.assertIn("is a Go program", self.pm("describe", str(instance["id"])).stdout)

    def test_a_go_server_that_takes_fd_3_shares_its_port(self):
        binary = self.go_server()
        port = free_port()
        result = self.pm("start", binary, "-i", "2", "--listen", str(port))
        self.assertNotIn("warning", result.stderr)
        rows = self.wait_ready("goserver", count=2)
        self.assertIn(http_get(port), {f"pid {row['pid']}" for row in rows})
        self.assertNotIn("warning", self.pm("describe", "goserver").stdout)

    def test_describe_shows_the_arguments_the_program_got(self):
        script = self.write("fdapp.py", SLEEPER)
        self.pm("start", script, "--listen", "127.0.0.1:0", "--", "--fd", "{fd}",
                "--port", "{port}")
        port = self.rows("fdapp")[0]["listen"].rsplit(":", 1)[1]
        self.assertNotEqual(port, "0")
        # The program says what it got: "up None [its arguments]".
        got = f"['--fd', '3', '--port', '{port}']"
        self.wait_log(self.log_path("fdapp", 0), got)
        command = next(line for line in self.pm("describe", "fdapp").stdout.splitlines()
                       if line.strip().startswith("command"))
        self.assertTrue(command.endswith(f"fdapp.py --fd 3 --port {port}"), command)


if __name__ == "__main__":
    main()
