// pm: the command-line client. Parses flags, sends one request to pmd, prints
// the reply. All policy lives in the daemon.

#include <cctype>
#include <cstdio>
#include <iostream>
#include <regex>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "cli/terminal_text.h"

namespace {

/// CLI11's message as pm's own errors read: one line, lower case first.
std::string one_line(std::string text) {
  for (char& c : text)
    if (c == '\n') c = ' ';
  while (!text.empty() && text.back() == ' ') text.pop_back();
  // CLI::NonNegativeNumber quotes the largest double, all 309 digits of it.
  text = std::regex_replace(text, std::regex("not in range 0\\.0+ to [0-9.]{30,}"),
                            "is not a number of 0 or more");
  if (!text.empty()) text[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(text[0])));
  return pm::terminal_safe(text);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "pm: a process manager for production services.\n"
      "Runs programs as supervised, clustered instances sharing one port.",
      "pm"};
  app.set_version_flag("-v,--version", PM_VERSION);
  app.require_subcommand(1);
  app.fallthrough(false);

  // What follows `--` on `pm start` is the program's, untouched by CLI11
  // (which will not take positionals again once an option came between).
  std::vector<std::string> program_args;
  if (argc > 1 && std::string(argv[1]) == "start")
    for (int i = 2; i < argc; ++i)
      if (std::string(argv[i]) == "--") {
        program_args.assign(argv + i + 1, argv + argc);
        argc = i;
        break;
      }
  pm::add_start_command(app, program_args);
  pm::add_list_commands(app);
  pm::add_control_commands(app);
  pm::add_log_commands(app);
  pm::add_daemon_commands(app);
  pm::add_message_commands(app);
  pm::add_ecosystem_commands(app);
  pm::add_state_commands(app);
  pm::add_monit_command(app);
  // `pm run` hands its words to `pm start` as they were typed, `--` included.
  std::vector<std::string> run_words;
  if (argc > 1 && std::string(argv[1]) == "run") run_words.assign(argv + 2, argv + argc);
  pm::add_run_command(app, run_words);

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
  std::string help_command = "pm help";
  if (argv[1][0] != '-') {
    auto matches = app.get_subcommands([&](CLI::App* sub) { return sub->check_name(argv[1]); });
    if (matches.empty()) {
      std::cerr << "pm: unknown command \"" << pm::terminal_safe(argv[1])
                << "\"; `pm help` lists them\n";
      return 2;
    }
    help_command += " " + matches.front()->get_name();
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    // --help and --version arrive as parse "errors" that succeed.
    if (error.get_exit_code() == static_cast<int>(CLI::ExitCodes::Success)) return app.exit(error);
    // `pm --bogus` alone: CLI11 misses the command before it sees the option.
    std::string what = argv[1][0] == '-' && dynamic_cast<const CLI::RequiredError*>(&error)
                           ? std::string("unknown option \"") + argv[1] + "\""
                           : error.what();
    std::cerr << "pm: " << one_line(what) << "; see `" << help_command << "`\n";
    return 2;
  } catch (const std::exception& error) {
    // pm::UserError says what to do; anything else is shown the same way.
    std::fflush(stdout);
    std::cerr << "pm: " << pm::terminal_safe(error.what()) << "\n";
    return 1;
  }
  return 0;
}
