#!/bin/sh
# The install test (ctest: install_sample): installs the build BUILD_DIR
# into a staging folder with `cmake --install --prefix`, checks the layout
# (programs, catalogue with its messages, units naming the staged bin/),
# then runs the sample node from there only: the installed `benchlearn up`
# (which starts the installed daemons), one country's generated data
# submitted and period 2025 closed, and a provider's report and the
# summary must exist.  Everything lives in a mktemp folder, removed at the
# end; the node is stopped on every exit path.
#
# usage: tests/install/test_install.sh BUILD_DIR
set -eu
if [ $# -ne 1 ]; then
    echo "usage: $0 BUILD_DIR" >&2
    exit 2
fi
build=$1
tmp=$(mktemp -d /tmp/bl_install.XXXXXX)
stage=$tmp/stage
node=$tmp/n
fail() {
    echo "test_install: $*" >&2
    exit 1
}
cleanup() {
    if [ -x "$stage/bin/benchlearn" ] && [ -f "$node/node.yaml" ]; then
        "$stage/bin/benchlearn" -c "$node/node.yaml" down >/dev/null 2>&1 ||
            true
    fi
    rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

cmake --install "$build" --prefix "$stage" >"$tmp/install.log" 2>&1 ||
    { cat "$tmp/install.log" >&2; fail "cmake --install failed"; }

share=$stage/share/benchlearn
for f in bin/benchlearn bin/bl-ingest bin/bl-validate bin/bl-aggregate \
         bin/bl-benchmark bin/bl-report bin/bl-gen-sample; do
    [ -x "$stage/$f" ] || fail "$f is not installed"
done
for f in catalogue.yaml node-sample.yaml node-national.yaml \
         node-international.yaml messages/en.yaml; do
    [ -f "$share/$f" ] || fail "share/benchlearn/$f is not installed"
done
units=$stage/lib/systemd/system
[ -f "$units/benchlearn-node@.target" ] || fail "the node target is missing"
for stage_name in ingest validate aggregate benchmark report; do
    unit=$units/benchlearn-$stage_name@.service
    [ -f "$unit" ] || fail "$unit is missing"
    grep -q "$stage/bin/bl-$stage_name" "$unit" ||
        fail "$unit does not run $stage/bin/bl-$stage_name"
    ! grep -q /usr/local/bin "$unit" || fail "$unit still names /usr/local/bin"
done

# The sample node from the staged files only: short socket paths under
# $tmp, the staged catalogue (and its messages beside it).
mkdir -p "$node"
sed "s|@CATALOGUE@|$share/catalogue.yaml|" "$share/node-sample.yaml" \
    >"$node/node.yaml"
bl="$stage/bin/benchlearn -c $node/node.yaml"
"$stage/bin/bl-gen-sample" -o "$node/data" --countries NO --providers 6 \
    --periods 2025 >/dev/null || fail "bl-gen-sample failed"
$bl up >"$tmp/up.log" 2>&1 || { cat "$tmp/up.log" >&2; fail "up failed"; }
$bl submit --wait "$node/data/register.csv" "$node/data"/indicators-*.csv \
    "$node/data"/survey-*.csv >"$tmp/submit.log" 2>&1 ||
    { cat "$tmp/submit.log" >&2; fail "submit failed"; }
$bl close 2025 >"$tmp/close.log" 2>&1 ||
    { cat "$tmp/close.log" >&2; fail "close failed"; }
reports=$node/var/reports/2025
[ -s "$reports/summary.html" ] || fail "no summary report in $reports"
[ -s "$reports/NO-0001.html" ] || fail "no report for NO-0001 in $reports"
$bl down >"$tmp/down.log" 2>&1 || { cat "$tmp/down.log" >&2; fail "down"; }
echo "test_install: installed into $stage, sample node reported"
