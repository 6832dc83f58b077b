#pragma once
// close_and_delete: the one way pmd lets go of a libuv handle it made with
// `new`. libuv closes handles asynchronously, so the memory must stay until
// its close callback, by which time the owner may long be gone.

#include <uv.h>

namespace pm {

/// Closes `handle` (any uv_*_t, or uv_any_handle) and deletes it once libuv
/// is done with it. Its `data` is cleared first: a callback still to come,
/// such as a cancelled write's, finds no owner.
template <typename Handle>
void close_and_delete(Handle* handle) {
  auto* base = reinterpret_cast<uv_handle_t*>(handle);
  base->data = nullptr;
  uv_close(base, [](uv_handle_t* closed) { delete reinterpret_cast<Handle*>(closed); });
}

}  // namespace pm
