#pragma once
// ControlServer: the daemon's end of the control socket ($PM_HOME/pm.sock).
// Binds it private to its owner and accepts clients.

#include <uv.h>

#include <memory>
#include <string>
#include <unordered_map>

#include "daemon/control/client_connection.h"

namespace pm {

/// Owned by the Daemon; owns every open ClientConnection.
class ControlServer {
 public:
  ControlServer(uv_loop_t* loop, RequestHandler handler);
  ~ControlServer();
  ControlServer(const ControlServer&) = delete;
  ControlServer& operator=(const ControlServer&) = delete;

  /// Binds and listens at `path` (mode 0600). Throws std::runtime_error.
  void listen(const std::string& path);
  /// Listens on `fd`, the socket at `path` a previous pmd listened on and
  /// kept across exec: connections made meanwhile wait in its queue.
  void adopt(int fd, const std::string& path);
  /// The listening socket's fd, or -1.
  int fd() const;
  /// Stops accepting and closes idle clients; those awaiting a reply keep it.
  void close();

  /// A client is waiting to be accepted.
  void on_connection();

 private:
  uv_loop_t* loop_;
  RequestHandler handler_;
  uv_pipe_t* server_ = nullptr;
  std::string path_;
  std::unordered_map<ClientConnection*, std::shared_ptr<ClientConnection>> clients_;
};

}  // namespace pm
