/*
 * wssec unit tests — derived keys, inbound: wsc:DerivedKeyToken (2005/02
 * and 1.3) derived with P_SHA-1 from an EncryptedKey key token, keying an
 * EncryptedData of a standalone ReferenceList and an HMAC signature; the
 * bounds on Length and Offset/Generation, and what a DKT may not name.
 * The messages are made from what wssec_secure writes, reshaped as Rampart
 * sends them (see test_symmetric.c).
 */
#include <stdlib.h>
#include <string.h>

#include <libxml/c14n.h>
#include <libxml/tree.h>
#include <libxml/xpathInternals.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/sha.h>

#include "helpers.h"
#include "private.h"


#define NS_SC05 "http://schemas.xmlsoap.org/ws/2005/02/sc"
#define NS_SC13 "http://docs.oasis-open.org/ws-sx/ws-secureconversation/200512"
#define LABEL "WS-SecureConversationWS-SecureConversation"
#define NONCE "AQIDBAUGBwgJCgsMDQ4PEA==" /* 01..10 */
#define CTX_ID "urn:uuid:ctx-1"

#include "symtest.h" /* PKI, SENDER, RECEIVER, VT_EK, VT_EKSHA1, VT_X509 */

/* How the surgery shapes the message (set by each test). */
static struct {
    bool ns13;         /* the 1.3 namespace instead of 2005/02 */
    int base;          /* the DKTs name: 0 the EK, 1 EncryptedKeySHA1, 2 the BST, 3 #nothing,
                          4 an SCT by its Identifier, 5 an SCT by its Id */
    bool sct;          /* a SecurityContextToken (Identifier CTX_ID) after the EK */
    const char *sct_id; /* its Identifier text (NULL: CTX_ID) */
    const char *sct_vt; /* base 5: the Reference's ValueType (NULL: .../sct) */
    bool sig_by_sct;    /* the HMAC signature keyed by the SCT itself, not a DKT */
    const char *len;   /* Length, or NULL (default 32) */
    const char *gen;   /* Generation, or NULL */
    const char *off;   /* Offset, or NULL */
    const char *nonce; /* Nonce text; "" none */
} shape;

static wssec_ctx *ctx_of(const char *first, ...)
{
    va_list ap;
    va_start(ap, first);
    wssec_ctx *c = h_ctx_v(0, first, ap);
    va_end(ap);
    return c;
}

/* The session key of the last message made: the key the test's context
 * resolver holds for CTX_ID. */
static unsigned char ctx_key[64];
static size_t ctx_klen;

/* A wsc:SecurityContextToken with wsu:Id sct-1 after prev. */
static xmlNodePtr add_sct(xmlDocPtr doc, xmlNodePtr prev)
{
    const char *ns = shape.ns13 ? NS_SC13 : NS_SC05;
    xmlNodePtr sct = h_elem(doc, ns, "wsc", "SecurityContextToken");
    xmlAddNextSibling(prev, sct);
    xmlAttrPtr a = xmlSetNsProp(sct, xmlNewNs(sct, BAD_CAST H_NS_WSU, BAD_CAST "wsu"),
                                BAD_CAST "Id", BAD_CAST "sct-1");
    xmlAddID(NULL, doc, BAD_CAST "sct-1", a);
    xmlNewTextChild(sct, sct->ns, BAD_CAST "Identifier",
                    BAD_CAST(shape.sct_id ? shape.sct_id : " " CTX_ID "\n"));
    return sct;
}

/* A wsc:DerivedKeyToken with Id id after prev, shaped by shape. */
static xmlNodePtr add_dkt(xmlDocPtr doc, xmlNodePtr prev, const char *id, const char *ekuri)
{
    const char *ns = shape.ns13 ? NS_SC13 : NS_SC05;
    xmlNodePtr dk = h_elem(doc, ns, "wsc", "DerivedKeyToken");
    xmlAddNextSibling(prev, dk);
    xmlAttrPtr a = xmlSetNsProp(dk, xmlNewNs(dk, BAD_CAST H_NS_WSU, BAD_CAST "wsu"), BAD_CAST "Id",
                                BAD_CAST id);
    xmlAddID(NULL, doc, BAD_CAST id, a);
    if (shape.base == 0) add_str(dk, ekuri, VT_EK, NULL);
    if (shape.base == 1) add_str_eksha1(dk, false);
    if (shape.base == 2) add_str_bst(dk);
    if (shape.base == 3) add_str(dk, "#nothing-here", VT_EK, NULL);
    if (shape.base == 4) add_str(dk, CTX_ID, NS_SC05 "/sct", NULL);
    if (shape.base == 5) add_str(dk, "#sct-1", shape.sct_vt ? shape.sct_vt : NS_SC05 "/sct", NULL);
    const char *names[] = { "Generation", "Offset", "Length", "Nonce" };
    const char *vals[] = { shape.gen, shape.off, shape.len, shape.nonce };
    for (int i = 0; i < 4; i++)
        if (vals[i] && vals[i][0]) xmlNewTextChild(dk, dk->ns, BAD_CAST names[i], BAD_CAST vals[i]);
    return dk;
}

/* The key a DKT of this shape derives from key (default Length 32). */
static void derive(const unsigned char *key, size_t klen, unsigned char out[32])
{
    unsigned char seed[128];
    memcpy(seed, LABEL, strlen(LABEL));
    unsigned char nonce[16];
    assert_int_equal(EVP_DecodeBlock(nonce, BAD_CAST NONCE, 24), 18);
    memcpy(seed + strlen(LABEL), nonce, 16);
    assert_int_equal(wssec__p_sha1(key, klen, seed, strlen(LABEL) + 16, 0, out, 32), 0);
}

/* Each EncryptedData (AES-GCM: IV, ciphertext, tag) decrypted with the
 * session key and encrypted again with the derived key. */
static void reencrypt(xmlNodePtr ed, const unsigned char *old, const unsigned char *key)
{
    xmlNodePtr cv = h_xp(ed->doc, "//xenc:EncryptedData/xenc:CipherData/xenc:CipherValue");
    unsigned char *buf = malloc(1 << 16), *pt = malloc(1 << 16);
    size_t n = b64_content(cv, buf);
    int l = 0, f = 0;
    assert_true(n > 28);
    EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
    assert_int_equal(EVP_DecryptInit_ex(c, EVP_aes_256_gcm(), NULL, old, buf), 1);
    assert_int_equal(EVP_DecryptUpdate(c, pt, &l, buf + 12, (int)n - 28), 1);
    EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, 16, buf + n - 16);
    assert_int_equal(EVP_DecryptFinal_ex(c, pt + l, &f), 1);
    EVP_CIPHER_CTX_reset(c);
    assert_int_equal(EVP_EncryptInit_ex(c, EVP_aes_256_gcm(), NULL, key, buf), 1);
    assert_int_equal(EVP_EncryptUpdate(c, buf + 12, &l, pt, (int)n - 28), 1);
    assert_int_equal(EVP_EncryptFinal_ex(c, buf + 12 + l, &f), 1);
    EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, 16, buf + n - 16);
    EVP_CIPHER_CTX_free(c);
    h_set_b64(cv, buf, n);
    free(buf);
    free(pt);
}

/* The symmetric binding with derived keys, as Rampart and WCF send it: the
 * EncryptedKey first, a DerivedKeyToken for the data and one for the HMAC
 * signature, the ReferenceList standalone at the end. */
static void to_derived(xmlDocPtr doc)
{
    xmlNodePtr sec = h_xp(doc, "//wsse:Security");
    xmlNodePtr ek = h_xp(doc, "//xenc:EncryptedKey");
    xmlNodePtr rl = h_xp(doc, "//xenc:EncryptedKey/xenc:ReferenceList");
    xmlChar *id = xmlGetProp(ek, BAD_CAST "Id");
    char *ekuri = h_strf("#%s", (char *)id);
    xmlFree(id);
    unsigned char key[64], dk[32];
    size_t klen = session_key(doc, key);
    assert_int_equal(klen, 32);
    derive(key, klen, dk);
    memcpy(ctx_key, key, klen);
    ctx_klen = klen;
    xmlUnlinkNode(ek);
    xmlAddPrevSibling(xmlFirstElementChild(sec), ek);
    xmlUnlinkNode(rl);
    xmlAddChild(sec, rl);
    /* after what they name: the BST comes after the EncryptedKey */
    xmlNodePtr at = shape.base == 2 ? h_xp(doc, "//wsse:BinarySecurityToken") : ek;
    if (shape.sct) at = add_sct(doc, at);
    add_dkt(doc, add_dkt(doc, at, "DK-enc", ekuri), "DK-sig", ekuri);
    xmlNodePtr ed = h_xp(doc, "//xenc:EncryptedData");
    xmlNodePtr ki = h_elem(doc, "http://www.w3.org/2000/09/xmldsig#", "ds", "KeyInfo");
    xmlAddNextSibling(xmlFirstElementChild(ed), ki);
    add_str(ki, "#DK-enc", NS_SC05 "/dk", NULL);
    reencrypt(ed, key, dk);
    ki = h_xp(doc, "//ds:Signature/ds:KeyInfo");
    while (ki->children) h_remove(ki->children);
    if (shape.sig_by_sct) {
        add_str(ki, CTX_ID, NS_SC05 "/sct", NULL);
        xmlReconciliateNs(doc, xmlDocGetRootElement(doc));
        hmac_sign(doc, key, klen, false);
    } else {
        add_str(ki, "#DK-sig", NULL, NULL);
        xmlRemoveProp(xmlHasProp(h_xp(doc, "//ds:Signature/ds:KeyInfo//wsse:Reference"),
                                 BAD_CAST "ValueType"));
        xmlReconciliateNs(doc, xmlDocGetRootElement(doc));
        hmac_sign(doc, dk, sizeof(dk), false);
    }
    free(ekuri);
}

static char *derived_message(void)
{
    return sym_message(to_derived, false);
}

static void setup_shape(void)
{
    memset(&shape, 0, sizeof(shape));
    shape.off = "0";
    shape.len = "32";
    shape.nonce = NONCE;
}

/* P_SHA-1 against an independent computation (python3):
 *   def p(s, seed, n):
 *       a = hmac.new(s, seed, sha1).digest(); out = b''
 *       while len(out) < n:
 *           out += hmac.new(s, a + seed, sha1).digest(); a = hmac.new(s, a, sha1).digest()
 *       return out[:n]
 *   p(bytes(range(32)), LABEL.encode() + bytes(range(1, 17)), 64)
 */
static void test_p_sha1_known_answer(void **state)
{
    (void)state;
    static const char *const want =
        "2b8ff4c4861e6d400fd216ebc5b2ed96e66b1812966b2e2c02cd770bcd5dad0b"
        "d44247e0775adfad40cbaf2c6fcb5f862a316dc3c4dfe12ffc6abd3b17bbbdd2";
    unsigned char secret[32], seed[64], out[64], tail[32];
    char hex[129];
    for (int i = 0; i < 32; i++) secret[i] = (unsigned char)i;
    memcpy(seed, LABEL, strlen(LABEL));
    for (int i = 0; i < 16; i++) seed[strlen(LABEL) + (size_t)i] = (unsigned char)(i + 1);
    size_t sl = strlen(LABEL) + 16;
    assert_int_equal(wssec__p_sha1(secret, 32, seed, sl, 0, out, 64), 0);
    for (int i = 0; i < 64; i++) snprintf(hex + 2 * i, 3, "%02x", out[i]);
    assert_string_equal(hex, want);
    /* an offset (Generation 1 x Length 32) gives the same stream's next bytes */
    assert_int_equal(wssec__p_sha1(secret, 32, seed, sl, 32, tail, 32), 0);
    assert_memory_equal(tail, out + 32, 32);
}

static void run_ok(bool ns13)
{
    setup_shape();
    shape.ns13 = ns13;
    char *xml = derived_message();
    wssec_ctx *in = ctx_of(RECEIVER, "require", "timestamp", NULL);
    h_run r;
    assert_int_equal(h_verify(&r, in, xml), 0);
    assert_null(wssec_result_caller(r.res));
    int dks = 0;
    bool hmac = false;
    for (size_t i = 0; i < wssec_result_token_count(r.res); i++) {
        const wssec_token *t = wssec_result_token(r.res, i);
        const char *with = wssec_token_get(t, "signed-with");
        if (strcmp(wssec_token_type(t), "derived-key") == 0) {
            assert_string_equal(wssec_token_get(t, "derived-key-bits"), "256");
            dks++;
        }
        if (strcmp(wssec_token_type(t), "signature") == 0 && with) {
            h_assert_contains(with, "symmetric key of DerivedKeyToken DK-sig");
            hmac = true;
        }
    }
    xmlChar *dump = NULL;
    int len = 0;
    xmlDocDumpMemory(wssec_msg_doc(r.msg), &dump, &len);
    assert_non_null(strstr((char *)dump, "<m:Amount>10</m:Amount>"));
    xmlFree(dump);
    assert_int_equal(dks, 2);
    assert_true(hmac);
    h_run_free(&r);
    wssec_ctx_free(in);
    free(xml);
}

/* An HMAC signature by a derived key, endorsed by bob's X.509 signature:
 * bob is the caller and the Body counts as signed. */
static void test_derived_endorsed(void **state)
{
    (void)state;
    static const char *const endorse[] = { "endorse" };
    setup_shape();
    char *xml = derived_message();
    wssec_ctx *bob = h_signer("bob", NULL);
    char *endorsed = h_secure(bob, xml, endorse, 1, NULL);
    wssec_ctx *in = ctx_of(RECEIVER, "require", "timestamp,signature", NULL);
    h_run r;
    assert_int_equal(h_verify(&r, in, endorsed), 0);
    h_assert_contains(wssec_result_caller(r.res), "CN=bob");
    assert_true(wssec_result_is_signed(r.res, wssec_msg_body(r.msg)));
    h_run_free(&r);
    h_expect(in, xml, WSSEC_EPOLICY, NULL, "proves no sender");
    wssec_ctx_free(in);
    wssec_ctx_free(bob);
    free(endorsed);
    free(xml);
}

/* A DerivedKeyToken keys the EncryptedData and another the HMAC signature:
 * both namespaces. */
static void test_derived_2005(void **state)
{
    (void)state;
    run_ok(false);
}

static void test_derived_13(void **state)
{
    (void)state;
    run_ok(true);
}

/* The base named by KeyIdentifier EncryptedKeySHA1, Generation 0. */
static void test_derived_by_sha1(void **state)
{
    (void)state;
    setup_shape();
    shape.base = 1;
    shape.off = NULL;
    shape.gen = "0";
    char *xml = derived_message();
    wssec_ctx *in = ctx_of(RECEIVER, "require", "timestamp", NULL);
    h_expect(in, xml, 0, NULL, NULL);
    wssec_ctx_free(in);
    free(xml);
}

static void expect_refused(int code, const char *part)
{
    char *xml = derived_message();
    wssec_ctx *in = ctx_of(RECEIVER, "require", "timestamp", NULL);
    h_expect(in, xml, code, NULL, part);
    wssec_ctx_free(in);
    free(xml);
}

static void test_huge_length(void **state)
{
    (void)state;
    setup_shape();
    shape.len = "99999999999999999999999";
    expect_refused(WSSEC_ELIMIT, "more than max-derived-key-length 64");
}

static void test_huge_generation(void **state)
{
    (void)state;
    setup_shape();
    shape.off = NULL;
    shape.gen = "4294967296";
    expect_refused(WSSEC_ELIMIT, "Generation x Length asks for the key at offset 137438953472, "
                                 "more than max-derived-key-offset 1024");
    setup_shape();
    shape.off = "1025";
    expect_refused(WSSEC_ELIMIT, "more than max-derived-key-offset 1024");
}

/* The number of DerivedKeyTokens (the message holds two) is bounded before
 * any key is derived. */
static void test_too_many(void **state)
{
    (void)state;
    setup_shape();
    char *xml = derived_message();
    wssec_ctx *in = ctx_of(RECEIVER, "require", "timestamp", "max-derived-keys", "1", NULL);
    h_expect(in, xml, WSSEC_ELIMIT, "wsse:InvalidSecurity",
             "the Security header holds 2 DerivedKeyTokens, more than max-derived-keys 1");
    wssec_ctx_free(in);
    in = ctx_of(RECEIVER, "require", "timestamp", "max-derived-keys", "2", NULL);
    h_expect(in, xml, 0, NULL, NULL);
    wssec_ctx_free(in);
    free(xml);
}

/* Key confusion: a key derived from a certificate's public bytes. */
static void test_derived_from_certificate(void **state)
{
    (void)state;
    setup_shape();
    shape.base = 2;
    expect_refused(WSSEC_ETOKEN, "not an EncryptedKey or SecurityContextToken: a symmetric key "
                                 "comes only from those");
}

static void test_derived_from_nothing(void **state)
{
    (void)state;
    setup_shape();
    shape.base = 3;
    expect_refused(WSSEC_EUNAVAILABLE, "Reference #nothing-here names no token");
}

static void test_nonce(void **state)
{
    (void)state;
    setup_shape();
    shape.nonce = "";
    expect_refused(WSSEC_ETOKEN, "has no Nonce");
    setup_shape();
    shape.nonce = "%%%not base64";
    expect_refused(WSSEC_ETOKEN, "its Nonce is not base64");
}

/* ---- SecurityContextToken: the key from the application's resolver ---- */

/* What the test's resolver does: 0 knows CTX_ID, 1 knows nothing, 2 its
 * store is down, 3 answers another key, 4 answers an 8-byte key. */
static int resolver_mode;
static char resolver_instance[64];

static int resolve(unsigned char *key, size_t *key_len, const char *identifier,
                   const char *instance, char *why, size_t whylen, void *userdata)
{
    assert_ptr_equal(userdata, &resolver_mode);
    snprintf(resolver_instance, sizeof(resolver_instance), "%s", instance ? instance : "-");
    if (resolver_mode == 2) {
        snprintf(why, whylen, "session store down");
        return WSSEC_EBACKEND;
    }
    if (resolver_mode == 1 || strcmp(identifier, CTX_ID) != 0) {
        snprintf(why, whylen, "no session %s", identifier);
        return WSSEC_EUNAVAILABLE;
    }
    memcpy(key, ctx_key, ctx_klen);
    *key_len = resolver_mode == 4 ? 8 : ctx_klen;
    if (resolver_mode == 3) key[0] ^= 1;
    return 0;
}

/* The receiver with the test's resolver. */
static wssec_ctx *sct_ctx(void)
{
    static const char *const pairs[] = { RECEIVER, "require", "timestamp", NULL };
    wssec_config *cfg = NULL;
    wssec_ctx *ctx = NULL;
    wssec_context_resolver r;
    assert_int_equal(wssec_context_resolver_init(&r, WSSEC_CONTEXT_RESOLVER_VERSION), 0);
    r.name = "test sessions";
    r.resolve = resolve;
    assert_int_equal(wssec_config_new(&cfg), 0);
    assert_int_equal(wssec_config_set(cfg, "now", H_NOW_TEXT), 0);
    for (size_t i = 0; pairs[i]; i += 2)
        assert_int_equal(wssec_config_set(cfg, pairs[i], pairs[i + 1]), 0);
    assert_int_equal(wssec_config_set_context_resolver(cfg, &r, &resolver_mode), 0);
    assert_int_equal(wssec_ctx_new(&ctx, cfg), 0);
    wssec_config_free(cfg);
    return ctx;
}

static void sct_expect(int code, const char *fault, const char *part)
{
    char *xml = derived_message();
    wssec_ctx *in = sct_ctx();
    h_expect(in, xml, code, fault, part);
    wssec_ctx_free(in);
    free(xml);
}

/* Keys derived from a context the application resolved, named by its
 * Identifier (as WCF does) or by its Id, in both namespaces, and an HMAC
 * keyed by the context's key itself: accepted, and as anonymous as an
 * EncryptedKey's key. */
static void test_security_context(void **state)
{
    (void)state;
    for (int i = 0; i < 5; i++) {
        setup_shape();
        shape.sct = true;
        shape.base = i % 2 ? 5 : 4;
        shape.ns13 = i == 2 || i == 3;
        shape.sig_by_sct = i == 4; /* the HMAC keyed by the context's key itself */
        resolver_mode = 0;
        char *xml = derived_message();
        wssec_ctx *in = sct_ctx();
        h_run r;
        assert_int_equal(h_verify(&r, in, xml), 0);
        assert_null(wssec_result_caller(r.res));
        assert_string_equal(resolver_instance, "-");
        const wssec_token *sct = NULL;
        for (size_t k = 0; k < wssec_result_token_count(r.res); k++)
            if (strcmp(wssec_token_type(wssec_result_token(r.res, k)), "security-context-token") ==
                0)
                sct = wssec_result_token(r.res, k);
        assert_non_null(sct);
        assert_string_equal(wssec_token_get(sct, "identifier"), CTX_ID);
        assert_string_equal(wssec_token_get(sct, "context-key-bits"), "256");
        assert_null(wssec_token_identity(sct));
        for (size_t k = 0; k < wssec_result_token_count(r.res); k++) {
            const char *with = wssec_token_get(wssec_result_token(r.res, k), "signed-with");
            if (with)
                h_assert_contains(with, i == 4 ? "symmetric key of SecurityContextToken sct-1"
                                               : "symmetric key of DerivedKeyToken DK-sig");
        }
        h_run_free(&r);
        wssec_ctx_free(in);
        free(xml);
    }
}

/* No resolver: every SecurityContextToken is refused, by name. */
static void test_security_context_no_resolver(void **state)
{
    (void)state;
    setup_shape();
    shape.sct = true;
    shape.base = 4;
    expect_refused(WSSEC_EUNAVAILABLE, "SecurityContextToken " CTX_ID
                                       ": no security context resolver is installed");
}

/* The resolver does not know the context, its store is down, or it answers
 * a key of a wrong length: refused before any key is used; another key:
 * the HMAC signature does not verify. */
static void test_security_context_refused(void **state)
{
    (void)state;
    setup_shape();
    shape.sct = true;
    shape.base = 4;
    resolver_mode = 1;
    sct_expect(WSSEC_EUNAVAILABLE, "wsse:SecurityTokenUnavailable",
               "the test sessions context resolver does not know it: no session " CTX_ID);
    resolver_mode = 2;
    sct_expect(WSSEC_EBACKEND, NULL,
               "the test sessions context resolver failed: session store down");
    resolver_mode = 4;
    sct_expect(WSSEC_EUNAVAILABLE, NULL, "it answered with a key of 8 bytes (16 to 64)");
    resolver_mode = 3;
    sct_expect(WSSEC_ESIGNATURE, "wsse:FailedCheck",
               "does not verify with the key of the DerivedKeyToken its KeyInfo names");
    resolver_mode = 0;
}

/* Hostile shapes: a reference to a context the message does not carry, an
 * Identifier that is no identifier, and a key derived from a context named
 * as an EncryptedKey. */
static void test_security_context_hostile(void **state)
{
    (void)state;
    resolver_mode = 0;
    setup_shape();
    shape.base = 4; /* no SCT in the message */
    sct_expect(WSSEC_EUNAVAILABLE, NULL,
               "Reference " CTX_ID " names no SecurityContextToken of this message");
    setup_shape();
    shape.sct = true;
    shape.base = 4;
    shape.sct_id = "urn:uuid:another";
    sct_expect(WSSEC_EUNAVAILABLE, NULL, "no session urn:uuid:another");
    char *big = malloc(1100);
    memset(big, 'a', 1099);
    big[1099] = '\0';
    shape.sct_id = big;
    sct_expect(WSSEC_ELIMIT, NULL, "wsc:Identifier of 1099 bytes (at most 1024)");
    shape.sct_id = "   ";
    sct_expect(WSSEC_EMALFORMED, NULL, "SecurityContextToken: empty wsc:Identifier");
    free(big);
    setup_shape();
    shape.sct = true;
    shape.base = 5;
    shape.sct_vt = VT_EK; /* the DKT names the SCT as an EncryptedKey */
    sct_expect(WSSEC_ETOKEN, NULL, "names a security-context-token token (ValueType " VT_EK);
}

/* The resolver's API: a version it does not know, or no callback. */
static void test_security_context_api(void **state)
{
    (void)state;
    wssec_config *cfg = NULL;
    wssec_context_resolver r = WSSEC_CONTEXT_RESOLVER_INIT;
    assert_int_equal(wssec_config_new(&cfg), 0);
    assert_int_equal(wssec_config_set_context_resolver(cfg, &r, NULL), WSSEC_EINVALID);
    h_assert_contains(wssec_config_error(cfg)->message, "context resolver: version 1");
    r.resolve = resolve;
    r.version = 2;
    assert_int_equal(wssec_config_set_context_resolver(cfg, &r, NULL), WSSEC_EINVALID);
    assert_int_equal(wssec_context_resolver_init(&r, 2), WSSEC_EINVALID);
    assert_int_equal(wssec_config_set_context_resolver(cfg, NULL, NULL), 0);
    wssec_config_free(cfg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_derived_endorsed),
        cmocka_unit_test(test_p_sha1_known_answer),
        cmocka_unit_test(test_derived_2005),
        cmocka_unit_test(test_derived_13),
        cmocka_unit_test(test_derived_by_sha1),
        cmocka_unit_test(test_huge_length),
        cmocka_unit_test(test_huge_generation),
        cmocka_unit_test(test_too_many),
        cmocka_unit_test(test_derived_from_certificate),
        cmocka_unit_test(test_derived_from_nothing),
        cmocka_unit_test(test_nonce),
        cmocka_unit_test(test_security_context),
        cmocka_unit_test(test_security_context_no_resolver),
        cmocka_unit_test(test_security_context_refused),
        cmocka_unit_test(test_security_context_hostile),
        cmocka_unit_test(test_security_context_api),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
