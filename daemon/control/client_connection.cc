#include "daemon/control/client_connection.h"

#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/bounded_json.h"
#include "daemon/uv/pipe_handle.h"

namespace pm {

/// The uv handle, freed when libuv has closed it; may outlive the connection.
struct ClientConnection::Handle {
  uv_pipe_t pipe;
  ClientConnection* owner;
  char buffer[16 * 1024];
};

namespace {

/// One write in flight: keeps its bytes alive until libuv is done with them.
struct WriteRequest {
  uv_write_t request;
  std::string data;
  std::weak_ptr<ClientConnection> owner;
};

}  // namespace

ClientConnection::ClientConnection(uv_loop_t* loop, RequestHandler handler,
                                   std::function<void(ClientConnection*)> on_gone)
    : loop_(loop), handler_(std::move(handler)), idle_timer_(loop), on_gone_(std::move(on_gone)) {}

ClientConnection::~ClientConnection() {
  close();
}

bool ClientConnection::accept_from(uv_stream_t* server) {
  handle_ = new Handle;
  handle_->owner = this;
  uv_pipe_init(loop_, &handle_->pipe, 0);
  handle_->pipe.data = handle_;
  if (uv_accept(server, reinterpret_cast<uv_stream_t*>(&handle_->pipe)) != 0) {
    close();
    return false;
  }
  int fd = -1;
  uv_fileno(reinterpret_cast<uv_handle_t*>(&handle_->pipe), &fd);
  ucred peer{};
  socklen_t length = sizeof peer;
  if (::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &peer, &length) != 0 || peer.uid != ::geteuid()) {
    spdlog::warn("refused a control connection from uid {} (pid {})", peer.uid, peer.pid);
    close();
    return false;
  }
  read_into_buffer(handle_, &ClientConnection::on_read);
  arm_idle_timer();
  return true;
}

void ClientConnection::arm_idle_timer() {
  if (streaming_ || pending_requests_ > 0 || closed_) {
    idle_timer_.stop();
    return;
  }
  idle_timer_.start(kIdleTimeoutMs, [this] {
    if (input_.partial_size() > 0) reply(error_reply("incomplete request: no newline received"));
    close_after_writes();
  });
}

void ClientConnection::on_read(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf) {
  auto* handle = static_cast<Handle*>(stream->data);
  ClientConnection* self = handle->owner;
  if (!self) return;
  // Handlers may drop the last other reference to this connection.
  auto keep = self->shared_from_this();
  if (nread > 0) {
    self->consume(buf->base, static_cast<std::size_t>(nread));
  } else if (nread < 0) {
    if (self->input_.partial_size() > 0 && !self->closed_) {
      self->reply(error_reply("truncated request: the connection ended before a newline"));
      self->close_after_writes();
    } else if (self->streaming_ || self->pending_requests_ == 0) {
      self->close();
    } else {
      // The client half-closed after its request; answer it, then close.
      self->close_when_flushed_ = true;
      uv_read_stop(stream);
    }
  }
}

void ClientConnection::consume(const char* data, std::size_t size) {
  input_.append(data, size);
  std::string line;
  while (!closed_ && input_.next_line(line)) handle_line(line);
  if (!closed_ && input_.partial_size() > kMaxRequestBytes) {
    reply(error_reply("request too large: the limit is " + std::to_string(kMaxRequestBytes) +
                      " bytes"));
    close_after_writes();
  }
}

void ClientConnection::handle_line(const std::string& line) {
  if (line.size() > kMaxRequestBytes) {
    reply(error_reply("request too large: the limit is " + std::to_string(kMaxRequestBytes) +
                      " bytes"));
    close_after_writes();
    return;
  }
  if (line.empty()) return;
  std::string problem;
  json request = parse_bounded(line, problem);
  ++pending_requests_;
  arm_idle_timer();
  if (request.is_discarded()) {
    reply(error_reply("malformed request: " + problem));
    return;
  }
  if (auto problem = check_request(request)) {
    reply(error_reply(*problem));
    return;
  }
  handler_(request, shared_from_this());
}

void ClientConnection::reply(const json& value) {
  if (pending_requests_ > 0) --pending_requests_;
  write(encode_line(value));
  if (close_when_flushed_ && pending_requests_ == 0) close_after_writes();
  arm_idle_timer();
}

void ClientConnection::start_streaming(std::function<void()> on_close) {
  streaming_ = true;
  if (pending_requests_ > 0) --pending_requests_;
  on_close_ = std::move(on_close);
  idle_timer_.stop();
}

void ClientConnection::write(std::string data) {
  if (closed_ || !handle_) return;
  auto* request = new WriteRequest;
  request->data = std::move(data);
  request->owner = weak_from_this();
  uv_buf_t buf = uv_buf_init(request->data.data(), static_cast<unsigned>(request->data.size()));
  ++writes_in_flight_;
  int rc = uv_write(&request->request, reinterpret_cast<uv_stream_t*>(&handle_->pipe), &buf, 1,
                    [](uv_write_t* req, int status) {
                      auto* write = reinterpret_cast<WriteRequest*>(req);
                      if (auto owner = write->owner.lock()) {
                        --owner->writes_in_flight_;
                        if (status < 0)
                          owner->close();
                        else if (owner->close_when_flushed_ && owner->writes_in_flight_ == 0)
                          owner->close();
                      }
                      delete write;
                    });
  if (rc != 0) {
    --writes_in_flight_;
    delete request;
    close();
  }
}

std::size_t ClientConnection::queued_bytes() const {
  if (closed_ || !handle_) return 0;
  return uv_stream_get_write_queue_size(reinterpret_cast<const uv_stream_t*>(&handle_->pipe));
}

void ClientConnection::close_after_writes() {
  close_when_flushed_ = true;
  if (writes_in_flight_ == 0) close();
}

void ClientConnection::close() {
  if (closed_) return;
  // Null while being destroyed; otherwise keeps us alive through on_gone_.
  auto keep = weak_from_this().lock();
  closed_ = true;
  idle_timer_.stop();
  if (handle_) {
    handle_->owner = nullptr;
    uv_close(reinterpret_cast<uv_handle_t*>(&handle_->pipe),
             [](uv_handle_t* h) { delete static_cast<Handle*>(h->data); });
    handle_ = nullptr;
  }
  if (on_close_) {
    auto on_close = std::move(on_close_);
    on_close_ = nullptr;
    on_close();
  }
  if (keep && on_gone_) on_gone_(this);
}

bool ClientConnection::reply_now(const json& value) {
  if (closed_ || !handle_) return false;
  std::string line = encode_line(value);
  uv_buf_t buf = uv_buf_init(line.data(), static_cast<unsigned>(line.size()));
  int written = uv_try_write(reinterpret_cast<uv_stream_t*>(&handle_->pipe), &buf, 1);
  if (pending_requests_ > 0) --pending_requests_;
  return written == static_cast<int>(line.size());
}

}  // namespace pm
