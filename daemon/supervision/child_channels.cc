#include "daemon/supervision/child_channels.h"

#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <system_error>

#include "common/elf_file.h"
#include "common/listen_arguments.h"
#include "common/user_error.h"
#include "daemon/uv/inherit_fd.h"

namespace pm {

namespace {

bool is_node(const std::vector<std::string>& argv) {
  std::string base = argv[0].substr(argv[0].find_last_of('/') + 1);
  return base.rfind("node", 0) == 0;
}

/// A socket pair whose second end goes to the child at the next free fd.
int pair_for_child(int type, SpawnOptions& options, std::vector<int>& child_ends,
                   std::string& child_fd) {
  int pair[2];
  if (::socketpair(AF_UNIX, type | SOCK_CLOEXEC, 0, pair) != 0)
    throw std::system_error(errno, std::generic_category(), "cannot create a channel");
  child_fd = std::to_string(3 + options.extra_fds.size());
  options.extra_fds.push_back(pair[1]);
  child_ends.push_back(pair[1]);
  return pair[0];
}

/// Puts `library` first in the child's LD_PRELOAD, before the user's own.
void add_preload(const std::string& library, SpawnOptions& options) {
  std::string preload = library;
  for (auto& entry : options.env)
    if (entry.rfind("LD_PRELOAD=", 0) == 0) {
      preload += ":" + entry.substr(11);
      entry = "PM_UNUSED=";
    }
  options.env.push_back("LD_PRELOAD=" + preload);
}

}  // namespace

ChildChannels::ChildChannels(uv_loop_t* loop, const AppSpec& spec, int id,
                             const std::string& preload_library, const std::string& node_preload,
                             Events events, SpawnOptions& options, std::vector<int>& child_ends)
    : spec_(spec), events_(std::move(events)) {
  if (!spec.listen.empty()) pass_listeners(options);
  if (is_node(options.argv)) {
    open_node_channel(loop, id, options, child_ends);
    if (!preload_library.empty() && !is_statically_linked(options.argv[0])) {
      // Accept pacing (accept_pacing.c): what waits in the socket's queue
      // stays there for a live instance if this one dies.
      add_preload(preload_library, options);
      options.env.push_back("PM_ACCEPT_PACING=1");
    }
    if (!node_preload.empty()) {
      // Gentle with kept-alive connections when a server closes (reloads).
      std::string require = "--require " + node_preload;
      bool merged = false;
      for (auto& entry : options.env)
        if (entry.rfind("NODE_OPTIONS=", 0) == 0) {
          entry += " " + require;
          merged = true;
        }
      if (!merged) options.env.push_back("NODE_OPTIONS=" + require);
    }
    return;
  }
  // The preload cannot see the bind() of a static or a Go program (Go uses
  // raw system calls): pm start warned, and describe tells no tale.
  if (spec.listen.empty() && !preload_library.empty() && !is_statically_linked(options.argv[0]) &&
      !is_go_program(options.argv[0]))
    open_listen_channel(loop, preload_library, options, child_ends);
  open_message_channel(loop, options, child_ends);
}

void ChildChannels::pass_listeners(SpawnOptions& options) {
  // systemd's socket activation: fds from 3, LISTEN_PID set in the child.
  std::string names;
  int first_port = 0;
  for (const auto& text : spec_.listen) {
    ListenAddress address = ListenAddress::parse(text);
    std::string error;
    int fd = events_.share_socket(address, error);
    if (fd < 0) throw UserError(error);
    if (!first_port) first_port = events_.bound_port(address);
    options.extra_fds.push_back(fd);
    names += (names.empty() ? "" : ":") + spec_.name;
  }
  options.env.push_back("LISTEN_FDS=" + std::to_string(options.extra_fds.size()));
  options.env.push_back("LISTEN_FDNAMES=" + names);
  options.set_listen_pid = true;
  for (auto& arg : options.argv) arg = with_listen_placeholders(arg, first_port);
  socket_via_ = "LISTEN_FDS (fd 3)";
}

void ChildChannels::open_node_channel(uv_loop_t* loop, int id, SpawnOptions& options,
                                      std::vector<int>& child_ends) {
  std::string child_fd;
  int fd = pair_for_child(SOCK_STREAM, options, child_ends, child_fd);
  options.env.push_back("NODE_UNIQUE_ID=" + std::to_string(id));
  options.env.push_back("NODE_CHANNEL_FD=" + child_fd);
  options.env.push_back("NODE_CHANNEL_SERIALIZATION_MODE=json");
  // node_graceful_close.js keeps an app that handles this signal up until it comes.
  if (!spec_.kill_signal.empty()) options.env.push_back("PM_KILL_SIGNAL=" + spec_.kill_signal);
  watch_node(loop, fd);
}

void ChildChannels::watch_node(uv_loop_t* loop, int fd) {
  NodeChannel::Events events;
  events.query_server = [this](const json& query, std::string& error) {
    ListenAddress address;
    const json& host = query.contains("address") ? query["address"] : json();
    if (query.value("addressType", 4) == -1 && host.is_string()) {
      address.kind = ListenAddress::Kind::Unix;
      address.path = host.get<std::string>();
    } else {
      address.host = host.is_string() ? host.get<std::string>() : "";
      constexpr int kUvTcpIpv6Only = 1;
      address.v6only = address.host == "::" && (query.value("flags", 0) & kUvTcpIpv6Only);
      if (address.host == "::" && !address.v6only) address.host.clear();
      address.port = query.value("port", 0);
    }
    int fd = events_.share_socket(address, error);
    if (fd >= 0 && socket_via_.empty()) socket_via_ = "node cluster (queryServer)";
    return fd;
  };
  events.listening = [this] {
    events_.restore_backlog();
    if (!spec_.wait_ready) events_.ready("listening (node cluster)");
  };
  events.message = [this](const json& message) {
    if (message == "ready") events_.ready("ready message");
  };
  events.closed = [this] {
    if (events_.node_closed) events_.node_closed();
  };
  node_ = std::make_unique<NodeChannel>(loop, fd, std::move(events));
}

void ChildChannels::open_listen_channel(uv_loop_t* loop, const std::string& preload_library,
                                        SpawnOptions& options, std::vector<int>& child_ends) {
  // A program that binds its own port: the preload library asks us for ours.
  std::string child_fd;
  int fd = pair_for_child(SOCK_SEQPACKET, options, child_ends, child_fd);
  options.env.push_back("PM_LISTEN_FD=" + child_fd);
  add_preload(preload_library, options);
  watch_listen_channel(loop, fd);
}

void ChildChannels::watch_listen_channel(uv_loop_t* loop, int fd) {
  ListenChannel::Events events;
  events.bind = [this](const ListenAddress& address, std::string& error) {
    int fd = events_.share_socket(address, error);
    if (fd >= 0 && socket_via_.empty()) socket_via_ = "preload (its own bind)";
    return fd;
  };
  events.listening = [this] {
    events_.restore_backlog();
    if (!spec_.wait_ready) events_.ready("listen() (preload)");
  };
  listen_channel_ = std::make_unique<ListenChannel>(loop, fd, std::move(events));
}

void ChildChannels::open_message_channel(uv_loop_t* loop, SpawnOptions& options,
                                         std::vector<int>& child_ends) {
  // Messages both ways, one JSON value per line (Node has its own channel).
  std::string child_fd;
  int fd = pair_for_child(SOCK_STREAM, options, child_ends, child_fd);
  options.env.push_back("PM_CHANNEL_FD=" + child_fd);
  watch_messages(loop, fd);
}

void ChildChannels::watch_messages(uv_loop_t* loop, int fd) {
  messages_ = std::make_unique<MessageChannel>(loop, fd, [this](const json& message) {
    if (message == "ready") events_.ready("ready message");
  });
}

ChildChannels::ChildChannels(uv_loop_t* loop, const AppSpec& spec, Events events,
                             const json& adopted)
    : spec_(spec), events_(std::move(events)) {
  socket_via_ = adopted.value("socket_via", "");
  if (int fd = adopted.value("node_fd", -1); fd >= 0) watch_node(loop, fd);
  if (int fd = adopted.value("listen_fd", -1); fd >= 0) watch_listen_channel(loop, fd);
  if (int fd = adopted.value("messages_fd", -1); fd >= 0) watch_messages(loop, fd);
}

json ChildChannels::export_state() const {
  return {{"socket_via", socket_via_},
          {"node_fd", inherit_fd(node_ ? node_->fd() : -1)},
          {"listen_fd", inherit_fd(listen_channel_ ? listen_channel_->fd() : -1)},
          {"messages_fd", inherit_fd(messages_ ? messages_->fd() : -1)}};
}

bool ChildChannels::send_message(const json& message) {
  if (node_ && node_->open()) {
    node_->send(message);
    return true;
  }
  if (messages_ && messages_->open()) {
    messages_->send(message);
    return true;
  }
  return false;
}

bool ChildChannels::disconnect() {
  if (!node_ || !node_->open()) return false;
  node_->disconnect();
  return true;
}

}  // namespace pm
