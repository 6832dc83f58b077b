#pragma once
// LogFormat: the form lines take in the log files: as the program wrote
// them, after a timestamp (log_date_format), or as one JSON object each
// (log_type json, with PM2's keys: message, timestamp, type, process_id,
// app_name).

#include <string>
#include <string_view>

namespace pm {

/// Owned by a LogSink; one per stream of an instance.
class LogFormat {
 public:
  /// `date_format` is strftime with %L for milliseconds; empty: no prefix,
  /// and ISO 8601 (UTC) timestamps in JSON.
  LogFormat(std::string date_format, bool json, int instance_id, const std::string& app,
            const char* stream);

  /// `lines` (whole lines, each ending in '\n') as the files get them. The
  /// view is valid until the next call.
  std::string_view apply(std::string_view lines);

 private:
  /// One timestamp per batch: the lines arrived together.
  std::string timestamp() const;

  std::string date_format_;
  bool json_;
  int instance_id_;
  const std::string& app_;
  const char* stream_;
  std::string formatted_;  // reused for each batch
};

}  // namespace pm
