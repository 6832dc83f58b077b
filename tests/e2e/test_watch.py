"""Watch mode (--watch, ecosystem watch): a change under the app's directory
reloads it (rolling, serving throughout), a burst of changes gives one
reload, node_modules/.git/*.log and --ignore-watch are left aside, a change
that breaks the app leaves the old instances serving, and `pm stop` ends
the watch."""

import json
import os
import time

from harness import PID_SERVER, PmTestCase, free_port, http_get, main

DELAY_MS = 200
# Long enough for a reload that should not come to have started: the watch
# delay, with room to spare. Only for checks that nothing happens.
QUIET = 1.5
BROKEN = "import sys\nprint('this release is broken', file=sys.stderr)\nsys.exit(3)\n"


class Watch(PmTestCase):
    def start_watched(self, *flags, delay_ms=DELAY_MS):
        self.app_dir = os.path.join(self.tmp, "app")
        os.makedirs(os.path.join(self.app_dir, "src"))
        self.script = os.path.join(self.app_dir, "web.py")
        with open(self.script, "w") as f:
            f.write(PID_SERVER)
        self.port = free_port()
        self.pm("start", self.script, "-i", "2", "--cwd", self.app_dir, "--watch",
                "--watch-delay", str(delay_ms), *flags, "--", str(self.port))
        return {r["pid"] for r in self.wait_ready("web", 2)}

    def touch(self, *parts):
        path = os.path.join(self.app_dir, *parts)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "a") as f:
            f.write("x")

    def reloads(self):
        return self.pmd_log().count("app web: reloading instance(s) for a change to")

    def wait_replaced(self, before):
        return self.wait_for(
            lambda: (lambda rows: {r["pid"] for r in rows} if len(rows) == 2 and all(
                r["ready"] and r["pid"] not in before for r in rows) else None)(self.rows("web")),
            lambda: f"both instances replaced after a change: {self.rows('web')}")

    def test_a_change_reloads_serving_throughout(self):
        before = self.start_watched()
        self.assertIn("watch", self.pm("describe", "web").stdout)
        self.touch("src", "handler.py")
        after = self.wait_replaced(before)
        self.assertIn(f"a change to {self.app_dir}/src/handler.py", self.pmd_log())
        self.assertIn(http_get(self.port), {f"pid {pid}" for pid in after})
        # A directory made after the start is watched too.
        self.touch("src", "new", "deep.py")
        self.wait_replaced(after)

    def test_a_burst_gives_one_reload(self):
        # A delay that a loaded machine cannot stretch the burst past.
        before = self.start_watched(delay_ms=1000)
        for i in range(20):
            self.touch("src", f"file{i}.py")
        self.wait_replaced(before)
        self.assertEqual(self.reloads(), 1)
        self.assertEqual({r["restarts"] for r in self.rows("web")}, {1})

    def test_dependencies_logs_and_ignored_paths_do_not_reload(self):
        before = self.start_watched("--ignore-watch", "cache")
        self.touch("node_modules", "dep", "index.js")
        self.touch(".git", "HEAD")
        self.touch("server.log")
        self.touch("cache", "blob")
        time.sleep(QUIET)
        self.assertEqual(self.reloads(), 0, "an ignored change reloaded the app")
        self.assertEqual({r["pid"] for r in self.rows("web")}, before)
        self.touch("src", "real.py")
        self.wait_replaced(before)
        self.assertEqual(self.reloads(), 1)

    def test_a_breaking_change_leaves_the_old_instances_serving(self):
        before = self.start_watched()
        with open(self.script, "w") as f:
            f.write(BROKEN)
        self.wait_for(lambda: "this release is broken" in self.pm("describe", "web").stdout,
                      "the failed reload to show in describe")
        self.assertEqual({r["pid"] for r in self.rows("web")}, before)
        self.assertIn(http_get(self.port), {f"pid {pid}" for pid in before})
        with open(self.script, "w") as f:
            f.write(PID_SERVER)
        self.wait_replaced(before)

    def test_stop_ends_the_watch(self):
        self.start_watched()
        self.pm("stop", "web")
        self.touch("src", "after_stop.py")
        time.sleep(QUIET)
        self.assertEqual({r["status"] for r in self.rows("web")}, {"stopped"})
        self.assertEqual(self.reloads(), 0)

    def test_ecosystem_fields(self):
        app_dir = os.path.join(self.tmp, "eco")
        os.makedirs(app_dir)
        with open(os.path.join(app_dir, "web.py"), "w") as f:
            f.write(PID_SERVER)
        port = free_port()
        file = self.write("ecosystem.json", json.dumps({"apps": [{
            "name": "web", "script": "web.py", "cwd": "eco", "args": [str(port)],
            "watch": True, "ignore_watch": ["cache"], "watch_delay": DELAY_MS}]}))
        self.pm("start", file)
        [row] = self.wait_ready("web", 1)
        described = self.pm("describe", "web").stdout
        self.assertIn(app_dir, described)
        self.assertIn("cache", described)
        with open(os.path.join(app_dir, "config.py"), "w") as f:
            f.write("x = 1\n")
        self.wait_for(lambda: (lambda rows: rows and rows[0]["pid"] != row["pid"]
                               and rows[0]["ready"])(self.rows("web")),
                      "the ecosystem app reloaded after a change")


if __name__ == "__main__":
    main()
