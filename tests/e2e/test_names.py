"""App names are printed, put in file names and matched by people: pm takes
only names that fit every log path and print as typed, and whatever an app
or a user puts in front of a terminal is shown escaped, never obeyed."""

import json
import os

from harness import SHELL_SLEEPER, PmTestCase, main


class NamesTest(PmTestCase):
    def test_control_characters_in_names_are_refused(self):
        for name in ("a\nb", "bell\a", "esc\x1b[2J", "tab\there", "del\x7f"):
            with self.subTest(name=repr(name)):
                result = self.pm("start", "/bin/sleep", "--name", name, "--", "1000", check=False)
                self.assertNotEqual(result.returncode, 0)
                self.assertIn("control character", result.stderr)
                self.assertNotIn("\x1b", result.stderr, "the refusal itself obeys the escape")
        self.assertEqual(self.jlist(), [])

    def test_a_name_too_long_for_a_log_path_is_refused(self):
        result = self.pm("start", "/bin/sleep", "--name", "n" * 10000, "--", "1000", check=False)
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("at most 128", result.stderr)
        self.assertEqual(self.jlist(), [])
        # The longest allowed name logs like any other.
        name = "n" * 128
        self.pm("start", "sh", "--name", name, "--", "-c", "echo hello; exec sleep 1000")
        [row] = self.wait_ready(name)
        self.wait_log(self.log_path(name, 0), "hello")

    def test_unprintable_text_reaches_the_terminal_escaped(self):
        # Arguments and environment are the user's own, but describe prints
        # them, and a log line is whatever the app wrote.
        self.env["PM_TEST_TITLE"] = "\x1b]0;pwned\x07"
        self.pm("start", "sh", "--name", "shady", "--", "-c",
                "printf 'clear\\033[2Jscreen\\n'; printf 'red \\033[31mtext\\033[0m\\n'; "
                "exec sleep 1000", "\x1b[2J")
        [row] = self.wait_ready("shady")
        self.wait_log(self.log_path("shady", 0), "text")
        for args in (("list",), ("describe", "shady"), ("logs", "shady", "--nostream")):
            with self.subTest(command=args[0]):
                out = self.pm(*args).stdout
                self.assertNotIn("\x1b]", out)
                self.assertNotIn("\x07", out)
                self.assertNotIn("\x1b[2J", out)
        logs = self.pm("logs", "shady", "--nostream").stdout
        self.assertIn("clear\\x1b[2Jscreen", logs)
        self.assertIn("red \x1b[31mtext\x1b[0m", logs, "colours pass through")
        raw = self.pm("logs", "shady", "--nostream", "--raw").stdout
        self.assertIn("\x1b[2J", raw, "--raw is the bytes as written")
        # jlist is for programs: JSON, with the text as it is.
        self.assertEqual(json.loads(self.pm("jlist").stdout)[0]["name"], "shady")

    def test_a_numeric_name_is_a_name_first_as_in_pm2(self):
        script = self.write("sleeper.sh", SHELL_SLEEPER)
        self.pm("start", script, "--name", "web")  # id 0
        self.pm("start", script, "--name", "0")  # id 1
        self.wait_ready("0")
        self.pm("stop", "0")
        self.wait_status("0", "stopped")
        self.wait_ready("web")
        # Not a name: an id, here the app named "0".
        self.pm("restart", "1")
        self.wait_ready("0")
        self.pm("delete", "0")
        self.assertEqual([row["name"] for row in self.jlist()], ["web"])

    def test_ids_count_from_0_again_once_every_app_is_deleted(self):
        script = self.write("sleeper.sh", SHELL_SLEEPER)
        self.pm("start", script, "--name", "a")
        self.pm("start", script, "--name", "b", "-i", "2")
        self.pm("delete", "a")
        self.pm("start", script, "--name", "c")
        self.assertEqual([row["id"] for row in self.rows("c")], [3], "b still holds ids 1 and 2")
        self.pm("delete", "all")
        self.assertEqual(self.jlist(), [])
        self.pm("start", script, "--name", "d", "-i", "2")
        self.assertEqual([row["id"] for row in self.rows("d")], [0, 1])


if __name__ == "__main__":
    main()
