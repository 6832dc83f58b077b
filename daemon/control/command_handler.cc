#include "daemon/control/command_handler.h"

#include <chrono>
#include <map>
#include <string>

#include "common/user_error.h"

namespace pm {

namespace {

std::int64_t wall_clock_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

const std::map<std::string, Handler>& handler_table() {
  static const std::map<std::string, Handler> kHandlers = {
      {command::kStart.name, handlers::start},
      {command::kScale.name, handlers::scale},
      {command::kStop.name, handlers::stop},
      {command::kRestart.name, handlers::restart},
      {command::kReset.name, handlers::reset},
      {command::kDelete.name, handlers::remove},
      {command::kList.name, handlers::list},
      {command::kDescribe.name, handlers::describe},
      {command::kEnv.name, handlers::env},
      {command::kReload.name, handlers::reload},
      {command::kApply.name, handlers::apply},
      {command::kLogs.name, handlers::logs},
      {command::kFlush.name, handlers::flush},
      {command::kReloadLogs.name, handlers::reload_logs},
      {command::kSend.name, handlers::send},
      {command::kSignal.name, handlers::signal},
      {command::kSave.name, handlers::save},
      {command::kResurrect.name, handlers::resurrect},
      {command::kCleardump.name, handlers::cleardump},
      {command::kPing.name, handlers::ping},
      {command::kKill.name, handlers::kill},
      {command::kUpdate.name, handlers::update},
  };
  return kHandlers;
}

}  // namespace

CommandHandler::CommandHandler(uv_loop_t* loop, Supervisor& supervisor, LogBus& bus,
                               const Paths& paths, Shutdown shutdown, Takeover takeover)
    : context_{loop,
               supervisor,
               bus,
               StateStore(paths),
               std::move(shutdown),
               std::move(takeover),
               wall_clock_ms(),
               TailReader(loop)} {}

void CommandHandler::handle(const json& request, Client client) {
  const std::string name = request[field::kCmd];
  try {
    auto handler = handler_table().find(name);
    if (handler == handler_table().end()) {
      client->reply(error_reply("unknown command \"" + name + "\""));
      return;
    }
    handler->second(context_, request, client);
  } catch (const UserError& error) {
    client->reply(error_reply(error.what()));
  } catch (const json::exception& error) {
    client->reply(error_reply(std::string("malformed request: ") + error.what()));
  }
}

}  // namespace pm
