#pragma once
// ListenerSet: the listening sockets of one app, a ListenGroup per address.
// Instances ask it for their own socket of the address they want (the first
// ask binds the address), and the App tells it where connections should go.

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "daemon/sockets/listen_group.h"
#include "daemon/sockets/route.h"

namespace pm {

/// Owned by an App; every instance of the app holds a reference.
class ListenerSet {
 public:
  /// Binds `address` if it is not yet. Throws UserError; the error is also
  /// kept as last_error() until that address binds.
  ListenGroup& bind(const ListenAddress& address);
  /// `holder`'s socket for `address` (see ListenGroup::socket_for); throws
  /// as bind() does.
  int socket_for(const ListenAddress& address, SocketHolder holder);
  /// `holder` is gone: its sockets wait for the next instances.
  void release(SocketHolder holder);
  /// Connections waiting in the accept queues of `holder`'s sockets.
  int queued(SocketHolder holder) const;
  /// Whether `holder` has a socket, and another instance with a socket is
  /// accepting: then steering away from `holder` leaves its clients served.
  bool others_accepting(SocketHolder holder) const;
  /// Whether `holder` has a TCP socket (whose queue a drain can wait for).
  bool tcp(SocketHolder holder) const;
  /// The half-open connections to the ports of `holder`'s TCP sockets
  /// (see half_open_peers).
  std::set<std::string> half_open(SocketHolder holder) const;
  void restore_backlog(SocketHolder holder);
  /// See ListenGroup::reset_queued; returns how many, over every address.
  int reset_queued(SocketHolder holder);
  /// See ListenGroup::reset_late_arrivals; returns how many, over every address.
  int reset_late_arrivals();
  /// Steers every address's connections as `route` says; whether that
  /// changed where some address's connections go.
  bool steer(const Route& route);
  /// Whether some address's steering sends this probe to its instance.
  bool steers_probe(std::uint16_t source_port) const;

  std::vector<ListenGroup*> all() const;
  /// Takes over a group bound before `pm update`.
  void adopt(std::unique_ptr<ListenGroup> group);
  /// Closes every socket: the ports are free again.
  void close_all() { groups_.clear(); }
  bool empty() const { return groups_.empty(); }
  /// Why the last bind failed, while that address is not bound.
  const std::string& last_error() const { return last_error_; }

 private:
  std::map<std::string, std::unique_ptr<ListenGroup>> groups_;
  Route route_;
  std::string last_error_;
  std::string failed_key_;  // the address last_error_ is about
};

}  // namespace pm
