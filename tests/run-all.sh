#!/usr/bin/env bash
# Installs what is missing, builds pm twice (plain, and with AddressSanitizer
# + UndefinedBehaviorSanitizer), runs every test against both builds, then
# runs each fuzzer on its corpus for a short while (tests/fuzz/run.sh).
set -euo pipefail
cd "$(dirname "$0")/.."

packaging/install-deps.sh

build() {  # dir, extra cmake args (the last -DCMAKE_BUILD_TYPE wins)...
  local dir=$1
  shift
  cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null
  cmake --build "$dir" -j2
}

build build
# Unoptimised: the sanitizers find as much, and it builds much faster.
build build-asan -DPM_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug

status=0
echo "== tests (plain build)"
(cd build && ctest --output-on-failure -j2) || status=1
echo "== tests (ASan + UBSan build)"
(cd build-asan && ctest --output-on-failure -j2) || status=1
echo "== fuzzing (libFuzzer, ASan + UBSan)"
FUZZ_SECONDS=${FUZZ_SECONDS:-15} tests/fuzz/run.sh || status=1
exit $status
