#!/usr/bin/env bash
# Regenerates Sources/SwiftletCRI/Generated/ from Sources/SwiftletCRI/Proto/api.proto.
#
# Uses Debian's protoc and the two plugins built from the package's own pinned dependencies
# (swift-protobuf's protoc-gen-swift, grpc-swift-protobuf's protoc-gen-grpc-swift-2), not the SwiftPM
# build plugin, which would compile protoc itself on every clean build. The output is committed.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v protoc >/dev/null 2>&1; then
    echo "protoc is missing: apt-get install protobuf-compiler (or run scripts/install-deps.sh)" >&2
    exit 1
fi

swift build --product protoc-gen-swift
swift build --product protoc-gen-grpc-swift-2
bin="$(swift build --show-bin-path)"

proto_dir=Sources/SwiftletCRI/Proto
out_dir=Sources/SwiftletCRI/Generated
rm -f "$out_dir"/*.swift
mkdir -p "$out_dir"

# Internal visibility: the generated types stay behind the hand-written ContainerRuntime surface.
protoc \
    --proto_path="$proto_dir" \
    --plugin=protoc-gen-swift="$bin/protoc-gen-swift" \
    --plugin=protoc-gen-grpc-swift-2="$bin/protoc-gen-grpc-swift-2" \
    --swift_out="$out_dir" \
    --swift_opt=Visibility=Internal \
    --grpc-swift-2_out="$out_dir" \
    --grpc-swift-2_opt=Visibility=Internal,Client=true,Server=false \
    "$proto_dir/api.proto"

echo "generated: $(ls "$out_dir" | tr '\n' ' ')"
