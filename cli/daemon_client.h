#pragma once
// DaemonClient: the CLI's connection to pmd over the control socket. Starts
// pmd when it is not running, so every command "just works".

#include <functional>
#include <string>

#include "common/paths.h"
#include "common/protocol.h"
#include "common/user_error.h"

namespace pm {

/// The connection ended before pmd's reply: pmd stopped, or was replaced by
/// `pm update` (then the socket answers again at once).
class ConnectionLost : public UserError {
 public:
  using UserError::UserError;
};

/// pmd's binary: the one beside this pm, else pmd on PATH.
std::string daemon_binary();

/// One per command run; holds one connection.
class DaemonClient {
 public:
  explicit DaemonClient(Paths paths) : paths_(std::move(paths)) {}
  ~DaemonClient();
  DaemonClient(const DaemonClient&) = delete;
  DaemonClient& operator=(const DaemonClient&) = delete;

  /// Connects, starting pmd first if it is not running. Throws UserError.
  void connect();
  /// Connects only if pmd runs; returns false otherwise.
  bool connect_if_running();
  /// After ConnectionLost: connects again only if a pmd answers.
  bool reconnect_if_running();

  /// Sends a request and returns its reply. An error reply throws UserError.
  json call(const json& request);
  /// Sends a request whose reply is a stream: `on_message` sees each message
  /// until the final reply (returned). Throws ConnectionLost if the
  /// connection ends first.
  json stream(const json& request, const std::function<void(const json&)>& on_message);

  const Paths& paths() const { return paths_; }

 private:
  bool try_connect();
  void start_daemon();
  void send(const json& request);
  /// Reads the next message; false at end of stream.
  bool receive(json& message);

  Paths paths_;
  int fd_ = -1;
  bool home_checked_ = false;
  LineBuffer input_;
};

}  // namespace pm
