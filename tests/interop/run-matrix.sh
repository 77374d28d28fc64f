#!/usr/bin/env bash
# wssec interoperability matrix against Apache WSS4J 1.6, zeep 4.2 + python-xmlsec, the
# xmlsec1 CLI and gSOAP 2.8's wsse plugin (issue #7). See tests/interop/README.md.
#
#   tests/interop/run-matrix.sh [--wssec PATH] [--vectors] [--out DIR]
#
#   --wssec PATH   the wssec program (default: $WSSEC, else build/wssec)
#   --vectors      (re)write the fixed test vectors in tests/interop/vectors/ instead
#   --out DIR      scratch directory (default tests/interop/out, git-ignored)
#
# Exit status: 0 every supported cell passed; 1 a cell failed; 2 a prerequisite is missing
# (the JDK, the Debian jars, zeep/xmlsec for /usr/bin/python3, xmlsec1, openssl, gSOAP). Missing
# prerequisites are never skipped: scripts/install-deps.sh installs them all.
set -euo pipefail
export PYTHONDONTWRITEBYTECODE=1

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
wssec=${WSSEC:-$root/build/wssec}
out=$here/out
mode=run
while [ $# -gt 0 ]; do
  case $1 in
    --wssec) wssec=$2; shift 2 ;;
    --wssec=*) wssec=${1#--wssec=}; shift ;;
    --out) out=$2; shift 2 ;;
    --vectors) mode=vectors; shift ;;
    -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
    *) echo "run-matrix.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
case $wssec in /*) ;; *) wssec=$PWD/$wssec ;; esac

missing=()
need() { command -v "$1" >/dev/null 2>&1 || missing+=("$1 ($2)"); }
need java "openjdk-17-jdk-headless"
need javac "openjdk-17-jdk-headless"
need keytool "openjdk-17-jdk-headless"
need xmlsec1 "xmlsec1"
need openssl "openssl"
need soapcpp2 "gsoap"
need gcc "build-essential"
for f in /usr/share/gsoap/plugin/wsseapi.c /usr/share/gsoap/plugin/smdevp.c \
         /usr/share/gsoap/plugin/mecevp.c /usr/share/gsoap/custom/struct_timeval.c \
         /usr/share/gsoap/import/wsse.h; do
  [ -r "$f" ] || missing+=("$f (libgsoap-dev)")
done
pkg-config --exists gsoapssl 2>/dev/null || missing+=("gsoapssl.pc (libgsoap-dev)")
jars=(wss4j.jar xmlsec.jar commons-logging.jar commons-codec.jar slf4j-api.jar slf4j-nop.jar)
for j in "${jars[@]}"; do
  [ -r "/usr/share/java/$j" ] || missing+=("/usr/share/java/$j (libwss4j-java, libxml-security-java, libcommons-logging-java, libcommons-codec-java, libslf4j-java)")
done
if [ ! -x /usr/bin/python3 ]; then
  missing+=("/usr/bin/python3 (python3)")
elif ! /usr/bin/python3 -c 'import zeep, xmlsec, lxml' 2>/dev/null; then
  missing+=("zeep/xmlsec/lxml for /usr/bin/python3 (python3-zeep python3-xmlsec python3-lxml)")
fi
for f in root.crt inter.crt alice.crt alice.key alice.p12 alice.p12.pw server.crt server.key \
         server.p12 server.p12.pw; do
  [ -r "$root/samples/pki/$f" ] || missing+=("samples/pki/$f (samples/pki/make-pki.sh)")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "run-matrix.sh: FAIL: the interop suite cannot run; missing:" >&2
  for m in "${missing[@]}"; do echo "  - $m" >&2; done
  echo "run-matrix.sh: install them with scripts/install-deps.sh" >&2
  exit 2
fi

mkdir -p "$out/java" "$out/pki"

# The Java peer, compiled against Debian's jars.
cp=$(printf '/usr/share/java/%s:' "${jars[@]}"); cp=${cp%:}
javac -nowarn -Xlint:none -encoding UTF-8 -d "$out/java" -cp "$cp" "$here/java/WssPeer.java"

# The gSOAP peer: bindings from quote.h with soapcpp2, then the wsse plugin sources of
# libgsoap-dev compiled in (time() wrapped so that --created can fix the plugin's clock).
g=/usr/share/gsoap
mkdir -p "$out/gsoap"
soapcpp2 -c -L -x -d "$out/gsoap" -I$g/import -I$g "$here/gsoap/quote.h" >"$out/gsoap/soapcpp2.log" 2>&1 \
  || { echo "run-matrix.sh: FAIL: soapcpp2 failed, see $out/gsoap/soapcpp2.log" >&2; exit 2; }
# shellcheck disable=SC2046
gcc -O1 -w $(pkg-config --cflags gsoapssl) -I"$out/gsoap" -I$g/plugin -I$g -Wl,--wrap=time \
    -o "$out/gsoap/gsoap_peer" "$here/gsoap/gsoap_peer.c" "$out/gsoap/soapC.c" \
    "$out/gsoap/soapServer.c" "$out/gsoap/soapClient.c" $g/plugin/wsseapi.c $g/plugin/smdevp.c \
    $g/plugin/mecevp.c $g/custom/struct_timeval.c $(pkg-config --libs gsoapssl) -lssl -lcrypto -lz -lm \
  || { echo "run-matrix.sh: FAIL: the gSOAP peer does not compile" >&2; exit 2; }

# Java keystores: the PKCS#12 files of samples/pki are used as they are (Java 17 reads
# them); the truststore (root.crt only) is made here with keytool.
pw=interop-truststore
printf '%s\n' "$pw" > "$out/pki/truststore.pw"
rm -f "$out/pki/truststore.p12"
keytool -importcert -noprompt -alias wssec-test-root -file "$root/samples/pki/root.crt" \
        -keystore "$out/pki/truststore.p12" -storetype PKCS12 -storepass "$pw" >/dev/null 2>&1 \
  || { echo "run-matrix.sh: FAIL: keytool could not make the truststore" >&2; exit 2; }
keytool -list -keystore "$root/samples/pki/alice.p12" -storetype PKCS12 \
        -storepass "$(head -n1 "$root/samples/pki/alice.p12.pw")" >/dev/null 2>&1 \
  || { echo "run-matrix.sh: FAIL: Java cannot read samples/pki/alice.p12" >&2; exit 2; }

if [ "$mode" = vectors ]; then
  exec /usr/bin/python3 "$here/matrix.py" vectors --out "$out"
fi
exec /usr/bin/python3 "$here/matrix.py" run --wssec "$wssec" --out "$out"
