#!/usr/bin/python3
"""matrix.py — the interoperability matrix of wssec against WSS4J 1.6, zeep 4.2 (with
python-xmlsec) and the xmlsec1 CLI. Started by run-matrix.sh, which checks the tools,
compiles the Java peer and prepares the keystores first; see README.md.

    matrix.py run      [--wssec PATH] [--out DIR] [--md FILE]
    matrix.py vectors  [--out DIR]          (re)write tests/interop/vectors/ and INDEX.md

Every scenario is produced by each producer that supports it and consumed by each consumer
that supports it. A cell is one of
    ok    the consumer accepted the message and proved what the scenario requires
    rej   expected rejection, and it was rejected: a tampered message, or a documented
          incompatibility between two peers (the reason is listed under the table)
    FAIL  anything else: a supported cell that did not do what it must
    -     unsupported by the producer or the consumer (the reason is listed)
The exit status is 1 if any cell FAILed, else 0.
"""

import concurrent.futures
import datetime
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, HERE)

import peerlib  # noqa: E402

PKI = os.path.join(ROOT, "samples", "pki")
PY = "/usr/bin/python3"
PEERS = ["wssec", "wss4j", "zeep", "xmlsec1", "gsoap"]
ABBR = {"wssec": "S", "wss4j": "J", "zeep": "Z", "xmlsec1": "X", "gsoap": "G"}
BATCH_PEERS = ("wss4j", "zeep", "xmlsec1", "gsoap")
BODY_TEXT = "Zürich & Genève"      # must survive every producer and consumer
USER, PASSWORD = "alice", "alice-s3cret"
# identity assertion (issue 20): alice's X.509 signature vouches for carol, asserted
# as a UsernameToken without password that the signature covers
ASSERTED, UPSTREAM_DN = "carol", "CN=alice,OU=Clients,O=wssec test,C=US"
VECTOR_TTL = 10 * 365 * 24 * 3600  # ten years, so vectors stay verifiable under --now
VECTOR_CREATED = "2025-06-01T11:59:30Z"  # 30 s before the project's test clock
VECTOR_NOW = "2025-06-01T12:00:00Z"      # (--now of the other tests; samples/pki/README.md)

# wssec's outbound action names for the explicit orders (sign-then-encrypt, encrypt-then-sign)
SIGN_ACTION = os.environ.get("WSSEC_SIGN_ACTION", "signature")
ENCRYPT_ACTION = os.environ.get("WSSEC_ENCRYPT_ACTION", "encrypt")

JARS = ["wss4j.jar", "xmlsec.jar", "commons-logging.jar", "commons-codec.jar", "slf4j-api.jar",
        "slf4j-nop.jar"]


# ================================================================ scenarios

class Scenario:
    def __init__(self, name, kind, soap, **kw):
        self.name, self.kind, self.soap = name, kind, soap
        self.pw_type = kw.get("pw_type")
        self.key_id = kw.get("key_id")          # signature key reference
        self.alg = kw.get("alg")                # sha1 | sha256 (rsa-X + X digests)
        self.enc_alg = kw.get("enc_alg")
        self.enc_key_id = kw.get("enc_key_id")
        self.tampered = kw.get("tampered", False)
        self.vector = kw.get("vector")          # (producer, file, created) for vector rows

    @property
    def sid(self):
        return "%s.%s" % (self.name, "s11" if self.soap == "1.1" else "s12")

    @property
    def label(self):
        return "%s [%s]" % (self.name, self.soap)

    @property
    def signs(self):
        return self.kind in ("sig", "ste", "ets", "assert", "env", "strt")

    @property
    def encrypts(self):
        return self.kind in ("enc", "ste", "ets", "sym", "symdk", "symresp")

    @property
    def symmetric(self):
        """The symmetric binding: an EncryptedKey as the session key, an HMAC-SHA256 signature
        keyed by it (or, symdk, by a key derived from it), the Body encrypted with it."""
        return self.kind in ("sym", "symdk", "symresp")

    @property
    def response(self):
        """A request/response flow, run by response_cells, not by produce_all/consume_all."""
        return self.kind in ("symresp", "sigconf")

    @property
    def sha1(self):
        return self.alg == "sha1"

    @property
    def cbc(self):
        return bool(self.enc_alg and self.enc_alg.endswith("-cbc"))

    def input(self):
        return os.path.join(HERE, "input", "soap11.xml" if self.soap == "1.1" else "soap12.xml")


KEY_IDS = [("bst", "bst"), ("issuerserial", "issuer-serial"), ("ski", "ski"),
           ("thumbprint", "thumbprint"), ("x509kid", "x509")]
ENC_ALGS = [("aes128cbc", "aes128-cbc"), ("aes256cbc", "aes256-cbc"),
            ("aes128gcm", "aes128-gcm"), ("aes256gcm", "aes256-gcm")]
ENC_KEY_IDS = [("ski", "ski"), ("thumbprint", "thumbprint"), ("bst", "bst"),
               ("x509kid", "x509")]


def scenarios():
    out = []
    for soap in ("1.1", "1.2"):
        out.append(Scenario("timestamp", "ts", soap))
        out.append(Scenario("ut-text", "ut", soap, pw_type="text"))
        out.append(Scenario("ut-digest", "ut", soap, pw_type="digest"))
        for kname, kid in KEY_IDS:
            for alg in ("sha256", "sha1"):
                out.append(Scenario("sig-%s-%s" % (kname, alg), "sig", soap, key_id=kid, alg=alg))
        for alg in ("sha256", "sha1"):
            out.append(Scenario("sig-x509data-%s" % alg, "sig", soap, key_id="x509data", alg=alg))
        # an X509PKIPathv1 token carrying the intermediate: the consumer trusts only the root
        out.append(Scenario("sig-pkipath-sha256", "sig", soap, key_id="pkipath", alg="sha256"))
        for ename, ealg in ENC_ALGS:
            out.append(Scenario("enc-%s" % ename, "enc", soap, enc_alg=ealg,
                                enc_key_id="issuer-serial"))
        for kname, kid in ENC_KEY_IDS:
            out.append(Scenario("enc-aes256gcm-%s" % kname, "enc", soap, enc_alg="aes256-gcm",
                                enc_key_id=kid))
        out.append(Scenario("sign-then-encrypt", "ste", soap, key_id="bst", alg="sha256",
                            enc_alg="aes256-gcm", enc_key_id="issuer-serial"))
        out.append(Scenario("encrypt-then-sign", "ets", soap, key_id="bst", alg="sha256",
                            enc_alg="aes256-gcm", enc_key_id="issuer-serial"))
        # the symmetric binding (issue 16), sign-then-encrypt; with derived keys AES-256-CBC,
        # as WSS4J 1.6 cannot decrypt AES-GCM under a derived key (below)
        out.append(Scenario("sym-hmac", "sym", soap, alg="sha256", enc_alg="aes256-gcm",
                            enc_key_id="issuer-serial"))
        out.append(Scenario("sym-dk", "symdk", soap, alg="sha256", enc_alg="aes256-cbc",
                            enc_key_id="issuer-serial"))
        # a request and its response keyed by the request's session key (EncryptedKeySHA1):
        # the cell P>C is P's request answered by C and read by P (response_cells)
        out.append(Scenario("sym-response", "symresp", soap, alg="sha256", enc_alg="aes256-gcm",
                            enc_key_id="issuer-serial"))
        # WSS 1.1 SignatureConfirmation: the cell P>C is P's signed request, verified by C and
        # answered with a signed response confirming its SignatureValue, checked by P against
        # the request it sent (response_cells)
        out.append(Scenario("sig-confirm", "sigconf", soap, key_id="bst", alg="sha256"))
        out.append(Scenario("assert-ut", "assert", soap, key_id="bst", alg="sha256"))
        # the whole Envelope signed (issue 20): the enveloped-signature transform
        out.append(Scenario("sig-envelope", "env", soap, key_id="bst", alg="sha256"))
        # the signing token covered by the STR-Transform (issue 16, WSS 1.1 section 8.3)
        out.append(Scenario("sig-str", "strt", soap, key_id="bst", alg="sha256"))
    # sort: 1.1 and 1.2 of one scenario side by side
    order = {s.name: i for i, s in enumerate(out) if s.soap == "1.1"}
    out.sort(key=lambda s: (order[s.name], s.soap))
    return out


def tampered(scs):
    return [Scenario("tampered:" + s.name, s.kind, s.soap, key_id=s.key_id, alg=s.alg,
                     enc_alg=s.enc_alg, enc_key_id=s.enc_key_id, tampered=s)
            for s in scs if (s.signs or s.symmetric) and not s.response and s.soap == "1.1"]


def tampered_responses(scs):
    """sig-confirm's tampered row: P reads C's response as the answer to another request it
    sent, so the confirmation names a request other than the one checked against."""
    return [Scenario("tampered:" + s.name, s.kind, s.soap, key_id=s.key_id, alg=s.alg, tampered=s)
            for s in scs if s.kind == "sigconf" and s.soap == "1.1"]


# ================================================================ who supports what

def produce_support(p, sc):
    """None if producer p can write scenario sc, else the reason it cannot."""
    if sc.symmetric and p not in ("wssec", "wss4j"):
        return ("the symmetric binding (an HMAC signature keyed by an EncryptedKey, a standalone "
                "ReferenceList) is written by wssec and WSS4J only here")
    if sc.kind == "assert" and p not in ("wssec", "wss4j"):
        return "identity assertion rows are between wssec and WSS4J (issue 20)"
    if sc.kind == "sigconf" and p not in ("wssec", "wss4j"):
        return ("the zeep, xmlsec1 and gSOAP peers have no WSS 1.1 SignatureConfirmation (neither "
                "the responder's nor the requester's check)")
    if sc.kind == "env" and p not in ("wssec", "wss4j"):
        return ("the zeep, xmlsec1 and gSOAP peers' WS-Security APIs add no enveloped-signature "
                "transform to a signed part that holds the signature")
    if sc.kind == "strt" and p not in ("wssec", "wss4j"):
        return ("the zeep, xmlsec1 and gSOAP peers (xmlsec underneath) have no STR-Transform "
                "(WSS 1.1 section 8.3)")
    if sc.key_id == "x509data" and p != "zeep":
        return "only zeep's Signature writes ds:X509Data inside the SecurityTokenReference"
    if sc.key_id == "pkipath" and p not in ("wssec", "wss4j"):
        return "only wssec (--bst-type pkipath) and WSS4J (single certificate off) write PKIPath tokens"
    if p == "zeep":
        if sc.signs and sc.key_id == "issuer-serial":
            return ("zeep's Signature puts X509IssuerSerial (left empty) and X509Certificate in "
                    "one ds:X509Data: see the sig-x509data rows")
        if sc.signs and sc.key_id not in ("bst", "x509data"):
            return "zeep offers BinarySignature (BST reference) and Signature (X509Data) only"
    if p == "xmlsec1":
        if sc.kind == "ts":
            return "xmlsec1 signs and encrypts; a bare Timestamp needs neither"
        if sc.kind == "ut":
            return "xmlsec1 has no UsernameToken"
    if p == "gsoap":
        if sc.kind == "ets":
            return "the gSOAP wsse plugin always signs before it encrypts"
        if sc.signs and sc.key_id == "issuer-serial":
            return "gSOAP's wsse API has no X509IssuerSerial reference for signatures"
        if sc.encrypts and sc.enc_key_id not in ("issuer-serial", "x509"):
            return ("gSOAP's soap_wsse_add_EncryptedKey names the recipient by IssuerSerial, "
                    "X509v3 KeyIdentifier, or a SKI passed as a C string (strlen: binary SKIs "
                    "with a zero byte are cut), nothing else")
    return None


def consume_support(c, sc):
    if sc.symmetric and c not in ("wssec", "wss4j"):
        return ("the zeep, xmlsec1 and gSOAP peers verify X.509 signatures only: no HMAC "
                "signature keyed by an EncryptedKey")
    if sc.kind == "assert" and c not in ("wssec", "wss4j"):
        return "identity assertion rows are between wssec and WSS4J (issue 20)"
    if sc.kind == "sigconf" and c not in ("wssec", "wss4j"):
        return ("the zeep, xmlsec1 and gSOAP peers have no WSS 1.1 SignatureConfirmation (neither "
                "the responder's nor the requester's check)")
    if sc.kind == "env" and c not in ("wssec", "wss4j"):
        return "the enveloped-signature rows are checked by wssec and WSS4J (issue 20)"
    if sc.kind == "strt" and c not in ("wssec", "wss4j"):
        return ("the zeep, xmlsec1 and gSOAP peers (xmlsec underneath) have no STR-Transform "
                "(WSS 1.1 section 8.3)")
    if sc.key_id == "pkipath" and c not in ("wssec", "wss4j"):
        return "the zeep, xmlsec1 and gSOAP peers take the signer's certificate, not a PKIPath"
    if c == "zeep":
        if sc.kind == "ts":
            return "zeep has no Timestamp validation"
        if sc.kind == "ut":
            return "zeep's UsernameToken.verify() does nothing (client-side only)"
    if c == "xmlsec1":
        if sc.kind == "ts":
            return "the xmlsec1 CLI does not process WS-Security Timestamps"
        if sc.kind == "ut":
            return "the xmlsec1 CLI does not check UsernameTokens"
    if c == "gsoap" and sc.encrypts:
        return ("the gSOAP peer's soap_wsse_decrypt_auto rejects every message tried here, "
                "gSOAP's own included ('The signature or decryption was invalid'); unresolved")
    return None


def expected_rejection(p, c, sc):
    """A documented incompatibility: the cell passes when the consumer rejects."""
    if sc.tampered:
        return "tampered Body text"
    if p == "zeep" and c == "wss4j" and sc.key_id == "bst" and sc.signs:
        return ("zeep writes the BinarySecurityToken after the ds:Signature that refers to it; "
                "WSS4J 1.6 does not resolve that forward reference ('Callback supplied no "
                "password for: id-...')")
    if p == "zeep" and c == "wss4j" and sc.key_id == "x509data":
        return ("WSS4J 1.6 fails on zeep's empty ds:X509IssuerSerial "
                "(NullPointerException 'provided null name')")
    if p == "zeep" and c == "wssec" and sc.key_id == "x509data":
        return ("issue #7: zeep's empty X509IssuerSerial is rejected cleanly (exit 1 with a "
                "wsse: fault), not crashed on")
    if p == "zeep" and c == "gsoap" and sc.key_id == "x509data":
        return ("gSOAP reads only the X509IssuerSerial of a SecurityTokenReference's X509Data, "
                "and zeep's is empty ('Referenced security token could not be retrieved')")
    if p == "gsoap" and sc.encrypts:
        return ("gSOAP 2.8.124 writes EncryptionMethod rsa-oaep-mgf1p but pads the key with "
                "PKCS#1 v1.5 (mecevp.c encrypts it with EVP_PKEY_encrypt_old): no consumer can "
                "decrypt it ('oaep decoding error')")
    return None


# ================================================================ commands

class Ctx:
    def __init__(self, out, wssec):
        self.out = out
        self.wssec = wssec
        self.pki = os.path.join(out, "pki")
        self.msgs = os.path.join(out, "msgs")
        self.logs = os.path.join(out, "logs")
        self.java_cp = ":".join([os.path.join(out, "java")] +
                                [os.path.join("/usr/share/java", j) for j in JARS])

    def pk(self, name):
        return os.path.join(PKI, name)

    def o(self, name):
        return os.path.join(self.pki, name)

    def msg(self, producer, sc):
        return os.path.join(self.msgs, producer, sc.sid + ".xml")


def produce_args(p, sc, ctx, out, ttl=None, created=None):
    """Arguments for producer p (the wssec command line, or a peer job)."""
    ts_ttl = str(ttl or 300)
    if p == "wssec":
        a = [ctx.wssec, "secure", "--timestamp=" + ts_ttl]
        if created:
            a += ["--now", created]
        if sc.kind == "ut":
            a += ["--username", USER, "--password-file", ctx.o("alice.pw"),
                  "--password-type", sc.pw_type]
        if sc.signs and sc.key_id == "pkipath":
            a += ["--pkcs12", ctx.pk("alice.p12"), "--pkcs12-password-file", ctx.pk("alice.p12.pw"),
                  "--key-id", "bst", "--bst-type", "pkipath",
                  "--sign-alg", "rsa-" + sc.alg, "--digest-alg", sc.alg]
        elif sc.signs:
            a += ["--sign-key", ctx.pk("alice.key"), "--sign-cert", ctx.pk("alice.crt"),
                  "--key-id", sc.key_id, "--sign-alg", "rsa-" + sc.alg, "--digest-alg", sc.alg]
        if sc.encrypts:
            a += ["--encrypt-cert", ctx.pk("server.crt"), "--enc-alg", sc.enc_alg,
                  "--key-transport", "rsa-oaep", "--enc-key-id", sc.enc_key_id]
        if sc.symmetric:
            a += ["--symmetric", "--digest-alg", sc.alg]
            if sc.kind == "symdk":
                a += ["--derived-keys"]
        if sc.kind in ("ste", "sym", "symdk"):
            a += ["--actions", "timestamp,%s,%s" % (SIGN_ACTION, ENCRYPT_ACTION)]
        if sc.kind == "ets":
            a += ["--actions", "timestamp,%s,%s" % (ENCRYPT_ACTION, SIGN_ACTION)]
        if sc.kind == "assert":
            a += ["--assert-user", ASSERTED]
        if sc.kind == "env":
            a += ["--sign-part", "/soap:Envelope"]
        if sc.kind == "strt":
            a += ["--sign-part", "body", "--sign-part", "timestamp", "--sign-part", "token-str"]
        return a + ["-o", out, sc.input()]

    actions = {"ts": "timestamp", "ut": "timestamp,ut", "sig": "timestamp,sign",
               "enc": "timestamp,encrypt", "ste": "timestamp,sign,encrypt",
               "ets": "timestamp,encrypt,sign", "sym": "timestamp,sign,encrypt",
               "symdk": "timestamp,sign,encrypt", "assert": "timestamp,assert,sign",
               "env": "timestamp,sign", "strt": "timestamp,sign"}[sc.kind]
    a = ["produce", "--in", sc.input(), "--out", out, "--actions", actions, "--ttl", ts_ttl]
    if created:
        a += ["--created", created]
    if sc.kind == "ut":
        a += ["--user", USER, "--password-file", ctx.o("alice.pw"), "--pw-type", sc.pw_type]
    if sc.kind == "assert":
        a += ["--assert-user", ASSERTED]
    if sc.kind == "env":  # WSS4J: WssPeer's EnvelopeSignature (enveloped-signature, exc-c14n)
        a += ["--sign-envelope", "true"]
    if sc.kind == "strt":  # WSS4J: the signature part "STRTransform"
        a += ["--sign-str", "true"]
    if sc.signs:
        kid = "issuer-serial" if sc.key_id == "x509data" else sc.key_id
        if p == "wss4j":
            a += ["--sign-p12", ctx.pk("alice.p12"), "--sign-p12-pw", ctx.pk("alice.p12.pw")]
        else:
            a += ["--sign-key", ctx.pk("alice.key"), "--sign-cert", ctx.pk("alice.crt")]
        a += ["--key-id", kid, "--sign-alg", "rsa-" + sc.alg, "--digest-alg", sc.alg]
    if sc.encrypts:
        a += ["--enc-cert", ctx.pk("server.crt"), "--enc-alg", sc.enc_alg,
              "--enc-key-id", sc.enc_key_id]
    if sc.symmetric:
        a += ["--symmetric", "true", "--derived-keys", str(sc.kind == "symdk").lower(),
              "--digest-alg", sc.alg]
    return a


def consume_args(c, sc, ctx, msg, out, now=None):
    if c == "wssec":
        a = [ctx.wssec, "verify", "--json", "--report", out + ".json", "-o", out]
        if sc.kind == "ts":
            a += ["--require", "timestamp"]
        elif sc.kind == "ut":
            a += ["--require", "timestamp,username-token", "--users", ctx.o("users"),
                  "--password-type", sc.pw_type]
        elif sc.kind == "enc":
            a += ["--require", "timestamp"]
        elif sc.kind == "env":
            a += ["--require", "timestamp,signature,signed:/soap:Envelope"]
        elif sc.kind == "strt":  # the token, covered by the STR-Transform, is recorded signed
            a += ["--require", "timestamp,signature,signed:/soap:Envelope/soap:Body,"
                  "signed://wsse:Security/wsse:BinarySecurityToken"]
        elif sc.symmetric:  # anonymous: an HMAC signature proves no sender (judge_wssec checks it)
            a += ["--require", "timestamp,encrypted:/soap:Envelope/soap:Body"]
        if sc.signs and sc.key_id == "pkipath":
            a += ["--trust", ctx.pk("root.crt")]  # the intermediate must come in the token
        elif sc.signs:
            a += ["--trust", ctx.pk("root.crt"), "--certs", ctx.pk("inter.crt"),
                  "--certs", ctx.pk("alice.crt")]
        if sc.encrypts:
            a += ["--decrypt-key", ctx.pk("server.key")]
        if sc.kind == "assert":
            a += ["--trusted-upstream", UPSTREAM_DN]
        if sc.sha1:
            a += ["--allow-sha1"]
        if sc.cbc:
            a += ["--allow-cbc"]
        if now:
            a += ["--now", now]
        return a + [msg]

    require = []
    a = ["consume", "--in", msg, "--out", out, "--body-contains", BODY_TEXT]
    if c in ("wss4j", "gsoap"):
        require = {"ts": ["timestamp"], "ut": ["timestamp", "ut-" + (sc.pw_type or "")]}.get(
            sc.kind, ["timestamp"])
        if sc.signs:
            require.append("envelope-signature" if sc.kind == "env" else "signature")
        if sc.kind == "strt":
            require.append("str-signature")
        if sc.symmetric:
            require.append("hmac-signature")
        if sc.encrypts:
            require.append("encrypted")
        if sc.kind == "assert":
            a += ["--asserted-user", ASSERTED, "--asserted-by", UPSTREAM_DN]
        if c == "wss4j":
            a += ["--truststore", ctx.o("truststore.p12"), "--truststore-pw", ctx.o("truststore.pw"),
                  "--certs", ctx.pk("inter.crt"), "--certs", ctx.pk("alice.crt"),
                  "--key-p12", ctx.pk("server.p12"), "--key-p12-pw", ctx.pk("server.p12.pw"),
                  "--users", ctx.o("users")]
            if now:
                a += ["--ts-ttl", str(VECTOR_TTL)]
        else:
            a += ["--trust", ctx.pk("root.crt"), "--certs", ctx.pk("inter.crt"),
                  "--certs", ctx.pk("alice.crt"), "--decrypt-key", ctx.pk("server.key"),
                  "--users", ctx.o("users")]
            if now:
                a += ["--now", now]
    else:
        if sc.signs:
            require.append("signature")
        if sc.encrypts:
            require.append("encrypted")
        if sc.signs and c == "zeep":
            a += ["--signer-cert", ctx.pk("alice.crt")]
        if sc.signs and c == "xmlsec1":
            a += ["--trust", ctx.pk("root.crt"), "--certs", ctx.pk("inter.crt"),
                  "--certs", ctx.pk("alice.crt")]
            if now:
                a += ["--now", now]
        if sc.encrypts:
            a += ["--decrypt-key", ctx.pk("server.key")]
    return a + ["--require", ",".join(require)]


def peer_command(p, ctx):
    if p == "wss4j":
        return ["java", "-cp", ctx.java_cp, "WssPeer", "batch"]
    if p == "gsoap":
        return [os.path.join(ctx.out, "gsoap", "gsoap_peer"), "batch"]
    return [PY, os.path.join(HERE, {"zeep": "zeep_peer.py", "xmlsec1": "xmlsec1_peer.py"}[p]),
            "batch"]


def run_batch(p, ctx, jobs, log):
    """Runs jobs [(id, args)] through one peer process (restarted if it dies);
    returns {id: (status, reason)}."""
    results = {}
    pending = list(jobs)
    while pending:
        text = "".join("%s\t%s\n" % (jid, "\t".join(args)) for jid, args in pending)
        try:
            r = subprocess.run(peer_command(p, ctx), input=text, capture_output=True, text=True,
                               timeout=600)
            stdout, stderr, rc = r.stdout, r.stderr, r.returncode
        except subprocess.TimeoutExpired as e:
            stdout, stderr, rc = (e.stdout or b"").decode(), (e.stderr or b"").decode(), "timeout"
        with open(log, "a") as f:
            f.write(text + "--- stdout\n" + stdout + "--- stderr\n" + stderr + "--- rc %s\n" % rc)
        for line in stdout.splitlines():
            parts = line.split("\t", 2)
            if len(parts) == 3:
                results[parts[0]] = (parts[1], parts[2])
        left = [(jid, args) for jid, args in pending if jid not in results]
        if left and rc == 0:
            for jid, _ in left:
                results[jid] = ("fail", "no answer from the %s peer" % p)
            left = []
        if left:
            jid = left[0][0]
            tail = " ".join(stderr.strip().splitlines()[-1:])
            results[jid] = ("fail", "%s peer died (exit %s) on this job: %s" % (p, rc, tail))
            left = left[1:]
        pending = left
    return results


def run_wssec(args, timeout=60):
    try:
        r = subprocess.run(args, capture_output=True, text=True, timeout=timeout)
        return r.returncode, r.stdout, r.stderr
    except FileNotFoundError as e:
        return 127, "", str(e)
    except subprocess.TimeoutExpired:
        return 124, "", "timeout after %d s" % timeout


def wssec_report(out):
    try:
        with open(out + ".json") as f:
            lines = [ln for ln in f.read().splitlines() if ln.strip()]
        return json.loads(lines[-1]) if lines else None
    except (OSError, ValueError):
        return None


# ================================================================ running cells

def produce_all(ctx, scs, ttl=None):
    """Returns {(producer, sid): (status, reason)} for supported producer cells."""
    results = {}
    lock = threading.Lock()

    def peer(p):
        jobs = []
        for sc in scs:
            if produce_support(p, sc) is None and not sc.response:
                os.makedirs(os.path.dirname(ctx.msg(p, sc)), exist_ok=True)
                jobs.append((sc.sid, produce_args(p, sc, ctx, ctx.msg(p, sc), ttl)))
        res = run_batch(p, ctx, jobs, os.path.join(ctx.logs, "produce-%s.log" % p))
        with lock:
            for sid, v in res.items():
                results[(p, sid)] = v

    def wssec_one(sc):
        out = ctx.msg("wssec", sc)
        os.makedirs(os.path.dirname(out), exist_ok=True)
        rc, so, se = run_wssec(produce_args("wssec", sc, ctx, out, ttl))
        v = ("ok", "") if rc == 0 and os.path.exists(out) else \
            ("fail", "wssec secure exit %d: %s" % (rc, " ".join(se.strip().splitlines()[-1:])))
        with lock:
            results[("wssec", sc.sid)] = v

    with concurrent.futures.ThreadPoolExecutor(max_workers=4) as ex:
        futs = [ex.submit(peer, p) for p in BATCH_PEERS]
        futs += [ex.submit(wssec_one, sc) for sc in scs
                 if produce_support("wssec", sc) is None and not sc.response]
        for f in futs:
            f.result()
    return results


def judge_wssec(sc, rc, se, out, expect_reject):
    rep = wssec_report(out)
    fault = rep.get("fault") if rep else None
    if expect_reject:
        # zeep's Signature messages are refused for their empty X509IssuerSerial
        # (wsse:SecurityTokenUnavailable) before any digest is computed, tampered or not
        if sc.tampered and sc.key_id != "x509data":
            if rc == 1 and fault == "wsse:FailedCheck":
                return "rej", "exit 1, wsse:FailedCheck"
            return "FAIL", "tampered message: exit %d, fault %s (want exit 1, wsse:FailedCheck)%s" % (
                rc, fault, (": " + rep.get("reason", "")) if rep and rep.get("reason") else "")
        if rc == 1 and fault and fault.startswith("wsse:"):
            return "rej", "exit 1, %s" % fault
        return "FAIL", "expected a clean rejection, got exit %d, fault %s" % (rc, fault)
    if rc != 0:
        reason = (rep or {}).get("reason") or " ".join(se.strip().splitlines()[-1:])
        return "FAIL", "exit %d, %s: %s" % (rc, fault, reason)
    if sc.symmetric:
        toks = (rep or {}).get("tokens") or []
        hmac = [t for t in toks if t.get("type") == "signature" and t.get("ok") and
                "symmetric key of" in ((t.get("properties") or {}).get("signed-with") or "")]
        dks = [t for t in toks if t.get("type") in ("derived-key", "derived-key-1.3") and t.get("ok")]
        if not hmac:
            return "FAIL", "accepted, but no HMAC signature by the session key was verified"
        if sc.kind == "symdk" and len(dks) != 2:
            return "FAIL", "accepted, but %d DerivedKeyTokens verified, not 2" % len(dks)
        if (rep or {}).get("caller"):
            return "FAIL", "an HMAC-only message yielded a caller: %s" % rep.get("caller")
    try:
        env = peerlib.parse(out)
        peerlib.check_body_contains(env, BODY_TEXT)
    except Exception as e:
        return "FAIL", "accepted, but the output message: %s" % peerlib.one_line(e)
    if sc.kind == "assert" and (not rep or rep.get("caller") != ASSERTED or
                                rep.get("asserted_by") != UPSTREAM_DN):
        return "FAIL", "accepted, but caller %s asserted by %s (want %s by %s)" % (
            (rep or {}).get("caller"), (rep or {}).get("asserted_by"), ASSERTED, UPSTREAM_DN)
    return "ok", ""


def consume_all(ctx, scs, produced, now_of=None):
    """Returns {(producer, consumer, sid): (verdict, reason)} for every cell."""
    cells = {}
    lock = threading.Lock()
    todo = {c: [] for c in PEERS}
    for sc in scs:
        if sc.response:
            continue  # response_cells
        for p in PEERS:
            src = sc.vector[0] if sc.vector else p
            if sc.vector and p != src:
                continue
            why = produce_support(p, sc) if not sc.vector else None
            for c in PEERS:
                key = (p, c, sc.sid)
                cwhy = consume_support(c, sc)
                if why or cwhy:
                    cells[key] = ("-", "%s (producing): %s" % (p, why) if why else
                                  "%s (consuming): %s" % (c, cwhy))
                    continue
                if sc.vector:
                    msg = sc.vector[1]
                else:
                    base = sc.tampered if sc.tampered else sc
                    st = produced.get((p, base.sid), ("fail", "not produced"))
                    if st[0] != "ok":
                        cells[key] = ("FAIL", "no message: %s producer: %s" % (p, st[1]))
                        continue
                    msg = ctx.msg(p, sc) if sc.tampered else ctx.msg(p, base)
                    if not os.path.exists(msg):
                        cells[key] = ("FAIL", "no tampered copy of the %s message" % p)
                        continue
                todo[c].append((key, sc, msg))

    def out_for(key):
        p, c, sid = key
        d = os.path.join(ctx.out, "consumed", "%s-to-%s" % (p, c))
        os.makedirs(d, exist_ok=True)
        return os.path.join(d, sid.replace(":", "_") + ".xml")

    def peer(c):
        jobs, meta = [], {}
        for key, sc, msg in todo[c]:
            jid = "%s|%s|%s" % key
            now = now_of(sc) if now_of else None
            jobs.append((jid, consume_args(c, sc, ctx, msg, out_for(key), now)))
            meta[jid] = (key, sc)
        res = run_batch(c, ctx, jobs, os.path.join(ctx.logs, "consume-%s.log" % c)) if jobs else {}
        with lock:
            for jid, (key, sc) in meta.items():
                status, reason = res.get(jid, ("fail", "no answer"))
                exp = expected_rejection(key[0], c, sc)
                if exp:
                    v = ("rej", reason) if status == "fail" else \
                        ("FAIL", "expected a rejection (%s), got %s %s" % (exp, status, reason))
                else:
                    v = ("ok", "") if status == "ok" else ("FAIL", reason)
                cells[key] = v

    def wssec_one(key, sc, msg):
        out = out_for(key)
        for f in (out, out + ".json"):
            if os.path.exists(f):
                os.remove(f)
        now = now_of(sc) if now_of else None
        rc, so, se = run_wssec(consume_args("wssec", sc, ctx, msg, out, now))
        v = judge_wssec(sc, rc, se, out, expected_rejection(key[0], "wssec", sc))
        with lock:
            cells[key] = v

    with concurrent.futures.ThreadPoolExecutor(max_workers=4) as ex:
        futs = [ex.submit(peer, c) for c in BATCH_PEERS]
        futs += [ex.submit(wssec_one, *t) for t in todo["wssec"]]
        for f in futs:
            f.result()
    return cells


# ================================================================ responses

def response_step(ctx, peer, args, log):
    """One step of a request/response exchange: (ok, reason)."""
    if peer == "wssec":
        rc, so, se = run_wssec([ctx.wssec] + args)
        return rc == 0, "wssec %s exit %d: %s" % (args[0], rc, " ".join(se.strip().splitlines()[-1:]))
    res = run_batch(peer, ctx, [("step", args)], log)
    status, reason = res.get("step", ("fail", "no answer"))
    return status == "ok", "%s %s: %s" % (peer, args[0], reason)


def response_cell(ctx, sc, p, c):
    """P's request (its session key kept), accepted by C (the key kept), answered by C with
    that key (no EncryptedKey: EncryptedKeySHA1), and the answer read by P with its key."""
    d = os.path.join(ctx.out, "response", "%s-to-%s" % (p, c), sc.sid)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    f = {n: os.path.join(d, n) for n in ("request.xml", "request.key", "server.key", "accepted.xml",
                                        "response.xml", "read.xml")}
    log = os.path.join(ctx.logs, "response-%s-%s.log" % (p, c))
    srv = ctx.pk("server.crt")
    steps = []
    if p == "wssec":
        steps.append((p, ["secure", "--timestamp=300", "--symmetric", "--encrypt-cert", srv,
                          "--enc-alg", sc.enc_alg, "--session-key-out", f["request.key"],
                          "-o", f["request.xml"], sc.input()]))
    else:
        steps.append((p, ["produce", "--in", sc.input(), "--out", f["request.xml"], "--actions",
                          "timestamp,sign,encrypt", "--enc-cert", srv, "--enc-alg", sc.enc_alg,
                          "--symmetric", "true", "--session-key-out", f["request.key"]]))
    if c == "wssec":
        steps.append((c, ["verify", "--decrypt-key", ctx.pk("server.key"), "--require", "timestamp",
                          "--session-key-out", f["server.key"], "-o", f["accepted.xml"],
                          f["request.xml"]]))
        steps.append((c, ["secure", "--timestamp=300", "--symmetric", "--session-key", f["server.key"],
                          "--enc-alg", sc.enc_alg, "-o", f["response.xml"], sc.input()]))
    else:
        steps.append((c, ["consume", "--in", f["request.xml"], "--key-p12", ctx.pk("server.p12"),
                          "--key-p12-pw", ctx.pk("server.p12.pw"), "--require",
                          "timestamp,hmac-signature,encrypted", "--session-key-out", f["server.key"]]))
        steps.append((c, ["produce", "--in", sc.input(), "--out", f["response.xml"], "--actions",
                          "timestamp,sign,encrypt", "--symmetric", "true", "--session-key",
                          f["server.key"], "--enc-alg", sc.enc_alg]))
    for peer, args in steps:
        ok, why = response_step(ctx, peer, args, log)
        if not ok:
            return "FAIL", why
    with open(f["response.xml"], encoding="utf-8") as fh:
        if re.search(r"<([\w-]+:)?EncryptedKey[\s>]", fh.read()):
            return "FAIL", "the %s response sends an EncryptedKey: not keyed by the request's" % c
    if p == "wssec":
        out = f["read.xml"]
        rc, so, se = run_wssec([ctx.wssec, "verify", "--json", "--report", out + ".json", "-o", out,
                                "--session-key", f["request.key"], "--require",
                                "timestamp,encrypted:/soap:Envelope/soap:Body", f["response.xml"]])
        return judge_wssec(sc, rc, se, out, None)
    ok, why = response_step(ctx, p, ["consume", "--in", f["response.xml"], "--out", f["read.xml"],
                                     "--session-key", f["request.key"], "--require",
                                     "timestamp,hmac-signature,encrypted", "--body-contains",
                                     BODY_TEXT], log)
    return ("ok", "") if ok else ("FAIL", why)


def response_steps(ctx, steps, log):
    """Runs steps [(peer, args)] in order, consecutive jobs of one batch peer in one process;
    (ok, reason) of the first that fails."""
    i = 0
    while i < len(steps):
        peer = steps[i][0]
        if peer == "wssec":
            ok, why = response_step(ctx, peer, steps[i][1], log)
            if not ok:
                return False, why
            i += 1
            continue
        group = []
        while i < len(steps) and steps[i][0] == peer:
            group.append(("s%d" % i, steps[i][1]))
            i += 1
        res = run_batch(peer, ctx, group, log)
        for jid, args in group:
            status, reason = res.get(jid, ("fail", "no answer"))
            if status != "ok":
                return False, "%s %s: %s" % (peer, args[0], reason)
    return True, ""


def sigconf_cell(ctx, sc, p, c):
    """WSS 1.1 SignatureConfirmation: P's signed request (alice, BST, rsa-sha256, Timestamp),
    verified by C, which answers with a response signed by server.crt that confirms the
    request's SignatureValue; P verifies the response and checks the confirmation against the
    request it sent. Returns (verdict of the cell, verdict of the tampered cell): P reading the
    same response as the answer to another request it sent must reject it."""
    d = os.path.join(ctx.out, "response", "%s-to-%s" % (p, c), sc.sid)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    f = {n: os.path.join(d, n) for n in ("request.xml", "other.xml", "accepted.xml", "values",
                                        "response.xml", "read.xml", "read-other.xml")}
    log = os.path.join(ctx.logs, "sigconf-%s-%s.log" % (p, c))
    trust_alice = ["--trust", ctx.pk("root.crt"), "--certs", ctx.pk("inter.crt"),
                   "--certs", ctx.pk("alice.crt")]
    alg = ["--key-id", "bst", "--sign-alg", "rsa-" + sc.alg, "--digest-alg", sc.alg]
    steps = []
    for req in ("request.xml", "other.xml"):
        if p == "wssec":
            steps.append((p, ["secure", "--timestamp=300", "--sign-key", ctx.pk("alice.key"),
                              "--sign-cert", ctx.pk("alice.crt")] + alg + ["-o", f[req], sc.input()]))
        else:
            steps.append((p, ["produce", "--in", sc.input(), "--out", f[req], "--actions",
                              "timestamp,sign", "--sign-p12", ctx.pk("alice.p12"), "--sign-p12-pw",
                              ctx.pk("alice.p12.pw")] + alg))
    if c == "wssec":
        steps.append((c, ["secure", "--timestamp=300", "--confirm-request", f["request.xml"]] +
                      trust_alice + ["--sign-key", ctx.pk("server.key"), "--sign-cert",
                                     ctx.pk("server.crt")] + alg + ["-o", f["response.xml"], sc.input()]))
    else:
        steps.append((c, ["consume", "--in", f["request.xml"], "--out", f["accepted.xml"]] + trust_alice +
                      ["--require", "timestamp,signature", "--sig-values-out", f["values"]]))
        steps.append((c, ["produce", "--in", sc.input(), "--out", f["response.xml"], "--actions",
                          "timestamp,confirm,sign", "--confirm-values", f["values"], "--sign-p12",
                          ctx.pk("server.p12"), "--sign-p12-pw", ctx.pk("server.p12.pw")] + alg))
    ok, why = response_steps(ctx, steps, log)
    if not ok:
        return ("FAIL", why), ("FAIL", "no response: " + why)
    with open(f["response.xml"], encoding="utf-8") as fh:
        if not re.search(r"<([\w-]+:)?SignatureConfirmation[\s>]", fh.read()):
            return ("FAIL", "the %s response has no SignatureConfirmation" % c), ("FAIL", "no confirmation")
    trust_server = ["--trust", ctx.pk("root.crt"), "--certs", ctx.pk("inter.crt")]
    verdicts = []
    for req, out in (("request.xml", "read.xml"), ("other.xml", "read-other.xml")):
        reject = req == "other.xml"
        if p == "wssec":
            rc, so, se = run_wssec([ctx.wssec, "verify", "--json", "--report", f[out] + ".json",
                                    "-o", f[out]] + trust_server +
                                   ["--sent-request", f[req], f["response.xml"]])
            verdicts.append(judge_wssec(sc if not reject else Scenario(
                "tampered:" + sc.name, sc.kind, sc.soap, tampered=sc), rc, se, f[out],
                "confirmation of another request" if reject else None))
            continue
        ok, why = response_step(ctx, p, ["consume", "--in", f["response.xml"], "--out", f[out]] +
                                trust_server + ["--sent-request", f[req], "--require",
                                                "timestamp,signature", "--body-contains", BODY_TEXT],
                                log)
        if reject:
            verdicts.append(("rej", why) if not ok else
                            ("FAIL", "accepted a response confirming another request"))
        else:
            verdicts.append(("ok", "") if ok else ("FAIL", why))
    return verdicts[0], verdicts[1]


def response_cells(ctx, scs):
    cells = {}
    sigconf = []
    for sc in scs:
        if sc.kind == "sigconf":
            for p in PEERS:
                for c in PEERS:
                    why, cwhy = produce_support(p, sc), consume_support(c, sc)
                    tkey = (p, c, "tampered:%s" % sc.sid) if sc.soap == "1.1" else None
                    if why or cwhy:
                        v = ("-", "%s (producing): %s" % (p, why) if why else
                             "%s (consuming): %s" % (c, cwhy))
                        cells[(p, c, sc.sid)] = v
                        if tkey:
                            cells[tkey] = v
                    else:
                        sigconf.append((sc, p, c, tkey))
            continue
        for p in PEERS:
            for c in PEERS:
                why, cwhy = produce_support(p, sc), consume_support(c, sc)
                if why or cwhy:
                    cells[(p, c, sc.sid)] = ("-", "%s (producing): %s" % (p, why) if why else
                                             "%s (consuming): %s" % (c, cwhy))
                else:
                    cells[(p, c, sc.sid)] = response_cell(ctx, sc, p, c)
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as ex:
        futs = {ex.submit(sigconf_cell, ctx, sc, p, c): (sc, p, c, tkey) for sc, p, c, tkey in sigconf}
        for fut, (sc, p, c, tkey) in futs.items():
            main, tam = fut.result()
            cells[(p, c, sc.sid)] = main
            if tkey:
                cells[tkey] = tam
    return cells


# ================================================================ report

def columns():
    return [(p, c) for p in PEERS for c in PEERS]


def render(rows, cells, title, elapsed, wssec):
    cols = columns()
    width = max(len(r.label) for r in rows) + 2
    legend = ("Producer->consumer columns: S = wssec, J = WSS4J 1.6, Z = zeep 4.2 + "
              "python-xmlsec, X = xmlsec1 CLI, G = gSOAP 2.8 wsse plugin. ok = accepted; rej = rejected as expected "
              "(tampered, or a documented peer incompatibility); FAIL = a supported cell "
              "that failed; - = unsupported.")
    head = ["scenario"] + ["%s>%s" % (ABBR[p], ABBR[c]) for p, c in cols]

    # console
    lines = [title, "", "%-*s" % (width, head[0]) + " ".join("%-4s" % h for h in head[1:])]
    for r in rows:
        vals = [cells.get((p, c, r.sid), ("", ""))[0] for p, c in cols]
        lines.append("%-*s" % (width, r.label) + " ".join("%-4s" % v for v in vals))
    text = "\n".join(lines)

    # markdown
    md = ["# wssec interoperability matrix", "",
          "Generated by `tests/interop/run-matrix.sh` on %s (%.0f s); wssec: `%s`." % (
              datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
              elapsed, os.path.relpath(wssec, ROOT) if wssec.startswith(ROOT) else wssec),
          "", legend, "",
          "| " + " | ".join(head) + " |",
          "|" + "---|" * len(head)]
    for r in rows:
        vals = [cells.get((p, c, r.sid), ("", ""))[0] for p, c in cols]
        md.append("| " + r.label + " | " + " | ".join(vals) + " |")

    counts = {}
    for v, _ in cells.values():
        counts[v] = counts.get(v, 0) + 1
    summary = "cells: %s" % ", ".join("%s %d" % (k, counts.get(k, 0))
                                       for k in ("ok", "rej", "FAIL", "-"))
    md += ["", "**%s**" % summary, ""]

    fails = [(k, v[1]) for k, v in sorted(cells.items()) if v[0] == "FAIL"]
    rejs = {}
    unsup = {}
    for (p, c, sid), (v, why) in cells.items():
        if v == "-":
            unsup.setdefault(why, set()).add(sid.rsplit(".", 1)[0])
        if v == "rej":
            sc = next((r for r in rows if r.sid == sid), None)
            exp = expected_rejection(p, c, sc) if sc else why
            if exp and not (sc and sc.tampered):
                rejs.setdefault(exp, set()).add("%s>%s" % (ABBR[p], ABBR[c]))
    if rejs:
        md += ["## Expected rejections (documented incompatibilities)", ""]
        for why, pairs in sorted(rejs.items()):
            md.append("- %s — %s" % (", ".join(sorted(pairs)), why))
        md.append("")
    md += ["## Unsupported cells", ""]
    for why, names in sorted(unsup.items()):
        names = sorted(names, key=lambda n: (n.startswith(("tampered:", "vector:")), n))
        md.append("- %s — %s" % (why, ", ".join(names)))
    md.append("")
    md += ["## Failures", ""]
    if not fails:
        md.append("None.")
    by_reason = {}
    for (p, c, sid), why in fails:
        why = re.sub(r"#?\b(id|X509|TS|EK|ED|SIG)-[0-9A-Za-z-]{8,}", "…", why)
        by_reason.setdefault(why, []).append("%s %s>%s" % (sid, ABBR[p], ABBR[c]))
    for why, where in sorted(by_reason.items(), key=lambda kv: -len(kv[1])):
        md.append("- **%s** — %d cell(s): %s" % (why, len(where), ", ".join(sorted(where)[:12]) +
                                                 (" …" if len(where) > 12 else "")))
    md.append("")
    text += "\n\n" + legend + "\n" + summary
    return text, "\n".join(md), len(fails)


# ================================================================ main

def prepare(ctx):
    for d in (ctx.msgs, ctx.logs, os.path.join(ctx.out, "consumed")):
        shutil.rmtree(d, ignore_errors=True)
        os.makedirs(d)
    os.makedirs(ctx.pki, exist_ok=True)
    with open(ctx.o("users"), "w") as f:
        f.write("# interop users\n%s:%s\n" % (USER, PASSWORD))
    with open(ctx.o("alice.pw"), "w") as f:
        f.write(PASSWORD + "\n")


def load_vectors(ctx):
    """Vector rows: each file of vectors/INDEX.md, consumed under --now inside its window."""
    index = os.path.join(HERE, "vectors", "INDEX.md")
    rows = []
    if not os.path.exists(index):
        return rows
    by_name = {s.name + ("" if s.soap == "1.1" else "-soap12"): s for s in scenarios()}
    for line in open(index):
        cols = [c.strip().strip("`") for c in line.strip().strip("|").split("|")]
        if len(cols) < 5 or not cols[0].endswith(".xml"):
            continue
        fname, producer, scen, created = cols[0], cols[1], cols[2], cols[3]
        base = by_name.get(scen)
        if base is None:
            continue
        rows.append(Scenario("vector:" + fname[:-4], base.kind, base.soap, pw_type=base.pw_type,
                             key_id=base.key_id, alg=base.alg, enc_alg=base.enc_alg,
                             enc_key_id=base.enc_key_id,
                             vector=(producer, os.path.join(HERE, "vectors", fname), created)))
    return rows


def vector_now(sc):
    if not sc.vector:
        return None
    created = sc.vector[2]
    t = datetime.datetime.strptime(created[:19], "%Y-%m-%dT%H:%M:%S")
    return (t + datetime.timedelta(seconds=30)).strftime("%Y-%m-%dT%H:%M:%SZ")


VECTORS = [  # file, producer, scenario name (plus -soap12 for SOAP 1.2)
    ("wss4j-sig-bst-sha256.xml", "wss4j", "sig-bst-sha256"),
    ("wss4j-sig-bst-sha256-soap12.xml", "wss4j", "sig-bst-sha256-soap12"),
    ("wss4j-sig-bst-sha1.xml", "wss4j", "sig-bst-sha1"),
    ("wss4j-sig-issuerserial-sha1.xml", "wss4j", "sig-issuerserial-sha1"),
    ("wss4j-sig-issuerserial-sha256.xml", "wss4j", "sig-issuerserial-sha256"),
    ("wss4j-sig-ski-sha256.xml", "wss4j", "sig-ski-sha256"),
    ("wss4j-sig-thumbprint-sha256.xml", "wss4j", "sig-thumbprint-sha256"),
    ("wss4j-sig-x509kid-sha256.xml", "wss4j", "sig-x509kid-sha256"),
    ("wss4j-ut-digest.xml", "wss4j", "ut-digest"),
    ("wss4j-enc-aes128cbc.xml", "wss4j", "enc-aes128cbc"),
    ("wss4j-enc-aes256gcm.xml", "wss4j", "enc-aes256gcm"),
    ("wss4j-sign-then-encrypt.xml", "wss4j", "sign-then-encrypt"),
    ("wss4j-encrypt-then-sign.xml", "wss4j", "encrypt-then-sign"),
    ("zeep-sig-bst-sha1.xml", "zeep", "sig-bst-sha1"),
    ("zeep-sig-bst-sha256.xml", "zeep", "sig-bst-sha256"),
    ("zeep-sig-x509data-sha256.xml", "zeep", "sig-x509data-sha256"),
    ("zeep-ut-digest.xml", "zeep", "ut-digest"),
    ("xmlsec1-sig-bst-sha256.xml", "xmlsec1", "sig-bst-sha256"),
    ("xmlsec1-enc-aes256gcm.xml", "xmlsec1", "enc-aes256gcm"),
    ("gsoap-sig-bst-sha256.xml", "gsoap", "sig-bst-sha256"),
    ("gsoap-sig-ski-sha1.xml", "gsoap", "sig-ski-sha1"),
    ("gsoap-ut-digest.xml", "gsoap", "ut-digest"),
]


def make_vectors(ctx):
    by_name = {s.name + ("" if s.soap == "1.1" else "-soap12"): s for s in scenarios()}
    vdir = os.path.join(HERE, "vectors")
    os.makedirs(vdir, exist_ok=True)
    want = [(f, p, by_name[n], n) for f, p, n in VECTORS]
    produced = {}
    for p in BATCH_PEERS:
        jobs = [(f, produce_args(p, sc, ctx, os.path.join(vdir, f), ttl=VECTOR_TTL,
                                 created=VECTOR_CREATED))
                for f, pp, sc, _ in want if pp == p]
        produced.update(run_batch(p, ctx, jobs, os.path.join(ctx.logs, "vectors-%s.log" % p)))
    bad = [(f, r) for f, (s, r) in produced.items() if s != "ok"]
    for f, r in bad:
        print("vectors: %s: %s" % (f, r), file=sys.stderr)
    rows = []
    for f, p, sc, n in want:
        if produced.get(f, ("fail",))[0] != "ok":
            continue
        created, expires = peerlib.timestamp_times(os.path.join(vdir, f))
        what = [sc.kind]
        if sc.signs:
            what.append("%s, rsa-%s/%s" % (sc.key_id, sc.alg, sc.alg))
        if sc.encrypts:
            what.append("%s, rsa-oaep-mgf1p, EncryptedKey by %s" % (sc.enc_alg, sc.enc_key_id))
        if sc.kind == "ut":
            what.append("user %s, password %s" % (USER, PASSWORD))
        rows.append("| `%s` | %s | %s | %s | %s | SOAP %s; %s |" % (
            f, p, n, created, expires, sc.soap, "; ".join(what)))
    with open(os.path.join(vdir, "INDEX.md"), "w") as fo:
        fo.write(INDEX_HEAD % {"ttl": VECTOR_TTL, "created": VECTOR_CREATED, "now": VECTOR_NOW})
        fo.write("| file | producer | scenario | Created | Expires | what |\n")
        fo.write("|---|---|---|---|---|---|\n")
        fo.write("\n".join(rows) + "\n")
    print("vectors: wrote %d files and INDEX.md to %s" % (len(rows), vdir))
    return 1 if bad else 0


INDEX_HEAD = """# Interop test vectors

Messages written by the peers of `tests/interop/` (WSS4J 1.6.19, zeep 4.2.1 with
python-xmlsec 1.3.13, xmlsec1 1.2.37, gSOAP 2.8.124), each with its clock set so that every Timestamp
(and UsernameToken) says Created %(created)s, with a lifetime of %(ttl)d s (ten years).
Verify them with `--now %(now)s`, the clock of the project's other tests (30 s after
Created; `--max-age` is measured from Created). The exact Created and Expires texts are
below: each peer writes times its own way.

Regenerate with `tests/interop/run-matrix.sh --vectors` (this rewrites every file and this
index). They are bound to the keys of `samples/pki/`: `make-pki.sh` makes new keys on every
run, so rerunning it invalidates every signature and encrypted key here.

What a consumer needs, from `samples/pki/`: trust anchor `root.crt`; known certificates
`inter.crt` and `alice.crt` (the signer is alice; issuer-serial, SKI and thumbprint
references name alice's certificate, which is not in the message); for encrypted vectors
the recipient key `server.key` (or `server.p12`); `--allow-sha1` for the sha1 vectors and
`--allow-cbc` for the CBC ones. Every Body contains the text `Zürich & Genève`. The
UsernameToken vectors are for user `alice`, password `alice-s3cret`.

"""


def main(argv):
    mode = argv[0] if argv else "run"
    args = argv[1:]
    wssec = os.environ.get("WSSEC", os.path.join(ROOT, "build", "wssec"))
    out = os.path.join(HERE, "out")
    md_path = os.path.join(HERE, "MATRIX.md")
    i = 0
    while i < len(args):
        if args[i] == "--wssec":
            wssec = args[i + 1]
            i += 2
        elif args[i] == "--out":
            out = args[i + 1]
            i += 2
        elif args[i] == "--md":
            md_path = args[i + 1]
            i += 2
        else:
            print("matrix.py: unknown argument %s" % args[i], file=sys.stderr)
            return 2
    wssec = os.path.abspath(wssec)
    ctx = Ctx(os.path.abspath(out), wssec)
    prepare(ctx)
    if mode == "vectors":
        return make_vectors(ctx)
    if mode != "run":
        print("matrix.py: unknown mode %s" % mode, file=sys.stderr)
        return 2
    if not os.access(wssec, os.X_OK):
        print("matrix.py: WARNING: wssec binary %s is missing: every wssec cell will FAIL"
              % wssec, file=sys.stderr)

    t0 = time.time()
    scs = scenarios()
    produced = produce_all(ctx, scs)
    tam = tampered(scs)
    for sc in tam:
        for p in PEERS:
            base = sc.tampered
            if produced.get((p, base.sid), ("",))[0] == "ok":
                try:
                    peerlib.tamper(ctx.msg(p, base), ctx.msg(p, sc))
                except Exception as e:
                    print("matrix.py: cannot tamper with %s: %s" % (ctx.msg(p, base), e),
                          file=sys.stderr)
    vec = load_vectors(ctx)
    rows = scs + tam + tampered_responses(scs) + vec
    cells = consume_all(ctx, rows, produced, now_of=vector_now)
    cells.update(response_cells(ctx, [s for s in scs if s.response]))
    elapsed = time.time() - t0
    text, md, nfail = render(rows, cells, "wssec interop matrix", elapsed, wssec)
    print(text)
    with open(md_path, "w") as f:
        f.write(md)
    print("\nwrote %s; messages and logs in %s (%.0f s)" % (md_path, ctx.out, elapsed))
    if nfail:
        print("INTEROP MATRIX: %d supported cell(s) FAILED (details in %s)" % (nfail, md_path))
        return 1
    print("INTEROP MATRIX: all supported cells passed")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
