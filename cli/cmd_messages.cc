// `pm send` and `pm signal`: reach the running instances.

#include "cli/commands.h"
#include "cli/positional_command.h"
#include "common/signal_names.h"

namespace pm {

namespace {

/// Says which instances were reached (ids under `reached`); fails naming
/// those that were not running.
void report(const json& reply, const char* reached, const std::string& verb) {
  std::string ids;
  for (const auto& id : reply[reached]) ids += (ids.empty() ? "" : ", ") + id.dump();
  if (!ids.empty()) say(verb + " instance" + (reply[reached].size() == 1 ? " " : "s ") + ids);
  std::string missed;
  for (const auto& id : reply[field::kMissed]) missed += (missed.empty() ? "" : ", ") + id.dump();
  if (!missed.empty()) throw UserError("not running, nothing sent: instance " + missed);
}

void send_message(const std::string& target, const std::string& text) {
  json message = json::parse(text, nullptr, false);
  if (message.is_discarded())
    throw UserError("the message is not JSON: " + text + " (quote strings: '\"hello\"')");
  DaemonClient client(Paths::from_environment());
  report(client.call(make_request(command::kSend,
                                  {{field::kTargets, {target}}, {field::kMessage, message}})),
         field::kDelivered, "sent to");
}

void send_signal(const std::string& signal, const std::string& target) {
  if (signal_number(signal) == 0) throw UserError("\"" + signal + "\" is not a signal");
  std::string name = signal_name(signal_number(signal));
  DaemonClient client(Paths::from_environment());
  report(client.call(
             make_request(command::kSignal, {{field::kTargets, {target}}, {field::kSignal, name}})),
         field::kSignalled, "sent " + name + " to");
}

}  // namespace

void add_message_commands(CLI::App& app) {
  add_positional_command(
      app, "send",
      "Send a JSON message to instances (process.on('message') in Node, "
      "$PM_CHANNEL_FD otherwise)",
      {{"target", "App name, instance id, all, namespace, script or /regex/"},
       {"message", "A JSON value, e.g. '{\"usersCount\":25}'"}},
      [](const std::vector<std::string>& words) { send_message(words[0], words[1]); });
  add_positional_command(
      app, "signal", "Send a Unix signal to instances",
      {{"signal", "SIGUSR1, USR1, 10 ..."},
       {"target", "App name, instance id, all, namespace, script or /regex/"}},
      [](const std::vector<std::string>& words) { send_signal(words[0], words[1]); });
}

}  // namespace pm
