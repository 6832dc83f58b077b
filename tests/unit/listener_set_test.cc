// ListenerSet's last_error: why a bind failed, for as long as that address
// stays unbound.

#include "daemon/sockets/listener_set.h"

#include <doctest/doctest.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

#include "common/user_error.h"

namespace {

/// A socket listening on a free port of 127.0.0.1, as another program's.
int squat(int& port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
  REQUIRE(::listen(fd, 1) == 0);
  socklen_t length = sizeof address;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  port = ntohs(address.sin_port);
  return fd;
}

}  // namespace

TEST_CASE("a failed bind is reported until that address binds") {
  char dir_template[] = "/tmp/pm-listeners-XXXXXX";
  std::string dir = ::mkdtemp(dir_template);
  int port = 0;
  int squatter = squat(port);
  auto taken = pm::ListenAddress::parse("127.0.0.1:" + std::to_string(port));
  pm::ListenerSet listeners;
  CHECK_THROWS_AS(listeners.bind(taken), pm::UserError);
  CHECK(listeners.last_error().find("already in use") != std::string::npos);

  listeners.bind(pm::ListenAddress::parse(dir + "/other.sock"));
  CHECK_FALSE(listeners.last_error().empty());

  ::close(squatter);
  listeners.bind(taken);
  CHECK(listeners.last_error().empty());
  listeners.close_all();
  std::system(("rm -rf " + dir).c_str());
}
