#include "daemon/supervision/adopted_runs.h"

#include "daemon/supervision/run_processes.h"
#include "daemon/uv/now_ms.h"

namespace pm {

namespace {

constexpr std::uint64_t kFreshMs = 500;

}  // namespace

const std::vector<pid_t>& AdoptedRuns::of(const std::string& run_id) {
  std::uint64_t now = now_ms(loop_);
  if (!read_ || now >= read_at_ + kFreshMs) {
    runs_ = adopted_by_run([this](pid_t pid) { return reaper_.watching(pid); });
    read_at_ = now;
    read_ = true;
  }
  static const std::vector<pid_t> kNone;
  auto found = runs_.find(run_id);
  return found == runs_.end() ? kNone : found->second;
}

}  // namespace pm
