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


if __name__ == "__main__":
    main()
