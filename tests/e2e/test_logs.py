"""Log files, `pm logs` (tail, --lines, --out/--err, follow) and `pm flush`."""

import os
import subprocess
import time

from harness import PM, PmTestCase, main


class Logs(PmTestCase):
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

    def test_a_follower_sees_new_lines(self):
        script = self.write("ticker.py", "import sys, time\ni = 0\n"
                            "while True:\n    print(f'tick {i}', flush=True)\n"
                            "    i += 1\n    time.sleep(0.05)\n")
        self.pm("start", script, "--name", "ticker")
        self.wait_log(self.log_path("ticker", 0), "tick 1")
        follower = subprocess.Popen([PM, "logs", "ticker", "--lines", "0", "--raw"],
                                    env=self.env, stdout=subprocess.PIPE, text=True)
        try:
            seen = [follower.stdout.readline().strip() for _ in range(3)]
        finally:
            follower.kill()
            follower.wait()
        self.assertTrue(all(line.startswith("tick ") for line in seen), seen)
        numbers = [int(line.split()[1]) for line in seen]
        self.assertEqual(numbers, list(range(numbers[0], numbers[0] + 3)))

    def test_a_stuck_follower_blocks_neither_the_app_nor_the_daemon(self):
        script = self.write("flood.py", "import sys\n"
                            "for i in range(200000):\n"
                            "    sys.stdout.write(f'flood line {i} ' + 'x' * 60 + '\\n')\n"
                            "sys.stdout.write('flood done\\n')\nsys.stdout.flush()\n"
                            "import time\ntime.sleep(1000)\n")
        # A follower that never reads its socket.
        follower = subprocess.Popen([PM, "logs", "--lines", "0"], env=self.env,
                                    stdout=subprocess.PIPE)
        try:
            time.sleep(0.2)  # let it connect; nothing depends on it otherwise
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


if __name__ == "__main__":
    main()
