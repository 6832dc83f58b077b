#!/usr/bin/env bash
# The demo: installs what is missing, builds pm, runs examples/server.js as a
# cluster of one instance per CPU on :8080, shows `pm list`, and asks it.
set -euo pipefail
cd "$(dirname "$0")/.."

packaging/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j2 >/dev/null
pm=build/pm

# Idempotent: a second run replaces the demo app.
$pm delete demo >/dev/null 2>&1 || true
$pm start examples/server.js -i max --name demo
echo
for i in 1 2 3 4 5 6; do
  echo "curl localhost:8080 -> $(curl -s localhost:8080)"
done
echo
$pm list
cat <<TIP

The demo keeps running. Try:
  $pm logs demo          follow its output (Ctrl-C to leave)
  $pm describe demo      everything about it
  kill -9 <a pid above>  and watch it come back in $pm list
  $pm delete demo        stop and forget it;  $pm kill  stops the daemon
TIP
