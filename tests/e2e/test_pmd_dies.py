"""A pmd that dies (kill -9, a crash, the OOM killer) loses no app: the next
pmd ends every process the dead one left, found by pid and start time or by
PM_RUN_ID wherever they went, and starts its apps again, exactly once each."""

import json
import os
import signal
import subprocess
import threading

from harness import PM, PID_SERVER, PmTestCase, free_port, http_get, main, pid_alive, program


class PmdDies(PmTestCase):
    def kill_9_pmd(self):
        pmd = self.daemon_pid()
        os.kill(pmd, signal.SIGKILL)
        self.wait_for(lambda: not pid_alive(pmd), "pmd to die")
        return pmd

    def test_kill_9_under_load_brings_every_app_back_once(self):
        node_port, python_port = free_port(), free_port()
        self.pm("start", self.write("web.js", program("pid_server.js")), "--name", "web",
                "-i", "2", "--", str(node_port))
        self.pm("start", self.write("py.py", PID_SERVER), "--name", "py", "-i", "2", "--",
                str(python_port))
        self.pm("start", self.write("esc.py", program("escaper.py")), "--name", "esc", "--",
                self.tmp)
        before = {row["name"]: row for row in self.jlist()}
        leader = self.wait_ready("esc")[0]["pid"]
        path = os.path.join(self.tmp, f"escaped-{leader}")
        self.wait_for(lambda: os.path.exists(path), "the escaper's processes")
        old = [row["pid"] for row in self.jlist()] + [int(p) for p in open(path).read().split()]
        self.assertTrue(all(pid_alive(pid) for pid in old))
        self.pm("save")

        stop = threading.Event()

        def load():
            while not stop.is_set():
                try:
                    http_get(node_port, timeout=2)
                except OSError:
                    pass
        loader = threading.Thread(target=load)
        loader.start()
        try:
            dead = self.kill_9_pmd()
            rows = self.jlist()  # starts the next pmd
        finally:
            stop.set()
            loader.join()

        self.assertEqual(sorted(row["name"] for row in rows), ["esc", "py", "py", "web", "web"])
        self.assertEqual([pid for pid in old if pid_alive(pid)], [],
                         "processes of the dead pmd's apps are left")
        for name in ("web", "py", "esc"):
            self.wait_ready(name)
        new_pids = {row["pid"] for row in self.jlist()}
        self.assertTrue(http_get(node_port).startswith("pid "))
        self.assertIn(int(http_get(node_port).split()[1]), new_pids)
        self.assertIn(int(http_get(python_port).split()[1]), new_pids)
        for row in self.jlist():
            self.assertGreaterEqual(row["restarts"], before[row["name"]]["restarts"] + 1)
        self.assertIn(f"pmd {dead} died; restarted by the next pmd",
                      self.pm("describe", "web").stdout)
        with open(os.path.join(self.home, "pmd.log")) as log:
            self.assertIn(f"pmd {dead} did not exit cleanly", log.read())
        # pm resurrect finds nothing missing, and starts nothing twice.
        out = self.pm("resurrect").stdout
        self.assertNotIn("resurrected", out)
        for name in ("web", "py", "esc"):
            self.assertIn(f"{name} is running already", out)
        self.assertEqual(len(self.jlist()), 5)

        self.pm("kill")
        self.assertFalse(os.path.exists(os.path.join(self.home, "journal.json")),
                         "a clean pm kill leaves no journal")

    def test_what_the_user_stopped_stays_stopped_and_a_clean_kill_restarts_nothing(self):
        self.pm("start", "sleep", "--name", "kept", "--", "1000")
        self.pm("start", "sleep", "--name", "halted", "-i", "2", "--", "1000")
        self.pm("stop", "halted")
        self.kill_9_pmd()
        self.wait_ready("kept")
        self.assertEqual(sorted(row["name"] for row in self.jlist()), ["halted", "halted", "kept"])
        self.assertEqual([(r["status"], r["pid"]) for r in self.rows("halted")],
                         [("stopped", 0), ("stopped", 0)], "listed again, still stopped")
        self.pm("restart", "halted")
        self.wait_ready("halted", count=2)
        self.pm("kill")
        self.assertEqual(self.jlist(), [], "after pm kill, the next pmd starts empty")

    def test_kill_9_during_save_leaves_the_saved_list_intact(self):
        self.pm("start", "sleep", "--name", "a", "--", "1000")
        self.pm("start", "sleep", "--name", "b", "--", "1000")
        self.pm("save")
        saver = subprocess.Popen([PM, "save"], env=self.env, stdout=subprocess.DEVNULL,
                                 stderr=subprocess.DEVNULL)
        self.kill_9_pmd()
        saver.wait(timeout=30)
        with open(os.path.join(self.home, "dump.json")) as f:
            saved = json.load(f)
        self.assertEqual(sorted(app["name"] for app in saved["apps"]), ["a", "b"])
        self.assertEqual(sorted(row["name"] for row in self.jlist()), ["a", "b"])


if __name__ == "__main__":
    main()
