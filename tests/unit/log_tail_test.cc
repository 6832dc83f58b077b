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

TEST_CASE("empty lines in the tail are lines") {
  std::string path = temp_file("a\n\nb\n\n");
  CHECK(pm::last_lines(path, 3) == std::vector<std::string>{"", "b", ""});
  CHECK(pm::last_lines(path, 10) == std::vector<std::string>{"a", "", "b", ""});
  std::remove(path.c_str());
}

TEST_CASE("a tail never reads past its byte limit, and drops the line it cuts") {
  std::string content;
  for (int i = 0; i < 1000; ++i) content += "line " + std::to_string(1000 + i) + "\n";  // 10 bytes
  std::string path = temp_file(content);
  // 25 bytes hold two whole lines and half of the one before them.
  CHECK(pm::last_lines(path, 100, 25) == std::vector<std::string>{"line 1998", "line 1999"});
  CHECK(pm::last_lines(path, 100, 30) ==
        std::vector<std::string>{"line 1997", "line 1998", "line 1999"});
  CHECK(pm::last_lines(path, 2, 5).empty());
  std::remove(path.c_str());
}

TEST_CASE("a tail of many chunks comes back whole and in order") {
  std::string content;
  for (int i = 0; i < 200000; ++i) content += "line " + std::to_string(i) + "\n";
  std::string path = temp_file(content);
  auto lines = pm::last_lines(path, 150000);
  REQUIRE(lines.size() == 150000);
  CHECK(lines.front() == "line 50000");
  CHECK(lines.back() == "line 199999");
  std::remove(path.c_str());
}
