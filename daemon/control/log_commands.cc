#include "common/log_events.h"
#include "daemon/control/handlers.h"
#include "daemon/control/log_follower.h"
#include "daemon/logs/log_tail.h"

namespace pm {

namespace {

/// Streams the last `lines` of each wanted file of the instances.
void send_tails(const Supervisor& supervisor, const std::vector<int>& ids, std::size_t lines,
                bool out, bool err, const Client& client) {
  if (lines == 0) return;
  for (int id : ids) {
    Instance* instance = supervisor.find(id);
    if (!instance) continue;
    auto send_tail = [&](LogSink& sink, const char* stream) {
      const std::string& path = sink.file().path();
      client->stream(
          LogTailEvent{id, instance->spec().name, stream, path, last_lines(path, lines)});
    };
    if (out) send_tail(instance->out_log(), "out");
    if (err) send_tail(instance->err_log(), "err");
  }
}

}  // namespace

namespace handlers {

void logs(CommandContext& context, const json& request, Client client) {
  auto ids = requested_ids(context.supervisor, request, true);
  std::size_t lines = request.value(field::kLines, 15);
  LogFilter filter;
  filter.out = request.value(field::kOut, true);
  filter.err = request.value(field::kErr, true);
  bool follow = request.value(field::kFollow, false);
  send_tails(context.supervisor, ids, lines, filter.out, filter.err, client);
  if (!follow) {
    client->reply(ok_reply());
    return;
  }
  // Follow the named instances, or for "all"/no target, whatever runs later too.
  filter.everything = !request.contains(field::kTargets) || request[field::kTargets].empty();
  if (!filter.everything) {
    for (const auto& target : request[field::kTargets])
      if (target == "all") filter.everything = true;
    filter.ids.insert(ids.begin(), ids.end());
  }
  LogFollower::follow(context.bus, client, std::move(filter));
}

void flush(CommandContext& context, const json& request, Client client) {
  json files = json::array();
  for (int id : requested_ids(context.supervisor, request, true)) {
    if (Instance* instance = context.supervisor.find(id)) {
      for (LogSink* sink : {&instance->out_log(), &instance->err_log()}) {
        sink->file().truncate();
        files.push_back(sink->file().path());
      }
    }
  }
  client->reply(ok_reply({{field::kFiles, files}}));
}

void reload_logs(CommandContext& context, const json&, Client client) {
  context.supervisor.reopen_logs();
  client->reply(ok_reply());
}

}  // namespace handlers

}  // namespace pm
