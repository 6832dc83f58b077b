#pragma once
// Half-open connections: handshakes the kernel has answered on a port but
// not yet queued for accept(). With TCP_DEFER_ACCEPT these are clients that
// connected and have not spoken yet; they reach the queue of the socket
// their handshake began on once they do (or about a second later). A drain
// waits for those that began before it steered new connections away.

#include <set>
#include <string>

namespace pm {

/// The remote "address:port" of every half-open connection (SYN_RECV) to
/// local `port`, IPv4 and IPv6, from the kernel's socket diagnostics
/// (NETLINK_SOCK_DIAG), which filter by state and port themselves. Not
/// /proc/net/tcp: with many connections in TIME_WAIT its text takes pmd a
/// tenth of a second to read, and, read in parts while the table changes,
/// it can skip an entry. Empty when the kernel cannot be asked.
std::set<std::string> half_open_peers(int port);

}  // namespace pm
