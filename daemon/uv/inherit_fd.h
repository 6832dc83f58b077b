#pragma once
// inherit_fd: the one way an fd outlives pmd's exec of its successor
// (`pm update`, see daemon/takeover.h).

#include <fcntl.h>

namespace pm {

/// A copy of `fd` that survives exec (-1 for -1). The original, like every
/// fd pmd opens, is close-on-exec.
inline int inherit_fd(int fd) {
  return fd < 0 ? -1 : ::fcntl(fd, F_DUPFD, 3);
}

}  // namespace pm
