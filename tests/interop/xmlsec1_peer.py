#!/usr/bin/python3
"""xmlsec1_peer.py — the xmlsec1 command-line tool (Debian's xmlsec1 1.2.x) as an
interoperability peer for wssec's suite.

xmlsec1 knows XML Signature and XML Encryption but nothing of WS-Security, so this
script writes the templates it signs or encrypts and, before verifying or decrypting,
shows xmlsec1 each token reference in a form it understands. Every signature, digest,
encryption, decryption and certificate-path check is done by xmlsec1 itself; this script
only moves XML around and runs `xmlsec1 sign|verify|encrypt|decrypt`.

  produce --in F --out F --actions LIST [options]
      LIST (in order): timestamp, sign, encrypt   (there is no UsernameToken in xmlsec1)
      --ttl S                         Timestamp lifetime (default 300); written with 'Z' and
                                      whole seconds
      --created TIME                  the clock for Created, e.g. 2025-06-01T11:59:30Z
      --sign-key PEM --sign-cert PEM  xmlsec1 sign --privkey-pem KEY,CERT
      --key-id bst|issuer-serial|ski|thumbprint|x509
                                      the ds:KeyInfo/wsse:SecurityTokenReference written into
                                      the template (xmlsec1 leaves unknown KeyInfo children
                                      alone when signing)
      --sign-alg rsa-sha1|rsa-sha256 --digest-alg sha1|sha256
      --enc-cert PEM --enc-alg aes128-cbc|aes256-cbc|aes128-gcm|aes256-gcm
      --enc-key-id issuer-serial|ski|thumbprint|x509|bst
                                      xmlsec1 encrypt --xml-data (Body content, Type=Content,
                                      EncryptedKey rsa-oaep-mgf1p in the template's KeyInfo),
                                      then peerlib moves the EncryptedKey into the header

  consume --in F [--out F] --require LIST [--trust PEM] [--certs PEM]... [--decrypt-key PEM]
          [--body-contains TEXT]
      LIST: signature, encrypted (xmlsec1 checks neither Timestamps nor UsernameTokens)
      The Security header is walked in order. ds:Signature: the SecurityTokenReference in
      its KeyInfo becomes the equivalent ds:X509Data on a scratch copy (BST or X509v3
      KeyIdentifier -> X509Certificate; IssuerSerial -> X509IssuerSerial; SKI -> X509SKI;
      ThumbprintSHA1 -> the X509Certificate among --certs with that SHA-1, since xmlsec1 1.2
      has no X509Digest), then `xmlsec1 verify --trusted-pem ... --untrusted-pem ...`
      verifies the signature and the certificate path; this script checks the references
      cover the Body and the Timestamp. xenc:EncryptedKey: on a scratch copy each
      EncryptedData named by its ReferenceList gets the EncryptedKey in its KeyInfo, and
      `xmlsec1 decrypt --privkey-pem KEY` decrypts it.

  batch   jobs on standard input (see peerlib.py)
"""

import datetime
import os
import subprocess
import sys
import tempfile

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from lxml import etree  # noqa: E402

import peerlib  # noqa: E402
from peerlib import DS, NS, WSSE, WSU, WSU_ID, XENC, Failure, Usage, need, opt  # noqa: E402

XMLSEC1 = os.environ.get("XMLSEC1", "xmlsec1")
EXC_C14N = "http://www.w3.org/2001/10/xml-exc-c14n#"
SIG_ALGS = {"rsa-sha1": "http://www.w3.org/2000/09/xmldsig#rsa-sha1",
            "rsa-sha256": "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
            "rsa-sha384": "http://www.w3.org/2001/04/xmldsig-more#rsa-sha384",
            "rsa-sha512": "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512"}
DIGEST_ALGS = {"sha1": "http://www.w3.org/2000/09/xmldsig#sha1",
               "sha256": "http://www.w3.org/2001/04/xmlenc#sha256",
               "sha384": "http://www.w3.org/2001/04/xmldsig-more#sha384",
               "sha512": "http://www.w3.org/2001/04/xmlenc#sha512"}
ENC_ALGS = {"aes128-cbc": ("http://www.w3.org/2001/04/xmlenc#aes128-cbc", "aes-128"),
            "aes256-cbc": ("http://www.w3.org/2001/04/xmlenc#aes256-cbc", "aes-256"),
            "aes128-gcm": ("http://www.w3.org/2009/xmlenc11#aes128-gcm", "aes-128"),
            "aes256-gcm": ("http://www.w3.org/2009/xmlenc11#aes256-gcm", "aes-256")}
RSA_OAEP = "http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p"
# X509IssuerName as "CN=x, OU=y, O=z, C=US" (comma and space, as .NET and others write it):
# the other peers write RFC 2253 without spaces, so the matrix covers both spellings
DN_SEPARATOR = ", "


def run_xmlsec1(args, what):
    r = subprocess.run([XMLSEC1] + args, capture_output=True, text=True)
    if r.returncode != 0:
        lines = [ln for ln in (r.stderr + r.stdout).splitlines()
                 if ln.strip() and not ln.startswith("func=")]
        errs = [ln for ln in (r.stderr + r.stdout).splitlines() if "error=" in ln]
        detail = (errs[0].split(":", 4)[-1] if errs else "") or " ".join(lines[-2:])
        raise Failure("xmlsec1 %s failed (exit %d): %s" % (what, r.returncode, detail.strip()))
    return r.stdout


def id_attr_args(env):
    """--id-attr:Id for every element kind that carries a wsu:Id or an Id in the message
    (xmlsec1 knows no ID attributes without a DTD)."""
    kinds = set()
    for el in env.iter():
        if not isinstance(el.tag, str):
            continue
        if el.get(WSU_ID) is not None or el.get("Id") is not None:
            q = etree.QName(el)
            kinds.add("%s:%s" % (q.namespace, q.localname) if q.namespace else q.localname)
    args = []
    for k in sorted(kinds):
        args += ["--id-attr:Id", k]
    return args


def scratch(tmp, name, env):
    path = os.path.join(tmp, name)
    with open(path, "wb") as f:
        f.write(etree.tostring(env, xml_declaration=True, encoding="UTF-8"))
    return path


# ---------------------------------------------------------------- produce

def sign(env, o, tmp):
    security = peerlib.security_header(env)
    key_id = opt(o, "key-id", "bst")
    try:
        sig_alg = SIG_ALGS[opt(o, "sign-alg", "rsa-sha256")]
        dig_alg = DIGEST_ALGS[opt(o, "digest-alg", "sha256")]
    except KeyError as e:
        raise Usage("unknown algorithm %s" % e)
    targets = [peerlib.body(env)]
    ts = security.find("{%s}Timestamp" % WSU)
    if ts is not None:
        targets.append(ts)
    sig = etree.Element("{%s}Signature" % DS, nsmap={"ds": DS})
    si = etree.SubElement(sig, "{%s}SignedInfo" % DS)
    etree.SubElement(si, "{%s}CanonicalizationMethod" % DS, Algorithm=EXC_C14N)
    etree.SubElement(si, "{%s}SignatureMethod" % DS, Algorithm=sig_alg)
    for t in targets:
        ident = peerlib.ensure_wsu_id(t, "id")
        ref = etree.SubElement(si, "{%s}Reference" % DS, URI="#" + ident)
        tr = etree.SubElement(ref, "{%s}Transforms" % DS)
        etree.SubElement(tr, "{%s}Transform" % DS, Algorithm=EXC_C14N)
        etree.SubElement(ref, "{%s}DigestMethod" % DS, Algorithm=dig_alg)
        etree.SubElement(ref, "{%s}DigestValue" % DS)
    etree.SubElement(sig, "{%s}SignatureValue" % DS)
    ki = etree.SubElement(sig, "{%s}KeyInfo" % DS)
    st, bst = peerlib.token_reference(key_id, need(o, "sign-cert"), DN_SEPARATOR)
    ki.append(st)
    security.insert(0, sig)
    if bst is not None:
        security.insert(0, bst)
    src = scratch(tmp, "sign-in.xml", env)
    out = os.path.join(tmp, "sign-out.xml")
    run_xmlsec1(["sign", "--privkey-pem", "%s,%s" % (need(o, "sign-key"), need(o, "sign-cert"))]
                + id_attr_args(env) + ["--output", out, src], "sign")
    return peerlib.parse(out)


def encrypt(env, o, tmp):
    alg = opt(o, "enc-alg", "aes256-gcm")
    if alg not in ENC_ALGS:
        raise Usage("unknown --enc-alg %s" % alg)
    uri, session = ENC_ALGS[alg]
    ed = etree.Element("{%s}EncryptedData" % XENC, nsmap={"xenc": XENC, "ds": DS},
                       Type=XENC + "Content", Id=peerlib.new_id("ED"))
    etree.SubElement(ed, "{%s}EncryptionMethod" % XENC, Algorithm=uri)
    ki = etree.SubElement(ed, "{%s}KeyInfo" % DS)
    ek = etree.SubElement(ki, "{%s}EncryptedKey" % XENC)
    etree.SubElement(ek, "{%s}EncryptionMethod" % XENC, Algorithm=RSA_OAEP)
    etree.SubElement(etree.SubElement(ek, "{%s}CipherData" % XENC), "{%s}CipherValue" % XENC)
    etree.SubElement(etree.SubElement(ed, "{%s}CipherData" % XENC), "{%s}CipherValue" % XENC)
    tmpl = scratch(tmp, "enc-tmpl.xml", ed)
    data = scratch(tmp, "enc-data.xml", env)
    out = os.path.join(tmp, "enc-out.xml")
    soap = peerlib.soap_ns(env)
    run_xmlsec1(["encrypt", "--pubkey-cert-pem", need(o, "enc-cert"), "--session-key", session,
                 "--xml-data", data,
                 "--node-xpath", "/*/*[local-name()='Body' and namespace-uri()='%s']" % soap,
                 "--output", out, tmpl], "encrypt")
    env = peerlib.parse(out)
    ed = peerlib.body(env).find("{%s}EncryptedData" % XENC)
    peerlib.move_encrypted_key_to_header(env, ed, opt(o, "enc-key-id", "issuer-serial"),
                                         need(o, "enc-cert"), DN_SEPARATOR)
    return env


def ensure_security(env):
    soap = peerlib.soap_ns(env)
    header = env.find("{%s}Header" % soap)
    if header is None:
        header = etree.Element("{%s}Header" % soap)
        env.insert(0, header)
    sec = header.find("{%s}Security" % WSSE)
    if sec is None:
        sec = etree.SubElement(header, "{%s}Security" % WSSE, nsmap={"wsse": WSSE})
        sec.set("{%s}mustUnderstand" % soap, "1" if soap == peerlib.SOAP11 else "true")
    return sec


def produce(o):
    peerlib.allow(o, "in", "out", "actions", "ttl", "created", "sign-key", "sign-cert", "key-id",
                  "sign-alg", "digest-alg", "enc-cert", "enc-alg", "enc-key-id")
    env = peerlib.parse(need(o, "in"))
    peerlib.body(env)
    with tempfile.TemporaryDirectory(prefix="xmlsec1-peer-") as tmp:
        for a in need(o, "actions").split(","):
            sec = ensure_security(env)
            if a == "timestamp":
                now = peerlib.utc_now().replace(microsecond=0)
                if opt(o, "created"):
                    now = datetime.datetime.strptime(opt(o, "created")[:19], "%Y-%m-%dT%H:%M:%S")
                exp = now + datetime.timedelta(seconds=int(opt(o, "ttl", "300")))
                ts = peerlib.timestamp_element(now.isoformat() + "Z", exp.isoformat() + "Z")
                peerlib.ensure_wsu_id(ts, "TS")
                sec.insert(0, ts)
            elif a == "sign":
                env = sign(env, o, tmp)
            elif a == "encrypt":
                env = encrypt(env, o, tmp)
            else:
                raise Usage("xmlsec1 has no %r action" % a)
    peerlib.write(env, need(o, "out"))


# ---------------------------------------------------------------- consume

def split_pems(files, tmp, tag):
    """xmlsec1 --trusted-pem/--untrusted-pem read one certificate per file."""
    out = []
    for f in files:
        text = open(f).read()
        blocks = text.split("-----END CERTIFICATE-----")
        for i, b in enumerate(blocks):
            if "-----BEGIN CERTIFICATE-----" not in b:
                continue
            path = os.path.join(tmp, "%s-%d-%d.pem" % (tag, len(out), i))
            with open(path, "w") as g:
                g.write(b[b.index("-----BEGIN CERTIFICATE-----"):] + "-----END CERTIFICATE-----\n")
            out.append(path)
    return out


def x509data_for(env, st, known):
    """The ds:X509Data equivalent of a wsse:SecurityTokenReference, for xmlsec1."""
    xd = etree.Element("{%s}X509Data" % DS)
    ref = st.find("{%s}Reference" % WSSE)
    kid = st.find("{%s}KeyIdentifier" % WSSE)
    inner = st.find("{%s}X509Data" % DS)
    if ref is not None:
        uri = ref.get("URI", "")
        if not uri.startswith("#"):
            raise Failure("STR Reference %r is not same-document" % uri)
        tok = peerlib.by_wsu_id(env, uri[1:])
        if tok.tag != "{%s}BinarySecurityToken" % WSSE or tok.get("ValueType") != peerlib.X509V3:
            raise Failure("STR Reference does not point to an X509v3 BinarySecurityToken")
        etree.SubElement(xd, "{%s}X509Certificate" % DS).text = "".join(tok.text.split())
    elif kid is not None:
        vt = kid.get("ValueType")
        value = "".join((kid.text or "").split())
        if vt == peerlib.X509V3:
            etree.SubElement(xd, "{%s}X509Certificate" % DS).text = value
        elif vt == peerlib.X509SKI:
            etree.SubElement(xd, "{%s}X509SKI" % DS).text = value
        elif vt == peerlib.THUMBPRINT:
            for path in known:
                if peerlib.b64(peerlib.cert_info(path)["thumbprint"]) == value:
                    etree.SubElement(xd, "{%s}X509Certificate" % DS).text = \
                        peerlib.b64(peerlib.cert_info(path)["der"])
                    break
            else:
                raise Failure("no known certificate has the ThumbprintSHA1 %s" % value)
        else:
            raise Failure("unknown KeyIdentifier ValueType %s" % vt)
    elif inner is not None:
        # zeep's form; xmlsec1 1.2.37 ignores the empty X509IssuerSerial zeep leaves in it
        for child in inner:
            xd.append(child)
    else:
        raise Failure("empty SecurityTokenReference")
    return xd


def verify(env, index, o, tmp):
    work = peerlib.reparse(env)
    sig = peerlib.security_header(work)[index]
    ki = sig.find("{%s}KeyInfo" % DS)
    trusted = split_pems(o.get("trust", []), tmp, "trusted")
    known = split_pems(o.get("certs", []), tmp, "untrusted")
    if ki is not None:
        st = ki.find("{%s}SecurityTokenReference" % WSSE)
        if st is not None:
            xd = x509data_for(work, st, known)
            for child in list(ki):
                ki.remove(child)
            ki.append(xd)
    args = ["verify", "--enabled-reference-uris", "same-doc"]
    for t in trusted:
        args += ["--trusted-pem", t]
    for u in known:
        args += ["--untrusted-pem", u]
    if opt(o, "now"):
        args += ["--verification-gmt-time", opt(o, "now").replace("T", " ").rstrip("Z")[:19]]
    path = scratch(tmp, "verify.xml", work)
    sig_pos = len(sig.xpath("preceding::ds:Signature", namespaces=NS)) + 1
    args += id_attr_args(work)
    args += ["--node-xpath", "(//*[local-name()='Signature' and namespace-uri()='%s'])[%d]"
             % (DS, sig_pos), path]
    run_xmlsec1(args, "verify")
    peerlib.check_coverage(env, peerlib.security_header(env)[index])


def decrypt(env, index, o, tmp):
    ek = peerlib.security_header(env)[index]
    ids = [ed.get("Id") for ed in peerlib.encrypted_data_for(env, ek)]
    body_done = False
    for ident in ids:
        work = peerlib.reparse(env)
        ek_copy = peerlib.security_header(work)[index]
        ed = work.xpath("//xenc:EncryptedData[@Id=$i]", namespaces=NS, i=ident)[0]
        if ed.getparent() is peerlib.body(work) and ed.get("Type") == XENC + "Content":
            body_done = True
        ki = ed.find("{%s}KeyInfo" % DS)
        if ki is None:
            ki = etree.Element("{%s}KeyInfo" % DS)
            ed.insert(1, ki)
        for child in list(ki):
            ki.remove(child)
        inline = etree.SubElement(ki, "{%s}EncryptedKey" % XENC)
        for child in ek_copy:
            if child.tag in ("{%s}EncryptionMethod" % XENC, "{%s}CipherData" % XENC):
                inline.append(etree.fromstring(etree.tostring(child)))
        path = scratch(tmp, "decrypt.xml", work)
        out = os.path.join(tmp, "decrypt-out.xml")
        run_xmlsec1(["decrypt", "--privkey-pem", need(o, "decrypt-key"),
                     "--id-attr:Id", "%s:EncryptedData" % XENC, "--node-id", ident,
                     "--output", out, path], "decrypt")
        env = peerlib.parse(out)
    return env, body_done


def consume(o):
    peerlib.allow(o, "in", "out", "require", "trust", "certs", "decrypt-key", "body-contains",
                  "now")
    require = set(need(o, "require").split(","))
    for r in require:
        if r not in ("signature", "encrypted"):
            raise Usage("xmlsec1 cannot check %s" % r)
    env = peerlib.parse(need(o, "in"))
    if peerlib.security_header(env) is None:
        raise Failure("no wsse:Security header")
    signed = decrypted_body = False
    with tempfile.TemporaryDirectory(prefix="xmlsec1-peer-") as tmp:
        i = 0
        while i < len(peerlib.security_header(env)):
            el = peerlib.security_header(env)[i]
            if el.tag == "{%s}Signature" % DS:
                if signed:
                    raise Failure("more than one ds:Signature")
                verify(env, i, o, tmp)
                signed = True
            elif el.tag == "{%s}EncryptedKey" % XENC:
                env, done = decrypt(env, i, o, tmp)
                decrypted_body = decrypted_body or done
            i += 1
    if "signature" in require and not signed:
        raise Failure("no ds:Signature")
    if "encrypted" in require and not decrypted_body:
        raise Failure("Body was not encrypted")
    peerlib.check_body_contains(env, opt(o, "body-contains"))
    if opt(o, "out"):
        peerlib.write(env, opt(o, "out"))


if __name__ == "__main__":
    sys.exit(peerlib.main({"produce": produce, "consume": consume}))
