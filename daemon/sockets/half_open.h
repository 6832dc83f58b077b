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
/// local `port`, IPv4 and IPv6, as /proc/net/tcp{,6} list them.
std::set<std::string> half_open_peers(int port);

}  // namespace pm
