#pragma once
// LogFiles: the open log files by path, so that instances writing to the
// same file (merged logs, or the old and new process of a slot during a
// reload) share one LogFile and one size for rotation.

#include <map>
#include <memory>
#include <string>

#include "common/app_spec.h"
#include "common/paths.h"
#include "daemon/logs/log_file.h"

namespace pm {

/// Owned by the Daemon; hands out shared LogFiles and forgets unused ones.
class LogFiles {
 public:
  /// The file for stream ("out", "err", or "log": both, null unless
  /// log_file is set) of the instance at `index` of `spec` (its position in
  /// the app, not its id, so that an app deleted and started again writes
  /// to the files it had).
  std::shared_ptr<LogFile> open(const Paths& paths, const AppSpec& spec, int index,
                                const char* stream);
  /// Calls `action` on every open file.
  template <typename Action>
  void for_each(Action action) {
    for (auto& [path, weak] : files_)
      if (auto file = weak.lock()) action(*file);
  }

 private:
  std::map<std::string, std::weak_ptr<LogFile>> files_;
};

}  // namespace pm
