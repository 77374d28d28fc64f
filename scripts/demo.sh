#!/usr/bin/env bash
# Installs what building and running wssec needs (scripts/install-deps.sh
# --build: not the test peers), builds wssec, then secures the bundled sample
# message (a Timestamp and an X.509 signature over the Body and the
# Timestamp, with the test PKI's alice) and verifies it against the test
# root; then the same with a UsernameToken, and a replay that is refused.
set -euo pipefail
cd "$(dirname "$0")/.."
echo "== scripts/install-deps.sh --build"
scripts/install-deps.sh --build
echo "== building the wssec program and the LTPA token module into build/ (a minute or two)"
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)" --target wssec_cli wssec_ltpa
echo
P=samples/pki
echo "== wssec secure --timestamp --sign-key $P/alice.key --sign-cert $P/alice.crt samples/hello.xml"
build/wssec secure --timestamp --sign-key $P/alice.key --sign-cert $P/alice.crt samples/hello.xml \
  | tee build/hello.signed.xml
echo
echo "== wssec verify --trust $P/root.crt --certs $P/inter.crt --json build/hello.signed.xml"
build/wssec verify --trust $P/root.crt --certs $P/inter.crt --json build/hello.signed.xml
echo "== the same signed message again is a replay (exit 1 expected)"
set +e
build/wssec verify --trust $P/root.crt --certs $P/inter.crt build/hello.signed.xml \
  build/hello.signed.xml >/dev/null
echo "exit code: $?"
set -e
echo
echo "== wssec secure --timestamp --username alice --password-file samples/alice.pw samples/hello.xml"
build/wssec secure --timestamp --username alice --password-file samples/alice.pw samples/hello.xml \
  > build/hello.secured.xml
echo "== wssec verify --users samples/users --require timestamp,username-token"
build/wssec verify --users samples/users --require timestamp,username-token --json \
  build/hello.secured.xml
