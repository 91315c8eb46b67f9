#!/usr/bin/env bash
# Makes the CURVE key pairs of the example network: one for each node (no,
# pt, ee, lt, intl) in deploy/example/keys/ (or the folder given as the
# first argument), with `benchlearn keygen`.  NAME.key is the secret key
# (mode 0600), NAME.pub the public key.  A pair that exists already is kept,
# so running the script again changes nothing.  The keys are not committed
# to git: every copy of the example makes its own.
#
# The benchlearn program is $BENCHLEARN, else ${BL_BUILD_DIR:-build}/benchlearn
# in the source tree, else the one on the PATH.  On a real network each node
# makes its own pair on its own host and sends only NAME.pub to the other
# side (deploy/README.md); this script is for the one-host example.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
keys=${1:-$here/keys}
bl=${BENCHLEARN:-}
if [ -z "$bl" ]; then
    build=${BL_BUILD_DIR:-$root/build}
    if [ -x "$build/benchlearn" ]; then
        bl=$build/benchlearn
    elif command -v benchlearn >/dev/null 2>&1; then
        bl=$(command -v benchlearn)
    else
        echo "make-keys: no benchlearn program: run deploy/build.sh or set" \
             "BENCHLEARN" >&2
        exit 2
    fi
fi
mkdir -p "$keys"
chmod 700 "$keys"
for name in no pt ee lt intl; do
    if [ -e "$keys/$name.key" ] && [ -e "$keys/$name.pub" ]; then
        echo "make-keys: $keys/$name.pub exists, kept"
        continue
    fi
    if [ -e "$keys/$name.key" ] || [ -e "$keys/$name.pub" ]; then
        echo "make-keys: $keys/$name has only half a key pair: remove" \
             "$name.key and $name.pub, then run again" >&2
        exit 1
    fi
    "$bl" keygen "$name" -o "$keys" >/dev/null
    echo "make-keys: $keys/$name.pub  sha256 $(sha256sum < "$keys/$name.pub" | cut -d' ' -f1)"
done
