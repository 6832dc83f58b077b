#!/usr/bin/env bash
# Installs what building and testing pm needs (clang and its runtime for
# the fuzzers), from Debian's packages, and
# nothing that is already there. Safe to run again.
set -euo pipefail

packages=(cmake g++ make pkg-config libcli11-dev nlohmann-json3-dev libspdlog-dev libuv1-dev
          doctest-dev libyaml-cpp-dev clang libclang-rt-dev)
# Programs the examples and tests run; any install of them will do. The real
# servers of tests/e2e/test_real_servers.py: Debian's uvicorn package holds the
# `uvicorn` command (python3-uvicorn only the module), nginx-light brings nginx
# and its echo module, puma runs on ruby; Go builds a test server. prometheus
# brings promtool and the server that tests/e2e/test_metrics.py scrapes pmd with;
# test_monit.py drives `pm monit` in tmux.
declare -A programs=([node]=nodejs [python3]=python3 [curl]=curl [gunicorn]=gunicorn
                     [uvicorn]=uvicorn [nginx]=nginx-light [puma]=puma [ruby]=ruby
                     [go]=golang-go [promtool]=prometheus [tmux]=tmux)
# nginx is in /usr/sbin, which a normal user's PATH may lack.
PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"

missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" ||
    missing+=("$package")
done
for program in "${!programs[@]}"; do
  command -v "$program" >/dev/null 2>&1 || missing+=("${programs[$program]}")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "installing: ${missing[*]}"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
