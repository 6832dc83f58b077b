#include "daemon/metrics/metrics_endpoint.h"

#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>

#include "common/user_error.h"
#include "daemon/metrics/metrics_request.h"
#include "daemon/sockets/listen_socket.h"
#include "daemon/uv/close_and_delete.h"

namespace pm {

namespace {

/// More scrapers than this at once are not Prometheus: turn them away.
constexpr std::size_t kMaxRequests = 64;

}  // namespace

MetricsEndpoint::MetricsEndpoint(uv_loop_t* loop, std::function<std::string()> exposition,
                                 std::function<bool()> ready)
    : loop_(loop), exposition_(std::move(exposition)), ready_(std::move(ready)) {}

MetricsEndpoint::~MetricsEndpoint() {
  requests_.clear();
  if (server_) close_and_delete(server_);
}

ListenAddress MetricsEndpoint::parse_address(const std::string& text) {
  bool port_only = !text.empty() && std::all_of(text.begin(), text.end(),
                                                [](unsigned char c) { return std::isdigit(c); });
  ListenAddress address = ListenAddress::parse(port_only ? "127.0.0.1:" + text : text);
  if (address.kind != ListenAddress::Kind::Tcp)
    throw UserError("metrics: \"" + text + "\" is not a TCP address; give a port or host:port");
  return address;
}

void MetricsEndpoint::listen(const ListenAddress& address) {
  int fd = open_tcp_listener(address, address.port, true);
  server_ = new uv_tcp_t;
  uv_tcp_init(loop_, server_);
  server_->data = this;
  if (int error = uv_tcp_open(server_, fd); error != 0) {
    ::close(fd);
    throw UserError(std::string("metrics: ") + uv_strerror(error));
  }
  port_ = bound_port(fd);
  int error = uv_listen(reinterpret_cast<uv_stream_t*>(server_), 128, [](uv_stream_t* server, int) {
    if (auto* self = static_cast<MetricsEndpoint*>(server->data)) self->on_connection();
  });
  if (error != 0) throw UserError(std::string("metrics: ") + uv_strerror(error));
}

void MetricsEndpoint::on_connection() {
  auto request = std::make_unique<MetricsRequest>(loop_, *this);
  if (uv_accept(reinterpret_cast<uv_stream_t*>(server_), request->stream()) != 0) return;
  if (requests_.size() >= kMaxRequests) return;  // closed as it goes
  MetricsRequest* raw = request.get();
  requests_[raw] = std::move(request);
  raw->start();
}

void MetricsEndpoint::finished(MetricsRequest* request) {
  requests_.erase(request);
}

}  // namespace pm
