#include "daemon/supervision/app.h"

#include <spdlog/spdlog.h>
#include <uv.h>

#include <algorithm>

namespace pm {

App::App(InstanceContext& context, AppSpec spec)
    : context_(context),
      spec_(std::make_shared<const AppSpec>(std::move(spec))),
      cron_timer_(context.loop),
      watch_timer_(context.loop),
      late_arrivals_timer_(context.loop) {
  // A scheduled restart must not keep pmd alive on its own.
  cron_timer_.unref();
  late_arrivals_timer_.unref();
}

void App::set_spec(AppSpec spec) {
  spec_ = std::make_shared<const AppSpec>(std::move(spec));
}

Instance* App::find(int id) const {
  for (const auto& instance : instances_)
    if (instance->id() == id) return instance.get();
  return nullptr;
}

std::vector<const Instance*> App::all_instances() const {
  std::vector<const Instance*> all;
  for (const Instances* list : {&instances_, &incoming_, &retiring_})
    for (const auto& instance : *list) all.push_back(instance.get());
  return all;
}

nlohmann::json App::saved_spec() const {
  nlohmann::json spec = to_json(*spec_);
  spec.erase("argv");
  int cpus = static_cast<int>(uv_available_parallelism());
  int running = static_cast<int>(instances_.size());
  if (resolve_instances(spec_->instances, cpus) != running) spec["instances"] = running;
  return spec;
}

Instance* App::find_process(pid_t pid) const {
  for (const Instances* list : {&instances_, &incoming_, &retiring_})
    for (const auto& instance : *list)
      if (instance->pid() == pid) return instance.get();
  return nullptr;
}

App::Instances::iterator App::find_in(Instances& list, const Instance& instance) {
  return std::find_if(list.begin(), list.end(),
                      [&](const auto& candidate) { return candidate.get() == &instance; });
}

Instance& App::add_slot(int id) {
  int index = static_cast<int>(instances_.size());
  instances_.push_back(std::make_unique<Instance>(context_, id, index, spec_, listeners_));
  return *instances_.back();
}

Instance& App::adopt_slot(const nlohmann::json& saved) {
  instances_.push_back(std::make_unique<Instance>(
      context_, saved.value("id", 0), saved.value("index", 0), spec_, listeners_, &saved));
  return *instances_.back();
}

void App::remove_slot(int id) {
  instances_.erase(std::remove_if(instances_.begin(), instances_.end(),
                                  [id](const auto& instance) { return instance->id() == id; }),
                   instances_.end());
}

Instance& App::add_replacement(const Instance& old) {
  incoming_.push_back(
      std::make_unique<Instance>(context_, old.id(), old.index(), spec_, listeners_));
  incoming_.back()->succeed(old);
  return *incoming_.back();
}

Instance* App::swap_in(Instance& replacement) {
  auto slot = std::find_if(instances_.begin(), instances_.end(), [&](const auto& instance) {
    return instance->id() == replacement.id();
  });
  if (slot == instances_.end()) {
    retire_replacement(replacement);
    return nullptr;
  }
  auto incoming = find_in(incoming_, replacement);
  std::unique_ptr<Instance> old = std::move(*slot);
  *slot = std::move(*incoming);
  incoming_.erase(incoming);
  old->stop();
  retiring_.push_back(std::move(old));
  return retiring_.back().get();
}

void App::retire_replacement(Instance& replacement) {
  auto incoming = find_in(incoming_, replacement);
  std::unique_ptr<Instance> fresh = std::move(*incoming);
  incoming_.erase(incoming);
  fresh->stop();
  retiring_.push_back(std::move(fresh));
}

void App::steer() {
  Route route;
  route.sticky = spec_->sticky;
  route.defer_accept = spec_->defer_accept;
  for (const auto& slot : instances_) {
    const Instance* target = slot->accepting() ? slot.get() : nullptr;
    for (const auto& replacement : incoming_)
      if (replacement->id() == slot->id() && replacement->accepting()) target = replacement.get();
    route.slots.push_back(target);
  }
  bool leaving = false;
  for (const Instances* list : {&instances_, &incoming_, &retiring_})
    for (const auto& instance : *list) {
      if (instance->accepting())
        route.accepting.push_back(instance.get());
      else if (instance->on_its_way())
        route.waiting.push_back(instance.get());
      leaving = leaving || instance->leaving();
      if (std::uint16_t port = instance->probe_port())
        route.probes.emplace_back(port, instance.get());
    }
  route.refuse = leaving && route.accepting.empty() && route.waiting.empty();
  if (route.refuse && !refusing_ && !listeners_.empty())
    spdlog::info("app {}: new connections are turned away while its last instances drain",
                 spec_->name);
  refusing_ = route.refuse;
  bool changed = listeners_.steer(route);
  // With deferred accepts, a client that connected to a socket just steered
  // away from may send its first bytes after that socket's instance is gone
  // (the kernel queues it within a second): reset it then, so that it
  // retries at once rather than waiting for an instance that is not coming.
  if (changed && route.defer_accept && !route.accepting.empty())
    late_arrivals_timer_.start(kLateArrivalsMs, [this] {
      if (int reset = listeners_.reset_late_arrivals())
        spdlog::warn("{}: reset {} connection(s) that reached a socket after its instance left",
                     spec_->name, reset);
    });
}

void App::drop_retired() {
  retiring_.erase(std::remove_if(retiring_.begin(), retiring_.end(),
                                 [](const auto& instance) {
                                   return instance->state() != InstanceState::Stopping;
                                 }),
                  retiring_.end());
}

}  // namespace pm
