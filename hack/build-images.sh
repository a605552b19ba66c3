#!/usr/bin/env bash
# Builds Swiftlet's demo and test images offline, from Debian packages, with fixed tags (never :latest):
#
#   docker.io/library/busybox:1.36  busybox-static with every applet linked (sh, httpd, nc, wget, sleep …)
#   swiftlet.local/pause:3.10       the sandbox image: hack/pause.c, linked statically
#
# into OUT_DIR (default .build/images) as docker archives (busybox-1.36.tar, pause-3.10.tar) and an OCI archive
# (busybox-1.36.oci.tar), ready for `swiftlet images import`. umoci assembles the images, skopeo writes the
# archives; no registry and no network are involved. Fixed timestamps make the digests repeatable.
set -euo pipefail
cd "$(dirname "$0")/.."

out_dir="${1:-.build/images}"
busybox_tag=docker.io/library/busybox:1.36
pause_tag=swiftlet.local/pause:3.10
created=2024-01-01T00:00:00Z

for tool in umoci skopeo gcc; do
    command -v "$tool" >/dev/null 2>&1 || { echo "$tool is missing: run scripts/install-deps.sh" >&2; exit 1; }
done
busybox=/bin/busybox
if [ ! -x "$busybox" ] || ldd "$busybox" >/dev/null 2>&1; then
    echo "a static $busybox is missing: apt-get install busybox-static (scripts/install-deps.sh does)" >&2
    exit 1
fi

mkdir -p "$out_dir"
# Several test suites may ask at once: one builds, the others wait for it and find the archives ready.
exec 9>"$out_dir/.build-images.lock"
flock 9
if [ -s "$out_dir/busybox-1.36.tar" ] && [ -s "$out_dir/busybox-1.36.oci.tar" ] && [ -s "$out_dir/pause-3.10.tar" ] \
    && [ "$out_dir/pause-3.10.tar" -nt "$0" ] && [ "$out_dir/pause-3.10.tar" -nt hack/pause.c ]; then
    echo "already built in $out_dir"
    exit 0
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
layout="$work/oci"
umoci init --layout "$layout"

# new_image NAME ROOTFS CONFIG-ARGS…: one layer holding ROOTFS, then the image config.
new_image() {
    local name=$1 rootfs=$2
    shift 2
    find "$rootfs" -exec touch -h -d "$created" {} +
    umoci new --image "$layout:$name"
    umoci insert --image "$layout:$name" --history.created "$created" --history.created_by "hack/build-images.sh" "$rootfs" /
    umoci config --image "$layout:$name" --created "$created" --history.created "$created" \
        --history.created_by "hack/build-images.sh" --author swiftlet "$@"
}

# archive NAME FORMAT FILE TAG: writes atomically, so a reader never sees half a file.
archive() {
    local name=$1 format=$2 file=$3 tag=$4
    rm -f "$out_dir/$file.tmp"
    skopeo --insecure-policy copy --quiet "oci:$layout:$name" "$format:$out_dir/$file.tmp:$tag"
    mv -f "$out_dir/$file.tmp" "$out_dir/$file"
}

# busybox: the binary, a link per applet where busybox itself installs it, and the few files a shell expects.
root="$work/busybox"
mkdir -p "$root/bin" "$root/etc" "$root/root" "$root/tmp" "$root/var/www" "$root/proc" "$root/sys" "$root/dev"
chmod 1777 "$root/tmp"
cp "$busybox" "$root/bin/busybox"
"$busybox" --list-full | while read -r applet; do
    [ "$applet" = bin/busybox ] && continue
    mkdir -p "$root/$(dirname "$applet")"
    ln -sf /bin/busybox "$root/$applet"
done
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$root/etc/passwd"
printf 'root:x:0:\nnobody:x:65534:\n' >"$root/etc/group"
new_image busybox "$root" --config.env "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" \
    --config.cmd sh

# pause: one static binary, run as 65535 like the upstream pause image.
root="$work/pause"
mkdir -p "$root"
gcc -static -Os -s -o "$root/pause" hack/pause.c
new_image pause "$root" --config.entrypoint /pause --config.user 65535:65535

archive busybox docker-archive busybox-1.36.tar "$busybox_tag"
archive busybox oci-archive busybox-1.36.oci.tar "$busybox_tag"
archive pause docker-archive pause-3.10.tar "$pause_tag"

echo "built in $out_dir: busybox-1.36.tar ($busybox_tag), busybox-1.36.oci.tar, pause-3.10.tar ($pause_tag)"
