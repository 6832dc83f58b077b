#include "daemon/logs/log_sink.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "daemon/uv/close_and_delete.h"

namespace pm {

namespace {

// A line longer than this is cut into pieces rather than held in memory.
constexpr std::size_t kMaxLine = 16 * 1024;

// Every read lands here: pmd is single-threaded and consumes each read at
// once, so one buffer serves all pipes.
char g_read_buffer[64 * 1024];

}  // namespace

LogSink::LogSink(uv_loop_t* loop, LogBus& bus, int instance_id, const std::string& app,
                 const char* stream, LogTargets targets)
    : loop_(loop),
      bus_(bus),
      instance_id_(instance_id),
      app_(app),
      stream_(stream),
      file_(std::move(targets.file)),
      combined_(std::move(targets.combined)),
      format_(std::move(targets.date_format), targets.json, instance_id, app, stream) {}

void LogSink::write_lines(std::string_view lines) {
  std::string_view formatted = format_.apply(lines);
  file_->write(formatted);
  if (combined_) combined_->write(formatted);
}

LogSink::~LogSink() {
  detach();
}

void LogSink::attach(int fd) {
  detach();
  pipe_ = new uv_pipe_t;
  uv_pipe_init(loop_, pipe_, 0);
  pipe_->data = this;
  if (uv_pipe_open(pipe_, fd) != 0) {
    ::close(fd);
    detach();
    return;
  }
  uv_read_start(
      reinterpret_cast<uv_stream_t*>(pipe_),
      [](uv_handle_t*, size_t, uv_buf_t* buf) {
        buf->base = g_read_buffer;
        buf->len = sizeof g_read_buffer;
      },
      &LogSink::on_read);
}

void LogSink::detach() {
  if (!pipe_) return;
  // Whatever the old process wrote before it died still belongs in the log.
  int fd = -1;
  uv_fileno(reinterpret_cast<uv_handle_t*>(pipe_), &fd);
  for (int i = 0; fd >= 0 && i < 64; ++i) {
    ssize_t n = ::read(fd, g_read_buffer, sizeof g_read_buffer);
    if (n <= 0) break;
    consume(g_read_buffer, static_cast<std::size_t>(n));
  }
  emit_partial();
  close_and_delete(pipe_);
  pipe_ = nullptr;
}

void LogSink::on_read(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf) {
  auto* self = static_cast<LogSink*>(stream->data);
  if (!self) return;
  if (nread > 0) {
    self->consume(buf->base, static_cast<std::size_t>(nread));
  } else if (nread < 0) {
    // End of output: every holder of the pipe's write end has gone.
    self->detach();
  }
}

void LogSink::consume(const char* data, std::size_t size) {
  std::size_t pos = 0;
  std::size_t whole_start = 0;
  while (pos < size) {
    const void* found = std::memchr(data + pos, '\n', size - pos);
    if (!found) break;
    std::size_t newline = static_cast<std::size_t>(static_cast<const char*>(found) - data);
    if (!partial_.empty()) {
      // The line began in an earlier read: finish it on its own.
      partial_.append(data + pos, newline - pos);
      partial_.push_back('\n');
      write_lines(partial_);
      partial_.pop_back();
      bus_.publish({instance_id_, app_, stream_, partial_});
      partial_.clear();
      whole_start = newline + 1;
    } else if (bus_.has_listeners()) {
      bus_.publish({instance_id_, app_, stream_, std::string_view(data + pos, newline - pos)});
    }
    pos = newline + 1;
  }
  // Lines complete within this read go to the file in one write.
  if (pos > whole_start) write_lines(std::string_view(data + whole_start, pos - whole_start));
  if (pos < size) {
    partial_.append(data + pos, size - pos);
    if (partial_.size() >= kMaxLine) emit_partial();
  }
}

void LogSink::emit_partial() {
  if (partial_.empty()) return;
  partial_.push_back('\n');
  write_lines(partial_);
  partial_.pop_back();
  bus_.publish({instance_id_, app_, stream_, partial_});
  partial_.clear();
}

int LogSink::fd() const {
  int fd = -1;
  if (pipe_) uv_fileno(reinterpret_cast<const uv_handle_t*>(pipe_), &fd);
  return fd;
}

}  // namespace pm
