"""How instances are spawned and stopped: process groups, inherited fds,
grandchildren (also those that leave the process group), the kill signal
and kill timeout."""

import os
import signal

from harness import PmTestCase, main, pid_alive, program


class Processes(PmTestCase):
    def test_only_stdin_stdout_stderr_are_inherited(self):
        self.pm("start", "sleep 1000", "--name", "s")
        pid = self.wait_ready("s")[0]["pid"]
        fds = sorted(int(fd) for fd in os.listdir(f"/proc/{pid}/fd"))
        # stdin, stdout, stderr, the channel the preload library asks for the
        # shared socket on (PM_LISTEN_FD) and the message channel
        # (PM_CHANNEL_FD); nothing else.
        self.assertEqual(fds, [0, 1, 2, 3, 4])
        self.assertEqual(os.readlink(f"/proc/{pid}/fd/0"), "/dev/null")
        self.assertTrue(os.readlink(f"/proc/{pid}/fd/1").startswith("pipe:"))
        self.assertTrue(os.readlink(f"/proc/{pid}/fd/2").startswith("pipe:"))
        self.assertTrue(os.readlink(f"/proc/{pid}/fd/3").startswith("socket:"))
        self.assertTrue(os.readlink(f"/proc/{pid}/fd/4").startswith("socket:"))
        with open(f"/proc/{pid}/environ", "rb") as f:
            env = f.read().split(b"\0")
        self.assertIn(b"PM_LISTEN_FD=3", env)
        self.assertIn(b"PM_CHANNEL_FD=4", env)

        # Its own process group and session, not the daemon's.
        self.assertEqual(os.getpgid(pid), pid)
        self.assertEqual(os.getsid(pid), pid)
        self.assertNotEqual(os.getpgid(pid), os.getpgid(self.daemon_pid()))
        # Signals the daemon ignores are not ignored in the child.
        with open(f"/proc/{pid}/status") as status:
            ignored = next(l for l in status if l.startswith("SigIgn:")).split()[1]
        self.assertEqual(int(ignored, 16), 0)

    def test_a_node_instance_gets_only_its_ipc_channel(self):
        script = self.write("idle.js", "setInterval(() => {}, 1000);\n")
        self.pm("start", script, "--name", "n")
        pid = self.rows("n")[0]["pid"]
        with open(f"/proc/{pid}/environ", "rb") as f:
            env = f.read().split(b"\0")
        self.assertIn(b"NODE_CHANNEL_FD=3", env)
        self.assertIn(b"NODE_UNIQUE_ID=0", env)
        self.assertNotIn(b"PM_LISTEN_FD=3", env)
        self.assertFalse(any(e.startswith(b"PM_CHANNEL_FD=") for e in env))

    def start_forker(self):
        """Starts an app whose shell forks a sleeping grandchild; its pid."""
        pidfile = os.path.join(self.tmp, "grandchild.pid")
        script = self.write("forker.sh", f"#!/bin/sh\nsleep 1000 &\necho $! > {pidfile}\n"
                            "echo forked\nwait\n")
        self.pm("start", script, "--name", "forker")
        self.wait_log(self.log_path("forker", 0), "forked")
        return int(open(pidfile).read())

    def test_a_grandchild_is_gone_after_stop(self):
        grandchild = self.start_forker()
        leader = self.rows("forker")[0]["pid"]
        self.assertTrue(pid_alive(grandchild))
        self.pm("stop", "forker")
        self.assertFalse(pid_alive(grandchild), "grandchild still alive after pm stop")
        self.assertFalse(pid_alive(leader))

    def start_escaper(self, name, instances=1):
        """Starts an app whose instances each leave three processes outside
        their process group; {leader pid: [escaped pids]}."""
        script = self.write(f"{name}.py", program("escaper.py"))
        self.pm("start", script, "-i", str(instances), "--", self.tmp)
        escaped = {}
        for row in self.wait_ready(name, count=instances):
            path = os.path.join(self.tmp, f"escaped-{row['pid']}")
            self.wait_for(lambda: os.path.exists(path), f"{path} to be written")
            escaped[row["pid"]] = [int(pid) for pid in open(path).read().split()]
        for pids in escaped.values():
            self.assertTrue(all(pid_alive(pid) for pid in pids), pids)
            self.assertTrue(all(os.getpgid(pid) != pids[0] for pid in pids[1:]))
        return escaped

    def assert_all_gone(self, escaped, after):
        left = [pid for leader, pids in escaped.items() for pid in [leader, *pids]
                if pid_alive(pid)]
        self.assertEqual(left, [], f"processes left after pm {after}")

    def test_nothing_escapes_stop_delete_or_kill(self):
        for command in ("stop", "delete", "kill"):
            with self.subTest(command=command):
                escaped = self.start_escaper(f"esc-{command}", instances=2)
                self.pm(*([command] if command == "kill" else [command, f"esc-{command}"]))
                self.assert_all_gone(escaped, command)

    def test_without_cgroups_the_run_id_and_the_tree_find_them(self):
        self.env["PM_NO_CGROUPS"] = "1"
        escaped = self.start_escaper("esc-tracked", instances=2)
        self.assertIn("(no cgroup)", self.pm("describe", "esc-tracked").stdout)
        self.pm("stop", "esc-tracked")
        self.assert_all_gone(escaped, "stop")
        self.pm("delete", "esc-tracked")
        escaped = self.start_escaper("esc-tracked", instances=2)
        self.pm("delete", "esc-tracked")
        self.assert_all_gone(escaped, "delete")

    def test_with_a_cgroup_even_a_process_that_clears_its_environment_is_found(self):
        self.pm("start", "sh", "--name", "cleaner", "--", "-c",
                f"env -i setsid sh -c 'sleep 1000 & echo $! > {self.tmp}/cleaned' & "
                "wait; echo orphaned; exec sleep 1000")
        self.wait_log(self.log_path("cleaner", 0), "orphaned")
        describe = self.pm("describe", "cleaner").stdout
        if "cgroup /" not in describe:
            self.skipTest("pmd cannot make cgroups here (no writable cgroup2): " +
                          next(line for line in describe.splitlines() if "processes" in line))
        cleaned = int(open(os.path.join(self.tmp, "cleaned")).read())
        self.assertTrue(pid_alive(cleaned))
        with open(f"/proc/{cleaned}/environ", "rb") as f:
            self.assertNotIn(b"PM_RUN_ID", f.read(), "the orphan carries no PM_RUN_ID")
        self.pm("stop", "cleaner")
        self.assertFalse(pid_alive(cleaned), "the orphan without environment survived pm stop")

    def test_nothing_escapes_restart_or_reload(self):
        for command in ("restart", "reload"):
            with self.subTest(command=command):
                name = f"esc-{command}"
                escaped = self.start_escaper(name, instances=2)
                self.pm(command, name)
                self.assert_all_gone(escaped, command)
                self.assertEqual(len(self.wait_ready(name, count=2)), 2)

    def test_what_a_crashed_instance_left_outside_its_group_is_killed(self):
        escaped = self.start_escaper("esc-crash")
        [(leader, pids)] = escaped.items()
        with open(f"/proc/{pids[-1]}/environ", "rb") as f:
            run_id = next(e for e in f.read().split(b"\0") if e.startswith(b"PM_RUN_ID="))
        self.assertIn(run_id.decode(), self.pm("describe", "esc-crash").stdout)
        os.kill(leader, signal.SIGKILL)
        self.wait_for(lambda: not any(pid_alive(pid) for pid in pids),
                      "the crashed run's escaped processes to die")

    def test_a_grandchild_that_outlives_a_crash_is_killed(self):
        grandchild = self.start_forker()
        os.kill(self.rows("forker")[0]["pid"], signal.SIGKILL)
        self.wait_for(lambda: not pid_alive(grandchild), "the crashed app's grandchild to die")

    def test_kill_timeout_kills_an_app_that_ignores_the_signal(self):
        script = self.write("stubborn.py", "import signal, time\n"
                            "signal.signal(signal.SIGINT, signal.SIG_IGN)\n"
                            "print('ignoring SIGINT', flush=True)\ntime.sleep(1000)\n")
        self.pm("start", script, "--name", "stubborn", "--kill-timeout", "700")
        self.wait_log(self.log_path("stubborn", 0), "ignoring SIGINT")
        pid = self.rows("stubborn")[0]["pid"]
        self.pm("stop", "stubborn")
        self.assertFalse(pid_alive(pid))
        log = self.pmd_log()
        asked = f"stubborn[0]: stopping pid {pid} with SIGINT"
        self.assertIn(asked, log)
        self.assertIn("still running after 700 ms, sending SIGKILL", log[log.index(asked):])
        self.assertRegex(self.pm("describe", "stubborn").stdout,
                         rf"last exit +SIGKILL\n(.|\n)*exit .* pid {pid}  SIGKILL after .* \(stopped\)")

    def test_kill_signal_is_configurable(self):
        script = self.write("graceful.py", "import signal, sys, time\n"
                            "def bye(*_):\n    print('got SIGTERM', flush=True)\n    sys.exit(0)\n"
                            "signal.signal(signal.SIGTERM, bye)\n"
                            "print('ready', flush=True)\ntime.sleep(1000)\n")
        self.pm("start", script, "--name", "g", "--kill-signal", "SIGTERM")
        self.wait_log(self.log_path("g", 0), "ready")
        self.pm("stop", "g")
        self.wait_log(self.log_path("g", 0), "got SIGTERM")
        self.assertIn("code 0", self.pm("describe", "g").stdout)


if __name__ == "__main__":
    main()
