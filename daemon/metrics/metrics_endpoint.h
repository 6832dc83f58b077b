#pragma once
// MetricsEndpoint: pmd's HTTP listener for Prometheus and for orchestrator
// probes (`PM_METRICS`, or `pm run --metrics ADDR`). It answers
// `GET /metrics` with metrics_text(), `/ready` (200 once every app that is
// meant to run is ready, else 503) and `/live` (200: pmd's loop answers),
// and closes each connection after one answer. Off unless asked for; a bare
// port listens on loopback only.

#include <uv.h>

#include <functional>
#include <memory>
#include <string>
#include <unordered_map>

#include "common/listen_address.h"

namespace pm {

class MetricsRequest;

/// Owned by the Daemon; owns the requests being answered.
class MetricsEndpoint {
 public:
  /// `exposition` makes the body of /metrics; `ready` answers /ready.
  MetricsEndpoint(uv_loop_t* loop, std::function<std::string()> exposition,
                  std::function<bool()> ready);
  ~MetricsEndpoint();
  MetricsEndpoint(const MetricsEndpoint&) = delete;
  MetricsEndpoint& operator=(const MetricsEndpoint&) = delete;

  /// "9209" (loopback), "0.0.0.0:9209", "[::]:9209". Throws UserError.
  static ListenAddress parse_address(const std::string& text);
  /// Binds and listens. Throws UserError (in use, bad address).
  void listen(const ListenAddress& address);
  /// The port bound (for port 0).
  int port() const { return port_; }

  void on_connection();
  void finished(MetricsRequest* request);
  std::string exposition() const { return exposition_(); }
  bool ready() const { return ready_(); }

 private:
  uv_loop_t* loop_;
  std::function<std::string()> exposition_;
  std::function<bool()> ready_;
  uv_tcp_t* server_ = nullptr;
  int port_ = 0;
  std::unordered_map<MetricsRequest*, std::unique_ptr<MetricsRequest>> requests_;
};

}  // namespace pm
