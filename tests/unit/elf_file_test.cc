#include "common/elf_file.h"

#include <doctest/doctest.h>

// A Go binary is built and checked end to end (tests/e2e/test_real_servers.py).
TEST_CASE("static binaries are told apart") {
  CHECK_FALSE(pm::is_statically_linked("/bin/sh"));
  CHECK_FALSE(pm::is_statically_linked("/etc/hostname"));
  CHECK_FALSE(pm::is_statically_linked("/nonexistent"));
  CHECK(pm::is_statically_linked("/sbin/ldconfig"));  // static on Debian
}

TEST_CASE("programs not built by Go are not taken for Go") {
  CHECK_FALSE(pm::is_go_program("/bin/sh"));
  CHECK_FALSE(pm::is_go_program("/sbin/ldconfig"));
  CHECK_FALSE(pm::is_go_program("/etc/hostname"));
  CHECK_FALSE(pm::is_go_program("/nonexistent"));
}
