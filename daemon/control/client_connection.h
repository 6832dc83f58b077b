#pragma once
// ClientConnection: one `pm` client connected to the control socket. Hands
// each request that arrives on its LinePipe to the command handler, answers
// malformed, oversized and truncated ones itself, and hangs up on a client
// that stays idle.

#include <uv.h>

#include <functional>
#include <memory>
#include <string>

#include "common/protocol.h"
#include "daemon/uv/line_pipe.h"
#include "daemon/uv/timer.h"

namespace pm {

class ClientConnection;
using RequestHandler = std::function<void(const json& request, std::shared_ptr<ClientConnection>)>;

/// Shared by the ControlServer and every pending reply; a reply to a client
/// that has gone is dropped.
class ClientConnection : public std::enable_shared_from_this<ClientConnection> {
 public:
  /// How long a client may stay connected without completing a request.
  static constexpr std::uint64_t kIdleTimeoutMs = 10000;
  /// The most written to a client and not yet taken by it. A client that
  /// stops reading is dropped there, so it cannot make pmd grow without end.
  static constexpr std::size_t kMaxQueuedBytes = 64 << 20;

  /// `on_gone` runs once, when the connection closes.
  ClientConnection(uv_loop_t* loop, RequestHandler handler,
                   std::function<void(ClientConnection*)> on_gone);
  ~ClientConnection();
  ClientConnection(const ClientConnection&) = delete;
  ClientConnection& operator=(const ClientConnection&) = delete;

  /// Takes an accepted socket; refuses peers of another uid. Returns false
  /// when the connection was refused (and closed).
  bool accept_from(uv_stream_t* server);

  /// The final reply to one request.
  void reply(const json& value);
  /// The final reply, written before this returns (the daemon is about to
  /// exec); false when the socket would not take it all at once.
  bool reply_now(const json& value);
  /// One line of a streaming reply; the request stays open.
  void stream(const json& value) { write(value); }
  /// Marks the connection as streaming (no idle timeout), and what to do
  /// when the client goes away.
  void start_streaming(std::function<void()> on_close);
  /// Bytes written but not yet taken by the client.
  std::size_t queued_bytes() const;
  /// Closes once everything queued has been written.
  void close_after_writes();
  void close();
  bool closed() const { return closed_; }

 private:
  LinePipe::Events pipe_events();
  void handle_request(const json& request);
  void refuse_malformed(const std::string& line, const std::string& why);
  void refuse_too_long();
  void handle_end();
  void handle_written(int status);
  void write(const json& value);
  void arm_idle_timer();

  RequestHandler handler_;
  Timer idle_timer_;
  int pending_requests_ = 0;
  bool streaming_ = false;
  bool closed_ = false;
  bool close_when_flushed_ = false;
  std::function<void()> on_close_;
  std::function<void(ClientConnection*)> on_gone_;
  LinePipe pipe_;
};

}  // namespace pm
