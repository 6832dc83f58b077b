#include "daemon/sockets/listener_set.h"

#include <spdlog/spdlog.h>

#include "common/user_error.h"

namespace pm {

SharedListener& ListenerSet::acquire(const ListenAddress& address) {
  auto key = address.key();
  auto it = listeners_.find(key);
  if (it != listeners_.end()) return *it->second;
  try {
    auto listener = std::make_unique<SharedListener>(address);
    spdlog::info("listening on {} (fd {})", address.display(), listener->fd());
    if (key == failed_key_) last_error_.clear();
    return *listeners_.emplace(key, std::move(listener)).first->second;
  } catch (const UserError& error) {
    last_error_ = error.what();
    failed_key_ = key;
    throw;
  }
}

std::vector<SharedListener*> ListenerSet::all() const {
  std::vector<SharedListener*> result;
  for (const auto& entry : listeners_) result.push_back(entry.second.get());
  return result;
}

}  // namespace pm
