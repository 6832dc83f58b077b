#include "daemon/sockets/node_channel.h"

#include <spdlog/spdlog.h>

#include <cerrno>

namespace pm {

NodeChannel::NodeChannel(uv_loop_t* loop, int fd, Events events)
    : events_(std::move(events)), pipe_(loop, true, pipe_events()) {
  if (!pipe_.open(fd)) close();
}

NodeChannel::~NodeChannel() {
  events_.closed = nullptr;
  close();
}

LinePipe::Events NodeChannel::pipe_events() {
  LinePipe::Events events;
  events.value = [this](const json& message) { handle_message(message); };
  events.malformed = [](const std::string&, const std::string& why) {
    spdlog::warn("node channel: ignoring a line that is {}", why);
  };
  events.too_long = [this] {
    spdlog::warn("node channel: message too large, closing the channel");
    close();
  };
  events.ended = [this] { close(); };
  return events;
}

void NodeChannel::close() {
  pipe_.close();
  if (events_.closed) {
    auto closed = std::move(events_.closed);
    events_.closed = nullptr;
    closed();
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
  // Whatever the app wrote to its channel: a field of the wrong type is the
  // app's mistake, never pmd's end.
  try {
    handle_cluster_message(message);
  } catch (const json::exception& error) {
    spdlog::warn("node channel: ignoring a malformed cluster message: {}", error.what());
  }
}

void NodeChannel::handle_cluster_message(const json& message) {
  if (message["cmd"] != "NODE_CLUSTER") return;  // NODE_HANDLE_ACK and friends
  std::string act = message.value("act", "");
  if (act == "queryServer") {
    answer_query(message);
  } else if (act == "listening") {
    if (events_.listening) events_.listening();
  } else if (message.contains("seq") && act == "exitedAfterDisconnect") {
    pipe_.write(cluster_message({{"ack", message["seq"]}}));
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
    pipe_.write(reply);
    return;
  }
  reply["errno"] = 0;
  json handle{{"cmd", "NODE_HANDLE"}, {"type", "net.Native"}, {"msg", reply}};
  if (pipe_.is_open() && !pipe_.write(handle, fd))
    spdlog::error("node channel: cannot pass socket fd {}", fd);
}

void NodeChannel::send(const json& message) {
  pipe_.write(message);
}

void NodeChannel::disconnect() {
  pipe_.write(cluster_message({{"act", "disconnect"}}));
}

}  // namespace pm
