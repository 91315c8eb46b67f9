#!/usr/bin/env bash
# Installs what building and testing benchlearn needs, from Debian's
# packages (apt-get).  Runs as root, or through sudo when not root.
# Skips the install when every package is already there.
set -euo pipefail
packages=(build-essential cmake pkg-config libzmq3-dev libmsgpack-dev
          liblmdb-dev libyaml-dev libcriterion-dev libcairo2-dev
          libpango1.0-dev libmicrohttpd-dev libsodium-dev python3
          python3-yaml chromium chromium-driver python3-selenium
          poppler-utils openssl jq)
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
        missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"
echo "setup: installing ${missing[*]}" >&2
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}"
