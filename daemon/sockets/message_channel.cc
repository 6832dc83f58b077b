#include "daemon/sockets/message_channel.h"

#include <spdlog/spdlog.h>

namespace pm {

MessageChannel::MessageChannel(uv_loop_t* loop, int fd, std::function<void(const json&)> on_message)
    : on_message_(std::move(on_message)), pipe_(loop, false, pipe_events()) {
  pipe_.open(fd);
}

LinePipe::Events MessageChannel::pipe_events() {
  LinePipe::Events events;
  events.value = [this](const json& message) {
    if (on_message_) on_message_(message);
  };
  // A bare word such as ready.
  events.malformed = [this](const std::string& line, const std::string&) {
    if (on_message_) on_message_(json(line));
  };
  events.too_long = [this] {
    spdlog::warn("message channel: a line over {} bytes; closing the channel", kMaxRequestBytes);
    pipe_.close();
  };
  events.ended = [this] { pipe_.close(); };  // the app closed its end, or exited
  return events;
}

void MessageChannel::send(const json& message) {
  if (!pipe_.is_open()) return;
  // An app that never reads its channel must not make pmd hold messages forever.
  constexpr std::size_t kMaxQueued = 1 << 20;
  if (pipe_.queued_bytes() > kMaxQueued) {
    spdlog::warn("message channel: the app does not read its messages; dropping one");
    return;
  }
  pipe_.write(message);
}

}  // namespace pm
