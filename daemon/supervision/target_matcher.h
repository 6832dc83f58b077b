#pragma once
// TargetMatcher: what a word on the command line names among the apps, the
// way PM2 reads it: "all", an app name, an instance id, a namespace, the
// script as given to `pm start`, or /regex/ on app names.

#include <memory>
#include <string>
#include <vector>

#include "daemon/supervision/app.h"

namespace pm {

/// Resolves targets against the Supervisor's apps; a short-lived view that
/// the Supervisor makes for each request.
class TargetMatcher {
 public:
  explicit TargetMatcher(const std::vector<std::unique_ptr<App>>& apps) : apps_(apps) {}

  /// The instance ids `target` names, in app order. Throws UserError saying
  /// what exists when it names nothing.
  std::vector<int> ids_of(const std::string& target) const;
  /// "known: a, b", or how to start one when there is none: for messages.
  std::string known_names() const;

 private:
  /// The apps `target` names by one rule after another, first that matches.
  std::vector<const App*> apps_named(const std::string& target) const;

  const std::vector<std::unique_ptr<App>>& apps_;
};

}  // namespace pm
