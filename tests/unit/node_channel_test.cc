#include "daemon/sockets/node_channel.h"

#include <doctest/doctest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <memory>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "tests/unit/loopback.h"
#include "tests/unit/temp_dir.h"
#include "tests/unit/test_child.h"
#include "tests/unit/test_loop.h"

using pm::json;
using pm::NodeChannel;

namespace {

// A cluster worker as Node runs it under pmd: its server's listen() asks the
// primary (the channel) for a socket; it reports errors and echoes messages.
// A script file: `node -e` does not set up the cluster worker.
constexpr const char* kWorker = R"(
const net = require('net');
const server = net.createServer((c) => c.end('hello from the worker\n'));
server.on('error', (error) => process.send({error: error.code}));
server.listen(0, '127.0.0.1', () => process.send({port: server.address().port}));
process.on('message', (message) => process.send({echo: message}));
)";

std::string find_node() {
  std::istringstream path(std::getenv("PATH") ? std::getenv("PATH") : "");
  for (std::string dir; std::getline(path, dir, ':');)
    if (::access((dir + "/node").c_str(), X_OK) == 0) return dir + "/node";
  return "";
}

/// A Node worker on the far end of a NodeChannel, started with the
/// environment pmd gives Node programs (see ChildChannels).
struct NodeWorker {
  TempDir dir;
  int ours = -1;
  std::unique_ptr<TestChild> child;
  NodeWorker() {
    std::string node = find_node();
    REQUIRE_MESSAGE(!node.empty(), "node is not on PATH");
    int ends[2];
    REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, ends) == 0);
    auto options = child_options({node, dir.write("worker.js", kWorker)});
    options.env.push_back("NODE_UNIQUE_ID=0");
    options.env.push_back("NODE_CHANNEL_FD=3");
    options.env.push_back("NODE_CHANNEL_SERIALIZATION_MODE=json");
    options.extra_fds.push_back(ends[1]);
    child = std::make_unique<TestChild>(options);
    ::close(ends[1]);
    ours = ends[0];
  }
  ~NodeWorker() {
    if (ours >= 0) ::close(ours);
  }
};

/// What a client connecting to `port` is told.
std::string greeting_at(int port) {
  int client = connect_to_loopback(port);
  std::string text;
  char buffer[256];
  for (ssize_t n; (n = ::read(client, buffer, sizeof buffer)) > 0;)
    text.append(buffer, static_cast<std::size_t>(n));
  ::close(client);
  return text;
}

}  // namespace

TEST_CASE("a Node worker listens on the socket the channel hands it") {
  TestLoop loop;
  NodeWorker worker;
  int port = 0;
  int listener = listen_on_loopback(port);
  std::vector<json> queries;
  std::vector<json> messages;
  bool listening = false;
  bool closed = false;
  NodeChannel::Events events;
  events.query_server = [&](const json& query, std::string&) {
    queries.push_back(query);
    return listener;
  };
  events.listening = [&] { listening = true; };
  events.message = [&](const json& message) { messages.push_back(message); };
  events.closed = [&] { closed = true; };
  NodeChannel channel(loop.get(), std::exchange(worker.ours, -1), std::move(events));
  REQUIRE(channel.open());

  loop.run_until([&] { return listening && !messages.empty(); },
                 "the worker's listening message and its process.send");
  REQUIRE(queries.size() == 1);
  CHECK(queries[0]["act"] == "queryServer");
  CHECK(queries[0]["address"] == "127.0.0.1");
  CHECK(queries[0]["port"] == 0);
  CHECK(messages[0] == json{{"port", port}});
  CHECK(greeting_at(port) == "hello from the worker\n");

  channel.send(json{{"greeting", "from pmd"}});
  loop.run_until([&] { return messages.size() == 2; }, "the worker's echo");
  CHECK(messages[1] == json{{"echo", {{"greeting", "from pmd"}}}});

  channel.disconnect();
  loop.run_until([&] { return closed; }, "the worker to close its channel after disconnect");
  CHECK_FALSE(channel.open());
  CHECK(channel.fd() == -1);
  ::close(listener);
}

TEST_CASE("a socket the channel cannot give becomes the worker's listen error") {
  TestLoop loop;
  NodeWorker worker;
  std::vector<json> messages;
  NodeChannel::Events events;
  events.query_server = [](const json&, std::string& error) {
    error = "address already in use";
    return -1;
  };
  events.message = [&](const json& message) { messages.push_back(message); };
  NodeChannel channel(loop.get(), std::exchange(worker.ours, -1), std::move(events));

  loop.run_until([&] { return !messages.empty(); }, "the worker's listen error");
  CHECK(messages[0] == json{{"error", "EADDRINUSE"}});
  CHECK(channel.open());
}
