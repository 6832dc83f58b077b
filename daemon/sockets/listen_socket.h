#pragma once
// How pmd opens the listening sockets it holds for apps (see ListenGroup):
// TCP sockets join one SO_REUSEPORT group per address, each with the
// daemon's backlog and TCP_NODELAY (accepted connections inherit it: a
// server that answers in two writes is not held back by Nagle's algorithm).

#include "common/listen_address.h"

namespace pm {

/// A listening TCP socket on `port` in the SO_REUSEPORT group of `address`.
/// `first`: nothing may listen there yet (another program, or a group of
/// another owner, would otherwise be joined); port 0 picks a free port.
/// Throws UserError saying why it cannot (in use, permission, not an
/// address of this machine).
int open_tcp_listener(const ListenAddress& address, int port, bool first);
/// A listening Unix socket; a socket file nobody answers on is replaced.
int open_unix_listener(const ListenAddress& address);
/// The port `fd` is bound to.
int bound_port(int fd);
/// The backlog pmd listens with: the kernel's somaxconn.
int listen_backlog();

}  // namespace pm
