#include "common/command_line.h"

#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <fstream>

#include "common/signal_names.h"

TEST_CASE("commands split like a shell quotes them, without expansion") {
  using V = std::vector<std::string>;
  CHECK(pm::split_command("python3 -m http.server 8000") ==
        V{"python3", "-m", "http.server", "8000"});
  CHECK(pm::split_command("  a   'b c'  \"d \\\"e\\\"\" f\\ g ") ==
        V{"a", "b c", "d \"e\"", "f g"});
  CHECK(pm::split_command("echo $HOME") == V{"echo", "$HOME"});
  CHECK(pm::split_command("''") == V{""});
  CHECK(pm::split_command("") == V{});
  CHECK_THROWS_AS(pm::split_command("echo 'oops"), pm::SpecError);
}

TEST_CASE("interpreters by extension") {
  CHECK(pm::interpreter_for("server.js") == "node");
  CHECK(pm::interpreter_for("a.mjs") == "node");
  CHECK(pm::interpreter_for("app.py") == "python3");
  CHECK(pm::interpreter_for("run.sh") == "bash");
  CHECK(pm::interpreter_for("app.rb") == "ruby");
  CHECK(pm::interpreter_for("worker.pl") == "perl");
  CHECK(pm::interpreter_for("index.php") == "php");
  CHECK(pm::interpreter_for("app.coffee") == "coffee");
  CHECK(pm::interpreter_for("server.ts") == "");
  CHECK(pm::interpreter_for("bin/server") == "");
  CHECK(pm::interpreter_for("dir.d/server") == "");
}

TEST_CASE("argv resolution") {
  char dir_template[] = "/tmp/pm-unit-XXXXXX";
  std::string dir = ::mkdtemp(dir_template);
  std::ofstream(dir + "/app.py") << "print(1)\n";
  std::ofstream(dir + "/tool") << "#!/bin/sh\n";
  ::chmod((dir + "/tool").c_str(), 0755);
  std::ofstream(dir + "/plain") << "data\n";

  pm::AppSpec spec;
  spec.cwd = dir;
  spec.env["PATH"] = "/usr/local/bin:/usr/bin:/bin";

  spec.script = "app.py";
  spec.args = {"--x"};
  auto argv = pm::resolve_argv(spec);
  REQUIRE(argv.size() == 3);
  CHECK(argv[0].find("python3") != std::string::npos);
  CHECK(argv[1] == dir + "/app.py");
  CHECK(argv[2] == "--x");

  spec.args.clear();
  spec.script = "tool";
  CHECK(pm::resolve_argv(spec) == std::vector<std::string>{dir + "/tool"});

  spec.script = "sh -c 'exit 3'";
  argv = pm::resolve_argv(spec);
  REQUIRE(argv.size() == 3);
  CHECK(argv[0] == pm::find_program("sh", spec.env["PATH"], dir));
  CHECK(argv[2] == "exit 3");

  spec.script = "plain";
  CHECK_THROWS_WITH_AS(pm::resolve_argv(spec), doctest::Contains("not executable"), pm::SpecError);
  spec.script = "no-such-program-anywhere";
  CHECK_THROWS_WITH_AS(pm::resolve_argv(spec), doctest::Contains("nor a command on PATH"),
                       pm::SpecError);
  spec.script = "missing.js";
  CHECK_THROWS_AS(pm::resolve_argv(spec), pm::SpecError);

  spec.script = "plain";
  spec.interpreter = "sh";
  argv = pm::resolve_argv(spec);
  CHECK(argv[1] == dir + "/plain");

  std::system(("rm -rf " + dir).c_str());
}

TEST_CASE("signal names") {
  CHECK(pm::signal_number("SIGINT") == SIGINT);
  CHECK(pm::signal_number("term") == SIGTERM);
  CHECK(pm::signal_number("9") == 9);
  CHECK(pm::signal_number("SIGNOPE") == 0);
  CHECK(pm::signal_number("") == 0);
  CHECK(pm::signal_number("999") == 0);
  CHECK(pm::signal_name(SIGUSR2) == "SIGUSR2");
}
