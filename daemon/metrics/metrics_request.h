#pragma once
// MetricsRequest: one HTTP connection to the MetricsEndpoint. Reads the
// request head (bounded), writes one answer, closes. A client that sends
// nothing is dropped after a timeout, so idle connections cannot pile up.

#include <uv.h>

#include <string>

#include "daemon/uv/timer.h"

namespace pm {

class MetricsEndpoint;

/// Owned by the MetricsEndpoint until it finishes.
class MetricsRequest {
 public:
  MetricsRequest(uv_loop_t* loop, MetricsEndpoint& endpoint);
  ~MetricsRequest();
  MetricsRequest(const MetricsRequest&) = delete;
  MetricsRequest& operator=(const MetricsRequest&) = delete;

  /// The handle to accept the connection into.
  uv_stream_t* stream() { return reinterpret_cast<uv_stream_t*>(client_); }
  void start();

  uv_buf_t buffer() { return uv_buf_init(buffer_, sizeof buffer_); }
  void on_read(ssize_t length);
  void on_written();

 private:
  /// The answer to the request head in `head_`.
  std::string answer() const;
  void respond(const std::string& response);
  void finish();

  MetricsEndpoint& endpoint_;
  uv_tcp_t* client_;
  Timer timeout_;
  char buffer_[4096];
  std::string head_;
  std::string response_;
  uv_write_t* write_ = nullptr;  // in flight; told of our end if we go first
  bool responding_ = false;
  bool finished_ = false;
};

}  // namespace pm
