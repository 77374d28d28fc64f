/*
 * BenchWss4j — the WSS4J 1.6 side of wssec's benchmark (issue #9).
 *
 * The same operations as tests/bench/bench.c, with Apache WSS4J 1.6 (Debian libwss4j-java)
 * and Santuario (libxml-security-java), in one JVM, on the same messages (written by
 * `wssec_bench --dump DIR`) and with the same keys (samples/pki). Each case is warmed up
 * (at least --warmup seconds, then until two 1-second slices agree within 3%: the JIT has
 * compiled the hot paths) and then run for a fixed time, several times; the JVM is not
 * pinned to a core, so its compiler and collector threads may use the second one. The
 * private keys are kept after their first use (see KeptKeyMerlin).
 *
 *   java -cp CLASSPATH BenchWss4j --dir DIR --pki DIR [--sizes 2K,20K,...] [--cases LIST]
 *        [--time S] [--reps N] [--warmup S] [--max-warmup S] [--json FILE]
 *
 * Cases (as bench.c): secure, verify, encrypt, decrypt, secure+encrypt, decrypt+verify,
 * ut-generate, ut-validate; and "limits": the JDK's RSA-2048 sign and verify rates with the
 * same key (SHA256withRSA), WSS4J's floor as OpenSSL's is wssec's.
 *   secure         parse the plain message, Timestamp + BST + rsa-sha256/sha256/exc-c14n
 *                  signature over Body and Timestamp, serialize
 *   verify         parse the message wssec signed, processSecurityHeader with a Merlin crypto
 *                  (truststore root.crt, keystore inter.crt: WSS4J validates the certificate
 *                  path on every message, it has no certificate cache), then check that a
 *                  trusted signature covered the very Body and Timestamp elements
 *   encrypt        Body content, aes256-gcm, key transport rsa-oaep-mgf1p to server.crt
 *                  (IssuerSerial), serialize
 *   decrypt        decrypt a message wssec encrypted when the dump has one, else one WSS4J
 *                  encrypted once at set-up (the note says which; likewise for verify and
 *                  ut-validate at a size wssec could not secure)
 *   ut-generate    UsernameToken alice, PasswordDigest, serialize
 *   ut-validate    the wssec-written UsernameToken, with a nonce replay cache (salted per
 *                  message, as bench.c does, so the same bytes are not a replay)
 *
 * Output: one JSON line per row, in bench.c's schema (impl "wss4j"), on standard output and
 * in --json FILE; progress on standard error. Peak memory is the JVM heap's high-water mark
 * during the case (memory pools reset before it), not a resident size.
 */

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.InputStream;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.Writer;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

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
import org.apache.ws.security.cache.MemoryReplayCache;
import org.apache.ws.security.cache.ReplayCache;
import org.apache.ws.security.components.crypto.Merlin;
import org.apache.ws.security.handler.RequestData;
import org.apache.ws.security.message.WSSecEncrypt;
import org.apache.ws.security.message.WSSecHeader;
import org.apache.ws.security.message.WSSecSignature;
import org.apache.ws.security.message.WSSecTimestamp;
import org.apache.ws.security.message.WSSecUsernameToken;
import org.apache.ws.security.util.WSSecurityUtil;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;

public final class BenchWss4j {

    static final String SOAP11 = WSConstants.URI_SOAP11_ENV;
    static final String RSA_SHA256 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256";
    static final String SHA256 = "http://www.w3.org/2001/04/xmlenc#sha256";
    static final String USER = "alice", PASSWORD = "alice-s3cret";

    /* ------------------------------------------------------------------ options */

    static String dir, pki, jsonFile, casesList;
    static double timeS = 1.0, warmupS = 3.0, maxWarmupS = 60;
    static int reps = 5;
    static List<String> sizes = new ArrayList<>(Arrays.asList("2K", "20K", "200K", "2M", "20M"));

    static boolean wanted(String c) {
        return casesList == null || Arrays.asList(casesList.split(",")).contains(c);
    }

    /* ------------------------------------------------------------------ set-up */

    /** Merlin returns the private key from the keystore on every call, which for a PKCS#12
     *  keystore means a PBKDF2 key derivation per message; a deployment would keep the key,
     *  and so does this subclass (the bench measures WSS4J, not PKCS#12 decryption). */
    static final class KeptKeyMerlin extends Merlin {
        private final java.util.Map<String, java.security.PrivateKey> kept = new java.util.concurrent.ConcurrentHashMap<>();
        @Override
        public java.security.PrivateKey getPrivateKey(String alias, String password)
            throws org.apache.ws.security.WSSecurityException {
            java.security.PrivateKey k = kept.get(alias);
            if (k == null) {
                k = super.getPrivateKey(alias, password);
                kept.put(alias, k);
            }
            return k;
        }
        @Override
        public java.security.PrivateKey getPrivateKey(X509Certificate cert, CallbackHandler cb)
            throws org.apache.ws.security.WSSecurityException {
            String alias = "cert:" + cert.getSerialNumber() + ":" + cert.getIssuerX500Principal().getName();
            java.security.PrivateKey k = kept.get(alias);
            if (k == null) {
                k = super.getPrivateKey(cert, cb);
                kept.put(alias, k);
            }
            return k;
        }
    }

    static final class Keys {
        Merlin signCrypto, verifyCrypto, encCrypto, decCrypto;
        String signAlias, signPw, decAlias, decPw;
        X509Certificate serverCert;
    }

    static String firstLine(File f) throws Exception {
        String s = new String(Files.readAllBytes(f.toPath()), StandardCharsets.UTF_8);
        int nl = s.indexOf('\n');
        return (nl >= 0 ? s.substring(0, nl) : s).replace("\r", "");
    }

    static X509Certificate cert(String file) throws Exception {
        try (InputStream in = new FileInputStream(new File(pki, file))) {
            return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
        }
    }

    static KeyStore p12(String file, char[] pw) throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = new FileInputStream(new File(pki, file))) {
            ks.load(in, pw);
        }
        return ks;
    }

    static String keyAlias(KeyStore ks) throws Exception {
        for (Enumeration<String> e = ks.aliases(); e.hasMoreElements();) {
            String a = e.nextElement();
            if (ks.isKeyEntry(a)) return a;
        }
        throw new IllegalStateException("no private key");
    }

    static Keys keys() throws Exception {
        Keys k = new Keys();
        k.signPw = firstLine(new File(pki, "alice.p12.pw"));
        KeyStore alice = p12("alice.p12", k.signPw.toCharArray());
        k.signAlias = keyAlias(alice);
        k.signCrypto = new KeptKeyMerlin();
        k.signCrypto.setKeyStore(alice);

        /* verification: the intermediate as a known certificate, the root as the anchor */
        KeyStore known = KeyStore.getInstance("PKCS12");
        known.load(null, null);
        known.setCertificateEntry("inter", cert("inter.crt"));
        KeyStore anchors = KeyStore.getInstance("PKCS12");
        anchors.load(null, null);
        anchors.setCertificateEntry("root", cert("root.crt"));
        k.verifyCrypto = new Merlin();
        k.verifyCrypto.setKeyStore(known);
        k.verifyCrypto.setTrustStore(anchors);

        k.serverCert = cert("server.crt");
        k.encCrypto = new Merlin();
        k.decPw = firstLine(new File(pki, "server.p12.pw"));
        KeyStore server = p12("server.p12", k.decPw.toCharArray());
        k.decAlias = keyAlias(server);
        k.decCrypto = new KeptKeyMerlin();
        k.decCrypto.setKeyStore(server);
        k.decCrypto.setTrustStore(anchors);
        return k;
    }

    static final class Passwords implements CallbackHandler {
        final String keyPassword;
        Passwords(String keyPassword) { this.keyPassword = keyPassword; }
        public void handle(Callback[] callbacks) throws UnsupportedCallbackException {
            for (Callback c : callbacks) {
                if (!(c instanceof WSPasswordCallback)) throw new UnsupportedCallbackException(c);
                WSPasswordCallback pc = (WSPasswordCallback) c;
                if (pc.getUsage() == WSPasswordCallback.USERNAME_TOKEN)
                    pc.setPassword(USER.equals(pc.getIdentifier()) ? PASSWORD : null);
                else
                    pc.setPassword(keyPassword);
            }
        }
    }

    /** A nonce cache that salts each identifier with a counter: the same message validated
     *  again is not a replay, and the cost of a real cache look-up and insert is kept. */
    static final class SaltedCache implements ReplayCache {
        final AtomicLong n = new AtomicLong();
        MemoryReplayCache inner = new MemoryReplayCache();
        public void add(String id) { add(id, MemoryReplayCache.DEFAULT_TTL); }
        public void add(String id, long ttl) {
            long c = n.incrementAndGet();
            if (c % 65536 == 0) inner = new MemoryReplayCache();
            inner.add(id + "#" + c, ttl);
        }
        public boolean contains(String id) { return inner.contains(id + "#" + (n.get() + 1)); }
    }

    /* ------------------------------------------------------------------ XML */

    static final ThreadLocal<DocumentBuilder> BUILDER = ThreadLocal.withInitial(() -> {
        try {
            DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
            f.setNamespaceAware(true);
            f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            f.setExpandEntityReferences(false);
            return f.newDocumentBuilder();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    });
    static final ThreadLocal<Transformer> SERIALIZER = ThreadLocal.withInitial(() -> {
        try {
            Transformer t = TransformerFactory.newInstance().newTransformer();
            t.setOutputProperty(OutputKeys.ENCODING, "UTF-8");
            t.setOutputProperty(OutputKeys.OMIT_XML_DECLARATION, "yes");
            return t;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    });

    static Document parse(byte[] b) throws Exception {
        return BUILDER.get().parse(new ByteArrayInputStream(b));
    }

    static byte[] serialize(Document d) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream(4096);
        SERIALIZER.get().transform(new DOMSource(d), new StreamResult(out));
        return out.toByteArray();
    }

    static Element body(Document doc) {
        for (Node n = doc.getDocumentElement().getFirstChild(); n != null; n = n.getNextSibling())
            if (n instanceof Element && "Body".equals(n.getLocalName())) return (Element) n;
        throw new IllegalStateException("no Body");
    }

    /* ------------------------------------------------------------------ operations */

    interface Op { void run() throws Exception; }

    static WSSConfig producerConfig() {
        WSSConfig c = WSSConfig.getNewInstance();
        c.setPrecisionInMilliSeconds(true);
        return c;
    }

    static WSSConfig consumerConfig() {
        WSSConfig c = WSSConfig.getNewInstance();
        /* the dumped messages were written up to a day before the run */
        c.setTimeStampTTL(86400);
        c.setUtTTL(86400);
        return c;
    }

    /** Secures a document: the actions in order (timestamp, sign, encrypt, ut). */
    static byte[] secure(Keys k, byte[] in, boolean ts, boolean sign, boolean enc, boolean ut)
        throws Exception {
        Document doc = parse(in);
        WSSConfig cfg = producerConfig();
        WSSecHeader header = new WSSecHeader();
        header.setMustUnderstand(true);
        header.insertSecurityHeader(doc);
        String tsId = null;
        if (ut) {
            WSSecUsernameToken u = new WSSecUsernameToken(cfg);
            u.setPasswordType(WSConstants.PASSWORD_DIGEST);
            u.setUserInfo(USER, PASSWORD);
            u.build(doc, header);
        }
        if (ts) {
            WSSecTimestamp t = new WSSecTimestamp(cfg);
            t.setTimeToLive(300);
            t.build(doc, header);
            tsId = t.getId();
        }
        if (sign) {
            WSSecSignature s = new WSSecSignature(cfg);
            s.setUserInfo(k.signAlias, k.signPw);
            s.setKeyIdentifierType(WSConstants.BST_DIRECT_REFERENCE);
            s.setSignatureAlgorithm(RSA_SHA256);
            s.setDigestAlgo(SHA256);
            s.setSigCanonicalization(WSConstants.C14N_EXCL_OMIT_COMMENTS);
            List<WSEncryptionPart> parts = new ArrayList<>();
            parts.add(new WSEncryptionPart("Body", SOAP11, ""));
            if (tsId != null) parts.add(new WSEncryptionPart(tsId));
            s.setParts(parts);
            s.build(doc, k.signCrypto, header);
        }
        if (enc) {
            WSSecEncrypt e = new WSSecEncrypt(cfg);
            e.setUseThisCert(k.serverCert);
            e.setKeyIdentifierType(WSConstants.ISSUER_SERIAL);
            e.setSymmetricEncAlgorithm(WSConstants.AES_256_GCM);
            e.setKeyEncAlgo(WSConstants.KEYTRANSPORT_RSAOEP);
            List<WSEncryptionPart> parts = new ArrayList<>();
            parts.add(new WSEncryptionPart("Body", SOAP11, "Content"));
            e.setParts(parts);
            e.build(doc, k.encCrypto, header);
        }
        return serialize(doc);
    }

    /** Processes the Security header and checks what the wssec case requires. */
    static void consume(Keys k, byte[] in, boolean ts, boolean sig, boolean dec, boolean ut,
                        ReplayCache nonces) throws Exception {
        Document doc = parse(in);
        RequestData data = new RequestData();
        data.setWssConfig(consumerConfig());
        data.setCallbackHandler(new Passwords(dec ? k.decPw : k.signPw));
        data.setSigCrypto(k.verifyCrypto);
        data.setDecCrypto(k.decCrypto);
        if (nonces != null) data.setNonceReplayCache(nonces);
        Element sec = WSSecurityUtil.getSecurityHeader(doc, null);
        if (sec == null) throw new IllegalStateException("no Security header");
        List<WSSecurityEngineResult> results = new WSSecurityEngine().processSecurityHeader(sec, data);
        Element timestamp = null;
        boolean trusted = false, utOk = false, decrypted = false;
        List<Element> signed = new ArrayList<>();
        Element body = body(doc);
        for (WSSecurityEngineResult r : results) {
            int a = (Integer) r.get(WSSecurityEngineResult.TAG_ACTION);
            if (a == WSConstants.TS) timestamp = (Element) r.get(WSSecurityEngineResult.TAG_TOKEN_ELEMENT);
            else if (a == WSConstants.UT) utOk = true;
            else if (a == WSConstants.SIGN) {
                trusted |= r.get(WSSecurityEngineResult.TAG_X509_CERTIFICATE) != null;
                @SuppressWarnings("unchecked")
                List<WSDataRef> refs = (List<WSDataRef>) r.get(WSSecurityEngineResult.TAG_DATA_REF_URIS);
                if (refs != null) for (WSDataRef d : refs) signed.add(d.getProtectedElement());
            } else if (a == WSConstants.ENCR) {
                @SuppressWarnings("unchecked")
                List<WSDataRef> refs = (List<WSDataRef>) r.get(WSSecurityEngineResult.TAG_DATA_REF_URIS);
                if (refs != null) for (WSDataRef d : refs) if (d.getProtectedElement() == body) decrypted = true;
            }
        }
        if (ts && timestamp == null) throw new IllegalStateException("no Timestamp");
        if (sig && (!trusted || !signed.contains(body) || (timestamp != null && !signed.contains(timestamp))))
            throw new IllegalStateException("Body and Timestamp not signed by a trusted certificate");
        if (ut && !utOk) throw new IllegalStateException("no UsernameToken");
        if (dec && !decrypted) throw new IllegalStateException("Body not decrypted");
    }

    /* ------------------------------------------------------------------ timing */

    /** Operations per second over about `seconds`. */
    static double slice(Op op, double seconds) throws Exception {
        long n = 0, t0 = System.nanoTime(), t;
        do {
            op.run();
            n++;
            t = System.nanoTime();
        } while (t - t0 < (long) (seconds * 1e9));
        return n / ((t - t0) / 1e9);
    }

    /** JIT warm-up: at least --warmup seconds, then 1-second slices until two in a row agree
     *  within 3% (the compiled code has settled), at most --max-warmup (default 60) s in all. */
    static double warmup(Op op) throws Exception {
        long start = System.nanoTime();
        slice(op, warmupS);
        double prev = slice(op, 1.0);
        while ((System.nanoTime() - start) / 1e9 < maxWarmupS) {
            double r = slice(op, 1.0);
            if (Math.abs(r - prev) <= 0.03 * Math.max(r, prev)) break;
            prev = r;
        }
        return (System.nanoTime() - start) / 1e9;
    }

    static double lastWarmup;

    static double[] measure(Op op) throws Exception {
        lastWarmup = warmup(op);
        double[] rates = new double[reps];
        for (int i = 0; i < reps; i++) rates[i] = slice(op, timeS);
        return rates;
    }

    static List<MemoryPoolMXBean> heapPools() {
        List<MemoryPoolMXBean> l = new ArrayList<>();
        for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans())
            if (p.getType() == MemoryType.HEAP) l.add(p);
        return l;
    }

    static PrintStream out;
    static Writer json;

    static String q(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            if (c == '"' || c == '\\') b.append('\\').append(c);
            else if (c < 0x20) b.append(String.format("\\u%04x", (int) c));
            else b.append(c);
        }
        return b.append('"').toString();
    }

    static void emit(String line) throws Exception {
        out.println(line);
        out.flush();
        if (json != null) {
            json.write(line + "\n");
            json.flush();
        }
    }

    static void row(String name, String size, long bytes, String status, double[] rates, long heapKb,
                    String note) throws Exception {
        StringBuilder b = new StringBuilder();
        b.append("{\"impl\":\"wss4j\",\"case\":").append(q(name)).append(",\"size\":").append(q(size))
         .append(",\"bytes\":").append(bytes).append(",\"threads\":1,\"status\":").append(q(status));
        if (rates != null) {
            double[] v = rates.clone();
            Arrays.sort(v);
            double med = v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
            b.append(String.format(",\"ops_per_s\":%.6g,\"min\":%.6g,\"max\":%.6g,\"spread_pct\":%.4g,\"us_per_op\":%.6g",
                                   med, v[0], v[v.length - 1], 100 * (v[v.length - 1] - v[0]) / med, 1e6 / med));
            b.append(",\"reps\":").append(rates.length).append(",\"rates\":[");
            for (int i = 0; i < rates.length; i++) b.append(i > 0 ? "," : "").append(String.format("%.6g", rates[i]));
            b.append("],\"peak_heap_kb\":").append(heapKb);
            b.append(String.format(",\"warmup_s\":%.1f", lastWarmup));
        }
        b.append(",\"note\":").append(q(note)).append("}");
        emit(b.toString());
    }

    static void run(String name, String size, long bytes, Op op, String note) throws Exception {
        System.err.printf("  wss4j    %-22s %s%n", name, size);
        try {
            op.run(); /* one checked operation first: a failing case is an error, not a number */
        } catch (Throwable e) {
            row(name, size, bytes, "error", null, 0, e.getClass().getSimpleName() + ": " + e.getMessage());
            return;
        }
        System.gc();
        List<MemoryPoolMXBean> pools = heapPools();
        for (MemoryPoolMXBean p : pools) p.resetPeakUsage();
        double[] rates;
        try {
            rates = measure(op);
        } catch (Throwable e) {
            row(name, size, bytes, "error", null, 0, e.getClass().getSimpleName() + ": " + e.getMessage());
            return;
        }
        long peak = 0;
        for (MemoryPoolMXBean p : pools) peak += p.getPeakUsage().getUsed();
        row(name, size, bytes, "ok", rates, peak / 1024, note);
    }

    static void limit(String name, Op op, String note) throws Exception {
        System.err.printf("  wss4j    %-22s -%n", name);
        double[] rates = measure(op);
        double[] v = rates.clone();
        Arrays.sort(v);
        double med = v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
        StringBuilder b = new StringBuilder();
        b.append("{\"impl\":\"wss4j-limit\",\"case\":").append(q(name)).append(",\"size\":\"-\",\"threads\":1,\"status\":\"ok\"")
         .append(String.format(",\"ops_per_s\":%.6g,\"min\":%.6g,\"max\":%.6g,\"spread_pct\":%.4g,\"reps\":%d",
                               med, v[0], v[v.length - 1], 100 * (v[v.length - 1] - v[0]) / med, rates.length))
         .append(",\"note\":").append(q(note)).append("}");
        emit(b.toString());
    }

    static byte[] read(String name) throws Exception {
        File f = new File(dir, name);
        return f.exists() ? Files.readAllBytes(f.toPath()) : null;
    }

    public static void main(String[] args) throws Exception {
        for (int i = 0; i < args.length; i++) {
            String a = args[i], v = i + 1 < args.length ? args[i + 1] : null;
            switch (a) {
                case "--dir": dir = v; i++; break;
                case "--pki": pki = v; i++; break;
                case "--json": jsonFile = v; i++; break;
                case "--cases": casesList = v; i++; break;
                case "--time": timeS = Double.parseDouble(v); i++; break;
                case "--warmup": warmupS = Double.parseDouble(v); i++; break;
                case "--max-warmup": maxWarmupS = Double.parseDouble(v); i++; break;
                case "--reps": reps = Integer.parseInt(v); i++; break;
                case "--sizes": sizes = Arrays.asList(v.split(",")); i++; break;
                default:
                    System.err.println("BenchWss4j: unknown argument " + a);
                    System.exit(2);
            }
        }
        if (dir == null || pki == null) {
            System.err.println("usage: BenchWss4j --dir DIR --pki DIR [--sizes L] [--cases L] [--time S] [--reps N] [--warmup S] [--json F]");
            System.exit(2);
        }
        java.util.logging.Logger.getLogger("org.apache").setLevel(java.util.logging.Level.SEVERE);
        out = new PrintStream(System.out, true, "UTF-8");
        if (jsonFile != null) json = new OutputStreamWriter(new FileOutputStream(jsonFile), StandardCharsets.UTF_8);
        WSSConfig.init();
        Keys k = keys();
        emit("{\"impl\":\"meta\",\"tool\":\"BenchWss4j\",\"java\":" + q(System.getProperty("java.vm.name") + " "
             + System.getProperty("java.runtime.version")) + ",\"wss4j\":"
             + q(String.valueOf(WSSecurityEngine.class.getPackage().getImplementationVersion()))
             + ",\"cpus\":" + Runtime.getRuntime().availableProcessors()
             + ",\"max_heap_mb\":" + Runtime.getRuntime().maxMemory() / (1024 * 1024)
             + ",\"time_s\":" + timeS + ",\"reps\":" + reps + ",\"warmup_s\":" + warmupS + "}");
        if (wanted("limits")) {
            /* the JDK's own RSA-2048 operations with the same keys: WSS4J's floor */
            java.security.PrivateKey priv = k.signCrypto.getPrivateKey(k.signAlias, k.signPw);
            java.security.PublicKey pub = cert("alice.crt").getPublicKey();
            byte[] data = new byte[32];
            java.security.Signature signer = java.security.Signature.getInstance("SHA256withRSA");
            signer.initSign(priv);
            signer.update(data);
            final byte[] sig = signer.sign();
            limit("java-rsa2048-sign", () -> {
                signer.initSign(priv);
                signer.update(data);
                signer.sign();
            }, "SHA256withRSA, " + signer.getProvider().getName());
            java.security.Signature verifier = java.security.Signature.getInstance("SHA256withRSA");
            limit("java-rsa2048-verify", () -> {
                verifier.initVerify(pub);
                verifier.update(data);
                if (!verifier.verify(sig)) throw new IllegalStateException("RSA verify failed");
            }, "SHA256withRSA, " + verifier.getProvider().getName());
        }
        SaltedCache nonces = new SaltedCache();
        for (String size : sizes) {
            byte[] plain = read("plain-" + size + ".xml"), signed = read("signed-" + size + ".xml"),
                   ut = read("ut-" + size + ".xml"), enc = read("encrypted-" + size + ".xml"),
                   encSigned = read("encrypted-signed-" + size + ".xml");
            if (plain == null) {
                System.err.println("BenchWss4j: no " + dir + "/plain-" + size + ".xml (wssec_bench --dump)");
                System.exit(2);
            }
            String encNote = "";
            if (enc == null) {
                enc = secure(k, plain, true, false, true, false);
                encNote = "decrypts a message WSS4J encrypted (wssec wrote none at this size)";
            }
            String encSignedNote = "";
            if (encSigned == null) {
                encSigned = secure(k, plain, true, true, true, false);
                encSignedNote = "decrypts and verifies a message WSS4J secured (wssec wrote none at this size)";
            }
            String signedNote = "full path validation on every message (no certificate cache in WSS4J 1.6)";
            if (signed == null) {
                signed = secure(k, plain, true, true, false, false);
                signedNote += "; verifies a message WSS4J signed (wssec could not secure this size)";
            }
            String utNote = "nonce replay cache on (salted per message)";
            if (ut == null) {
                ut = secure(k, plain, false, false, false, true);
                utNote += "; validates a token WSS4J wrote (wssec could not secure this size)";
            }
            final byte[] fEnc = enc, fEncSigned = encSigned, fSigned = signed, fUt = ut;
            final String fSignedNote = signedNote, fUtNote = utNote;
            if (wanted("secure")) run("secure", size, plain.length, () -> secure(k, plain, true, true, false, false), "");
            if (wanted("verify"))
                run("verify", size, fSigned.length, () -> consume(k, fSigned, true, true, false, false, null),
                    fSignedNote);
            if (wanted("encrypt")) run("encrypt", size, plain.length, () -> secure(k, plain, true, false, true, false), "");
            if (wanted("decrypt"))
                run("decrypt", size, fEnc.length, () -> consume(k, fEnc, true, false, true, false, null), encNote);
            if (wanted("secure+encrypt"))
                run("secure+encrypt", size, plain.length, () -> secure(k, plain, true, true, true, false), "");
            if (wanted("decrypt+verify"))
                run("decrypt+verify", size, fEncSigned.length,
                    () -> consume(k, fEncSigned, true, true, true, false, null), encSignedNote);
            if (wanted("ut-generate"))
                run("ut-generate", size, plain.length, () -> secure(k, plain, false, false, false, true), "");
            if (wanted("ut-validate"))
                run("ut-validate", size, fUt.length, () -> consume(k, fUt, false, false, false, true, nonces),
                    fUtNote);
        }
        if (json != null) json.close();
    }
}
