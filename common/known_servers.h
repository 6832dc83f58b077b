#pragma once
// What pm knows of common servers, recognised by the name of the program an
// app runs: the signal that stops each gently, and which of them must not
// get NOTIFY_SOCKET.

#include <string>
#include <vector>

#include "common/app_spec.h"

namespace pm {

/// One server pm knows: a row of a fixed table (known_servers.cc).
struct KnownServer {
  const char* program;      // its name without a version ("apache" for apache2)
  const char* stop_signal;  // the signal of its graceful stop
  const char* stop_name;    // what its documentation calls that stop
  bool takes_notify_socket;
};

/// The name of the program that `argv` runs: the file name of argv[0], or,
/// past interpreters (python3 -m gunicorn, ruby /usr/bin/puma, sh -c "exec
/// nginx") and wrappers (bundle exec, env, poetry run), of what they run.
/// Empty when it is code given inline (python3 -c ...).
std::string program_name(const std::vector<std::string>& argv);

/// The known server that `argv` runs, or nullptr.
const KnownServer* known_server(const std::vector<std::string>& argv);

/// Fills in `kill_signal` from spec.argv unless the user gave one: the known
/// server's graceful stop, else SIGINT (as PM2), with kill_signal_reason
/// saying why. A signal pm chose earlier (a saved app) is chosen again.
void choose_kill_signal(AppSpec& spec);

/// Whether an instance running `argv` gets a NOTIFY_SOCKET.
bool takes_notify_socket(const std::vector<std::string>& argv);

}  // namespace pm
