#include "cli/json5_reader.h"

#include <doctest/doctest.h>

#include <cmath>

#include "common/app_spec.h"
#include "common/bounded_json.h"

using json = nlohmann::json;

namespace {

std::string error_of(const std::string& text) {
  try {
    pm::parse_json5(text, "eco.json");
  } catch (const pm::SpecError& error) {
    return error.what();
  }
  return "no error";
}

}  // namespace

TEST_CASE("JSON5 reads plain JSON as JSON does") {
  std::string text =
      R"({"a": [1, -2, 3.5, 1e3, true, false, null], "b": {"c": "d\"\\\/\b\f\n\r\t\u00e9"},
          "big": 18446744073709551615, "min": -9223372036854775808})";
  CHECK(pm::parse_json5(text, "f") == json::parse(text));
  CHECK(pm::parse_json5(" \n 42 ", "f") == 42);
  CHECK(pm::parse_json5("\xEF\xBB\xBF{}", "f") == json::object());
}

TEST_CASE("JSON5: comments, trailing commas, unquoted keys, single quotes") {
  json value = pm::parse_json5(R"(// the apps
    {
      /* several
         lines */
      apps: [
        {
          name: 'api',          // single quotes
          $script_1: "it's",
          'quoted key': 'say "hi"',
          escaped: 'it\'s',
        },
      ],
    })",
                               "f");
  json expected = {{"apps",
                    {{{"name", "api"},
                      {"$script_1", "it's"},
                      {"quoted key", "say \"hi\""},
                      {"escaped", "it's"}}}}};
  CHECK(value == expected);
}

TEST_CASE("JSON5 numbers and strings") {
  json value = pm::parse_json5(
      "[0x1F, -0xff, +7, .5, 5., Infinity, -Infinity, 'a\\\nb', '\\x41\\u0042\\v', "
      "'\\ud83d\\ude00']",
      "f");
  CHECK(value[0] == 31);
  CHECK(value[1] == -255);
  CHECK(value[2] == 7);
  CHECK(value[3] == 0.5);
  CHECK(value[4] == 5.0);
  CHECK(std::isinf(value[5].get<double>()));
  CHECK(value[6].get<double>() < 0);
  CHECK(value[7] == "ab");
  CHECK(value[8] == "AB\v");
  CHECK(value[9] == "\xF0\x9F\x98\x80");
  CHECK(std::isnan(pm::parse_json5("NaN", "f").get<double>()));
  CHECK(pm::parse_json5("'\\ud800'", "f") == "\xEF\xBF\xBD");
}

TEST_CASE("JSON5 errors name the file, the line, the column and what was expected") {
  CHECK(error_of("{\n  a: 1\n  b: 2\n}") ==
        "eco.json:3:3: expected ',' or '}' after the value of \"a\", got 'b'");
  CHECK(error_of("{a 1}") == "eco.json:1:4: expected ':' after the key \"a\", got '1'");
  CHECK(error_of("[1,,2]") == "eco.json:1:4: expected a value, got ','");
  CHECK(error_of("{a: 'x}") ==
        "eco.json:1:5: expected the closing ' of this string, got the end of the document");
  CHECK(error_of("{a: 'x\n'}").find("a line break") != std::string::npos);
  CHECK(error_of("/* open") ==
        "eco.json:1:1: expected \"*/\" to close this comment, got the end of the document");
  CHECK(error_of("{a: production}") ==
        "eco.json:1:5: expected a value (a string needs quotes), got 'production'");
  CHECK(error_of("{} x") ==
        "eco.json:1:4: expected the end of the document after its value, "
        "got 'x'");
  CHECK(error_of("") == "eco.json:1:1: expected a value, got the end of the document");
  CHECK(error_of("[012]").find("no digit after a leading 0") != std::string::npos);
  CHECK(error_of("[0x]").find("hex digits") != std::string::npos);
  CHECK(error_of("[1e]").find("exponent") != std::string::npos);
  CHECK(error_of("['\\1']").find("no digit after") != std::string::npos);
  CHECK(error_of("{\"a\": \"\xFF\"}") == "eco.json: is not UTF-8 text");
}

TEST_CASE("JSON5 refuses deep nesting instead of overflowing the stack") {
  std::string deep(100000, '[');
  CHECK(error_of(deep).find("nested at most") != std::string::npos);
  std::string fine = std::string(pm::kMaxJsonDepth, '[') + std::string(pm::kMaxJsonDepth, ']');
  CHECK_NOTHROW(pm::parse_json5(fine, "f"));
}
