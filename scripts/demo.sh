#!/usr/bin/env bash
# Installs the dependencies, builds wssec, then secures the bundled sample
# message with a Timestamp and a UsernameToken and verifies it.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)" >/dev/null
echo "== wssec secure --timestamp --username alice --password-file samples/alice.pw samples/hello.xml"
build/wssec secure --timestamp --username alice --password-file samples/alice.pw samples/hello.xml \
  | tee build/hello.secured.xml
echo
echo "== wssec verify --users samples/users --require timestamp,username-token --json"
build/wssec verify --users samples/users --require timestamp,username-token --json \
  build/hello.secured.xml
echo "== the same message again is a replay (exit 1 expected)"
set +e
build/wssec verify --users samples/users build/hello.secured.xml build/hello.secured.xml >/dev/null
echo "exit code: $?"
