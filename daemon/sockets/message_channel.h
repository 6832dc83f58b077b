#pragma once
// MessageChannel: pmd's end of the message channel of an instance that is
// not Node.js ($PM_CHANNEL_FD in the child): newline-delimited JSON, both
// ways. `pm send` arrives here as one line; a line "ready" (the JSON string)
// from the app is its ready signal, as process.send('ready') in Node.

#include <uv.h>

#include <functional>

#include "common/protocol.h"
#include "daemon/uv/line_pipe.h"

namespace pm {

/// Owned by an Instance, one per child process.
class MessageChannel {
 public:
  /// Takes ownership of `fd`; `on_message` sees every line the app sends.
  MessageChannel(uv_loop_t* loop, int fd, std::function<void(const json&)> on_message);
  MessageChannel(const MessageChannel&) = delete;
  MessageChannel& operator=(const MessageChannel&) = delete;

  void send(const json& message);
  bool open() const { return pipe_.is_open(); }
  /// pmd's end of the channel, or -1 once closed.
  int fd() const { return pipe_.fd(); }

 private:
  LinePipe::Events pipe_events();

  std::function<void(const json&)> on_message_;
  LinePipe pipe_;
};

}  // namespace pm
