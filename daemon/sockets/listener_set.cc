#include "daemon/sockets/listener_set.h"

#include <spdlog/spdlog.h>

#include "common/user_error.h"
#include "daemon/sockets/half_open.h"

namespace pm {

ListenGroup& ListenerSet::bind(const ListenAddress& address) {
  auto key = address.key();
  auto it = groups_.find(key);
  if (it != groups_.end()) return *it->second;
  try {
    auto group = std::make_unique<ListenGroup>(address);
    spdlog::info("listening on {} (port {})", address.display(), group->port());
    if (key == failed_key_) last_error_.clear();
    ListenGroup& bound = *groups_.emplace(key, std::move(group)).first->second;
    bound.steer(route_);
    return bound;
  } catch (const UserError& error) {
    last_error_ = error.what();
    failed_key_ = key;
    throw;
  }
}

int ListenerSet::socket_for(const ListenAddress& address, SocketHolder holder) {
  ListenGroup& group = bind(address);
  int fd = group.socket_for(holder);
  // Its queue must be reachable now: pmd's own probes, or the only instance.
  group.steer(route_);
  return fd;
}

void ListenerSet::release(SocketHolder holder) {
  for (auto& [key, group] : groups_) group->release(holder);
}

int ListenerSet::queued(SocketHolder holder) const {
  int total = 0;
  for (const auto& [key, group] : groups_) total += group->queued(holder);
  return total;
}

bool ListenerSet::others_accepting(SocketHolder holder) const {
  for (const auto& [key, group] : groups_) {
    if (!group->holds(holder)) continue;
    for (SocketHolder other : route_.accepting)
      if (other != holder && group->holds(other)) return true;
  }
  return false;
}

bool ListenerSet::tcp(SocketHolder holder) const {
  for (const auto& [key, group] : groups_)
    if (group->address().kind == ListenAddress::Kind::Tcp && group->holds(holder)) return true;
  return false;
}

std::set<std::string> ListenerSet::half_open(SocketHolder holder) const {
  std::set<std::string> peers;
  for (const auto& [key, group] : groups_)
    if (group->address().kind == ListenAddress::Kind::Tcp && group->holds(holder))
      peers.merge(half_open_peers(group->port()));
  return peers;
}

int ListenerSet::reset_queued(SocketHolder holder) {
  int total = 0;
  for (auto& [key, group] : groups_) total += group->reset_queued(holder);
  return total;
}

int ListenerSet::reset_late_arrivals() {
  int total = 0;
  for (auto& [key, group] : groups_) total += group->reset_late_arrivals();
  return total;
}

void ListenerSet::restore_backlog(SocketHolder holder) {
  for (auto& [key, group] : groups_) group->restore_backlog(holder);
}

bool ListenerSet::steer(const Route& route) {
  route_ = route;
  bool changed = false;
  for (auto& [key, group] : groups_) changed = group->steer(route_) || changed;
  return changed;
}

bool ListenerSet::steers_probe(std::uint16_t source_port) const {
  for (const auto& [key, group] : groups_)
    if (group->steers_probe(source_port)) return true;
  return false;
}

std::vector<ListenGroup*> ListenerSet::all() const {
  std::vector<ListenGroup*> result;
  for (const auto& entry : groups_) result.push_back(entry.second.get());
  return result;
}

void ListenerSet::adopt(std::unique_ptr<ListenGroup> group) {
  auto key = group->address().key();
  groups_[key] = std::move(group);
}

}  // namespace pm
