#!/usr/bin/env bash
# Runs every test: unit, integration (real server binary) and end to end (real kubectl).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
swift build --build-tests
# Suites that start servers or use the host network mark themselves serialized.
swift test --skip-build 2>&1 | tee .build/test-output.txt
