#include "daemon/metrics/metrics_request.h"

#include "daemon/metrics/metrics_endpoint.h"
#include "daemon/uv/close_and_delete.h"

namespace pm {

namespace {

/// Requests are a line and a few headers; anything longer is not a scrape.
constexpr std::size_t kMaxHead = 16 * 1024;
constexpr std::uint64_t kTimeoutMs = 10'000;

std::string http_response(const std::string& status, const std::string& type,
                          const std::string& body, bool with_body) {
  return "HTTP/1.1 " + status + "\r\nContent-Type: " + type +
         "\r\nContent-Length: " + std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" +
         (with_body ? body : "");
}

}  // namespace

MetricsRequest::MetricsRequest(uv_loop_t* loop, MetricsEndpoint& endpoint)
    : endpoint_(endpoint), client_(new uv_tcp_t), timeout_(loop) {
  uv_tcp_init(loop, client_);
  client_->data = this;
}

MetricsRequest::~MetricsRequest() {
  close_and_delete(client_);
}

void MetricsRequest::start() {
  timeout_.start(kTimeoutMs, [this] { finish(); });
  uv_read_start(
      stream(),
      [](uv_handle_t* handle, std::size_t, uv_buf_t* buffer) {
        auto* self = static_cast<MetricsRequest*>(handle->data);
        *buffer = self ? self->buffer() : uv_buf_init(nullptr, 0);
      },
      [](uv_stream_t* stream, ssize_t length, const uv_buf_t*) {
        if (auto* self = static_cast<MetricsRequest*>(stream->data)) self->on_read(length);
      });
}

void MetricsRequest::on_read(ssize_t length) {
  if (responding_) return;
  if (length < 0) return finish();
  head_.append(buffer_, static_cast<std::size_t>(length));
  if (head_.find("\r\n\r\n") != std::string::npos || head_.find("\n\n") != std::string::npos)
    return respond(answer());
  if (head_.size() > kMaxHead)
    return respond(http_response("431 Request Header Fields Too Large", "text/plain",
                                 "request head too large\n", true));
}

std::string MetricsRequest::answer() const {
  std::string line = head_.substr(0, head_.find_first_of("\r\n"));
  std::size_t first = line.find(' ');
  std::size_t second = line.find(' ', first == std::string::npos ? first : first + 1);
  if (first == std::string::npos || second == std::string::npos)
    return http_response("400 Bad Request", "text/plain", "not an HTTP request\n", true);
  std::string method = line.substr(0, first);
  std::string target = line.substr(first + 1, second - first - 1);
  std::string path = target.substr(0, target.find('?'));
  bool head_only = method == "HEAD";
  if (method != "GET" && !head_only)
    return http_response("405 Method Not Allowed", "text/plain", "only GET is served\n", true);
  if (path == "/metrics")
    return http_response("200 OK", "text/plain; version=0.0.4; charset=utf-8",
                         endpoint_.exposition(), !head_only);
  if (path == "/live") return http_response("200 OK", "text/plain", "live\n", !head_only);
  if (path == "/ready")
    return endpoint_.ready()
               ? http_response("200 OK", "text/plain", "ready\n", !head_only)
               : http_response("503 Service Unavailable", "text/plain", "not ready\n", !head_only);
  return http_response("404 Not Found", "text/plain",
                       "pmd serves /metrics (Prometheus), /ready and /live\n", !head_only);
}

void MetricsRequest::respond(const std::string& response) {
  responding_ = true;
  uv_read_stop(stream());
  response_ = response;
  auto* write = new uv_write_t;
  write->data = this;
  uv_buf_t buffer = uv_buf_init(response_.data(), static_cast<unsigned>(response_.size()));
  int error = uv_write(write, stream(), &buffer, 1, [](uv_write_t* done, int) {
    auto* self = static_cast<MetricsRequest*>(done->data);
    delete done;
    if (self) self->on_written();
  });
  if (error != 0) {
    delete write;
    finish();
  } else {
    write_ = write;
  }
}

void MetricsRequest::on_written() {
  write_ = nullptr;
  finish();
}

void MetricsRequest::finish() {
  if (finished_) return;
  finished_ = true;
  if (write_) write_->data = nullptr;
  endpoint_.finished(this);  // destroys this
}

}  // namespace pm
