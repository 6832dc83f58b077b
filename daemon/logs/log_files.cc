#include "daemon/logs/log_files.h"

namespace pm {

std::shared_ptr<LogFile> LogFiles::open(const Paths& paths, const AppSpec& spec, int index,
                                        const char* stream) {
  std::string stream_name = stream;
  const std::string& configured = stream_name == "out"   ? spec.out_file
                                  : stream_name == "err" ? spec.error_file
                                                         : spec.log_file;
  std::string path = configured;
  if (path.empty() && stream_name == "log") return nullptr;
  if (path.empty()) {
    path = paths.log_dir() + "/" + spec.name;
    if (!spec.merge_logs) path += "-" + std::to_string(index);
    path += "-" + stream_name + ".log";
  } else if (!spec.merge_logs && spec.instances != 1 && !log_disabled(path)) {
    // One file per instance unless merged, as PM2 does with out_file; a
    // single instance writes the file named, as PM2 does in fork mode.
    auto dot = path.find_last_of('.');
    auto slash = path.find_last_of('/');
    std::string suffix = "-" + std::to_string(index);
    if (dot == std::string::npos || (slash != std::string::npos && dot < slash))
      path += suffix;
    else
      path.insert(dot, suffix);
  }
  for (auto it = files_.begin(); it != files_.end();) {
    if (it->second.expired())
      it = files_.erase(it);
    else
      ++it;
  }
  if (auto existing = files_[path].lock()) return existing;
  auto file = std::make_shared<LogFile>(path, spec.log_max_size, spec.log_max_files);
  files_[path] = file;
  return file;
}

}  // namespace pm
