"""Cluster mode: one daemon-owned listening socket shared by N instances,
for Node (cluster protocol), programs that bind their own port (preload
library), and programs that take an inherited fd (LISTEN_FDS)."""

import http.client
import os
import signal
import socket

from harness import EXAMPLES, PID_SERVER, PmTestCase, free_port, http_get, main, program
from proc_sockets import LISTEN, listening_inode, socket_inodes, tcp_inodes


class Cluster(PmTestCase):
    def pids_answering(self, port, want):
        seen = set()
        def check():
            seen.add(http_get(port))
            return len(seen) >= want
        self.wait_for(check, f"{want} distinct instances to answer on :{port} (saw {seen})")
        return seen

    def test_unmodified_node_server_clusters(self):
        port = free_port()
        source = open(os.path.join(EXAMPLES, "server.js")).read().replace("8080", str(port))
        script = self.write("server.js", source)
        out = self.pm("start", script, "-i", "2").stdout
        self.assertIn("started server (2 instances)", out)
        rows = self.rows("server")
        self.assertEqual([(r["status"], r["ready"]) for r in rows], [("online", True)] * 2,
                         "ready on return")
        self.assertIn("started server (2 instances): online, ready", out)
        self.assertEqual({r["mode"] for r in rows}, {"cluster"})
        self.assertEqual({r["listen"] for r in rows}, {f":{port}"})
        answers = self.pids_answering(port, 2)
        self.assertEqual(answers, {f"Handled by process {r['pid']}" for r in rows})
        describe = self.pm("describe", "server").stdout
        self.assertIn("node cluster", describe)
        self.assertIn("yes, by listening", describe)

    def test_python_server_that_binds_the_port_itself(self):
        port = free_port()
        script = self.write("selfbind.py", PID_SERVER)
        self.pm("start", script, "-i", "2", "--", str(port))
        rows = self.wait_ready("selfbind")
        answers = self.pids_answering(port, 2)
        self.assertEqual(answers, {f"pid {r['pid']}" for r in rows})
        self.assertIn("preload", self.pm("describe", "selfbind").stdout)

    def test_python_http_server_module_by_command_line(self):
        port = free_port()
        self.pm("start", f"python3 -m http.server {port} --bind 127.0.0.1", "-i", "2",
                "--name", "static", cwd=self.tmp)
        self.wait_ready("static")
        self.write("hello.txt", "hello from disk\n")
        self.assertEqual(http_get(port, "/hello.txt"), "hello from disk\n")

    def test_listen_fds_with_placeholders(self):
        port = free_port()
        script = self.write("fdserver.py", program("listen_fds_server.py"))
        self.pm("start", script, "--listen", f"127.0.0.1:{port}", "-i", "2", "--listen-timeout",
                "300", "--", "{port}", "{fd}")
        rows = self.wait_ready("fdserver")
        answer = http_get(port)
        self.assertIn(f"args ['{port}', '3']", answer)
        self.assertIn(answer.split()[1], {str(r["pid"]) for r in rows})
        self.assertIn("LISTEN_FDS", self.pm("describe", "fdserver").stdout)

    def test_each_instance_holds_its_own_socket_which_the_daemon_holds_too(self):
        port = free_port()
        script = self.write("selfbind.py", PID_SERVER)
        self.pm("start", script, "-i", "2", "--", str(port))
        rows = self.wait_ready("selfbind")
        listening = set(tcp_inodes(port, LISTEN))
        daemon = socket_inodes(self.daemon_pid())
        held = [socket_inodes(row["pid"]) & listening for row in rows]
        self.assertEqual([len(inodes) for inodes in held], [1, 1],
                         "each instance holds one listening socket")
        self.assertNotEqual(held[0], held[1], "a socket of its own")
        self.assertLessEqual(held[0] | held[1], daemon, "pmd holds them too")

    def test_ipv4_beside_ipv6_only_as_nginx_binds_by_default(self):
        # nginx's "listen 80; listen [::]:80;": 0.0.0.0 and [::] with
        # IPV6_V6ONLY, each bound by the program through the preload.
        if not socket.has_ipv6:
            self.skipTest("no IPv6 on this machine")
        port = free_port()
        script = self.write("dual.py", f"""
import http.server, os, socket, threading
class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = f"pid {{os.getpid()}} {{self.server.address_family.name}}".encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
class V6(http.server.HTTPServer):
    address_family = socket.AF_INET6
    def server_bind(self):
        self.socket.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        super().server_bind()
v4 = http.server.HTTPServer(("0.0.0.0", {port}), Handler)
v6 = V6(("::", {port}), Handler)
threading.Thread(target=v4.serve_forever, daemon=True).start()
v6.serve_forever()
""")
        self.pm("start", script, "-i", "2")
        rows = self.wait_ready("dual")
        pids = {str(row["pid"]) for row in rows}
        self.assertIn(" AF_INET ", http_get(port) + " ")
        with socket.create_connection(("::1", port), timeout=10) as s:
            s.sendall(b"GET / HTTP/1.0\r\n\r\n")
            answer = s.makefile("rb").read().decode()
        self.assertIn("AF_INET6", answer)
        self.assertIn(answer.split("\r\n\r\n")[1].split()[1], pids)
        self.assertNotIn("already in use", self.pm("describe", "dual").stdout)

    def test_describe_says_where_the_socket_came_from_only_once_it_did(self):
        worker = self.write("worker.py", "import time\ntime.sleep(1000)\n")
        self.pm("start", worker, "--listen-timeout", "0")
        self.wait_ready("worker")
        self.assertRegex(self.pm("describe", "worker").stdout, r"socket from\s+-\n")
        port = free_port()
        script = self.write("selfbind.py", PID_SERVER)
        self.pm("start", script, "--", str(port))
        self.wait_ready("selfbind")
        self.assertIn("preload (its own bind)", self.pm("describe", "selfbind").stdout)

    def test_no_connection_refused_while_an_instance_is_killed(self):
        port = free_port()
        source = open(os.path.join(EXAMPLES, "server.js")).read().replace("8080", str(port))
        source = source.replace("1e7", "1e5")
        script = self.write("server.js", source)
        # One instance: while it is dead only the daemon's socket can take a
        # connection; a second instance would accept it anyway.
        self.pm("start", script, "-i", "1")
        victim = self.rows("server")[0]["pid"]
        refused = other_errors = 0
        answers = set()
        for i in range(300):
            if i == 100:
                os.kill(victim, signal.SIGKILL)
            try:
                answers.add(http_get(port))
            except ConnectionRefusedError:
                refused += 1
            except (ConnectionResetError, http.client.HTTPException, OSError):
                other_errors += 1  # a request the dying instance had accepted
        self.assertEqual(refused, 0)
        self.assertLessEqual(other_errors, 2)
        row = self.wait_for(lambda: next((r for r in self.rows("server")
                                          if r["id"] == 0 and r["ready"]
                                          and r["pid"] != victim), None),
                            "the killed instance to come back")
        self.assertEqual(row["restarts"], 1)
        # The requests went on until the replacement served them.
        self.assertIn(f"Handled by process {row['pid']}", answers)

    def test_port_is_free_after_stop_and_delete(self):
        port = free_port()
        script = self.write("selfbind.py", PID_SERVER)
        self.pm("start", script, "-i", "2", "--", str(port))
        self.wait_ready("selfbind")
        self.assertIsNotNone(listening_inode(port))
        self.pm("stop", "selfbind")
        self.assertIsNone(listening_inode(port), "stopping the app frees its port")
        self.pm("restart", "selfbind")
        self.wait_ready("selfbind")
        http_get(port)
        self.pm("delete", "selfbind")
        self.assertIsNone(listening_inode(port))
        with socket.socket() as s:
            # As any server would: connections just served may be in TIME_WAIT.
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind(("127.0.0.1", port))
            s.listen()

    def test_a_port_taken_by_another_program_is_refused_cleanly(self):
        with socket.socket() as squatter:
            squatter.bind(("127.0.0.1", 0))
            squatter.listen()
            port = squatter.getsockname()[1]
            script = self.write("selfbind.py", PID_SERVER)
            result = self.pm("start", script, "-i", "2", "--", str(port), check=False)
            self.assertNotEqual(result.returncode, 0)
            self.assertIn(f"127.0.0.1:{port} is already in use by another program",
                          result.stderr)
            result = self.pm("start", script, "--listen", f"127.0.0.1:{port}", "--name", "fd",
                             check=False)
            self.assertIn("already in use", result.stderr)
            result = self.pm("start", script, "--listen", "nowhere:80", check=False)
            self.assertIn("not an IP address", result.stderr)
            self.assertEqual(self.jlist(), [], "nothing half-started left behind")

    def test_a_static_binary_is_pointed_to_listen(self):
        result = self.pm("start", "/sbin/ldconfig", "--no-autorestart", "--", "-p")
        self.assertIn("statically linked", result.stderr)
        self.assertIn("--listen PORT", result.stderr)
        result = self.pm("start", "sleep 1000", "--name", "dynamic")
        self.assertNotIn("statically linked", result.stderr)


if __name__ == "__main__":
    main()
