#include "daemon/uv/line_pipe.h"

#include <doctest/doctest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "tests/unit/loopback.h"
#include "tests/unit/test_child.h"
#include "tests/unit/test_loop.h"

using pm::json;
using pm::LinePipe;

namespace {

/// Everything a LinePipe reported, for the test to wait on and check.
struct Seen {
  std::vector<json> values;
  std::vector<std::string> malformed;
  int too_long = 0;
  bool ended = false;
  std::vector<int> written;

  LinePipe::Events events() {
    LinePipe::Events events;
    events.value = [this](const json& value) { values.push_back(value); };
    events.malformed = [this](const std::string& line, const std::string&) {
      malformed.push_back(line);
    };
    events.too_long = [this] { ++too_long; };
    events.ended = [this] { ended = true; };
    events.written = [this](int status) { written.push_back(status); };
    return events;
  }
};

/// A connected pair of Unix stream sockets; each end still held is closed
/// with the test.
struct SocketPair {
  int ours = -1;
  int theirs = -1;
  SocketPair() {
    int ends[2];
    REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, ends) == 0);
    ours = ends[0];
    theirs = ends[1];
  }
  ~SocketPair() {
    if (ours >= 0) ::close(ours);
    if (theirs >= 0) ::close(theirs);
  }
  void send(const std::string& text) {
    REQUIRE(::write(theirs, text.data(), text.size()) == static_cast<ssize_t>(text.size()));
  }
};

/// A LinePipe on our end of a socket pair, and what it reported.
struct PipeTest {
  TestLoop loop;
  SocketPair channel;
  Seen seen;
  LinePipe pipe;
  explicit PipeTest(bool ipc = false) : pipe(loop.get(), ipc, seen.events()) {}
  /// Starts reading; the pipe owns our end from then on.
  void open() { REQUIRE(pipe.open(std::exchange(channel.ours, -1))); }
  /// Hands their end to `child`, keeping no copy.
  std::unique_ptr<TestChild> start(pm::SpawnOptions options) {
    auto child = std::make_unique<TestChild>(options);
    ::close(std::exchange(channel.theirs, -1));
    return child;
  }
};

/// A PipeTest whose pipe can pass fds.
struct IpcPipeTest : PipeTest {
  IpcPipeTest() : PipeTest(true) {}
};

/// One line and the fd that came with it, read as a Node child would.
int receive_with_fd(int socket, std::string& line) {
  char data[256];
  iovec io{data, sizeof data};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))];
  msghdr message{};
  message.msg_iov = &io;
  message.msg_iovlen = 1;
  message.msg_control = control;
  message.msg_controllen = sizeof control;
  ssize_t n = ::recvmsg(socket, &message, MSG_CMSG_CLOEXEC);
  REQUIRE(n > 0);
  line.assign(data, static_cast<std::size_t>(n));
  cmsghdr* header = CMSG_FIRSTHDR(&message);
  REQUIRE(header != nullptr);
  REQUIRE(header->cmsg_type == SCM_RIGHTS);
  int fd = -1;
  std::memcpy(&fd, CMSG_DATA(header), sizeof fd);
  return fd;
}

}  // namespace

TEST_CASE_FIXTURE(PipeTest, "lines go both ways between a LinePipe and a /bin/sh child") {
  auto options = shell_options(
      "echo '{\"hello\":\"from sh\"}' >&3; read line <&3; echo \"{\\\"echo\\\":$line}\" >&3");
  options.extra_fds.push_back(channel.theirs);
  auto child = start(options);
  open();
  CHECK(pipe.fd() >= 0);

  loop.run_until([&] { return seen.values.size() == 1; }, "the child's first line");
  CHECK(seen.values[0] == json{{"hello", "from sh"}});
  REQUIRE(pipe.write(json{{"n", 42}}));
  loop.run_until([&] { return seen.values.size() == 2; }, "the child's echo");
  CHECK(seen.values[1] == json{{"echo", {{"n", 42}}}});
  CHECK(seen.written == std::vector<int>{0});
  CHECK(pipe.writes_in_flight() == 0);
  CHECK(pipe.queued_bytes() == 0);
  loop.run_until([&] { return seen.ended; }, "the end of the child's output");
  CHECK(seen.malformed.empty());
  pipe.close();
  CHECK_FALSE(pipe.is_open());
  CHECK(pipe.fd() == -1);
  CHECK_FALSE(pipe.write(json("after close")));
}

TEST_CASE_FIXTURE(PipeTest, "a line split across reads arrives once, whole") {
  open();
  channel.send("{\"split\":");
  loop.run_until([&] { return pipe.partial_size() == 9; }, "the first half of the line");
  CHECK(seen.values.empty());
  channel.send("\"line\"}\n{\"next\":1}\n");
  loop.run_until([&] { return seen.values.size() == 2; }, "the rest of the line and the next");
  CHECK(seen.values[0] == json{{"split", "line"}});
  CHECK(seen.values[1] == json{{"next", 1}});
  CHECK(pipe.partial_size() == 0);
}

TEST_CASE_FIXTURE(PipeTest, "a malformed line is reported and reading goes on") {
  open();
  channel.send("not json\n\n{\"unterminated\": \n\"ready\"\n{\"ok\":true}\n");
  loop.run_until([&] { return seen.values.size() == 2; }, "the lines after the bad ones");
  CHECK(seen.malformed == std::vector<std::string>{"not json", "", "{\"unterminated\": "});
  CHECK(seen.values[0] == json("ready"));
  CHECK(seen.values[1] == json{{"ok", true}});
}

TEST_CASE_FIXTURE(PipeTest, "an over-long line is refused and ends reading") {
  // A line of kMaxLine + 1 bytes, with or without its newline, after a good one.
  REQUIRE(LinePipe::kMaxLine == 1048576);
  std::string script = "echo '{\"before\":1}'; head -c 1048577 /dev/zero | tr '\\0' x";
  SUBCASE("without a newline") {}
  SUBCASE("with a newline and a line after it") {
    script += "; echo; echo '{\"after\":1}'";
  }
  auto options = shell_options(script);
  options.stdout_fd = channel.theirs;
  auto child = start(options);
  open();

  loop.run_until([&] { return seen.too_long > 0; }, "the long line to be refused");
  CHECK(seen.values == std::vector<json>{json{{"before", 1}}});
  CHECK(seen.malformed.empty());
  CHECK(seen.too_long == 1);
  CHECK(pipe.partial_size() == 0);
  CHECK(pipe.is_open());
}

TEST_CASE_FIXTURE(IpcPipeTest, "an fd passed with a line is usable on the other side") {
  open();
  int port = 0;
  int listener = listen_on_loopback(port);
  SocketPair spare;
  REQUIRE(pipe.write(json{{"socket", "tcp"}}, listener));
  REQUIRE(pipe.write(json{{"socket", "unix"}}, spare.ours));
  loop.run_until([&] { return seen.written.size() == 2; }, "both writes to finish");
  CHECK(seen.written == std::vector<int>{0, 0});

  std::string line;
  int tcp = receive_with_fd(channel.theirs, line);
  CHECK(line == "{\"socket\":\"tcp\"}\n");
  int client = connect_to_loopback(port);
  int accepted = ::accept4(tcp, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
  CHECK_MESSAGE(accepted >= 0, "the connection should wait on the passed listening socket");

  int unix_end = receive_with_fd(channel.theirs, line);
  CHECK(line == "{\"socket\":\"unix\"}\n");
  REQUIRE(::write(unix_end, "ping", 4) == 4);
  char reply[8] = {};
  CHECK(::read(spare.theirs, reply, sizeof reply) == 4);
  CHECK(std::string(reply) == "ping");

  for (int fd : {tcp, client, accepted, unix_end, listener}) ::close(fd);
}

TEST_CASE("an owner may destroy its pipe from an event; nothing follows") {
  TestLoop loop;
  SocketPair channel;
  Seen seen;
  std::unique_ptr<LinePipe> pipe;
  LinePipe::Events events = seen.events();
  events.value = [&](const json& value) {
    seen.values.push_back(value);
    pipe.reset();
  };
  pipe = std::make_unique<LinePipe>(loop.get(), false, events);
  REQUIRE(pipe->open(std::exchange(channel.ours, -1)));
  // More than the socket holds: still queued when the pipe goes, then cancelled.
  REQUIRE(pipe->write(json(std::string(4 << 20, 'x'))));
  CHECK(pipe->queued_bytes() > 0);

  channel.send("{\"first\":1}\n{\"second\":2}\n");
  loop.run_until([&] { return !pipe; }, "the first line");
  CHECK(seen.values == std::vector<json>{json{{"first", 1}}});
  CHECK(seen.written.empty());
}
