#pragma once
// now_ms: the loop's monotonic clock in milliseconds, brought up to date
// (uv_now alone is the time the current loop turn began).

#include <uv.h>

#include <cstdint>

namespace pm {

inline std::uint64_t now_ms(uv_loop_t* loop) {
  uv_update_time(loop);
  return uv_now(loop);
}

}  // namespace pm
