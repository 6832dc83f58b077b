#pragma once
// SteeringProgram: the classic BPF program pmd attaches to a SO_REUSEPORT
// group (SO_ATTACH_REUSEPORT_CBPF, no capability needed) to choose, in the
// kernel, which socket of the group a new connection is queued on. The
// program returns a socket's position in the group; a position past the
// group's end lets the kernel choose by its own hash.
//
//   probes:    a connection from one of pmd's readiness probes (by source
//              port) goes to the socket it probes
//   sticky:    hash of the client address → a slot; the slot's socket if it
//              accepts, else one of the accepting sockets by the same hash
//   otherwise: a random accepting socket (the kernel's even spread)
//   none accepting: the sockets of instances on their way up (their queues
//              wait for them), else the kernel's own choice

#include <linux/filter.h>

#include <cstdint>
#include <utility>
#include <vector>

namespace pm {

/// Where connections go, as positions in the group. A plain value, built by
/// a ListenGroup from its Route.
struct Steering {
  bool sticky = false;
  /// Per slot (sticky only): the position its clients go to, -1 when none
  /// accepts for it now.
  std::vector<int> slots;
  std::vector<int> accepting;
  /// Not accepting yet but will be (launching, restarting after a crash).
  std::vector<int> waiting;
  /// Source port of a probe connection → the position it must reach.
  std::vector<std::pair<std::uint16_t, int>> probes;

  bool operator==(const Steering& other) const {
    return sticky == other.sticky && slots == other.slots && accepting == other.accepting &&
           waiting == other.waiting && probes == other.probes;
  }
};

/// The program for `steering`; empty when it would be longer than the
/// kernel allows (then the kernel's hash spreads connections).
std::vector<sock_filter> steering_program(const Steering& steering);

}  // namespace pm
