// ListenGroup and its steering program, against the kernel: connections to
// a SO_REUSEPORT group land in the queue of the socket the route names.

#include "daemon/sockets/listen_group.h"

#include <arpa/inet.h>
#include <doctest/doctest.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "daemon/sockets/half_open.h"

namespace {

const int holders[3] = {};
const pm::SocketHolder a = &holders[0], b = &holders[1], c = &holders[2];

/// A client connected from `source` (an IPv4 address; port 0: any) to
/// 127.0.0.1:`port`, which sends its first byte unless `silent` (accepting
/// sockets defer accepts until then). The handshake is done when connect()
/// returns.
int connect_from(const std::string& source, int source_port, int port, bool silent = false) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in from{};
  from.sin_family = AF_INET;
  from.sin_port = htons(static_cast<std::uint16_t>(source_port));
  inet_pton(AF_INET, source.c_str(), &from.sin_addr);
  int on = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&from), sizeof from) == 0);
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(static_cast<std::uint16_t>(port));
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&to), sizeof to) == 0);
  if (!silent) REQUIRE(::send(fd, "G", 1, MSG_NOSIGNAL) == 1);
  return fd;
}

int local_port(int fd) {
  sockaddr_in address{};
  socklen_t length = sizeof address;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  return ntohs(address.sin_port);
}

/// Waits until the queues of `of` hold `count` connections in all: a
/// handshake's last step may reach the listener just after connect().
void settle(const pm::ListenGroup& group, std::vector<pm::SocketHolder> of, int count) {
  for (int tries = 0; tries < 5000; ++tries) {
    int total = 0;
    for (pm::SocketHolder holder : of) total += group.queued(holder);
    if (total >= count) return;
    ::usleep(1000);
  }
  FAIL("the connections never reached the queues");
}

/// Accepts everything queued on `fd`, returning how many.
int drain(int fd) {
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
  int count = 0;
  for (int client; (client = ::accept4(fd, nullptr, nullptr, SOCK_NONBLOCK)) >= 0; ++count)
    ::close(client);
  return count;
}

struct Group {
  pm::ListenGroup group{pm::ListenAddress::parse("127.0.0.1:0")};
  std::vector<int> clients;
  ~Group() {
    for (int fd : clients) ::close(fd);
  }
  int connect(const std::string& source = "127.0.0.1", int source_port = 0) {
    clients.push_back(connect_from(source, source_port, group.port()));
    return clients.back();
  }
  void connect_silently() { clients.push_back(connect_from("127.0.0.1", 0, group.port(), true)); }
};

}  // namespace

TEST_CASE("an accepting socket hands a connection over with its first bytes, unless told not to") {
  Group g;
  g.group.socket_for(a);
  g.group.socket_for(b);
  pm::Route route;
  route.accepting = {a};
  route.waiting = {b};
  SUBCASE("deferred: a silent client waits in the kernel, not in the queue") {
    g.group.steer(route);
    auto began = std::chrono::steady_clock::now();
    g.connect_silently();
    g.connect();
    settle(g.group, {a}, 1);
    // The kernel queues a silent client anyway after the deferral's second.
    std::string silent = "127.0.0.1:" + std::to_string(local_port(g.clients.front()));
    std::set<std::string> half_open = pm::half_open_peers(g.group.port());
    if (std::chrono::steady_clock::now() - began < std::chrono::milliseconds(800)) {
      CHECK(g.group.queued(a) == 1);  // the silent one connected first
      CHECK(half_open == std::set<std::string>{silent});
    }
    send(g.clients.front(), "G", 1, MSG_NOSIGNAL);
    settle(g.group, {a}, 2);
    CHECK(pm::half_open_peers(g.group.port()).empty());
  }
  SUBCASE("not deferred (--no-defer-accept): both at once") {
    route.defer_accept = false;
    g.group.steer(route);
    g.connect_silently();
    g.connect();
    settle(g.group, {a}, 2);
  }
  SUBCASE("steered away from, a socket still takes what began there; the new one defers") {
    g.group.steer(route);
    g.connect_silently();
    route.accepting = {b};
    route.waiting = {};
    g.group.steer(route);
    auto began = std::chrono::steady_clock::now();
    g.connect_silently();
    g.connect();
    settle(g.group, {b}, 1);
    if (std::chrono::steady_clock::now() - began < std::chrono::milliseconds(800))
      CHECK(g.group.queued(b) == 1);  // b defers now
    send(g.clients.front(), "G", 1, MSG_NOSIGNAL);
    settle(g.group, {a}, 1);  // the first one's bytes land where its handshake did
  }
}

TEST_CASE("connections that reach a free socket while others accept are reset") {
  Group g;
  g.group.socket_for(a);
  g.group.socket_for(b);
  pm::Route route;
  route.accepting = {a};
  g.group.steer(route);
  g.connect();
  settle(g.group, {a}, 1);
  CHECK(g.group.reset_late_arrivals() == 0);  // a holds its socket
  g.group.release(a);
  route.accepting = {b};
  g.group.steer(route);
  CHECK(g.group.reset_late_arrivals() == 1);
  char byte;
  CHECK(::recv(g.clients.front(), &byte, 1, 0) < 0);
  CHECK(errno == ECONNRESET);
}

TEST_CASE("connections go only to the accepting sockets, spread over them") {
  Group g;
  g.group.socket_for(a);
  g.group.socket_for(b);
  g.group.socket_for(c);
  pm::Route route;
  route.accepting = {a, c};
  route.waiting = {b};
  g.group.steer(route);
  for (int i = 0; i < 60; ++i) g.connect();
  settle(g.group, {a, b, c}, 60);
  CHECK(g.group.queued(b) == 0);
  CHECK(g.group.queued(a) + g.group.queued(c) == 60);
  CHECK(g.group.queued(a) >= 15);  // random halves of 60: far from 15 but for bad luck
  CHECK(g.group.queued(c) >= 15);

  SUBCASE("steered away, a socket's queue stays for its holder") {
    int before = g.group.queued(a);
    route.accepting = {c};
    g.group.steer(route);
    for (int i = 0; i < 10; ++i) g.connect();
    settle(g.group, {a, b, c}, 70);
    CHECK(g.group.queued(a) == before);
    CHECK(g.group.queued(c) == 70 - before);
  }
  SUBCASE("with none accepting, the queues of instances on their way") {
    route.accepting.clear();
    g.group.steer(route);
    for (int i = 0; i < 10; ++i) g.connect();
    settle(g.group, {a, b, c}, 70);
    CHECK(g.group.queued(b) == 10);
  }
}

TEST_CASE("a released socket waits for the next holder, queue and all") {
  Group g;
  int first = g.group.socket_for(a);
  g.group.socket_for(b);
  pm::Route route;
  route.accepting = {a};
  g.group.steer(route);
  g.connect();
  settle(g.group, {a}, 1);
  g.group.release(a);
  CHECK(g.group.socket_for(c) == first);
  CHECK(g.group.queued(c) == 1);
  CHECK(g.group.members().size() == 2);
}

TEST_CASE("sticky: one client address always reaches the same socket") {
  Group g;
  int fd_a = g.group.socket_for(a);
  int fd_b = g.group.socket_for(b);
  pm::Route route;
  route.sticky = true;
  route.slots = {a, b};
  route.accepting = {a, b};
  g.group.steer(route);
  std::map<std::string, int> landed;  // source → fd it reached
  for (int host = 1; host <= 20; ++host) {
    std::string source = "127.0.0." + std::to_string(host);
    for (int i = 0; i < 5; ++i) {
      g.connect(source);
      settle(g.group, {a, b}, 1);
      int in_a = drain(fd_a), in_b = drain(fd_b);
      REQUIRE(in_a + in_b == 1);
      int fd = in_a ? fd_a : fd_b;
      if (!landed.count(source)) landed[source] = fd;
      CHECK(landed[source] == fd);
    }
  }
  int to_a = 0;
  for (const auto& [source, fd] : landed) to_a += fd == fd_a;
  CHECK(to_a > 0);
  CHECK(to_a < 20);

  SUBCASE("a slot that does not accept sends its clients to one that does") {
    route.slots = {a, nullptr};
    route.accepting = {a};
    g.group.steer(route);
    for (const auto& [source, fd] : landed) {
      g.connect(source);
      settle(g.group, {a}, 1);
      CHECK(drain(fd_a) == 1);
    }
  }
}

TEST_CASE("a probe reaches the socket it probes, whatever the route") {
  Group g;
  g.group.socket_for(a);
  g.group.socket_for(b);
  int probe = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in any{};
  any.sin_family = AF_INET;
  any.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(probe, reinterpret_cast<sockaddr*>(&any), sizeof any) == 0);
  pm::Route route;
  route.accepting = {a};
  route.probes = {{static_cast<std::uint16_t>(local_port(probe)), b}};
  g.group.steer(route);
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(static_cast<std::uint16_t>(g.group.port()));
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::connect(probe, reinterpret_cast<sockaddr*>(&to), sizeof to) == 0);
  settle(g.group, {a, b}, 1);
  CHECK(g.group.queued(b) == 1);
  CHECK(g.group.queued(a) == 0);
  ::close(probe);
}

TEST_CASE("a socket a program shut down listens again, and the steering follows") {
  Group g;
  int fd_a = g.group.socket_for(a);
  g.group.socket_for(b);
  g.group.socket_for(c);
  pm::Route route;
  route.accepting = {b};
  g.group.steer(route);
  // A holder shuts down a's socket: the kernel moves c's into its place.
  ::shutdown(fd_a, SHUT_RDWR);
  route.accepting = {c};
  g.group.steer(route);
  for (int i = 0; i < 10; ++i) g.connect();
  settle(g.group, {a, b, c}, 10);
  CHECK(g.group.queued(c) == 10);
  route.accepting = {a};
  g.group.steer(route);
  for (int i = 0; i < 10; ++i) g.connect();
  settle(g.group, {a, b, c}, 20);
  CHECK(g.group.queued(a) == 10);
}

TEST_CASE("over IPv6, a probe and a sticky client reach their sockets") {
  int v6 = ::socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in6 loopback{};
  loopback.sin6_family = AF_INET6;
  loopback.sin6_addr = in6addr_loopback;
  bool has_v6 = v6 >= 0 && ::bind(v6, reinterpret_cast<sockaddr*>(&loopback), sizeof loopback) == 0;
  if (v6 >= 0) ::close(v6);
  if (!has_v6) return;  // no IPv6 loopback on this machine

  pm::ListenGroup group(pm::ListenAddress::parse("[::1]:0"));
  group.socket_for(a);
  int fd_b = group.socket_for(b);
  auto connect6 = [&](int from_port) {
    int fd = ::socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in6 from = loopback;
    from.sin6_port = htons(static_cast<std::uint16_t>(from_port));
    REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&from), sizeof from) == 0);
    sockaddr_in6 to = loopback;
    to.sin6_port = htons(static_cast<std::uint16_t>(group.port()));
    REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&to), sizeof to) == 0);
    return fd;
  };
  pm::Route route;
  route.sticky = true;
  route.slots = {a, b};
  route.accepting = {a, b};
  group.steer(route);
  std::vector<int> clients;
  for (int i = 0; i < 10; ++i) clients.push_back(connect6(0));
  settle(group, {a, b}, 10);
  CHECK((group.queued(a) == 10 || group.queued(b) == 10));
  drain(fd_b);
  int probe_port = 0;
  {
    int probe = ::socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in6 from = loopback;
    REQUIRE(::bind(probe, reinterpret_cast<sockaddr*>(&from), sizeof from) == 0);
    sockaddr_in6 bound{};
    socklen_t length = sizeof bound;
    ::getsockname(probe, reinterpret_cast<sockaddr*>(&bound), &length);
    probe_port = ntohs(bound.sin6_port);
    ::close(probe);
  }
  route.sticky = false;
  route.accepting = {a};
  route.probes = {{static_cast<std::uint16_t>(probe_port), b}};
  group.steer(route);
  clients.push_back(connect6(probe_port));
  settle(group, {b}, 1);
  CHECK(group.queued(b) == 1);
  for (int fd : clients) ::close(fd);
}

TEST_CASE("connections queued for no one are reset, not left waiting") {
  Group g;
  g.group.socket_for(a);
  g.group.socket_for(b);
  pm::Route route;
  route.accepting = {a};
  g.group.steer(route);
  int client = g.connect();
  settle(g.group, {a}, 1);
  CHECK(g.group.reset_queued(a) == 1);
  CHECK(g.group.queued(a) == 0);
  char byte;
  CHECK(::recv(client, &byte, 1, 0) < 0);
  CHECK(errno == ECONNRESET);
  CHECK(g.group.reset_queued(b) == 0);
}
