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
    # The sandbox (pause) and busybox images, built offline; the embedded agent loads them into its containerd.
    if [ ! -f /usr/local/share/swiftlet/images/pause-3.10.tar ]; then
        hack/build-images.sh /usr/local/share/swiftlet/images
    fi
    mkdir -p "$DATA_DIR" "$(dirname "$KUBECONFIG_PATH")"
    nohup /usr/local/bin/swiftlet server --data-dir "$DATA_DIR" --write-kubeconfig "$KUBECONFIG_PATH" >>"$LOG" 2>&1 &
    echo $! >"$PIDFILE"
    echo "started swiftlet (pid $!), logging to $LOG"
fi

if [ ! -e "$HOME/.kube/config" ]; then
    mkdir -p "$HOME/.kube"
    ln -s "$KUBECONFIG_PATH" "$HOME/.kube/config"
fi

for _ in $(seq 1 180); do
    if [ -f "$KUBECONFIG_PATH" ] && kubectl --kubeconfig "$KUBECONFIG_PATH" get nodes --no-headers 2>/dev/null | grep -q " Ready "; then
        kubectl --kubeconfig "$KUBECONFIG_PATH" get nodes -o wide
        echo "swiftlet is ready: export KUBECONFIG=$KUBECONFIG_PATH; kubectl apply -f examples/pod.yaml"
        exit 0
    fi
    sleep 1
done
echo "the node did not become Ready; see $LOG" >&2
exit 1
