#include "daemon/logs/tail_reader.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <memory>

#include "daemon/logs/log_tail.h"

namespace pm {

namespace {

/// Lives from the queueing of the work to its end on the loop.
struct TailWork {
  uv_work_t request{};
  std::vector<TailFile> files;
  std::size_t count = 0;
  std::size_t budget = 0;
  std::function<void(std::vector<TailFile>&)> done;
};

void read_all(uv_work_t* request) {
  auto* work = static_cast<TailWork*>(request->data);
  for (auto& file : work->files) {
    if (file.fd < 0) continue;
    std::size_t used = 0;
    file.lines = last_lines(file.fd, file.end, work->count, work->budget, &used);
    work->budget -= std::min(used, work->budget);
  }
}

void finish(uv_work_t* request, int) {
  std::unique_ptr<TailWork> work(static_cast<TailWork*>(request->data));
  for (auto& file : work->files)
    if (file.fd >= 0) ::close(file.fd);
  work->done(work->files);
}

}  // namespace

TailFile::TailFile(int id, std::string app, std::string stream, std::string path)
    : id(id), app(std::move(app)), stream(std::move(stream)), path(std::move(path)) {
  fd = ::open(this->path.c_str(), O_RDONLY | O_CLOEXEC);
  struct stat st {};
  if (fd >= 0 && ::fstat(fd, &st) == 0) end = st.st_size;
}

void read_tails(uv_loop_t* loop, std::vector<TailFile> files, std::size_t count, std::size_t budget,
                std::function<void(std::vector<TailFile>&)> done) {
  auto work = std::make_unique<TailWork>();
  work->files = std::move(files);
  work->count = count;
  work->budget = budget;
  work->done = std::move(done);
  work->request.data = work.get();
  if (uv_queue_work(loop, &work->request, read_all, finish) == 0) {
    work.release();
    return;
  }
  // No thread pool to be had: read here rather than not at all.
  read_all(&work->request);
  finish(&work.release()->request, 0);
}

}  // namespace pm
