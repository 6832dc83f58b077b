#include "daemon/sockets/half_open.h"

#include <arpa/inet.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>

namespace pm {

namespace {

/// "address:port" of a diag message's remote end.
std::string remote_of(const inet_diag_msg& message) {
  char address[INET6_ADDRSTRLEN] = "";
  inet_ntop(message.idiag_family, message.id.idiag_dst, address, sizeof address);
  return std::string(address) + ":" + std::to_string(ntohs(message.id.idiag_dport));
}

/// Asks the kernel for the SYN_RECV sockets of `family` on local `port`
/// (it filters both); false when it cannot be asked.
bool dump(int family, int port, std::set<std::string>& peers) {
  int fd = ::socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
  if (fd < 0) return false;
  struct {
    nlmsghdr header;
    inet_diag_req_v2 request;
  } query{};
  query.header.nlmsg_len = sizeof query;
  query.header.nlmsg_type = SOCK_DIAG_BY_FAMILY;
  query.header.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
  query.request.sdiag_family = static_cast<std::uint8_t>(family);
  query.request.sdiag_protocol = IPPROTO_TCP;
  query.request.idiag_states = 1u << TCP_SYN_RECV;
  query.request.id.idiag_sport = htons(static_cast<std::uint16_t>(port));
  sockaddr_nl kernel{};
  kernel.nl_family = AF_NETLINK;
  if (::sendto(fd, &query, sizeof query, 0, reinterpret_cast<sockaddr*>(&kernel), sizeof kernel) !=
      static_cast<ssize_t>(sizeof query)) {
    ::close(fd);
    return false;
  }
  alignas(nlmsghdr) char buffer[16384];
  bool ok = false;
  for (bool done = false; !done;) {
    ssize_t length = ::recv(fd, buffer, sizeof buffer, 0);
    if (length <= 0) break;
    auto size = static_cast<std::size_t>(length);
    for (std::size_t offset = 0; offset + sizeof(nlmsghdr) <= size;) {
      const auto* header = reinterpret_cast<const nlmsghdr*>(buffer + offset);
      if (header->nlmsg_len < sizeof(nlmsghdr) || offset + header->nlmsg_len > size) break;
      offset += NLMSG_ALIGN(header->nlmsg_len);
      if (header->nlmsg_type == NLMSG_DONE) {
        ok = done = true;
        break;
      }
      if (header->nlmsg_type == NLMSG_ERROR) {
        done = true;
        break;
      }
      const auto* message = static_cast<const inet_diag_msg*>(NLMSG_DATA(header));
      if (message->idiag_state == TCP_SYN_RECV) peers.insert(remote_of(*message));
    }
  }
  ::close(fd);
  return ok;
}

}  // namespace

std::set<std::string> half_open_peers(int port) {
  std::set<std::string> peers;
  dump(AF_INET, port, peers);
  dump(AF_INET6, port, peers);
  return peers;
}

}  // namespace pm
