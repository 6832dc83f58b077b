"""pm's help: `pm help` lists the commands as `pm --help` does, and
`pm help COMMAND` explains one."""

from harness import PmTestCase, main


class Help(PmTestCase):
    def test_help_alone_lists_every_command(self):
        listed = self.pm("help").stdout
        self.assertEqual(listed, self.pm("--help").stdout)
        for command in ("start", "describe", "reload", "save", "help"):
            self.assertIn(f"\n  {command}", listed)
        self.assertNotIn("The command to explain", listed, "help's own help instead")

    def test_help_for_a_command_and_for_none_that_exists(self):
        self.assertIn("--kill-signal", self.pm("help", "start").stdout)
        result = self.pm("help", "launch", check=False)
        self.assertEqual(result.returncode, 1)
        self.assertIn('no command named "launch"', result.stderr)

    def test_bad_flags_exit_2_with_one_line_naming_the_option(self):
        cases = [
            (("start", "app.js", "--bogus"), "--bogus", "pm help start"),
            (("stop", "--frobnicate", "web"), "--frobnicate", "pm help stop"),
            (("start", "app.js", "--kill-timeout", "soon"), "--kill-timeout", "pm help start"),
            (("--bogus",), "--bogus", "pm help`"),
        ]
        for args, option, pointer in cases:
            with self.subTest(args=args):
                result = self.pm(*args, check=False)
                self.assertEqual(result.returncode, 2, result.stderr)
                self.assertEqual(result.stderr.count("\n"), 1, result.stderr)
                self.assertTrue(result.stderr.startswith("pm: "), result.stderr)
                self.assertIn(option, result.stderr)
                self.assertIn(pointer, result.stderr)
        self.assertIsNone(self.daemon_pid(), "a bad flag reaches no daemon")

    def test_help_and_version_flags_still_succeed(self):
        self.assertIn("--kill-signal", self.pm("start", "--help").stdout)
        self.assertTrue(self.pm("--version").stdout.strip())


if __name__ == "__main__":
    main()
