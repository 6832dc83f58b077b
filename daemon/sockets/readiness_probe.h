#pragma once
// ReadinessProbe: pmd's own connection to an instance's listening socket,
// the ready signal of a program that takes an inherited socket and says
// nothing (uvicorn --fd, Go's net.FileListener, any --listen program without
// sd_notify). The steering sends the probe, by its source port, to that
// instance's socket alone; once it has been queued there and the queue is
// empty again, the program has accepted it: it serves. No code in the
// program, and nothing reaches the instances that already serve.

#include <sys/socket.h>

#include <cstdint>

#include "common/listen_address.h"

namespace pm {

/// Owned by an Instance while it is launching.
class ReadinessProbe {
 public:
  /// A socket bound on loopback (of the address's family), not connected
  /// yet. Throws std::system_error.
  ReadinessProbe(const ListenAddress& address, int port);
  ~ReadinessProbe();
  ReadinessProbe(const ReadinessProbe&) = delete;
  ReadinessProbe& operator=(const ReadinessProbe&) = delete;

  /// What the steering matches the probe by.
  std::uint16_t source_port() const { return source_port_; }
  /// Starts connecting (non-blocking). Once the steering sends the source
  /// port to the instance: else the probe lands in another's queue.
  void connect();
  bool connecting() const { return connecting_; }
  /// Whether the handshake is done: the probe is queued or accepted.
  bool connected() const;

 private:
  int fd_ = -1;
  int family_ = 0;
  sockaddr_storage target_{};
  std::uint16_t source_port_ = 0;
  bool connecting_ = false;
};

}  // namespace pm
