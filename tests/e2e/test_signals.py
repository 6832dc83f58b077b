"""The stop signal as PM2 delivers it: a Node app that handles SIGINT gets it
exactly once on every stop, restart and reload, and its handler runs to the
end, whether the app listens on a port or not."""

import os

from harness import PmTestCase, free_port, http_get, main, pid_alive, program


class NodeStopSignal(PmTestCase):
    def start_recorder(self, *args):
        self.record = os.path.join(self.tmp, "record")
        script = self.write("rec.js", program("sigint_recorder.js"))
        self.pm("start", script, "--", self.record, *args)
        return self.wait_ready("rec")

    def records(self):
        try:
            with open(self.record) as f:
                return f.read().splitlines()
        except FileNotFoundError:
            return []

    def assert_handled_once(self, pids):
        """Each of PIDS got one SIGINT, finished its handler, and exited."""
        for pid in pids:
            self.wait_for(lambda: not pid_alive(pid), f"pid {pid} to exit")
        expected = sorted(f"{what} {pid}" for pid in pids for what in ("sigint", "done"))
        self.assertEqual(sorted(self.records()), expected,
                         "one SIGINT each, and the handler's work done")
        self.assertNotIn("sending SIGKILL", self.pmd_log(), "the app left by itself")

    def check_stop_restart_reload(self, *args):
        [row] = self.start_recorder(*args)
        self.pm("restart", "rec")
        [restarted] = self.wait_ready("rec")
        self.assert_handled_once([row["pid"]])
        os.unlink(self.record)
        self.pm("reload", "rec")
        [reloaded] = self.wait_ready("rec")
        self.assertNotEqual(reloaded["pid"], restarted["pid"])
        self.assert_handled_once([restarted["pid"]])
        os.unlink(self.record)
        self.pm("stop", "rec")
        self.wait_status("rec", "stopped")
        self.assert_handled_once([reloaded["pid"]])

    def test_a_node_app_that_does_not_listen(self):
        self.check_stop_restart_reload()

    def test_a_listening_node_app_whose_server_is_its_only_handle(self):
        port = free_port()
        self.check_stop_restart_reload(str(port))
        self.pm("restart", "rec")
        [row] = self.wait_ready("rec")
        self.assertEqual(http_get(port), f"pid {row['pid']}")

    def test_every_instance_of_a_cluster_gets_one_signal(self):
        port = free_port()
        rows = self.start_recorder(str(port))
        self.pm("scale", "rec", "2")
        rows = self.wait_ready("rec", 2)
        self.pm("stop", "rec")
        self.wait_status("rec", "stopped")
        self.assert_handled_once([row["pid"] for row in rows])


if __name__ == "__main__":
    main()
