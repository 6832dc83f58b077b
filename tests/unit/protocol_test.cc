#include "common/protocol.h"

#include <doctest/doctest.h>

using pm::json;

TEST_CASE("requests carry the protocol version and command") {
  json request = pm::make_request("stop", {{"targets", {"web"}}});
  CHECK(request["v"] == pm::kProtocolVersion);
  CHECK(request["cmd"] == "stop");
  CHECK_FALSE(pm::check_request(request).has_value());
}

TEST_CASE("malformed envelopes get a message, not an exception") {
  CHECK(pm::check_request(json::array()).value() == "request must be a JSON object");
  CHECK(pm::check_request(json{{"cmd", "list"}}).value().find("protocol version") !=
        std::string::npos);
  CHECK(pm::check_request(json{{"v", 999}, {"cmd", "list"}}).value().find("mismatch") !=
        std::string::npos);
  CHECK(pm::check_request(json{{"v", pm::kProtocolVersion}}).value().find("command") !=
        std::string::npos);
  CHECK(pm::check_request(json{{"v", pm::kProtocolVersion}, {"cmd", 3}}).has_value());
}

TEST_CASE("replies") {
  CHECK(pm::ok_reply({{"pid", 3}})["ok"] == true);
  json error = pm::error_reply("nope");
  CHECK(error["ok"] == false);
  CHECK(error["error"] == "nope");
}

TEST_CASE("encode_line is one line even with newlines and bad UTF-8 inside") {
  std::string line = pm::encode_line(json{{"text", "a\nb\xff"}});
  CHECK(line.back() == '\n');
  CHECK(line.find('\n') == line.size() - 1);
}

TEST_CASE("LineBuffer splits a stream into lines across reads") {
  pm::LineBuffer buffer;
  std::string line;
  buffer.append("ab", 2);
  CHECK_FALSE(buffer.next_line(line));
  CHECK(buffer.partial_size() == 2);
  buffer.append("c\nde\n\nf", 7);
  REQUIRE(buffer.next_line(line));
  CHECK(line == "abc");
  REQUIRE(buffer.next_line(line));
  CHECK(line == "de");
  REQUIRE(buffer.next_line(line));
  CHECK(line == "");
  CHECK_FALSE(buffer.next_line(line));
  CHECK(buffer.partial_size() == 1);
  CHECK(buffer.take_rest() == "f");
  CHECK(buffer.partial_size() == 0);
}
