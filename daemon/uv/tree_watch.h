#pragma once
// TreeWatch: changes anywhere under a set of paths, by inotify through
// libuv's fs events. libuv watches one directory per handle on Linux (no
// recursive mode), so TreeWatch adds a handle for every directory it finds,
// and for each new one as it appears. Ignored names are never descended.

#include <uv.h>

#include <functional>
#include <map>
#include <string>
#include <vector>

namespace pm {

/// Owned by whoever wants to hear of changes (an App's watch).
class TreeWatch {
 public:
  /// `ignore`: fnmatch patterns, matched against each path's name and its
  /// path relative to the root it is under. `changed` gets the path.
  TreeWatch(uv_loop_t* loop, std::vector<std::string> ignore,
            std::function<void(const std::string&)> changed);
  ~TreeWatch();
  TreeWatch(const TreeWatch&) = delete;
  TreeWatch& operator=(const TreeWatch&) = delete;

  /// Watches `root` (a directory, with everything under it, or a file).
  /// Returns false, with `error` set, when it cannot.
  bool add(const std::string& root, std::string& error);
  /// Whether `path` under `root` is ignored.
  bool ignored(const std::string& root, const std::string& path) const;
  std::size_t handles() const { return handles_.size(); }

  void on_event(uv_fs_event_t* handle, const char* name);

 private:
  /// Watches `dir` and the directories under it that are not ignored.
  void add_tree(const std::string& root, const std::string& dir);
  void watch_one(const std::string& root, const std::string& path);

  uv_loop_t* loop_;
  std::vector<std::string> ignore_;
  std::function<void(const std::string&)> changed_;
  std::map<std::string, uv_fs_event_t*> handles_;  // by path watched
  std::map<uv_fs_event_t*, std::string> roots_;    // each handle's root
};

}  // namespace pm
