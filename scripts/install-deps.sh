#!/usr/bin/env bash
# Installs what wssec needs to build and test, from Debian 12 packages.
# Run as root (or through sudo). Safe to run again.
set -euo pipefail
pkgs=(build-essential cmake pkg-config libxml2-dev libxml2-utils libxmlsec1-dev xmlsec1
      libssl-dev openssl libcmocka-dev valgrind jq libhiredis-dev redis-server
      openjdk-17-jdk-headless libwss4j-java libxml-security-java libcommons-logging-java
      libcommons-codec-java libslf4j-java python3-zeep python3-xmlsec python3-lxml gsoap
      libgsoap-dev)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all packages present"
  exit 0
fi
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
