#!/usr/bin/env bash
# mod_wssec end to end: a private httpd (Debian's apache2 binary, prefork with
# two children, a configuration generated under a temporary directory,
# loopback ports only) in front of a backend that echoes what it receives
# (backend.py), checked with curl (and client.py where connections must be
# held open):
#   - a signed request is forwarded, with the caller header, the Security
#     header stripped and Content-Length corrected;
#   - a caller header sent by the client never reaches the backend;
#   - a tampered message gets the fault of its SOAP version (1.1: 500 text/xml;
#     1.2: 400 application/soap+xml) and never reaches the backend;
#   - the same message sent twice, to two different children, is refused the
#     second time (the replay cache shared by the children);
#   - an oversize body is refused as soon as it passes the limit;
#   - over TLS with WSSecTLSBindSigner On, a TLS client certificate that is not
#     the signer's (or none) is refused;
#   - a graceful restart with a new CRL refuses the signer it revokes;
#   - one error-log line per refused request, with its code.
#
#   tests/gateway/run.sh WSSEC MOD_WSSEC_SO [SOURCE_DIR]
#
# Exits 0 when every check passed, 1 otherwise (also when apache2, curl or
# python3 is missing: scripts/install-deps.sh installs them). Every process it
# starts is bounded in time and stopped on every exit path.
set -uo pipefail

WSSEC=${1:?usage: run.sh WSSEC MOD_WSSEC_SO [SOURCE_DIR]}
MOD=${2:?usage: run.sh WSSEC MOD_WSSEC_SO [SOURCE_DIR]}
ROOT=${3:-$(cd "$(dirname "$0")/../.." && pwd)}
HERE=$ROOT/tests/gateway
APACHE=${WSSEC_APACHE2:-/usr/sbin/apache2}
MODDIR=${WSSEC_APACHE_MODULES:-/usr/lib/apache2/modules}
START=$(date +%s)

for need in "$APACHE" curl python3 javac java; do
    command -v "$need" >/dev/null 2>&1 ||
        { echo "FAIL gateway: $need not found (scripts/install-deps.sh installs it)"; exit 1; }
done
[ -f "$MOD" ] || { echo "FAIL gateway: $MOD not built"; exit 1; }
MOD=$(cd "$(dirname "$MOD")" && pwd)/$(basename "$MOD")
WSSEC=$(cd "$(dirname "$WSSEC")" && pwd)/$(basename "$WSSEC")

WORK=$(mktemp -d "${TMPDIR:-/tmp}/wssec-gateway.XXXXXX") || exit 1
HTTPD_PID="" BACKEND_PID="" APACHE_PID="" REDIS_PID="" B_PID="" B_APACHE_PID=""
cleanup() {
    # APACHE_PID: httpd's parent (its PidFile); HTTPD_PID: the timeout around it;
    # B_*: the second httpd of the Redis check
    for p in $APACHE_PID $HTTPD_PID $B_APACHE_PID $B_PID $REDIS_PID; do
        kill -0 "$p" 2>/dev/null || continue
        kill -TERM "$p" 2>/dev/null
        for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$p" 2>/dev/null
    done
    [ -n "$BACKEND_PID" ] && kill -TERM "$BACKEND_PID" 2>/dev/null
    wait 2>/dev/null
    if [ -n "${WSSEC_GATEWAY_KEEP:-}" ]; then echo "kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

failed=0 passed=0
ok() { printf 'ok   %s\n' "$*"; passed=$((passed + 1)); }
bad() { printf 'FAIL %s\n' "$*"; failed=$((failed + 1)); }
check() { # check DESCRIPTION COMMAND...
    local what=$1; shift
    if "$@"; then ok "$what"; else bad "$what"; fi
}
free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

GW_PORT=$(free_port) BE_PORT=$(free_port) TLS_PORT=$(free_port) B_PORT=$(free_port)
PKI=$ROOT/samples/pki
BACKEND_LOG=$WORK/backend.log
: >"$BACKEND_LOG"

cat >"$WORK/gateway.xml" <<XML
<wssec xmlns="urn:wssec:config:1">
  <trust>$PKI/root.crt</trust>
  <certs>$PKI/inter.crt</certs>
  <max-message-size>65536</max-message-size>
</wssec>
XML

# the DN rules of the configuration applied to the TLS peer too (WSSecTLSPeerCheck)
cat >"$WORK/peer.xml" <<XML
<wssec xmlns="urn:wssec:config:1">
  <trust>$PKI/root.crt</trust>
  <certs>$PKI/inter.crt</certs>
  <subject>CN=alice,OU=Clients,O=wssec test,C=US</subject>
</wssec>
XML

# responses secured by the gateway (WSSecSecureResponse): a Timestamp, the
# SignatureConfirmation of the request's signature and the gateway's signature
cat >"$WORK/out.xml" <<XML
<wssec xmlns="urn:wssec:config:1">
  <trust>$PKI/root.crt</trust>
  <certs>$PKI/inter.crt</certs>
  <actions>timestamp,signature-confirmation,signature</actions>
  <sign-key>$PKI/gateway.key</sign-key>
  <sign-cert>$PKI/gateway.crt</sign-cert>
</wssec>
XML

# the transport authenticates (WS-SecurityPolicy's HttpsToken with
# RequireClientCertificate): an unsigned message, the TLS client certificate
# as the caller, checked by the library with a signer's rules (a CRL here,
# which mod_ssl is not given)
cat >"$WORK/https.xml" <<XML
<wssec xmlns="urn:wssec:config:1">
  <trust>$PKI/root.crt</trust>
  <certs>$PKI/inter.crt</certs>
  <crl>$PKI/inter.crl</crl>
  <crl>$PKI/root.crl</crl>
  <require>timestamp</require>
  <transport-client-cert>required</transport-client-cert>
</wssec>
XML

# responses encrypted for the caller (WSSecEncryptResponse Caller): the file's
# encrypt-cert (server's) is what the library would use without it
cat >"$WORK/enc.xml" <<XML
<wssec xmlns="urn:wssec:config:1">
  <trust>$PKI/root.crt</trust>
  <certs>$PKI/inter.crt</certs>
  <actions>timestamp,signature,encrypted-key</actions>
  <sign-key>$PKI/gateway.key</sign-key>
  <sign-cert>$PKI/gateway.crt</sign-cert>
  <encrypt-cert>$PKI/server.crt</encrypt-cert>
</wssec>
XML

# UsernameTokens, with the users file of the wssec program (relative to the
# configuration file, as wssec -c takes it)
cp "$ROOT/samples/users" "$WORK/users"
cat >"$WORK/ut.xml" <<XML
<wssec xmlns="urn:wssec:config:1">
  <require>timestamp,username-token</require>
  <users>users</users>
</wssec>
XML

# a caller without a certificate (a UsernameToken) cannot get an encrypted
# response: refused before the backend, never encrypted for encrypt-cert
cat >"$WORK/ut-enc.xml" <<XML
<wssec xmlns="urn:wssec:config:1">
  <require>timestamp,username-token</require>
  <users>users</users>
  <actions>timestamp,encrypted-key</actions>
  <encrypt-cert>$PKI/server.crt</encrypt-cert>
</wssec>
XML

# Redis, when redis-server is there (CI installs it): a private server on a
# loopback port, no persistence, which two httpd (this one and a second one,
# each with its own shmcb) share through the library's replay-cache option
rd_location=""
REDIS_PORT=""
if command -v redis-server >/dev/null 2>&1 && command -v redis-cli >/dev/null 2>&1; then
    for _ in $(seq 1 20); do
        p=$((20000 + RANDOM % 40000))
        redis-server --save '' --appendonly no --port "$p" --bind 127.0.0.1 --dir "$WORK" \
            --logfile "$WORK/redis.log" &
        REDIS_PID=$!
        for _ in $(seq 1 100); do
            [ "$(redis-cli -p "$p" ping 2>/dev/null)" = PONG ] && { REDIS_PORT=$p; break; }
            kill -0 "$REDIS_PID" 2>/dev/null || break
            sleep 0.05
        done
        [ -n "$REDIS_PORT" ] && break
        kill "$REDIS_PID" 2>/dev/null
        wait "$REDIS_PID" 2>/dev/null
        REDIS_PID=""
    done
    [ -n "$REDIS_PORT" ] || { echo "FAIL gateway: redis-server did not start on a loopback port"; exit 1; }
    cat >"$WORK/rd.xml" <<XML
<wssec xmlns="urn:wssec:config:1">
  <trust>$PKI/root.crt</trust>
  <certs>$PKI/inter.crt</certs>
  <replay-cache>redis://127.0.0.1:$REDIS_PORT/0</replay-cache>
</wssec>
XML
    rd_location="<Location \"/rd/\">
    WSSecConfig \"$WORK/rd.xml\"
    ProxyPass \"http://127.0.0.1:$BE_PORT/rd/\"
</Location>"
fi

user_lines=""
if [ "$(id -u)" -eq 0 ]; then
    chmod 755 "$WORK"
    user_lines="User nobody
Group nogroup"
fi
cat >"$WORK/httpd.conf" <<CONF
ServerRoot "$WORK"
ServerName 127.0.0.1
PidFile "$WORK/httpd.pid"
DefaultRuntimeDir "$WORK"
Listen 127.0.0.1:$GW_PORT
$user_lines
LoadModule mpm_prefork_module $MODDIR/mod_mpm_prefork.so
LoadModule authz_core_module $MODDIR/mod_authz_core.so
LoadModule proxy_module $MODDIR/mod_proxy.so
LoadModule proxy_http_module $MODDIR/mod_proxy_http.so
LoadModule socache_shmcb_module $MODDIR/mod_socache_shmcb.so
LoadModule ssl_module $MODDIR/mod_ssl.so
LoadModule rewrite_module $MODDIR/mod_rewrite.so
LoadModule reqtimeout_module $MODDIR/mod_reqtimeout.so
RequestReadTimeout header=5 body=1
LoadModule wssec_gateway_module $MOD
StartServers 2
MinSpareServers 2
MaxSpareServers 4
ServerLimit 4
MaxRequestWorkers 4
KeepAlive On
KeepAliveTimeout 15
ErrorLog "$WORK/error.log"
LogLevel warn wssec_gateway:info
LogFormat "%P %>s %{WSSEC_RESULT}e %{WSSEC_CODE}e \"%{WSSEC_CALLER}e\" %r" gateway
CustomLog "$WORK/access.log" gateway
<Location "/svc/">
    WSSecConfig "$WORK/gateway.xml"
    WSSecStripSecurity On
    ProxyPass "http://127.0.0.1:$BE_PORT/svc/"
</Location>
<Location "/ut/">
    WSSecConfig "$WORK/ut.xml"
    ProxyPass "http://127.0.0.1:$BE_PORT/ut/"
</Location>
<Location "/wssec-status">
    SetHandler wssec-status
</Location>
<Location "/sec/">
    WSSecConfig "$WORK/out.xml"
    WSSecStripSecurity On
    WSSecSecureResponse On
    ProxyPass "http://127.0.0.1:$BE_PORT/sec/"
</Location>
<Location "/enc/">
    WSSecConfig "$WORK/enc.xml"
    WSSecStripSecurity On
    WSSecSecureResponse On
    WSSecEncryptResponse Caller
    ProxyPass "http://127.0.0.1:$BE_PORT/enc/"
</Location>
<Location "/ut-enc/">
    WSSecConfig "$WORK/ut-enc.xml"
    WSSecSecureResponse On
    WSSecEncryptResponse Caller
    ProxyPass "http://127.0.0.1:$BE_PORT/ut-enc/"
</Location>
$rd_location
<Location "/https/">
    WSSecConfig "$WORK/https.xml"
    ProxyPass "http://127.0.0.1:$BE_PORT/https/"
</Location>
<Location "/again/">
    WSSecConfig "$WORK/gateway.xml"
    RewriteEngine On
    RewriteRule .* /svc/echo [PT]
</Location>
<Location "/other/">
    WSSecConfig "$WORK/peer.xml"
    RewriteEngine On
    RewriteRule .* /svc/echo [PT]
</Location>
<Location "/keep/">
    WSSecConfig "$WORK/gateway.xml"
    WSSecCallerHeader X-Caller
    ProxyPass "http://127.0.0.1:$BE_PORT/keep/"
</Location>
Listen 127.0.0.1:$TLS_PORT
<VirtualHost 127.0.0.1:$TLS_PORT>
    SSLEngine on
    SSLCertificateFile "$PKI/server-chain.pem"
    SSLCertificateKeyFile "$PKI/server.key"
    SSLCACertificateFile "$WORK/client-ca.pem"
    SSLVerifyClient optional
    SSLVerifyDepth 3
    <Location "/peer/">
        WSSecConfig "$WORK/peer.xml"
        WSSecTLSPeerCheck On
        ProxyPass "http://127.0.0.1:$BE_PORT/peer/"
    </Location>
    <Location "/bound/">
        WSSecConfig "$WORK/gateway.xml"
        WSSecTLSBindSigner On
        ProxyPass "http://127.0.0.1:$BE_PORT/bound/"
    </Location>
</VirtualHost>
CONF
cat "$PKI/root.crt" "$PKI/inter.crt" >"$WORK/client-ca.pem"

timeout 60 python3 "$HERE/backend.py" "$BE_PORT" "$BACKEND_LOG" 55 &
BACKEND_PID=$!
# A module built with ASan (WSSEC_ASAN) needs the runtime first in httpd,
# which is not built with it: preload it. Leak detection stays off (httpd
# leaves its pools to the exit); every other ASan/UBSan report fails the test.
ASAN_LIB=$(ldd "$MOD" 2>/dev/null | awk '/libasan\.so/ {print $3; exit}')
if [ -n "$ASAN_LIB" ]; then
    export LD_PRELOAD=$ASAN_LIB
    export ASAN_OPTIONS=detect_leaks=0:log_path=$WORK/asan
fi
timeout 60 "$APACHE" -f "$WORK/httpd.conf" -DFOREGROUND 2>"$WORK/httpd.stderr" &
unset LD_PRELOAD
HTTPD_PID=$!
up=0
for _ in $(seq 100); do
    curl -s -o /dev/null "http://127.0.0.1:$BE_PORT/" 2>/dev/null || { sleep 0.1; continue; }
    if curl -s -o /dev/null "http://127.0.0.1:$GW_PORT/" 2>/dev/null &&
        [ "$(pgrep -P "$(cat "$WORK/httpd.pid" 2>/dev/null || echo 1)" 2>/dev/null | wc -l)" -ge 2 ]; then
        up=1
        break
    fi
    kill -0 "$HTTPD_PID" 2>/dev/null || break
    sleep 0.1
done
if [ $up -ne 1 ]; then
    echo "FAIL gateway: httpd did not start with two children"
    cat "$WORK/httpd.stderr" "$WORK/error.log" 2>/dev/null | tail -20
    exit 1
fi
APACHE_PID=$(cat "$WORK/httpd.pid")
ok "httpd started (prefork, $(pgrep -P "$APACHE_PID" | wc -l) children)"

ALICE_DN='CN=alice,OU=Clients,O=wssec test,C=US'
URL=http://127.0.0.1:$GW_PORT
sign() { # sign IN OUT
    "$WSSEC" secure --timestamp --sign-key "$PKI/alice.key" --sign-cert "$PKI/alice.crt" \
        -o "$2" "$1" || { echo "sign $1 failed"; exit 1; }
}
post() { # post PATH FILE [curl args...]: status and content type into $WORK/st, body into $WORK/resp
    local path=$1 file=$2; shift 2
    curl -s -o "$WORK/resp" -w '%{http_code} %{content_type}' -H 'Content-Type: text/xml; charset=utf-8' \
        "$@" --data-binary @"$file" "$URL$path" >"$WORK/st"
}
backend_count() { wc -l <"$BACKEND_LOG"; }
last_seen() { # last_seen PYTHON-EXPR over r (the backend's last record)
    python3 -c 'import json,sys; r=json.loads(open(sys.argv[1]).read().splitlines()[-1]); print(eval(sys.argv[2]))' \
        "$BACKEND_LOG" "$1"
}

# 1. a signed request goes through, with the caller header; a caller header the
#    client sent is removed (in any spelling: '_' for '-' too, which CGI-style
#    backends take for the same header)
sign "$ROOT/samples/hello.xml" "$WORK/m1.xml"
post /svc/echo "$WORK/m1.xml" -H 'X-WSSec-Caller: CN=mallory' -H 'x-wssec-caller: CN=eve' \
    -H 'X_WSSec_Caller: CN=trudy' -H 'X-WSSec-Asserted-By: CN=oscar'
check "signed SOAP 1.1 request accepted (200)" grep -q '^200 ' "$WORK/st"
check "backend got the request" [ "$(backend_count)" -eq 1 ]
check "backend saw the caller header: alice's DN" \
    [ "$(last_seen 'r["headers"].get("x-wssec-caller")')" = "$ALICE_DN" ]
check "client-sent caller headers (three spellings) and asserted-by never reach the backend" \
    sh -c "! grep -q 'mallory\|eve\|trudy\|oscar' '$BACKEND_LOG'"
check "Security header stripped (WSSecStripSecurity On)" \
    [ "$(last_seen '"Security" in r["body"]')" = False ]
check "the message's Body reached the backend" \
    [ "$(last_seen '"Body" in r["body"]')" = True ]
check "Content-Length is the length of the processed body, not chunked" \
    [ "$(last_seen 'int(r["headers"]["content-length"]) == len(r["body"].encode()) and not r["chunked"]')" = True ]
check "the response came back from the backend" grep -q 'Body' "$WORK/resp"

# 1b. two accepted messages on one keep-alive connection: the connection stays
#     open (the body filter ends with EOS for every read after the body)
sign "$ROOT/samples/hello.xml" "$WORK/k1.xml"
sign "$ROOT/samples/hello.xml" "$WORK/k2.xml"
ka=$(python3 "$HERE/client.py" keepalive "$GW_PORT" /svc/echo "$WORK/k1.xml" "$WORK/k2.xml")
check "keep-alive: two accepted messages on one connection (got $ka)" [ "$ka" = "200 200" ]

# 2. WSSecStripSecurity Off keeps the Security header; WSSecCallerHeader renames
sign "$ROOT/samples/hello.xml" "$WORK/m1b.xml"
post /keep/echo "$WORK/m1b.xml" -H 'X-Caller: CN=mallory'
check "/keep/: accepted" grep -q '^200 ' "$WORK/st"
check "/keep/: Security header kept" [ "$(last_seen '"Security" in r["body"]')" = True ]
check "/keep/: caller in X-Caller, the client's one replaced" \
    [ "$(last_seen 'r["headers"].get("x-caller")')" = "$ALICE_DN" ]

# 1c. WSSecSecureResponse On: the backend's response comes back with a Timestamp
#     and the gateway's signature, which wssec verify accepts
sign "$ROOT/samples/hello.xml" "$WORK/s1.xml"
post /sec/echo "$WORK/s1.xml"
check "secured response: 200, Content-Length right" \
    sh -c "grep -q '^200 ' '$WORK/st' && grep -q 'Security' '$WORK/resp'"
cp "$WORK/resp" "$WORK/secured-response.xml"
check "secured response: wssec verify accepts it, signed by the gateway" \
    sh -c "'$WSSEC' verify --trust '$PKI/root.crt' --certs '$PKI/inter.crt' --json '$WORK/secured-response.xml' 2>/dev/null | grep -q '\"caller\":\"CN=gateway,OU=Gateways,O=wssec test,C=US\"'"
check "secured response: it confirms the request's signature (wssec verify --sent-request)" \
    sh -c "'$WSSEC' verify --trust '$PKI/root.crt' --certs '$PKI/inter.crt' --sent-request '$WORK/s1.xml' '$WORK/secured-response.xml' >/dev/null"
sign "$ROOT/samples/hello.xml" "$WORK/s1-other.xml"
check "secured response: read as the answer to another request, it is refused" \
    sh -c "'$WSSEC' verify --trust '$PKI/root.crt' --certs '$PKI/inter.crt' --sent-request '$WORK/s1-other.xml' --json '$WORK/secured-response.xml' 2>/dev/null | grep -q 'another request'"
# WSS4J 1.6 reads it too: the interop suite's Java peer, compiled here
JCP=$(printf '/usr/share/java/%s.jar:' wss4j xmlsec commons-logging commons-codec slf4j-api slf4j-nop)
JCP=${JCP%:}
mkdir -p "$WORK/java"
check "secured response: WSS4J accepts it (Timestamp and the gateway's signature over the Body)" \
    sh -c "javac -nowarn -Xlint:none -encoding UTF-8 -d '$WORK/java' -cp '$JCP' '$ROOT/tests/interop/java/WssPeer.java' &&
           java -cp '$WORK/java:$JCP' WssPeer consume --in '$WORK/secured-response.xml' \
             --trust '$PKI/root.crt' --certs '$PKI/inter.crt' --require timestamp,signature >/dev/null 2>&1"
sed -i 's/ACME/ACMF/' "$WORK/secured-response.xml"
check "secured response: a changed copy is refused by WSS4J (exit 1: rejected)" \
    sh -c "java -cp '$WORK/java:$JCP' WssPeer consume --in '$WORK/secured-response.xml' \
             --trust '$PKI/root.crt' --certs '$PKI/inter.crt' --require timestamp,signature >/dev/null 2>&1; [ \$? -eq 1 ]"
check "secured response: a changed copy is refused by wssec verify" \
    sh -c "! '$WSSEC' verify --trust '$PKI/root.crt' --certs '$PKI/inter.crt' '$WORK/secured-response.xml' >/dev/null 2>&1"

# 1d. WSSecEncryptResponse Caller: the secured response is encrypted for the
#     request's signer, not for the file's encrypt-cert
dec_as() { # dec_as NAME FILE: wssec verify with NAME's key; the JSON report in $WORK/dec.json
    "$WSSEC" verify --trust "$PKI/root.crt" --certs "$PKI/inter.crt" --decrypt-key "$PKI/$1.key" \
        --decrypt-cert "$PKI/$1.crt" --json "$2" >"$WORK/dec.json" 2>/dev/null
}
dec_refused() { dec_as "$@"; [ $? -eq 1 ]; }
sign "$ROOT/samples/hello.xml" "$WORK/e1.xml"
post /enc/echo "$WORK/e1.xml"
cp "$WORK/resp" "$WORK/enc-alice.xml"
check "encrypted response: 200, an EncryptedKey, the Body not in the clear" \
    sh -c "grep -q '^200 ' '$WORK/st' && grep -q 'EncryptedKey' '$WORK/enc-alice.xml' && ! grep -q 'ACME' '$WORK/enc-alice.xml'"
check "encrypted response: alice's key decrypts it (wssec verify)" dec_as alice "$WORK/enc-alice.xml"
check "encrypted response: signed by the gateway, the Body decrypted" \
    sh -c "grep -q '\"caller\":\"CN=gateway,OU=Gateways,O=wssec test,C=US\"' '$WORK/dec.json' && grep -q '\"decrypted\"' '$WORK/dec.json'"
check "encrypted response: bob's key does not decrypt it (refused, exit 1)" \
    dec_refused bob "$WORK/enc-alice.xml"
check "encrypted response: nor the file's encrypt-cert (server's key)" \
    dec_refused server "$WORK/enc-alice.xml"
"$WSSEC" secure --timestamp --sign-key "$PKI/bob.key" --sign-cert "$PKI/bob.crt" \
    -o "$WORK/e2.xml" "$ROOT/samples/hello.xml" || exit 1
post /enc/echo "$WORK/e2.xml"
cp "$WORK/resp" "$WORK/enc-bob.xml"
check "encrypted response to bob's request: bob's key decrypts it" dec_as bob "$WORK/enc-bob.xml"
check "encrypted response to bob's request: alice's key does not" \
    dec_refused alice "$WORK/enc-bob.xml"

# 2b. an internal redirect (mod_rewrite in a location) to a location of the same
#     configuration keeps the verdict, the caller and the body; from another
#     configuration's location, it is refused
sign "$ROOT/samples/hello.xml" "$WORK/m1c.xml"
post /again/x "$WORK/m1c.xml" -H 'X-WSSec-Caller: CN=mallory'
check "internal redirect, same configuration: accepted" grep -q '^200 ' "$WORK/st"
check "internal redirect: the backend saw alice, the client's caller header gone" \
    [ "$(last_seen 'r["headers"].get("x-wssec-caller")')" = "$ALICE_DN" ]
before=$(backend_count)
sign "$ROOT/samples/hello.xml" "$WORK/m1d.xml"
post /other/x "$WORK/m1d.xml"
check "internal redirect from another configuration's location: refused (500)" grep -q '^500 ' "$WORK/st"
check "internal redirect refused: never reaches the backend" [ "$(backend_count)" -eq "$before" ]

# 3. a tampered SOAP 1.1 message: HTTP 500, text/xml, generic fault, not forwarded
before=$(backend_count)
sign "$ROOT/samples/hello.xml" "$WORK/m2.xml"
sed -i 's/ACME/ACMF/' "$WORK/m2.xml"
post /svc/echo "$WORK/m2.xml" -H 'X-WSSec-Caller: CN=mallory'
check "tampered SOAP 1.1: HTTP 500 text/xml" grep -q '^500 text/xml' "$WORK/st"
check "tampered SOAP 1.1: the fault is wsse:FailedCheck" grep -q 'FailedCheck' "$WORK/resp"
check "tampered: never reaches the backend" [ "$(backend_count)" -eq "$before" ]
check "tampered: the precise reason is in the error log only" \
    sh -c "grep -q 'wssec: rejected WSSEC_EDIGEST' '$WORK/error.log' && ! grep -qi 'digest' '$WORK/resp'"

# 4. a tampered SOAP 1.2 message: HTTP 400, application/soap+xml
sign "$ROOT/samples/hello12.xml" "$WORK/m3.xml"
sed -i 's/ACME/ACMF/' "$WORK/m3.xml"
post /svc/echo "$WORK/m3.xml" -H 'Content-Type: application/soap+xml; charset=utf-8'
check "tampered SOAP 1.2: HTTP 400 application/soap+xml" grep -q '^400 application/soap+xml' "$WORK/st"
check "tampered SOAP 1.2: a SOAP 1.2 fault (Sender, wsse:FailedCheck)" \
    sh -c "grep -q 'soap-envelope' '$WORK/resp' && grep -q 'Sender' '$WORK/resp' && grep -q 'FailedCheck' '$WORK/resp'"

# 5. an unsigned message: refused by the default policy
post /svc/echo "$ROOT/samples/hello.xml"
check "unsigned: HTTP 500 fault" sh -c "grep -q '^500 text/xml' '$WORK/st' && grep -q 'Fault' '$WORK/resp'"
check "unsigned: never reaches the backend" [ "$(backend_count)" -eq "$before" ]

# 6. the same message twice, to two different children: refused the second time
sign "$ROOT/samples/hello.xml" "$WORK/m4.xml"
before=$(backend_count)
statuses=$(python3 "$HERE/client.py" replay "$GW_PORT" /svc/echo "$WORK/m4.xml")
check "replay to another child: first 200, second 500 (got $statuses)" [ "$statuses" = "200 500" ]
pids=$(grep 'WSSEC_EREPLAY\|accepted OK' "$WORK/access.log" | tail -2 | awk '{print $1}' | sort -u | wc -l)
check "the two were served by different children" [ "$pids" -eq 2 ]
check "replay: the error log names the replay" grep -q 'wssec: rejected WSSEC_EREPLAY' "$WORK/error.log"
check "replay: forwarded once" [ "$(backend_count)" -eq "$((before + 1))" ]

# 7. oversize bodies: refused as soon as they pass the limit (64 KiB)
before=$(backend_count)
head -c 70000 /dev/zero | tr '\0' ' ' >"$WORK/big.xml"
post /svc/echo "$WORK/big.xml"
check "oversize (Content-Length): HTTP 500 fault" grep -q '^500 text/xml' "$WORK/st"
check "oversize: the error log says ELIMIT" grep -q 'wssec: rejected WSSEC_ELIMIT' "$WORK/error.log"
check "oversize announced (100 MB Content-Length): refused before the body is sent" \
    [ "$(python3 "$HERE/client.py" early "$GW_PORT" /svc/echo cl 100)" = 500 ]
check "oversize chunked: refused once 80 KiB of an endless body arrived" \
    [ "$(python3 "$HERE/client.py" early "$GW_PORT" /svc/echo chunked 81920)" = 500 ]
check "oversize: never reaches the backend" [ "$(backend_count)" -eq "$before" ]

# 7b. a slow body (the client stops sending): httpd (mod_reqtimeout, body=1)
#     closes it, and it never reaches the backend
before=$(backend_count)
slow=$(python3 "$HERE/client.py" slow "$GW_PORT" /svc/echo)
check "slow body: httpd answers 408 within 3 s (got: $slow)" \
    sh -c "case '$slow' in '408 '[0-3]) exit 0;; *) exit 1;; esac"
check "slow body: never reaches the backend" [ "$(backend_count)" -eq "$before" ]

# 8. not a POST: 405
check "GET: 405" [ "$(curl -s -o /dev/null -w '%{http_code}' "$URL/svc/echo")" = 405 ]

# 9. one error-log line per refused request, with its code
rejected_access=$(grep -c ' rejected ' "$WORK/access.log")
rejected_error=$(grep -c 'wssec: rejected' "$WORK/error.log")
check "one error-log line per refused request ($rejected_error for $rejected_access)" \
    [ "$rejected_error" -eq "$rejected_access" ]

# 10. UsernameTokens checked against the users file the configuration names
"$WSSEC" secure --timestamp --username alice --password-file "$ROOT/samples/alice.pw" \
    -o "$WORK/u1.xml" "$ROOT/samples/hello.xml" || exit 1
post /ut/echo "$WORK/u1.xml"
check "UsernameToken of alice (users file): accepted, caller alice" \
    sh -c "grep -q '^200 ' '$WORK/st' && [ \"\$(grep -c '\"x-wssec-caller\": \"alice\"' '$BACKEND_LOG')\" -eq 1 ]"
printf 'wrong\n' >"$WORK/wrong.pw"
"$WSSEC" secure --timestamp --username alice --password-file "$WORK/wrong.pw" \
    -o "$WORK/u2.xml" "$ROOT/samples/hello.xml" || exit 1
before=$(backend_count)
post /ut/echo "$WORK/u2.xml"
check "UsernameToken with a wrong password: refused (wsse:FailedAuthentication)" \
    sh -c "grep -q '^500 ' '$WORK/st' && grep -q 'FailedAuthentication' '$WORK/resp'"
check "wrong password: never reaches the backend" [ "$(backend_count)" -eq "$before" ]

"$WSSEC" secure --timestamp --username alice --password-file "$ROOT/samples/alice.pw" \
    -o "$WORK/u3.xml" "$ROOT/samples/hello.xml" || exit 1
post /ut-enc/echo "$WORK/u3.xml"
check "WSSecEncryptResponse Caller, a UsernameToken caller (no certificate): refused (500)" \
    grep -q '^500 text/xml' "$WORK/st"
check "UsernameToken caller refused: the error log says the caller has no certificate" \
    grep -q "WSSEC_EPOLICY.*WSSecEncryptResponse Caller: the caller 'alice' has no certificate" "$WORK/error.log"
check "UsernameToken caller refused: never reaches the backend" [ "$(backend_count)" -eq "$before" ]

# 11. the counters of every child (SetHandler wssec-status, Prometheus text)
curl -s -o "$WORK/status" -w '%{http_code} %{content_type}' "$URL/wssec-status" >"$WORK/st"
metric() { awk -v m="$1" '$1 == m {print $2}' "$WORK/status"; }
acc=$(grep -c ' accepted OK ' "$WORK/access.log")
check "wssec-status: 200 text/plain; version=0.0.4" grep -q '^200 text/plain; version=0.0.4' "$WORK/st"
# (plus one: the message accepted at /other/, then refused at its internal redirect)
check "wssec-status: accepted = the access log's accepted requests + 1 ($acc + 1), over both children" \
    [ "$(metric wssec_messages_accepted_total)" = "$((acc + 1))" ]
check "wssec-status: rejected by code (EDIGEST 2, EREPLAY 1, ELIMIT 3, EAUTH 1, method 1)" \
    [ "$(metric 'wssec_messages_rejected_total{code="WSSEC_EDIGEST"}') $(metric 'wssec_messages_rejected_total{code="WSSEC_EREPLAY"}') $(metric 'wssec_messages_rejected_total{code="WSSEC_ELIMIT"}') $(metric 'wssec_messages_rejected_total{code="WSSEC_EAUTH"}') $(metric 'wssec_messages_rejected_total{code="method"}')" = "2 1 3 1 1" ]
check "wssec-status: the histogram counts every verdict on a message" \
    [ "$(metric wssec_verify_seconds_count)" -eq "$((acc + 1 + 7 + $(metric 'wssec_messages_rejected_total{code="WSSEC_EPOLICY"}')))" ]
check "wssec-status: the replay cache counted one replay" [ "$(metric wssec_replay_cache_replays_total)" = 1 ]

# 12. TLS (mod_ssl, SSLVerifyClient optional) with WSSecTLSBindSigner On: the
#     TLS client certificate must be the signer's
tls_post() { # tls_post CLIENT|none FILE [PATH [curl args...]]
    local who=$1 file=$2 path=${3:-/bound/echo} cert=()
    shift 2
    [ $# -gt 0 ] && shift
    [ "$who" = none ] || cert=(--cert "$PKI/$who-chain.pem" --key "$PKI/$who.key")
    curl -s -k "${cert[@]}" -o "$WORK/resp" -w '%{http_code} %{content_type}' "$@" \
        -H 'Content-Type: text/xml; charset=utf-8' --data-binary @"$file" \
        "https://127.0.0.1:$TLS_PORT$path" >"$WORK/st"
}
sign "$ROOT/samples/hello.xml" "$WORK/t1.xml"
tls_post alice "$WORK/t1.xml"
check "TLS as alice, signed by alice: accepted" grep -q '^200 ' "$WORK/st"
check "TLS as alice: the backend saw alice as the caller" \
    [ "$(last_seen 'r["headers"].get("x-wssec-caller")')" = "$ALICE_DN" ]
before=$(backend_count)
sign "$ROOT/samples/hello.xml" "$WORK/t2.xml"
tls_post bob "$WORK/t2.xml"
check "TLS as bob, signed by alice: refused (500, wsse:FailedAuthentication)" \
    sh -c "grep -q '^500 text/xml' '$WORK/st' && grep -q 'FailedAuthentication' '$WORK/resp'"
check "TLS as bob: the error log says the certificates differ" \
    grep -q "WSSEC_EAUTH.*TLS client certificate (SHA-256 [0-9A-F]*) is not the signer's" "$WORK/error.log"
sign "$ROOT/samples/hello.xml" "$WORK/t3.xml"
tls_post none "$WORK/t3.xml"
check "TLS without a client certificate: refused" grep -q '^500 text/xml' "$WORK/st"
check "TLS without a client certificate: the error log says so" \
    grep -q 'no verified TLS client certificate' "$WORK/error.log"
check "TLS refusals never reach the backend" [ "$(backend_count)" -eq "$before" ]
# WSSecTLSPeerCheck: the configuration's subject rule (alice only) for the TLS peer
sign "$ROOT/samples/hello.xml" "$WORK/p1.xml"
tls_post alice "$WORK/p1.xml" /peer/echo
check "TLS peer check: alice (the subject rule's) accepted" grep -q '^200 ' "$WORK/st"
before=$(backend_count)
sign "$ROOT/samples/hello.xml" "$WORK/p2.xml"
tls_post bob "$WORK/p2.xml" /peer/echo
check "TLS peer check: bob refused before the body is read (500, FailedAuthentication)" \
    sh -c "grep -q '^500 text/xml' '$WORK/st' && grep -q 'FailedAuthentication' '$WORK/resp'"
check "TLS peer check: the error log names bob and the rule" \
    sh -c "grep 'WSSecTLSPeerCheck: TLS client certificate refused' '$WORK/error.log' | grep -q 'CN=bob'"
tls_post none "$WORK/p2.xml" /peer/echo
check "TLS peer check: no client certificate refused" grep -q '^500 text/xml' "$WORK/st"
check "TLS peer check: refusals never reach the backend" [ "$(backend_count)" -eq "$before" ]

# 12b. Redis: two httpd, each with its own children and its own shmcb, share
#      the library's Redis replay cache: a message accepted by server A is a
#      replay for server B
if [ -z "$REDIS_PORT" ]; then
    echo "NOT RUN: the Redis check (two httpd sharing the library's Redis replay cache): redis-server is not installed"
else
    cat >"$WORK/b.conf" <<CONF
ServerRoot "$WORK"
ServerName 127.0.0.1
PidFile "$WORK/b.pid"
DefaultRuntimeDir "$WORK"
Listen 127.0.0.1:$B_PORT
$user_lines
LoadModule mpm_prefork_module $MODDIR/mod_mpm_prefork.so
LoadModule authz_core_module $MODDIR/mod_authz_core.so
LoadModule proxy_module $MODDIR/mod_proxy.so
LoadModule proxy_http_module $MODDIR/mod_proxy_http.so
LoadModule socache_shmcb_module $MODDIR/mod_socache_shmcb.so
LoadModule wssec_gateway_module $MOD
StartServers 1
ErrorLog "$WORK/b-error.log"
LogLevel warn wssec_gateway:info
$rd_location
CONF
    if [ -n "$ASAN_LIB" ]; then
        LD_PRELOAD=$ASAN_LIB timeout 60 "$APACHE" -f "$WORK/b.conf" -DFOREGROUND 2>>"$WORK/httpd.stderr" &
    else
        timeout 60 "$APACHE" -f "$WORK/b.conf" -DFOREGROUND 2>>"$WORK/httpd.stderr" &
    fi
    B_PID=$!
    for _ in $(seq 100); do
        curl -s -o /dev/null "http://127.0.0.1:$B_PORT/" 2>/dev/null && break
        kill -0 "$B_PID" 2>/dev/null || break
        sleep 0.1
    done
    B_APACHE_PID=$(cat "$WORK/b.pid" 2>/dev/null)
    check "Redis: a second httpd started (redis-server on 127.0.0.1:$REDIS_PORT)" [ -n "$B_APACHE_PID" ]
    sign "$ROOT/samples/hello.xml" "$WORK/rd1.xml"
    before=$(backend_count)
    post /rd/echo "$WORK/rd1.xml"
    check "Redis: server A accepts a message" grep -q '^200 ' "$WORK/st"
    curl -s -o "$WORK/resp" -w '%{http_code} %{content_type}' -H 'Content-Type: text/xml; charset=utf-8' \
        --data-binary @"$WORK/rd1.xml" "http://127.0.0.1:$B_PORT/rd/echo" >"$WORK/st"
    check "Redis: server B refuses the same message (500)" grep -q '^500 text/xml' "$WORK/st"
    check "Redis: server B's log names the replay" grep -q 'wssec: rejected WSSEC_EREPLAY' "$WORK/b-error.log"
    check "Redis: forwarded once, by A" [ "$(backend_count)" -eq "$((before + 1))" ]
    sign "$ROOT/samples/hello.xml" "$WORK/rd2.xml"
    curl -s -o "$WORK/resp" -w '%{http_code} %{content_type}' -H 'Content-Type: text/xml; charset=utf-8' \
        --data-binary @"$WORK/rd2.xml" "http://127.0.0.1:$B_PORT/rd/echo" >"$WORK/st"
    check "Redis: server B accepts a new message" grep -q '^200 ' "$WORK/st"
    replays=$(grep -c 'wssec: rejected WSSEC_EREPLAY' "$WORK/error.log")
    post /rd/echo "$WORK/rd2.xml"
    check "Redis: server A refuses it as a replay (500)" grep -q '^500 text/xml' "$WORK/st"
    check "Redis: server A's log names the replay" \
        [ "$(grep -c 'wssec: rejected WSSEC_EREPLAY' "$WORK/error.log")" -eq "$((replays + 1))" ]
    check "Redis: the keys are in redis-server" [ "$(redis-cli -p "$REDIS_PORT" dbsize)" -ge 2 ]
    kill -TERM "$B_APACHE_PID"
    wait "$B_PID"
    rc=$?
    B_PID="" B_APACHE_PID=""
    check "Redis: the second httpd stopped cleanly (exit $rc)" [ "$rc" -eq 0 ]
fi

# 12c. the TLS client certificate as the caller (transport-client-cert
#      required, as the policy mapping writes it for sp:HttpsToken with
#      RequireClientCertificate): an unsigned message with a Timestamp
"$WSSEC" secure --timestamp -o "$WORK/h1.xml" "$ROOT/samples/hello.xml" || exit 1
tls_post alice "$WORK/h1.xml" /https/echo -H 'X-WSSec-Caller: CN=mallory'
check "HttpsToken: an unsigned message over TLS as alice: accepted" grep -q '^200 ' "$WORK/st"
check "HttpsToken: the backend saw alice's DN (the TLS certificate's) as the caller" \
    [ "$(last_seen 'r["headers"].get("x-wssec-caller")')" = "$ALICE_DN" ]
before=$(backend_count)
tls_post none "$WORK/h1.xml" /https/echo
check "HttpsToken: without a client certificate: refused (500 fault)" \
    sh -c "grep -q '^500 text/xml' '$WORK/st' && grep -q 'Fault' '$WORK/resp'"
check "HttpsToken: the error log names the setting and sp:HttpsToken" \
    grep -q 'WSSEC_EPOLICY.*transport-client-cert required (sp:HttpsToken' "$WORK/error.log"
tls_post revoked "$WORK/h1.xml" /https/echo
check "HttpsToken: a revoked client certificate (mod_ssl has no CRL) refused by the library" \
    sh -c "grep -q '^500 text/xml' '$WORK/st' && grep -q 'FailedAuthentication' '$WORK/resp'"
check "HttpsToken: the error log gives the trust reason (revoked)" \
    sh -c "grep 'WSSEC_EUNTRUSTED' '$WORK/error.log' | grep 'TLS client' | grep -q 'revoked'"
check "HttpsToken: refusals never reach the backend" [ "$(backend_count)" -eq "$before" ]
post /https/echo "$WORK/h1.xml"
check "HttpsToken: over plain HTTP (no TLS): refused" grep -q '^500 text/xml' "$WORK/st"

# 13. a graceful restart (apachectl graceful: SIGUSR1) with a new CRL in the
#     configuration file: the context is built again, and a signer it revokes
#     is refused from then on
sign_as() { # sign_as NAME IN OUT
    "$WSSEC" secure --timestamp --sign-key "$PKI/$1.key" --sign-cert "$PKI/$1.crt" \
        -o "$3" "$2" || { echo "sign $2 as $1 failed"; exit 1; }
}
sign_as revoked "$ROOT/samples/hello.xml" "$WORK/r1.xml"
post /svc/echo "$WORK/r1.xml"
check "before the reload: a signer the CRL will revoke is accepted" grep -q '^200 ' "$WORK/st"
# and a message accepted before the reload, to be replayed after it
sign "$ROOT/samples/hello.xml" "$WORK/g1.xml"
post /svc/echo "$WORK/g1.xml"
check "before the reload: a message accepted" grep -q '^200 ' "$WORK/st"
sed -i "s|</wssec>|  <crl>$PKI/inter.crl</crl>\n  <crl>$PKI/root.crl</crl>\n</wssec>|" "$WORK/gateway.xml"
generations() { grep -c 'resuming normal operations' "$WORK/error.log"; }
gen=$(generations)
kill -USR1 "$APACHE_PID"
for _ in $(seq 100); do [ "$(generations)" -gt "$gen" ] && break; sleep 0.1; done
check "graceful restart: a new generation" [ "$(generations)" -gt "$gen" ]
sign_as revoked "$ROOT/samples/hello.xml" "$WORK/r2.xml"
before=$(backend_count)
for _ in $(seq 50); do # the old children finish their keep-alive connections
    post /svc/echo "$WORK/r2.xml"
    grep -q '^500 ' "$WORK/st" && break
    sign_as revoked "$ROOT/samples/hello.xml" "$WORK/r2.xml"
    before=$(backend_count)
    sleep 0.1
done
check "after the reload: the revoked signer is refused (HTTP 500)" grep -q '^500 text/xml' "$WORK/st"
check "after the reload: the error log says revoked" \
    sh -c "grep 'wssec: rejected WSSEC_EUNTRUSTED' '$WORK/error.log' | grep -qi 'revoked'"
check "after the reload: never reaches the backend" [ "$(backend_count)" -eq "$before" ]
sign "$ROOT/samples/hello.xml" "$WORK/m5.xml"
post /svc/echo "$WORK/m5.xml"
check "after the reload: alice is still accepted" grep -q '^200 ' "$WORK/st"
# the shared replay cache outlives the graceful restart: the message accepted
# by the old generation is a replay for the new one
before=$(backend_count)
replays=$(grep -c 'wssec: rejected WSSEC_EREPLAY' "$WORK/error.log")
post /svc/echo "$WORK/g1.xml"
check "after the reload: a message accepted before it is refused as a replay (500)" \
    grep -q '^500 text/xml' "$WORK/st"
check "after the reload: the error log names the replay" \
    [ "$(grep -c 'wssec: rejected WSSEC_EREPLAY' "$WORK/error.log")" -eq "$((replays + 1))" ]
check "after the reload: the replay never reaches the backend" [ "$(backend_count)" -eq "$before" ]
check "the replay cache was kept, not made again" \
    sh -c "! grep -q 'WSSecReplayCache changed' '$WORK/error.log'"
# a graceful restart with another WSSecReplayCache: a new cache (said), which
# detects replays as the first did
echo 'WSSecReplayCache "shmcb:(8388608)"' >>"$WORK/httpd.conf"
gen=$(generations)
old_children=$(pgrep -P "$APACHE_PID")
kill -USR1 "$APACHE_PID"
for _ in $(seq 100); do [ "$(generations)" -gt "$gen" ] && break; sleep 0.1; done
for _ in $(seq 100); do # the old children (the old cache) gone: only the new one answers
    alive=0
    for c in $old_children; do kill -0 "$c" 2>/dev/null && alive=1; done
    [ $alive -eq 0 ] && break
    sleep 0.1
done
check "graceful restart with another WSSecReplayCache: a new generation, the change logged" \
    sh -c "[ $(generations) -gt $gen ] && grep -q 'WSSecReplayCache changed from .shmcb:(16777216). to .shmcb:(8388608).' '$WORK/error.log'"
sign "$ROOT/samples/hello.xml" "$WORK/m6.xml"
statuses=$(python3 "$HERE/client.py" replay "$GW_PORT" /svc/echo "$WORK/m6.xml")
check "the new cache: first 200, the replay to another child 500 (got $statuses)" [ "$statuses" = "200 500" ]

# 14. httpd stops cleanly (no crash in the module's clean-ups)
kill -TERM "$APACHE_PID"
wait "$HTTPD_PID"
rc=$?
HTTPD_PID="" APACHE_PID=""
check "httpd stopped cleanly (exit $rc)" [ "$rc" -eq 0 ]
check "no child crashed" sh -c "! grep -q 'Segmentation fault\|exit signal' '$WORK/error.log'"
# 15. WSSecEncryptResponse Caller where the response is not secured, or where
#     the configuration's actions do not encrypt: httpd refuses to start
bad_start() { # bad_start NAME SED-SCRIPT: starts a copy of the configuration, changed
    sed -e "s|$WORK/error.log|$WORK/$1-error.log|" -e "s|$WORK/httpd.pid|$WORK/$1.pid|" \
        -e "$2" "$WORK/httpd.conf" >"$WORK/$1.conf"
    if [ -n "$ASAN_LIB" ]; then
        LD_PRELOAD=$ASAN_LIB timeout 20 "$APACHE" -f "$WORK/$1.conf" -DFOREGROUND 2>>"$WORK/httpd.stderr"
    else
        timeout 20 "$APACHE" -f "$WORK/$1.conf" -DFOREGROUND 2>>"$WORK/httpd.stderr"
    fi
}
bad_start unsecured '/WSSecSecureResponse On/{N;s/ *WSSecSecureResponse On\n\( *WSSecEncryptResponse\)/\1/}'
rc=$?
check "WSSecEncryptResponse Caller without WSSecSecureResponse On: httpd does not start (exit $rc)" \
    [ "$rc" -ne 0 -a "$rc" -ne 124 ]
check "... and says why, naming the directive's line" \
    grep -q 'WSSecEncryptResponse Caller (.*unsecured.conf:[0-9]*): the response is not secured here' \
    "$WORK/unsecured-error.log"
bad_start noenc "s|$WORK/enc.xml|$WORK/out.xml|"
rc=$?
check "WSSecEncryptResponse Caller with actions that do not encrypt: httpd does not start (exit $rc)" \
    [ "$rc" -ne 0 -a "$rc" -ne 124 ]
check "... and says the actions do not encrypt" \
    grep -q 'the actions of .*out.xml do not encrypt' "$WORK/noenc-error.log"

check "no sanitizer report" sh -c "! grep -qs 'Sanitizer\|runtime error' '$WORK/httpd.stderr' '$WORK'/asan.*"

if [ "$failed" -ne 0 ]; then
    echo "--- error.log"; tail -30 "$WORK/error.log"
    echo "--- access.log"; cat "$WORK/access.log"
fi
echo "gateway: $passed passed, $failed failed ($(($(date +%s) - START)) s)"
[ "$failed" -eq 0 ]
