#include "daemon/logs/tail_reader.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <memory>

#include "daemon/logs/log_tail.h"

namespace pm {

struct TailReader::Work {
  uv_work_t request{};
  TailReader* reader = nullptr;
  std::vector<TailFile> files;
  std::size_t count = 0;
  std::size_t budget = 0;
  std::function<bool()> wanted;
  Done done;

  ~Work() {
    for (auto& file : files)
      if (file.fd >= 0) ::close(file.fd);
  }
};

TailFile::TailFile(int id, std::string app, std::string stream, std::string path)
    : id(id), app(std::move(app)), stream(std::move(stream)), path(std::move(path)) {
  fd = ::open(this->path.c_str(), O_RDONLY | O_CLOEXEC);
  struct stat st {};
  if (fd >= 0 && ::fstat(fd, &st) == 0) end = st.st_size;
}

TailReader::~TailReader() {
  for (Work* work : waiting_) delete work;
}

void TailReader::read(std::vector<TailFile> files, std::size_t count, std::size_t budget,
                      std::function<bool()> wanted, Done done) {
  auto work = std::make_unique<Work>();
  work->reader = this;
  work->files = std::move(files);
  work->count = count;
  work->budget = budget;
  work->wanted = std::move(wanted);
  work->done = std::move(done);
  work->request.data = work.get();
  waiting_.push_back(work.release());
  if (!busy_) next();
}

void TailReader::next() {
  while (!waiting_.empty()) {
    std::unique_ptr<Work> work(waiting_.front());
    waiting_.pop_front();
    if (!work->wanted()) continue;
    busy_ = true;
    if (uv_queue_work(loop_, &work->request, read_all, finish) == 0) {
      work.release();
      return;
    }
    // No thread pool to be had: read here rather than not at all.
    read_all(&work->request);
    finish(&work.release()->request, 0);
    return;
  }
  busy_ = false;
}

void TailReader::read_all(uv_work_t* request) {
  auto* work = static_cast<Work*>(request->data);
  for (auto& file : work->files) {
    if (file.fd < 0) continue;
    std::size_t used = 0;
    file.lines = last_lines(file.fd, file.end, work->count, work->budget, &used);
    work->budget -= std::min(used, work->budget);
  }
}

void TailReader::finish(uv_work_t* request, int) {
  std::unique_ptr<Work> work(static_cast<Work*>(request->data));
  if (work->wanted()) work->done(work->files);
  work->reader->next();
}

}  // namespace pm
