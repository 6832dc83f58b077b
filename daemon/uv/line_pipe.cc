#include "daemon/uv/line_pipe.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/bounded_json.h"
#include "daemon/uv/close_and_delete.h"

namespace pm {

namespace {

// Every read lands here: pmd is single-threaded and each read is copied into
// its pipe's line buffer at once, so one buffer serves every pipe.
char g_read_buffer[64 * 1024];

/// A write in flight: its bytes, and the handle carrying an fd, if any.
struct LineWrite {
  uv_write_t request;
  std::string data;
  uv_any_handle* carrier = nullptr;
};

/// A uv handle around a copy of the socket `fd`: uv_write2 passes the fd of
/// a handle. Null when it cannot be made.
uv_any_handle* carrier_for(uv_loop_t* loop, int fd) {
  int copy = ::fcntl(fd, F_DUPFD_CLOEXEC, 3);
  if (copy < 0) return nullptr;
  sockaddr_storage address{};
  socklen_t length = sizeof address;
  ::getsockname(copy, reinterpret_cast<sockaddr*>(&address), &length);
  auto* carrier = new uv_any_handle;
  int rc;
  if (address.ss_family == AF_UNIX) {
    uv_pipe_init(loop, &carrier->pipe, 0);
    rc = uv_pipe_open(&carrier->pipe, copy);
  } else {
    uv_tcp_init(loop, &carrier->tcp);
    rc = uv_tcp_open(&carrier->tcp, copy);
  }
  if (rc == 0) return carrier;
  ::close(copy);
  close_and_delete(carrier);
  return nullptr;
}

}  // namespace

LinePipe::LinePipe(uv_loop_t* loop, bool ipc, Events events)
    : loop_(loop), ipc_(ipc), events_(std::move(events)) {}

LinePipe::~LinePipe() {
  close();
}

void LinePipe::create_pipe() {
  close();
  pipe_ = new uv_pipe_t;
  uv_pipe_init(loop_, pipe_, ipc_ ? 1 : 0);
  pipe_->data = this;
}

bool LinePipe::open(int fd) {
  create_pipe();
  if (uv_pipe_open(pipe_, fd) != 0) {
    ::close(fd);
    close();
    return false;
  }
  start_reading();
  return true;
}

bool LinePipe::accept(uv_stream_t* server) {
  create_pipe();
  if (uv_accept(server, stream()) != 0) {
    close();
    return false;
  }
  start_reading();
  return true;
}

void LinePipe::start_reading() {
  uv_read_start(
      stream(),
      [](uv_handle_t*, size_t, uv_buf_t* buf) {
        buf->base = g_read_buffer;
        buf->len = sizeof g_read_buffer;
      },
      &LinePipe::on_read);
}

void LinePipe::on_read(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf) {
  auto* self = static_cast<LinePipe*>(stream->data);
  if (!self || nread == 0) return;
  if (nread < 0) {
    uv_read_stop(stream);
    if (self->events_.ended) self->events_.ended();
    return;
  }
  self->input_.append(buf->base, static_cast<std::size_t>(nread));
  std::string line;
  // An event may close or destroy this pipe; its handle, alive until libuv
  // has closed it, then has no data.
  while (stream->data && self->input_.next_line(line)) {
    if (line.size() > kMaxLine) {
      self->refuse_long_line();
      return;
    }
    self->deliver(line);
  }
  if (stream->data && self->input_.partial_size() > kMaxLine) self->refuse_long_line();
}

void LinePipe::deliver(const std::string& line) {
  std::string why;
  json value = parse_bounded(line, why);
  if (value.is_discarded()) {
    if (events_.malformed) events_.malformed(line, why);
  } else if (events_.value) {
    events_.value(value);
  }
}

void LinePipe::refuse_long_line() {
  // Whatever follows is the rest of that line: nothing more can be framed.
  uv_read_stop(stream());
  input_ = LineBuffer();
  if (events_.too_long) events_.too_long();
}

bool LinePipe::write(const json& value, int send_fd) {
  if (!pipe_) return false;
  auto* write = new LineWrite;
  write->request.data = write;
  write->data = encode_line(value);
  uv_stream_t* carried = nullptr;
  if (send_fd >= 0) {
    write->carrier = carrier_for(loop_, send_fd);
    if (!write->carrier) {
      delete write;
      return false;
    }
    carried = reinterpret_cast<uv_stream_t*>(write->carrier);
  }
  uv_buf_t buf = uv_buf_init(write->data.data(), static_cast<unsigned>(write->data.size()));
  if (uv_write2(&write->request, stream(), &buf, 1, carried, &LinePipe::on_written) != 0) {
    if (write->carrier) close_and_delete(write->carrier);
    delete write;
    return false;
  }
  ++writes_in_flight_;
  return true;
}

void LinePipe::on_written(uv_write_t* request, int status) {
  auto* self = static_cast<LinePipe*>(request->handle->data);
  auto* write = static_cast<LineWrite*>(request->data);
  if (write->carrier) close_and_delete(write->carrier);
  delete write;
  if (!self) return;
  --self->writes_in_flight_;
  if (self->events_.written) self->events_.written(status);
}

bool LinePipe::write_now(const json& value) {
  if (!pipe_) return false;
  std::string line = encode_line(value);
  uv_buf_t buf = uv_buf_init(line.data(), static_cast<unsigned>(line.size()));
  return uv_try_write(stream(), &buf, 1) == static_cast<int>(line.size());
}

std::size_t LinePipe::queued_bytes() const {
  return pipe_ ? uv_stream_get_write_queue_size(stream()) : 0;
}

void LinePipe::close() {
  if (!pipe_) return;
  close_and_delete(pipe_);
  pipe_ = nullptr;
}

int LinePipe::fd() const {
  int fd = -1;
  if (pipe_) uv_fileno(reinterpret_cast<const uv_handle_t*>(pipe_), &fd);
  return fd;
}

}  // namespace pm
