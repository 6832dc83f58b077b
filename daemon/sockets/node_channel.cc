#include "daemon/sockets/node_channel.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/bounded_json.h"
#include "daemon/uv/pipe_handle.h"

namespace pm {

/// The uv handle; freed when libuv has closed it.
struct NodeChannel::Handle {
  uv_pipe_t pipe;
  NodeChannel* owner;
  char buffer[8192];
};

namespace {

/// A write in flight, with the temporary handle that carries an fd, if any.
struct ChannelWrite {
  uv_write_t request;
  std::string data;
  uv_stream_t* carried = nullptr;
};

void close_and_free(uv_handle_t* handle) {
  uv_close(handle, [](uv_handle_t* h) {
    if (h->type == UV_TCP)
      delete reinterpret_cast<uv_tcp_t*>(h);
    else
      delete reinterpret_cast<uv_pipe_t*>(h);
  });
}

void on_written(uv_write_t* req, int) {
  auto* write = reinterpret_cast<ChannelWrite*>(req);
  if (write->carried) close_and_free(reinterpret_cast<uv_handle_t*>(write->carried));
  delete write;
}

/// Wraps a copy of a listening socket in a uv handle so uv_write2 can pass it.
uv_stream_t* carrier_for(uv_loop_t* loop, int fd) {
  int copy = ::fcntl(fd, F_DUPFD_CLOEXEC, 3);
  if (copy < 0) return nullptr;
  sockaddr_storage address{};
  socklen_t length = sizeof address;
  ::getsockname(copy, reinterpret_cast<sockaddr*>(&address), &length);
  if (address.ss_family == AF_UNIX) {
    auto* pipe = new uv_pipe_t;
    uv_pipe_init(loop, pipe, 0);
    if (uv_pipe_open(pipe, copy) != 0) {
      ::close(copy);
      close_and_free(reinterpret_cast<uv_handle_t*>(pipe));
      return nullptr;
    }
    return reinterpret_cast<uv_stream_t*>(pipe);
  }
  auto* tcp = new uv_tcp_t;
  uv_tcp_init(loop, tcp);
  if (uv_tcp_open(tcp, copy) != 0) {
    ::close(copy);
    close_and_free(reinterpret_cast<uv_handle_t*>(tcp));
    return nullptr;
  }
  return reinterpret_cast<uv_stream_t*>(tcp);
}

}  // namespace

NodeChannel::NodeChannel(uv_loop_t* loop, int fd, Events events)
    : loop_(loop), events_(std::move(events)), handle_(new Handle) {
  handle_->owner = this;
  if (!open_pipe(loop, handle_, fd, true)) {
    close();
    return;
  }
  read_into_buffer(handle_, &NodeChannel::on_read);
}

NodeChannel::~NodeChannel() {
  events_.closed = nullptr;
  close();
}

void NodeChannel::close() {
  if (!handle_) return;
  handle_->owner = nullptr;
  uv_close(reinterpret_cast<uv_handle_t*>(&handle_->pipe),
           [](uv_handle_t* h) { delete static_cast<Handle*>(h->data); });
  handle_ = nullptr;
  if (events_.closed) {
    auto closed = std::move(events_.closed);
    events_.closed = nullptr;
    closed();
  }
}

void NodeChannel::on_read(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf) {
  auto* handle = static_cast<Handle*>(stream->data);
  NodeChannel* self = handle->owner;
  if (!self) return;
  if (nread < 0) {
    self->close();
    return;
  }
  self->input_.append(buf->base, static_cast<std::size_t>(nread));
  std::string line;
  while (self->handle_ && self->input_.next_line(line)) {
    std::string problem;
    json message = parse_bounded(line, problem);
    if (message.is_discarded()) {
      spdlog::warn("node channel: ignoring a line that is {}", problem);
      continue;
    }
    self->handle_message(message);
  }
  if (self->handle_ && self->input_.partial_size() > kMaxRequestBytes) {
    spdlog::warn("node channel: message too large, closing the channel");
    self->close();
  }
}

json NodeChannel::cluster_message(json fields) {
  fields["cmd"] = "NODE_CLUSTER";
  fields["seq"] = seq_++;
  return fields;
}

void NodeChannel::handle_message(const json& message) {
  bool internal = message.is_object() && message.contains("cmd") && message["cmd"].is_string() &&
                  message["cmd"].get<std::string>().rfind("NODE_", 0) == 0;
  if (!internal) {
    if (events_.message) events_.message(message);
    return;
  }
  if (message["cmd"] != "NODE_CLUSTER") return;  // NODE_HANDLE_ACK and friends
  std::string act = message.value("act", "");
  if (act == "queryServer") {
    answer_query(message);
  } else if (act == "listening") {
    if (events_.listening) events_.listening();
  } else if (message.contains("seq") && act == "exitedAfterDisconnect") {
    write(cluster_message({{"ack", message["seq"]}}));
  }
}

void NodeChannel::answer_query(const json& query) {
  std::string error;
  int fd = events_.query_server ? events_.query_server(query, error) : -1;
  std::string key =
      query.value("address", json()).dump() + ":" + query.value("port", json()).dump();
  json reply = cluster_message({{"key", key}, {"ack", query.value("seq", 0L)}, {"data", nullptr}});
  if (fd < 0) {
    // Node turns a negative errno into the usual "listen EADDRINUSE" error.
    reply["errno"] = error.find("in use") != std::string::npos       ? -EADDRINUSE
                     : error.find("permission") != std::string::npos ? -EACCES
                                                                     : -EADDRNOTAVAIL;
    write(reply);
    return;
  }
  reply["errno"] = 0;
  write(json{{"cmd", "NODE_HANDLE"}, {"type", "net.Native"}, {"msg", reply}}, fd);
}

void NodeChannel::send(const json& message) {
  write(message);
}

void NodeChannel::disconnect() {
  write(cluster_message({{"act", "disconnect"}}));
}

void NodeChannel::write(const json& message, int send_fd) {
  if (!handle_) return;
  auto* request = new ChannelWrite;
  request->data = encode_line(message);
  uv_buf_t buf = uv_buf_init(request->data.data(), static_cast<unsigned>(request->data.size()));
  auto* stream = reinterpret_cast<uv_stream_t*>(&handle_->pipe);
  int rc;
  if (send_fd >= 0) {
    request->carried = carrier_for(loop_, send_fd);
    if (!request->carried) {
      delete request;
      spdlog::error("node channel: cannot pass socket fd {}", send_fd);
      return;
    }
    rc = uv_write2(&request->request, stream, &buf, 1, request->carried, on_written);
  } else {
    rc = uv_write(&request->request, stream, &buf, 1, on_written);
  }
  if (rc != 0) on_written(&request->request, rc);
}

int NodeChannel::fd() const {
  int fd = -1;
  if (handle_) uv_fileno(reinterpret_cast<const uv_handle_t*>(&handle_->pipe), &fd);
  return fd;
}

}  // namespace pm
