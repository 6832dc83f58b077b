#pragma once
// check_trusted_path: whether a path is safe to keep pm's socket and state
// under. Whoever can replace a directory on the way to PM_HOME can plant a
// pm.sock there and receive every request, environment and secrets included,
// so every directory from / down must be ours or root's and writable by no
// one else.

#include <string>

namespace pm {

/// Checks every existing directory from / down to `path` (and `path` itself
/// if it exists): owned by the effective user or root, not writable by group
/// or others (root's sticky directories such as /tmp excepted: nobody else
/// can replace an entry there). A symbolic link owned by us or root is
/// followed and its target checked the same way. Throws std::runtime_error
/// saying what is wrong and what to do.
void check_trusted_path(const std::string& path);

}  // namespace pm
