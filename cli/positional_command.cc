#include "cli/positional_command.h"

#include <memory>

namespace pm {

CLI::App* add_positional_command(CLI::App& app, const std::string& name,
                                 const std::string& description,
                                 const std::vector<Positional>& words,
                                 std::function<void(const std::vector<std::string>&)> run) {
  // Sized once: CLI11 keeps the address of each value.
  auto values = std::make_shared<std::vector<std::string>>(words.size());
  auto* command = app.add_subcommand(name, description);
  for (std::size_t i = 0; i < words.size(); ++i)
    command->add_option(words[i].name, (*values)[i], words[i].help)->required();
  command->callback([values, run = std::move(run)] { run(*values); });
  return command;
}

}  // namespace pm
