#pragma once
// LinePipe: JSON values, one per line, over a uv pipe (a Unix socket or a
// pipe), both ways; on an IPC pipe a line can carry an fd (SCM_RIGHTS). The
// transport under the control connection, Node's cluster channel and the
// message channel; each of those keeps only what its lines mean.

#include <uv.h>

#include <cstddef>
#include <functional>
#include <string>

#include "common/protocol.h"

namespace pm {

/// Owned by one connection or channel object. The uv handle lives on the
/// heap because libuv closes it asynchronously, after the owner may be gone;
/// no event arrives once the pipe is closed or destroyed.
class LinePipe {
 public:
  /// The longest line read; a longer one ends reading (too_long).
  static constexpr std::size_t kMaxLine = kMaxRequestBytes;

  /// Any event may close or destroy the pipe; no further event follows then.
  struct Events {
    std::function<void(const json& value)> value;
    /// A line that is not JSON (an empty line too) or nests deeper than
    /// kMaxJsonDepth, as it came, and which of the two.
    std::function<void(const std::string& line, const std::string& why)> malformed;
    /// A line grew past kMaxLine. Reading has stopped and the input is dropped.
    std::function<void()> too_long;
    /// The other end closed, or reading failed. Reading has stopped; writing
    /// may still work (a client that half-closed after its request).
    std::function<void()> ended;
    /// A queued write finished; `status` is negative when it failed.
    std::function<void(int status)> written;
  };

  /// `ipc`: the pipe can pass fds (both ends must say so, as Node's channel).
  LinePipe(uv_loop_t* loop, bool ipc, Events events);
  ~LinePipe();
  LinePipe(const LinePipe&) = delete;
  LinePipe& operator=(const LinePipe&) = delete;

  /// Starts reading the already-open `fd`, taking ownership; false (with
  /// `fd` closed) when libuv refuses it.
  bool open(int fd);
  /// Accepts a connection from a listening uv pipe and starts reading it.
  bool accept(uv_stream_t* server);

  /// Queues `value` as one line without blocking, passing a copy of the
  /// socket `send_fd` alongside when not -1 (IPC pipes only). False when it
  /// could not be queued (closed pipe, unusable fd).
  bool write(const json& value, int send_fd = -1);
  /// Writes `value` before returning, never queuing; false when the socket
  /// would not take the whole line at once.
  bool write_now(const json& value);
  /// Bytes queued but not yet taken by the other end.
  std::size_t queued_bytes() const;
  /// Writes queued whose `written` event has not come yet.
  std::size_t writes_in_flight() const { return writes_in_flight_; }
  /// Bytes read that do not yet form a complete line.
  std::size_t partial_size() const { return input_.partial_size(); }

  void close();
  bool is_open() const { return pipe_ != nullptr; }
  /// The pipe's fd, or -1 once closed.
  int fd() const;

 private:
  static void on_read(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf);
  static void on_written(uv_write_t* request, int status);
  void create_pipe();
  void start_reading();
  void deliver(const std::string& line);
  void refuse_long_line();
  uv_stream_t* stream() const { return reinterpret_cast<uv_stream_t*>(pipe_); }

  uv_loop_t* loop_;
  bool ipc_;
  Events events_;
  uv_pipe_t* pipe_ = nullptr;  // its data points here while open
  LineBuffer input_;
  std::size_t writes_in_flight_ = 0;
};

}  // namespace pm
