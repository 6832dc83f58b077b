#include "daemon/sockets/message_channel.h"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include "common/bounded_json.h"
#include "daemon/uv/pipe_handle.h"

namespace pm {

/// The uv handle; freed when libuv has closed it.
struct MessageChannel::Handle {
  uv_pipe_t pipe;
  MessageChannel* owner;
  char buffer[4096];
};

namespace {

struct PendingWrite {
  uv_write_t request;
  std::string data;
};

}  // namespace

MessageChannel::MessageChannel(uv_loop_t* loop, int fd, std::function<void(const json&)> on_message)
    : on_message_(std::move(on_message)), handle_(new Handle) {
  handle_->owner = this;
  if (!open_pipe(loop, handle_, fd, false)) {
    close();
    return;
  }
  read_into_buffer(handle_, &MessageChannel::on_read);
}

MessageChannel::~MessageChannel() {
  close();
}

void MessageChannel::close() {
  if (!handle_) return;
  handle_->owner = nullptr;
  uv_close(reinterpret_cast<uv_handle_t*>(&handle_->pipe),
           [](uv_handle_t* h) { delete static_cast<Handle*>(h->data); });
  handle_ = nullptr;
}

void MessageChannel::on_read(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf) {
  auto* handle = static_cast<Handle*>(stream->data);
  MessageChannel* self = handle->owner;
  if (!self) return;
  if (nread < 0) {
    self->close();  // the app closed its end, or exited
    return;
  }
  self->input_.append(buf->base, static_cast<std::size_t>(nread));
  std::string line;
  while (self->handle_ && self->input_.next_line(line)) {
    std::string problem;
    json message = parse_bounded(line, problem);
    if (message.is_discarded()) message = line;  // a bare word such as ready
    if (self->on_message_) self->on_message_(message);
  }
  if (self->handle_ && self->input_.partial_size() > kMaxRequestBytes) {
    spdlog::warn("message channel: a line over {} bytes; closing the channel", kMaxRequestBytes);
    self->close();
  }
}

void MessageChannel::send(const json& message) {
  if (!handle_) return;
  // An app that never reads its channel must not make pmd hold messages forever.
  constexpr std::size_t kMaxQueued = 1 << 20;
  if (uv_stream_get_write_queue_size(reinterpret_cast<uv_stream_t*>(&handle_->pipe)) > kMaxQueued) {
    spdlog::warn("message channel: the app does not read its messages; dropping one");
    return;
  }
  auto* write = new PendingWrite;
  write->data = encode_line(message);
  uv_buf_t buf = uv_buf_init(write->data.data(), static_cast<unsigned>(write->data.size()));
  int rc = uv_write(&write->request, reinterpret_cast<uv_stream_t*>(&handle_->pipe), &buf, 1,
                    [](uv_write_t* req, int) { delete reinterpret_cast<PendingWrite*>(req); });
  if (rc != 0) delete write;
}

int MessageChannel::fd() const {
  int fd = -1;
  if (handle_) uv_fileno(reinterpret_cast<const uv_handle_t*>(&handle_->pipe), &fd);
  return fd;
}

}  // namespace pm
