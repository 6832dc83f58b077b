#pragma once
// ListenerSet: the shared sockets of one app, by address. Instances ask it
// for the socket of the address they want; the first ask binds it.

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "daemon/sockets/shared_listener.h"

namespace pm {

/// Owned by an App; every instance of the app holds a reference.
class ListenerSet {
 public:
  /// The socket for `address`, bound now if it is not yet. Throws UserError;
  /// the error is also kept as last_error() until that address binds.
  SharedListener& acquire(const ListenAddress& address);
  std::vector<SharedListener*> all() const;
  /// Takes over a socket that was bound for this set before `pm update`.
  void adopt(const ListenAddress& address, int fd, int port) {
    listeners_[address.key()] = std::make_unique<SharedListener>(address, fd, port);
  }
  /// Closes every socket: the ports are free again.
  void close_all() { listeners_.clear(); }
  bool empty() const { return listeners_.empty(); }
  /// Why the last bind failed, while that address is not bound.
  const std::string& last_error() const { return last_error_; }

 private:
  std::map<std::string, std::unique_ptr<SharedListener>> listeners_;
  std::string last_error_;
  std::string failed_key_;  // the address last_error_ is about
};

}  // namespace pm
