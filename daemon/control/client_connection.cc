#include "daemon/control/client_connection.h"

#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <unistd.h>

#include <utility>

namespace pm {

ClientConnection::ClientConnection(uv_loop_t* loop, RequestHandler handler,
                                   std::function<void(ClientConnection*)> on_gone)
    : handler_(std::move(handler)),
      idle_timer_(loop),
      on_gone_(std::move(on_gone)),
      pipe_(loop, false, pipe_events()) {}

ClientConnection::~ClientConnection() {
  close();
}

LinePipe::Events ClientConnection::pipe_events() {
  // Handlers may drop the last other reference to this connection.
  auto kept = [this](auto method) {
    return [this, method](auto&&... args) {
      auto keep = shared_from_this();
      (this->*method)(std::forward<decltype(args)>(args)...);
    };
  };
  LinePipe::Events events;
  events.value = kept(&ClientConnection::handle_request);
  events.malformed = kept(&ClientConnection::refuse_malformed);
  events.too_long = kept(&ClientConnection::refuse_too_long);
  events.ended = kept(&ClientConnection::handle_end);
  events.written = kept(&ClientConnection::handle_written);
  return events;
}

bool ClientConnection::accept_from(uv_stream_t* server) {
  if (!pipe_.accept(server)) {
    close();
    return false;
  }
  ucred peer{};
  socklen_t length = sizeof peer;
  if (::getsockopt(pipe_.fd(), SOL_SOCKET, SO_PEERCRED, &peer, &length) != 0 ||
      peer.uid != ::geteuid()) {
    spdlog::warn("refused a control connection from uid {} (pid {})", peer.uid, peer.pid);
    close();
    return false;
  }
  arm_idle_timer();
  return true;
}

void ClientConnection::arm_idle_timer() {
  if (streaming_ || pending_requests_ > 0 || closed_) {
    idle_timer_.stop();
    return;
  }
  idle_timer_.start(kIdleTimeoutMs, [this] {
    if (pipe_.partial_size() > 0) reply(error_reply("incomplete request: no newline received"));
    close_after_writes();
  });
}

void ClientConnection::handle_end() {
  if (pipe_.partial_size() > 0) {
    reply(error_reply("truncated request: the connection ended before a newline"));
    close_after_writes();
  } else if (streaming_ || pending_requests_ == 0) {
    close();
  } else {
    // The client half-closed after its request; answer it, then close.
    close_when_flushed_ = true;
  }
}

void ClientConnection::refuse_too_long() {
  reply(error_reply("request too large: the limit is " + std::to_string(kMaxRequestBytes) +
                    " bytes"));
  close_after_writes();
}

void ClientConnection::refuse_malformed(const std::string& line, const std::string& why) {
  if (line.empty()) return;
  ++pending_requests_;
  reply(error_reply("malformed request: " + why));
}

void ClientConnection::handle_request(const json& request) {
  ++pending_requests_;
  arm_idle_timer();
  if (auto problem = check_request(request)) {
    reply(error_reply(*problem));
    return;
  }
  handler_(request, shared_from_this());
}

void ClientConnection::reply(const json& value) {
  if (pending_requests_ > 0) --pending_requests_;
  write(value);
  if (close_when_flushed_ && pending_requests_ == 0) close_after_writes();
  arm_idle_timer();
}

void ClientConnection::start_streaming(std::function<void()> on_close) {
  streaming_ = true;
  if (pending_requests_ > 0) --pending_requests_;
  on_close_ = std::move(on_close);
  idle_timer_.stop();
}

void ClientConnection::write(const json& value) {
  if (closed_) return;
  if (!pipe_.write(value)) {
    close();
  } else if (pipe_.queued_bytes() > kMaxQueuedBytes) {
    spdlog::warn("dropped a client that does not read what it asked for ({} MiB queued)",
                 pipe_.queued_bytes() >> 20);
    close();
  }
}

void ClientConnection::handle_written(int status) {
  if (status < 0 || (close_when_flushed_ && pipe_.writes_in_flight() == 0)) close();
}

std::size_t ClientConnection::queued_bytes() const {
  return pipe_.queued_bytes();
}

void ClientConnection::close_after_writes() {
  close_when_flushed_ = true;
  if (pipe_.writes_in_flight() == 0) close();
}

void ClientConnection::close() {
  if (closed_) return;
  // Null while being destroyed; otherwise keeps us alive through on_gone_.
  auto keep = weak_from_this().lock();
  closed_ = true;
  idle_timer_.stop();
  pipe_.close();
  if (on_close_) {
    auto on_close = std::move(on_close_);
    on_close_ = nullptr;
    on_close();
  }
  if (keep && on_gone_) on_gone_(this);
}

bool ClientConnection::reply_now(const json& value) {
  if (closed_) return false;
  bool whole = pipe_.write_now(value);
  if (pending_requests_ > 0) --pending_requests_;
  return whole;
}

}  // namespace pm
