#!/usr/bin/env bash
# Installs what wssec needs from Debian 12 packages. Run as root (or with
# sudo available). Safe to run again: installs only what is missing.
#
#   scripts/install-deps.sh [--build | --test] [--check]
#
#   --build   what building wssec (library, program, samples, unit tests,
#             mod_wssec) and running it need: compiler, CMake, pkg-config,
#             libxml2, xmlsec1, OpenSSL, hiredis, cmocka, apache2-dev (the
#             httpd headers and apxs: mod_wssec is built when they are
#             there). This is what scripts/demo.sh installs.
#   --test    (the default) the build set plus everything tests/run-all.sh
#             needs: valgrind, jq, python3, redis-server (the Redis replay
#             cache tests start their own servers), the xmlsec1 program, and the
#             interoperability peers (a JDK with WSS4J 1.6, zeep with
#             python-xmlsec, gSOAP with zlib for its headers), and clang with
#             its libFuzzer runtime (the short fuzz runs), apache2 and curl
#             (tests/gateway/run.sh runs mod_wssec in a private httpd), wrk
#             (tests/gateway/bench.sh).
#   --check   install nothing: list what is missing and exit 1 if anything is.
set -euo pipefail
mode=test
check=0
for a in "$@"; do
  case $a in
    --build) mode=build ;;
    --test) mode=test ;;
    --check) check=1 ;;
    -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
    *) echo "install-deps: unknown argument $a (try --help)" >&2; exit 2 ;;
  esac
done

build_pkgs=(build-essential cmake pkg-config libxml2-dev libxmlsec1-dev libssl-dev openssl
            libhiredis-dev libcmocka-dev apache2-dev)
test_pkgs=(valgrind jq python3 libxml2-utils xmlsec1 redis-server
           openjdk-17-jdk-headless libwss4j-java libxml-security-java libcommons-logging-java
           libcommons-codec-java libslf4j-java python3-zeep python3-xmlsec python3-lxml
           gsoap libgsoap-dev zlib1g-dev clang libclang-rt-14-dev
           softhsm2 libengine-pkcs11-openssl opensc apache2 curl wrk)
pkgs=("${build_pkgs[@]}")
[ "$mode" = build ] || pkgs+=("${test_pkgs[@]}")

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all packages of the $mode set present"
  exit 0
fi
if [ "$check" -eq 1 ]; then
  echo "install-deps: missing from the $mode set: ${missing[*]}"
  exit 1
fi
echo "install-deps: installing the $mode set's missing packages: ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null 2>&1 ||
    { echo "install-deps: not root and no sudo: install ${missing[*]} as root" >&2; exit 1; }
  SUDO="sudo"
fi
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -q
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
