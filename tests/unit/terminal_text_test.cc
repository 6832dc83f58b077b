#include "cli/terminal_text.h"

#include <doctest/doctest.h>

TEST_CASE("control characters are shown, not obeyed") {
  CHECK(pm::terminal_safe("a\nb") == "a\\x0ab");
  CHECK(pm::terminal_safe("\x1b]0;title\x07") == "\\x1b]0;title\\x07");
  CHECK(pm::terminal_safe("clear\x1b[2J") == "clear\\x1b[2J");
  CHECK(pm::terminal_safe("del\x7f") == "del\\x7f");
  CHECK(pm::terminal_safe("csi\xc2\x9b"
                          "2J") == "csi\\u009b2J");
  CHECK(pm::terminal_safe("tab\there") == "tab\\x09here");
}

TEST_CASE("printable text and UTF-8 pass through") {
  CHECK(pm::terminal_safe("plain text, 100%") == "plain text, 100%");
  CHECK(pm::terminal_safe("café ✓ 日本") == "café ✓ 日本");
}

TEST_CASE("with colours kept, only colour sequences and tabs pass") {
  CHECK(pm::terminal_safe("\x1b[31mred\x1b[0m", true) == "\x1b[31mred\x1b[0m");
  CHECK(pm::terminal_safe("\x1b[1;32mok\x1b[m\t1", true) == "\x1b[1;32mok\x1b[m\t1");
  CHECK(pm::terminal_safe("\x1b[2J\x1b[H", true) == "\\x1b[2J\\x1b[H");
  CHECK(pm::terminal_safe("\x1b[31", true) == "\\x1b[31");
  CHECK(pm::terminal_safe("a\rb", true) == "a\\x0db");
}
