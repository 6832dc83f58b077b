#include "daemon/logs/log_sink.h"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <unistd.h>

#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include "tests/unit/temp_dir.h"
#include "tests/unit/test_child.h"
#include "tests/unit/test_loop.h"

namespace {

/// The stdout of instance 7 of app "web": a LogSink writing to a file in a
/// private directory and publishing on a bus, with every line the bus
/// carried as "<instance> <app> <stream>: <text>".
struct SinkTest {
  TestLoop loop;
  TempDir dir;
  const std::string app = "web";
  const std::string path = dir.path + "/web-out.log";
  pm::LogBus bus;
  std::vector<std::string> followed;
  pm::LogSink sink{loop.get(), bus, 7, app, "out", std::make_shared<pm::LogFile>(path, 0, 0), ""};

  SinkTest() {
    bus.subscribe([this](const pm::LogLine& line) {
      followed.push_back(std::to_string(line.instance_id) + " " + line.app + " " + line.stream +
                         ": " + std::string(line.text));
    });
  }
  std::string file_text() const {
    std::ifstream in(path);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }
};

/// A pipe whose read end goes to the sink and write end to a process.
struct Pipe {
  int read_end = -1;
  int write_end = -1;
  Pipe() {
    int ends[2];
    REQUIRE(::pipe2(ends, O_CLOEXEC) == 0);
    read_end = ends[0];
    write_end = ends[1];
  }
};

}  // namespace

TEST_CASE_FIXTURE(SinkTest,
                  "a child's output reaches the file and the bus, its partial last line too") {
  Pipe output;
  auto options = shell_options("echo one; echo two; printf three");
  options.stdout_fd = output.write_end;
  TestChild child(options);
  ::close(output.write_end);
  sink.attach(output.read_end);
  CHECK(sink.fd() == output.read_end);

  loop.run_until([&] { return sink.fd() < 0; }, "the end of the child's output");
  CHECK(file_text() == "one\ntwo\nthree\n");
  CHECK(followed ==
        std::vector<std::string>{"7 web out: one", "7 web out: two", "7 web out: three"});
  CHECK(sink.file().error().empty());
}

TEST_CASE_FIXTURE(SinkTest, "attaching a new process's pipe first drains what the old one left") {
  Pipe old_output;
  Pipe new_output;
  sink.attach(old_output.read_end);
  // The old process's last words, still in the pipe when its successor starts.
  REQUIRE(::write(old_output.write_end, "last words\nno newline", 21) == 21);

  sink.attach(new_output.read_end);
  CHECK(file_text() == "last words\nno newline\n");
  CHECK(followed == std::vector<std::string>{"7 web out: last words", "7 web out: no newline"});
  ::close(old_output.write_end);
  ::close(new_output.write_end);
  loop.run_until([&] { return sink.fd() < 0; }, "the end of the new pipe");
}
