#include "common/signal_names.h"

#include <csignal>
#include <cstdlib>
#include <cstring>

namespace pm {

namespace {

struct NamedSignal {
  const char* name;
  int number;
};

constexpr NamedSignal kSignals[] = {
    {"HUP", SIGHUP},       {"INT", SIGINT},   {"QUIT", SIGQUIT},   {"ILL", SIGILL},
    {"TRAP", SIGTRAP},     {"ABRT", SIGABRT}, {"BUS", SIGBUS},     {"FPE", SIGFPE},
    {"KILL", SIGKILL},     {"USR1", SIGUSR1}, {"SEGV", SIGSEGV},   {"USR2", SIGUSR2},
    {"PIPE", SIGPIPE},     {"ALRM", SIGALRM}, {"TERM", SIGTERM},   {"CHLD", SIGCHLD},
    {"CONT", SIGCONT},     {"STOP", SIGSTOP}, {"TSTP", SIGTSTP},   {"TTIN", SIGTTIN},
    {"TTOU", SIGTTOU},     {"URG", SIGURG},   {"XCPU", SIGXCPU},   {"XFSZ", SIGXFSZ},
    {"VTALRM", SIGVTALRM}, {"PROF", SIGPROF}, {"WINCH", SIGWINCH}, {"IO", SIGIO},
    {"PWR", SIGPWR},       {"SYS", SIGSYS},
};

}  // namespace

int signal_number(const std::string& name) {
  if (name.empty()) return 0;
  char* end = nullptr;
  long number = std::strtol(name.c_str(), &end, 10);
  if (*end == '\0') return number > 0 && number < NSIG ? static_cast<int>(number) : 0;
  std::string upper;
  for (char c : name)
    upper.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  if (upper.rfind("SIG", 0) == 0) upper.erase(0, 3);
  for (const auto& signal : kSignals)
    if (upper == signal.name) return signal.number;
  return 0;
}

std::string signal_name(int number) {
  for (const auto& signal : kSignals)
    if (signal.number == number) return std::string("SIG") + signal.name;
  return "signal " + std::to_string(number);
}

}  // namespace pm
