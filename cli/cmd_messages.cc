// `pm send` and `pm signal`: reach the running instances.

#include "cli/commands.h"
#include "common/signal_names.h"

namespace pm {

namespace {

void report(const json& reply, const char* done_key, const std::string& verb) {
  std::string ids;
  for (const auto& id : reply[done_key]) ids += (ids.empty() ? "" : ", ") + id.dump();
  if (!ids.empty()) say(verb + " instance" + (reply[done_key].size() == 1 ? " " : "s ") + ids);
  std::string missed;
  for (const auto& id : reply["missed"]) missed += (missed.empty() ? "" : ", ") + id.dump();
  if (!missed.empty()) throw UserError("not running, nothing sent: instance " + missed);
}

}  // namespace

void add_message_commands(CLI::App& app) {
  auto target = std::make_shared<std::string>();
  auto text = std::make_shared<std::string>();
  auto* send =
      app.add_subcommand("send",
                         "Send a JSON message to instances (process.on('message') in Node, "
                         "$PM_CHANNEL_FD otherwise)");
  send->add_option("target", *target, "App name, instance id, or all")->required();
  send->add_option("message", *text, "A JSON value, e.g. '{\"usersCount\":25}'")->required();
  send->callback([target, text] {
    json message = json::parse(*text, nullptr, false);
    if (message.is_discarded())
      throw UserError("the message is not JSON: " + *text + " (quote strings: '\"hello\"')");
    DaemonClient client(Paths::from_environment());
    report(client.call(make_request("send", {{"targets", {*target}}, {"message", message}})),
           "delivered", "sent to");
  });

  auto signal = std::make_shared<std::string>();
  auto signal_target = std::make_shared<std::string>();
  auto* cmd = app.add_subcommand("signal", "Send a Unix signal to instances");
  cmd->add_option("signal", *signal, "SIGUSR1, USR1, 10 ...")->required();
  cmd->add_option("target", *signal_target, "App name, instance id, or all")->required();
  cmd->callback([signal, signal_target] {
    if (signal_number(*signal) == 0) throw UserError("\"" + *signal + "\" is not a signal");
    DaemonClient client(Paths::from_environment());
    report(client.call(make_request("signal", {{"targets", {*signal_target}},
                                               {"signal", signal_name(signal_number(*signal))}})),
           "signalled", "sent " + signal_name(signal_number(*signal)) + " to");
  });
}

}  // namespace pm
