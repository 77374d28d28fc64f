#!/usr/bin/env python3
"""Writes an LTPA key file in WebSphere's export format, for tests and examples.

    samples/ltpa/make-keys.py OUT.keys PASSWORD-FILE REALM

A fresh 24-byte shared key and RSA-1024 key pair (WebSphere's size), from the
openssl program; 3DESKey and PrivateKey encrypted with DES-EDE3-ECB under
SHA-1(password) + four zero bytes, as WebSphere does (README, "LTPA tokens
(WebSphere)"). The password is read from a file, never from the command line.
Python standard library and the openssl program only.
"""
import base64
import hashlib
import os
import subprocess
import sys
import time


def der_ints(der):
    """The INTEGERs of a DER SEQUENCE (an RSAPrivateKey), in order."""
    def length(i):
        n = der[i]
        if n < 0x80:
            return n, i + 1
        k = n & 0x7F
        return int.from_bytes(der[i + 1:i + 1 + k], "big"), i + 1 + k
    assert der[0] == 0x30
    _, i = length(1)
    out = []
    while i < len(der):
        assert der[i] == 0x02
        n, i = length(i + 1)
        out.append(int.from_bytes(der[i:i + n], "big"))
        i += n
    return out


def java_bytes(v):
    """BigInteger.toByteArray(): big-endian, a leading 0x00 when the top bit is set."""
    return v.to_bytes(v.bit_length() // 8 + 1, "big")


def des_ede3_ecb(key, data):
    return subprocess.run(["openssl", "enc", "-des-ede3", "-nosalt", "-K", key.hex()],
                          input=data, stdout=subprocess.PIPE, check=True).stdout


def java_escape(s):
    return s.replace("\\", "\\\\").replace(":", "\\:").replace("=", "\\=")


def main(out, pwfile, realm):
    password = open(pwfile, "rb").read().rstrip(b"\r\n")
    der = subprocess.run("openssl genrsa 1024 2>/dev/null | openssl rsa -traditional -outform DER",
                         shell=True, stdout=subprocess.PIPE, check=True).stdout
    _, n, e, d, p, q = der_ints(der)[:6]
    if len(java_bytes(p)) != len(java_bytes(q)):
        sys.exit("p and q differ in length: run again")
    key = hashlib.sha1(password).digest() + b"\0" * 4
    shared = os.urandom(24)
    db = java_bytes(d)
    private = len(db).to_bytes(4, "big") + db + e.to_bytes(3, "big") + java_bytes(p) + java_bytes(q)
    public = java_bytes(n) + e.to_bytes(3, "big")
    now = time.strftime("%a %b %d %H:%M:%S UTC %Y", time.gmtime())
    lines = [
        "#IBM WebSphere Application Server key file (made by samples/ltpa/make-keys.py)",
        "#" + now,
        "com.ibm.websphere.CreationDate=" + java_escape(now),
        "com.ibm.websphere.ltpa.version=1.0",
        "com.ibm.websphere.ltpa.3DESKey=" + java_escape(base64.b64encode(des_ede3_ecb(key, shared)).decode()),
        "com.ibm.websphere.CreationHost=wssec-test",
        "com.ibm.websphere.ltpa.PrivateKey=" + java_escape(base64.b64encode(des_ede3_ecb(key, private)).decode()),
        "com.ibm.websphere.ltpa.Realm=" + java_escape(realm),
        "com.ibm.websphere.ltpa.PublicKey=" + java_escape(base64.b64encode(public).decode()),
    ]
    with open(out, "w") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    main(*sys.argv[1:])
