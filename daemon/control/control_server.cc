#include "daemon/control/control_server.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <stdexcept>

#include "daemon/uv/close_and_delete.h"

namespace pm {

ControlServer::ControlServer(uv_loop_t* loop, RequestHandler handler)
    : loop_(loop), handler_(std::move(handler)) {}

ControlServer::~ControlServer() {
  close();
}

namespace {

void on_connection(uv_stream_t* server, int status) {
  if (status == 0) static_cast<ControlServer*>(server->data)->on_connection();
}

}  // namespace

void ControlServer::listen(const std::string& path) {
  path_ = path;
  server_ = new uv_pipe_t;
  uv_pipe_init(loop_, server_, 0);
  server_->data = this;
  ::unlink(path.c_str());
  // The socket is created with the umask: make it 0600 from its first instant.
  mode_t old_mask = ::umask(0177);
  int rc = uv_pipe_bind(server_, path.c_str());
  ::umask(old_mask);
  if (rc == 0) rc = uv_listen(reinterpret_cast<uv_stream_t*>(server_), 128, pm::on_connection);
  if (rc != 0) throw std::runtime_error("cannot listen on " + path + ": " + uv_strerror(rc));
  ::chmod(path.c_str(), 0600);
}

void ControlServer::adopt(int fd, const std::string& path) {
  ::fcntl(fd, F_SETFD, FD_CLOEXEC);
  path_ = path;
  server_ = new uv_pipe_t;
  uv_pipe_init(loop_, server_, 0);
  server_->data = this;
  int rc = uv_pipe_open(server_, fd);
  if (rc == 0) rc = uv_listen(reinterpret_cast<uv_stream_t*>(server_), 128, pm::on_connection);
  if (rc != 0) {
    close_and_delete(server_);
    server_ = nullptr;
    spdlog::warn("cannot listen on the inherited control socket ({}); binding {} anew",
                 uv_strerror(rc), path);
    listen(path);
  }
}

int ControlServer::fd() const {
  int fd = -1;
  if (server_) uv_fileno(reinterpret_cast<const uv_handle_t*>(server_), &fd);
  return fd;
}

void ControlServer::on_connection() {
  auto client = std::make_shared<ClientConnection>(
      loop_, handler_, [this](ClientConnection* gone) { clients_.erase(gone); });
  if (client->accept_from(reinterpret_cast<uv_stream_t*>(server_)))
    clients_.emplace(client.get(), client);
}

void ControlServer::close() {
  if (server_) {
    close_and_delete(server_);
    server_ = nullptr;
    ::unlink(path_.c_str());
  }
  // Copy: closing a client removes it from the map.
  auto clients = clients_;
  for (auto& [raw, client] : clients) client->close_after_writes();
}

}  // namespace pm
