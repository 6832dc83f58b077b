#pragma once
// SharedListener: a listening socket that the daemon binds once and keeps,
// never accepting on it, for as long as its app runs. Every instance of the
// app gets a copy, so the kernel keeps queueing connections while instances
// crash, restart or reload.

#include <string>

#include "common/listen_address.h"

namespace pm {

/// Owned by an app's ListenerSet.
class SharedListener {
 public:
  /// Binds and listens; throws UserError saying why it cannot (in use,
  /// permission, not an address of this machine).
  explicit SharedListener(const ListenAddress& address);
  /// Takes over a socket already bound and listening (after `pm update`).
  SharedListener(const ListenAddress& address, int fd, int port)
      : address_(address), fd_(fd), port_(port) {}
  ~SharedListener();
  SharedListener(const SharedListener&) = delete;
  SharedListener& operator=(const SharedListener&) = delete;

  int fd() const { return fd_; }
  const ListenAddress& address() const { return address_; }
  /// The port actually bound (differs from the request for port 0).
  int port() const { return port_; }
  /// A child's own listen() resets the backlog: put the daemon's back.
  void restore_backlog();

 private:
  ListenAddress address_;
  int fd_ = -1;
  int port_ = 0;
};

/// The backlog pmd listens with: the kernel's somaxconn.
int listen_backlog();

}  // namespace pm
