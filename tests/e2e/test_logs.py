"""Log files (per instance, merged, custom paths, timestamps, rotation,
reopening after logrotate), `pm logs` (tail, --lines, --out/--err, --json,
follow) and `pm flush`."""

import glob
import json
import os
import queue
import subprocess
import threading

from harness import DEADLINE, PM, SLEEPER, PmTestCase, main, program

TICKER = program("ticker.py")


class Logs(PmTestCase):
    def readline(self, follower):
        """The next line `pm logs` prints; fails if none comes in time. Reads
        on a thread of its own, which ends with the line or with the follower."""
        lines = queue.Queue()
        threading.Thread(target=lambda: lines.put(follower.stdout.readline()),
                         daemon=True).start()
        try:
            line = lines.get(timeout=DEADLINE)
        except queue.Empty:
            self.fail(f"pm logs printed no line for {DEADLINE:.0f}s")
        self.assertNotEqual(line, "", "pm logs exited")
        return line.strip()

    def start_counter(self, name="counter", lines=40):
        script = self.write("counter.py",
                            "import sys, time\n"
                            f"for i in range({lines}):\n"
                            "    print(f'out {i}', flush=True)\n"
                            "    print(f'err {i}', file=sys.stderr, flush=True)\n"
                            "print('done', flush=True)\ntime.sleep(1000)\n")
        self.pm("start", script, "--name", name)
        self.wait_log(self.log_path(name, 0), "done")

    def test_output_goes_to_per_instance_files(self):
        self.start_counter()
        with open(self.log_path("counter", 0)) as f:
            out = f.read().splitlines()
        with open(self.log_path("counter", 0, "err")) as f:
            err = f.read().splitlines()
        self.assertEqual(out, [f"out {i}" for i in range(40)] + ["done"])
        self.assertEqual(err, [f"err {i}" for i in range(40)])

    def test_logs_shows_the_last_lines_with_prefixes(self):
        self.start_counter()
        out = self.pm("logs", "--nostream").stdout
        self.assertIn("0|counter| done", out)
        self.assertIn("0|counter| err 39", out)
        self.assertIn("0|counter| out 26", out)  # 15 lines: out 26..39 + done
        self.assertNotIn("0|counter| out 25", out)
        self.assertIn("counter-0-out.log last 15 lines", out)

        out = self.pm("logs", "counter", "--lines", "3", "--nostream", "--out").stdout
        self.assertEqual([l for l in out.splitlines() if "|counter|" in l],
                         ["0|counter| out 38", "0|counter| out 39", "0|counter| done"])
        out = self.pm("logs", "0", "--lines", "2", "--nostream", "--err", "--raw").stdout
        self.assertEqual(out.splitlines(), ["err 38", "err 39"])

    def test_logs_of_an_unknown_app_fails(self):
        self.start_counter()
        result = self.pm("logs", "nope", "--nostream", check=False)
        self.assertNotEqual(result.returncode, 0)
        self.assertIn('no app named "nope" (known: counter)', result.stderr)

    def test_logs_json(self):
        script = self.write("worker.py", SLEEPER)
        self.pm("start", script, "--name", "j")
        self.wait_log(self.log_path("j", 0), "up")
        lines = self.pm("logs", "j", "--json", "--nostream", "--out").stdout.splitlines()
        self.assertEqual(json.loads(lines[0]), {"id": 0, "app": "j", "stream": "out",
                                                "message": "up None []"})

    def test_a_follower_sees_new_lines(self):
        script = self.write("ticker.py", TICKER)
        self.pm("start", script, "--name", "ticker")
        self.wait_log(self.log_path("ticker", 0), "tick 1")
        follower = subprocess.Popen([PM, "logs", "ticker", "--lines", "0", "--raw"],
                                    env=self.env, stdout=subprocess.PIPE, text=True)
        try:
            seen = [self.readline(follower) for _ in range(3)]
        finally:
            follower.kill()
            follower.wait()
        self.assertTrue(all(line.startswith("tick ") for line in seen), seen)
        numbers = [int(line.split()[1]) for line in seen]
        self.assertEqual(numbers, list(range(numbers[0], numbers[0] + 3)))

    def test_the_tail_and_the_live_lines_meet_without_gap_or_repeat(self):
        # A line every millisecond: the past lines are read off pmd's loop
        # while the app goes on writing.
        script = self.write("fast.py", "import time\ni = 0\nwhile True:\n"
                            "    print(f'n {i}', flush=True)\n    i += 1\n    time.sleep(0.001)\n")
        self.pm("start", script, "--name", "fast")
        self.wait_log(self.log_path("fast", 0), "n 500")
        follower = subprocess.Popen([PM, "logs", "fast", "--lines", "20", "--raw", "--out"],
                                    env=self.env, stdout=subprocess.PIPE, text=True)
        try:
            seen = [self.readline(follower) for _ in range(300)]
        finally:
            follower.kill()
            follower.wait()
        numbers = [int(line.split()[1]) for line in seen]
        self.assertEqual(numbers, list(range(numbers[0], numbers[0] + 300)), seen)

    def test_one_logs_request_reads_at_most_8_mib_in_all(self):
        script = self.write("big.py", "import sys, time\n"
                            "for i in range(60000):\n"
                            "    sys.stdout.write(f'{i:09d} ' + 'x' * 90 + '\\n')\n"
                            "sys.stdout.write('big done\\n')\nsys.stdout.flush()\n"
                            "time.sleep(1000)\n")
        self.pm("start", script, "--name", "big", "-i", "2")
        for index in (0, 1):
            self.wait_log(self.log_path("big", index), "big done")
        out = self.pm("logs", "big", "--lines", "1000000", "--nostream", "--raw", "--out").stdout
        # Two files of 6 MB each; 8 MiB for the request, not for each file.
        self.assertGreater(len(out), 6_000_000)
        self.assertLessEqual(len(out), 8 << 20)
        self.assertEqual(out.count("big done"), 2)

    def test_a_stuck_follower_blocks_neither_the_app_nor_the_daemon(self):
        script = self.write("flood.py", "import sys\n"
                            "for i in range(200000):\n"
                            "    sys.stdout.write(f'flood line {i} ' + 'x' * 60 + '\\n')\n"
                            "sys.stdout.write('flood done\\n')\nsys.stdout.flush()\n"
                            "import time\ntime.sleep(1000)\n")
        self.pm("start", self.write("ticker.py", TICKER), "--name", "ticker")
        # A follower that stops reading once it follows: it printed a live line.
        follower = subprocess.Popen([PM, "logs", "--lines", "0"], env=self.env,
                                    stdout=subprocess.PIPE, text=True)
        try:
            while "|ticker| tick" not in self.readline(follower):
                pass
            self.pm("start", script, "--name", "flood", "--log-max-files", "1",
                    "--log-max-size", "12M")
            self.wait_log(self.log_path("flood", 0), "flood done")
            self.pm("ping")
        finally:
            follower.kill()
            follower.wait()
        lines = 0
        for path in (self.log_path("flood", 0) + ".1", self.log_path("flood", 0)):
            with open(path) as f:
                lines += sum(1 for _ in f)
        self.assertEqual(lines, 200001, "the files get every line")

    def test_flush_empties_the_files(self):
        self.start_counter()
        self.pm("flush", "counter")
        self.assertEqual(os.path.getsize(self.log_path("counter", 0)), 0)
        self.assertEqual(os.path.getsize(self.log_path("counter", 0, "err")), 0)

    def test_a_partial_last_line_is_not_lost(self):
        self.pm("start", "printf 'no newline at the end'", "--name", "p", "--no-autorestart")
        self.wait_status("p", "stopped")
        self.wait_log(self.log_path("p", 0), "no newline at the end")


class LogFiles(PmTestCase):
    FLOOD = ("import sys\nfor i in range(20000):\n    sys.stdout.write(f'line {i:06d} ' + 'x' * 50 + '\\n')\n"
             "sys.stdout.write('flood done\\n')\nsys.stdout.flush()\nimport time\ntime.sleep(1000)\n")

    def test_rotation_keeps_at_most_n_files_of_at_most_the_size(self):
        script = self.write("flood.py", self.FLOOD)
        self.pm("start", script, "--log-max-size", "100K", "--log-max-files", "3")
        self.wait_log(self.log_path("flood", 0), "flood done")
        files = sorted(glob.glob(self.log_path("flood", 0) + "*"))
        self.assertEqual([os.path.basename(f) for f in files],
                         ["flood-0-out.log", "flood-0-out.log.1", "flood-0-out.log.2",
                          "flood-0-out.log.3"])
        for path in files:
            self.assertLessEqual(os.path.getsize(path), 100 * 1024)
        # The newest lines are in the live file, the older ones in .1 ...
        with open(files[1]) as f:
            last_of_rotated = f.read().splitlines()[-1]
        with open(files[0]) as f:
            first_of_live = f.read().splitlines()[0]
        self.assertEqual(int(first_of_live.split()[1]), int(last_of_rotated.split()[1]) + 1)

    def test_time_merge_and_disabled_logs(self):
        script = self.write("worker.py", SLEEPER)
        self.pm("start", script, "--name", "m", "-i", "2", "--merge-logs", "--time",
                "--error", "/dev/null")
        merged = os.path.join(self.home, "logs", "m-out.log")
        self.wait_for(lambda: os.path.exists(merged) and
                      open(merged).read().count("up None") == 2, "both instances in one file")
        line = open(merged).read().splitlines()[0]
        self.assertRegex(line, r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d: up None")
        self.assertFalse(glob.glob(os.path.join(self.home, "logs", "m*err*")))
        out = self.write("custom.log", "")
        self.pm("start", script, "--name", "c", "--output", out)
        self.wait_log(out, "up None")

    def test_reload_logs_after_logrotate(self):
        script = self.write("ticker.py", TICKER)
        self.pm("start", script, "--name", "t")
        path = self.log_path("t", 0)
        self.wait_log(path, "tick 1")
        os.rename(path, path + ".moved")
        self.pm("reloadLogs")
        self.wait_log(path, "tick")


BOTH_STREAMS = ("import sys, time\n"
                "for i in range(3):\n"
                "    print(f'out {i}', flush=True)\n"
                "    print(f'err {i}', file=sys.stderr, flush=True)\n"
                "print('done', flush=True)\ntime.sleep(1000)\n")


class LogsAsPm2WritesThem(PmTestCase):
    """-o/-e name the file itself for one instance, -l adds a file of both
    streams, log_type json writes PM2's objects, missing directories are made."""

    def lines(self, path):
        with open(path) as f:
            return f.read().splitlines()

    def test_one_instance_writes_the_files_named_and_several_add_their_index(self):
        script = self.write("both.py", BOTH_STREAMS)
        out, err = os.path.join(self.tmp, "app.out.log"), os.path.join(self.tmp, "app.err.log")
        self.pm("start", script, "--name", "one", "-o", out, "-e", err)
        self.wait_log(out, "done")
        self.assertEqual(self.lines(err), ["err 0", "err 1", "err 2"])
        self.pm("start", script, "--name", "two", "-i", "2", "-o", os.path.join(self.tmp, "c.log"))
        for index in (0, 1):
            self.wait_log(os.path.join(self.tmp, f"c-{index}.log"), "done")
        self.assertEqual(sorted(f for f in os.listdir(self.tmp) if f.endswith(".log")),
                         ["app.err.log", "app.out.log", "c-0.log", "c-1.log"])
        self.assertIn(out, self.pm("describe", "one").stdout)

    def test_a_missing_log_directory_is_created(self):
        script = self.write("both.py", BOTH_STREAMS)
        out = os.path.join(self.tmp, "var", "log", "app", "out.log")
        self.pm("start", script, "-o", out)
        self.wait_log(out, "done")

    def test_a_log_path_that_cannot_be_made_fails_the_start_and_says_why(self):
        script = self.write("both.py", BOTH_STREAMS)
        blocker = self.write("blocker", "")  # a file where a directory should be
        result = self.pm("start", script, "--name", "lost", "-o", f"{blocker}/out.log",
                         check=False)
        self.assertNotEqual(result.returncode, 0)
        self.assertIn(f"instance 0: cannot open {blocker}/out.log: Not a directory",
                      result.stderr)
        self.assertIn("its logs cannot be written where asked", result.stderr)

    def test_log_file_holds_both_streams_besides_their_own_files(self):
        script = self.write("both.py", BOTH_STREAMS)
        combined = os.path.join(self.tmp, "all.log")
        self.pm("start", script, "--name", "both", "-l", combined)
        self.wait_log(combined, "done")
        self.wait_for(lambda: len(self.lines(combined)) == 7, f"7 lines in {combined}")
        self.assertEqual(sorted(self.lines(combined)),
                         ["done", "err 0", "err 1", "err 2", "out 0", "out 1", "out 2"])
        self.wait_log(self.log_path("both", 0, "err"), "err 2")
        self.assertIn(combined, self.pm("describe", "both").stdout)
        self.pm("flush", "both")
        self.assertEqual(os.path.getsize(combined), 0)

    def test_json_log_lines_carry_pm2s_keys(self):
        script = self.write("both.py", BOTH_STREAMS)
        combined = os.path.join(self.tmp, "all.json.log")
        self.pm("start", script, "--name", "js", "--log-type", "json", "-l", combined)
        self.wait_for(lambda: os.path.exists(combined) and len(self.lines(combined)) == 7,
                      f"7 lines in {combined}")
        objects = [json.loads(line) for line in self.lines(combined)]
        [row] = self.rows("js")
        for entry in objects:
            self.assertEqual(set(entry), {"message", "timestamp", "type", "process_id", "app_name"})
            self.assertEqual((entry["process_id"], entry["app_name"]), (row["id"], "js"))
            self.assertRegex(entry["timestamp"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
        self.assertEqual(sorted((e["type"], e["message"]) for e in objects),
                         [("err", "err 0"), ("err", "err 1"), ("err", "err 2"), ("out", "done"),
                          ("out", "out 0"), ("out", "out 1"), ("out", "out 2")])
        self.assertEqual(json.loads(self.lines(self.log_path("js", 0))[0])["message"], "out 0")

    def test_an_ecosystem_file_sets_log_and_log_type(self):
        self.write("both.py", BOTH_STREAMS)
        file = self.write("ecosystem.json", json.dumps({"apps": [{
            "name": "eco", "script": "both.py", "log": "logs/eco.log", "log_type": "json",
            "out_file": "logs/eco-out.log"}]}))
        self.pm("start", file)
        combined = os.path.join(self.tmp, "logs", "eco.log")
        self.wait_for(lambda: os.path.exists(combined) and len(self.lines(combined)) == 7,
                      f"7 lines in {combined}")
        self.assertEqual({json.loads(line)["type"] for line in self.lines(combined)},
                         {"out", "err"})
        self.wait_log(os.path.join(self.tmp, "logs", "eco-out.log"), '"message":"done"')

    def test_log_true_puts_the_combined_file_in_the_usual_place(self):
        self.write("both.py", BOTH_STREAMS)
        file = self.write("ecosystem.json", json.dumps({"apps": [
            {"name": "eco", "script": "both.py", "log": True},
            {"name": "quiet", "script": "both.py", "log_file": False}]}))
        self.pm("start", file)
        combined = os.path.join(self.home, "logs", "eco.log")
        self.wait_for(lambda: os.path.exists(combined) and len(self.lines(combined)) == 7,
                      f"7 lines in {combined}")
        self.assertIn(combined, self.pm("describe", "eco").stdout)
        self.assertFalse(os.path.exists(os.path.join(self.home, "logs", "quiet.log")))


if __name__ == "__main__":
    main()
