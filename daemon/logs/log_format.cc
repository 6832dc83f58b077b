#include "daemon/logs/log_format.h"

#include <sys/time.h>

#include <cstdio>
#include <ctime>
#include <nlohmann/json.hpp>

namespace pm {

LogFormat::LogFormat(std::string date_format, bool json, int instance_id, const std::string& app,
                     const char* stream)
    : date_format_(std::move(date_format)),
      json_(json),
      instance_id_(instance_id),
      app_(app),
      stream_(stream) {}

std::string LogFormat::timestamp() const {
  timeval now{};
  ::gettimeofday(&now, nullptr);
  char millis[24];
  std::snprintf(millis, sizeof millis, "%03ld", static_cast<long>(now.tv_usec / 1000));
  tm parts{};
  std::string format = date_format_;
  if (format.empty()) {
    // What PM2 writes without a date format: new Date().toISOString().
    ::gmtime_r(&now.tv_sec, &parts);
    format = std::string("%Y-%m-%dT%H:%M:%S.") + millis + "Z";
  } else {
    ::localtime_r(&now.tv_sec, &parts);
    for (auto at = format.find("%L"); at != std::string::npos; at = format.find("%L", at))
      format.replace(at, 2, millis);
  }
  char stamp[128];
  std::size_t length = std::strftime(stamp, sizeof stamp, format.c_str(), &parts);
  return std::string(stamp, length);
}

std::string_view LogFormat::apply(std::string_view lines) {
  if (!json_ && date_format_.empty()) return lines;
  std::string stamp = timestamp();
  formatted_.clear();
  while (!lines.empty()) {
    auto newline = lines.find('\n');
    std::size_t end = newline == std::string_view::npos ? lines.size() : newline + 1;
    std::string_view line = lines.substr(0, end);
    if (json_) {
      if (!line.empty() && line.back() == '\n') line.remove_suffix(1);
      nlohmann::json object{{"message", std::string(line)},
                            {"timestamp", stamp},
                            {"type", stream_},
                            {"process_id", instance_id_},
                            {"app_name", app_}};
      // A program's bytes need not be UTF-8: replaced, never a throw.
      formatted_ += object.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
      formatted_ += '\n';
    } else {
      formatted_ += stamp;
      formatted_ += ": ";
      formatted_ += line;
    }
    lines.remove_prefix(end);
  }
  return formatted_;
}

}  // namespace pm
