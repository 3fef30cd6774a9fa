#!/usr/bin/env bash
# The README's test command: installs what is missing, builds, and runs every
# test twice: in a normal build, then under AddressSanitizer and
# UndefinedBehaviorSanitizer (a second build directory).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install_deps.sh

jobs=$(nproc)
echo "== build (RelWithDebInfo) =="
scripts/build.sh build -DCMAKE_BUILD_TYPE=RelWithDebInfo
echo "== tests =="
ctest --test-dir build --output-on-failure -j "$jobs"

echo "== build (AddressSanitizer + UndefinedBehaviorSanitizer) =="
scripts/build.sh build-asan -DCMAKE_BUILD_TYPE=Debug -DFIELDSYNC_SANITIZE=ON \
  -DFIELDSYNC_BUILD_BENCH=OFF
echo "== tests under ASan/UBSan =="
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
LSAN_OPTIONS="suppressions=$(pwd)/tests/lsan_suppressions.txt" \
UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir build-asan --output-on-failure -j "$jobs"
echo "== all tests passed (normal and sanitized builds) =="
