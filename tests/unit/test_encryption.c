/*
 * XML Encryption: round trips (algorithm x key transport x key reference x
 * element/content/header), sign and encrypt in both orders, the policy, and
 * the hostile cases of ATTACKS.md §8: corrupted ciphertext and tag, wrong
 * recipient, truncated key, unreferenced EncryptedData, RSA-1.5 and CBC when
 * not enabled, redirected references, injected plaintext — and the no-oracle
 * property: every decryption failure is the same code, fault and message.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/inotify.h>
#include <sys/socket.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include "helpers.h"
#include "gcm_diff.h"
#include "keylocator.h"

#define PKI WSSEC_SOURCE_DIR "/samples/pki/"
#define NS_DS "http://www.w3.org/2000/09/xmldsig#"
#define NS_XENC "http://www.w3.org/2001/04/xmlenc#"
#define NS_WSSE11 "http://docs.oasis-open.org/wss/oasis-wss-wssecurity-secext-1.1.xsd"

static wssec_ctx *ctx_of(const char *first, ...)
{
    va_list ap;
    va_start(ap, first);
    wssec_ctx *c = h_ctx_v(0, first, ap);
    va_end(ap);
    return c;
}

/* The sender: signs as alice, encrypts for server. */
#define SENDER "sign-key", PKI "alice.key", "sign-cert", PKI "alice.crt", "encrypt-cert", PKI "server.crt"
/* The receiver: trusts the test root, decrypts as server. */
#define RECEIVER                                                                                  \
    "trust", PKI "root.crt", "certs", PKI "inter.crt", "decrypt-key", PKI "server.key",          \
        "decrypt-cert", PKI "server.crt", "replay-signatures", "false"

static const char *const ts_sig_enc[] = { "timestamp", "signature", "encrypted-key" };

static char *plain_message(int soap)
{
    return h_strf("<soap:Envelope xmlns:soap=\"%s\" xmlns:wsu=\"%s\"><soap:Header>"
                  "<h:Route xmlns:h=\"urn:example:route\" wsu:Id=\"route\">gateway-7</h:Route>"
                  "</soap:Header><soap:Body><m:Pay xmlns:m=\"urn:example:bank\"><m:To>bob</m:To>"
                  "<m:Amount>10</m:Amount></m:Pay></soap:Body></soap:Envelope>",
                  soap == 12 ? WSSEC_NS_SOAP12 : WSSEC_NS_SOAP11, H_NS_WSU);
}

static char *secure(wssec_ctx *ctx, int soap, const char *const *actions, size_t n)
{
    char *xml = plain_message(soap);
    char *out = h_secure(ctx, xml, actions, n, NULL);
    free(xml);
    return out;
}

/* flips one bit of a base64 text, at a position from the start or the end */
static void flip(xmlNodePtr n, long at)
{
    xmlChar *t = xmlNodeGetContent(n);
    size_t l = strlen((char *)t);
    size_t i = at >= 0 ? (size_t)at : l - (size_t)(-at);
    while (t[i] == '=' || t[i] == '\n') i--;
    t[i] = t[i] == 'A' ? 'B' : 'A';
    xmlNodeSetContent(n, t);
    xmlFree(t);
}

static void s_cipher_start(xmlDocPtr doc)
{
    flip(h_xp(doc, "//soap:Body/xenc:EncryptedData/xenc:CipherData/xenc:CipherValue"), 20);
}

static void s_cipher_tag(xmlDocPtr doc) /* the GCM tag is the last 16 bytes */
{
    /* well before the end: the last base64 digit may carry only padding bits */
    flip(h_xp(doc, "//soap:Body/xenc:EncryptedData/xenc:CipherData/xenc:CipherValue"), -8);
}

static void s_cipher_iv(xmlDocPtr doc)
{
    flip(h_xp(doc, "//soap:Body/xenc:EncryptedData/xenc:CipherData/xenc:CipherValue"), 1);
}

static void s_key_value(xmlDocPtr doc)
{
    flip(h_xp(doc, "//xenc:EncryptedKey/xenc:CipherData/xenc:CipherValue"), 10);
}

static void s_key_truncated(xmlDocPtr doc)
{
    xmlNodePtr cv = h_xp(doc, "//xenc:EncryptedKey/xenc:CipherData/xenc:CipherValue");
    xmlChar *t = xmlNodeGetContent(cv);
    t[40] = '\0';
    xmlNodeSetContent(cv, t);
    xmlFree(t);
}

/* 8.4: the same ciphertext relabelled as CBC */
static void s_relabel_cbc(xmlDocPtr doc)
{
    xmlSetProp(h_xp(doc, "//soap:Body/xenc:EncryptedData/xenc:EncryptionMethod"), BAD_CAST "Algorithm",
               BAD_CAST "http://www.w3.org/2001/04/xmlenc#aes256-cbc");
}

/* 8.4: the OAEP key relabelled as RSA-1.5 */
static void s_relabel_rsa15(xmlDocPtr doc)
{
    xmlSetProp(h_xp(doc, "//xenc:EncryptedKey/xenc:EncryptionMethod"), BAD_CAST "Algorithm",
               BAD_CAST "http://www.w3.org/2001/04/xmlenc#rsa-1_5");
}

/* an EncryptedData no EncryptedKey references */
static void s_unreferenced(xmlDocPtr doc)
{
    xmlNodePtr copy = xmlCopyNode(h_xp(doc, "//soap:Body/xenc:EncryptedData"), 1);
    xmlSetProp(copy, BAD_CAST "Id", BAD_CAST "ED-extra");
    xmlAddChild(h_xp(doc, "//soap:Body"), copy);
}

/* 8.5: encrypt-then-sign; the signed ciphertext moved to a wrapper and the
 * ReferenceList left pointing at it, an unsigned one in the Body */
static void s_moved_ciphertext(xmlDocPtr doc)
{
    xmlNodePtr ed = h_xp(doc, "//soap:Body/xenc:EncryptedData"), hdr = h_xp(doc, "//soap:Header");
    xmlNodePtr copy = xmlCopyNode(ed, 1);
    h_wrap(hdr, "Wrapper", ed);
    xmlUnsetProp(copy, BAD_CAST "Id");
    xmlAddChild(h_xp(doc, "//soap:Body"), copy);
}

/* 8.5: the ReferenceList redirected to an EncryptedData the signature does
 * not cover */
static void s_redirected(xmlDocPtr doc)
{
    xmlNodePtr ed = h_xp(doc, "//soap:Body/xenc:EncryptedData"), hdr = h_xp(doc, "//soap:Header");
    xmlNodePtr copy = xmlCopyNode(ed, 1);
    xmlSetProp(copy, BAD_CAST "Id", BAD_CAST "ED-evil");
    h_wrap(hdr, "Other", copy);
    xmlSetProp(h_xp(doc, "//xenc:DataReference"), BAD_CAST "URI", BAD_CAST "#ED-evil");
}

/* WSS 1.0 header encryption: the EncryptedHeader's EncryptedData directly
 * in soap:Header */
static void s_header_bare(xmlDocPtr doc)
{
    xmlNodePtr eh = h_xp(doc, "//wsse11:EncryptedHeader"), ed = h_xp(doc, "//wsse11:EncryptedHeader/xenc:EncryptedData");
    xmlUnlinkNode(ed);
    xmlAddPrevSibling(eh, ed);
    h_remove(eh);
}

/* 8.7: a bare header EncryptedData that claims to hide content, not a block */
static void s_header_bare_content(xmlDocPtr doc)
{
    s_header_bare(doc);
    xmlSetProp(h_xp(doc, "//soap:Header/xenc:EncryptedData"), BAD_CAST "Type",
               BAD_CAST "http://www.w3.org/2001/04/xmlenc#Content");
}

static void s_rl_external(xmlDocPtr doc)
{
    xmlSetProp(h_xp(doc, "//xenc:DataReference"), BAD_CAST "URI", BAD_CAST "http://attacker.invalid/x");
}

static void s_key_for_other(xmlDocPtr doc)
{
    /* an issuer-serial reference to alice, not the server */
    xmlNodeSetContent(h_xp(doc, "//xenc:EncryptedKey//ds:X509SerialNumber"), BAD_CAST "8193");
}

static const struct hostile {
    const char *name;
    int sign_first; /* 1 sign-then-encrypt, 0 encrypt-then-sign */
    h_surgery fn;
    int code;
    const char *fault, *needle;
} hostile[] = {
    { "ciphertext changed", 1, s_cipher_start, WSSEC_EDECRYPT, "wsse:FailedCheck", "decryption failed" },
    { "GCM tag changed", 1, s_cipher_tag, WSSEC_EDECRYPT, "wsse:FailedCheck", "decryption failed" },
    { "IV changed", 1, s_cipher_iv, WSSEC_EDECRYPT, "wsse:FailedCheck", "decryption failed" },
    { "wrapped key changed", 1, s_key_value, WSSEC_EDECRYPT, "wsse:FailedCheck", "decryption failed" },
    { "wrapped key truncated", 1, s_key_truncated, WSSEC_EDECRYPT, "wsse:FailedCheck",
      "decryption failed" },
    { "8.4 GCM relabelled CBC", 1, s_relabel_cbc, WSSEC_EALGORITHM, "wsse:UnsupportedAlgorithm",
      "aes256-cbc is refused by default" },
    { "8.4 OAEP relabelled RSA-1.5", 1, s_relabel_rsa15, WSSEC_EALGORITHM,
      "wsse:UnsupportedAlgorithm", "rsa-1_5 key transport is refused by default" },
    /* the signed Body changed: caught by its digest before anything decrypts */
    { "8.5 signed ciphertext moved", 0, s_moved_ciphertext, WSSEC_EDIGEST, "wsse:FailedCheck",
      "(/Envelope/Body) does not match" },
    { "8.5 ReferenceList redirected", 0, s_redirected, WSSEC_EUNSIGNED, "wsse:InvalidSecurity",
      "is not covered by the verified signature that covers this message's ciphertext" },
    { "8.7 bare header EncryptedData of Type Content", 1, s_header_bare_content, WSSEC_EMALFORMED,
      "wsse:InvalidSecurity", "directly in soap:Header must have Type xmlenc#Element" },
    { "external DataReference", 1, s_rl_external, WSSEC_EMALFORMED, "wsse:InvalidSecurity",
      "only #id in this message" },
    { "key for another certificate", 1, s_key_for_other, WSSEC_EDECRYPT, "wsse:FailedCheck",
      "not one of our decryption certificates" },
};

static void test_hostile(void **state)
{
    (void)state;
    static const char *const ts_enc_sig[] = { "timestamp", "encrypt", "signature" };
    wssec_ctx *out = ctx_of(SENDER, "encrypt-part", "body", "encrypt-part",
                            "/soap:Envelope/soap:Header/*[local-name()='Route']", NULL);
    wssec_ctx *in = ctx_of(RECEIVER, NULL);
    char *ste = secure(out, 11, ts_sig_enc, 3), *ets = secure(out, 11, ts_enc_sig, 3);
    for (size_t i = 0; i < WSSEC_ARRAY_LEN(hostile); i++) {
        char *xml = h_operate(hostile[i].sign_first ? ste : ets, hostile[i].fn, 0);
        h_run r;
        int rc = h_verify(&r, in, xml);
        if (rc != hostile[i].code || !strstr(h_run_err(&r)->message, hostile[i].needle))
            print_error("case '%s': %s %s\n", hostile[i].name, wssec_code_name(rc),
                        h_run_err(&r)->message);
        assert_int_equal(rc, hostile[i].code);
        h_assert_error(h_run_err(&r), hostile[i].code, hostile[i].fault, hostile[i].needle);
        /* no plaintext is released from a failed decryption */
        if (rc == WSSEC_EDECRYPT) {
            xmlChar *body = xmlNodeGetContent(wssec_msg_body(r.msg));
            assert_null(strstr((char *)body, "bob"));  /* text content: no base64 here */
            xmlFree(body);
        }
        h_run_free(&r);
        free(xml);
    }
    h_expect(in, ste, 0, NULL, NULL);
    h_expect(in, ets, 0, NULL, NULL);
    free(ste);
    free(ets);
    wssec_ctx_free(out);
    wssec_ctx_free(in);
}

/* An EncryptedData that no EncryptedKey references is refused (an unsigned,
 * encrypted-only message, so nothing else fails first). */
static void test_unreferenced(void **state)
{
    (void)state;
    static const char *const ts_enc[] = { "timestamp", "encrypt" };
    wssec_ctx *out = ctx_of("encrypt-cert", PKI "server.crt", NULL);
    wssec_ctx *in = ctx_of(RECEIVER, "require", "timestamp", NULL);
    char *good = secure(out, 11, ts_enc, 2);
    char *xml = h_operate(good, s_unreferenced, 0);
    h_expect(in, good, 0, NULL, NULL);
    h_expect(in, xml, WSSEC_EPOLICY, "wsse:InvalidSecurity",
             "the Body holds an EncryptedData that no EncryptedKey of ours references");
    free(xml);
    free(good);
    wssec_ctx_free(out);
    wssec_ctx_free(in);
}

/* No oracle: padding, tag, key and plaintext failures are indistinguishable. */
static void test_no_oracle(void **state)
{
    (void)state;
    wssec_ctx *in = ctx_of(RECEIVER, "allow-cbc", "true", "allow-rsa15", "true", NULL);
    static const struct {
        const char *alg, *kt;
        h_surgery fn;
    } rows[] = {
        { "aes128-cbc", "rsa-oaep", s_cipher_tag },   /* CBC padding */
        { "aes128-cbc", "rsa-oaep", s_cipher_start }, /* CBC garbage plaintext */
        { "aes256-gcm", "rsa-oaep", s_cipher_tag },   /* GCM tag */
        { "aes256-gcm", "rsa-oaep", s_key_value },    /* OAEP padding */
        { "aes256-gcm", "rsa-1_5", s_key_value },     /* PKCS#1 v1.5: goes on with a random key */
        { "aes128-gcm", "rsa-1_5", s_key_truncated },
    };
    char first[600] = "";
    for (size_t i = 0; i < WSSEC_ARRAY_LEN(rows); i++) {
        wssec_ctx *out = ctx_of(SENDER, "enc-alg", rows[i].alg, "key-transport", rows[i].kt, NULL);
        char *good = secure(out, 11, ts_sig_enc, 3);
        char *xml = h_operate(good, rows[i].fn, 0);
        h_run r;
        assert_int_equal(h_verify(&r, in, xml), WSSEC_EDECRYPT);
        const wssec_error *e = h_run_err(&r);
        assert_string_equal(e->fault, "wsse:FailedCheck");
        if (!first[0]) snprintf(first, sizeof(first), "%s", e->message);
        assert_string_equal(e->message, first); /* the very same words */
        assert_string_equal(e->subject, "");  /* and no node named */
        h_run_free(&r);
        /* the untouched message decrypts */
        h_expect(in, good, 0, NULL, NULL);
        free(xml);
        free(good);
        wssec_ctx_free(out);
    }
    assert_string_equal(first, "decryption failed");
    wssec_ctx_free(in);
}

/* Every data algorithm x key transport x key reference, element, content and
 * header encryption, SOAP 1.1 and 1.2. */
static void test_round_trips(void **state)
{
    (void)state;
    static const char *const algs[] = { "aes256-gcm", "aes128-gcm", "aes128-cbc", "aes256-cbc" };
    static const char *const kts[] = { "rsa-oaep", "rsa-1_5" };
    static const char *const ids[] = { "issuer-serial", "ski", "thumbprint", "bst", "x509" };
    wssec_ctx *in = ctx_of(RECEIVER, "allow-cbc", "true", "allow-rsa15", "true", "require",
                           "timestamp,signature,encrypted:/soap:Envelope/soap:Body/m:Pay,"
                           "encrypted://r:Route",
                           "namespace", "m=urn:example:bank", "namespace", "r=urn:example:route",
                           NULL);
    for (size_t a = 0; a < WSSEC_ARRAY_LEN(algs); a++)
        for (size_t k = 0; k < WSSEC_ARRAY_LEN(kts); k++)
            for (size_t i = 0; i < WSSEC_ARRAY_LEN(ids); i++) {
                int soap = (a + i) % 2 ? 12 : 11;
                wssec_ctx *out = ctx_of(SENDER, "enc-alg", algs[a], "key-transport", kts[k],
                                        "enc-key-id", ids[i], "encrypt-part", "body",
                                        "encrypt-part", "{urn:example:route}Route", NULL);
                char *xml = secure(out, soap, ts_sig_enc, 3);
                assert_null(strstr(xml, ">bob<"));
                assert_null(strstr(xml, ">gateway-7<"));
                h_assert_contains(xml, "wsse11:EncryptedHeader");
                h_run r;
                int rc = h_verify(&r, in, xml);
                if (k == 1 && strstr(algs[a], "cbc")) {
                    /* RSA-1.5 with CBC: accepted when both are allowed, and said */
                    assert_true(h_has_warning(r.res, "rsa-1_5 key transport with CBC"));
                }
                if (rc) print_error("%s %s %s: %s\n", algs[a], kts[k], ids[i], h_run_err(&r)->message);
                assert_int_equal(rc, 0);
                xmlChar *body = xmlNodeGetContent(wssec_msg_body(r.msg));
                h_assert_contains((char *)body, "bob");
                xmlFree(body);
                assert_int_equal(wssec_result_decrypted_count(r.res), 2);
                int content = -1;
                xmlNodePtr plain = NULL;
                assert_int_equal(wssec_result_decrypted(&plain, &content, r.res, 0), 0);
                assert_ptr_equal(plain, wssec_msg_body(r.msg));
                assert_int_equal(content, 1);
                assert_true(wssec_result_is_decrypted(r.res, wssec_msg_body(r.msg)->children));
                h_run_free(&r);
                free(xml);
                wssec_ctx_free(out);
            }
    wssec_ctx_free(in);
}

/* Inbound defaults: GCM and OAEP only, refused before any decryption. */
static void test_default_algorithms(void **state)
{
    (void)state;
    wssec_ctx *in = ctx_of(RECEIVER, NULL);
    wssec_ctx *cbc = ctx_of(SENDER, "enc-alg", "aes128-cbc", NULL);
    wssec_ctx *v15 = ctx_of(SENDER, "key-transport", "rsa-1_5", NULL);
    char *a = secure(cbc, 11, ts_sig_enc, 3), *b = secure(v15, 11, ts_sig_enc, 3);
    h_expect(in, a, WSSEC_EALGORITHM, "wsse:UnsupportedAlgorithm",
             "aes128-cbc is refused by default: CBC without integrity is open to padding "
             "oracles (--allow-cbc");
    h_expect(in, b, WSSEC_EALGORITHM, "wsse:UnsupportedAlgorithm", "--allow-rsa15");
    free(a);
    free(b);
    wssec_ctx_free(in);
    wssec_ctx_free(cbc);
    wssec_ctx_free(v15);
}

/* Policy: encrypted:XPATH; no decryption key; a pre-shared key wrap. */
static void test_policy_and_psk(void **state)
{
    (void)state;
    wssec_ctx *out = ctx_of("sign-key", PKI "alice.key", "sign-cert", PKI "alice.crt", NULL);
    static const char *const ts_sig[] = { "timestamp", "signature" };
    char *signed_only = secure(out, 11, ts_sig, 2);
    wssec_ctx *in = ctx_of(RECEIVER, "require", "timestamp,signature,encrypted://soap:Body/*", NULL);
    h_run r;
    h_expect(in, signed_only, WSSEC_EPOLICY, "wsse:InvalidSecurity",
             "required encrypted part '//soap:Body/*' (/Envelope/Body/Pay) did not come from "
             "an EncryptedData");
    /* an encrypted message with no key to open it */
    wssec_ctx *enc = ctx_of(SENDER, NULL),
              *nokey = ctx_of("trust", PKI "root.crt", "certs", PKI "inter.crt", NULL);
    char *xml = secure(enc, 11, ts_sig_enc, 3);
    h_expect(nokey, xml, WSSEC_EDECRYPT, "wsse:FailedCheck", "no decryption key is configured");
    free(xml);
    /* AES key wrap with a pre-shared key */
    char *psk = h_tempfile("MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=\n");
    wssec_ctx *kwout = ctx_of("sign-key", PKI "alice.key", "sign-cert", PKI "alice.crt",
                              "key-transport", "kw-aes256", "psk-file", psk, NULL);
    wssec_ctx *kwin = ctx_of("trust", PKI "root.crt", "certs", PKI "inter.crt", "psk-file", psk, NULL);
    xml = secure(kwout, 12, ts_sig_enc, 3);
    h_assert_contains(xml, "#kw-aes256");
    h_expect(kwin, xml, 0, NULL, NULL);
    assert_int_equal(h_verify(&r, in, xml), WSSEC_EDECRYPT); /* no PSK there */
    h_assert_error(h_run_err(&r), WSSEC_EDECRYPT, "wsse:FailedCheck", "no pre-shared key");
    h_run_free(&r);
    unlink(psk);
    free(psk);
    free(xml);
    free(signed_only);
    wssec_ctx_free(out);
    wssec_ctx_free(in);
    wssec_ctx_free(enc);
    wssec_ctx_free(nokey);
    wssec_ctx_free(kwout);
    wssec_ctx_free(kwin);
}

/* 8.8: what decrypts must not bring a processing instruction, a duplicate ID
 * or a second Security header: encrypt such content with the library, then
 * verify. */
static void test_injected_plaintext(void **state)
{
    (void)state;
    wssec_ctx *in = ctx_of(RECEIVER, NULL);
    for (int kind = 0; kind < 4; kind++) {
        /* the header block to encrypt: the Route, or (kind 2) the block after ours */
        wssec_ctx *out = ctx_of(SENDER, "encrypt-part", "body", "encrypt-part",
                                kind < 2 ? "/soap:Envelope/soap:Header/*[local-name()='Route']:element"
                                         : "/soap:Envelope/soap:Header/*[2]:element",
                                NULL);
        char *plain = plain_message(11);
        wssec_msg *msg = h_parse(out, plain);
        xmlNodePtr pay = wssec_xml_first_elem(wssec_msg_body(msg));
        if (kind == 0) {
            xmlAddChild(pay, xmlNewDocPI(wssec_msg_doc(msg), BAD_CAST "evil", BAD_CAST "x"));
        } else if (kind == 1) {
            xmlNsPtr wsu = xmlSearchNsByHref(wssec_msg_doc(msg), pay, BAD_CAST WSSEC_NS_WSU);
            xmlSetNsProp(pay, wsu, BAD_CAST "Id", BAD_CAST "route"); /* the Route's ID */
        } else {
            /* the Route header becomes a second Security header once decrypted
             * (kind 3: its EncryptedData bare in the Header, WSS 1.0 style) */
            xmlNodePtr route = wssec_xml_first_elem(wssec_msg_header(msg));
            xmlNodeSetName(route, BAD_CAST "Security");
            xmlSetNs(route, xmlNewNs(route, BAD_CAST WSSEC_NS_WSSE, BAD_CAST "wsse2"));
        }
        wssec_secure_options o = WSSEC_SECURE_OPTIONS_INIT;
        o.actions = ts_sig_enc;
        o.n_actions = 3;
        int src = wssec_secure(msg, &o);
        if (src) print_error("secure: %s\n", wssec_msg_error(msg)->message);
        assert_int_equal(src, 0);
        unsigned char *bytes = NULL;
        size_t len = 0;
        assert_int_equal(wssec_msg_serialize(&bytes, &len, msg), 0);
        char *sent = kind == 3 ? h_operate((char *)bytes, s_header_bare, 0) : h_strf("%s", bytes);
        h_run r;
        int rc = h_verify(&r, in, sent);
        free(sent);
        static const char *const needles[] = { "processing instruction", "duplicate ID",
                                               "decrypted to a wsse:Security header",
                                               "decrypted to a wsse:Security header" };
        if (rc != WSSEC_EMALFORMED || !strstr(h_run_err(&r)->message, needles[kind]))
            print_error("kind %d: %s %s\n", kind, wssec_code_name(rc), h_run_err(&r)->message);
        assert_int_equal(rc, WSSEC_EMALFORMED);
        h_assert_error(h_run_err(&r), WSSEC_EMALFORMED, "wsse:InvalidSecurity", needles[kind]);
        h_run_free(&r);
        wssec_free(bytes);
        wssec_msg_free(msg);
        free(plain);
        wssec_ctx_free(out);
    }
    wssec_ctx_free(in);
}

/* WSS 1.0 header encryption: an EncryptedData directly in soap:Header is
 * decrypted in place and recorded as an encrypted header block; signed
 * (encrypt, then sign the bare EncryptedData), only that ciphertext is
 * decrypted; a second bare EncryptedData the ReferenceList is redirected to
 * is refused. */
static void s_header_redirected(xmlDocPtr doc)
{
    xmlNodePtr ed = h_xp(doc, "//soap:Header/xenc:EncryptedData");
    xmlNodePtr copy = xmlCopyNode(ed, 1);
    xmlSetProp(copy, BAD_CAST "Id", BAD_CAST "ED-evil");
    xmlAddNextSibling(ed, copy);
    xmlChar *id = xmlGetProp(ed, BAD_CAST "Id");
    char uri[80];
    snprintf(uri, sizeof(uri), "#%s", (char *)id);
    xmlFree(id);
    xmlNodePtr dr = h_xp(doc, "//xenc:DataReference[2]");
    xmlChar *was = xmlGetProp(dr, BAD_CAST "URI");
    assert_string_equal((char *)was, uri);
    xmlFree(was);
    xmlSetProp(dr, BAD_CAST "URI", BAD_CAST "#ED-evil");
}

static void test_header_wss10(void **state)
{
    (void)state;
    static const char *const ts_enc[] = { "timestamp", "encrypt" };
    static const char *const sig[] = { "signature" };
    wssec_ctx *enc = ctx_of("encrypt-cert", PKI "server.crt", "encrypt-part", "body", "encrypt-part",
                            "{urn:example:route}Route", NULL);
    wssec_ctx *sign = ctx_of("sign-key", PKI "alice.key", "sign-cert", PKI "alice.crt", "sign-part",
                             "timestamp", "sign-part",
                             "body", "sign-part",
                             "/soap:Envelope/soap:Header/*[local-name()='EncryptedData']", NULL);
    wssec_ctx *in = ctx_of(RECEIVER, "namespace", "r=urn:example:route", "require",
                           "signature,signed://r:Route,encrypted://r:Route", NULL);
    char *xml = secure(enc, 11, ts_enc, 2);
    char *bare = h_operate(xml, s_header_bare, 0);
    char *signed_bare = h_secure(sign, bare, sig, 1, NULL);
    h_run r;
    int rc = h_verify(&r, in, signed_bare);
    if (rc) print_error("%s\n", h_run_err(&r)->message);
    assert_int_equal(rc, 0);
    xmlNodePtr route = h_xp(wssec_msg_doc(r.msg), "/soap:Envelope/soap:Header/*[local-name()='Route']");
    assert_non_null(route);
    assert_int_equal(wssec_result_is_decrypted(r.res, route), 1);
    assert_int_equal(wssec_result_is_signed(r.res, route), 1);
    h_run_free(&r);
    /* unsigned, it decrypts as well (encrypted, not signed) */
    wssec_ctx *in_enc = ctx_of(RECEIVER, "namespace", "r=urn:example:route", "require",
                               "timestamp,encrypted://r:Route", NULL);
    h_expect(in_enc, bare, 0, NULL, NULL);
    char *evil = h_operate(signed_bare, s_header_redirected, 0);
    h_expect(in, evil, WSSEC_EUNSIGNED, "wsse:InvalidSecurity",
             "is not covered by the verified signature that covers this message's ciphertext");
    free(evil);
    free(signed_bare);
    free(bare);
    free(xml);
    wssec_ctx_free(in_enc);
    wssec_ctx_free(in);
    wssec_ctx_free(sign);
    wssec_ctx_free(enc);
}

/* The session key of a kw-aes256 EncryptedKey (PSK_32) re-wrapped with the
 * CMS Triple-DES key wrap under PSK_24 and labelled kw-tripledes: what an
 * old peer sends. */
static const unsigned char psk_32[32] = "0123456789abcdef0123456789abcdef";
static const unsigned char psk_24[24] = "0123456789abcdef01234567";

static void s_kw_tripledes(xmlDocPtr doc)
{
    xmlNodePtr cv = h_xp(doc, "//xenc:EncryptedKey/xenc:CipherData/xenc:CipherValue");
    xmlChar *b64 = xmlNodeGetContent(cv);
    unsigned char wrapped[64], key[64], out[80];
    int n = EVP_DecodeBlock(wrapped, b64, (int)strlen((char *)b64)), k = 0, f = 0;
    xmlFree(b64);
    assert_int_equal(n, 33); /* 24 bytes, the 8 of AES-KW, and one of padding */
    EVP_CIPHER_CTX *x = EVP_CIPHER_CTX_new();
    assert_int_equal(EVP_DecryptInit_ex(x, EVP_aes_256_wrap(), NULL, psk_32, NULL), 1);
    assert_int_equal(EVP_DecryptUpdate(x, key, &k, wrapped, 32), 1);
    assert_int_equal(EVP_DecryptFinal_ex(x, key + k, &f), 1);
    assert_int_equal(k + f, 24);
    EVP_CIPHER_CTX_reset(x);
    EVP_CIPHER_CTX_set_flags(x, EVP_CIPHER_CTX_FLAG_WRAP_ALLOW);
    assert_int_equal(EVP_EncryptInit_ex(x, EVP_des_ede3_wrap(), NULL, psk_24, NULL), 1);
    assert_int_equal(EVP_EncryptUpdate(x, out, &k, key, 24), 1);
    assert_int_equal(EVP_EncryptFinal_ex(x, out + k, &f), 1);
    EVP_CIPHER_CTX_free(x);
    unsigned char text[128];
    EVP_EncodeBlock(text, out, k + f);
    xmlNodeSetContent(cv, text);
    xmlSetProp(h_xp(doc, "//xenc:EncryptedKey/xenc:EncryptionMethod"), BAD_CAST "Algorithm",
               BAD_CAST "http://www.w3.org/2001/04/xmlenc#kw-tripledes");
}

/* 3DES (tripledes-cbc, kw-tripledes) only by explicit choice, both ways. */
static void test_tripledes(void **state)
{
    (void)state;
    static const char *const ts_enc[] = { "timestamp", "encrypt" };
    wssec_ctx *out = ctx_of("encrypt-cert", PKI "server.crt", "enc-alg", "tripledes-cbc", "allow-3des",
                            "true", NULL);
    wssec_ctx *in = ctx_of(RECEIVER, "require", "timestamp,encrypted:/soap:Envelope/soap:Body/*", NULL);
    wssec_ctx *in3 = ctx_of(RECEIVER, "allow-3des", "true", "require",
                            "timestamp,encrypted:/soap:Envelope/soap:Body/*", NULL);
    /* the generator refuses it unless named */
    wssec_ctx *no = ctx_of("encrypt-cert", PKI "server.crt", "enc-alg", "tripledes-cbc", NULL);
    char *plain = plain_message(11);
    wssec_msg *msg = h_parse(no, plain);
    wssec_secure_options o = WSSEC_SECURE_OPTIONS_INIT;
    o.actions = ts_enc;
    o.n_actions = 2;
    assert_int_equal(wssec_secure(msg, &o), WSSEC_ECONFIG);
    h_assert_error(wssec_msg_error(msg), WSSEC_ECONFIG, NULL, "enc-alg tripledes-cbc needs --allow-3des");
    wssec_msg_free(msg);
    char *xml = secure(out, 11, ts_enc, 2);
    assert_non_null(strstr(xml, "http://www.w3.org/2001/04/xmlenc#tripledes-cbc"));
    h_expect(in, xml, WSSEC_EALGORITHM, "wsse:UnsupportedAlgorithm",
             "tripledes-cbc is refused by default");
    h_expect(in3, xml, 0, NULL, NULL);
    /* allow-cbc does not allow 3DES */
    wssec_ctx *cbc = ctx_of(RECEIVER, "allow-cbc", "true", NULL);
    h_expect(cbc, xml, WSSEC_EALGORITHM, "wsse:UnsupportedAlgorithm", "--allow-3des");
    /* kw-tripledes key wrap with a 24-byte pre-shared key */
    char *p32 = h_tempfile("MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=\n");
    char *p24 = h_tempfile("MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3\n");
    wssec_ctx *kwout = ctx_of("enc-alg", "tripledes-cbc", "allow-3des", "true", "key-transport",
                              "kw-aes256", "psk-file", p32, NULL);
    wssec_ctx *kwin = ctx_of("psk-file", p24, "require", "timestamp", NULL);
    wssec_ctx *kwin3 = ctx_of("psk-file", p24, "allow-3des", "true", "require",
                              "timestamp,encrypted:/soap:Envelope/soap:Body/*", NULL);
    char *kw = secure(kwout, 11, ts_enc, 2);
    char *kw3 = h_operate(kw, s_kw_tripledes, 0);
    h_expect(kwin, kw3, WSSEC_EALGORITHM, "wsse:UnsupportedAlgorithm",
             "kw-tripledes key wrap is refused by default");
    h_expect(kwin3, kw3, 0, NULL, NULL);
    unlink(p32);
    unlink(p24);
    free(p32);
    free(p24);
    free(kw);
    free(kw3);
    free(xml);
    free(plain);
    wssec_ctx_free(kwout);
    wssec_ctx_free(kwin);
    wssec_ctx_free(kwin3);
    wssec_ctx_free(cbc);
    wssec_ctx_free(no);
    wssec_ctx_free(out);
    wssec_ctx_free(in);
    wssec_ctx_free(in3);
}

/* A header block encrypted with CBC whose IV was changed: the plaintext is
 * no longer a header block (malformed or not one element), and the answer
 * is the one decryption failure. */
static void s_header_iv(xmlDocPtr doc)
{
    flip(h_xp(doc, "//soap:Header/xenc:EncryptedData/xenc:CipherData/xenc:CipherValue"), 1);
}

static void test_header_wss10_malformed(void **state)
{
    (void)state;
    static const char *const ts_enc[] = { "timestamp", "encrypt" };
    wssec_ctx *out = ctx_of("encrypt-cert", PKI "server.crt", "enc-alg", "aes128-cbc", "encrypt-part",
                            "{urn:example:route}Route", NULL);
    wssec_ctx *in = ctx_of(RECEIVER, "allow-cbc", "true", "require", "timestamp", NULL);
    char *xml = secure(out, 11, ts_enc, 2);
    char *bare = h_operate(xml, s_header_bare, 0);
    h_expect(in, bare, 0, NULL, NULL);
    char *broken = h_operate(bare, s_header_iv, 0);
    h_expect(in, broken, WSSEC_EDECRYPT, "wsse:FailedCheck", "decryption failed");
    free(broken);
    free(bare);
    free(xml);
    wssec_ctx_free(out);
    wssec_ctx_free(in);
}

/* Sign, then encrypt the Signature too. */
static void test_encrypted_signature(void **state)
{
    (void)state;
    wssec_ctx *out = ctx_of(SENDER, "encrypt-part", "body", "encrypt-part", "signature", NULL);
    wssec_ctx *in = ctx_of(RECEIVER, NULL);
    char *xml = secure(out, 11, ts_sig_enc, 3);
    assert_null(strstr(xml, "<ds:SignatureValue"));
    h_run r;
    int rc = h_verify(&r, in, xml);
    if (rc) print_error("%s\n", h_run_err(&r)->message);
    assert_int_equal(rc, 0);
    assert_true(wssec_result_is_signed(r.res, wssec_msg_body(r.msg)));
    assert_string_equal(wssec_result_caller(r.res), "CN=alice,OU=Clients,O=wssec test,C=US");
    h_run_free(&r);
    free(xml);
    wssec_ctx_free(out);
    wssec_ctx_free(in);
}

/* ---- the security review's cases (ATTACKS.md §16b) ---- */

/* The nodes of the document, to tell a live node from a dangling one. */
static int in_document(xmlDocPtr doc, xmlNodePtr node)
{
    xmlNodePtr root = xmlDocGetRootElement(doc);
    for (xmlNodePtr n = root; n; n = wssec_xml_next_in(n, root))
        if (n == node) return 1;
    return 0;
}

static char cr_uri[200];
static const char *cr_where;

/* A CipherReference in place of the CipherValue of cr_where's CipherData. */
static void s_cipher_reference(xmlDocPtr doc)
{
    xmlNodePtr cv = h_xp(doc, cr_where);
    xmlNodePtr cd = cv->parent;
    xmlUnlinkNode(cv);
    xmlFreeNode(cv);
    xmlNodePtr ref = xmlNewChild(cd, cd->ns, BAD_CAST "CipherReference", NULL);
    xmlSetProp(ref, BAD_CAST "URI", BAD_CAST cr_uri);
}

static void s_two_cipher_values(xmlDocPtr doc)
{
    xmlNodePtr cv = h_xp(doc, "//soap:Body/xenc:EncryptedData/xenc:CipherData/xenc:CipherValue");
    xmlAddNextSibling(cv, xmlCopyNode(cv, 1));
}

/* A message never causes I/O: a CipherReference (http: to a listener on
 * loopback, file: to a file watched with inotify), in an EncryptedData or in
 * an EncryptedKey, is refused before any key is used, by verify and by
 * inspect; nobody connects, nothing is opened. */
static void test_cipher_reference_no_io(void **state)
{
    (void)state;
    int ls = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t alen = sizeof(a);
    assert_true(ls >= 0);
    assert_int_equal(bind(ls, (struct sockaddr *)&a, sizeof(a)), 0);
    assert_int_equal(listen(ls, 8), 0);
    assert_int_equal(getsockname(ls, (struct sockaddr *)&a, &alen), 0);
    char *file = h_tempfile("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n");
    int in_fd = inotify_init1(IN_NONBLOCK);
    assert_true(in_fd >= 0);
    assert_true(inotify_add_watch(in_fd, file, IN_OPEN | IN_ACCESS) >= 0);

    wssec_ctx *out = ctx_of(SENDER, NULL);
    wssec_ctx *in = ctx_of(RECEIVER, "allow-cbc", "true", NULL);
    char *good = secure(out, 11, ts_sig_enc, 3);
    static const char *const where[] = {
        "//soap:Body/xenc:EncryptedData/xenc:CipherData/xenc:CipherValue",
        "//xenc:EncryptedKey/xenc:CipherData/xenc:CipherValue",
    };
    for (size_t w = 0; w < WSSEC_ARRAY_LEN(where); w++)
        for (int kind = 0; kind < 2; kind++) {
            cr_where = where[w];
            if (kind == 0)
                snprintf(cr_uri, sizeof(cr_uri), "http://127.0.0.1:%u/cipher", ntohs(a.sin_port));
            else
                snprintf(cr_uri, sizeof(cr_uri), "file://%s", file);
            char *xml = h_operate(good, s_cipher_reference, 0);
            for (int inspect = 0; inspect < 2; inspect++) {
                h_run r;
                int rc = inspect ? h_inspect(&r, in, xml) : h_verify(&r, in, xml);
                if (!inspect) {
                    assert_int_equal(rc, WSSEC_EUNSUPPORTED);
                    h_assert_error(h_run_err(&r), WSSEC_EUNSUPPORTED, "wsse:UnsupportedAlgorithm",
                                   "xenc:CipherReference is refused");
                }
                h_run_free(&r);
                /* nobody connected, nothing was opened */
                int c = accept(ls, NULL, NULL);
                if (c >= 0) close(c);
                assert_int_equal(c, -1);
                char ev[4096];
                assert_true(read(in_fd, ev, sizeof(ev)) < 0);
            }
            free(xml);
        }
    /* exactly one CipherValue */
    char *two = h_operate(good, s_two_cipher_values, 0);
    h_expect(in, two, WSSEC_EMALFORMED, NULL, "exactly one xenc:CipherValue (it has 1 CipherData, 2 CipherValue)");
    free(two);
    free(good);
    close(in_fd);
    close(ls);
    unlink(file);
    free(file);
    wssec_ctx_free(out);
    wssec_ctx_free(in);
}

/* Encrypt, then sign a header block (what CXF does): the signature covered
 * the EncryptedHeader; after decryption the very header block counts as
 * signed and decrypted, and every record points into the document. */
static void test_signed_ciphertext_records(void **state)
{
    (void)state;
    static const char *const ts_enc_sig[] = { "timestamp", "encrypt", "signature" };
    wssec_ctx *out = ctx_of(SENDER, "encrypt-part", "body", "encrypt-part", "{urn:example:route}Route", NULL);
    wssec_ctx *in = ctx_of(RECEIVER, "namespace", "r=urn:example:route", "require",
                           "timestamp,signature,signed://r:Route,encrypted://r:Route", NULL);
    char *xml = secure(out, 11, ts_enc_sig, 3);
    h_run r;
    int rc = h_verify(&r, in, xml);
    if (rc) print_error("%s\n", h_run_err(&r)->message);
    assert_int_equal(rc, 0);
    xmlDocPtr doc = wssec_msg_doc(r.msg);
    xmlNodePtr route = NULL;
    for (xmlNodePtr h = wssec_xml_first_elem(wssec_msg_header(r.msg)); h; h = wssec_xml_next_elem(h))
        if (wssec_xml_is(h, "urn:example:route", "Route")) route = h;
    assert_non_null(route);
    assert_int_equal(wssec_result_is_signed(r.res, route), 1);
    assert_int_equal(wssec_result_is_decrypted(r.res, route), 1);
    for (size_t i = 0; i < wssec_result_signed_count(r.res); i++) {
        xmlNodePtr n = NULL;
        assert_int_equal(wssec_result_signed(&n, NULL, NULL, NULL, r.res, i), 0);
        assert_true(in_document(doc, n));
    }
    for (size_t i = 0; i < wssec_result_decrypted_count(r.res); i++) {
        xmlNodePtr plain = NULL;
        assert_int_equal(wssec_result_decrypted(&plain, NULL, r.res, i), 0);
        assert_true(in_document(doc, plain));
    }
    for (size_t i = 0; i < wssec_result_token_count(r.res); i++)
        assert_true(in_document(doc, wssec_token_node(wssec_result_token(r.res, i))));
    h_run_free(&r);
    /* inspect walks the same records */
    assert_int_equal(h_inspect(&r, in, xml), 0);
    for (size_t i = 0; i < wssec_result_token_count(r.res); i++)
        assert_true(in_document(wssec_msg_doc(r.msg), wssec_token_node(wssec_result_token(r.res, i))));
    h_run_free(&r);
    free(xml);
    wssec_ctx_free(out);
    wssec_ctx_free(in);
}

/* The EncryptedKey moved ahead of the Signature that covers the ciphertext */
static void s_key_first(xmlDocPtr doc)
{
    h_move(doc, "//xenc:EncryptedKey", "//wsse:Security/ds:Signature", H_BEFORE);
}

static int second_key_first;

/* A second EncryptedKey (the same wrapped key) for a modified copy of the
 * signed Body ciphertext, placed in a header block of the attacker's */
static void s_second_key(xmlDocPtr doc)
{
    xmlNodePtr ek = h_xp(doc, "//xenc:EncryptedKey"), ed = h_xp(doc, "//soap:Body/xenc:EncryptedData");
    xmlNodePtr copy = xmlCopyNode(ed, 1);
    xmlSetProp(copy, BAD_CAST "Id", BAD_CAST "ED-evil");
    h_wrap(h_xp(doc, "//soap:Header"), "Other", copy);
    xmlNodePtr ek2 = xmlCopyNode(ek, 1);
    xmlSetProp(ek2, BAD_CAST "Id", BAD_CAST "EK-evil");
    xmlNodePtr rl = NULL;
    for (xmlNodePtr c = ek2->children; c; c = c->next)
        if (c->type == XML_ELEMENT_NODE && xmlStrEqual(c->name, BAD_CAST "ReferenceList")) rl = c;
    while (rl->children) h_remove(rl->children);
    xmlNodePtr dr = xmlNewChild(rl, rl->ns, BAD_CAST "DataReference", NULL);
    xmlSetProp(dr, BAD_CAST "URI", BAD_CAST "#ED-evil");
    if (second_key_first)
        xmlAddPrevSibling(h_xp(doc, "//wsse:Security/ds:Signature"), ek2);
    else
        xmlAddNextSibling(ek, ek2);
}

/* Nothing was decrypted: the Body still holds its EncryptedData and no
 * plaintext element (its text, base64, may hold any three letters, so the
 * plaintext's words are not looked for in it). */
static void assert_not_decrypted(wssec_msg *msg)
{
    xmlNodePtr first = wssec_xml_first_elem(wssec_msg_body(msg));
    assert_true(wssec_xml_is(first, WSSEC_NS_XENC, "EncryptedData"));
    assert_null(wssec_xml_next_elem(first));
}

/* Only signed ciphertext is decrypted, whatever the order of the blocks:
 * the EncryptedKey ahead of the Signature changes nothing, and a second
 * EncryptedKey for unsigned ciphertext is refused, before or after the
 * first, before any key is used. */
static void test_order_independence(void **state)
{
    (void)state;
    static const char *const ts_enc_sig[] = { "timestamp", "encrypt", "signature" };
    wssec_ctx *out = ctx_of(SENDER, "enc-alg", "aes128-cbc", NULL);
    wssec_ctx *in = ctx_of(RECEIVER, "allow-cbc", "true", NULL);
    char *ets = secure(out, 11, ts_enc_sig, 3);
    h_run r;
    char *moved = h_operate(ets, s_key_first, 0);
    int rc = h_verify(&r, in, moved);
    if (rc) print_error("key first: %s\n", h_run_err(&r)->message);
    assert_int_equal(rc, 0);
    h_run_free(&r);
    for (second_key_first = 0; second_key_first < 2; second_key_first++) {
        char *xml = h_operate(ets, s_second_key, 0);
        rc = h_verify(&r, in, xml);
        if (rc != WSSEC_EUNSIGNED) print_error("second key: %s\n", h_run_err(&r)->message);
        assert_int_equal(rc, WSSEC_EUNSIGNED);
        h_assert_error(h_run_err(&r), WSSEC_EUNSIGNED, "wsse:InvalidSecurity",
                       "EncryptedData #ED-evil is not covered by the verified signature");
        /* nothing was decrypted: the refusal came before any key was used */
        assert_not_decrypted(r.msg);
        h_run_free(&r);
        free(xml);
    }
    free(moved);
    free(ets);
    wssec_ctx_free(out);
    wssec_ctx_free(in);
}

static void s_iv_letter(xmlDocPtr doc) /* a letter of the first plaintext block changes */
{
    flip(h_xp(doc, "//soap:Body/xenc:EncryptedData/xenc:CipherData/xenc:CipherValue"), 1);
}

/* With CBC and no signature over the ciphertext, what the plaintext turns
 * out to be cannot be learned from the outcome: well-formed plaintext that
 * later fails its signature and malformed plaintext fail alike. */
static void test_cbc_no_oracle_after_decryption(void **state)
{
    (void)state;
    wssec_ctx *out = ctx_of(SENDER, "enc-alg", "aes128-cbc", NULL);
    wssec_ctx *in = ctx_of(RECEIVER, "allow-cbc", "true", NULL);
    char *body = h_strf("<soap:Envelope xmlns:soap=\"%s\"><soap:Header/><soap:Body>AAAAAAAAAAAAAAAA"
                        "<m:Pay xmlns:m=\"urn:example:bank\"><m:To>bob</m:To></m:Pay></soap:Body>"
                        "</soap:Envelope>", WSSEC_NS_SOAP11);
    char *good = h_secure(out, body, ts_sig_enc, 3, NULL);
    h_surgery cases[] = { s_iv_letter, s_cipher_tag, s_cipher_start };
    h_run r;
    h_expect(in, good, 0, NULL, NULL);
    for (size_t i = 0; i < WSSEC_ARRAY_LEN(cases); i++) {
        char *xml = h_operate(good, cases[i], 0);
        int rc = h_verify(&r, in, xml);
        if (rc != WSSEC_EDECRYPT) print_error("case %zu: %s\n", i, h_run_err(&r)->message);
        assert_int_equal(rc, WSSEC_EDECRYPT);
        const wssec_error *e = h_run_err(&r);
        assert_string_equal(e->fault, "wsse:FailedCheck");
        assert_string_equal(e->message, "decryption failed");
        assert_string_equal(e->subject, "");
        h_run_free(&r);
        free(xml);
    }
    free(good);
    free(body);
    wssec_ctx_free(out);
    wssec_ctx_free(in);
}

static void s_route_broken(xmlDocPtr doc)
{
    flip(h_xp(doc, "//wsse11:EncryptedHeader/xenc:EncryptedData/xenc:CipherData/xenc:CipherValue"), -8);
}

/* A rejection is final: no caller, no coverage, no decrypted parts, no
 * identities; a message refused after part of it was decrypted cannot be
 * serialized. */
static void test_rejection_final(void **state)
{
    (void)state;
    wssec_ctx *out = ctx_of(SENDER, "encrypt-part", "body", "encrypt-part", "{urn:example:route}Route", NULL);
    wssec_ctx *in = ctx_of(RECEIVER, NULL);
    wssec_ctx *strict = ctx_of(RECEIVER, "namespace", "x=urn:nowhere", "require",
                               "timestamp,signature,signed://soap:Header", NULL);
    char *xml = secure(out, 11, ts_sig_enc, 3);
    h_run r;
    assert_int_equal(h_verify(&r, in, xml), 0);
    assert_non_null(wssec_result_caller(r.res));
    assert_true(wssec_result_signed_count(r.res) > 0);
    h_run_free(&r);
    /* refused by the policy after everything verified and decrypted */
    assert_int_equal(h_verify(&r, strict, xml), WSSEC_EUNSIGNED);
    assert_null(wssec_result_caller(r.res));
    assert_int_equal(wssec_result_signed_count(r.res), 0);
    assert_int_equal(wssec_result_decrypted_count(r.res), 0);
    assert_int_equal(wssec_result_is_signed(r.res, wssec_msg_body(r.msg)), 0);
    for (size_t i = 0; i < wssec_result_token_count(r.res); i++)
        assert_null(wssec_token_identity(wssec_result_token(r.res, i)));
    unsigned char *bytes = NULL;
    size_t len = 0;
    assert_int_equal(wssec_msg_serialize(&bytes, &len, r.msg), WSSEC_EINVALID);
    assert_null(bytes);
    h_run_free(&r);
    /* the Body decrypts, then the header's ciphertext fails */
    char *broken = h_operate(xml, s_route_broken, 0);
    assert_int_equal(h_verify(&r, in, broken), WSSEC_EDECRYPT);
    assert_int_equal(wssec_msg_serialize(&bytes, &len, r.msg), WSSEC_EINVALID);
    assert_null(bytes);
    h_run_free(&r);
    free(broken);
    free(xml);
    wssec_ctx_free(out);
    wssec_ctx_free(in);
    wssec_ctx_free(strict);
}

static void s_five_keys(xmlDocPtr doc)
{
    xmlNodePtr ek = h_xp(doc, "//xenc:EncryptedKey");
    for (int i = 0; i < 4; i++) {
        xmlNodePtr c = xmlCopyNode(ek, 1);
        char id[16];
        snprintf(id, sizeof(id), "EK-copy%d", i);
        xmlSetProp(c, BAD_CAST "Id", BAD_CAST id);
        xmlAddNextSibling(ek, c);
    }
}

/* Bounded work: more EncryptedKeys than max-encrypted-keys are refused
 * before any key is used. */
static void test_max_encrypted_keys(void **state)
{
    (void)state;
    wssec_ctx *out = ctx_of(SENDER, NULL);
    wssec_ctx *in = ctx_of(RECEIVER, NULL);
    char *good = secure(out, 11, ts_sig_enc, 3);
    char *xml = h_operate(good, s_five_keys, 0);
    h_expect(in, xml, WSSEC_ELIMIT, "wsse:InvalidSecurity",
             "holds 5 EncryptedKeys, more than max-encrypted-keys 4");
    free(xml);
    free(good);
    wssec_ctx_free(out);
    wssec_ctx_free(in);
}

static void s_cleartext_beside(xmlDocPtr doc)
{
    xmlNodePtr e = h_elem(doc, "urn:example:bank", "m", "Evil");
    xmlNodeSetContent(e, BAD_CAST "x");
    xmlAddChild(h_xp(doc, "//soap:Body"), e);
}

/* encrypted:XPATH is met only by what decryption inserted, never by
 * cleartext placed beside the EncryptedData. */
static void test_encrypted_only_inserted(void **state)
{
    (void)state;
    static const char *const enc[] = { "encrypt" };
    wssec_ctx *out = ctx_of("encrypt-cert", PKI "server.crt", NULL);
    wssec_ctx *in = ctx_of(RECEIVER, "require", "encrypted://soap:Body/*", NULL);
    char *good = secure(out, 11, enc, 1);
    char *xml = h_operate(good, s_cleartext_beside, 0);
    h_expect(in, good, 0, NULL, NULL);
    h_expect(in, xml, WSSEC_EPOLICY, "wsse:InvalidSecurity",
             "(/Envelope/Body/Evil) did not come from an EncryptedData");
    free(xml);
    free(good);
    wssec_ctx_free(out);
    wssec_ctx_free(in);
}

/* RSA-1.5 implicit rejection: a non-conformant wrapped key always yields the
 * same substitute key (a fresh random one would tell conformant from not
 * through later outcomes), and different bytes a different one. */
static void test_rsa15_implicit_rejection(void **state)
{
    (void)state;
    EVP_PKEY *pk = NULL;
    char why[200];
    assert_int_equal(wssec__load_key(PKI "server.key", &pk, NULL, why, sizeof(why)), 0);
    unsigned char junk[256], k1[32], k2[32], k3[32];
    memset(junk, 0x5a, sizeof(junk));
    junk[0] = 0x01;
    assert_int_equal(wssec__rsa_unwrap(pk, WSSEC_KT_RSA15, junk, sizeof(junk), 32, k1), 0);
    assert_int_equal(wssec__rsa_unwrap(pk, WSSEC_KT_RSA15, junk, sizeof(junk), 32, k2), 0);
    assert_memory_equal(k1, k2, sizeof(k1));
    junk[100] ^= 1;
    assert_int_equal(wssec__rsa_unwrap(pk, WSSEC_KT_RSA15, junk, sizeof(junk), 32, k3), 0);
    assert_memory_not_equal(k1, k3, sizeof(k1));
    /* OAEP has no such thing: it fails */
    assert_int_equal(wssec__rsa_unwrap(pk, WSSEC_KT_RSA_OAEP, junk, sizeof(junk), 32, k3), WSSEC_EDECRYPT);
    EVP_PKEY_free(pk);
}

/* The copy of the private key kept for decrypting (keylocator.h) serves
 * every unwrap, and a ciphertext whose padding fails does not renew it: a
 * renewal would make the next decryption slower, telling the sender how its
 * padding fared. A failure for want of memory renews it (the allocation
 * torture's sticky pass shows the damage otherwise). */
static void test_rsa_unwrap_keeps_key_on_bad_padding(void **state)
{
    (void)state;
    EVP_PKEY *pk = NULL;
    char why[200];
    assert_int_equal(wssec__load_key(PKI "server.key", &pk, NULL, why, sizeof(why)), 0);
    /* a good OAEP wrap of a 32-byte key (with the key's public half) */
    unsigned char key[32], wrapped[512], got[32];
    size_t wlen = sizeof(wrapped);
    memset(key, 0x3c, sizeof(key));
    EVP_PKEY_CTX *c = EVP_PKEY_CTX_new(pk, NULL);
    assert_non_null(c);
    assert_int_equal(EVP_PKEY_encrypt_init(c), 1);
    assert_true(EVP_PKEY_CTX_set_rsa_padding(c, RSA_PKCS1_OAEP_PADDING) > 0);
    assert_int_equal(EVP_PKEY_encrypt(c, wrapped, &wlen, key, sizeof(key)), 1);
    EVP_PKEY_CTX_free(c);

    assert_int_equal(wssec__rsa_unwrap(pk, WSSEC_KT_RSA_OAEP, wrapped, wlen, 32, got), 0);
    assert_memory_equal(got, key, sizeof(key));
    EVP_PKEY *kept = wssec__pkey_kept(pk);
    assert_non_null(kept);
    assert_ptr_not_equal(kept, pk);
    wrapped[wlen / 2] ^= 0x10; /* the padding no longer checks */
    for (int i = 0; i < 3; i++)
        assert_int_equal(wssec__rsa_unwrap(pk, WSSEC_KT_RSA_OAEP, wrapped, wlen, 32, got),
                         WSSEC_EDECRYPT);
    assert_int_equal(ERR_peek_error(), 0); /* the queue is left empty */
    EVP_PKEY *after = wssec__pkey_kept(pk);
    assert_ptr_equal(after, kept); /* not renewed */
    EVP_PKEY_free(after);
    wrapped[wlen / 2] ^= 0x10;
    assert_int_equal(wssec__rsa_unwrap(pk, WSSEC_KT_RSA_OAEP, wrapped, wlen, 32, got), 0);
    assert_memory_equal(got, key, sizeof(key));
    /* a wrong length: refused, the kept copy stays */
    assert_int_equal(wssec__rsa_unwrap(pk, WSSEC_KT_RSA_OAEP, wrapped, wlen - 1, 32, got),
                     WSSEC_EDECRYPT);
    after = wssec__pkey_kept(pk);
    assert_ptr_equal(after, kept);
    EVP_PKEY_free(after);
    EVP_PKEY_free(kept);
    EVP_PKEY_free(pk);
}

/* IV || AES-GCM(plain) || tag, as base64 without line breaks, into b64. */
static size_t gcm_text(const unsigned char *key, int aes256, const unsigned char *plain,
                       size_t n, char *b64)
{
    unsigned char raw[600];
    int w = 0, f = 0;
    assert_true(n + 28 <= sizeof(raw));
    memset(raw, 0xa7, 12); /* a fixed IV: these texts are test vectors */
    EVP_CIPHER_CTX *x = EVP_CIPHER_CTX_new();
    assert_non_null(x);
    assert_int_equal(EVP_EncryptInit_ex(x, aes256 ? EVP_aes_256_gcm() : EVP_aes_128_gcm(), NULL,
                                        key, raw),
                     1);
    assert_int_equal(EVP_EncryptUpdate(x, raw + 12, &w, plain, (int)n), 1);
    assert_int_equal(EVP_EncryptFinal_ex(x, raw + 12 + w, &f), 1);
    assert_int_equal(EVP_CIPHER_CTX_ctrl(x, EVP_CTRL_GCM_GET_TAG, 16, raw + 12 + n), 1);
    EVP_CIPHER_CTX_free(x);
    return (size_t)EVP_EncodeBlock((unsigned char *)b64, raw, (int)(n + 28));
}

static int gd_text(const char *t, size_t n, int aes256, const unsigned char *key)
{
    return gd_compare((const unsigned char *)t, n, aes256, key);
}

/* The direct AES-GCM decryption (base64 straight into the cipher) against
 * xmlsec's, on the texts a sender can write: line breaks and blanks
 * anywhere, CDATA pieces, every character replaced at every position,
 * padding misplaced, truncation, a flipped tag or IV. */
static void test_gcm_direct_matches_xmlsec(void **state)
{
    (void)state;
    unsigned char key[32], plain[100];
    for (size_t i = 0; i < sizeof(key); i++) key[i] = (unsigned char)(i * 7 + 1);
    for (size_t i = 0; i < sizeof(plain); i++) plain[i] = (unsigned char)('a' + i % 26);
    size_t same = 0, both = 0, declined = 0, total = 0;
    char b64[1024], v[1200];
    static const char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/= \t\r\n-*.\x01\x80\xff";
    for (int aes256 = 0; aes256 <= 1; aes256++)
        for (size_t n = 0; n <= 35; n += 1) {
            size_t len = gcm_text(key, aes256, plain, n, b64);
            int rc = gd_text(b64, len, aes256, key);
            assert_int_equal(rc, GD_SAME);
            /* every character replaced by each of the alphabet's (n of 0, 1,
             * 2 and 34: the padding cases) */
            if (n > 2 && n != 34) continue;
            for (size_t at = 0; at < len; at++)
                for (size_t a = 0; a < sizeof(alphabet) - 1; a++) {
                    memcpy(v, b64, len);
                    v[at] = alphabet[a];
                    rc = gd_text(v, len, aes256, key);
                    assert_true(rc == GD_SAME || rc == GD_BOTH_FAIL || rc == GD_DECLINED);
                    same += rc == GD_SAME, both += rc == GD_BOTH_FAIL, declined += rc == GD_DECLINED;
                    total++;
                    /* the character inserted rather than replacing */
                    memcpy(v, b64, at);
                    v[at] = alphabet[a];
                    memcpy(v + at + 1, b64 + at, len - at);
                    rc = gd_text(v, len + 1, aes256, key);
                    assert_true(rc == GD_SAME || rc == GD_BOTH_FAIL || rc == GD_DECLINED);
                    same += rc == GD_SAME, both += rc == GD_BOTH_FAIL, declined += rc == GD_DECLINED;
                    total++;
                }
        }
    /* white space and CDATA pieces (a NUL separates the pieces) keep it */
    size_t len = gcm_text(key, 1, plain, 100, b64);
    size_t k = 0;
    for (size_t i = 0; i < len; i++) {
        if (i % 7 == 0) v[k++] = '\n';
        if (i % 11 == 0) v[k++] = ' ';
        if (i % 29 == 0) v[k++] = '\0';
        v[k++] = b64[i];
    }
    assert_int_equal(gd_text(v, k, 1, key), GD_SAME);
    /* the tag, the IV, the length */
    memcpy(v, b64, len);
    v[len - 5] = v[len - 5] == 'A' ? 'B' : 'A';
    assert_int_equal(gd_text(v, len, 1, key), GD_BOTH_FAIL);
    memcpy(v, b64, len);
    v[0] = v[0] == 'A' ? 'B' : 'A';
    assert_int_equal(gd_text(v, len, 1, key), GD_BOTH_FAIL);
    assert_int_equal(gd_text(b64, 36, 1, key), GD_BOTH_FAIL); /* 27 bytes: no room for a tag */
    assert_int_equal(gd_text(b64, len - 4, 1, key), GD_BOTH_FAIL);
    assert_int_equal(gd_text("", 0, 1, key), GD_BOTH_FAIL);
    assert_int_equal(gd_text(" \n", 2, 1, key), GD_BOTH_FAIL);
    /* after '=': nothing but white space */
    memcpy(v, b64, len);
    memcpy(v + len, "==", 2);
    assert_int_equal(gd_text(v, len + 2, 1, key), GD_DECLINED);
    /* the wrong key size for the algorithm's text: aes128 with the first 16 */
    assert_int_equal(gd_text(b64, len, 0, key), GD_BOTH_FAIL);
    print_message("gcm: %zu variants: %zu same, %zu both refused, %zu left to xmlsec\n", total,
                  same, both, declined);
    assert_true(same > 0 && both > 0 && declined > 0);
}

#define BODY_CV "//soap:Body/xenc:EncryptedData/xenc:CipherData/xenc:CipherValue"

/* The Body's CipherValue as a peer may write it: lines of 64 with CRLF and
 * a CDATA piece (the direct AES-GCM path takes it). */
static void s_cipher_lines(xmlDocPtr doc)
{
    xmlNodePtr cv = h_xp(doc, BODY_CV);
    xmlChar *t = xmlNodeGetContent(cv);
    size_t n = strlen((char *)t), k = 0;
    char *v = malloc(n * 2 + 4);
    assert_non_null(v);
    for (size_t i = 0; i < n; i++) {
        if (i && i % 64 == 0) v[k++] = '\r', v[k++] = '\n';
        v[k++] = (char)t[i];
    }
    size_t half = k / 2;
    xmlNodeSetContent(cv, NULL);
    xmlAddChild(cv, xmlNewTextLen(BAD_CAST v, (int)half));
    xmlAddChild(cv, xmlNewCDataBlock(doc, BAD_CAST v + half, (int)(k - half)));
    free(v);
    xmlFree(t);
}

/* A comment in the CipherValue: not the direct path's shape, so xmlsec
 * decrypts (xmlNodeGetContent skips the comment). */
static void s_cipher_comment(xmlDocPtr doc)
{
    xmlAddChild(h_xp(doc, BODY_CV), xmlNewComment(BAD_CAST "xmlsec decides"));
}

static void s_cipher_tag_comment(xmlDocPtr doc)
{
    s_cipher_tag(doc);
    s_cipher_comment(doc);
}

/* The Body of a verified run, serialized (the caller frees it). */
static char *verified_body(const wssec_ctx *in, const char *xml)
{
    h_run r;
    assert_int_equal(h_verify(&r, in, xml), 0);
    xmlBufferPtr b = xmlBufferCreate();
    assert_non_null(b);
    assert_true(xmlNodeDump(b, wssec_msg_doc(r.msg), wssec_msg_body(r.msg), 0, 0) > 0);
    char *out = strdup((const char *)xmlBufferContent(b));
    xmlBufferFree(b);
    h_run_free(&r);
    return out;
}

/* A whole message decrypted by the direct AES-GCM path and by xmlsec gives
 * the same Body, and a changed tag the same refusal. */
static void test_gcm_direct_message_matches_xmlsec(void **state)
{
    (void)state;
    wssec_ctx *out = ctx_of(SENDER, NULL);
    wssec_ctx *in = ctx_of(RECEIVER, NULL);
    char *ste = secure(out, 11, ts_sig_enc, 3);
    char *lines = h_operate(ste, s_cipher_lines, 0);
    char *comment = h_operate(ste, s_cipher_comment, 0);
    char *a = verified_body(in, ste), *b = verified_body(in, lines), *c = verified_body(in, comment);
    assert_non_null(strstr(a, "<m:Amount>10</m:Amount>"));
    assert_string_equal(a, b);
    assert_string_equal(a, c);
    char *tag = h_operate(ste, s_cipher_tag, 0), *tag_xmlsec = h_operate(ste, s_cipher_tag_comment, 0);
    h_run r1, r2;
    assert_int_equal(h_verify(&r1, in, tag), WSSEC_EDECRYPT);
    assert_int_equal(h_verify(&r2, in, tag_xmlsec), WSSEC_EDECRYPT);
    assert_string_equal(h_run_err(&r1)->message, h_run_err(&r2)->message);
    h_run_free(&r1);
    h_run_free(&r2);
    free(a), free(b), free(c), free(tag), free(tag_xmlsec);
    free(lines), free(comment), free(ste);
    wssec_ctx_free(out);
    wssec_ctx_free(in);
}

static void s_many_forged_signatures(xmlDocPtr doc)
{
    xmlNodePtr sig = h_xp(doc, "//wsse:Security/ds:Signature");
    flip(h_xp(doc, "//wsse:Security/ds:Signature/ds:SignatureValue"), 12);
    for (int i = 0; i < 40; i++) xmlAddNextSibling(sig, xmlCopyNode(sig, 1));
}

/* inspect keeps going after failures, within a budget. */
static void test_inspect_budget(void **state)
{
    (void)state;
    wssec_ctx *out = ctx_of(SENDER, NULL);
    wssec_ctx *in = ctx_of(RECEIVER, NULL);
    static const char *const ts_sig[] = { "timestamp", "signature" };
    char *good = secure(out, 11, ts_sig, 2);
    char *xml = h_operate(good, s_many_forged_signatures, 0);
    h_run r;
    assert_int_equal(h_inspect(&r, in, xml), 0);
    assert_true(h_has_warning(r.res, "inspect stopped after 16 failing blocks"));
    size_t failing = 0;
    for (size_t i = 0; i < wssec_result_token_count(r.res); i++)
        failing += wssec_token_status(wssec_result_token(r.res, i)) != 0;
    assert_int_equal(failing, 16);
    h_run_free(&r);
    free(xml);
    free(good);
    wssec_ctx_free(out);
    wssec_ctx_free(in);
}

/* zeep's order: the BinarySecurityToken after the Signature that uses it,
 * in a sign-then-encrypt message: the signature's first attempt (before
 * decryption) consumes the token ahead; its failure is the signature's, and
 * the token stays good for the attempt after decryption. */
static void s_bst_last(xmlDocPtr doc)
{
    h_move(doc, "//wsse:BinarySecurityToken", "//wsse:Security", H_INTO);
}

static void test_sign_then_encrypt_token_last(void **state)
{
    (void)state;
    wssec_ctx *out = ctx_of(SENDER, "key-id", "bst", NULL);
    wssec_ctx *in = ctx_of(RECEIVER, NULL);
    char *good = secure(out, 11, ts_sig_enc, 3);
    char *xml = h_operate(good, s_bst_last, 0);
    h_run r;
    int rc = h_verify(&r, in, xml);
    if (rc) print_error("%s\n", h_run_err(&r)->message);
    assert_int_equal(rc, 0);
    for (size_t i = 0; i < wssec_result_token_count(r.res); i++)
        assert_int_equal(wssec_token_status(wssec_result_token(r.res, i)), 0);
    h_run_free(&r);
    free(xml);
    free(good);
    wssec_ctx_free(out);
    wssec_ctx_free(in);
}

/* The Timestamp last in the header, the ciphertext broken */
static void s_timestamp_last_broken(xmlDocPtr doc)
{
    h_move(doc, "//wsse:Security/wsu:Timestamp", "//wsse:Security", H_INTO);
    s_cipher_tag(doc);
}

/* The cheap checks come before any decryption: an expired Timestamp in a
 * sign-then-encrypt message is reported as expired even when it comes after
 * the EncryptedKey and the ciphertext would not decrypt. */
static void test_timestamp_before_decryption(void **state)
{
    (void)state;
    wssec_ctx *out = ctx_of(SENDER, NULL);
    wssec_ctx *late = ctx_of(RECEIVER, "now", "2025-06-02T12:00:00Z", NULL);
    char *good = secure(out, 11, ts_sig_enc, 3);
    char *xml = h_operate(good, s_timestamp_last_broken, 0);
    h_expect(late, xml, WSSEC_EEXPIRED, "wsse:MessageExpired", "expired");
    free(xml);
    free(good);
    wssec_ctx_free(out);
    wssec_ctx_free(late);
}

/* Plaintext passes the parse guard too: anyone can encrypt to our public
 * certificate, so an attribute flood inside ciphertext is refused before
 * libxml2 parses it, like one in the message. */
static void test_plaintext_guarded(void **state)
{
    (void)state;
    static const char *const ts_enc[] = { "timestamp", "encrypt" };
    wssec_ctx *out = ctx_of("encrypt-cert", PKI "server.crt", "max-attributes", "5000", NULL);
    wssec_ctx *in = ctx_of(RECEIVER, "require", "timestamp", NULL);
    size_t n = 0, cap = 1000 * 16 + 400;
    char *attrs = malloc(cap);
    assert_non_null(attrs);
    for (int i = 0; i < 1000; i++) n += (size_t)snprintf(attrs + n, cap - n, " a%d=\"x\"", i);
    char *body = h_strf("<soap:Envelope xmlns:soap=\"%s\"><soap:Header/><soap:Body>"
                        "<m:Pay xmlns:m=\"urn:example:bank\"%s/></soap:Body></soap:Envelope>",
                        WSSEC_NS_SOAP11, attrs);
    char *xml = h_secure(out, body, ts_enc, 2, NULL);
    h_expect(in, xml, WSSEC_ELIMIT, "wsse:InvalidSecurity",
             "decrypted content: an element has more than 64 attributes");
    free(xml);
    free(body);
    free(attrs);
    wssec_ctx_free(out);
    wssec_ctx_free(in);
}

/* ---- the Basic Security Profile: the EncryptedKey's KeyInfo (R5424, R5426) ---- */

/* The EncryptedKey's SecurityTokenReference replaced by the ds:X509Data it
 * holds (an old peer's bare X509Data; the KeyInfo is not signed) */
static void s_ek_bare_x509data(xmlDocPtr doc)
{
    h_unwrap(doc, "//xenc:EncryptedKey/ds:KeyInfo/wsse:SecurityTokenReference");
}

static void s_ek_key_name(xmlDocPtr doc)
{
    xmlNodePtr ki = h_xp(doc, "//xenc:EncryptedKey/ds:KeyInfo");
    h_remove(wssec_xml_first_elem(ki));
    xmlNewChild(ki, ki->ns, BAD_CAST "KeyName", BAD_CAST "server");
}

static void s_ek_two_children(xmlDocPtr doc)
{
    xmlNodePtr ki = h_xp(doc, "//xenc:EncryptedKey/ds:KeyInfo");
    xmlAddChild(ki, xmlCopyNode(wssec_xml_first_elem(ki), 1));
}

/* An EncryptedKey's KeyInfo holding a bare ds:X509Data: refused by default
 * (BSP R5426) before any key is used; accepted when R5426 is relaxed by
 * name (or keyinfo-x509data). Other KeyInfo children and a KeyInfo of two
 * children are refused even then. */
static void test_bsp_ek_key_info(void **state)
{
    (void)state;
    static const char *const ts_enc[] = { "timestamp", "encrypt" };
    wssec_ctx *out = ctx_of("encrypt-cert", PKI "server.crt", NULL);
    char *good = secure(out, 11, ts_enc, 2);
    char *bare = h_operate(good, s_ek_bare_x509data, 0);
    char *name = h_operate(good, s_ek_key_name, 0);
    char *two = h_operate(good, s_ek_two_children, 0);
    assert_null(strstr(bare, "SecurityTokenReference"));
    const struct {
        const char *name, *relax;
        char *xml;
        int code;
        const char *needle; /* the error, or the warning when accepted */
    } rows[] = {
        { "control", NULL, good, 0, NULL },
        { "bare X509Data", NULL, bare, WSSEC_EUNAVAILABLE,
          "EncryptedKey KeyInfo holds a ds:X509Data, not a wsse:SecurityTokenReference (BSP "
          "R5426; --bsp-relax R5426 accepts it)" },
        { "bare X509Data, other rule relaxed", "R5417", bare, WSSEC_EUNAVAILABLE, "(BSP R5426" },
        { "bare X509Data relaxed", "R5426", bare, 0, "BSP R5426 relaxed" },
        { "bare X509Data relaxed by alias", "keyinfo-x509data", bare, 0, "BSP R5426 relaxed" },
        { "KeyName", "keyinfo-x509data", name, WSSEC_EUNAVAILABLE,
          "EncryptedKey KeyInfo holds a ds:KeyName, not a wsse:SecurityTokenReference (BSP "
          "R5426)" },
        { "two children", "keyinfo-x509data", two, WSSEC_EUNAVAILABLE,
          "must hold exactly one SecurityTokenReference (BSP R5424)" },
    };
    for (size_t i = 0; i < WSSEC_ARRAY_LEN(rows); i++) {
        wssec_ctx *in = rows[i].relax
                            ? ctx_of(RECEIVER, "require", "timestamp", "bsp-relax", rows[i].relax, NULL)
                            : ctx_of(RECEIVER, "require", "timestamp", NULL);
        h_run r;
        int rc = h_verify(&r, in, rows[i].xml);
        if (rc != rows[i].code)
            print_error("row '%s': %s %s\n", rows[i].name, wssec_code_name(rc),
                        h_run_err(&r)->message);
        assert_int_equal(rc, rows[i].code);
        xmlChar *body = xmlNodeGetContent(wssec_msg_body(r.msg));
        if (rc) {
            h_assert_error(h_run_err(&r), rc, "wsse:SecurityTokenUnavailable", rows[i].needle);
            assert_not_decrypted(r.msg);
        } else {
            h_assert_contains((char *)body, "bob");
            assert_true(!rows[i].needle || h_has_warning(r.res, rows[i].needle));
        }
        xmlFree(body);
        h_run_free(&r);
        wssec_ctx_free(in);
    }
    free(good);
    free(bare);
    free(name);
    free(two);
    wssec_ctx_free(out);
}

/* ---- the decryption protocol of the module SDK (sys/record.h), and the
 * service calls the module reads the settings and keys through ---- */

/* A message with two EncryptedData, one in the Body and one in a header
 * block, and the result a verify pass records into (white-box). */
static const char protocol_msg[] =
    "<soap:Envelope xmlns:soap='http://schemas.xmlsoap.org/soap/envelope/'"
    " xmlns:xenc='http://www.w3.org/2001/04/xmlenc#'>"
    "<soap:Header><h:Blk xmlns:h='urn:h'><xenc:EncryptedData Id='EH'/></h:Blk></soap:Header>"
    "<soap:Body><xenc:EncryptedData Id='EB'/></soap:Body></soap:Envelope>";

static wssec_msg *protocol_begin(const wssec_ctx *ctx, xmlNodePtr *body_ed, xmlNodePtr *hdr_ed)
{
    wssec_msg *msg = h_parse(ctx, protocol_msg);
    assert_non_null(msg);
    assert_int_equal(wssec__result_new(&msg->res), 0);
    *body_ed = wssec_xml_first_elem(wssec_msg_body(msg));
    *hdr_ed = wssec_xml_first_elem(wssec_xml_first_elem(wssec_msg_header(msg)));
    assert_true(wssec_xml_is(*body_ed, NS_XENC, "EncryptedData"));
    assert_true(wssec_xml_is(*hdr_ed, NS_XENC, "EncryptedData"));
    return msg;
}

static void protocol_end(wssec_msg *msg)
{
    wssec_result_free(msg->res);
    msg->res = NULL;
    wssec_msg_free(msg);
}

static int jobs_freed;
static int job_ok(wssec_msg *msg, void *job)
{
    (void)msg;
    (void)job;
    return 0;
}
static void job_free(void *job)
{
    (void)job;
    jobs_freed++;
}

/* wssec_msg_deferred_count: the jobs queued and not yet run. */
static void test_sdk_deferred_count(void **state)
{
    (void)state;
    wssec_ctx *ctx = ctx_of(RECEIVER, NULL);
    xmlNodePtr eb, eh;
    wssec_msg *msg = protocol_begin(ctx, &eb, &eh);
    jobs_freed = 0;
    assert_int_equal(wssec_msg_deferred_count(msg), 0);
    assert_int_equal(wssec_msg_defer(msg, NULL, job_ok, job_ok, job_free, &jobs_freed), 0);
    assert_int_equal(wssec_msg_deferred_count(msg), 1);
    assert_int_equal(wssec_msg_defer(msg, NULL, job_ok, job_ok, job_free, &jobs_freed), 0);
    assert_int_equal(wssec_msg_deferred_count(msg), 2);
    wssec__msg_free_jobs(msg); /* what the pipeline does once they ran */
    assert_int_equal(jobs_freed, 2);
    assert_int_equal(wssec_msg_deferred_count(msg), 0);
    protocol_end(msg);
    wssec_ctx_free(ctx);
}

/* wssec_msg_may_decrypt: anything until a verified signature covered
 * claimed ciphertext, then only covered ciphertext, for the rest of the
 * pass; coverage by a narrowed (not whole) reference does not count. */
static void test_sdk_may_decrypt(void **state)
{
    (void)state;
    wssec_ctx *ctx = ctx_of(RECEIVER, NULL);
    xmlNodePtr eb, eh;
    wssec_msg *msg = protocol_begin(ctx, &eb, &eh);
    /* nothing signed: both may be */
    assert_int_equal(wssec_msg_claim(msg, eb), 0);
    assert_int_equal(wssec_msg_claim(msg, eh), 0);
    assert_int_equal(wssec_msg_may_decrypt(msg, eb), 1);
    assert_int_equal(wssec_msg_may_decrypt(msg, eh), 1);
    /* a narrowed reference over the Body covers nothing whole */
    assert_int_equal(wssec_msg_add_signed(msg, wssec_msg_body(msg), "#b", "sha256", NULL, 0), 0);
    assert_int_equal(wssec_msg_may_decrypt(msg, eh), 1);
    /* the Body signed whole: its ciphertext is signed, the header's is not */
    assert_int_equal(wssec_msg_add_signed(msg, wssec_msg_body(msg), "#b", "sha256", NULL, 1), 0);
    assert_int_equal(wssec_msg_may_decrypt(msg, eb), 1);
    assert_int_equal(wssec_msg_may_decrypt(msg, eh), 0);
    /* the verdict stands when the covered claim is given up (decrypted) */
    wssec_msg_unclaim(msg, eb);
    assert_int_equal(wssec_msg_may_decrypt(msg, eh), 0);
    assert_true(msg->signed_ciphertext);
    /* a fresh pass forgets it */
    wssec__msg_clear_inbound(msg);
    assert_int_equal(wssec_msg_may_decrypt(msg, eh), 1);
    /* the signed Body's ciphertext claimed by no job: the rule does not start */
    assert_int_equal(wssec_msg_claim(msg, eh), 0);
    assert_int_equal(wssec_msg_may_decrypt(msg, eh), 1);
    /* fails closed outside a pass (NULL arguments: test_api.c) */
    wssec_result *r = msg->res;
    msg->res = NULL;
    assert_int_equal(wssec_msg_may_decrypt(msg, eb), 0);
    msg->res = r;
    protocol_end(msg);
    wssec_ctx_free(ctx);
}

/* wssec_msg_decrypting and wssec_msg_decryption_started: the two facts the
 * pipeline acts on when a verification fails (one error; no plaintext
 * written). */
static void test_sdk_decrypting(void **state)
{
    (void)state;
    wssec_ctx *ctx = ctx_of(RECEIVER, NULL);
    xmlNodePtr eb, eh;
    wssec_msg *msg = protocol_begin(ctx, &eb, &eh);
    assert_int_equal(wssec_msg_add_signed(msg, wssec_msg_body(msg), "#b", "sha256", NULL, 1), 0);
    wssec_msg_decrypting(msg, eh, 1); /* with integrity (GCM): no risk */
    assert_false(msg->oracle_risk);
    wssec_msg_decrypting(msg, eb, 0); /* CBC, but signed: no risk */
    assert_false(msg->oracle_risk);
    assert_false(msg->decrypted);
    wssec_msg_decryption_started(msg);
    assert_true(msg->decrypted);
    wssec_msg_decrypting(msg, eh, 0); /* CBC, unsigned: every later failure reads the same */
    assert_true(msg->oracle_risk);
    wssec__msg_clear_inbound(msg);
    assert_false(msg->oracle_risk);
    assert_false(msg->decrypted);
    /* outside a pass nothing is known covered: the risk is recorded */
    wssec_result *r = msg->res;
    msg->res = NULL;
    wssec_msg_decrypting(msg, eb, 0);
    assert_true(msg->oracle_risk);
    msg->res = r;
    protocol_end(msg);
    wssec_ctx_free(ctx);
}

/* wssec_msg_decrypt_failed: the one error, no node; the first error of a
 * step still wins. */
static void test_sdk_decrypt_failed(void **state)
{
    (void)state;
    wssec_ctx *ctx = ctx_of(RECEIVER, NULL);
    xmlNodePtr eb, eh;
    wssec_msg *msg = protocol_begin(ctx, &eb, &eh);
    assert_int_equal(wssec_msg_decrypt_failed(msg), WSSEC_EDECRYPT);
    const wssec_error *e = wssec_msg_error(msg);
    assert_int_equal(e->code, WSSEC_EDECRYPT);
    assert_string_equal(e->fault, "wsse:FailedCheck");
    assert_string_equal(e->message, "decryption failed");
    assert_string_equal(e->subject, "");
    msg->failed = false; /* a new step */
    assert_int_equal(wssec_msg_fail(msg, WSSEC_EMALFORMED, NULL, eb, "first"), WSSEC_EMALFORMED);
    assert_int_equal(wssec_msg_decrypt_failed(msg), WSSEC_EDECRYPT);
    assert_int_equal(wssec_msg_error(msg)->code, WSSEC_EMALFORMED);
    assert_string_equal(wssec_msg_error(msg)->message, "first");
    protocol_end(msg);
    wssec_ctx_free(ctx);
}

/* The service calls: bsp-relax read through the SDK gives the answer of the
 * settings' own check for every rule; the prescan with its limits by value
 * refuses as the one with the settings; a key resolution's error forgotten
 * lets the caller's own be recorded. */
static void test_services_for_modules(void **state)
{
    (void)state;
    wssec_ctx *plain = ctx_of(RECEIVER, NULL);
    wssec_ctx *relax = ctx_of(RECEIVER, "bsp-relax", "keyinfo-x509data", "bsp-relax", "R3029", NULL);
    for (int rule = -1; rule <= WSSEC_BSP_N; rule++) {
        assert_int_equal(wssec__bsp_relaxed_in(plain, rule), wssec__bsp_relaxed(&plain->s, rule));
        assert_int_equal(wssec__bsp_relaxed_in(relax, rule), wssec__bsp_relaxed(&relax->s, rule));
    }
    assert_true(wssec__bsp_relaxed_in(relax, WSSEC_BSP_R5426));
    assert_true(wssec__bsp_relaxed_in(relax, WSSEC_BSP_R5417));
    assert_true(wssec__bsp_relaxed_in(relax, WSSEC_BSP_R3029));
    assert_false(wssec__bsp_relaxed_in(relax, WSSEC_BSP_R4220));
    assert_false(wssec__bsp_relaxed_in(plain, WSSEC_BSP_R5426));

    static const char tag[] = "<a x='1' y='2' xmlns:p='urn:p' xmlns:q='urn:q'/>";
    static const struct {
        size_t attrs, nss;
        int rc;
        const char *needle;
    } rows[] = {
        { 2, 2, 0, "" },
        { 1, 2, WSSEC_ELIMIT, "more than 1 attributes (max-attributes)" },
        { 2, 1, WSSEC_ELIMIT, "more than 1 namespace declarations (max-namespaces)" },
    };
    for (size_t i = 0; i < WSSEC_ARRAY_LEN(rows); i++) {
        wssec_settings s;
        wssec__settings_init(&s);
        s.max_attributes = rows[i].attrs;
        s.max_namespaces = rows[i].nss;
        wssec_errrec a, b;
        wssec__err_clear(&a);
        wssec__err_clear(&b);
        assert_int_equal(wssec__xml_prescan_limits(&a, rows[i].attrs, rows[i].nss, tag,
                                                   sizeof(tag) - 1),
                         rows[i].rc);
        assert_int_equal(wssec__xml_prescan(&b, &s, tag, sizeof(tag) - 1), rows[i].rc);
        assert_string_equal(a.message, b.message);
        h_assert_contains(a.message, rows[i].needle);
        wssec__settings_free(&s);
    }

    xmlNodePtr eb, eh;
    wssec_msg *msg = protocol_begin(plain, &eb, &eh);
    assert_int_equal(wssec_msg_fail(msg, WSSEC_EUNAVAILABLE, NULL, eb, "the service's"),
                     WSSEC_EUNAVAILABLE);
    assert_int_equal(wssec_msg_fail(msg, WSSEC_EDECRYPT, NULL, eb, "ignored"), WSSEC_EDECRYPT);
    assert_string_equal(wssec_msg_error(msg)->message, "the service's");
    wssec__key_error_forget(msg);
    assert_int_equal(wssec_msg_fail(msg, WSSEC_EDECRYPT, NULL, eb, "the caller's"), WSSEC_EDECRYPT);
    assert_int_equal(wssec_msg_error(msg)->code, WSSEC_EDECRYPT);
    assert_string_equal(wssec_msg_error(msg)->message, "the caller's");
    protocol_end(msg);
    wssec_ctx_free(plain);
    wssec_ctx_free(relax);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trips),
        cmocka_unit_test(test_hostile),
        cmocka_unit_test(test_no_oracle),
        cmocka_unit_test(test_unreferenced),
        cmocka_unit_test(test_default_algorithms),
        cmocka_unit_test(test_policy_and_psk),
        cmocka_unit_test(test_injected_plaintext),
        cmocka_unit_test(test_encrypted_signature),
        cmocka_unit_test(test_header_wss10),
        cmocka_unit_test(test_header_wss10_malformed),
        cmocka_unit_test(test_tripledes),
        cmocka_unit_test(test_cipher_reference_no_io),
        cmocka_unit_test(test_signed_ciphertext_records),
        cmocka_unit_test(test_order_independence),
        cmocka_unit_test(test_cbc_no_oracle_after_decryption),
        cmocka_unit_test(test_rejection_final),
        cmocka_unit_test(test_max_encrypted_keys),
        cmocka_unit_test(test_encrypted_only_inserted),
        cmocka_unit_test(test_rsa15_implicit_rejection),
        cmocka_unit_test(test_rsa_unwrap_keeps_key_on_bad_padding),
        cmocka_unit_test(test_gcm_direct_matches_xmlsec),
        cmocka_unit_test(test_gcm_direct_message_matches_xmlsec),
        cmocka_unit_test(test_inspect_budget),
        cmocka_unit_test(test_sign_then_encrypt_token_last),
        cmocka_unit_test(test_timestamp_before_decryption),
        cmocka_unit_test(test_plaintext_guarded),
        cmocka_unit_test(test_bsp_ek_key_info),
        cmocka_unit_test(test_sdk_deferred_count),
        cmocka_unit_test(test_sdk_may_decrypt),
        cmocka_unit_test(test_sdk_decrypting),
        cmocka_unit_test(test_sdk_decrypt_failed),
        cmocka_unit_test(test_services_for_modules),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    xmlCleanupParser();
    return rc;
}
