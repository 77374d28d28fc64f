/*
 * WssPeer — an Apache WSS4J 1.6 interoperability peer for the wssec test suite.
 *
 * Compiled with javac against Debian's jars (libwss4j-java 1.6.19, libxml-security-java,
 * commons-logging, slf4j); tests/interop/run-matrix.sh builds it into tests/interop/out/java/
 * and runs it. Only the WSS4J 1.6 "message" and engine APIs are used (WSSecHeader,
 * WSSecTimestamp, WSSecUsernameToken, WSSecSignature, WSSecEncrypt, WSSecurityEngine, WSSConfig)
 * with a Merlin crypto built in memory from the PEM and PKCS#12 files of samples/pki.
 *
 * Usage
 *
 *   java WssPeer produce OPTIONS      secure one message      (exit 0 ok, 1 error)
 *   java WssPeer consume OPTIONS      verify one message      (exit 0 accept, 1 reject, 2 usage)
 *   java WssPeer batch                read jobs from standard input, one per line:
 *                                       ID <TAB> produce|consume <TAB> OPTION <TAB> VALUE ...
 *                                     and answer one line per job on standard output:
 *                                       ID <TAB> ok|fail|error <TAB> reason
 *                                     (one JVM for many messages: the JVM start costs ~1 s)
 *
 * produce options
 *   --in FILE --out FILE            input SOAP 1.1 or 1.2 envelope (version detected), output
 *   --actions LIST                  comma-separated, applied in this order:
 *                                     timestamp, ut, sign, encrypt, endorse
 *                                   (endorse: after "sign" with --symmetric, an X.509 signature
 *                                   by --sign-p12 (--key-id) over the HMAC signature, as an
 *                                   EndorsingSupportingToken)
 *                                   (WSS4J prepends each new token, so the last action's token
 *                                   comes first in the header: timestamp,sign,encrypt is
 *                                   sign-then-encrypt; timestamp,encrypt,sign encrypt-then-sign)
 *   --ttl SECONDS                   Timestamp lifetime (default 300)
 *   --created TIME                  the clock for Created (e.g. 2025-06-01T11:59:30Z; default now)
 *   --millis true|false             times with milliseconds (default true)
 *   --user NAME --password-file F   UsernameToken user and password (first line of F)
 *   --pw-type text|digest           UsernameToken password type (default digest)
 *   --sign-p12 F --sign-p12-pw F    signing key and certificate (PKCS#12 and its password file)
 *   --key-id bst|pkipath|issuer-serial|ski|thumbprint|x509
 *                                   signature key reference (default bst; pkipath: a BST
 *                                   holding the chain as X509PKIPathv1)
 *   --sign-alg rsa-sha1|rsa-sha256|rsa-sha384|rsa-sha512   (default rsa-sha256)
 *   --digest-alg sha1|sha256|sha384|sha512                 (default sha256)
 *   --enc-cert F                    recipient certificate (PEM) for encryption
 *   --enc-alg aes128-cbc|aes256-cbc|aes128-gcm|aes256-gcm  (default aes256-gcm)
 *   --enc-key-id issuer-serial|ski|thumbprint|bst|x509     (default issuer-serial)
 *   --key-transport rsa-oaep        the only one offered (rsa-oaep-mgf1p, SHA-1, as WSS4J 1.6)
 *   --symmetric true                the symmetric binding: one session key in an EncryptedKey
 *                                   for --enc-cert (WSSecEncryptedKey, first in the header),
 *                                   "sign" an HMAC-SHA256 signature keyed by it (WSSecSignature
 *                                   with setSecretKey and a Reference to the EncryptedKey),
 *                                   "encrypt" the Body with it, in a standalone ReferenceList
 *   --derived-keys true             with --symmetric: sign and encrypt with keys derived from
 *                                   it (WSSecDKSign, WSSecDKEncrypt; 2005/02 namespace)
 *   --session-key-out F             with --symmetric: write the session key made to F, as
 *                                   wssec's --session-key-out does (EncryptedKeySHA1, key)
 *   --session-key F                 with --symmetric: answer with that request's key (no
 *                                   EncryptedKey; KeyIdentifier EncryptedKeySHA1 references)
 *   --sign-envelope true            "sign" covers the whole Envelope (given a wsu:Id) with one
 *                                   Reference whose transforms are enveloped-signature then
 *                                   exclusive C14N (EnvelopeSignature: WSS4J's own signature
 *                                   parts get no enveloped-signature transform)
 *   --sign-str true                 "sign" also covers the signing token by the STR-Transform
 *                                   (WSS 1.1 section 8.3): the part "STRTransform"
 *   --confirm-values F              the "confirm" action (WSS 1.1): one SignatureConfirmation
 *                                   (WSSecSignatureConfirmation) per base64 SignatureValue line
 *                                   of F (a file consume --sig-values-out wrote), or one without
 *                                   Value when F is empty; "sign" then covers them too
 *
 * consume options
 *   --in FILE [--out FILE]          message; the processed (decrypted) message is written to --out
 *   --trust PEM                     trust anchors (the truststore of the Merlin crypto) ...
 *   --truststore P12 --truststore-pw F   ... or from a PKCS#12 truststore made with keytool
 *   --certs PEM ...                 known certificates (keystore entries: the intermediate, and
 *                                   the signer's for IssuerSerial/SKI/Thumbprint references);
 *                                   may be given several times, each file may hold several
 *   --key-p12 F --key-p12-pw F      private key for decryption
 *   --users FILE                    "user:password" lines for UsernameToken checks
 *   --require LIST                  what must be there (default timestamp,signature):
 *                                     timestamp, ut, ut-text, ut-digest, signature,
 *                                     hmac-signature, envelope-signature, str-signature,
 *                                     endorsing-signature,
 *                                     encrypted
 *                                   "signature" means a trusted X.509 signature whose references
 *                                   cover the very Body element (and the Timestamp element, if
 *                                   there is one); "encrypted" means the Body content was
 *                                   decrypted; "hmac-signature" means a signature by a secret
 *                                   key (the symmetric binding: no certificate) whose references
 *                                   cover the Body and the Timestamp; "envelope-signature" a
 *                                   trusted X.509 signature whose references cover the very
 *                                   Envelope (an enveloped signature); "str-signature" a
 *                                   trusted X.509 signature with a reference whose transform is
 *                                   the STR-Transform and whose protected element is the
 *                                   signer's wsse:BinarySecurityToken; "endorsing-signature" a
 *                                   trusted X.509 signature that covers another ds:Signature
 *   --body-contains TEXT            after processing, the Body text must contain TEXT
 *   --session-key F                 a response keyed by our request's session key (a file
 *                                   --session-key-out wrote): the password callback gives it
 *                                   for its EncryptedKeySHA1
 *   --session-key-out F             the session key of the request's EncryptedKey, to answer
 *   --sig-values-out F              write the SignatureValue of every signature verified (the
 *                                   engine results' TAG_SIGNATURE_VALUE), base64, one a line:
 *                                   what a responder confirms
 *   --sent-request F                a WSS 1.1 response to the request F that we sent: the
 *                                   SignatureConfirmation results (TAG_SIGNATURE_CONFIRMATION)
 *                                   must carry every SignatureValue of F's Security header
 *                                   exactly once and no other value (one without Value if F was
 *                                   not signed), each covered by the response's signature
 *                                   (WSHandler.checkSignatureConfirmation's rule, by hand)
 *   --ts-ttl SECONDS                oldest Timestamp (and UsernameToken) Created accepted
 *                                   (default 300; the fixed vectors need a long one)
 *
 * Written for wssec's interop suite; uses only the documented WSS4J 1.6 API.
 */

import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.File;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import javax.security.auth.callback.Callback;
import javax.security.auth.callback.CallbackHandler;
import javax.security.auth.callback.UnsupportedCallbackException;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.transform.OutputKeys;
import javax.xml.transform.Transformer;
import javax.xml.transform.TransformerFactory;
import javax.xml.transform.dom.DOMSource;
import javax.xml.transform.stream.StreamResult;

import org.apache.ws.security.WSConstants;
import org.apache.ws.security.WSDataRef;
import org.apache.ws.security.WSEncryptionPart;
import org.apache.ws.security.WSPasswordCallback;
import org.apache.ws.security.WSSConfig;
import org.apache.ws.security.WSSecurityEngine;
import org.apache.ws.security.WSSecurityEngineResult;
import org.apache.ws.security.components.crypto.Merlin;
import org.apache.ws.security.message.WSSecDKEncrypt;
import org.apache.ws.security.message.WSSecDKSign;
import org.apache.ws.security.message.WSSecEncrypt;
import org.apache.ws.security.message.WSSecEncryptedKey;
import org.apache.ws.security.message.WSSecHeader;
import org.apache.ws.security.message.WSSecSignature;
import org.apache.ws.security.message.WSSecSignatureConfirmation;
import org.apache.ws.security.message.WSSecTimestamp;
import org.apache.ws.security.message.WSSecUsernameToken;
import org.apache.ws.security.message.token.SignatureConfirmation;
import org.apache.ws.security.message.token.UsernameToken;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;

public final class WssPeer {

    /** A rejection or error with a one-line reason. */
    static final class Failure extends Exception {
        private static final long serialVersionUID = 1L;
        final boolean usage;
        Failure(String msg) { this(msg, false); }
        Failure(String msg, boolean usage) { super(msg); this.usage = usage; }
    }

    private static final String SOAP11 = WSConstants.URI_SOAP11_ENV;
    private static final String SOAP12 = WSConstants.URI_SOAP12_ENV;

    /* ------------------------------------------------------------------ options */

    /** Parses "--name value" pairs; a name may repeat (values accumulate). */
    static Map<String, List<String>> parseOptions(List<String> args) throws Failure {
        Map<String, List<String>> m = new LinkedHashMap<>();
        for (int i = 0; i < args.size(); i++) {
            String k = args.get(i);
            if (!k.startsWith("--")) throw new Failure("unexpected argument '" + k + "'", true);
            if (i + 1 >= args.size()) throw new Failure("option " + k + " needs a value", true);
            m.computeIfAbsent(k.substring(2), x -> new ArrayList<>()).add(args.get(++i));
        }
        return m;
    }

    static String opt(Map<String, List<String>> o, String name, String dflt) {
        List<String> v = o.get(name);
        return v == null ? dflt : v.get(v.size() - 1);
    }

    static String need(Map<String, List<String>> o, String name) throws Failure {
        String v = opt(o, name, null);
        if (v == null) throw new Failure("missing --" + name, true);
        return v;
    }

    static void allow(Map<String, List<String>> o, String... names) throws Failure {
        Set<String> ok = new HashSet<>(Arrays.asList(names));
        for (String k : o.keySet())
            if (!ok.contains(k)) throw new Failure("unknown option --" + k, true);
    }

    static String firstLine(String file) throws Exception {
        String s = new String(Files.readAllBytes(new File(file).toPath()), StandardCharsets.UTF_8);
        int nl = s.indexOf('\n');
        if (nl >= 0) s = s.substring(0, nl);
        if (s.endsWith("\r")) s = s.substring(0, s.length() - 1);
        return s;
    }

    /* ------------------------------------------------------------------ XML */

    static Document parse(String file) throws Exception {
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        f.setNamespaceAware(true);
        f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
        f.setExpandEntityReferences(false);
        DocumentBuilder b = f.newDocumentBuilder();
        try (InputStream in = new FileInputStream(file)) {
            return b.parse(in);
        }
    }

    static void write(Document doc, String file) throws Exception {
        Transformer t = TransformerFactory.newInstance().newTransformer();
        t.setOutputProperty(OutputKeys.ENCODING, "UTF-8");
        t.setOutputProperty(OutputKeys.OMIT_XML_DECLARATION, "no");
        File out = new File(file);
        File tmp = new File(out.getPath() + ".tmp");
        try (OutputStream os = new FileOutputStream(tmp)) {
            t.transform(new DOMSource(doc), new StreamResult(os));
        }
        if (!tmp.renameTo(out)) throw new Failure("cannot rename " + tmp + " to " + out);
    }

    static Element soapBody(Document doc) throws Failure {
        Element env = doc.getDocumentElement();
        String ns = env.getNamespaceURI();
        if (!"Envelope".equals(env.getLocalName()) || !(SOAP11.equals(ns) || SOAP12.equals(ns)))
            throw new Failure("not a SOAP envelope");
        for (Node n = env.getFirstChild(); n != null; n = n.getNextSibling())
            if (n instanceof Element && "Body".equals(n.getLocalName()) && ns.equals(n.getNamespaceURI()))
                return (Element) n;
        throw new Failure("no SOAP Body");
    }

    /* ------------------------------------------------------------------ keys */

    static List<X509Certificate> readCerts(String file) throws Exception {
        CertificateFactory cf = CertificateFactory.getInstance("X.509");
        List<X509Certificate> out = new ArrayList<>();
        try (InputStream in = new FileInputStream(file)) {
            Collection<? extends Certificate> cs = cf.generateCertificates(in);
            for (Certificate c : cs) out.add((X509Certificate) c);
        }
        if (out.isEmpty()) throw new Failure("no certificate in " + file, true);
        return out;
    }

    static KeyStore loadP12(String file, char[] pw) throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = new FileInputStream(file)) {
            ks.load(in, pw);
        }
        return ks;
    }

    static String keyAlias(KeyStore ks) throws Exception {
        for (Enumeration<String> e = ks.aliases(); e.hasMoreElements();) {
            String a = e.nextElement();
            if (ks.isKeyEntry(a)) return a;
        }
        throw new Failure("no private key in the PKCS#12 file", true);
    }

    /* ------------------------------------------------------------------ algorithms */

    static String sigAlg(String s) throws Failure {
        switch (s) {
            case "rsa-sha1": return "http://www.w3.org/2000/09/xmldsig#rsa-sha1";
            case "rsa-sha256": return "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256";
            case "rsa-sha384": return "http://www.w3.org/2001/04/xmldsig-more#rsa-sha384";
            case "rsa-sha512": return "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512";
            default: throw new Failure("unknown --sign-alg " + s, true);
        }
    }

    static String digestAlg(String s) throws Failure {
        switch (s) {
            case "sha1": return "http://www.w3.org/2000/09/xmldsig#sha1";
            case "sha256": return "http://www.w3.org/2001/04/xmlenc#sha256";
            case "sha384": return "http://www.w3.org/2001/04/xmldsig-more#sha384";
            case "sha512": return "http://www.w3.org/2001/04/xmlenc#sha512";
            default: throw new Failure("unknown --digest-alg " + s, true);
        }
    }

    static String encAlg(String s) throws Failure {
        switch (s) {
            case "aes128-cbc": return WSConstants.AES_128;
            case "aes256-cbc": return WSConstants.AES_256;
            case "aes128-gcm": return WSConstants.AES_128_GCM;
            case "aes256-gcm": return WSConstants.AES_256_GCM;
            default: throw new Failure("unknown --enc-alg " + s, true);
        }
    }

    static int keyId(String s) throws Failure {
        switch (s) {
            case "bst": return WSConstants.BST_DIRECT_REFERENCE;
            case "pkipath": return WSConstants.BST_DIRECT_REFERENCE;
            case "issuer-serial": return WSConstants.ISSUER_SERIAL;
            case "ski": return WSConstants.SKI_KEY_IDENTIFIER;
            case "thumbprint": return WSConstants.THUMBPRINT_IDENTIFIER;
            case "x509": return WSConstants.X509_KEY_IDENTIFIER;
            default: throw new Failure("unknown key identifier " + s, true);
        }
    }

    static final String STR_TRANSFORM =
        "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-soap-message-security-1.0#STR-Transform";

    /** The certificate of a wsse:BinarySecurityToken (X509v3), or null. */
    static X509Certificate bstCert(Element bst) {
        try {
            byte[] der = java.util.Base64.getMimeDecoder().decode(bst.getTextContent());
            return (X509Certificate) java.security.cert.CertificateFactory.getInstance("X.509")
                .generateCertificate(new java.io.ByteArrayInputStream(der));
        } catch (Exception e) {
            return null;
        }
    }

    /* ------------------------------------------------------------------ produce */

    static void produce(Map<String, List<String>> o) throws Exception {
        allow(o, "in", "out", "actions", "ttl", "created", "millis", "user", "password-file", "pw-type",
              "sign-p12", "sign-p12-pw", "key-id", "sign-alg", "digest-alg", "enc-cert",
              "enc-alg", "enc-key-id", "key-transport", "symmetric", "derived-keys",
              "session-key", "session-key-out", "assert-user", "confirm-values",
              "sign-envelope", "sign-str");
        Document doc = parse(need(o, "in"));
        String soapNs = doc.getDocumentElement().getNamespaceURI();
        soapBody(doc);

        WSSConfig cfg = WSSConfig.getNewInstance();
        cfg.setPrecisionInMilliSeconds(Boolean.parseBoolean(opt(o, "millis", "true")));
        if (o.containsKey("created")) {
            /* WSSecTimestamp and WSSecUsernameToken take "now" from the WSSConfig's time source */
            final java.util.Date fixed = java.util.Date.from(java.time.Instant.parse(need(o, "created")));
            cfg.setCurrentTime(() -> new java.util.Date(fixed.getTime()));
        }

        WSSecHeader header = new WSSecHeader();
        header.setMustUnderstand(true);
        header.insertSecurityHeader(doc);

        String timestampId = null, assertionId = null, hmacId = null;
        List<String> confirmIds = new ArrayList<>();
        boolean dk = Boolean.parseBoolean(opt(o, "derived-keys", "false"));
        String[] answer = o.containsKey("session-key") ? readSessionKey(need(o, "session-key")) : null;
        WSSecEncryptedKey ek = Boolean.parseBoolean(opt(o, "symmetric", "false")) && answer == null
            ? sessionKey(o, doc, cfg) : null;
        if (ek != null && o.containsKey("session-key-out"))
            writeSessionKey(need(o, "session-key-out"), ek.getEncryptedEphemeralKey(), ek.getEphemeralKey());
        for (String action : need(o, "actions").split(",")) {
            if (answer != null && action.trim().equals("sign")) {
                hmacId = answerSign(o, doc, cfg, header, answer, timestampId, soapNs);
                continue;
            }
            if (answer != null && action.trim().equals("encrypt")) {
                answerEncrypt(o, doc, cfg, header, answer, soapNs);
                continue;
            }
            if (ek != null && action.trim().equals("sign")) {
                hmacId = symSign(o, doc, cfg, header, ek, dk, timestampId, soapNs);
                continue;
            }
            if (ek != null && action.trim().equals("encrypt")) {
                symEncrypt(o, doc, cfg, header, ek, dk, soapNs);
                continue;
            }
            switch (action.trim()) {
                case "timestamp": {
                    WSSecTimestamp ts = new WSSecTimestamp(cfg);
                    ts.setTimeToLive(Integer.parseInt(opt(o, "ttl", "300")));
                    ts.build(doc, header);
                    timestampId = ts.getId();
                    break;
                }
                case "ut": {
                    WSSecUsernameToken ut = new WSSecUsernameToken(cfg);
                    String type = opt(o, "pw-type", "digest");
                    if (type.equals("text")) ut.setPasswordType(WSConstants.PASSWORD_TEXT);
                    else if (type.equals("digest")) ut.setPasswordType(WSConstants.PASSWORD_DIGEST);
                    else throw new Failure("unknown --pw-type " + type, true);
                    ut.setUserInfo(need(o, "user"), firstLine(need(o, "password-file")));
                    if (type.equals("text")) { ut.addNonce(); ut.addCreated(); }
                    ut.build(doc, header);
                    break;
                }
                case "confirm": {
                    /* WSS 1.1: confirm each SignatureValue of the request (added before the
                     * signature, which covers them) */
                    List<String> values = new ArrayList<>();
                    for (String l : Files.readAllLines(new File(need(o, "confirm-values")).toPath(),
                                                       StandardCharsets.UTF_8))
                        if (!l.trim().isEmpty()) values.add(l.trim());
                    if (values.isEmpty()) values.add(null);   /* the request was not signed */
                    for (String v : values) {
                        WSSecSignatureConfirmation sc = new WSSecSignatureConfirmation(cfg);
                        if (v != null) sc.setSignatureValue(java.util.Base64.getDecoder().decode(v));
                        sc.prepare(doc);
                        sc.prependToHeader(header);
                        confirmIds.add(sc.getId());
                    }
                    break;
                }
                case "assert": {
                    /* identity assertion: a UsernameToken without password (no Nonce,
                     * no Created), which the upstream's signature covers */
                    WSSecUsernameToken ut = new WSSecUsernameToken(cfg);
                    ut.setPasswordType(null);
                    ut.setUserInfo(need(o, "assert-user"), null);
                    ut.build(doc, header);
                    assertionId = ut.getId();
                    break;
                }
                case "sign": {
                    char[] pw = firstLine(need(o, "sign-p12-pw")).toCharArray();
                    KeyStore ks = loadP12(need(o, "sign-p12"), pw);
                    Merlin crypto = new Merlin();
                    crypto.setKeyStore(ks);
                    boolean envelope = Boolean.parseBoolean(opt(o, "sign-envelope", "false"));
                    WSSecSignature sig = envelope ? new EnvelopeSignature(cfg) : new WSSecSignature(cfg);
                    sig.setUserInfo(keyAlias(ks), new String(pw));
                    String kid = opt(o, "key-id", "bst");
                    sig.setKeyIdentifierType(keyId(kid));
                    if (kid.equals("pkipath")) sig.setUseSingleCertificate(false); // X509PKIPathv1
                    sig.setSignatureAlgorithm(sigAlg(opt(o, "sign-alg", "rsa-sha256")));
                    sig.setDigestAlgo(digestAlg(opt(o, "digest-alg", "sha256")));
                    sig.setSigCanonicalization(WSConstants.C14N_EXCL_OMIT_COMMENTS);
                    List<WSEncryptionPart> parts = new ArrayList<>();
                    parts.add(new WSEncryptionPart("Body", soapNs, ""));
                    if (timestampId != null) parts.add(new WSEncryptionPart(timestampId));
                    if (assertionId != null) parts.add(new WSEncryptionPart(assertionId));
                    for (String id : confirmIds) parts.add(new WSEncryptionPart(id));
                    if (Boolean.parseBoolean(opt(o, "sign-str", "false")))
                        parts.add(new WSEncryptionPart("STRTransform", "", "Element"));
                    if (envelope) {
                        ((EnvelopeSignature) sig).signEnvelope(doc, crypto, header);
                        break;
                    }
                    sig.setParts(parts);
                    sig.build(doc, crypto, header);
                    break;
                }
                case "endorse": {
                    /* the symmetric binding's endorsing supporting token: an X.509 signature
                     * (--sign-p12, --key-id) over the HMAC signature "sign" made */
                    if (hmacId == null) throw new Failure("endorse: no HMAC signature before it", true);
                    char[] pw = firstLine(need(o, "sign-p12-pw")).toCharArray();
                    KeyStore ks = loadP12(need(o, "sign-p12"), pw);
                    Merlin crypto = new Merlin();
                    crypto.setKeyStore(ks);
                    WSSecSignature sig = new WSSecSignature(cfg);
                    sig.setUserInfo(keyAlias(ks), new String(pw));
                    sig.setKeyIdentifierType(keyId(opt(o, "key-id", "bst")));
                    sig.setSignatureAlgorithm(sigAlg(opt(o, "sign-alg", "rsa-sha256")));
                    sig.setDigestAlgo(digestAlg(opt(o, "digest-alg", "sha256")));
                    sig.setSigCanonicalization(WSConstants.C14N_EXCL_OMIT_COMMENTS);
                    List<WSEncryptionPart> parts = new ArrayList<>();
                    parts.add(new WSEncryptionPart(hmacId));
                    sig.setParts(parts);
                    sig.build(doc, crypto, header);
                    break;
                }
                case "encrypt": {
                    X509Certificate rcpt = readCerts(need(o, "enc-cert")).get(0);
                    String kt = opt(o, "key-transport", "rsa-oaep");
                    if (!kt.equals("rsa-oaep")) throw new Failure("unknown --key-transport " + kt, true);
                    WSSecEncrypt enc = new WSSecEncrypt(cfg);
                    enc.setUseThisCert(rcpt);
                    enc.setKeyIdentifierType(keyId(opt(o, "enc-key-id", "issuer-serial")));
                    enc.setSymmetricEncAlgorithm(encAlg(opt(o, "enc-alg", "aes256-gcm")));
                    enc.setKeyEncAlgo(WSConstants.KEYTRANSPORT_RSAOEP);
                    List<WSEncryptionPart> parts = new ArrayList<>();
                    parts.add(new WSEncryptionPart("Body", soapNs, "Content"));
                    enc.setParts(parts);
                    enc.build(doc, new Merlin(), header);
                    break;
                }
                default:
                    throw new Failure("unknown action " + action, true);
            }
        }
        if (ek != null) ek.prependToHeader(header); /* first: before everything that uses it */
        write(doc, need(o, "out"));
    }

    /* ------------------------------------------------------------------ enveloped signature */

    /** The whole Envelope signed (WebSphere's enveloped signature): one Reference to the
     *  Envelope's wsu:Id with the enveloped-signature transform then exclusive C14N, built with
     *  WSSecSignature's own JSR-105 factory; KeyInfo as prepare() made it (a BST reference). */
    static final class EnvelopeSignature extends WSSecSignature {
        EnvelopeSignature(WSSConfig cfg) { super(cfg); }

        void signEnvelope(Document doc, Merlin crypto, WSSecHeader header) throws Exception {
            prepare(doc, crypto, header);
            Element env = doc.getDocumentElement();
            String id = "Envelope-" + java.util.UUID.randomUUID();
            env.setAttributeNS("http://www.w3.org/2000/xmlns/", "xmlns:" + WSConstants.WSU_PREFIX, WSConstants.WSU_NS);
            env.setAttributeNS(WSConstants.WSU_NS, WSConstants.WSU_PREFIX + ":Id", id);
            wsDocInfo.addTokenElement(env, false);   /* so that "#id" resolves when signing */
            List<javax.xml.crypto.dsig.Transform> transforms = new ArrayList<>();
            transforms.add(signatureFactory.newTransform(javax.xml.crypto.dsig.Transform.ENVELOPED,
                (javax.xml.crypto.dsig.spec.TransformParameterSpec) null));
            transforms.add(signatureFactory.newTransform(javax.xml.crypto.dsig.CanonicalizationMethod.EXCLUSIVE,
                (javax.xml.crypto.dsig.spec.TransformParameterSpec) null));
            javax.xml.crypto.dsig.DigestMethod dm = signatureFactory.newDigestMethod(getDigestAlgo(), null);
            List<javax.xml.crypto.dsig.Reference> refs = new ArrayList<>();
            refs.add(signatureFactory.newReference("#" + id, dm, transforms, null, null));
            /* the BST is inside the signed Envelope: in place before the digests are taken,
             * and before the Signature (WSS4J 1.6 resolves no forward BST reference), so the
             * Signature is appended to the header rather than prepended */
            if (bstToken != null) prependBSTElementToHeader(header);
            computeSignature(refs, false, null);
        }
    }

    /* ------------------------------------------------------------------ symmetric binding */

    /** The session key: an EncryptedKey for --enc-cert (RSA-OAEP), as CXF's symmetric binding. */
    static WSSecEncryptedKey sessionKey(Map<String, List<String>> o, Document doc, WSSConfig cfg)
        throws Exception {
        WSSecEncryptedKey ek = new WSSecEncryptedKey(cfg);
        ek.setUseThisCert(readCerts(need(o, "enc-cert")).get(0));
        ek.setKeyIdentifierType(keyId(opt(o, "enc-key-id", "issuer-serial")));
        ek.setKeyEncAlgo(WSConstants.KEYTRANSPORT_RSAOEP);
        ek.setSymmetricEncAlgorithm(encAlg(opt(o, "enc-alg", "aes256-gcm")));
        ek.prepare(doc, new Merlin());
        return ek;
    }

    /* ------------------------------------------------------------------ session keys */

    /** wssec's session key file: "wssec-session-key 1", the EncryptedKeySHA1, the key (base64). */
    static String[] readSessionKey(String file) throws Exception {
        List<String> l = Files.readAllLines(new File(file).toPath(), StandardCharsets.UTF_8);
        if (l.size() < 3 || !l.get(0).equals("wssec-session-key 1"))
            throw new Failure("not a session key file: " + file, true);
        return new String[] { l.get(1), l.get(2) };
    }

    static void writeSessionKey(String file, byte[] encrypted, byte[] key) throws Exception {
        java.util.Base64.Encoder b = java.util.Base64.getEncoder();
        byte[] sha1 = java.security.MessageDigest.getInstance("SHA-1").digest(encrypted);
        String text = "wssec-session-key 1\n" + b.encodeToString(sha1) + "\n" + b.encodeToString(key) + "\n";
        java.nio.file.Path p = new File(file).toPath();
        Files.write(p, text.getBytes(StandardCharsets.UTF_8));
        Files.setPosixFilePermissions(p, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
    }

    /** A response's HMAC-SHA256 keyed by the request's session key, named by EncryptedKeySHA1. */
    static String answerSign(Map<String, List<String>> o, Document doc, WSSConfig cfg, WSSecHeader header,
                           String[] key, String timestampId, String soapNs) throws Exception {
        List<WSEncryptionPart> parts = signedParts(soapNs, timestampId);
        WSSecSignature s = new WSSecSignature(cfg);
        s.setSignatureAlgorithm(WSConstants.HMAC_SHA256);
        s.setKeyIdentifierType(WSConstants.ENCRYPTED_KEY_SHA1_IDENTIFIER);
        s.setSecretKey(java.util.Base64.getDecoder().decode(key[1]));
        s.setEncrKeySha1value(key[0]);
        s.setDigestAlgo(digestAlg(opt(o, "digest-alg", "sha256")));
        s.setSigCanonicalization(WSConstants.C14N_EXCL_OMIT_COMMENTS);
        s.setParts(parts);
        s.prepare(doc, new Merlin(), header);
        s.computeSignature(s.addReferencesToSign(parts, header));
        return s.getId();
    }

    /** A response's Body encrypted with the request's session key, named by EncryptedKeySHA1. */
    static void answerEncrypt(Map<String, List<String>> o, Document doc, WSSConfig cfg, WSSecHeader header,
                              String[] key, String soapNs) throws Exception {
        List<WSEncryptionPart> parts = new ArrayList<>();
        parts.add(new WSEncryptionPart("Body", soapNs, "Content"));
        WSSecEncrypt e = new WSSecEncrypt(cfg);
        e.setKeyIdentifierType(WSConstants.ENCRYPTED_KEY_SHA1_IDENTIFIER);
        e.setEphemeralKey(java.util.Base64.getDecoder().decode(key[1]));
        e.setCustomReferenceValue(key[0]);
        e.setSymmetricEncAlgorithm(encAlg(opt(o, "enc-alg", "aes256-gcm")));
        e.setEncryptSymmKey(false);
        e.setDocument(doc);
        e.setParts(parts);
        e.prepare(doc, new Merlin());
        e.addExternalRefElement(e.encryptForExternalRef(null, parts), header);
    }

    static List<WSEncryptionPart> signedParts(String soapNs, String timestampId) {
        List<WSEncryptionPart> parts = new ArrayList<>();
        parts.add(new WSEncryptionPart("Body", soapNs, ""));
        if (timestampId != null) parts.add(new WSEncryptionPart(timestampId));
        return parts;
    }

    /** HMAC-SHA256 keyed by the session key (or by a key derived from it). */
    static String symSign(Map<String, List<String>> o, Document doc, WSSConfig cfg, WSSecHeader header,
                        WSSecEncryptedKey ek, boolean dk, String timestampId, String soapNs)
        throws Exception {
        List<WSEncryptionPart> parts = signedParts(soapNs, timestampId);
        String digest = digestAlg(opt(o, "digest-alg", "sha256"));
        if (dk) {
            WSSecDKSign s = new WSSecDKSign(cfg);
            s.setExternalKey(ek.getEphemeralKey(), ek.getId());
            s.setCustomValueType(WSConstants.WSS_ENC_KEY_VALUE_TYPE);
            s.setSignatureAlgorithm(WSConstants.HMAC_SHA256);
            s.setDigestAlgorithm(digest);
            s.setSigCanonicalization(WSConstants.C14N_EXCL_OMIT_COMMENTS);
            s.setDerivedKeyLength(32);
            s.setParts(parts);
            s.prepare(doc, header);
            s.computeSignature(s.addReferencesToSign(parts, header));
            s.prependDKElementToHeader(header);
            return s.getSignatureId();
        }
        WSSecSignature s = new WSSecSignature(cfg);
        s.setSignatureAlgorithm(WSConstants.HMAC_SHA256);
        s.setKeyIdentifierType(WSConstants.CUSTOM_SYMM_SIGNING);
        s.setCustomTokenValueType(WSConstants.WSS_ENC_KEY_VALUE_TYPE);
        s.setCustomTokenId(ek.getId());
        s.setSecretKey(ek.getEphemeralKey());
        s.setDigestAlgo(digest);
        s.setSigCanonicalization(WSConstants.C14N_EXCL_OMIT_COMMENTS);
        s.setParts(parts);
        s.prepare(doc, new Merlin(), header);
        s.computeSignature(s.addReferencesToSign(parts, header));
        return s.getId();
    }

    /** The Body's content encrypted with the session key (or a key derived from it), its
     *  EncryptedData naming the key, listed in a ReferenceList of the Security header. */
    static void symEncrypt(Map<String, List<String>> o, Document doc, WSSConfig cfg, WSSecHeader header,
                           WSSecEncryptedKey ek, boolean dk, String soapNs) throws Exception {
        List<WSEncryptionPart> parts = new ArrayList<>();
        parts.add(new WSEncryptionPart("Body", soapNs, "Content"));
        String alg = encAlg(opt(o, "enc-alg", "aes256-gcm"));
        if (dk) {
            WSSecDKEncrypt e = new WSSecDKEncrypt(cfg);
            e.setExternalKey(ek.getEphemeralKey(), ek.getId());
            e.setCustomValueType(WSConstants.WSS_ENC_KEY_VALUE_TYPE);
            e.setSymmetricEncAlgorithm(alg);
            e.setDerivedKeyLength(ek.getEphemeralKey().length);
            e.setParts(parts);
            e.prepare(doc);
            /* before the signature (WSSecDKEncrypt.addExternalRefElement appends it) */
            org.apache.ws.security.util.WSSecurityUtil.prependChildElement(
                header.getSecurityHeader(), e.encryptForExternalRef(null, parts));
            e.prependDKElementToHeader(header);
            return;
        }
        WSSecEncrypt e = new WSSecEncrypt(cfg);
        e.setEncKeyId(ek.getId());
        e.setEphemeralKey(ek.getEphemeralKey());
        e.setSymmetricEncAlgorithm(alg);
        e.setEncryptSymmKey(false);
        e.setDocument(doc);
        e.setCustomReferenceValue(WSConstants.WSS_ENC_KEY_VALUE_TYPE);
        e.setParts(parts);
        e.prepare(doc, new Merlin());
        e.addExternalRefElement(e.encryptForExternalRef(null, parts), header);
    }

    /* ------------------------------------------------------------------ consume */

    static final class Passwords implements CallbackHandler {
        final Map<String, String> users = new HashMap<>();
        String keyPassword;
        String[] sessionKey; /* a request's: EncryptedKeySHA1, key (base64) */

        public void handle(Callback[] callbacks) throws UnsupportedCallbackException {
            for (Callback c : callbacks) {
                if (!(c instanceof WSPasswordCallback)) throw new UnsupportedCallbackException(c);
                WSPasswordCallback pc = (WSPasswordCallback) c;
                switch (pc.getUsage()) {
                    case WSPasswordCallback.USERNAME_TOKEN:
                        pc.setPassword(users.get(pc.getIdentifier()));
                        break;
                    case WSPasswordCallback.SECRET_KEY:
                    case WSPasswordCallback.ENCRYPTED_KEY_TOKEN:
                        if (sessionKey == null || !sessionKey[0].equals(pc.getIdentifier()))
                            throw new UnsupportedCallbackException(c, "unknown key " + pc.getIdentifier());
                        pc.setKey(java.util.Base64.getDecoder().decode(sessionKey[1]));
                        break;
                    case WSPasswordCallback.DECRYPT:
                    case WSPasswordCallback.SIGNATURE:
                        pc.setPassword(keyPassword);
                        break;
                    default:
                        throw new UnsupportedCallbackException(c, "usage " + pc.getUsage());
                }
            }
        }
    }

    static void consume(Map<String, List<String>> o) throws Exception {
        allow(o, "in", "out", "trust", "truststore", "truststore-pw", "certs", "key-p12", "key-p12-pw", "users", "require",
              "body-contains", "ts-ttl", "session-key", "session-key-out", "asserted-user",
              "asserted-by", "sig-values-out", "sent-request");
        Set<String> require = new HashSet<>(Arrays.asList(opt(o, "require", "timestamp,signature").split(",")));
        for (String r : require)
            if (!Arrays.asList("timestamp", "ut", "ut-text", "ut-digest", "signature", "hmac-signature",
                               "envelope-signature", "str-signature", "endorsing-signature", "encrypted",
                               "none").contains(r))
                throw new Failure("unknown requirement " + r, true);

        Document doc = parse(need(o, "in"));
        Element body = soapBody(doc);

        /* Crypto: keystore = decryption key (if any) + known certificates; truststore = anchors. */
        Passwords cb = new Passwords();
        if (o.containsKey("session-key")) cb.sessionKey = readSessionKey(need(o, "session-key"));
        KeyStore ks;
        if (o.containsKey("key-p12")) {
            cb.keyPassword = firstLine(need(o, "key-p12-pw"));
            KeyStore p12 = loadP12(need(o, "key-p12"), cb.keyPassword.toCharArray());
            ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            String a = keyAlias(p12);
            ks.setKeyEntry(a, p12.getKey(a, cb.keyPassword.toCharArray()), cb.keyPassword.toCharArray(),
                           p12.getCertificateChain(a));
        } else {
            ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
        }
        int n = 0;
        for (String f : o.getOrDefault("certs", new ArrayList<>()))
            for (X509Certificate c : readCerts(f))
                ks.setCertificateEntry("known-" + (n++), c);
        KeyStore ts = KeyStore.getInstance("PKCS12");
        ts.load(null, null);
        if (o.containsKey("trust"))
            for (X509Certificate c : readCerts(need(o, "trust")))
                ts.setCertificateEntry("anchor-" + (n++), c);
        if (o.containsKey("truststore")) {
            KeyStore file = loadP12(need(o, "truststore"), firstLine(need(o, "truststore-pw")).toCharArray());
            for (Enumeration<String> e = file.aliases(); e.hasMoreElements();) {
                String a = e.nextElement();
                if (file.isCertificateEntry(a)) ts.setCertificateEntry("anchor-" + (n++), file.getCertificate(a));
            }
        }
        if (ts.size() == 0 && require.contains("signature"))
            throw new Failure("no trust anchors (--trust or --truststore)", true);
        Merlin crypto = new Merlin();
        crypto.setKeyStore(ks);
        crypto.setTrustStore(ts);

        if (o.containsKey("users"))
            for (String line : Files.readAllLines(new File(need(o, "users")).toPath(), StandardCharsets.UTF_8)) {
                if (line.startsWith("#") || line.indexOf(':') < 0) continue;
                int i = line.indexOf(':');
                cb.users.put(line.substring(0, i), line.substring(i + 1));
            }

        WSSConfig cfg = WSSConfig.getNewInstance();
        cfg.setTimeStampTTL(Integer.parseInt(opt(o, "ts-ttl", "300")));
        cfg.setUtTTL(Integer.parseInt(opt(o, "ts-ttl", "300")));
        String assertedUser = opt(o, "asserted-user", null);
        if (assertedUser != null) cfg.setAllowUsernameTokenNoPassword(true);
        WSSecurityEngine engine = new WSSecurityEngine();
        engine.setWssConfig(cfg);
        List<WSSecurityEngineResult> results;
        try {
            results = engine.processSecurityHeader(doc, null, cb, crypto, crypto);
        } catch (org.apache.ws.security.WSSecurityException e) {
            throw new Failure("WSS4J: " + e.getMessage().replace('\n', ' '));
        }
        if (results == null) results = new ArrayList<>();

        /* What was proven, by element identity. */
        Element timestamp = null;
        boolean bodySigned = false, timestampSigned = false, bodyDecrypted = false, sigTrusted = false;
        boolean envelopeSigned = false, strSigned = false, endorsing = false;
        boolean hmac = false;
        String utType = null, assertedSeen = null, signerDn = null;
        Element assertion = null;
        List<Element> signedElems = new ArrayList<>();
        List<byte[]> sigValues = new ArrayList<>();
        List<SignatureConfirmation> confirmations = new ArrayList<>();
        for (WSSecurityEngineResult r : results) {
            int action = (Integer) r.get(WSSecurityEngineResult.TAG_ACTION);
            if (action == WSConstants.TS) {
                timestamp = (Element) r.get(WSSecurityEngineResult.TAG_TOKEN_ELEMENT);
            } else if (action == WSConstants.UT_NOPASSWORD && assertedUser != null) {
                UsernameToken ut = (UsernameToken) r.get(WSSecurityEngineResult.TAG_USERNAME_TOKEN);
                assertedSeen = ut == null ? null : ut.getName();
                assertion = ut == null ? null : ut.getElement();
            } else if (action == WSConstants.UT || action == WSConstants.UT_NOPASSWORD) {
                UsernameToken ut = (UsernameToken) r.get(WSSecurityEngineResult.TAG_USERNAME_TOKEN);
                utType = ut == null ? null : ut.getPasswordType();
            } else if (action == WSConstants.SC) {
                confirmations.add((SignatureConfirmation) r.get(WSSecurityEngineResult.TAG_SIGNATURE_CONFIRMATION));
            } else if (action == WSConstants.SIGN) {
                byte[] sv = (byte[]) r.get(WSSecurityEngineResult.TAG_SIGNATURE_VALUE);
                if (sv != null) sigValues.add(sv);
                if (r.get(WSSecurityEngineResult.TAG_X509_CERTIFICATE) != null
                    || r.get(WSSecurityEngineResult.TAG_X509_CERTIFICATES) != null)
                    sigTrusted = true;   /* SignatureTrustValidator ran and did not throw */
                else if (r.get(WSSecurityEngineResult.TAG_SECRET) != null)
                    hmac = true;         /* a secret key: the symmetric binding */
                X509Certificate signer = (X509Certificate) r.get(WSSecurityEngineResult.TAG_X509_CERTIFICATE);
                if (signer != null) signerDn = signer.getSubjectX500Principal().getName();
                @SuppressWarnings("unchecked")
                List<WSDataRef> refs = (List<WSDataRef>) r.get(WSSecurityEngineResult.TAG_DATA_REF_URIS);
                if (refs != null) for (WSDataRef d : refs) {
                    signedElems.add(d.getProtectedElement());
                    /* an endorsement: a trusted X.509 signature over another ds:Signature */
                    Element pe0 = d.getProtectedElement();
                    if (signer != null && pe0 != null && "Signature".equals(pe0.getLocalName())
                        && "http://www.w3.org/2000/09/xmldsig#".equals(pe0.getNamespaceURI()))
                        endorsing = true;
                    /* the STR-Transform: what was digested is the token the STR names */
                    Element pe = d.getProtectedElement();
                    List<String> tfs = d.getTransformAlgorithms();
                    if (tfs != null && tfs.contains(STR_TRANSFORM) && pe != null && signer != null
                        && "BinarySecurityToken".equals(pe.getLocalName())
                        && signer.equals(bstCert(pe)))
                        strSigned = true;
                }
            } else if (action == WSConstants.ENCR) {
                @SuppressWarnings("unchecked")
                List<WSDataRef> refs = (List<WSDataRef>) r.get(WSSecurityEngineResult.TAG_DATA_REF_URIS);
                if (refs != null) for (WSDataRef d : refs)
                    if (d.getProtectedElement() == body) bodyDecrypted = true;
            }
        }
        if (timestamp == null && results.size() > 0) {
            /* WSS4J keeps the Timestamp element in the result; fall back to a search */
        }
        body = soapBody(doc);   /* decryption may have replaced nodes */
        for (Element e : signedElems) {
            if (e == body) bodySigned = true;
            if (e == doc.getDocumentElement()) envelopeSigned = true;
            if (timestamp != null && e == timestamp) timestampSigned = true;
        }
        if (!bodyDecrypted) {
            for (WSSecurityEngineResult r : results)
                if ((Integer) r.get(WSSecurityEngineResult.TAG_ACTION) == WSConstants.ENCR) {
                    @SuppressWarnings("unchecked")
                    List<WSDataRef> refs = (List<WSDataRef>) r.get(WSSecurityEngineResult.TAG_DATA_REF_URIS);
                    if (refs != null) for (WSDataRef d : refs)
                        if (d.getProtectedElement() == body) bodyDecrypted = true;
                }
        }

        if (require.contains("timestamp") && timestamp == null) throw new Failure("no Timestamp");
        if ((require.contains("ut") || require.contains("ut-text") || require.contains("ut-digest")) && utType == null)
            throw new Failure("no UsernameToken");
        if (require.contains("ut-text") && !WSConstants.PASSWORD_TEXT.equals(utType))
            throw new Failure("UsernameToken password type " + utType + ", PasswordText required");
        if (require.contains("ut-digest") && !WSConstants.PASSWORD_DIGEST.equals(utType))
            throw new Failure("UsernameToken password type " + utType + ", PasswordDigest required");
        if (require.contains("signature")) {
            if (signedElems.isEmpty() && !sigTrusted) throw new Failure("no signature");
            if (!sigTrusted) throw new Failure("signature not by a trusted X.509 certificate");
            if (!bodySigned) throw new Failure("signature does not cover the SOAP Body");
            if (timestamp != null && !timestampSigned) throw new Failure("signature does not cover the Timestamp");
        }
        if (require.contains("envelope-signature")) {
            /* the very Envelope (enveloped-signature transform): the Body and the Timestamp in it */
            if (!sigTrusted) throw new Failure("no signature by a trusted X.509 certificate");
            if (!envelopeSigned) throw new Failure("signature does not cover the SOAP Envelope");
        }
        if (require.contains("str-signature")) {
            if (!sigTrusted) throw new Failure("no signature by a trusted X.509 certificate");
            if (!strSigned) throw new Failure("signature does not cover its token by the STR-Transform");
        }
        if (require.contains("hmac-signature")) {
            if (!hmac) throw new Failure("no signature by a secret key");
            if (!bodySigned) throw new Failure("signature does not cover the SOAP Body");
            if (timestamp != null && !timestampSigned) throw new Failure("signature does not cover the Timestamp");
        }
        if (require.contains("endorsing-signature") && !endorsing)
            throw new Failure("no trusted X.509 signature endorses another signature");
        if (require.contains("encrypted") && !bodyDecrypted) throw new Failure("Body was not encrypted");
        if (assertedUser != null) {
            /* the trusted upstream's signature covers the very assertion element */
            if (!assertedUser.equals(assertedSeen))
                throw new Failure("asserted user " + assertedSeen + ", want " + assertedUser);
            if (assertion == null || !signedElems.contains(assertion))
                throw new Failure("the asserted UsernameToken is not covered by the signature");
            String want = new javax.security.auth.x500.X500Principal(need(o, "asserted-by")).getName();
            if (!want.equals(signerDn))
                throw new Failure("asserted by " + signerDn + ", not the trusted upstream " + want);
        }
        if (o.containsKey("sent-request")) checkConfirmations(need(o, "sent-request"), confirmations, signedElems);
        if (o.containsKey("sig-values-out")) {
            StringBuilder sb = new StringBuilder();
            for (byte[] v : sigValues) sb.append(java.util.Base64.getEncoder().encodeToString(v)).append('\n');
            Files.write(new File(need(o, "sig-values-out")).toPath(), sb.toString().getBytes(StandardCharsets.UTF_8));
        }
        String want = opt(o, "body-contains", null);
        if (want != null && !body.getTextContent().contains(want))
            throw new Failure("Body does not contain '" + want + "' after processing");
        if (o.containsKey("session-key-out")) {
            byte[] enc = null, key = null;
            for (WSSecurityEngineResult r : results)
                if (r.get(WSSecurityEngineResult.TAG_ENCRYPTED_EPHEMERAL_KEY) != null && enc == null) {
                    enc = (byte[]) r.get(WSSecurityEngineResult.TAG_ENCRYPTED_EPHEMERAL_KEY);
                    key = (byte[]) r.get(WSSecurityEngineResult.TAG_SECRET);
                }
            if (enc == null || key == null) throw new Failure("no EncryptedKey: no session key");
            writeSessionKey(need(o, "session-key-out"), enc, key);
        }
        if (o.containsKey("out")) write(doc, need(o, "out"));
    }

    /** WSS 1.1, the requester's check (WSHandler.checkSignatureConfirmation, by hand): every
     *  SignatureValue of the Security header of the request we sent is confirmed exactly once,
     *  no other value is confirmed (an unsigned request: exactly one confirmation without
     *  Value), and the response's signature covers each SignatureConfirmation element. */
    static void checkConfirmations(String sentRequest, List<SignatureConfirmation> confirmations,
                                   List<Element> signedElems) throws Exception {
        Document req = parse(sentRequest);
        List<String> sent = new ArrayList<>();
        org.w3c.dom.NodeList sec = req.getElementsByTagNameNS(WSConstants.WSSE_NS, "Security");
        for (int i = 0; i < sec.getLength(); i++) {
            org.w3c.dom.NodeList sv = ((Element) sec.item(i)).getElementsByTagNameNS(WSConstants.SIG_NS, "SignatureValue");
            for (int j = 0; j < sv.getLength(); j++)
                sent.add(java.util.Base64.getEncoder().encodeToString(
                    java.util.Base64.getMimeDecoder().decode(sv.item(j).getTextContent().trim())));
        }
        if (confirmations.isEmpty()) throw new Failure("no SignatureConfirmation in the response");
        List<String> left = new ArrayList<>(sent);
        for (SignatureConfirmation c : confirmations) {
            if (!signedElems.contains(c.getElement()))
                throw new Failure("SignatureConfirmation " + c.getID() + " is not covered by the response's signature");
            byte[] v = c.getSignatureValue();
            if (v == null) {
                if (!sent.isEmpty() || confirmations.size() != 1)
                    throw new Failure("a SignatureConfirmation without Value, but the request sent carried "
                                      + sent.size() + " signature(s)");
                continue;
            }
            String b = java.util.Base64.getEncoder().encodeToString(v);
            String shown = b.substring(0, Math.min(12, b.length())) + "...";
            if (!left.remove(b))
                throw new Failure(sent.contains(b) ? "the SignatureValue " + shown + " is confirmed twice"
                                  : "SignatureConfirmation " + c.getID() + " confirms a SignatureValue ("
                                    + shown + ") the request sent did not carry (another request's)");
        }
        if (!left.isEmpty())
            throw new Failure("the response does not confirm the SignatureValue " + left.get(0).substring(0, 12)
                              + "... of the request sent");
    }

    /* ------------------------------------------------------------------ main */

    static void run(List<String> argv) throws Exception {
        if (argv.isEmpty()) throw new Failure("usage: WssPeer produce|consume|batch OPTIONS", true);
        Map<String, List<String>> o = parseOptions(argv.subList(1, argv.size()));
        switch (argv.get(0)) {
            case "produce": produce(o); break;
            case "consume": consume(o); break;
            default: throw new Failure("unknown command " + argv.get(0), true);
        }
    }

    static String reason(Throwable e) {
        String m = e.getMessage();
        if (!(e instanceof Failure)) m = e.getClass().getSimpleName() + (m == null ? "" : ": " + m);
        return m == null ? "(no message)" : m.replace('\n', ' ').replace('\t', ' ');
    }

    public static void main(String[] args) throws Exception {
        /* WSS4J logs through commons-logging to java.util.logging: keep stderr for our reasons */
        java.util.logging.Logger.getLogger("org.apache").setLevel(java.util.logging.Level.SEVERE);
        WSSConfig.init();
        if (args.length == 1 && args[0].equals("batch")) {
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            PrintStream out = new PrintStream(System.out, true, "UTF-8");
            String line;
            while ((line = in.readLine()) != null) {
                if (line.isEmpty() || line.startsWith("#")) continue;
                List<String> f = new ArrayList<>(Arrays.asList(line.split("\t", -1)));
                String id = f.remove(0);
                try {
                    run(f);
                    out.println(id + "\tok\t");
                } catch (Failure e) {
                    out.println(id + "\t" + (e.usage ? "error" : "fail") + "\t" + reason(e));
                } catch (Throwable e) {
                    out.println(id + "\tfail\t" + reason(e));
                }
            }
            return;
        }
        try {
            run(Arrays.asList(args));
        } catch (Failure e) {
            System.err.println("WssPeer: " + reason(e));
            System.exit(e.usage ? 2 : 1);
        } catch (Throwable e) {
            System.err.println("WssPeer: " + reason(e));
            System.exit(1);
        }
    }
}
