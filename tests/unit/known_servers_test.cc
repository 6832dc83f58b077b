#include "common/known_servers.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

namespace {

using Argv = std::vector<std::string>;

std::string signal_for(const Argv& argv) {
  pm::AppSpec spec;
  spec.argv = argv;
  pm::choose_kill_signal(spec);
  return spec.kill_signal;
}

}  // namespace

TEST_CASE("the program is found past interpreters and wrappers") {
  CHECK(pm::program_name({"/usr/sbin/nginx", "-g", "daemon off;"}) == "nginx");
  CHECK(pm::program_name({"/usr/bin/python3", "-m", "gunicorn", "app:wsgi"}) == "gunicorn");
  CHECK(pm::program_name({"/usr/bin/python3.11", "-u", "/usr/bin/uvicorn", "app:app"}) ==
        "uvicorn");
  CHECK(pm::program_name({"/usr/bin/ruby", "/usr/bin/bundle", "exec", "puma"}) == "puma");
  CHECK(pm::program_name({"/usr/bin/bundle", "exec", "sidekiq", "-C", "x.yml"}) == "sidekiq");
  CHECK(pm::program_name({"/usr/bin/ruby", "-S", "unicorn"}) == "unicorn");
  CHECK(pm::program_name({"/usr/bin/env", "-i", "A=1", "/usr/sbin/php-fpm8.2", "-F"}) ==
        "php-fpm8.2");
  CHECK(pm::program_name({"/bin/sh", "-c", "exec nginx -g 'daemon off;'"}) == "nginx");
  CHECK(pm::program_name({"/usr/bin/poetry", "run", "celery", "-A", "proj", "worker"}) == "celery");
  CHECK(pm::program_name({"/usr/bin/python3", "-c", "import nginx"}) == "");
  CHECK(pm::program_name({"/bin/sh", "-c", "echo 'unterminated"}) == "");
  CHECK(pm::program_name({"/usr/bin/node", "server.js"}) == "server.js");
  CHECK(pm::program_name({}) == "");
}

TEST_CASE("known servers get their graceful stop signal") {
  CHECK(signal_for({"/usr/sbin/nginx"}) == "SIGQUIT");
  CHECK(signal_for({"/usr/sbin/apache2", "-DFOREGROUND"}) == "SIGWINCH");
  CHECK(signal_for({"/usr/sbin/php-fpm8.2", "-F"}) == "SIGQUIT");
  CHECK(signal_for({"/usr/sbin/haproxy", "-W", "-f", "h.cfg"}) == "SIGUSR1");
  CHECK(signal_for({"/usr/sbin/lighttpd", "-D", "-f", "l.conf"}) == "SIGINT");
  CHECK(signal_for({"/usr/bin/python3", "-m", "gunicorn"}) == "SIGTERM");
  CHECK(signal_for({"/usr/bin/node", "server.js"}) == "SIGINT");
  CHECK(signal_for({"/usr/local/bin/nginx-exporter"}) == "SIGINT");
}

TEST_CASE("a signal the user gave is kept, and one pm chose is chosen again") {
  pm::AppSpec spec;
  spec.argv = {"/usr/sbin/nginx"};
  pm::choose_kill_signal(spec);
  CHECK(spec.kill_signal == "SIGQUIT");
  CHECK(spec.kill_signal_reason == "nginx's graceful shutdown");

  spec.argv = {"/usr/bin/node", "server.js"};  // a saved app whose command changed
  pm::choose_kill_signal(spec);
  CHECK(spec.kill_signal == "SIGINT");
  CHECK(spec.kill_signal_reason == "default");

  pm::AppSpec given;
  given.argv = {"/usr/sbin/nginx"};
  given.kill_signal = "SIGTERM";
  pm::choose_kill_signal(given);
  CHECK(given.kill_signal == "SIGTERM");
  CHECK(given.kill_signal_reason == "");
}

TEST_CASE("puma gets no NOTIFY_SOCKET; other programs do") {
  CHECK_FALSE(pm::takes_notify_socket({"/usr/bin/puma", "-b", "tcp://127.0.0.1:9292"}));
  CHECK_FALSE(pm::takes_notify_socket({"/usr/bin/bundle", "exec", "puma"}));
  CHECK(pm::takes_notify_socket({"/usr/bin/gunicorn", "app:wsgi"}));
  CHECK(pm::takes_notify_socket({"/usr/bin/python3", "server.py"}));
}
