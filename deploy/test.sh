#!/usr/bin/env bash
# The whole test suite: installs what is missing, builds into
# ${BL_BUILD_DIR:-build} (extra cmake arguments may follow), runs every
# test with ctest.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/deploy/setup.sh"
"$root/deploy/build.sh" "$@"
build=${BL_BUILD_DIR:-$root/build}
cd "$build"
ctest --output-on-failure -j2 --timeout 900
