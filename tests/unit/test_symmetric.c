/*
 * wssec unit tests — the symmetric binding, inbound: an EncryptedKey
 * without a ReferenceList as a key token, an HMAC signature keyed by its
 * session key, a standalone ReferenceList whose EncryptedData name it; and
 * what such a message proves (integrity, no sender). The messages are made
 * from what wssec_secure writes, reshaped as CXF/WSS4J send them: the
 * EncryptedKey first, its ReferenceList moved after the signature, each
 * EncryptedData naming the EncryptedKey, the signature re-made with HMAC.
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


#include "symtest.h" /* PKI, SENDER, RECEIVER, VT_EK, VT_EKSHA1, VT_X509 */

/* How the surgery shapes the message (set by each test). */
static struct {
    bool sha1;          /* hmac-sha1 instead of hmac-sha256 */
    int sig_key;        /* 0 Reference to the EK, 1 EncryptedKeySHA1, 2 unknown SHA1, 3 the BST */
    bool ek_to_alice;   /* the EncryptedKey's key encrypted to alice, KeyInfo still naming server */
    bool data_other_ek; /* the EncryptedData name a second EncryptedKey (another key) */
    bool ut;            /* a UsernameToken (alice, PasswordDigest) the signature covers */
} shape;

static wssec_ctx *ctx_of(const char *first, ...)
{
    va_list ap;
    va_start(ap, first);
    wssec_ctx *c = h_ctx_v(0, first, ap);
    va_end(ap);
    return c;
}

/* A second EncryptedKey (another random key, to server), Id EK-other. */
static void add_other_ek(xmlDocPtr doc, xmlNodePtr ek)
{
    unsigned char k[16], w[512];
    assert_int_equal(RAND_bytes(k, sizeof(k)), 1);
    EVP_PKEY *srv = load_key(PKI "server.crt", true);
    size_t wl = oaep(srv, true, k, sizeof(k), w);
    EVP_PKEY_free(srv);
    xmlNodePtr copy = xmlDocCopyNode(ek, doc, 1);
    xmlAddNextSibling(ek, copy);
    xmlAttrPtr id = xmlSetProp(copy, BAD_CAST "Id", BAD_CAST "EK-other");
    xmlAddID(NULL, doc, BAD_CAST "EK-other", id);
    for (xmlNodePtr c = copy->children; c; c = c->next)
        if (c->type == XML_ELEMENT_NODE && xmlStrEqual(c->name, BAD_CAST "CipherData"))
            h_set_b64(xmlFirstElementChild(c), w, wl);
}

static void set_signature_key(xmlDocPtr doc, xmlNodePtr ek, const char *ekuri)
{
    xmlNodePtr ki = h_xp(doc, "//ds:Signature/ds:KeyInfo");
    while (ki->children) h_remove(ki->children);
    if (shape.sig_key == 0) add_str(ki, ekuri, VT_EK, NULL);
    if (shape.sig_key == 1 || shape.sig_key == 2) add_str_eksha1(ki, shape.sig_key == 2);
    if (shape.sig_key == 3) add_str_bst(ki);
    (void)ek;
}

static void to_symmetric(xmlDocPtr doc)
{
    xmlNodePtr sec = h_xp(doc, "//wsse:Security");
    xmlNodePtr ek = h_xp(doc, "//xenc:EncryptedKey");
    xmlNodePtr rl = h_xp(doc, "//xenc:EncryptedKey/xenc:ReferenceList");
    xmlChar *id = xmlGetProp(ek, BAD_CAST "Id");
    char *ekuri = h_strf("#%s", (char *)id);
    xmlFree(id);
    unsigned char key[64];
    size_t klen = session_key(doc, key);
    if (shape.ek_to_alice) {
        unsigned char w[512];
        EVP_PKEY *a = load_key(PKI "alice.crt", true);
        size_t wl = oaep(a, true, key, klen, w);
        EVP_PKEY_free(a);
        h_set_b64(h_xp(doc, "//xenc:EncryptedKey/xenc:CipherData/xenc:CipherValue"), w, wl);
    }
    xmlUnlinkNode(ek);
    xmlAddPrevSibling(xmlFirstElementChild(sec), ek);
    xmlUnlinkNode(rl);
    xmlAddChild(sec, rl);
    if (shape.data_other_ek) add_other_ek(doc, ek);
    xmlXPathContextPtr x = xmlXPathNewContext(doc);
    xmlXPathRegisterNs(x, BAD_CAST "xenc", BAD_CAST "http://www.w3.org/2001/04/xmlenc#");
    xmlXPathObjectPtr o = xmlXPathEvalExpression(BAD_CAST "//xenc:EncryptedData", x);
    for (int i = 0; o && o->nodesetval && i < o->nodesetval->nodeNr; i++) {
        xmlNodePtr ed = o->nodesetval->nodeTab[i];
        xmlNodePtr ki = h_elem(doc, "http://www.w3.org/2000/09/xmldsig#", "ds", "KeyInfo");
        xmlAddNextSibling(xmlFirstElementChild(ed), ki);
        add_str(ki, shape.data_other_ek ? "#EK-other" : ekuri, VT_EK, NULL);
    }
    xmlXPathFreeObject(o);
    xmlXPathFreeContext(x);
    set_signature_key(doc, ek, ekuri);
    xmlReconciliateNs(doc, xmlDocGetRootElement(doc));
    hmac_sign(doc, key, klen, shape.sha1);
    free(ekuri);
}

static char *symmetric_message(void)
{
    return sym_message(to_symmetric, shape.ut);
}

static void setup_shape(void) { memset(&shape, 0, sizeof(shape)); }

/* The message verifies, its Body is decrypted, and nobody is its caller. */
static void test_hmac_and_reference_list(void **state)
{
    (void)state;
    setup_shape();
    char *xml = symmetric_message();
    wssec_ctx *in = ctx_of(RECEIVER, "require", "timestamp", NULL);
    h_run r;
    assert_int_equal(h_verify(&r, in, xml), 0);
    assert_null(wssec_result_caller(r.res));
    bool hmac = false, body = false;
    for (size_t i = 0; i < wssec_result_token_count(r.res); i++) {
        const wssec_token *t = wssec_result_token(r.res, i);
        const char *with = wssec_token_get(t, "signed-with");
        if (strcmp(wssec_token_type(t), "signature") == 0 && with) {
            h_assert_contains(with, "symmetric key of EncryptedKey");
            assert_null(wssec_token_get(t, "signer"));
            hmac = true;
        }
        for (size_t p = 0; p < wssec_token_prop_count(t); p++) {
            const char *n = NULL, *v = NULL;
            assert_int_equal(wssec_token_prop(&n, &v, t, p), 0);
            assert_null(strstr(n, "secret"));
        }
    }
    xmlChar *dump = NULL;
    int len = 0;
    xmlDocDumpMemory(wssec_msg_doc(r.msg), &dump, &len);
    body = strstr((char *)dump, "<m:Amount>10</m:Amount>") != NULL;
    xmlFree(dump);
    assert_true(hmac);
    assert_true(body);
    h_run_free(&r);
    wssec_ctx_free(in);
    free(xml);
}

static void test_encrypted_key_sha1(void **state)
{
    (void)state;
    setup_shape();
    shape.sig_key = 1;
    char *xml = symmetric_message();
    wssec_ctx *in = ctx_of(RECEIVER, "require", "timestamp", NULL);
    h_expect(in, xml, 0, NULL, NULL);
    wssec_ctx_free(in);
    free(xml);
}

/* Anonymous: an HMAC signature satisfies no signature requirement. */
static void test_hmac_is_no_signer(void **state)
{
    (void)state;
    setup_shape();
    char *xml = symmetric_message();
    static const char *const reqs[] = { "signature", "signed:/soap:Envelope/soap:Body" };
    for (size_t i = 0; i < 2; i++) {
        wssec_ctx *in = ctx_of(RECEIVER, "require", reqs[i], NULL);
        h_expect(in, xml, WSSEC_EPOLICY, "wsse:InvalidSecurity",
                 i == 0 ? "policy requires a trusted X.509 signature; the message has none (an "
                          "HMAC signature by an EncryptedKey's session key proves no sender) "
                          "(see --require)"
                        : "proves no sender");
        wssec_ctx_free(in);
    }
    wssec_ctx *in = ctx_of(RECEIVER, "require", "timestamp,signed-by:.*", NULL);
    h_expect(in, xml, WSSEC_EPOLICY, NULL, "proves no sender");
    wssec_ctx_free(in);
    free(xml);
}

/* Key confusion: an HMAC keyed by what an X.509 token holds is refused. */
static void test_hmac_key_from_certificate(void **state)
{
    (void)state;
    setup_shape();
    shape.sig_key = 3;
    char *xml = symmetric_message();
    wssec_ctx *in = ctx_of(RECEIVER, "require", "timestamp", NULL);
    h_expect(in, xml, WSSEC_ETOKEN, "wsse:InvalidSecurityToken", "not an EncryptedKey");
    wssec_ctx_free(in);
    free(xml);
}

static void test_encrypted_key_to_someone_else(void **state)
{
    (void)state;
    setup_shape();
    shape.ek_to_alice = true;
    char *xml = symmetric_message();
    wssec_ctx *in = ctx_of(RECEIVER, "require", "timestamp", NULL);
    h_expect(in, xml, WSSEC_EDECRYPT, NULL, "decryption failed");
    wssec_ctx_free(in);
    free(xml);
}

static void test_unknown_encrypted_key_sha1(void **state)
{
    (void)state;
    setup_shape();
    shape.sig_key = 2;
    char *xml = symmetric_message();
    wssec_ctx *in = ctx_of(RECEIVER, "require", "timestamp", NULL);
    h_expect(in, xml, WSSEC_EUNAVAILABLE, "wsse:SecurityTokenUnavailable",
             "names no EncryptedKey key token of this message");
    wssec_ctx_free(in);
    free(xml);
}

/* The EncryptedData name another EncryptedKey than the one whose key
 * encrypted them: decryption failed. */
static void test_data_names_other_key(void **state)
{
    (void)state;
    setup_shape();
    shape.data_other_ek = true;
    char *xml = symmetric_message();
    wssec_ctx *in = ctx_of(RECEIVER, "require", "timestamp", NULL);
    h_expect(in, xml, WSSEC_EDECRYPT, NULL, "decryption failed");
    wssec_ctx_free(in);
    free(xml);
}

static void test_hmac_sha1_needs_allow_sha1(void **state)
{
    (void)state;
    setup_shape();
    shape.sha1 = true;
    char *xml = symmetric_message();
    wssec_ctx *in = ctx_of(RECEIVER, "require", "timestamp", NULL);
    h_expect(in, xml, WSSEC_EALGORITHM, NULL, "hmac-sha1");
    wssec_ctx_free(in);
    in = ctx_of(RECEIVER, "require", "timestamp", "allow-sha1", "true", NULL);
    h_expect(in, xml, 0, NULL, NULL);
    wssec_ctx_free(in);
    free(xml);
}

/* ---- endorsing signatures: a caller for the symmetric binding ---- */

/* msg secured again by who (an X.509 key of samples/pki) with actions. */
static char *resecure(const char *xml, const char *who, const char *const *actions, size_t n,
                      const char *part)
{
    wssec_ctx *c = part ? h_signer(who, "sign-part", part, NULL) : h_signer(who, NULL);
    char *out = h_secure(c, xml, actions, n, NULL);
    wssec_ctx_free(c);
    return out;
}

static const char *const endorse_action[] = { "endorse" };

static const char *token_prop(const wssec_result *res, const char *name)
{
    for (size_t i = 0; i < wssec_result_token_count(res); i++) {
        const char *v = wssec_token_get(wssec_result_token(res, i), name);
        if (v) return v;
    }
    return NULL;
}

/* An X.509 signature over the HMAC signature: its signer is the caller,
 * and what the HMAC signature covers counts as signed. */
static void test_endorsed_hmac_has_caller(void **state)
{
    (void)state;
    setup_shape();
    char *sym = symmetric_message();
    char *xml = resecure(sym, "bob", endorse_action, 1, NULL);
    wssec_ctx *in = ctx_of(RECEIVER, "require", "timestamp,signature", NULL);
    h_run r;
    assert_int_equal(h_verify(&r, in, xml), 0);
    h_assert_contains(wssec_result_caller(r.res), "CN=bob");
    xmlNodePtr body = h_xp(wssec_msg_doc(r.msg), "//soap:Body");
    assert_true(wssec_result_is_signed(r.res, body));
    h_assert_contains(token_prop(r.res, "endorsed-by"), "CN=bob");
    h_assert_contains(token_prop(r.res, "endorses"), "#SIG-");
    h_run_free(&r);
    wssec_ctx_free(in);
    in = ctx_of(RECEIVER, "require", "timestamp,signed-by:CN=alice", NULL);
    h_expect(in, xml, WSSEC_EUNTRUSTED, NULL, "does not match the required signed-by");
    wssec_ctx_free(in);
    free(xml);
    free(sym);
}

/* xml verifies under require, with the caller who, exactly. */
static void expect_caller(const char *xml, const char *require, const char *who)
{
    wssec_ctx *in = ctx_of(RECEIVER, "require", require, NULL);
    h_run r;
    assert_int_equal(h_verify(&r, in, xml), 0);
    assert_string_equal(wssec_result_caller(r.res), who);
    h_run_free(&r);
    wssec_ctx_free(in);
}

/* The endorsing signature first in the header: node identity decides, not
 * the order. */
static void endorsement_first(xmlDocPtr doc)
{
    xmlNodePtr e = h_xp(doc, "//wsse:Security/ds:Signature[ds:SignedInfo/ds:SignatureMethod"
                             "[contains(@Algorithm,'rsa')]]");
    xmlUnlinkNode(e);
    xmlAddPrevSibling(h_xp(doc, "//wsse:Security/ds:Signature"), e);
}

static void test_endorsement_before_endorsed(void **state)
{
    (void)state;
    setup_shape();
    char *sym = symmetric_message();
    char *endorsed = resecure(sym, "bob", endorse_action, 1, NULL);
    char *xml = h_operate(endorsed, endorsement_first, 1);
    assert_true(strstr(xml, "rsa-sha256") < strstr(xml, "hmac-sha256"));
    expect_caller(xml, "timestamp,signature", "CN=bob,OU=Clients,O=wssec test,C=US");
    free(xml);
    free(endorsed);
    free(sym);
}

/* A second X.509 signature that covers the Timestamp only endorses
 * nothing: the Body stays covered by the anonymous HMAC signature alone. */
static void test_endorsing_timestamp_only(void **state)
{
    (void)state;
    setup_shape();
    static const char *const sign[] = { "signature" };
    char *sym = symmetric_message();
    char *xml = resecure(sym, "bob", sign, 1, "timestamp");
    wssec_ctx *in = ctx_of(RECEIVER, "require", "timestamp,signature", NULL);
    h_expect(in, xml, WSSEC_EUNSIGNED, NULL, "the SOAP Body (/Envelope/Body) is not covered");
    wssec_ctx_free(in);
    free(xml);
    free(sym);
}

/* Wrapping: the endorsed HMAC signature moved into another header block
 * (the endorsement still digests it there), a copy of it without its Id
 * left in the Security header: the copy verifies, but no endorsement
 * names that element. */
static void move_endorsed(xmlDocPtr doc)
{
    xmlNodePtr hmac = h_xp(doc, "//wsse:Security/ds:Signature[ds:SignedInfo/ds:SignatureMethod"
                                "[contains(@Algorithm,'hmac')]]");
    xmlNodePtr copy = xmlDocCopyNode(hmac, doc, 1);
    for (xmlAttrPtr a = copy->properties; a; a = a->next)
        if (xmlStrEqual(a->name, BAD_CAST "Id")) {
            xmlRemoveProp(a);
            break;
        }
    xmlAddPrevSibling(hmac, copy);
    xmlUnlinkNode(hmac);
    xmlNodePtr wrapper = h_elem(doc, "urn:example:wrap", "w", "Wrapper");
    xmlAddChild(h_xp(doc, "//soap:Header"), wrapper);
    xmlAddChild(wrapper, hmac);
}

static void test_endorsement_of_moved_signature(void **state)
{
    (void)state;
    setup_shape();
    char *sym = symmetric_message();
    char *endorsed = resecure(sym, "bob", endorse_action, 1, NULL);
    char *xml = h_operate(endorsed, move_endorsed, 1);
    wssec_ctx *in = ctx_of(RECEIVER, "require", "timestamp,signature", NULL);
    h_expect(in, xml, WSSEC_EUNSIGNED, NULL, "the SOAP Body (/Envelope/Body) is not covered");
    wssec_ctx_free(in);
    free(xml);
    free(endorsed);
    free(sym);
}

/* A second HMAC signature, over the Timestamp only, put first in the
 * header (the one the endorse action endorses): re-made with the session
 * key. */
static void add_timestamp_hmac(xmlDocPtr doc)
{
    unsigned char key[64];
    size_t klen = session_key(doc, key);
    xmlNodePtr s1 = h_xp(doc, "//wsse:Security/ds:Signature");
    xmlNodePtr s2 = xmlDocCopyNode(s1, doc, 1);
    xmlAddPrevSibling(s1, s2); /* after the EncryptedKey that keys it */
    xmlNodePtr si = xmlFirstElementChild(s2);
    xmlChar *body_id = xmlGetNsProp(h_xp(doc, "//soap:Body"), BAD_CAST "Id", BAD_CAST H_NS_WSU);
    char *uri = h_strf("#%s", (char *)body_id);
    for (xmlNodePtr r = xmlFirstElementChild(si); r; r = xmlNextElementSibling(r)) {
        xmlChar *u = xmlGetProp(r, BAD_CAST "URI");
        bool body = u && strcmp((char *)u, uri) == 0;
        xmlFree(u);
        if (body) {
            h_remove(r);
            break;
        }
    }
    int len = 0;
    xmlChar *c = h_c14n(doc, si, XML_C14N_EXCLUSIVE_1_0, NULL, &len);
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int maclen = 0;
    assert_non_null(HMAC(EVP_sha256(), key, (int)klen, c, (size_t)len, mac, &maclen));
    h_set_b64(xmlNextElementSibling(si), mac, maclen);
    xmlFree(c);
    xmlFree(body_id);
    free(uri);
}

static void test_endorsing_other_hmac_signature(void **state)
{
    (void)state;
    setup_shape();
    char *sym = symmetric_message();
    char *two = h_operate(sym, add_timestamp_hmac, 1);
    char *xml = resecure(two, "bob", endorse_action, 1, NULL);
    wssec_ctx *in = ctx_of(RECEIVER, "require", "timestamp", NULL);
    h_run r;
    assert_int_equal(h_verify(&r, in, xml), 0); /* both HMAC signatures verify */
    assert_false(wssec_result_is_signed(r.res, h_xp(wssec_msg_doc(r.msg), "//soap:Body")));
    h_run_free(&r);
    wssec_ctx_free(in);
    in = ctx_of(RECEIVER, "require", "timestamp,signature", NULL);
    h_expect(in, xml, WSSEC_EUNSIGNED, NULL, "the SOAP Body (/Envelope/Body) is not covered");
    wssec_ctx_free(in);
    free(xml);
    free(two);
    free(sym);
}

static void test_endorsing_untrusted_signer(void **state)
{
    (void)state;
    setup_shape();
    char *sym = symmetric_message();
    char *xml = resecure(sym, "selfsigned", endorse_action, 1, NULL);
    wssec_ctx *in = ctx_of(RECEIVER, "require", "timestamp,signature", NULL);
    h_expect(in, xml, WSSEC_EUNTRUSTED, NULL, "is self-signed and not one of the trust anchors");
    wssec_ctx_free(in);
    free(xml);
    free(sym);
}

/* The asymmetric binding: alice signs, bob endorses alice's signature;
 * bob, the endorser, is the caller and both signers are checked. */
static void test_endorsing_x509_primary(void **state)
{
    (void)state;
    static const char *const sign[] = { "timestamp", "signature" };
    char *plain = h_envelope_header(11, NULL);
    char *signed_ = resecure(plain, "alice", sign, 2, NULL);
    char *xml = resecure(signed_, "bob", endorse_action, 1, NULL);
    wssec_ctx *in = ctx_of(RECEIVER, "require", "timestamp,signature", NULL);
    h_run r;
    assert_int_equal(h_verify(&r, in, xml), 0);
    h_assert_contains(wssec_result_caller(r.res), "CN=bob");
    h_assert_contains(token_prop(r.res, "endorsed-by"), "CN=bob");
    h_run_free(&r);
    wssec_ctx_free(in);
    /* a third signer who endorses nothing still disagrees */
    static const char *const sign_ts[] = { "signature" };
    char *third = resecure(xml, "gateway", sign_ts, 1, "timestamp");
    in = ctx_of(RECEIVER, "require", "timestamp,signature", NULL);
    h_expect(in, third, WSSEC_EPOLICY, NULL, "two tokens authenticate different callers");
    wssec_ctx_free(in);
    free(third);
    free(xml);
    free(signed_);
    free(plain);
}

/* A UsernameToken the HMAC signature covers: its password names the
 * caller, as any UsernameToken's does; the HMAC signature still proves no
 * sender (anyone could wrap a UsernameToken in their own key's HMAC). */
static void test_hmac_with_username_token(void **state)
{
    (void)state;
    setup_shape();
    shape.ut = true;
    char *xml = symmetric_message();
    wssec_ctx *in = ctx_of(RECEIVER, "require", "timestamp,username-token", NULL);
    h_run r;
    assert_int_equal(h_verify(&r, in, xml), 0);
    assert_string_equal(wssec_result_caller(r.res), "alice");
    assert_false(wssec_result_is_signed(r.res, h_xp(wssec_msg_doc(r.msg), "//soap:Body")));
    h_run_free(&r);
    wssec_ctx_free(in);
    in = ctx_of(RECEIVER, "require", "timestamp,username-token,signature", NULL);
    h_expect(in, xml, WSSEC_EPOLICY, "wsse:InvalidSecurity",
             "policy requires a trusted X.509 signature; the message has none (an HMAC "
             "signature by an EncryptedKey's session key proves no sender) (see --require)");
    wssec_ctx_free(in);
    free(xml);
}

/* A signature that covers a UsernameToken does not endorse it: the user
 * stays the caller whichever comes first in the header. */
static void signature_first(xmlDocPtr doc)
{
    xmlNodePtr sig = h_xp(doc, "//wsse:Security/ds:Signature");
    xmlUnlinkNode(sig);
    xmlAddPrevSibling(h_xp(doc, "//wsse:UsernameToken"), sig);
}

static void test_signed_username_token_not_endorsed(void **state)
{
    (void)state;
    static const char *const acts[] = { "timestamp", "username-token", "signature" };
    wssec_ctx *c = h_signer("alice", "sign-part", "body", "sign-part", "timestamp", "sign-part",
                            "username-token", NULL);
    char *plain = h_envelope_header(11, NULL);
    char *signed_ = h_secure(c, plain, acts, 3, "alice");
    char *xml = h_operate(signed_, signature_first, 1);
    expect_caller(xml, "timestamp,signature,username-token", "alice");
    free(xml);
    free(signed_);
    free(plain);
    wssec_ctx_free(c);
}

/* Nothing to endorse: the action says what comes first. */
static void test_endorse_without_signature(void **state)
{
    (void)state;
    char *plain = h_envelope_header(11, NULL);
    wssec_ctx *c = h_signer("bob", NULL);
    wssec_msg *msg = h_parse(c, plain);
    h_secure_refused(msg, endorse_action, 1, WSSEC_ECONFIG, "no signature to endorse");
    wssec_msg_free(msg);
    wssec_ctx_free(c);
    free(plain);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hmac_and_reference_list),
        cmocka_unit_test(test_encrypted_key_sha1),
        cmocka_unit_test(test_hmac_is_no_signer),
        cmocka_unit_test(test_hmac_key_from_certificate),
        cmocka_unit_test(test_encrypted_key_to_someone_else),
        cmocka_unit_test(test_unknown_encrypted_key_sha1),
        cmocka_unit_test(test_data_names_other_key),
        cmocka_unit_test(test_hmac_sha1_needs_allow_sha1),
        cmocka_unit_test(test_endorsed_hmac_has_caller),
        cmocka_unit_test(test_endorsement_before_endorsed),
        cmocka_unit_test(test_endorsing_timestamp_only),
        cmocka_unit_test(test_endorsement_of_moved_signature),
        cmocka_unit_test(test_endorsing_other_hmac_signature),
        cmocka_unit_test(test_endorsing_untrusted_signer),
        cmocka_unit_test(test_endorsing_x509_primary),
        cmocka_unit_test(test_endorse_without_signature),
        cmocka_unit_test(test_hmac_with_username_token),
        cmocka_unit_test(test_signed_username_token_not_endorsed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
