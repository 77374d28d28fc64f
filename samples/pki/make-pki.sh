#!/usr/bin/env bash
# make-pki.sh - generate the wssec test PKI (test vectors for signature, trust,
# CRL and encryption tests; see samples/pki/README.md and ATTACKS.md section 9).
#
# Usage: samples/pki/make-pki.sh        (from any directory, no arguments)
#
# Everything is written into the directory this script lives in.  Running it
# again wipes the previous outputs and makes a fresh set: the names, subjects,
# serial numbers, validity periods, extensions and CRL contents are identical
# on every run; only the key material (and therefore signatures, SKIs and the
# PKCS#12 salts) changes.
#
# All dates are fixed so that tests can use a fixed clock (--now
# 2025-06-01T12:00:00Z) and interop tests can use the real clock (2026).
# Every certificate is made by `openssl ca` with explicit -startdate/-enddate,
# every CRL by `openssl ca -gencrl` with explicit lastUpdate/nextUpdate.
# The openssl ca databases live in a temporary directory removed on exit.
#
# Requires OpenSSL 3.0 or later (-crl_lastupdate / -crl_nextupdate).

set -euo pipefail

OUT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/wssec-pki.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT

STAGE="$WORK/out"          # outputs are built here, then copied to $OUT
CONF="$WORK/openssl.cnf"   # the openssl req/ca configuration (written below)
mkdir -p "$STAGE"

DN_TAIL="/C=US/O=wssec test"   # every subject ends in O=wssec test,C=US

log() { printf 'make-pki: %s\n' "$*" >&2; }

# ---------------------------------------------------------------------------
# Configuration: one [ CA_x ] section per issuing CA (each with its own
# database in $WORK/ca/<x>), and one extensions section per certificate
# profile.
# ---------------------------------------------------------------------------

write_ca_section() {   # name
    cat <<EOF
[ CA_$1 ]
dir               = $WORK/ca/$1
database          = \$dir/index.txt
serial            = \$dir/serial
crlnumber         = \$dir/crlnumber
new_certs_dir     = \$dir/newcerts
default_md        = sha256
policy            = policy_any
unique_subject    = no
copy_extensions   = none
email_in_dn       = no
preserve          = yes

EOF
}

{
cat <<'EOF'
# Written by samples/pki/make-pki.sh - do not edit, it is regenerated.

[ req ]
distinguished_name = req_dn
string_mask        = utf8only
utf8               = yes
prompt             = no

[ req_dn ]
# Unused: every request gives its subject with -subj.
CN = placeholder

[ ca ]
default_ca = CA_root

# Every field optional; the subject of the request is copied as is
# (with -preserveDN), so the RDN order is exactly the one given by -subj.
[ policy_any ]
countryName            = optional
stateOrProvinceName    = optional
localityName           = optional
organizationName       = optional
organizationalUnitName = optional
commonName             = optional
emailAddress           = optional

EOF
for ca in root inter other evilroot; do write_ca_section "$ca"; done
cat <<'EOF'
# ---- CA profiles -----------------------------------------------------------

# Self-signed trust anchor (root.crt).  No AKI: it is its own issuer.
[ ext_root ]
basicConstraints     = critical, CA:TRUE
keyUsage             = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash

# Intermediate CAs under the root (inter.crt, other-inter.crt).  pathlen:0:
# they may issue end-entity certificates only.
[ ext_inter ]
basicConstraints       = critical, CA:TRUE, pathlen:0
keyUsage               = critical, keyCertSign, cRLSign
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always

# ---- End-entity profiles ---------------------------------------------------

# Message signers (alice, bob, gateway): signature keys only.
[ ext_signer ]
basicConstraints       = critical, CA:FALSE
keyUsage               = critical, digitalSignature, nonRepudiation
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always

# Plain digitalSignature leaves: trust-failure cases whose only defect is
# elsewhere (dates, revocation, DN, key size, key type, issuer).
[ ext_sign_only ]
basicConstraints       = critical, CA:FALSE
keyUsage               = critical, digitalSignature
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always

# Service certificate (server): signs responses and is the XML Encryption
# recipient (key transport to its RSA key).
[ ext_server ]
basicConstraints       = critical, CA:FALSE
keyUsage               = critical, digitalSignature, keyEncipherment, dataEncipherment
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always

# Wrong keyUsage (wrongku): may not be accepted as a signature key.
[ ext_wrongku ]
basicConstraints       = critical, CA:FALSE
keyUsage               = critical, keyEncipherment
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always

# CA:TRUE certificate presented as a message signer (caleaf).
[ ext_caleaf ]
basicConstraints       = critical, CA:TRUE
keyUsage               = critical, digitalSignature, keyCertSign
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always

# Self-signed certificate carrying alice's DN (selfsigned.crt).
[ ext_selfsigned ]
basicConstraints     = critical, CA:FALSE
keyUsage             = critical, digitalSignature
subjectKeyIdentifier = hash

# A partner's own self-signed certificate as `openssl req -x509` makes it
# (partner.crt): OpenSSL's v3_ca section, CA:TRUE and no keyUsage.
[ ext_partner ]
basicConstraints       = critical, CA:TRUE
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always

# A signer whose certificate names its OCSP responder (ocspleaf.crt): the
# loopback port the OCSP tests run a responder on.
[ ext_signer_aia ]
basicConstraints       = critical, CA:FALSE
keyUsage               = critical, digitalSignature, nonRepudiation
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always
authorityInfoAccess    = OCSP;URI:http://127.0.0.1:39181/

# The issuing CA's delegated OCSP responder (ocsp.crt).
[ ext_ocsp ]
basicConstraints       = critical, CA:FALSE
keyUsage               = critical, digitalSignature
extendedKeyUsage       = critical, OCSPSigning
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always

# ---- CRL extensions ----------------------------------------------------------
# (the CRL Number comes from the CA's crlnumber file)
[ crl_ext ]
authorityKeyIdentifier = keyid:always
EOF
} > "$CONF"

# Per-CA database directories.
for ca in root inter other evilroot; do
    mkdir -p "$WORK/ca/$ca/newcerts"
    : > "$WORK/ca/$ca/index.txt"
    echo "01" > "$WORK/ca/$ca/crlnumber"
done

# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------

# newkey NAME [rsa1024|ec]: unencrypted PKCS#8 PEM private key, RSA 2048 default.
newkey() {
    local name=$1 kind=${2:-rsa2048}
    case $kind in
        rsa2048) openssl genpkey -quiet -algorithm RSA -pkeyopt rsa_keygen_bits:2048 ;;
        rsa1024) openssl genpkey -quiet -algorithm RSA -pkeyopt rsa_keygen_bits:1024 ;;
        ec)      openssl genpkey -quiet -algorithm EC -pkeyopt ec_paramgen_curve:prime256v1 \
                                 -pkeyopt ec_param_enc:named_curve ;;
    esac > "$STAGE/$name.key"
}

# issue CA NAME SUBJ SERIAL START END EXT [selfsign]
#   CA      database/section (root, inter, other, evilroot)
#   NAME    output base name ($STAGE/NAME.crt, key $STAGE/NAME.key)
#   SUBJ    subject in -subj form, most significant RDN first
#   SERIAL  fixed serial number, hex (even number of digits)
#   START/END  YYYYMMDDHHMMSSZ
#   EXT     extensions section, or none: an X.509 version 1 certificate
#   selfsign   sign with the request's own key (root and self-signed certs)
issue() {
    local ca=$1 name=$2 subj=$3 serial=$4 start=$5 end=$6 ext=$7 self=${8:-}
    local signer=() exts=(-extfile "$CONF" -extensions "$ext")
    [[ $ext == none ]] && exts=()
    if [[ $self == selfsign ]]; then
        signer=(-selfsign -keyfile "$STAGE/$name.key")
    else
        signer=(-cert "$STAGE/$(ca_file "$ca").crt" -keyfile "$STAGE/$(ca_file "$ca").key")
    fi
    openssl req -new -config "$CONF" -key "$STAGE/$name.key" -subj "$subj" \
        -sha256 -out "$WORK/$name.csr"
    echo "$serial" > "$WORK/ca/$ca/serial"
    openssl ca -batch -notext -config "$CONF" -name "CA_$ca" -md sha256 \
        -preserveDN "${signer[@]}" \
        -startdate "$start" -enddate "$end" \
        "${exts[@]}" \
        -in "$WORK/$name.csr" -out "$STAGE/$name.crt" 2> "$WORK/ca.log" \
        || { cat "$WORK/ca.log" >&2; exit 1; }
}

# File name of each CA's certificate/key.
ca_file() {
    case $1 in
        root) echo root ;; inter) echo inter ;;
        other) echo other-inter ;; evilroot) echo evil-root ;;
    esac
}

# gencrl CA OUTNAME LASTUPDATE NEXTUPDATE CRLNUMBER: PEM OUTNAME and DER OUTNAME.der
gencrl() {
    local ca=$1 name=$2 last=$3 next=$4 number=$5
    echo "$number" > "$WORK/ca/$ca/crlnumber"
    openssl ca -batch -gencrl -config "$CONF" -name "CA_$ca" -md sha256 \
        -cert "$STAGE/$(ca_file "$ca").crt" -keyfile "$STAGE/$(ca_file "$ca").key" \
        -crlexts crl_ext -crl_lastupdate "$last" -crl_nextupdate "$next" \
        -out "$STAGE/$name" 2> "$WORK/ca.log" \
        || { cat "$WORK/ca.log" >&2; exit 1; }
}

# ski FILE: the subjectKeyIdentifier of a certificate as AA:BB:... hex.
ski() {
    openssl x509 -in "$1" -noout -ext subjectKeyIdentifier | tail -n 1 | tr -d ' '
}

# Dates used throughout.
D2020=20200101000000Z
D2024=20240101000000Z
D2036=20360101000000Z

# ---------------------------------------------------------------------------
# Certificate authorities
# ---------------------------------------------------------------------------
# Serial plan (hex): 1001.. CAs, 2001.. leaves under inter, 3001 leaf under
# other-inter, 4001 self-signed alice, 6601.. the attacker's hierarchy.

log "root and intermediate CAs"
newkey root
issue root root "$DN_TAIL/CN=wssec Test Root CA" 1001 \
    $D2020 20500101000000Z ext_root selfsign

newkey inter
issue root inter "$DN_TAIL/CN=wssec Test Issuing CA" 1002 \
    $D2020 20450101000000Z ext_inter

# A second, legitimate intermediate whose certificate tests do NOT supply:
# it issues orphan.crt (ATTACKS 9.4, missing intermediate).
newkey other-inter
issue root other-inter "$DN_TAIL/CN=wssec Test Other CA" 1003 \
    $D2020 20450101000000Z ext_inter

# ---------------------------------------------------------------------------
# End-entity certificates issued by inter
# ---------------------------------------------------------------------------
# leaf NAME "OU/CN part of subject" SERIAL EXT [START END [KEYKIND]]
leaf() {
    local name=$1 rdns=$2 serial=$3 ext=$4 start=${5:-$D2024} end=${6:-$D2036} kind=${7:-rsa2048}
    newkey "$name" "$kind"
    issue inter "$name" "$DN_TAIL/$rdns" "$serial" "$start" "$end" "$ext"
}

log "end-entity certificates"
# Good identities.
leaf alice          "OU=Clients/CN=alice"    2001 ext_signer     # normal client signer
leaf bob            "OU=Clients/CN=bob"      2002 ext_signer     # second client (wrong-caller tests)
leaf server         "OU=Services/CN=server"  2003 ext_server     # encryption recipient / service signer
leaf gateway        "OU=Gateways/CN=gateway" 2004 ext_signer     # intermediary that signs
# Trust failures (ATTACKS section 9).
leaf expired        "OU=Clients/CN=expired"  2005 ext_sign_only $D2020 20210101000000Z  # 9.1
leaf notyet         "OU=Clients/CN=notyet"   2006 ext_sign_only 20400601000000Z 20440101000000Z  # 9.2
leaf revoked        "OU=Clients/CN=revoked"  2007 ext_sign_only                          # 9.5
leaf wrongku        "OU=Clients/CN=wrongku"  2008 ext_wrongku                            # 9.7
leaf alice-payments "OU=Payments/CN=alice"   2009 ext_sign_only                          # 9.8
# 9.9 DN injection: the CN value itself is "alice,OU=Clients,O=wssec test,C=US";
# printed as a one-line DN without escaping it looks like alice's DN.
leaf dninject       "OU=Other/CN=alice,OU=Clients,O=wssec test,C=US" 200A ext_sign_only
leaf weak           "OU=Clients/CN=weak"     200B ext_sign_only $D2024 $D2036 rsa1024    # 9.10
leaf caleaf         "OU=Clients/CN=caleaf"   200C ext_caleaf                             # 9.7
leaf ec             "OU=Clients/CN=ec"       200D ext_sign_only $D2024 $D2036 ec         # ECDSA P-256
leaf ocspleaf       "OU=Clients/CN=ocspleaf" 200E ext_signer_aia                         # AIA names an OCSP responder
leaf ocsp           "OU=Services/CN=wssec Test OCSP Responder" 200F ext_ocsp            # inter's OCSP responder
leaf expiring       "OU=Clients/CN=expiring" 2010 ext_signer $D2024 20250620000000Z    # expires 19 days after the test clock
leaf v1             "OU=Clients/CN=v1"       2011 none                                  # X.509 version 1: no extensions (X509v1 tokens)

# orphan: a valid leaf whose issuer (other-inter) tests withhold (9.4).
newkey orphan
issue other "orphan" "$DN_TAIL/OU=Clients/CN=orphan" 3001 $D2024 $D2036 ext_sign_only

# selfsigned: self-signed certificate with alice's exact DN (9.6).  It is
# signed with its own key; the root database only records it.
newkey selfsigned
issue root selfsigned "$DN_TAIL/OU=Clients/CN=alice" 4001 $D2024 $D2036 ext_selfsigned selfsign

# partner: a partner's self-signed certificate made the common way (CA:TRUE,
# no keyUsage), as partners sign with it; trusted only when configured itself.
newkey partner
issue root partner "$DN_TAIL/OU=Partners/CN=partner" 4002 $D2024 $D2036 ext_partner selfsign

# ---------------------------------------------------------------------------
# The attacker's hierarchy (9.3, 9.11): evil-root has exactly the real root's
# DN *and* the real root's subjectKeyIdentifier, but its own key; evil-alice
# has exactly alice's DN *and* alice's subjectKeyIdentifier, and an
# authorityKeyIdentifier equal to the real root's SKI.  Chain building or
# certificate lookup by name, by SKI/AKI or by both is fooled; only the
# signature check against the trusted root's key tells them apart.
# ---------------------------------------------------------------------------
log "attacker hierarchy"
cat >> "$CONF" <<EOF

# ---- Attacker profiles (appended once the real SKIs are known) ---------------
[ ext_evilroot ]
basicConstraints     = critical, CA:TRUE
keyUsage             = critical, keyCertSign, cRLSign
subjectKeyIdentifier = $(ski "$STAGE/root.crt")

[ ext_evilalice ]
basicConstraints       = critical, CA:FALSE
keyUsage               = critical, digitalSignature, nonRepudiation
subjectKeyIdentifier   = $(ski "$STAGE/alice.crt")
authorityKeyIdentifier = keyid:always
EOF
newkey evil-root
issue evilroot evil-root "$DN_TAIL/CN=wssec Test Root CA" 6601 \
    $D2020 20500101000000Z ext_evilroot selfsign
newkey evil-alice
issue evilroot evil-alice "$DN_TAIL/OU=Clients/CN=alice" 6602 $D2024 $D2036 ext_evilalice

# ---------------------------------------------------------------------------
# Revocation and CRLs
# ---------------------------------------------------------------------------
log "CRLs"
# Revoke `revoked` for keyCompromise.  openssl ca records "now" as the
# revocation date, so the index entry is rewritten to the fixed date
# 2024-06-01T00:00:00Z (index.txt keeps it as YYMMDDHHMMSSZ).
openssl ca -batch -config "$CONF" -name CA_inter \
    -cert "$STAGE/inter.crt" -keyfile "$STAGE/inter.key" \
    -revoke "$STAGE/revoked.crt" -crl_reason keyCompromise 2> "$WORK/ca.log" \
    || { cat "$WORK/ca.log" >&2; exit 1; }
awk 'BEGIN { FS = OFS = "\t" }
     $1 == "R" { $3 = "240601000000Z,keyCompromise" } { print }' \
    "$WORK/ca/inter/index.txt" > "$WORK/index.tmp"
mv "$WORK/index.tmp" "$WORK/ca/inter/index.txt"

# Issuing-CA CRLs (all list `revoked`), numbered in order of lastUpdate.
gencrl inter inter-expired.crl 20240101000000Z 20241231000000Z 01   # nextUpdate passed
gencrl inter inter.crl         20250101000000Z 20350101000000Z 02   # current
gencrl inter inter-notyet.crl  20300101000000Z 20400101000000Z 03   # lastUpdate in future
# Root CRL: empty; lets CRL checking cover the whole chain (inter itself).
gencrl root  root.crl          20250101000000Z 20350101000000Z 01

for crl in inter inter-expired inter-notyet root; do
    openssl crl -in "$STAGE/$crl.crl" -outform DER -out "$STAGE/$crl.crl.der"
done

# ---------------------------------------------------------------------------
# Chains (leaf side first)
# ---------------------------------------------------------------------------
cat "$STAGE/inter.crt" "$STAGE/root.crt" > "$STAGE/chain.pem"
for name in alice bob server gateway expired notyet revoked wrongku \
            alice-payments dninject weak caleaf ec ocspleaf expiring v1; do
    cat "$STAGE/$name.crt" "$STAGE/inter.crt" > "$STAGE/$name-chain.pem"
done
cat "$STAGE/orphan.crt" "$STAGE/other-inter.crt" > "$STAGE/orphan-chain.pem"
cat "$STAGE/evil-alice.crt" "$STAGE/evil-root.crt" > "$STAGE/evil-alice-chain.pem"
cp "$STAGE/selfsigned.crt" "$STAGE/selfsigned-chain.pem"   # its own chain
cp "$STAGE/partner.crt" "$STAGE/partner-chain.pem"

# ---------------------------------------------------------------------------
# PKCS#12 (key + certificate + inter + root).  AES-256-CBC/PBKDF2 and an
# HMAC-SHA256 MAC: read by OpenSSL 3 and Java 17 alike.
# ---------------------------------------------------------------------------
log "PKCS#12"
p12() {   # name password
    printf '%s\n' "$2" > "$STAGE/$1.p12.pw"
    openssl pkcs12 -export -name "$1" \
        -inkey "$STAGE/$1.key" -in "$STAGE/$1.crt" -certfile "$STAGE/chain.pem" \
        -keypbe AES-256-CBC -certpbe AES-256-CBC -macalg sha256 \
        -passout "file:$STAGE/$1.p12.pw" -out "$STAGE/$1.p12"
}
p12 alice  alice-p12-secret
p12 server server-p12-secret

# What keytool, ikeyman and Windows export: RC2-40 for the certificates,
# 3DES for the key, a SHA-1 MAC (OpenSSL's legacy provider reads it).
printf '%s\n' alice-legacy-secret > "$STAGE/alice-legacy.p12.pw"
openssl pkcs12 -export -legacy -name alice \
    -inkey "$STAGE/alice.key" -in "$STAGE/alice.crt" -certfile "$STAGE/chain.pem" \
    -passout "file:$STAGE/alice-legacy.p12.pw" -out "$STAGE/alice-legacy.p12"

# ---------------------------------------------------------------------------
# Encrypted private keys: alice's key as encrypted PKCS#8 (AES-256-CBC,
# PBKDF2) and as a traditional PEM key (Proc-Type/DEK-Info, AES-256-CBC);
# server's as encrypted PKCS#8 (a decryption key). One password file each.
# ---------------------------------------------------------------------------
log "encrypted keys"
printf '%s\n' alice-key-secret > "$STAGE/alice-enc.key.pw"
openssl pkcs8 -topk8 -v2 aes-256-cbc -in "$STAGE/alice.key" \
    -passout "file:$STAGE/alice-enc.key.pw" -out "$STAGE/alice-enc.key"
openssl rsa -traditional -aes256 -in "$STAGE/alice.key" \
    -passout "file:$STAGE/alice-enc.key.pw" -out "$STAGE/alice-enc-trad.key" 2>/dev/null
printf '%s\n' server-key-secret > "$STAGE/server-enc.key.pw"
openssl pkcs8 -topk8 -v2 aes-256-cbc -in "$STAGE/server.key" \
    -passout "file:$STAGE/server-enc.key.pw" -out "$STAGE/server-enc.key"

# ---------------------------------------------------------------------------
# PKCS#7 bundles (.p7b), as Windows and keytool export chains: inter and
# root, PEM and DER.
# ---------------------------------------------------------------------------
log "PKCS#7 bundles"
openssl crl2pkcs7 -nocrl -certfile "$STAGE/chain.pem" -out "$STAGE/chain.p7b"
openssl crl2pkcs7 -nocrl -certfile "$STAGE/chain.pem" -outform DER -out "$STAGE/chain-der.p7b"
# A Java keystore (JKS) holding root, for the error that says how to convert one, is made
# by keytool when it is installed (the install step below keeps it otherwise).
if command -v keytool >/dev/null 2>&1; then
    keytool -importcert -noprompt -alias root -file "$STAGE/root.crt" -keystore "$STAGE/trust.jks" \
        -storetype JKS -storepass changeit >/dev/null 2>&1
    # A PKCS#12 file with two keys, told apart by their friendly names (aliases)
    # "alice" and "server", as keytool writes one.
    printf '%s\n' keys-p12-secret > "$STAGE/keys.p12.pw"
    for n in alice server; do
        keytool -importkeystore -noprompt -srckeystore "$STAGE/$n.p12" -srcstoretype PKCS12 \
            -srcstorepass "$(head -n1 "$STAGE/$n.p12.pw")" -srcalias "$n" -destalias "$n" \
            -destkeystore "$STAGE/keys.p12" -deststoretype PKCS12 \
            -deststorepass keys-p12-secret >/dev/null 2>&1
    done
fi

# ---------------------------------------------------------------------------
# Install: wipe the previous outputs, copy the new set in.  Only the names
# this script generates are touched, so make-pki.sh, README.md and files
# other tools put here (e.g. Java keystores) survive.
# ---------------------------------------------------------------------------
log "installing into $OUT"
chmod 0644 "$STAGE"/*
for f in "$STAGE"/*; do rm -f -- "$OUT/${f##*/}"; done
cp -- "$STAGE"/* "$OUT"/
n=("$STAGE"/*); log "done: ${#n[@]} files"
