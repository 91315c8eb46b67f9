#!/usr/bin/env bash
# Builds benchlearn into ${BL_BUILD_DIR:-build} (extra cmake arguments may
# follow, e.g. -DBL_SANITIZE=ON).  Warnings are errors.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${BL_BUILD_DIR:-$root/build}
cmake -S "$root" -B "$build" -DBL_WERROR=ON "$@" >/dev/null
cmake --build "$build" -j"$(nproc)"
