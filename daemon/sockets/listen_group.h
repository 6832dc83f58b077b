#pragma once
// ListenGroup: the sockets pmd holds for one address of an app.
//
// For TCP, a SO_REUSEPORT group with one socket per instance (and one more
// for each replacement during a reload), each handed to its instance only.
// A classic BPF program attached to the group (SteeringProgram) decides in
// the kernel which socket a new connection is queued on, so pmd can steer
// connections away from an instance before stopping it, and a crashed
// instance's queue waits in pmd's copy of its socket for the restart.
//
// The kernel keeps a group's sockets in an array, in the order they started
// listening, and the program names them by position. A socket leaves the
// array only when it stops listening (its last holder closed it, or someone
// shut it down), and the last one then moves into its hole. So pmd never
// closes a socket while the app lives: one an instance no longer needs
// waits, still listening, for the next instance, queue and all; and one
// that stopped listening anyway (a program shut it down) is mirrored, the
// move included, and made to listen again, at the end.
//
// Accepting sockets defer accepts (TCP_DEFER_ACCEPT) unless the app says
// not to: a connection reaches the queue, and so the instance, only with its
// first bytes. An instance that dies then holds no connection that has
// nothing to do yet, and with Node's accept pacing, only the one it was
// serving. Every other socket accepts at once: a probe must be seen at its
// handshake, and whatever a socket that is being steered away from still
// has half-open lands in its queue while its instance can drain it.
//
// When the app leaves (stopped or deleted) and none accepts, new connections
// go to a free socket (made if need be) that nobody accepts from, while the
// last instances drain their own queues; it is closed with the others.
//
// A Unix address has one socket that every instance shares.

#include <memory>
#include <string>
#include <vector>

#include "common/listen_address.h"
#include "daemon/sockets/route.h"
#include "daemon/sockets/steering_program.h"

namespace pm {

/// Owned by an app's ListenerSet.
class ListenGroup {
 public:
  struct Member {
    int fd;
    SocketHolder holder;  // nullptr: free, waiting for the next instance
    int deferred = -1;    // TCP_DEFER_ACCEPT as last set: 1, 0, or -1 not yet
  };

  /// Binds the address (its first socket, free); throws UserError saying
  /// why it cannot (in use, permission, not an address of this machine).
  explicit ListenGroup(const ListenAddress& address);
  /// Takes over sockets bound before `pm update`, in group order.
  ListenGroup(const ListenAddress& address, int port, std::vector<int> fds);
  ~ListenGroup();
  ListenGroup(const ListenGroup&) = delete;
  ListenGroup& operator=(const ListenGroup&) = delete;

  const ListenAddress& address() const { return address_; }
  /// The port actually bound (differs from the request for port 0).
  int port() const { return port_; }
  const std::vector<Member>& members() const { return members_; }

  /// The socket of `holder`: the one it has, else a free one, else a new
  /// one. Throws UserError when a new one cannot be bound.
  int socket_for(SocketHolder holder);
  /// Hands the socket at `position` to `holder` (taking over after `pm update`).
  void assign(std::size_t position, SocketHolder holder);
  /// `holder` needs its socket no more: it waits for the next instance.
  void release(SocketHolder holder);
  bool holds(SocketHolder holder) const { return find(holder) != nullptr; }
  /// Connections waiting in `holder`'s accept queue.
  int queued(SocketHolder holder) const;
  /// Connections waiting in every socket of the group.
  int queued_all() const;
  /// Connections the kernel dropped at the group's sockets (a full accept
  /// queue, mostly), since each was made.
  long long dropped_all() const;
  /// Resets the connections waiting in `holder`'s queue, which no process
  /// will accept: the clients see it at once and retry, instead of waiting
  /// for an instance that is not coming. Returns how many.
  int reset_queued(SocketHolder holder);
  /// Resets what waits in free sockets while some instance accepts: a
  /// connection whose handshake began before its instance was steered away
  /// and whose first bytes came after it stopped. Returns how many.
  int reset_late_arrivals();
  /// A program's own listen() set the backlog of its socket to its own.
  void restore_backlog(SocketHolder holder);
  /// Attaches the program for `route`, unless it is the one attached, and
  /// defers accepts on the accepting sockets when the route says so.
  /// Whether a new program was attached.
  bool steer(const Route& route);
  /// Whether the attached program sends this probe to its instance.
  bool steers_probe(std::uint16_t source_port) const;

 private:
  const Member* find(SocketHolder holder) const;
  Steering steering_for(const Route& route) const;
  /// Accepts and resets every connection waiting in `fd`'s queue.
  int reset_queue(int fd);
  /// Mirrors sockets that stopped listening, and makes them listen again.
  void repair();
  /// TCP_DEFER_ACCEPT on the sockets at `accepting` when `on`, off on the others.
  void defer_accept(bool on, const std::vector<int>& accepting);
  /// Attaches the program for `route` (after repair()); returns its steering.
  Steering attach(const Route& route);

  ListenAddress address_;
  int port_ = 0;
  std::vector<Member> members_;
  bool steered_ = false;
  Steering steering_;
};

}  // namespace pm
