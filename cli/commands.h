#pragma once
// The CLI's command families. Each add_* registers its subcommands on the
// top-level CLI11 app; each command builds one request and prints the reply.

#include <CLI/CLI.hpp>

#include "cli/daemon_client.h"
#include "common/process_row.h"
#include "common/protocol.h"

namespace pm {

/// `pm start`; `program_args`: the words after `--`, the program's arguments.
void add_start_command(CLI::App& app, const std::vector<std::string>& program_args);
void add_list_commands(CLI::App& app);
void add_control_commands(CLI::App& app);
void add_log_commands(CLI::App& app);
void add_daemon_commands(CLI::App& app);
void add_message_commands(CLI::App& app);
void add_ecosystem_commands(CLI::App& app);
void add_state_commands(CLI::App& app);
void add_monit_command(CLI::App& app);
/// `pm run`; `words`: what followed "run" on the command line.
void add_run_command(CLI::App& app, const std::vector<std::string>& words);

/// The process table as pmd has it now (`list`).
std::vector<ProcessRow> list_processes(DaemonClient& client);
/// Prints rows as `pm list` does, fitted to the terminal.
void print_process_table(const std::vector<ProcessRow>& rows);
/// Asks pmd for the process table and prints it: what most commands end with.
void show_processes(DaemonClient& client);
/// Prints one progress message of a reload: "app[id] what happened".
void say_progress(const json& step);
/// `pm reload`; registered by add_control_commands, beside stop and restart.
void add_reload_command(CLI::App& app);
/// What `pm update` runs; registered by add_daemon_commands.
void update_daemon();
/// `pm env`; registered by add_list_commands, beside describe.
void add_env_command(CLI::App& app);
/// `pm init`; registered by add_ecosystem_commands.
void add_init_command(CLI::App& app);
/// `pm pid`; registered by add_list_commands, beside describe.
void add_pid_command(CLI::App& app);
/// "a, b, c": the targets a command acted on, as people read them.
std::string joined(const std::vector<std::string>& targets);
/// Whether stdout is a terminal (colour, width).
bool stdout_is_tty();
/// Prints a status line, "[pm] message", to stdout.
void say(const std::string& message);
/// Prints what a start reply says: apps started, the table, problems
/// (throwing UserError when an instance failed).
void report_started(DaemonClient& client, const json& reply);
/// The variables among --env values (KEY=VALUE); a bare NAME (an ecosystem
/// file's env_NAME) goes to `name`.
std::vector<std::string> variables_in(const std::vector<std::string>& env, std::string& name);
/// This process's environment with KEY=VALUE overrides applied.
json environment_with(const std::vector<std::string>& overrides);

}  // namespace pm
