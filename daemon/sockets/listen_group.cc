#include "daemon/sockets/listen_group.h"

#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <unordered_map>

#include "daemon/sockets/listen_socket.h"

namespace pm {

namespace {

/// The accept queue of a listening TCP socket, which the kernel reports as
/// unacked.
int queue_length(int fd) {
  tcp_info info{};
  socklen_t length = sizeof info;
  if (::getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &length) != 0) return 0;
  return static_cast<int>(info.tcpi_unacked);
}

bool tcp(const ListenAddress& address) {
  return address.kind == ListenAddress::Kind::Tcp;
}

bool is_listening(int fd) {
  int listening = 0;
  socklen_t length = sizeof listening;
  return ::getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &length) == 0 && listening;
}

}  // namespace

ListenGroup::ListenGroup(const ListenAddress& address) : address_(address) {
  if (tcp(address)) {
    int fd = open_tcp_listener(address, address.port, true);
    port_ = bound_port(fd);
    members_.push_back({fd, nullptr});
  } else {
    members_.push_back({open_unix_listener(address), nullptr});
  }
}

ListenGroup::ListenGroup(const ListenAddress& address, int port, std::vector<int> fds)
    : address_(address), port_(port) {
  for (int fd : fds) members_.push_back({fd, nullptr});
}

ListenGroup::~ListenGroup() {
  for (const Member& member : members_) ::close(member.fd);
  if (!tcp(address_)) ::unlink(address_.path.c_str());
}

const ListenGroup::Member* ListenGroup::find(SocketHolder holder) const {
  for (const Member& member : members_)
    if (member.holder == holder) return &member;
  return nullptr;
}

int ListenGroup::socket_for(SocketHolder holder) {
  if (!tcp(address_)) return members_.front().fd;
  if (const Member* own = find(holder)) return own->fd;
  for (Member& member : members_)
    if (!member.holder) {
      member.holder = holder;
      return member.fd;
    }
  members_.push_back({open_tcp_listener(address_, port_, false), holder});
  return members_.back().fd;
}

void ListenGroup::assign(std::size_t position, SocketHolder holder) {
  if (position < members_.size() && tcp(address_)) members_[position].holder = holder;
}

void ListenGroup::release(SocketHolder holder) {
  for (Member& member : members_)
    if (member.holder == holder) member.holder = nullptr;
}

int ListenGroup::queued(SocketHolder holder) const {
  const Member* member = find(holder);
  if (!member || !tcp(address_)) return 0;
  return queue_length(member->fd);
}

int ListenGroup::queued_all() const {
  if (!tcp(address_)) return 0;
  int total = 0;
  for (const Member& member : members_) total += queue_length(member.fd);
  return total;
}

long long ListenGroup::dropped_all() const {
  long long total = 0;
  for (const Member& member : members_) {
    // A listener's drop count (sk_drops): the kernel adds to it wherever it
    // counts a ListenDrop, overflows included.
    std::uint32_t info[SK_MEMINFO_VARS] = {};
    socklen_t length = sizeof info;
    if (::getsockopt(member.fd, SOL_SOCKET, SO_MEMINFO, info, &length) == 0 &&
        length > SK_MEMINFO_DROPS * sizeof info[0])
      total += info[SK_MEMINFO_DROPS];
  }
  return total;
}

int ListenGroup::reset_queued(SocketHolder holder) {
  const Member* member = find(holder);
  if (!member || !tcp(address_)) return 0;
  return reset_queue(member->fd);
}

int ListenGroup::reset_late_arrivals() {
  if (!tcp(address_) || !steered_ || steering_.accepting.empty()) return 0;
  int count = 0;
  for (const Member& member : members_)
    if (!member.holder) count += reset_queue(member.fd);
  return count;
}

int ListenGroup::reset_queue(int fd) {
  int count = 0;
  // poll, not O_NONBLOCK: that flag would change for every holder. And a
  // receive timeout meanwhile, should a process that kept a copy take the
  // connection between the poll and the accept.
  timeval brief{0, 10000}, none{0, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &brief, sizeof brief);
  pollfd ready{fd, POLLIN, 0};
  while (::poll(&ready, 1, 0) == 1 && (ready.revents & POLLIN)) {
    int client = ::accept4(fd, nullptr, nullptr, SOCK_CLOEXEC);
    if (client < 0) break;
    linger reset{1, 0};
    ::setsockopt(client, SOL_SOCKET, SO_LINGER, &reset, sizeof reset);
    ::close(client);
    ++count;
  }
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &none, sizeof none);
  return count;
}

void ListenGroup::restore_backlog(SocketHolder holder) {
  const Member* member = tcp(address_) ? find(holder) : &members_.front();
  if (member) ::listen(member->fd, listen_backlog());
}

Steering ListenGroup::steering_for(const Route& route) const {
  std::unordered_map<SocketHolder, int> position;
  for (std::size_t i = 0; i < members_.size(); ++i)
    if (members_[i].holder) position[members_[i].holder] = static_cast<int>(i);
  auto at = [&](SocketHolder holder) {
    auto it = position.find(holder);
    return it == position.end() ? -1 : it->second;
  };
  Steering steering;
  steering.sticky = route.sticky;
  for (SocketHolder holder : route.slots) steering.slots.push_back(holder ? at(holder) : -1);
  for (SocketHolder holder : route.accepting)
    if (int i = at(holder); i >= 0) steering.accepting.push_back(i);
  for (SocketHolder holder : route.waiting)
    if (int i = at(holder); i >= 0) steering.waiting.push_back(i);
  if (route.refuse && steering.accepting.empty())
    for (std::size_t i = 0; i < members_.size() && steering.waiting.empty(); ++i)
      if (!members_[i].holder) steering.waiting.push_back(static_cast<int>(i));
  if (steering.accepting.empty() && steering.waiting.empty())
    // Nobody is on the way: queue for whoever holds a socket, not in a
    // free socket that nobody may take for a long time.
    for (const auto& [holder, i] : position) steering.waiting.push_back(i);
  for (const auto& [port, holder] : route.probes)
    if (int i = at(holder); i >= 0) steering.probes.emplace_back(port, i);
  return steering;
}

void ListenGroup::repair() {
  for (std::size_t i = 0; i < members_.size();) {
    if (is_listening(members_[i].fd)) {
      ++i;
      continue;
    }
    // The kernel moved the group's last socket into this one's place.
    bool was_last = i + 1 == members_.size();
    Member left = members_[i];
    members_[i] = members_.back();
    members_.back() = left;
    ListenAddress bound = address_;
    bound.port = port_;
    spdlog::warn("{}: a program shut down its listening socket; pmd makes it listen again",
                 bound.display());
    if (::listen(left.fd, listen_backlog()) != 0) {
      spdlog::error("{}: cannot listen again: {}", address_.display(), std::strerror(errno));
      members_.pop_back();
      ::close(left.fd);
    }
    if (was_last) break;
  }
}

bool ListenGroup::steers_probe(std::uint16_t source_port) const {
  for (const auto& [port, position] : steering_.probes)
    if (port == source_port) return steered_;
  return false;
}

bool ListenGroup::steer(const Route& route) {
  if (!tcp(address_)) return false;
  bool free_one = std::any_of(members_.begin(), members_.end(),
                              [](const Member& member) { return !member.holder; });
  if (route.refuse && !free_one) {
    try {
      members_.push_back({open_tcp_listener(address_, port_, false), nullptr});
    } catch (const std::exception& error) {
      spdlog::warn("{}: new connections will wait for the stop: {}", address_.display(),
                   error.what());
    }
  }
  Steering steering = steering_for(route);
  bool changed = !steered_ || !(steering == steering_);
  if (changed) steering = attach(route);
  defer_accept(route.defer_accept, steering.accepting);
  return changed;
}

void ListenGroup::defer_accept(bool on, const std::vector<int>& accepting) {
  for (std::size_t i = 0; i < members_.size(); ++i) {
    int wanted =
        on && std::find(accepting.begin(), accepting.end(), static_cast<int>(i)) != accepting.end();
    if (members_[i].deferred == wanted) continue;
    // Seconds before the kernel queues a connection that has sent nothing
    // anyway (a server that speaks first waits this long; see --no-defer-accept).
    int seconds = wanted ? 1 : 0;
    if (::setsockopt(members_[i].fd, IPPROTO_TCP, TCP_DEFER_ACCEPT, &seconds, sizeof seconds) == 0)
      members_[i].deferred = wanted;
  }
}

Steering ListenGroup::attach(const Route& route) {
  repair();
  Steering steering = steering_for(route);
  std::vector<sock_filter> code = steering_program(steering);
  if (code.empty()) {
    // More instances than a program can name: the kernel's hash spreads
    // connections over every socket, free ones included.
    code = {{BPF_RET | BPF_K, 0, 0, 0xffffffff}};
  }
  sock_fprog program{static_cast<unsigned short>(code.size()), code.data()};
  if (::setsockopt(members_.front().fd, SOL_SOCKET, SO_ATTACH_REUSEPORT_CBPF, &program,
                   sizeof program) != 0) {
    spdlog::error("{}: cannot steer connections: {}", address_.display(), std::strerror(errno));
    return steering;
  }
  steered_ = true;
  steering_ = steering;
  return steering;
}

}  // namespace pm
