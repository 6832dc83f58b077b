#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (ASan + UBSan) and runs each on its
# seed corpus for a while: FUZZ_SECONDS each (default 20). Any crash, leak
# or sanitizer report fails the run and leaves the input in the build dir.
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${FUZZ_SECONDS:-20}
dir=build-fuzz
CC=clang CXX=clang++ cmake -S . -B "$dir" -DPM_FUZZ=ON -DCMAKE_BUILD_TYPE=Debug >/dev/null
cmake --build "$dir" -j2 --target fuzzers
for target in request ecosystem addresses channels; do
  work="$dir/fuzz-$target"
  mkdir -p "$work/corpus"
  echo "== fuzz_$target: ${seconds} s"
  (cd "$work" && "../tests/fuzz_$target" -max_total_time="$seconds" -max_len=65536 \
      -print_final_stats=1 corpus "../../tests/fuzz/corpus/$target" 2>&1 | tail -n 12)
done
