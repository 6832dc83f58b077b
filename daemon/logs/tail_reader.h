#pragma once
// read_tails: the last lines of several log files, read on libuv's thread
// pool so that a big `pm logs --lines N` never holds up pmd's loop. The
// files are opened and measured on the loop first: what an app writes, or a
// rotation, meanwhile changes nothing in what is read.

#include <sys/types.h>
#include <uv.h>

#include <functional>
#include <string>
#include <vector>

namespace pm {

/// One file whose tail is wanted, and then its lines.
struct TailFile {
  int id = 0;  // the instance
  std::string app;
  std::string stream;  // "out" or "err"
  std::string path;
  int fd = -1;  // -1 when it could not be opened: no lines
  off_t end = 0;
  std::vector<std::string> lines;

  /// Opens `path` and notes its length now.
  TailFile(int id, std::string app, std::string stream, std::string path);
};

/// Reads the last `count` lines of each file, at most `budget` bytes in all
/// (the first files first), then calls `done` on the loop with the files in
/// order, and closes them.
void read_tails(uv_loop_t* loop, std::vector<TailFile> files, std::size_t count, std::size_t budget,
                std::function<void(std::vector<TailFile>&)> done);

}  // namespace pm
