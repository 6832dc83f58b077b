#include "common/bounded_json.h"

#include <doctest/doctest.h>

#include <string>

TEST_CASE("depth counts arrays and objects, not brackets inside strings") {
  CHECK(pm::json_depth("1", 10) == 0);
  CHECK(pm::json_depth(R"({"a":[1,{"b":2}]})", 10) == 3);
  CHECK(pm::json_depth(R"({"a":"[[[[{{{{"})", 10) == 1);
  CHECK(pm::json_depth(R"(["\"[[[", "\\", [[]]])", 10) == 3);
}

TEST_CASE("depth stops counting at the limit") {
  std::string deep(100000, '[');
  CHECK(pm::json_depth(deep, 65) == 65);
}

TEST_CASE("a value nested past the limit is refused before it is parsed") {
  std::string error;
  std::string deep = std::string(100000, '[') + std::string(100000, ']');
  auto value = pm::parse_bounded(deep, error);
  CHECK(value.is_discarded());
  CHECK(error == "nested deeper than 64 levels");

  std::string at_limit = std::string(64, '[') + std::string(64, ']');
  error.clear();
  auto ok = pm::parse_bounded(at_limit, error);
  CHECK_FALSE(ok.is_discarded());
  CHECK(ok.dump() == at_limit);
  CHECK(error.empty());
}

TEST_CASE("what is not JSON says so") {
  std::string error;
  CHECK(pm::parse_bounded("{\"a\":", error).is_discarded());
  CHECK(error == "not valid JSON");
}
