#pragma once
// Positional commands: subcommands that take required words only, such as
// `pm scale <name> <count>` or `pm signal <signal> <target>`.

#include <CLI/CLI.hpp>
#include <functional>
#include <string>
#include <vector>

namespace pm {

/// One required word of a command: its name in the help, and what it is.
struct Positional {
  std::string name;
  std::string help;
};

/// Adds the subcommand `name`, taking `words` in order; `run` gets their
/// values in the same order.
CLI::App* add_positional_command(CLI::App& app, const std::string& name,
                                 const std::string& description,
                                 const std::vector<Positional>& words,
                                 std::function<void(const std::vector<std::string>&)> run);

}  // namespace pm
