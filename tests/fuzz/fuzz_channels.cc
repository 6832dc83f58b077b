// Fuzzes what an app can say to pmd over its channels, through the real
// classes on a real libuv loop and a real socketpair: the Node cluster
// channel (one JSON message per line, queryServer, listening, ...) and the
// preload library's listen channel (text packets). The first input byte
// picks the channel. An app must never crash pmd, whatever it writes.

#include <sys/socket.h>
#include <unistd.h>
#include <uv.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "daemon/sockets/listen_channel.h"
#include "daemon/sockets/node_channel.h"

namespace {

void feed_node_channel(uv_loop_t* loop, const std::string& bytes) {
  int ends[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, ends) != 0) return;
  pm::NodeChannel::Events events;
  events.query_server = [](const pm::json&, std::string& error) {
    error = "address in use";
    return -1;
  };
  events.message = [](const pm::json& message) { message.dump(); };
  auto channel = std::make_unique<pm::NodeChannel>(loop, ends[0], std::move(events));
  ssize_t ignored = ::write(ends[1], bytes.data(), bytes.size());
  (void)ignored;
  ::shutdown(ends[1], SHUT_WR);
  uv_run(loop, UV_RUN_DEFAULT);  // until the channel has read to the end and closed
  channel.reset();
  ::close(ends[1]);
  uv_run(loop, UV_RUN_DEFAULT);
}

void feed_listen_channel(uv_loop_t* loop, const std::string& bytes) {
  int ends[2];
  if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, ends) != 0) return;
  pm::ListenChannel::Events events;
  events.bind = [](const pm::ListenAddress&, std::string& error) {
    error = "address in use";
    return -1;
  };
  events.listening = [] {};
  auto channel = std::make_unique<pm::ListenChannel>(loop, ends[0], std::move(events));
  ssize_t ignored = ::send(ends[1], bytes.data(), bytes.size(), MSG_NOSIGNAL);
  (void)ignored;
  ::shutdown(ends[1], SHUT_WR);
  uv_run(loop, UV_RUN_DEFAULT);
  channel.reset();
  ::close(ends[1]);
  uv_run(loop, UV_RUN_DEFAULT);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0 || size > 65536) return 0;
  static uv_loop_t* loop = [] {
    auto* l = new uv_loop_t;
    uv_loop_init(l);
    return l;
  }();
  std::string bytes(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (data[0] & 1)
    feed_listen_channel(loop, bytes);
  else
    feed_node_channel(loop, bytes);
  return 0;
}
