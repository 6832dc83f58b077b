#pragma once
// TailReader: the last lines of log files, read on libuv's thread pool so
// that a big `pm logs --lines N` never holds up pmd's loop. The files are
// opened and measured on the loop first: what an app writes, or a rotation,
// meanwhile changes nothing in what is read. One read at a time, each after
// the last one's lines were handed on: a client that pipelines a hundred
// requests and reads nothing is dropped (its queue is capped) before pmd has
// read more than one request's worth for it.

#include <sys/types.h>
#include <uv.h>

#include <deque>
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

/// Owned by the CommandHandler's context.
class TailReader {
 public:
  using Done = std::function<void(std::vector<TailFile>& files)>;

  explicit TailReader(uv_loop_t* loop) : loop_(loop) {}
  ~TailReader();
  TailReader(const TailReader&) = delete;
  TailReader& operator=(const TailReader&) = delete;

  /// Reads the last `count` lines of each file, at most `budget` bytes in
  /// all (the first files first), then calls `done` on the loop with the
  /// files in order, and closes them. When its turn comes and `wanted()` is
  /// false (the client went away), nothing is read and `done` is not called.
  void read(std::vector<TailFile> files, std::size_t count, std::size_t budget,
            std::function<bool()> wanted, Done done);

 private:
  struct Work;
  void next();
  static void read_all(uv_work_t* request);
  static void finish(uv_work_t* request, int status);

  uv_loop_t* loop_;
  std::deque<Work*> waiting_;  // owned
  bool busy_ = false;
};

}  // namespace pm
