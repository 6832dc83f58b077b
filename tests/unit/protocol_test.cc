#include "common/protocol.h"

#include <doctest/doctest.h>

#include <set>
#include <string>

#include "common/instance_details.h"
#include "common/log_events.h"
#include "common/process_row.h"

using pm::json;

TEST_CASE("requests carry the protocol version and command") {
  json request = pm::make_request(pm::command::kStop, {{pm::field::kTargets, {"web"}}});
  CHECK(request["v"] == pm::kProtocolVersion);
  CHECK(request["cmd"] == "stop");
  CHECK(request["targets"] == json::array({"web"}));
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
  CHECK(pm::ok_reply({{"pid", 3}})["pid"] == 3);
  json error = pm::error_reply("nope");
  CHECK(error["ok"] == false);
  CHECK(error["error"] == "nope");
}

TEST_CASE("encode_line is one line even with newlines and bad UTF-8 inside") {
  std::string line = pm::encode_line(json{{"text", "a\nb\xff"}, {"n", 1}});
  CHECK(line.back() == '\n');
  CHECK(line.find('\n') == line.size() - 1);
  // The line decodes to the value, the bad byte replaced by U+FFFD.
  CHECK(json::parse(line) == json{{"text", "a\nb\xEF\xBF\xBD"}, {"n", 1}});
}

TEST_CASE("the command table names each command once") {
  std::set<std::string> names;
  for (const pm::Command* command : pm::kCommands) {
    CHECK(names.insert(command->name).second);
    for (const auto& fields : {command->request, command->reply, command->streams}) {
      std::set<std::string> seen;
      for (const char* field : fields) CHECK(seen.insert(field).second);
    }
  }
}

namespace {

/// `value` sent as pmd sends it and read back as the CLI reads it.
template <typename T>
T round_trip(const T& value) {
  return json::parse(pm::encode_line(value)).template get<T>();
}

pm::ProcessRow sample_row() {
  pm::ProcessRow row;
  row.id = 7;
  row.name = "web";
  row.namespace_name = "front";
  row.mode = "cluster";
  row.listen = "127.0.0.1:8080,/tmp/web.sock";
  row.pid = 4242;
  row.status = "waiting restart";
  row.ready = true;
  row.restarts = 3;
  row.uptime_ms = 86400123;
  row.cpu = 12.5;
  row.memory = 5368709120ULL;
  return row;
}

void check_same_row(const pm::ProcessRow& got, const pm::ProcessRow& want) {
  CHECK(got.id == want.id);
  CHECK(got.name == want.name);
  CHECK(got.namespace_name == want.namespace_name);
  CHECK(got.mode == want.mode);
  CHECK(got.listen == want.listen);
  CHECK(got.pid == want.pid);
  CHECK(got.status == want.status);
  CHECK(got.ready == want.ready);
  CHECK(got.restarts == want.restarts);
  CHECK(got.uptime_ms == want.uptime_ms);
  CHECK(got.cpu == want.cpu);
  CHECK(got.memory == want.memory);
}

}  // namespace

TEST_CASE("a process row keeps every field through JSON, under the names jlist promises") {
  json wire = sample_row();
  // `pm jlist` prints these rows: scripts read these names.
  CHECK(wire == json::parse(R"({"id": 7, "name": "web", "namespace": "front", "mode": "cluster",
                                "listen": "127.0.0.1:8080,/tmp/web.sock", "pid": 4242,
                                "status": "waiting restart", "ready": true, "restarts": 3,
                                "uptime_ms": 86400123, "cpu": 12.5, "memory": 5368709120})"));
  check_same_row(round_trip(sample_row()), sample_row());
}

TEST_CASE("a process row from an older daemon keeps defaults for what it lacks") {
  auto row = json{{"id", 2}, {"status", "online"}}.get<pm::ProcessRow>();
  CHECK(row.id == 2);
  CHECK(row.status == "online");
  CHECK_FALSE(row.ready);
  CHECK(row.name == "");
  CHECK(row.pid == 0);
  CHECK(row.memory == 0);
}

TEST_CASE("instance details keep every field through JSON") {
  pm::InstanceDetails details;
  details.process = sample_row();
  details.spec.name = "web";
  details.spec.script = "server.js";
  details.spec.cwd = "/srv/web";
  details.spec.instances = 4;
  details.spec.listen = {"8080"};
  details.spec.kill_signal = "SIGTERM";
  details.spec.argv = {"/usr/bin/node", "server.js"};
  details.created_at = 1700000000123;
  details.unstable_restarts = 2;
  details.last_exit = "code 1";
  details.error = "crashed 2 times in a row";
  details.reload_error = "replacement never became ready";
  details.start_warning = "/srv/web/server is a Go program";
  details.out_log = "/home/u/.pm/logs/web-7-out.log";
  details.err_log = "/home/u/.pm/logs/web-7-err.log";
  details.combined_log = "/var/log/web.log";
  details.log_error = "disk full";
  details.socket_via = "node cluster";
  details.ready_via = "listening";
  details.notify_socket = "/home/u/.pm/notify/7-1.sock";
  details.history = {{1700000001000, 4000, "SIGKILL", 1500, true},
                     {1700000002000, 4100, "code 1", 20, false}};

  json wire = details;
  // On the wire the row's fields sit beside the details', as `describe` sends them.
  CHECK(wire["status"] == "waiting restart");
  CHECK(wire["error"] == "crashed 2 times in a row");
  CHECK(wire["spec"]["name"] == "web");
  CHECK(wire["history"][0]["exit"] == "SIGKILL");

  auto back = round_trip(details);
  check_same_row(back.process, details.process);
  CHECK(pm::to_json(back.spec) == pm::to_json(details.spec));
  CHECK(back.created_at == details.created_at);
  CHECK(back.unstable_restarts == details.unstable_restarts);
  CHECK(back.last_exit == details.last_exit);
  CHECK(back.error == details.error);
  CHECK(back.reload_error == details.reload_error);
  CHECK(back.start_warning == details.start_warning);
  CHECK(back.out_log == details.out_log);
  CHECK(back.err_log == details.err_log);
  CHECK(back.combined_log == details.combined_log);
  CHECK(back.log_error == details.log_error);
  CHECK(back.socket_via == details.socket_via);
  CHECK(back.ready_via == details.ready_via);
  CHECK(back.notify_socket == details.notify_socket);
  REQUIRE(back.history.size() == 2);
  for (std::size_t i = 0; i < 2; ++i) {
    CHECK(back.history[i].at == details.history[i].at);
    CHECK(back.history[i].pid == details.history[i].pid);
    CHECK(back.history[i].exit == details.history[i].exit);
    CHECK(back.history[i].uptime_ms == details.history[i].uptime_ms);
    CHECK(back.history[i].stopped == details.history[i].stopped);
  }
}

TEST_CASE("log events keep every field through JSON and say their type") {
  pm::LogTailEvent tail{3, "worker", "err", "/logs/worker-3-err.log", {"first", "", "last"}};
  CHECK(json(tail)["type"] == "tail");
  auto tail_back = round_trip(tail);
  CHECK(tail_back.id == 3);
  CHECK(tail_back.name == "worker");
  CHECK(tail_back.stream == "err");
  CHECK(tail_back.path == "/logs/worker-3-err.log");
  CHECK(tail_back.lines == std::vector<std::string>{"first", "", "last"});

  pm::LogLineEvent line{5, "web", "out", "GET / 200"};
  CHECK(json(line)["type"] == "line");
  auto line_back = round_trip(line);
  CHECK(line_back.id == 5);
  CHECK(line_back.name == "web");
  CHECK(line_back.stream == "out");
  CHECK(line_back.line == "GET / 200");

  pm::DroppedLinesEvent dropped{1234};
  CHECK(json(dropped)["type"] == "dropped");
  CHECK(round_trip(dropped).count == 1234);
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
