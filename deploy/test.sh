#!/usr/bin/env bash
# The whole test suite: installs what is missing, builds into
# ${BL_BUILD_DIR:-build} (extra cmake arguments may follow), runs every
# test with ctest.  BL_CTEST_EXCLUDE (a ctest -E regular expression) leaves
# tests out, for a quick run by hand.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/deploy/setup.sh"
"$root/deploy/build.sh" "$@"
build=${BL_BUILD_DIR:-$root/build}
cd "$build"
exclude=()
[ -n "${BL_CTEST_EXCLUDE:-}" ] && exclude=(-E "$BL_CTEST_EXCLUDE")
ctest --output-on-failure -j2 --timeout 900 "${exclude[@]}"
