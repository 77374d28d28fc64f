#!/usr/bin/python3
"""zeep_peer.py — a zeep 4.2 + python-xmlsec interoperability peer for wssec's suite.

Run with Debian's interpreter, /usr/bin/python3 (python3-zeep, python3-xmlsec,
python3-lxml), never a pyenv/virtualenv python: the point is the Debian packages.

zeep's WS-Security classes are applied to an lxml envelope directly, without a WSDL or
a transport: each has apply(envelope, headers) and verify(envelope).

  produce  --in F --out F --actions LIST [options]
      LIST is comma-separated, in order: timestamp, ut, sign, encrypt
      --ttl S                       Timestamp lifetime (default 300)
      --created TIME                the clock for Created, e.g. 2025-06-01T11:59:30Z
      --user U --password-file F    zeep.wsse.UsernameToken ...
      --pw-type text|digest         ... use_digest=False/True
      --sign-key PEM --sign-cert PEM
      --key-id bst|issuer-serial    bst: zeep.wsse.BinarySignature (BST + Reference);
                                    issuer-serial: zeep.wsse.Signature (a
                                    SecurityTokenReference holding ds:X509Data with
                                    X509IssuerSerial and X509Certificate)
      --sign-alg rsa-sha1|rsa-sha256 --digest-alg sha1|sha256
                                    (zeep's own default is rsa-sha1/sha1)
      --enc-cert PEM --enc-alg aes128-cbc|aes256-cbc|aes128-gcm|aes256-gcm
      --enc-key-id issuer-serial|ski|thumbprint|x509|bst
                                    encryption: zeep has none, so python-xmlsec's
                                    EncryptionContext encrypts the Body content with an
                                    EncryptedKey template (rsa-oaep-mgf1p), and peerlib
                                    moves the EncryptedKey into the Security header

  consume  --in F [--out F] --require LIST [--signer-cert PEM] [--decrypt-key PEM]
           [--body-contains TEXT]
      LIST: signature, encrypted (timestamp and UsernameToken checks are not offered:
      zeep's UsernameToken.verify() does nothing and zeep has no Timestamp check).
      The Security header is walked in order: ds:Signature -> zeep's verify (with the
      signer certificate given out of band: zeep ignores KeyInfo and validates no chain),
      then this peer checks the references cover the Body and the Timestamp;
      xenc:EncryptedKey -> python-xmlsec decrypts the key, then each EncryptedData.

  batch    jobs on standard input (see peerlib.py)
"""

import copy
import datetime
import os
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import xmlsec  # noqa: E402
from lxml import etree  # noqa: E402
from zeep.wsse import utils as zutils  # noqa: E402
from zeep.wsse.signature import BinarySignature, Signature, verify_envelope  # noqa: E402
from zeep.wsse.username import UsernameToken  # noqa: E402

import peerlib  # noqa: E402
from peerlib import DS, XENC, Failure, Usage, need, opt  # noqa: E402

SIG_ALGS = {"rsa-sha1": xmlsec.Transform.RSA_SHA1, "rsa-sha256": xmlsec.Transform.RSA_SHA256,
            "rsa-sha384": xmlsec.Transform.RSA_SHA384, "rsa-sha512": xmlsec.Transform.RSA_SHA512}
DIGEST_ALGS = {"sha1": xmlsec.Transform.SHA1, "sha256": xmlsec.Transform.SHA256,
               "sha384": xmlsec.Transform.SHA384, "sha512": xmlsec.Transform.SHA512}
ENC_ALGS = {"aes128-cbc": (xmlsec.Transform.AES128, 128),
            "aes256-cbc": (xmlsec.Transform.AES256, 256),
            "aes128-gcm": (xmlsec.Transform.AES128_GCM, 128),
            "aes256-gcm": (xmlsec.Transform.AES256_GCM, 256)}


def zeep_timestamp(ttl, now):
    """zeep has no Timestamp token class; its documentation builds one with the WSU element
    maker and passes it to UsernameToken(timestamp_token=...). zeep's get_timestamp()
    writes seconds only and '+00:00' rather than 'Z' unless zulu_timestamp is set."""
    created = zutils.get_timestamp(now)
    expires = zutils.get_timestamp(now + datetime.timedelta(seconds=ttl))
    return zutils.WSU.Timestamp(zutils.WSU.Created(created), zutils.WSU.Expires(expires))


def body_content_bytes(b):
    """The Body's content serialized as XML Encryption Type=Content plaintext: its text and
    child nodes exactly as they are (whitespace included), each element with the namespace
    declarations it needs."""
    parts = [escape(b.text or "")]
    for child in b:
        c = copy.deepcopy(child)      # carries the in-scope namespaces it uses ...
        etree.cleanup_namespaces(c)   # ... and no others
        parts.append(etree.tostring(c, with_tail=False, encoding="unicode"))
        parts.append(escape(child.tail or ""))
    return "".join(parts).encode("utf-8")


def escape(text):
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def encrypt_body(env, cert, alg, key_id):
    """python-xmlsec encrypts the Body content under a fresh AES key, itself encrypted with
    rsa-oaep-mgf1p for CERT in an EncryptedKey template.

    Not with EncryptionContext.encrypt_xml(): for Type=Content, python-xmlsec 1.3.13 wraps
    every node the encryption replaces as an lxml element and crashes (assertion or
    segfault) on the text nodes around the Body's elements, and dropping that whitespace
    would break a signature made before (sign-then-encrypt). So the content is serialized
    here and encrypted with encrypt_binary() into a Type=Content EncryptedData, which then
    replaces the Body's children: the same result encrypt_xml() would give."""
    method, bits = ENC_ALGS[alg]
    b = peerlib.body(env)
    ed = xmlsec.template.encrypted_data_create(env, method, type=xmlsec.EncryptionType.CONTENT,
                                               ns="xenc")
    ed.set("Id", peerlib.new_id("ED"))
    xmlsec.template.encrypted_data_ensure_cipher_value(ed)
    ki = xmlsec.template.encrypted_data_ensure_key_info(ed, ns="ds")
    ek = xmlsec.template.add_encrypted_key(ki, xmlsec.Transform.RSA_OAEP)
    xmlsec.template.encrypted_data_ensure_cipher_value(ek)
    manager = xmlsec.KeysManager()
    manager.add_key(xmlsec.Key.from_file(cert, xmlsec.KeyFormat.CERT_PEM, None))
    ctx = xmlsec.EncryptionContext(manager)
    ctx.key = xmlsec.Key.generate(xmlsec.constants.KeyDataAes, bits,
                                  xmlsec.constants.KeyDataTypeSession)
    ed = ctx.encrypt_binary(ed, body_content_bytes(b))
    b.text = None
    for child in list(b):
        b.remove(child)
    b.append(ed)
    # names of the nodes xmlsec created are not in lxml's dictionary, so lxml's find() does
    # not see them: continue on a re-parsed copy
    env = peerlib.reparse(env)
    ed = peerlib.body(env).find("{%s}EncryptedData" % XENC)
    peerlib.move_encrypted_key_to_header(env, ed, key_id, cert)
    return env


def created_time(o):
    """--created TIME (e.g. 2025-06-01T11:59:30Z) or the current time, as the naive UTC
    datetime zeep's get_timestamp() expects."""
    if opt(o, "created"):
        return datetime.datetime.strptime(opt(o, "created")[:19], "%Y-%m-%dT%H:%M:%S")
    return peerlib.utc_now()


def produce(o):
    peerlib.allow(o, "in", "out", "actions", "ttl", "created", "user", "password-file", "pw-type",
                  "sign-key", "sign-cert", "key-id", "sign-alg", "digest-alg", "enc-cert",
                  "enc-alg", "enc-key-id")
    env = peerlib.parse(need(o, "in"))
    peerlib.body(env)
    actions = need(o, "actions").split(",")
    security = zutils.get_security_header(env)
    ts = None
    now = created_time(o)
    for a in actions:
        if a == "timestamp":
            ts = zeep_timestamp(int(opt(o, "ttl", "300")), now)
            if "ut" not in actions:
                security.append(ts)
        elif a == "ut":
            pw_type = opt(o, "pw-type", "digest")
            if pw_type not in ("text", "digest"):
                raise Usage("unknown --pw-type %s" % pw_type)
            UsernameToken(need(o, "user"), peerlib.first_line(need(o, "password-file")),
                          use_digest=(pw_type == "digest"), created=now,
                          timestamp_token=ts).apply(env, {})
        elif a == "sign":
            key_id = opt(o, "key-id", "bst")
            cls = {"bst": BinarySignature, "issuer-serial": Signature}.get(key_id)
            if cls is None:
                raise Usage("zeep offers BinarySignature (bst) and Signature (issuer-serial) only")
            try:
                sig_alg = SIG_ALGS[opt(o, "sign-alg", "rsa-sha256")]
                dig_alg = DIGEST_ALGS[opt(o, "digest-alg", "sha256")]
            except KeyError as e:
                raise Usage("unknown algorithm %s" % e)
            cls(need(o, "sign-key"), need(o, "sign-cert"), signature_method=sig_alg,
                digest_method=dig_alg).apply(env, {})
        elif a == "encrypt":
            alg = opt(o, "enc-alg", "aes256-gcm")
            if alg not in ENC_ALGS:
                raise Usage("unknown --enc-alg %s" % alg)
            env = encrypt_body(env, need(o, "enc-cert"), alg, opt(o, "enc-key-id", "issuer-serial"))
            security = zutils.get_security_header(env)
        else:
            raise Usage("unknown action %s" % a)
    peerlib.write(env, need(o, "out"))


def decrypt(env, ek, key_file):
    """Decrypts the EncryptedKey, then every EncryptedData its ReferenceList names.
    Returns the re-parsed document and whether the Body's content was among them."""
    ctx = xmlsec.EncryptionContext()
    ctx.key = xmlsec.Key.from_file(key_file, xmlsec.KeyFormat.PEM, None)
    targets = peerlib.encrypted_data_for(env, ek)
    try:
        session = ctx.decrypt(ek)
    except xmlsec.Error as e:
        raise Failure("EncryptedKey: %s" % e)
    if not isinstance(session, bytes):
        raise Failure("EncryptedKey did not decrypt to a key")
    body_done = False
    for ed in targets:
        if ed.getparent() is peerlib.body(env) and ed.get("Type") == XENC + "Content":
            body_done = True
        dctx = xmlsec.EncryptionContext()
        dctx.key = xmlsec.Key.from_binary_data(xmlsec.constants.KeyDataAes, session)
        try:
            dctx.decrypt(ed)
        except xmlsec.Error as e:
            raise Failure("EncryptedData: %s" % e)
    return peerlib.reparse(env), body_done


def consume(o):
    peerlib.allow(o, "in", "out", "require", "signer-cert", "decrypt-key", "body-contains")
    require = set(need(o, "require").split(","))
    for r in require:
        if r not in ("signature", "encrypted"):
            raise Usage("zeep cannot check %s" % r)
    env = peerlib.parse(need(o, "in"))
    if peerlib.security_header(env) is None:
        raise Failure("no wsse:Security header")
    signed = decrypted_body = False
    i = 0
    while i < len(peerlib.security_header(env)):
        el = peerlib.security_header(env)[i]
        i += 1
        if el.tag == "{%s}Signature" % DS:
            if signed:
                raise Failure("more than one ds:Signature")
            try:
                verify_envelope(env, need(o, "signer-cert"))
            except Usage:
                raise
            except Exception as e:
                raise Failure("zeep verify: %s" % (e.__class__.__name__))
            peerlib.check_coverage(env, el)
            signed = True
        elif el.tag == "{%s}EncryptedKey" % XENC:
            env, body_done = decrypt(env, el, need(o, "decrypt-key"))
            decrypted_body = decrypted_body or body_done
    if "signature" in require and not signed:
        raise Failure("no ds:Signature")
    if "encrypted" in require and not decrypted_body:
        raise Failure("Body was not encrypted")
    peerlib.check_body_contains(env, opt(o, "body-contains"))
    if opt(o, "out"):
        peerlib.write(env, opt(o, "out"))


if __name__ == "__main__":
    sys.exit(peerlib.main({"produce": produce, "consume": consume}))
