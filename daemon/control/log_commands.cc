#include "common/log_events.h"
#include "daemon/control/handlers.h"
#include "daemon/control/log_follower.h"
#include "daemon/logs/log_tail.h"

namespace pm {

namespace {

/// The wanted files of the instances, opened now.
std::vector<TailFile> tail_files(const Supervisor& supervisor, const std::vector<int>& ids,
                                 const LogFilter& filter) {
  std::vector<TailFile> files;
  for (int id : ids) {
    Instance* instance = supervisor.find(id);
    if (!instance) continue;
    if (filter.out)
      files.emplace_back(id, instance->spec().name, "out", instance->out_log().file().path());
    if (filter.err)
      files.emplace_back(id, instance->spec().name, "err", instance->err_log().file().path());
  }
  return files;
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
  // Follow the named instances, or for "all"/no target, whatever runs later too.
  filter.everything = !request.contains(field::kTargets) || request[field::kTargets].empty();
  if (!filter.everything) {
    for (const auto& target : request[field::kTargets])
      if (target == "all") filter.everything = true;
    filter.ids.insert(ids.begin(), ids.end());
  }
  std::vector<TailFile> files;
  if (lines > 0) files = tail_files(context.supervisor, ids, filter);
  // Lines written from here on are the follower's; those before, the tails'.
  std::shared_ptr<LogFollower> follower;
  if (follow) follower = LogFollower::follow(context.bus, client, filter);
  context.tails.read(
      std::move(files), lines, kMaxTailBytes, [client] { return !client->closed(); },
      [client, follower](std::vector<TailFile>& tails) {
        for (auto& tail : tails)
          client->stream(
              LogTailEvent{tail.id, tail.app, tail.stream, tail.path, std::move(tail.lines)});
        if (follower)
          follower->release();
        else
          client->reply(ok_reply());
      });
}

void flush(CommandContext& context, const json& request, Client client) {
  json files = json::array();
  for (int id : requested_ids(context.supervisor, request, true)) {
    if (Instance* instance = context.supervisor.find(id)) {
      for (LogSink* sink : {&instance->out_log(), &instance->err_log()}) {
        sink->file().truncate();
        files.push_back(sink->file().path());
      }
      if (LogFile* combined = instance->out_log().combined()) {
        combined->truncate();
        files.push_back(combined->path());
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
