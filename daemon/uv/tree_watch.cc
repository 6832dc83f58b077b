#include "daemon/uv/tree_watch.h"

#include <dirent.h>
#include <fnmatch.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>

#include "daemon/uv/close_and_delete.h"

namespace pm {

namespace {

bool is_directory(const std::string& path) {
  struct stat info {};
  return ::lstat(path.c_str(), &info) == 0 && S_ISDIR(info.st_mode);
}
}  // namespace

TreeWatch::TreeWatch(uv_loop_t* loop, std::vector<std::string> ignore,
                     std::function<void(const std::string&)> changed)
    : loop_(loop), ignore_(std::move(ignore)), changed_(std::move(changed)) {}

TreeWatch::~TreeWatch() {
  for (auto& [path, handle] : handles_) {
    uv_fs_event_stop(handle);
    close_and_delete(handle);
  }
}

bool TreeWatch::add(const std::string& root, std::string& error) {
  struct stat info {};
  if (::stat(root.c_str(), &info) != 0) {
    error = root + ": " + std::strerror(errno);
    return false;
  }
  if (S_ISDIR(info.st_mode))
    add_tree(root, root);
  else
    watch_one(root, root);
  if (!handles_.count(root)) {
    error = root + ": cannot watch it (inotify limit? see fs.inotify.max_user_watches)";
    return false;
  }
  return true;
}

bool TreeWatch::ignored(const std::string& root, const std::string& path) const {
  std::string relative = path.size() > root.size() ? path.substr(root.size() + 1) : "";
  // Every component counts: a file under node_modules/ is ignored too.
  std::size_t start = 0;
  while (start < relative.size()) {
    std::size_t end = relative.find('/', start);
    std::string component = relative.substr(start, end - start);
    for (const auto& pattern : ignore_)
      if (::fnmatch(pattern.c_str(), component.c_str(), 0) == 0) return true;
    if (end == std::string::npos) break;
    start = end + 1;
  }
  for (const auto& pattern : ignore_)
    if (::fnmatch(pattern.c_str(), relative.c_str(), FNM_PATHNAME) == 0) return true;
  return false;
}

void TreeWatch::add_tree(const std::string& root, const std::string& dir) {
  watch_one(root, dir);
  DIR* listing = ::opendir(dir.c_str());
  if (!listing) return;
  while (const dirent* entry = ::readdir(listing)) {
    std::string name = entry->d_name;
    if (name == "." || name == "..") continue;
    std::string path = dir + "/" + name;
    if (is_directory(path) && !ignored(root, path)) add_tree(root, path);
  }
  ::closedir(listing);
}

void TreeWatch::watch_one(const std::string& root, const std::string& path) {
  if (handles_.count(path)) return;
  auto* handle = new uv_fs_event_t;
  uv_fs_event_init(loop_, handle);
  handle->data = this;
  int error = uv_fs_event_start(
      handle,
      [](uv_fs_event_t* event, const char* name, int, int status) {
        auto* self = static_cast<TreeWatch*>(event->data);
        if (self && status == 0) self->on_event(event, name);
      },
      path.c_str(), 0);
  if (error != 0) {
    close_and_delete(handle);
    return;
  }
  handles_[path] = handle;
  roots_[handle] = root;
}

void TreeWatch::on_event(uv_fs_event_t* handle, const char* name) {
  auto root = roots_.find(handle);
  if (root == roots_.end()) return;
  char watched[4096];
  std::size_t length = sizeof watched;
  if (uv_fs_event_getpath(handle, watched, &length) != 0) return;
  std::string path(watched, length);
  if (name && *name && is_directory(path)) path += "/" + std::string(name);
  if (path != root->second && ignored(root->second, path)) return;
  // A new directory: watch what it holds from now on.
  if (is_directory(path) && path != std::string(watched, length)) add_tree(root->second, path);
  changed_(path);
}

}  // namespace pm
