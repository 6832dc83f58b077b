"""Rolling reload: pm reload under load, a broken release that aborts it,
--update-env and --parallel, SIGUSR2 to the daemon; restart stays stop-then-start."""

import os
import signal

from harness import PID_SERVER, Load, PmTestCase, free_port, http_get, main, pid_alive, program

NODE_PID_SERVER = program("pid_server.js")


class Reload(PmTestCase):
    def reload_under_load(self, name, port):
        before = {r["id"]: r["pid"] for r in self.rows(name)}
        with Load(port) as load:
            self.wait_for(lambda: load.ok["new"] > 20 and load.ok["keepalive"] > 20,
                          "the load to get going")
            out = self.pm("reload", "all").stdout
            counted = dict(load.ok)
            self.wait_for(lambda: all(load.ok[kind] > counted[kind] + 20 for kind in counted),
                          f"both clients to be served after the reload: {load.ok}")
        self.assertEqual(load.failures, [], "failed requests during the reload")
        after = {r["id"]: r["pid"] for r in self.rows(name)}
        self.assertEqual(sorted(after), sorted(before), "same instance ids")
        for instance_id, pid in before.items():
            self.assertNotEqual(after[instance_id], pid, "every pid changed")
            self.assertFalse(pid_alive(pid))
        self.assertIn(f"{name}[0] pid {after[0]} is ready; stopping pid {before[0]}", out)
        self.assertEqual({r["restarts"] for r in self.rows(name)}, {1})
        return load

    def test_reload_node_app_under_load_fails_no_request(self):
        port = free_port()
        self.pm("start", self.write("web.js", NODE_PID_SERVER), "-i", "2", "--", str(port))
        load = self.reload_under_load("web", port)
        # pm's graceful close answers "Connection: close" instead of dropping
        # kept-alive connections: the client never has to retry.
        self.assertEqual(load.retries, 0)

    def test_reload_python_app_under_load_fails_no_request(self):
        port = free_port()
        self.pm("start", self.write("web.py", PID_SERVER), "-i", "2", "--", str(port))
        self.wait_ready("web")
        self.reload_under_load("web", port)

    def test_a_replacement_that_crashes_aborts_the_reload(self):
        port = free_port()
        flag = os.path.join(self.tmp, "broken")
        self.env["BROKEN_FLAG"] = flag
        self.pm("start", self.write("web.js", NODE_PID_SERVER), "-i", "2", "--", str(port))
        before = [r["pid"] for r in self.rows("web")]
        open(flag, "w").close()
        result = self.pm("reload", "web", check=False)
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("reload of web aborted; the old instances keep serving", result.stderr)
        self.assertIn("instance 0: the replacement exited (code 1) before it was ready",
                      result.stderr)
        self.assertIn("this version is broken: cannot read config", result.stderr)
        self.assertEqual([r["pid"] for r in self.rows("web")], before)
        self.assertEqual({(r["status"], r["ready"]) for r in self.rows("web")}, {("online", True)})
        self.assertTrue(http_get(port).startswith("pid "))
        described = self.pm("describe", "web").stdout
        self.assertIn("this version is broken", described)
        # The program's stderr is quoted line by line, not as escaped newlines.
        self.assertNotIn("\\x0a", described)
        # Fixed: the next reload goes through and clears the mark.
        os.remove(flag)
        self.pm("reload", "web")
        self.assertNotIn("this version is broken", self.pm("describe", "web").stdout)

    def test_sigusr2_to_the_daemon_reloads_everything(self):
        port = free_port()
        self.pm("start", self.write("web.js", NODE_PID_SERVER), "-i", "2", "--", str(port))
        before = {r["pid"] for r in self.rows("web")}
        os.kill(self.daemon_pid(), signal.SIGUSR2)
        self.wait_for(lambda: (lambda rows: {r["pid"] for r in rows}.isdisjoint(before)
                               and all(r["ready"] for r in rows))(self.rows("web")),
                      "every instance to be replaced after SIGUSR2")
        self.wait_for(lambda: "SIGUSR2: every app reloaded" in self.pmd_log(),
                      "the reload to be logged")

    def test_update_env_and_parallel(self):
        port = free_port()
        self.env["RELEASE"] = "v1"
        self.pm("start", self.write("web.js", NODE_PID_SERVER), "-i", "2", "--", str(port))
        self.assertTrue(http_get(port).endswith("v1"))
        self.env["RELEASE"] = "v2"
        out = self.pm("reload", "web").stdout
        self.assertTrue(http_get(port).endswith("v1"), "without --update-env the env stays")
        # One at a time by default: instance 1 is replaced once 0's
        # replacement is ready; with --parallel 2 both replacements start first.
        self.assertLess(out.index("web[0] pid"), out.index("web[1] starting a replacement"), out)
        out = self.pm("reload", "web", "--update-env", "--parallel", "2").stdout
        self.assertLess(out.index("web[1] starting a replacement"), out.index("web[0] pid"), out)
        for _ in range(10):
            self.assertTrue(http_get(port).endswith("v2"))

    def test_a_second_reload_of_the_same_app_is_refused(self):
        gate = os.path.join(self.tmp, "gate")
        script = self.write("slow.js", f"""
const fs = require('fs');
const timer = setInterval(() => {{
  if (fs.existsSync({gate!r})) {{ clearInterval(timer); process.send('ready'); }}
}}, 20);
setInterval(() => {{}}, 1000);
""")
        open(gate, "w").close()
        self.pm("start", script, "--wait-ready", "--listen-timeout", "30000")
        os.remove(gate)
        self.pm("reload", "slow", "--no-wait")
        result = self.pm("reload", "slow", check=False)
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("a reload of slow is already running", result.stderr)
        before = self.rows("slow")[0]["pid"]
        open(gate, "w").close()
        self.wait_for(lambda: self.rows("slow")[0]["pid"] != before, "the first reload to end")

    def test_restart_is_still_stop_then_start(self):
        port = free_port()
        self.pm("start", self.write("web.js", NODE_PID_SERVER), "-i", "2", "--", str(port))
        before = [r["pid"] for r in self.rows("web")]
        self.pm("restart", "web")
        after = [r["pid"] for r in self.rows("web")]
        for pid in before:
            self.assertFalse(pid_alive(pid))
        # The old process exited before its successor started, unlike a reload.
        log = self.pmd_log()
        for instance_id, (old, new) in enumerate(zip(before, after)):
            exited = log.index(f"web[{instance_id}]: pid {old} exited")
            self.assertIn(f"web[{instance_id}]: started pid {new}", log[exited:])
        self.assertTrue(http_get(port).startswith("pid "))


if __name__ == "__main__":
    main()
