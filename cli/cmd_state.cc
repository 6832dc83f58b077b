// `pm save`, `pm resurrect`, `pm cleardump`: the saved process list;
// `pm startup`, `pm unstartup`: start pmd at boot and resurrect that list.

#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>

#include "cli/commands.h"

namespace pm {

namespace {

std::string binary_dir() {
  std::string dir = self_exe_dir();
  return dir.empty() ? "/usr/bin" : dir;
}

std::string user_name() {
  const passwd* pw = ::getpwuid(::getuid());
  return pw ? pw->pw_name : std::to_string(::getuid());
}

std::string unit_name() {
  return "pm-" + user_name() + ".service";
}

std::string unit_text(const Paths& paths) {
  std::string dir = binary_dir();
  return "[Unit]\n"
         "Description=pm process manager for " +
         user_name() +
         "\n"
         "Documentation=man:pm(1)\n"
         "After=network.target\n"
         "\n"
         "[Service]\n"
         "Type=notify\n"
         "User=" +
         user_name() +
         "\n"
         "Environment=PM_HOME=" +
         paths.home +
         "\n"
         "ExecStart=" +
         dir +
         "/pmd --resurrect\n"
         "ExecReload=/bin/kill -USR2 $MAINPID\n"
         "# pmd stops the apps gracefully on SIGTERM; whatever is left then gets SIGKILL.\n"
         "KillMode=mixed\n"
         "TimeoutStopSec=60\n"
         "Restart=on-failure\n"
         "LimitNOFILE=infinity\n"
         "\n"
         "[Install]\n"
         "WantedBy=multi-user.target\n";
}

void run(const std::string& command) {
  std::cout << "$ " << command << "\n";
  if (std::system(command.c_str()) != 0) throw UserError("`" + command + "` failed");
}

/// `pm startup` and `pm unstartup`: the systemd unit that resurrects at boot.
void add_boot_commands(CLI::App& app) {
  auto system = std::make_shared<std::string>("systemd");
  auto install = std::make_shared<bool>(false);
  auto* startup = app.add_subcommand(
      "startup", "Print (or --install) a systemd unit that starts pmd at boot and resurrects");
  startup->add_option("system", *system, "Init system (systemd)")->capture_default_str();
  startup->add_flag("--install", *install, "Write and enable the unit (needs root)");
  startup->callback([system, install] {
    if (*system != "systemd")
      throw UserError("only systemd is supported (got \"" + *system + "\")");
    Paths paths = Paths::from_environment();
    std::string path = "/etc/systemd/system/" + unit_name();
    if (!*install) {
      std::cout << "# " << path << "\n"
                << unit_text(paths)
                << "\n# Install it with: sudo pm startup --install   (or write it yourself, then\n"
                << "# systemctl daemon-reload && systemctl enable " << unit_name() << ")\n"
                << "# and save what should come back: pm save\n";
      return;
    }
    if (::geteuid() != 0)
      throw UserError("writing " + path + " needs root: sudo env PM_HOME=" + paths.home +
                      " pm startup --install");
    std::ofstream(path) << unit_text(paths);
    if (!std::ofstream(path, std::ios::app)) throw UserError("cannot write " + path);
    say("wrote " + path);
    run("systemctl daemon-reload");
    run("systemctl enable " + unit_name());
    say("pmd will start at boot and resurrect what `pm save` saved");
  });

  auto* unstartup = app.add_subcommand("unstartup", "Remove the boot unit that pm startup made");
  unstartup->callback([] {
    std::string path = "/etc/systemd/system/" + unit_name();
    if (::access(path.c_str(), F_OK) != 0) {
      say("no boot unit (" + path + ")");
      return;
    }
    if (::geteuid() != 0) throw UserError("removing " + path + " needs root");
    run("systemctl disable " + unit_name());
    if (::unlink(path.c_str()) != 0)
      throw UserError("cannot remove " + path + ": " + std::strerror(errno));
    run("systemctl daemon-reload");
    say("removed " + path);
  });
}

}  // namespace

void add_state_commands(CLI::App& app) {
  auto force = std::make_shared<bool>(false);
  auto* save = app.add_subcommand("save", "Save the running apps, for resurrect and boot");
  save->add_flag("--force", *force, "Save even an empty list");
  save->callback([force] {
    DaemonClient client(Paths::from_environment());
    json reply = client.call(make_request(command::kSave, {{field::kForce, *force}}));
    say("saved " + std::to_string(reply.value(field::kCount, 0)) + " app(s) to " +
        reply.value(field::kPath, ""));
  });

  auto* resurrect = app.add_subcommand("resurrect", "Start the apps saved with pm save");
  resurrect->callback([] {
    DaemonClient client(Paths::from_environment());
    json reply = client.call(make_request(command::kResurrect));
    for (const auto& warning : reply[field::kWarnings])
      std::cerr << "pm: warning: " << warning.get<std::string>() << "\n";
    for (const auto& name : reply[field::kStarted]) say("resurrected " + name.get<std::string>());
    for (const auto& name : reply[field::kSkipped])
      say(name.get<std::string>() + " is running already; left as it is");
    show_processes(client);
  });

  auto* cleardump = app.add_subcommand("cleardump", "Forget the saved app list");
  cleardump->callback([] {
    DaemonClient client(Paths::from_environment());
    say("removed " + client.call(make_request(command::kCleardump)).value(field::kPath, ""));
  });

  add_boot_commands(app);
}

}  // namespace pm
