#include "daemon/logs/log_sink.h"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <unistd.h>

#include <fstream>
#include <iterator>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tests/unit/temp_dir.h"
#include "tests/unit/test_child.h"
#include "tests/unit/test_loop.h"

namespace {

/// A file of the lines as written, and no other.
pm::LogTargets plain_file(const std::string& path) {
  return {std::make_shared<pm::LogFile>(path, 0, 0), nullptr, "", false};
}

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
  pm::LogSink sink{loop.get(), bus, 7, app, "out", plain_file(path)};

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

TEST_CASE("json lines carry PM2's keys, and the combined file gets both streams") {
  TestLoop loop;
  TempDir dir;
  const std::string app = "api";
  pm::LogBus bus;
  auto combined = std::make_shared<pm::LogFile>(dir.path + "/all.log", 0, 0);
  pm::LogSink out{
      loop.get(), bus,
      3,          app,
      "out",      {std::make_shared<pm::LogFile>(dir.path + "/out.log", 0, 0), combined, "", true}};
  pm::LogSink err{
      loop.get(), bus,
      3,          app,
      "err",      {std::make_shared<pm::LogFile>(dir.path + "/err.log", 0, 0), combined, "", true}};
  Pipe out_pipe;
  Pipe err_pipe;
  out.attach(out_pipe.read_end);
  err.attach(err_pipe.read_end);
  REQUIRE(::write(out_pipe.write_end, "hello \"you\"\n", 12) == 12);
  ::close(out_pipe.write_end);
  loop.run_until([&] { return out.fd() < 0; }, "the end of stdout");
  REQUIRE(::write(err_pipe.write_end, "oops\n", 5) == 5);
  ::close(err_pipe.write_end);
  loop.run_until([&] { return err.fd() < 0; }, "the end of stderr");

  std::ifstream in(dir.path + "/all.log");
  std::vector<nlohmann::json> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(nlohmann::json::parse(line));
  REQUIRE(lines.size() == 2);
  CHECK(lines[0]["message"] == "hello \"you\"");
  CHECK(lines[0]["type"] == "out");
  CHECK(lines[0]["process_id"] == 3);
  CHECK(lines[0]["app_name"] == "api");
  CHECK(lines[0]["timestamp"].get<std::string>().size() == 24);  // 2026-01-02T03:04:05.678Z
  CHECK(lines[1]["message"] == "oops");
  CHECK(lines[1]["type"] == "err");
  std::ifstream own(dir.path + "/err.log");
  std::string first;
  std::getline(own, first);
  CHECK(nlohmann::json::parse(first)["message"] == "oops");
}
