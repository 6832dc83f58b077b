#include "daemon/supervision/pid_file.h"

#include <doctest/doctest.h>

using pm::pid_file_path;

TEST_CASE("pid files are named per instance as PM2 names them") {
  CHECK(pid_file_path("", 3).empty());
  CHECK(pid_file_path("/run/app.pid", 0) == "/run/app-0.pid");
  CHECK(pid_file_path("/run/app.pid", 12) == "/run/app-12.pid");
  // A name that already has an instance number gets this one instead.
  CHECK(pid_file_path("/run/app-7.pid", 2) == "/run/app-2.pid");
  // Any other name is the file itself.
  CHECK(pid_file_path("/run/app.pidfile", 2) == "/run/app.pidfile");
  CHECK(pid_file_path("/run/pid", 2) == "/run/pid");
}
