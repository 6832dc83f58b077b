#pragma once
// ClientConnection: one `pm` client connected to the control socket. Frames
// its requests (newline-delimited, size-limited), hands each to the command
// handler, and writes replies back without ever blocking the daemon.

#include <uv.h>

#include <functional>
#include <memory>
#include <string>

#include "common/protocol.h"
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
  void stream(const json& value) { write(encode_line(value)); }
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
  struct Handle;
  static void on_read(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf);
  void consume(const char* data, std::size_t size);
  void handle_line(const std::string& line);
  void write(std::string data);
  void arm_idle_timer();

  uv_loop_t* loop_;
  RequestHandler handler_;
  Handle* handle_ = nullptr;
  LineBuffer input_;
  Timer idle_timer_;
  int pending_requests_ = 0;
  bool streaming_ = false;
  bool closed_ = false;
  bool close_when_flushed_ = false;
  std::size_t writes_in_flight_ = 0;
  std::function<void()> on_close_;
  std::function<void(ClientConnection*)> on_gone_;
};

}  // namespace pm
