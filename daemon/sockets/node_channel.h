#pragma once
// NodeChannel: pmd's end of a Node.js instance's IPC channel. pmd plays the
// cluster primary: it answers `queryServer` with its shared socket (a
// NODE_HANDLE carrying the fd), takes `listening` as the ready signal, and
// asks for a graceful stop with the cluster `disconnect`. Plain messages
// (`process.send`) pass through both ways. Node's json serialization: one
// JSON value per line.

#include <uv.h>

#include <functional>
#include <string>

#include "common/protocol.h"
#include "daemon/uv/line_pipe.h"

namespace pm {

/// Owned by an Instance, one per Node child process.
class NodeChannel {
 public:
  struct Events {
    /// A server in the child wants `query` (address, port, addressType).
    /// Returns the fd to hand over, or -1 with `error` set.
    std::function<int(const json& query, std::string& error)> query_server;
    std::function<void()> listening;
    std::function<void(const json& message)> message;
    std::function<void()> closed;
  };

  /// Takes ownership of `fd`, pmd's end of a socketpair.
  NodeChannel(uv_loop_t* loop, int fd, Events events);
  ~NodeChannel();
  NodeChannel(const NodeChannel&) = delete;
  NodeChannel& operator=(const NodeChannel&) = delete;

  /// A message for `process.on('message')`.
  void send(const json& message);
  /// The cluster's graceful stop: the child closes its servers, then its channel.
  void disconnect();
  bool open() const { return pipe_.is_open(); }
  /// pmd's end of the channel, or -1 once closed.
  int fd() const { return pipe_.fd(); }

 private:
  LinePipe::Events pipe_events();
  void handle_message(const json& message);
  void handle_cluster_message(const json& message);
  void answer_query(const json& query);
  void close();
  json cluster_message(json fields);

  Events events_;
  long seq_ = 0;
  LinePipe pipe_;
};

}  // namespace pm
