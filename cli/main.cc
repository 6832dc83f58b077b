// pm: the command-line client. Parses flags, sends one request to pmd, prints
// the reply. All policy lives in the daemon.

#include <cstdio>
#include <iostream>
#include <string>

#include "cli/commands.h"
#include "cli/terminal_text.h"

int main(int argc, char** argv) {
  CLI::App app{
      "pm: a process manager for production services.\n"
      "Runs programs as supervised, clustered instances sharing one port.",
      "pm"};
  app.set_version_flag("-v,--version", PM_VERSION);
  app.require_subcommand(1);
  app.fallthrough(false);

  std::size_t after_separator = 0;
  for (int i = 1; i < argc; ++i)
    if (std::string(argv[i]) == "--") {
      after_separator = static_cast<std::size_t>(argc - i - 1);
      break;
    }
  pm::add_start_command(app, after_separator);
  pm::add_list_commands(app);
  pm::add_control_commands(app);
  pm::add_log_commands(app);
  pm::add_daemon_commands(app);
  pm::add_message_commands(app);
  pm::add_ecosystem_commands(app);
  pm::add_state_commands(app);

  std::string help_topic;
  auto* help = app.add_subcommand("help", "Show help for a command");
  help->add_option("command", help_topic, "The command to explain");
  help->callback([&] {
    if (help_topic.empty()) {
      // Not app.help(): while `help` runs it is the selected subcommand, and
      // app.help() would describe it instead of listing the commands.
      std::cout << app.get_formatter()->make_help(&app, app.get_name(), CLI::AppFormatMode::Normal);
      return;
    }
    for (auto* sub : app.get_subcommands([](CLI::App*) { return true; })) {
      if (sub->check_name(help_topic)) {
        std::cout << sub->help();
        return;
      }
    }
    throw pm::UserError("no command named \"" + help_topic + "\"; see `pm help`");
  });

  if (argc == 1) {
    std::cout << app.help();
    return 0;
  }
  if (argv[1][0] != '-') {
    auto matches = app.get_subcommands([&](CLI::App* sub) { return sub->check_name(argv[1]); });
    if (matches.empty()) {
      std::cerr << "pm: unknown command \"" << pm::terminal_safe(argv[1])
                << "\"; `pm help` lists them\n";
      return 2;
    }
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    return app.exit(error);
  } catch (const std::exception& error) {
    // pm::UserError says what to do; anything else is shown the same way.
    std::fflush(stdout);
    std::cerr << "pm: " << pm::terminal_safe(error.what()) << "\n";
    return 1;
  }
  return 0;
}
