// `pm init` (or `pm ecosystem`, as PM2 spells it): writes a commented
// sample ecosystem.config.js here, to edit and then `pm start`.

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstring>

#include "cli/commands.h"

namespace pm {

namespace {

constexpr char kFileName[] = "ecosystem.config.js";

constexpr char kSample[] = R"(// The apps pm runs: `pm start ecosystem.config.js` starts them all,
// `--only api` one of them, `--env production` merges env_production into
// env. The field names are PM2's, so PM2 reads this file too; `man pm` lists
// every field.
module.exports = {
  apps: [
    {
      // The name pm commands take: pm logs api, pm reload api.
      name: 'api',
      // What to run: a .js runs under node, .py under python3, .rb under
      // ruby, .sh under bash; anything else is run as it is.
      script: 'index.js',
      // Arguments for the script, a list or one string.
      args: [],
      // Copies to run, 'max' for one per CPU. Copies of a server share
      // its port, and `pm reload api` replaces them one at a time.
      instances: 1,
      // Restart after a crash; give up after 16 quick crashes in a row.
      autorestart: true,
      max_restarts: 16,
      // Reload an instance whose memory grows past this.
      max_memory_restart: '1G',
      // Always in the app's environment.
      env: {
        NODE_ENV: 'development',
      },
      // Merged over env with --env production.
      env_production: {
        NODE_ENV: 'production',
      },
    },
  ],
};
)";

constexpr char kSimpleSample[] =
    R"(// `pm start ecosystem.config.js` runs these apps; `man pm` lists the fields.
module.exports = {
  apps: [
    {
      name: 'api',
      script: 'index.js',
    },
  ],
};
)";

struct InitOptions {
  std::string mode;
  bool force = false;
};

void write_sample(const InitOptions& options) {
  if (!options.mode.empty() && options.mode != "simple")
    throw UserError("pm init takes \"simple\" or nothing (got \"" + options.mode + "\")");
  const std::string sample = options.mode == "simple" ? kSimpleSample : kSample;
  char here[PATH_MAX];
  if (!::getcwd(here, sizeof here)) throw UserError("cannot read the current directory");
  std::string path = std::string(here) + "/" + kFileName;
  int flags = O_WRONLY | O_CREAT | O_CLOEXEC | (options.force ? O_TRUNC : O_EXCL);
  int fd = ::open(path.c_str(), flags, 0644);
  if (fd < 0 && errno == EEXIST)
    throw UserError(path + " already exists; edit it, or replace it with `pm init --force`");
  if (fd < 0) throw UserError("cannot write " + path + ": " + std::strerror(errno));
  ssize_t written = ::write(fd, sample.data(), sample.size());
  int error = errno;
  ::close(fd);
  if (written != static_cast<ssize_t>(sample.size()))
    throw UserError("cannot write " + path + ": " + std::strerror(written < 0 ? error : ENOSPC));
  say("File " + path + " generated; edit it, then `pm start " + kFileName + "`");
}

}  // namespace

void add_init_command(CLI::App& app) {
  auto options = std::make_shared<InitOptions>();
  auto* cmd = app.add_subcommand("init", "Write a commented sample ecosystem.config.js here");
  cmd->alias("ecosystem");
  cmd->add_option("mode", options->mode, "\"simple\": a sample with only name and script");
  cmd->add_flag("-f,--force", options->force, "Replace an ecosystem.config.js that is here");
  cmd->callback([options] { write_sample(*options); });
}

}  // namespace pm
