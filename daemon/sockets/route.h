#pragma once
// Route: which instances new connections should reach, as their App sees
// it. Each ListenGroup turns it into a Steering of its own sockets.

#include <cstdint>
#include <utility>
#include <vector>

namespace pm {

/// Whoever a socket of a group is handed to: an Instance, named by address
/// only (the sockets layer never looks into it).
using SocketHolder = const void*;

/// A plain value, built by the App on each reconcile pass.
struct Route {
  bool sticky = false;
  /// Whether accepting sockets hand over a connection only with its first
  /// bytes (see ListenGroup).
  bool defer_accept = true;
  /// Per slot, in slot order: the instance its clients go to (the slot's
  /// replacement once that accepts), nullptr when none accepts for it.
  std::vector<SocketHolder> slots;
  /// Ready and not stopping.
  std::vector<SocketHolder> accepting;
  /// On their way up: launching, or restarting after a crash.
  std::vector<SocketHolder> waiting;
  /// The app is leaving (stopped or deleted) and none accepts: new
  /// connections go to a socket nobody will accept from, closed with the
  /// others once the last instance has drained its own queue.
  bool refuse = false;
  /// A readiness probe's source port, and the instance it probes.
  std::vector<std::pair<std::uint16_t, SocketHolder>> probes;
};

}  // namespace pm
