#pragma once
// ChildChannels: what one child process gets from pmd besides stdio, and
// pmd's ends of it: its own listening sockets of the addresses named with
// --listen (LISTEN_FDS, from fd 3), and a channel: Node's cluster IPC for Node programs; for any
// other, the preload library's listen channel and the message channel.

#include <uv.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/app_spec.h"
#include "common/listen_address.h"
#include "common/protocol.h"
#include "daemon/sockets/listen_channel.h"
#include "daemon/sockets/message_channel.h"
#include "daemon/sockets/node_channel.h"
#include "daemon/supervision/process_spawn.h"

namespace pm {

/// Owned by an Instance, one per child process: built before the fork,
/// dropped when the process exits.
class ChildChannels {
 public:
  struct Events {
    /// A ready signal arrived; `via` says which.
    std::function<void(const char* via)> ready;
    /// The fd of the instance's socket for an address, or -1 and why.
    std::function<int(const ListenAddress& address, std::string& error)> share_socket;
    /// The program's own listen() reset its socket's backlog.
    std::function<void()> restore_backlog;
    /// The bound port of an address the instance has a socket for.
    std::function<int(const ListenAddress& address)> bound_port;
    /// Node's channel closed (the worker finished after a disconnect).
    std::function<void()> node_closed;
  };

  /// Adds the fds and environment the child needs to `options`, and the
  /// child's ends (closed in pmd after the fork) to `child_ends`. Throws
  /// UserError when a --listen address cannot be had or a socket pair made.
  /// `node_preload` is required into Node programs (NODE_OPTIONS).
  ChildChannels(uv_loop_t* loop, const AppSpec& spec, int id, const std::string& preload_library,
                const std::string& node_preload, Events events, SpawnOptions& options,
                std::vector<int>& child_ends);

  /// Takes over the channels of a child started by the previous pmd
  /// (`pm update`), as described by export_state().
  ChildChannels(uv_loop_t* loop, const AppSpec& spec, Events events, const json& adopted);
  /// Copies of pmd's ends that survive exec, and what else the new pmd needs.
  json export_state() const;

  /// Delivers a message (`pm send`); false when there is no channel.
  bool send_message(const json& message);
  /// The cluster's graceful stop; false when the child is not a Node worker.
  bool disconnect();
  /// How the child got its socket, for `pm describe`; empty until it has.
  const std::string& socket_via() const { return socket_via_; }

 private:
  void pass_listeners(SpawnOptions& options);
  void open_node_channel(uv_loop_t* loop, int id, SpawnOptions& options,
                         std::vector<int>& child_ends);
  void open_listen_channel(uv_loop_t* loop, const std::string& preload_library,
                           SpawnOptions& options, std::vector<int>& child_ends);
  void open_message_channel(uv_loop_t* loop, SpawnOptions& options, std::vector<int>& child_ends);
  void watch_node(uv_loop_t* loop, int fd);
  void watch_listen_channel(uv_loop_t* loop, int fd);
  void watch_messages(uv_loop_t* loop, int fd);

  const AppSpec& spec_;
  Events events_;
  std::unique_ptr<NodeChannel> node_;
  std::unique_ptr<ListenChannel> listen_channel_;
  std::unique_ptr<MessageChannel> messages_;
  std::string socket_via_;
};

}  // namespace pm
