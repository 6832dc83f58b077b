#pragma once
// LogSink: one output stream (stdout or stderr) of one instance. Reads the
// child's pipe without ever blocking, writes whole lines to the LogFile and
// publishes them on the LogBus.

#include <uv.h>

#include <memory>
#include <string>

#include "common/protocol.h"
#include "daemon/logs/log_bus.h"
#include "daemon/logs/log_file.h"
#include "daemon/logs/log_format.h"

namespace pm {

/// Where and how a LogSink writes its lines.
struct LogTargets {
  std::shared_ptr<LogFile> file;      // the stream's own file
  std::shared_ptr<LogFile> combined;  // out and err together (log_file), or none
  std::string date_format;            // see LogFormat
  bool json = false;                  // log_type json
};

/// Owned by an Instance; outlives the processes whose pipes it reads.
class LogSink {
 public:
  LogSink(uv_loop_t* loop, LogBus& bus, int instance_id, const std::string& app, const char* stream,
          LogTargets targets);
  ~LogSink();
  LogSink(const LogSink&) = delete;
  LogSink& operator=(const LogSink&) = delete;

  /// Starts reading the read end of a new child's pipe (taking ownership),
  /// after draining and closing the previous one.
  void attach(int fd);
  LogFile& file() { return *file_; }
  /// The file shared with the other stream (log_file), or null.
  LogFile* combined() { return combined_.get(); }
  /// The pipe being read, or -1.
  int fd() const;

 private:
  static void on_read(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf);
  void consume(const char* data, std::size_t size);
  void emit_partial();
  /// Writes complete lines (each ending in '\n') to the files, formatted.
  void write_lines(std::string_view lines);
  void detach();

  uv_loop_t* loop_;
  LogBus& bus_;
  int instance_id_;
  const std::string& app_;
  const char* stream_;
  std::shared_ptr<LogFile> file_;
  std::shared_ptr<LogFile> combined_;
  LogFormat format_;
  uv_pipe_t* pipe_ = nullptr;  // the pipe being read; its data points here
  std::string partial_;
};

}  // namespace pm
