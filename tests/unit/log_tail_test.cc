#include "daemon/logs/log_tail.h"

#include <doctest/doctest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>

namespace {

std::string temp_file(const std::string& content) {
  char name[] = "/tmp/pm-tail-XXXXXX";
  int fd = ::mkstemp(name);
  ::close(fd);
  std::ofstream(name, std::ios::binary) << content;
  return name;
}

}  // namespace

TEST_CASE("last lines of a small file") {
  std::string path = temp_file("a\nb\nc\n");
  CHECK(pm::last_lines(path, 2) == std::vector<std::string>{"b", "c"});
  CHECK(pm::last_lines(path, 10) == std::vector<std::string>{"a", "b", "c"});
  CHECK(pm::last_lines(path, 0).empty());
  std::remove(path.c_str());
}

TEST_CASE("a last line without newline counts") {
  std::string path = temp_file("a\nb");
  CHECK(pm::last_lines(path, 1) == std::vector<std::string>{"b"});
  std::remove(path.c_str());
}

TEST_CASE("last lines of a file larger than one read chunk") {
  std::string content;
  for (int i = 0; i < 20000; ++i) content += "line " + std::to_string(i) + "\n";
  std::string path = temp_file(content);
  auto lines = pm::last_lines(path, 3);
  CHECK(lines == std::vector<std::string>{"line 19997", "line 19998", "line 19999"});
  CHECK(pm::last_lines(path, 5000).front() == "line 15000");
  std::remove(path.c_str());
}

TEST_CASE("missing or empty files give no lines") {
  CHECK(pm::last_lines("/nonexistent/file", 5).empty());
  std::string path = temp_file("");
  CHECK(pm::last_lines(path, 5).empty());
  std::remove(path.c_str());
}
