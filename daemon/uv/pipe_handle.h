#pragma once
// Helpers for the heap-allocated uv pipe handles pmd reads sockets and pipes
// through (ClientConnection, NodeChannel, MessageChannel). Each keeps its
// handle in a struct with a `pipe` (uv_pipe_t, whose data points back at the
// struct) and a `buffer` to read into, freed only when libuv has closed it.

#include <unistd.h>
#include <uv.h>

namespace pm {

/// Makes `handle->pipe` read the already-open `fd` (taking ownership);
/// false, with `fd` closed, when libuv refuses it.
template <typename Handle>
bool open_pipe(uv_loop_t* loop, Handle* handle, int fd, bool ipc) {
  uv_pipe_init(loop, &handle->pipe, ipc ? 1 : 0);
  handle->pipe.data = handle;
  if (uv_pipe_open(&handle->pipe, fd) == 0) return true;
  ::close(fd);
  return false;
}

/// Starts reading into the handle's own buffer.
template <typename Handle>
void read_into_buffer(Handle* handle, uv_read_cb on_read) {
  uv_read_start(
      reinterpret_cast<uv_stream_t*>(&handle->pipe),
      [](uv_handle_t* h, size_t, uv_buf_t* buf) {
        auto* owner = static_cast<Handle*>(h->data);
        buf->base = owner->buffer;
        buf->len = sizeof owner->buffer;
      },
      on_read);
}

}  // namespace pm
