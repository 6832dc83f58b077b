#pragma once
// StateStore: the saved process table, $PM_HOME/dump.json. Written
// atomically (temp file, fsync, rename) with the previous one kept as
// dump.json.bak, so a crash mid-save or a corrupt file never loses the last
// good list.

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/paths.h"

namespace pm {

/// Owned by the CommandHandler.
class StateStore {
 public:
  /// Removes what a pmd killed in the middle of a save left behind.
  explicit StateStore(Paths paths);

  /// Throws UserError when it cannot write.
  void save(const nlohmann::json& apps) const;
  /// The saved apps; from dump.json.bak (with a warning) when dump.json is
  /// unreadable. Throws UserError when neither can be read.
  nlohmann::json load(std::vector<std::string>& warnings) const;
  /// Removes the saved list (both files).
  void clear() const;
  std::string path() const { return paths_.home + "/dump.json"; }

 private:
  Paths paths_;
};

}  // namespace pm
