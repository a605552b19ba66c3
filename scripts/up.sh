#!/usr/bin/env bash
# Installs what is missing, builds the release binary and starts a one-node cluster in the background.
# Running it again restarts nothing that is healthy.
set -euo pipefail
cd "$(dirname "$0")/.."

DATA_DIR=${SWIFTLET_DATA_DIR:-/var/lib/swiftlet}
KUBECONFIG_PATH=${SWIFTLET_KUBECONFIG:-/etc/swiftlet/kubeconfig.yaml}
LOG=${SWIFTLET_LOG:-/var/log/swiftlet.log}
PIDFILE=/run/swiftlet.pid

scripts/install-deps.sh

if [ -f "$PIDFILE" ] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null; then
    echo "swiftlet is already running (pid $(cat "$PIDFILE"))"
else
    swift build -c release --product swiftlet
    install -m 0755 .build/release/swiftlet /usr/local/bin/swiftlet
    mkdir -p "$DATA_DIR" "$(dirname "$KUBECONFIG_PATH")"
    nohup /usr/local/bin/swiftlet server --data-dir "$DATA_DIR" --write-kubeconfig "$KUBECONFIG_PATH" >>"$LOG" 2>&1 &
    echo $! >"$PIDFILE"
    echo "started swiftlet (pid $!), logging to $LOG"
fi

if [ ! -e "$HOME/.kube/config" ]; then
    mkdir -p "$HOME/.kube"
    ln -s "$KUBECONFIG_PATH" "$HOME/.kube/config"
fi

for _ in $(seq 1 120); do
    if [ -f "$KUBECONFIG_PATH" ] && kubectl --kubeconfig "$KUBECONFIG_PATH" get --raw /readyz >/dev/null 2>&1; then
        kubectl --kubeconfig "$KUBECONFIG_PATH" get namespaces
        echo "swiftlet is ready: export KUBECONFIG=$KUBECONFIG_PATH"
        exit 0
    fi
    sleep 1
done
echo "swiftlet did not become ready; see $LOG" >&2
exit 1
