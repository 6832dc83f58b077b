"""Keeping the app list across daemon restarts: save, resurrect, the backup
dump, cleardump, pmd --resurrect at boot and the startup unit."""

import os
import subprocess

from harness import PM, SLEEPER, PmTestCase, main


class Persistence(PmTestCase):
    def test_save_kill_resurrect(self):
        script = self.write("worker.py", SLEEPER)
        self.pm("start", script, "--name", "a", "-i", "2", "--env", "GREETING=saved")
        self.pm("start", "sleep 1000", "--name", "b")
        self.pm("scale", "b", "3")
        out = self.pm("save").stdout
        self.assertIn("saved 2 app(s)", out)
        self.pm("kill")
        out = self.pm("resurrect").stdout
        self.assertIn("resurrected a", out)
        self.assertEqual(len(self.rows("a")), 2)
        self.assertEqual(len(self.rows("b")), 3)
        self.assertIn("GREETING=saved", self.pm("env", "0").stdout.splitlines())
        self.assertIn("b is running already", self.pm("resurrect").stdout)

    def test_a_corrupt_dump_falls_back_to_the_backup(self):
        self.pm("start", "sleep 1000", "--name", "first")
        self.pm("save")
        self.pm("start", "sleep 1000", "--name", "second")
        self.pm("save")
        dump = os.path.join(self.home, "dump.json")
        with open(dump, "w") as f:
            f.write('{"apps": [trunc')
        self.pm("kill")
        result = self.pm("resurrect")
        self.assertIn("dump.json is corrupt; using the previous list", result.stderr)
        self.assertEqual([r["name"] for r in self.jlist()], ["first"])

    def test_saving_nothing_needs_force_and_cleardump(self):
        result = self.pm("save", check=False)
        self.assertIn("use --force", result.stderr)
        self.pm("save", "--force")
        self.assertTrue(os.path.exists(os.path.join(self.home, "dump.json")))
        self.pm("cleardump")
        self.assertFalse(os.path.exists(os.path.join(self.home, "dump.json")))
        self.assertIn("run `pm save` first", self.pm("resurrect", check=False).stderr)

    def test_pmd_resurrect_at_boot_and_startup_unit(self):
        self.pm("start", "sleep 1000", "--name", "boot")
        self.pm("save")
        self.pm("kill")
        pmd = os.path.join(os.path.dirname(PM), "pmd")
        daemon = subprocess.Popen([pmd, "--resurrect"], env=self.env, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL, start_new_session=True)
        try:
            self.wait_for(lambda: os.path.exists(os.path.join(self.home, "pm.sock")) and
                          self.rows("boot"), "pmd --resurrect to bring the app back")
        finally:
            self.pm("kill")
            daemon.wait(timeout=30)
        unit = self.pm("startup").stdout
        self.assertIn("ExecStart=", unit)
        self.assertIn("pmd --resurrect", unit)
        self.assertIn(f"Environment=PM_HOME={self.home}", unit)
        self.assertIn("Type=notify", unit)


if __name__ == "__main__":
    main()
