#include "cli/format.h"

#include <doctest/doctest.h>

TEST_CASE("durations as PM2 shows uptime") {
  CHECK(pm::format_duration(0) == "0s");
  CHECK(pm::format_duration(59999) == "59s");
  CHECK(pm::format_duration(60000) == "1m");
  CHECK(pm::format_duration(3 * 3600 * 1000) == "3h");
  CHECK(pm::format_duration(2LL * 86400 * 1000) == "2D");
}

TEST_CASE("sizes") {
  CHECK(pm::format_bytes(512) == "512b");
  CHECK(pm::format_bytes(1536) == "1.5kb");
  CHECK(pm::format_bytes(34 * 1024 * 1024) == "34.0mb");
  CHECK(pm::parse_bytes("300M") == 300LL * 1024 * 1024);
  CHECK(pm::parse_bytes("10K") == 10240);
  CHECK(pm::parse_bytes("1G") == 1024LL * 1024 * 1024);
  CHECK(pm::parse_bytes("2mb") == 2LL * 1024 * 1024);
  CHECK(pm::parse_bytes("1024") == 1024);
  CHECK(pm::parse_bytes("lots") == -1);
  CHECK(pm::parse_bytes("5X") == -1);
}

TEST_CASE("tables fit the terminal") {
  pm::Table table({{"id"}, {"name", false, true}, {"mode", true}});
  table.add_row({{"0", ""}, {"a-very-long-application-name", ""}, {"cluster", ""}});
  std::string wide = table.render(0, false);
  CHECK(wide.find("a-very-long-application-name") != std::string::npos);
  CHECK(wide.find("cluster") != std::string::npos);

  std::string narrow = table.render(30, false);
  CHECK(narrow.find("cluster") == std::string::npos);  // optional column dropped
  auto first_line = narrow.substr(0, narrow.find('\n'));
  CHECK(pm::display_width(first_line) <= 30);
  CHECK(narrow.find("…") != std::string::npos);  // name squeezed

  std::string coloured = pm::Table({{"s"}}).render(0, true);
  CHECK(coloured.find("\033[") != std::string::npos);
}
