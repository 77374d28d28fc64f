"""Plumbing shared by the Python interop peers (zeep_peer.py, xmlsec1_peer.py).

Run with Debian's /usr/bin/python3 (lxml from python3-lxml). Nothing here does any
cryptography: it parses messages, builds WS-Security token references, reads certificate
facts with the openssl CLI, and speaks the batch protocol the matrix runner uses.

Batch protocol (same as the Java peer): one job per line on standard input,
    ID <TAB> COMMAND <TAB> --option <TAB> value ...
and one answer per job on standard output,
    ID <TAB> ok|fail|error <TAB> reason
("fail": the message was rejected or could not be produced; "error": bad usage).

Also a small command-line tool for the runner:
    peerlib.py tamper IN OUT      change one character of the Body text (see tamper())
    peerlib.py created FILE       print the Timestamp's Created and Expires
"""

import base64
import datetime
import hashlib
import os
import subprocess
import sys
import uuid

from lxml import etree

SOAP11 = "http://schemas.xmlsoap.org/soap/envelope/"
SOAP12 = "http://www.w3.org/2003/05/soap-envelope"
WSSE = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
WSSE11 = "http://docs.oasis-open.org/wss/oasis-wss-wssecurity-secext-1.1.xsd"
WSU = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd"
DS = "http://www.w3.org/2000/09/xmldsig#"
XENC = "http://www.w3.org/2001/04/xmlenc#"

X509V3 = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-x509-token-profile-1.0#X509v3"
X509SKI = ("http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-x509-token-profile-1.0"
           "#X509SubjectKeyIdentifier")
THUMBPRINT = "http://docs.oasis-open.org/wss/oasis-wss-soap-message-security-1.1#ThumbprintSHA1"
BASE64BIN = ("http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-soap-message-security-1.0"
             "#Base64Binary")
EK_TOKEN_TYPE = "http://docs.oasis-open.org/wss/oasis-wss-soap-message-security-1.1#EncryptedKey"
WSU_ID = "{%s}Id" % WSU

NS = {"wsse": WSSE, "wsu": WSU, "ds": DS, "xenc": XENC, "wsse11": WSSE11}


class Failure(Exception):
    """A rejected message or a failed production, with a one-line reason."""


class Usage(Exception):
    """A bad command line."""


# ---------------------------------------------------------------- options, batch

def parse_options(args):
    opts = {}
    i = 0
    while i < len(args):
        k = args[i]
        if not k.startswith("--"):
            raise Usage("unexpected argument %r" % k)
        if i + 1 >= len(args):
            raise Usage("option %s needs a value" % k)
        opts.setdefault(k[2:], []).append(args[i + 1])
        i += 2
    return opts


def opt(opts, name, default=None):
    v = opts.get(name)
    return v[-1] if v else default


def need(opts, name):
    v = opt(opts, name)
    if v is None:
        raise Usage("missing --%s" % name)
    return v


def allow(opts, *names):
    for k in opts:
        if k not in names:
            raise Usage("unknown option --%s" % k)


def first_line(path):
    with open(path, encoding="utf-8") as f:
        return f.readline().rstrip("\r\n")


def one_line(e):
    s = str(e) or e.__class__.__name__
    return " ".join(s.replace("\t", " ").split())


def main(commands, argv=None):
    """Runs COMMAND OPTIONS once (exit 0/1/2), or 'batch' over standard input."""
    argv = sys.argv[1:] if argv is None else argv

    def run(args):
        if not args or args[0] not in commands:
            raise Usage("usage: %s %s|batch OPTIONS" % (os.path.basename(sys.argv[0]),
                                                        "|".join(sorted(commands))))
        commands[args[0]](parse_options(args[1:]))

    if argv == ["batch"]:
        for line in sys.stdin:
            line = line.rstrip("\n")
            if not line or line.startswith("#"):
                continue
            fields = line.split("\t")
            jid = fields.pop(0)
            try:
                run(fields)
                print("%s\tok\t" % jid, flush=True)
            except Usage as e:
                print("%s\terror\t%s" % (jid, one_line(e)), flush=True)
            except Exception as e:  # every other exception is a rejection with a reason
                print("%s\tfail\t%s: %s" % (jid, e.__class__.__name__, one_line(e)), flush=True)
        return 0
    try:
        run(argv)
    except Usage as e:
        print("%s: %s" % (os.path.basename(sys.argv[0]), one_line(e)), file=sys.stderr)
        return 2
    except Exception as e:
        print("%s: %s: %s" % (os.path.basename(sys.argv[0]), e.__class__.__name__, one_line(e)),
              file=sys.stderr)
        return 1
    return 0


# ---------------------------------------------------------------- XML

def parse(path):
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                             remove_blank_text=False, huge_tree=False)
    # from bytes, not from the path: python-xmlsec replaces libxml2's I/O callbacks when it
    # initialises, after which lxml's parse-by-filename can fail
    with open(path, "rb") as f:
        root = etree.fromstring(f.read(), parser)
    if root.getroottree().docinfo.doctype:
        raise Failure("DTD in message")
    return root


def reparse(env):
    """A fresh copy of the document (after a C library has added nodes behind lxml's back)."""
    return etree.fromstring(etree.tostring(env), etree.XMLParser(resolve_entities=False,
                                                                 no_network=True))


def write(env, path):
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(etree.tostring(env, xml_declaration=True, encoding="UTF-8"))
    os.replace(tmp, path)


def soap_ns(env):
    ns = etree.QName(env).namespace
    if etree.QName(env).localname != "Envelope" or ns not in (SOAP11, SOAP12):
        raise Failure("not a SOAP envelope")
    return ns


def body(env):
    b = env.find("{%s}Body" % soap_ns(env))
    if b is None:
        raise Failure("no SOAP Body")
    return b


def security_header(env):
    h = env.find("{%s}Header" % soap_ns(env))
    if h is None:
        return None
    return h.find("{%s}Security" % WSSE)


def new_id(prefix):
    return "%s-%s" % (prefix, uuid.uuid4().hex)


def ensure_wsu_id(el, prefix):
    if el.get(WSU_ID) is None:
        el.set(WSU_ID, new_id(prefix))
    return el.get(WSU_ID)


def by_wsu_id(env, ident):
    found = env.xpath("//*[@wsu:Id=$i]", namespaces=NS, i=ident)
    if len(found) != 1:
        raise Failure("%d elements with wsu:Id %s" % (len(found), ident))
    return found[0]


def timestamp_element(created, expires):
    ts = etree.Element("{%s}Timestamp" % WSU, nsmap={"wsu": WSU})
    etree.SubElement(ts, "{%s}Created" % WSU).text = created
    if expires:
        etree.SubElement(ts, "{%s}Expires" % WSU).text = expires
    return ts


def utc_now():
    return datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)


# ---------------------------------------------------------------- certificates

_cert_cache = {}


def _openssl(*args, data=None):
    r = subprocess.run(("openssl",) + args, input=data, capture_output=True)
    if r.returncode != 0:
        raise Failure("openssl %s: %s" % (" ".join(args), one_line(r.stderr.decode())))
    return r.stdout


def cert_info(path):
    """Facts about a PEM certificate that token references need (via the openssl CLI)."""
    if path in _cert_cache:
        return _cert_cache[path]
    der = _openssl("x509", "-in", path, "-outform", "DER")
    txt = _openssl("x509", "-in", path, "-noout", "-issuer", "-serial", "-nameopt", "RFC2253",
                   "-ext", "subjectKeyIdentifier").decode()
    info = {"der": der, "ski": None}
    lines = txt.splitlines()
    for i, line in enumerate(lines):
        if line.startswith("issuer="):
            info["issuer"] = line[len("issuer="):].strip()
        elif line.startswith("serial="):
            info["serial"] = int(line[len("serial="):].strip(), 16)
        elif "Subject Key Identifier" in line and i + 1 < len(lines):
            info["ski"] = bytes.fromhex(lines[i + 1].strip().replace(":", ""))
    info["thumbprint"] = hashlib.sha1(der).digest()
    _cert_cache[path] = info
    return info


def split_rdns(dn, joined=True):
    """The RDNs of an RFC 2253 string (commas escaped with a backslash stay inside)."""
    parts, cur, i = [], "", 0
    while i < len(dn):
        if dn[i] == "\\" and i + 1 < len(dn):
            cur += dn[i:i + 2]
            i += 2
            continue
        if dn[i] == ",":
            parts.append(cur)
            cur = ""
        else:
            cur += dn[i]
        i += 1
    parts.append(cur)
    return ",".join(parts) if joined else parts


def b64(data):
    return base64.b64encode(data).decode("ascii")


def token_reference(kind, cert_path, dn_separator=","):
    """A wsse:SecurityTokenReference for the certificate, and the BinarySecurityToken it
    points to (kind "bst") or None. Kinds: bst, issuer-serial, ski, thumbprint, x509.
    The X509IssuerName is RFC 2253 text; dn_separator ", " writes it the way .NET and
    some Java stacks do ("CN=x, O=y, C=z"), the same name to a careful reader."""
    info = cert_info(cert_path)
    st = etree.Element("{%s}SecurityTokenReference" % WSSE, nsmap={"wsse": WSSE})
    bst = None
    if kind == "bst":
        bst = etree.Element("{%s}BinarySecurityToken" % WSSE, nsmap={"wsse": WSSE, "wsu": WSU},
                            EncodingType=BASE64BIN, ValueType=X509V3)
        bst.set(WSU_ID, new_id("X509"))
        bst.text = b64(info["der"])
        etree.SubElement(st, "{%s}Reference" % WSSE, URI="#" + bst.get(WSU_ID), ValueType=X509V3)
    elif kind == "issuer-serial":
        xd = etree.SubElement(st, "{%s}X509Data" % DS, nsmap={"ds": DS})
        xis = etree.SubElement(xd, "{%s}X509IssuerSerial" % DS)
        etree.SubElement(xis, "{%s}X509IssuerName" % DS).text = \
            split_rdns(info["issuer"]) if dn_separator == "," else \
            dn_separator.join(split_rdns(info["issuer"], joined=False))
        etree.SubElement(xis, "{%s}X509SerialNumber" % DS).text = str(info["serial"])
    elif kind in ("ski", "thumbprint", "x509"):
        if kind == "ski" and info["ski"] is None:
            raise Failure("%s has no subjectKeyIdentifier" % cert_path)
        value, vtype = {"ski": (info["ski"], X509SKI),
                        "thumbprint": (info["thumbprint"], THUMBPRINT),
                        "x509": (info["der"], X509V3)}[kind]
        ki = etree.SubElement(st, "{%s}KeyIdentifier" % WSSE, EncodingType=BASE64BIN,
                              ValueType=vtype)
        ki.text = b64(value)
    else:
        raise Usage("unknown key identifier %s" % kind)
    return st, bst


def move_encrypted_key_to_header(env, enc_data, key_id, rcpt_cert, dn_separator=","):
    """Turns what an XML Encryption library writes (an EncryptedData whose ds:KeyInfo holds
    the xenc:EncryptedKey) into the WS-Security layout: the EncryptedKey first in the
    Security header, with a KeyInfo/SecurityTokenReference naming the recipient certificate
    and a ReferenceList pointing at the EncryptedData; the EncryptedData's KeyInfo then
    refers to the EncryptedKey. Moving these elements changes no ciphertext."""
    security = security_header(env)
    ki = enc_data.find("{%s}KeyInfo" % DS)
    ek = ki.find("{%s}EncryptedKey" % XENC)
    if ek is None:
        raise Failure("no EncryptedKey in the EncryptedData's KeyInfo")
    if enc_data.get("Id") is None:
        enc_data.set("Id", new_id("ED"))
    ek_id = new_id("EK")
    ek.set("Id", ek_id)
    for old in ek.findall("{%s}KeyInfo" % DS):
        ek.remove(old)
    ek_ki = etree.Element("{%s}KeyInfo" % DS, nsmap={"ds": DS})
    st, bst = token_reference(key_id, rcpt_cert, dn_separator)
    ek_ki.append(st)
    ek.insert(1, ek_ki)  # after EncryptionMethod, before CipherData
    rl = etree.SubElement(ek, "{%s}ReferenceList" % XENC)
    etree.SubElement(rl, "{%s}DataReference" % XENC, URI="#" + enc_data.get("Id"))
    ki.remove(ek)
    for child in list(ki):
        ki.remove(child)
    ref_st = etree.SubElement(ki, "{%s}SecurityTokenReference" % WSSE,
                              nsmap={"wsse": WSSE, "wsse11": WSSE11})
    ref_st.set("{%s}TokenType" % WSSE11, EK_TOKEN_TYPE)
    etree.SubElement(ref_st, "{%s}Reference" % WSSE, URI="#" + ek_id)
    ek.tail = None
    security.insert(0, ek)
    if bst is not None:
        security.insert(0, bst)
    return ek


def encrypted_data_for(env, ek):
    """The EncryptedData elements an EncryptedKey's ReferenceList names."""
    out = []
    for dr in ek.findall("{%s}ReferenceList/{%s}DataReference" % (XENC, XENC)):
        uri = dr.get("URI", "")
        if not uri.startswith("#"):
            raise Failure("DataReference URI %r is not a same-document reference" % uri)
        found = env.xpath("//xenc:EncryptedData[@Id=$i]", namespaces=NS, i=uri[1:])
        if len(found) != 1:
            raise Failure("DataReference %s resolves to %d EncryptedData" % (uri, len(found)))
        out.append(found[0])
    if not out:
        raise Failure("EncryptedKey without a ReferenceList")
    return out


def signed_elements(env, signature):
    """The elements a ds:Signature's References point to (same-document #id only)."""
    out = []
    for ref in signature.findall("{%s}SignedInfo/{%s}Reference" % (DS, DS)):
        uri = ref.get("URI", "")
        if not uri.startswith("#"):
            raise Failure("Reference URI %r is not a same-document #id" % uri)
        ident = uri[1:]
        found = env.xpath("//*[@wsu:Id=$i or @Id=$i]", namespaces=NS, i=ident)
        if len(found) != 1:
            raise Failure("Reference %s resolves to %d elements" % (uri, len(found)))
        out.append(found[0])
    return out


def check_coverage(env, signature):
    """Application policy the Python peers add on top of their library: the signature's
    references must cover the SOAP Body and, if there is one, the Timestamp (by element
    identity after ID resolution)."""
    signed = signed_elements(env, signature)
    b = body(env)
    if not any(e is b for e in signed):
        raise Failure("signature does not cover the SOAP Body")
    sec = security_header(env)
    ts = sec.find("{%s}Timestamp" % WSU) if sec is not None else None
    if ts is not None and not any(e is ts for e in signed):
        raise Failure("signature does not cover the Timestamp")


def check_body_contains(env, text):
    if text is not None and text not in "".join(body(env).itertext()):
        raise Failure("Body does not contain %r after processing" % text)


# ---------------------------------------------------------------- runner helpers

def tamper(src, dst):
    """Changes one character of the Body's text: the first letter or digit of the first
    non-blank text node under the Body (for encrypted bodies that is inside a CipherValue,
    and the replacement keeps it valid base64). Works on the bytes, so nothing else in the
    message moves."""
    data = open(src, "rb").read()
    env = etree.fromstring(data, etree.XMLParser(resolve_entities=False, no_network=True))
    target = None
    for el in body(env).iter():
        if el.text and el.text.strip():
            target = el
            break
    if target is None:
        raise Failure("no Body text to tamper with")
    raw = target.text.strip().encode("utf-8")
    line_start = 0
    for _ in range(target.sourceline - 1):
        line_start = data.index(b"\n", line_start) + 1
    pos = data.find(raw, line_start)
    if pos < 0:
        raise Failure("Body text not found verbatim")
    i = pos
    while not chr(data[i]).isalnum():
        i += 1
    c = chr(data[i])
    repl = {"Z": "Y", "z": "y", "9": "8"}.get(c, chr(ord(c) + 1))
    with open(dst, "wb") as f:
        f.write(data[:i] + repl.encode() + data[i + 1:])


def timestamp_times(path):
    env = parse(path)
    sec = security_header(env)
    ts = sec.find("{%s}Timestamp" % WSU) if sec is not None else None
    if ts is None:
        return None, None
    c = ts.find("{%s}Created" % WSU)
    e = ts.find("{%s}Expires" % WSU)
    return (c.text if c is not None else None), (e.text if e is not None else None)


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "tamper":
        tamper(sys.argv[2], sys.argv[3])
    elif len(sys.argv) == 3 and sys.argv[1] == "created":
        print("\t".join(str(x) for x in timestamp_times(sys.argv[2])))
    else:
        print("usage: peerlib.py tamper IN OUT | created FILE", file=sys.stderr)
        sys.exit(2)
