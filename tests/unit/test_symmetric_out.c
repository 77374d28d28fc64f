/*
 * wssec unit tests — the symmetric binding, outbound (the symmetric,
 * derived-keys, derived-key-ns and session-key-id options): what
 * wssec_secure writes, read back by wssec_verify, and what a receiver
 * refuses of it once changed.
 */
#include <stdlib.h>
#include <string.h>

#include <libxml/c14n.h>
#include <libxml/tree.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/sha.h>
#include <openssl/x509.h>

#include "helpers.h"

#define NS_WSC_2005 "http://schemas.xmlsoap.org/ws/2005/02/sc"
#define NS_WSC_13 "http://docs.oasis-open.org/ws-sx/ws-secureconversation/200512"
#define RECEIVER \
    "decrypt-key", PKI "server.key", "decrypt-cert", PKI "server.crt", "replay-signatures", "false"
#define REQUIRE "require", "timestamp,encrypted:/soap:Envelope/soap:Body"

#include "symtest.h" /* PKI, VT_EK, VT_EKSHA1; after this test's own RECEIVER */

static const char *const SIGN_ENCRYPT[] = { "timestamp", "signature", "encrypted-key" };
static const char *const ENCRYPT_SIGN[] = { "timestamp", "encrypted-key", "signature" };

static const char PLAIN[] =
    "<soap:Envelope xmlns:soap=\"http://schemas.xmlsoap.org/soap/envelope/\"><soap:Header/>"
    "<soap:Body><m:Pay xmlns:m=\"urn:example:bank\"><m:To>bob</m:To>"
    "<m:Amount>10</m:Amount></m:Pay></soap:Body></soap:Envelope>";

/* The message secured by a sender with the symmetric option and the
 * option pairs (NULL-terminated); actions are sign-then-encrypt or
 * encrypt-then-sign. */
static char *secure_sym(const char *const *actions, const char *first, ...)
{
    const char *pairs[32] = { "symmetric", "true", "encrypt-cert", PKI "server.crt" };
    size_t n = 4;
    va_list ap;
    va_start(ap, first);
    for (const char *p = first; p && n < 30; p = va_arg(ap, const char *)) pairs[n++] = p;
    va_end(ap);
    pairs[n] = NULL;
    wssec_ctx *out = h_ctx_pairs(pairs);
    char *xml = h_secure(out, PLAIN, actions, 3, NULL);
    wssec_ctx_free(out);
    return xml;
}

/* The local names of our Security header's children, space-separated. */
static void header_order(const char *xml, char *out, size_t size)
{
    xmlDocPtr doc = xmlReadMemory(xml, (int)strlen(xml), NULL, NULL, XML_PARSE_NONET);
    assert_non_null(doc);
    size_t off = 0;
    out[0] = '\0';
    for (xmlNodePtr c = xmlFirstElementChild(h_xp(doc, "//wsse:Security")); c;
         c = xmlNextElementSibling(c))
        off += (size_t)snprintf(out + off, size - off, "%s%s", off ? " " : "", (char *)c->name);
    xmlFreeDoc(doc);
}

/* Verified as anonymous: accepted, no caller, the Body decrypted and
 * covered by the HMAC signature (which still satisfies no signed:). */
static void assert_accepted(const char *xml)
{
    wssec_ctx *in = h_ctx(RECEIVER, REQUIRE, NULL);
    h_run r;
    assert_int_equal(h_verify(&r, in, xml), 0);
    assert_null(wssec_result_caller(r.res));
    assert_int_equal(wssec_result_decrypted_count(r.res), 1);
    xmlNodePtr amount = h_xp(wssec_msg_doc(r.msg), "//m:Amount");
    xmlChar *text = xmlNodeGetContent(amount);
    assert_string_equal((char *)text, "10");
    xmlFree(text);
    bool hmac = false;
    for (size_t i = 0; i < wssec_result_token_count(r.res); i++) {
        const wssec_token *t = wssec_result_token(r.res, i);
        const char *with = wssec_token_get(t, "signed-with");
        if (!strcmp(wssec_token_type(t), "signature")) {
            assert_non_null(with);
            h_assert_contains(with, "anonymous");
            hmac = true;
        }
    }
    assert_true(hmac);
    h_run_free(&r);
    wssec_ctx_free(in);
}

/* Sign, then encrypt: the EncryptedKey first, then the ReferenceList
 * (decrypted first), then the HMAC signature naming the EncryptedKey. */
static void test_sign_then_encrypt(void **state)
{
    (void)state;
    char *xml = secure_sym(SIGN_ENCRYPT, NULL);
    char order[256];
    header_order(xml, order, sizeof(order));
    assert_string_equal(order, "Timestamp EncryptedKey ReferenceList Signature");
    h_assert_contains(xml, "xmldsig-more#hmac-sha256");
    h_assert_contains(xml, "ValueType=\"" VT_EK "\"");
    assert_null(strstr(xml, "BinarySecurityToken")); /* no private key, no certificate of ours */
    assert_null(strstr(xml, "<m:Amount>"));
    /* the EncryptedKey is a key token: no ReferenceList of its own */
    xmlDocPtr doc = xmlReadMemory(xml, (int)strlen(xml), NULL, NULL, 0);
    xmlNodePtr ek = h_xp(doc, "//xenc:EncryptedKey");
    for (xmlNodePtr c = xmlFirstElementChild(ek); c; c = xmlNextElementSibling(c))
        assert_string_not_equal((char *)c->name, "ReferenceList");
    /* the EncryptedData name it too, and hold a key of 256 bits */
    h_xp(doc,
         "//soap:Body/xenc:EncryptedData/ds:KeyInfo/wsse:SecurityTokenReference/wsse:Reference");
    unsigned char key[64];
    assert_int_equal(session_key(doc, key), 32);
    xmlFreeDoc(doc);
    assert_accepted(xml);
    free(xml);
}

/* Encrypt, then sign: the signature before the ReferenceList, over the
 * ciphertext. */
static void test_encrypt_then_sign(void **state)
{
    (void)state;
    char *xml = secure_sym(ENCRYPT_SIGN, NULL);
    char order[256];
    header_order(xml, order, sizeof(order));
    assert_string_equal(order, "Timestamp EncryptedKey Signature ReferenceList");
    assert_accepted(xml);
    free(xml);
}

/* One fresh session key per message. */
static void test_fresh_session_key(void **state)
{
    (void)state;
    char *a = secure_sym(SIGN_ENCRYPT, NULL), *b = secure_sym(SIGN_ENCRYPT, NULL);
    unsigned char ka[64], kb[64];
    xmlDocPtr da = xmlReadMemory(a, (int)strlen(a), NULL, NULL, 0);
    xmlDocPtr db = xmlReadMemory(b, (int)strlen(b), NULL, NULL, 0);
    assert_int_equal(session_key(da, ka), 32);
    assert_int_equal(session_key(db, kb), 32);
    assert_memory_not_equal(ka, kb, 32);
    xmlFreeDoc(da);
    xmlFreeDoc(db);
    free(a);
    free(b);
}

/* Derived keys: one DerivedKeyToken for the signature, one for the
 * encryption, each with its own Nonce, before what uses it. */
static void test_derived_keys(void **state)
{
    (void)state;
    static const struct {
        const char *const *actions;
        const char *ns, *order;
    } v[] = {
        { SIGN_ENCRYPT, "2005-02",
          "Timestamp EncryptedKey DerivedKeyToken DerivedKeyToken ReferenceList Signature" },
        { ENCRYPT_SIGN, "1.3",
          "Timestamp EncryptedKey DerivedKeyToken DerivedKeyToken Signature ReferenceList" },
    };
    for (size_t i = 0; i < 2; i++) {
        char *xml =
            secure_sym(v[i].actions, "derived-keys", "true", "derived-key-ns", v[i].ns, NULL);
        char order[256];
        header_order(xml, order, sizeof(order));
        assert_string_equal(order, v[i].order);
        h_assert_contains(xml, i == 0 ? NS_WSC_2005 "/dk\"" : NS_WSC_13 "/dk\"");
        h_assert_contains(xml, "<wsc:Length>32</wsc:Length>");
        xmlDocPtr doc = xmlReadMemory(xml, (int)strlen(xml), NULL, NULL, 0);
        xmlChar *n1 = xmlNodeGetContent(h_xp(doc, "(//*[local-name()='Nonce'])[1]"));
        xmlChar *n2 = xmlNodeGetContent(h_xp(doc, "(//*[local-name()='Nonce'])[2]"));
        assert_string_not_equal((char *)n1, (char *)n2);
        xmlFree(n1);
        xmlFree(n2);
        xmlFreeDoc(doc);
        assert_accepted(xml);
        free(xml);
    }
}

/* session-key-id encrypted-key-sha1: every reference to the EncryptedKey is
 * a KeyIdentifier EncryptedKeySHA1 (with and without derived keys). */
static void test_encrypted_key_sha1(void **state)
{
    (void)state;
    for (int dk = 0; dk < 2; dk++) {
        char *xml = secure_sym(SIGN_ENCRYPT, "session-key-id", "encrypted-key-sha1", "derived-keys",
                               dk ? "true" : "false", NULL);
        h_assert_contains(xml, "ValueType=\"" VT_EKSHA1 "\"");
        assert_null(strstr(xml, "ValueType=\"" VT_EK "\""));
        assert_accepted(xml);
        free(xml);
    }
}

/* Anonymous: the HMAC signature names no caller and satisfies neither
 * signature nor signed:. */
static void test_hmac_only_is_no_caller(void **state)
{
    (void)state;
    char *xml = secure_sym(SIGN_ENCRYPT, "derived-keys", "true", NULL);
    static const char *const reqs[] = { "signature", "timestamp,signed:/soap:Envelope/soap:Body",
                                        "timestamp,signed-by:.*" };
    for (size_t i = 0; i < 3; i++) {
        wssec_ctx *in = h_ctx(RECEIVER, "require", reqs[i], NULL);
        h_expect(in, xml, WSSEC_EPOLICY, "wsse:InvalidSecurity", "proves no sender");
        wssec_ctx_free(in);
    }
    free(xml);
}

/* The SignatureValue made again with key over the canonical SignedInfo. */
static void rehmac(xmlDocPtr doc, const unsigned char *key, size_t klen)
{
    int len = 0;
    xmlChar *si = h_c14n(doc, h_xp(doc, "//ds:SignedInfo"), XML_C14N_EXCLUSIVE_1_0, NULL, &len);
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int maclen = 0;
    assert_non_null(HMAC(EVP_sha256(), key, (int)klen, si, (size_t)len, mac, &maclen));
    xmlFree(si);
    h_set_b64(h_xp(doc, "//ds:SignatureValue"), mac, maclen);
}

/* Key confusion, 1: the signature's KeyInfo names a BinarySecurityToken
 * (server's certificate) and the HMAC is keyed by its public bytes. */
static void hmac_by_bst(xmlDocPtr doc)
{
    size_t n = 0;
    unsigned char *der = h_cert_der(PKI "server.crt", &n);
    xmlNodePtr bst = h_elem(doc, H_NS_WSSE, "wsse", "BinarySecurityToken");
    xmlSetProp(bst, BAD_CAST "ValueType",
               BAD_CAST "http://docs.oasis-open.org/wss/2004/01/"
                        "oasis-200401-wss-x509-token-profile-1.0#X509v3");
    xmlSetProp(bst, BAD_CAST "EncodingType",
               BAD_CAST "http://docs.oasis-open.org/wss/2004/01/"
                        "oasis-200401-wss-soap-message-security-1.0#Base64Binary");
    xmlNsPtr wsu = xmlSearchNsByHref(doc, h_xp(doc, "//wsse:Security"), BAD_CAST H_NS_WSU);
    xmlAttrPtr id = xmlSetNsProp(bst, wsu, BAD_CAST "Id", BAD_CAST "X509-public");
    xmlAddID(NULL, doc, BAD_CAST "X509-public", id);
    h_set_b64(bst, der, n);
    xmlAddPrevSibling(h_xp(doc, "//xenc:EncryptedKey"), bst);
    xmlNodePtr ki = h_xp(doc, "//ds:Signature/ds:KeyInfo");
    while (ki->children) h_remove(ki->children);
    add_str(ki, "#X509-public",
            "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-x509-token-profile-1.0#X509v3",
            NULL);
    rehmac(doc, der, n);
    OPENSSL_free(der);
}

/* Key confusion, 2: the KeyInfo still names the EncryptedKey, the HMAC is
 * keyed by a certificate's public bytes. */
static void hmac_by_cert_bytes(xmlDocPtr doc)
{
    size_t n = 0;
    unsigned char *der = h_cert_der(PKI "server.crt", &n);
    rehmac(doc, der, n);
    OPENSSL_free(der);
}

static void test_hmac_key_is_certificate(void **state)
{
    (void)state;
    char *xml = secure_sym(SIGN_ENCRYPT, NULL);
    wssec_ctx *in = h_ctx(RECEIVER, REQUIRE, NULL);
    char *bad = h_operate(xml, hmac_by_bst, 1);
    h_expect(in, bad, WSSEC_ETOKEN, "wsse:InvalidSecurityToken", "not an EncryptedKey");
    free(bad);
    bad = h_operate(xml, hmac_by_cert_bytes, 1);
    h_expect(in, bad, WSSEC_ESIGNATURE, "wsse:FailedCheck", "does not verify with the key of the EncryptedKey its KeyInfo names");
    free(bad);
    wssec_ctx_free(in);
    free(xml);
}

/* The EncryptedKey encrypted to alice, not to us. Its KeyInfo still naming
 * us (the wrapped key swapped), or naming alice to a receiver with one key
 * and no certificate to match: decryption failed, and nothing more is said.
 * To a receiver that knows its certificate, the same failure says (as the
 * choice of our key may) that the reference is not ours, before any key is
 * used. */
static void wrap_to_alice(xmlDocPtr doc)
{
    unsigned char key[64], w[512];
    size_t klen = session_key(doc, key);
    EVP_PKEY *a = load_key(PKI "alice.crt", true);
    size_t wl = oaep(a, true, key, klen, w);
    EVP_PKEY_free(a);
    h_set_b64(h_xp(doc, "//xenc:EncryptedKey/xenc:CipherData/xenc:CipherValue"), w, wl);
}

static void test_encrypted_key_to_someone_else(void **state)
{
    (void)state;
    wssec_ctx *in = h_ctx(RECEIVER, REQUIRE, NULL);
    wssec_ctx *one_key = h_ctx("decrypt-key", PKI "server.key", REQUIRE, NULL);
    char *xml = secure_sym(SIGN_ENCRYPT, NULL);
    char *bad = h_operate(xml, wrap_to_alice, 0);
    h_expect(in, bad, WSSEC_EDECRYPT, "wsse:FailedCheck", "decryption failed");
    free(bad);
    free(xml);
    xml = secure_sym(SIGN_ENCRYPT, "encrypt-cert", PKI "alice.crt", NULL);
    h_expect(one_key, xml, WSSEC_EDECRYPT, "wsse:FailedCheck", "decryption failed");
    h_expect(in, xml, WSSEC_EDECRYPT, "wsse:FailedCheck",
             "EncryptedKey names a certificate that is not one of our decryption certificates");
    free(xml);
    wssec_ctx_free(one_key);
    wssec_ctx_free(in);
}

/* One byte of the Body's ciphertext changed. */
static void flip_body(xmlDocPtr doc)
{
    xmlNodePtr cv = h_xp(doc, "//soap:Body/xenc:EncryptedData/xenc:CipherData/xenc:CipherValue");
    unsigned char buf[4096];
    size_t n = b64_content(cv, buf);
    buf[n / 2] ^= 0x01;
    h_set_b64(cv, buf, n);
}

/* An attribute added to the Body. */
static void mark_body(xmlDocPtr doc)
{
    xmlSetProp(h_xp(doc, "//soap:Body"), BAD_CAST "tampered", BAD_CAST "1");
}

/* A tampered Body. Its element changed: the digest fails, whichever came
 * first, signing or encrypting. Its ciphertext changed: AES-GCM's tag fails
 * (under the signature, sign then encrypt; over it, encrypt then sign, the
 * signature that fails over ciphertext is tried again over the plaintext,
 * which never comes): decryption failed. */
static void test_tampered_body(void **state)
{
    (void)state;
    wssec_ctx *in = h_ctx(RECEIVER, REQUIRE, NULL);
    for (int i = 0; i < 4; i++) {
        char *xml = secure_sym(i % 2 ? ENCRYPT_SIGN : SIGN_ENCRYPT, "derived-keys",
                               i < 2 ? "true" : "false", NULL);
        char *bad = h_operate(xml, mark_body, 0);
        h_expect(in, bad, WSSEC_EDIGEST, "wsse:FailedCheck",
                 "(/Envelope/Body) does not match: the element was changed after it was signed");
        free(bad);
        bad = h_operate(xml, flip_body, 0);
        h_expect(in, bad, WSSEC_EDECRYPT, "wsse:FailedCheck", "decryption failed");
        free(bad);
        free(xml);
    }
    wssec_ctx_free(in);
}

/* What a sender cannot do: no recipient, rsa-1_5, 3DES. */
static void test_configuration_errors(void **state)
{
    (void)state;
    static const struct {
        const char *name, *value, *needle;
    } v[] = {
        { "encrypt-cert", "", "no recipient certificate (--encrypt-cert)" },
        { "key-transport", "rsa-1_5", "rsa-1_5 cannot carry a session key" },
        { "enc-alg", "tripledes-cbc", "tripledes-cbc" },
    };
    for (size_t i = 0; i < 3; i++) {
        wssec_ctx *out = h_ctx("symmetric", "true", "encrypt-cert", PKI "server.crt", "allow-3des",
                               "true", v[i].name, v[i].value, NULL);
        wssec_msg *m = h_parse(out, PLAIN);
        wssec_secure_options o = WSSEC_SECURE_OPTIONS_INIT;
        o.actions = SIGN_ENCRYPT;
        o.n_actions = 3;
        assert_int_equal(wssec_secure(m, &o), WSSEC_ECONFIG);
        h_assert_error(wssec_msg_error(m), WSSEC_ECONFIG, NULL, v[i].needle);
        wssec_msg_free(m);
        wssec_ctx_free(out);
    }
}

/* aes128-gcm: a session key of 128 bits; the derived keys follow their
 * uses (16 bytes to encrypt, 32 to sign). */
static void test_aes128(void **state)
{
    (void)state;
    char *xml = secure_sym(SIGN_ENCRYPT, "enc-alg", "aes128-gcm", NULL);
    xmlDocPtr doc = xmlReadMemory(xml, (int)strlen(xml), NULL, NULL, 0);
    unsigned char key[64];
    assert_int_equal(session_key(doc, key), 16);
    xmlFreeDoc(doc);
    assert_accepted(xml);
    free(xml);
    xml = secure_sym(SIGN_ENCRYPT, "enc-alg", "aes128-gcm", "derived-keys", "true", NULL);
    h_assert_contains(xml, "<wsc:Length>16</wsc:Length>");
    h_assert_contains(xml, "<wsc:Length>32</wsc:Length>");
    assert_accepted(xml);
    free(xml);
}

/* ---- responses: the request's session key (wssec_session_key) ---- */

/* A secured message and its session key (wssec_msg_session_key). */
static char *secure_keep(wssec_session_key **key, const wssec_ctx *ctx, const char *xml,
                         const wssec_session_key *use)
{
    wssec_msg *m = h_parse(ctx, xml);
    if (use) assert_int_equal(wssec_msg_use_session_key(m, use), 0);
    wssec_secure_options o = WSSEC_SECURE_OPTIONS_INIT;
    o.actions = SIGN_ENCRYPT;
    o.n_actions = 3;
    assert_int_equal(wssec_secure(m, &o), 0);
    if (key) assert_int_equal(wssec_msg_session_key(key, m), 0);
    unsigned char *out = NULL;
    size_t len = 0;
    assert_int_equal(wssec_msg_serialize(&out, &len, m), 0);
    char *text = strndup((char *)out, len);
    wssec_free(out);
    wssec_msg_free(m);
    return text;
}

/* The request accepted by the responder, and its session key. */
static wssec_session_key *accept_request(const wssec_ctx *ctx, const char *xml)
{
    h_run r;
    assert_int_equal(h_verify(&r, ctx, xml), 0);
    wssec_session_key *k = NULL;
    assert_int_equal(wssec_msg_session_key(&k, r.msg), 0);
    h_run_free(&r);
    return k;
}

/* Requester and responder: the request carries a session key to server;
 * server answers with it (no EncryptedKey: EncryptedKeySHA1 references),
 * and only the requester, who kept its key, reads the answer. */
static void test_response_with_request_key(void **state)
{
    (void)state;
    for (int dk = 0; dk < 2; dk++) {
        const char *d = dk ? "true" : "false";
        wssec_ctx *client =
            h_ctx("symmetric", "true", "encrypt-cert", PKI "server.crt", "derived-keys", d, NULL);
        wssec_ctx *server_in = h_ctx(RECEIVER, REQUIRE, NULL);
        /* the responder needs no certificate of the requester's */
        wssec_ctx *server_out = h_ctx("symmetric", "true", "derived-keys", d, NULL);
        wssec_ctx *client_in = h_ctx(REQUIRE, NULL); /* no private key at all */
        wssec_session_key *mine = NULL;
        char *request = secure_keep(&mine, client, PLAIN, NULL);
        wssec_session_key *theirs = accept_request(server_in, request);
        char *response = secure_keep(NULL, server_out, PLAIN, theirs);
        assert_null(strstr(response, "EncryptedKey>"));
        assert_null(strstr(response, "<xenc:EncryptedKey"));
        h_assert_contains(response, "ValueType=\"" VT_EKSHA1 "\"");
        /* the requester with its key: accepted, anonymous, decrypted */
        wssec_msg *m = h_parse(client_in, response);
        assert_int_equal(wssec_msg_use_session_key(m, mine), 0);
        wssec_result *res = NULL;
        assert_int_equal(wssec_verify(&res, m), 0);
        assert_null(wssec_result_caller(res));
        assert_int_equal(wssec_result_decrypted_count(res), 1);
        bool ours = false;
        for (size_t i = 0; i < wssec_result_token_count(res); i++) {
            const char *with = wssec_token_get(wssec_result_token(res, i), "signed-with");
            if (with && strstr(with, "symmetric key of a request we sent")) ours = true;
        }
        assert_true(ours || dk); /* with derived keys, the DerivedKeyToken signs */
        wssec_result_free(res);
        wssec_msg_free(m);
        /* without it, or with another request's key: the key is unknown */
        h_expect(client_in, response, WSSEC_EUNAVAILABLE, "wsse:SecurityTokenUnavailable",
                 "nor the session key of a request we sent");
        wssec_session_key *other = NULL;
        free(secure_keep(&other, client, PLAIN, NULL));
        m = h_parse(client_in, response);
        assert_int_equal(wssec_msg_use_session_key(m, other), 0);
        assert_int_equal(wssec_verify(&res, m), WSSEC_EUNAVAILABLE);
        wssec_result_free(res);
        wssec_msg_free(m);
        wssec_session_key_free(other);
        wssec_session_key_free(theirs);
        wssec_session_key_free(mine);
        free(response);
        free(request);
        wssec_ctx_free(client_in);
        wssec_ctx_free(server_out);
        wssec_ctx_free(server_in);
        wssec_ctx_free(client);
    }
}

/* The response's HMAC made again with a certificate's bytes, its
 * KeyIdentifier still naming the request's key: refused. */
static void test_response_hmac_by_certificate(void **state)
{
    (void)state;
    wssec_ctx *client = h_ctx("symmetric", "true", "encrypt-cert", PKI "server.crt", NULL);
    wssec_ctx *server_in = h_ctx(RECEIVER, REQUIRE, NULL);
    wssec_ctx *server_out = h_ctx("symmetric", "true", NULL);
    wssec_ctx *client_in = h_ctx(REQUIRE, NULL);
    wssec_session_key *mine = NULL;
    char *request = secure_keep(&mine, client, PLAIN, NULL);
    wssec_session_key *theirs = accept_request(server_in, request);
    char *response = secure_keep(NULL, server_out, PLAIN, theirs);
    char *bad = h_operate(response, hmac_by_cert_bytes, 1);
    wssec_msg *m = h_parse(client_in, bad);
    assert_int_equal(wssec_msg_use_session_key(m, mine), 0);
    wssec_result *res = NULL;
    assert_int_equal(wssec_verify(&res, m), WSSEC_ESIGNATURE);
    h_assert_error(wssec_result_error(res), WSSEC_ESIGNATURE, "wsse:FailedCheck",
                   "does not verify with the key of the EncryptedKey its KeyInfo names");
    /* a rejected message gives no session key */
    wssec_session_key *none = NULL;
    assert_int_equal(wssec_msg_session_key(&none, m), WSSEC_EUNAVAILABLE);
    assert_null(none);
    wssec_result_free(res);
    wssec_msg_free(m);
    free(bad);
    free(response);
    free(request);
    wssec_session_key_free(theirs);
    wssec_session_key_free(mine);
    wssec_ctx_free(client_in);
    wssec_ctx_free(server_out);
    wssec_ctx_free(server_in);
    wssec_ctx_free(client);
}

/* What has no session key says so; a key of the wrong size for a direct
 * use is a configuration error. */
static void test_session_key_absent_or_unfit(void **state)
{
    (void)state;
    wssec_ctx *plain = h_ctx("encrypt-cert", PKI "server.crt", NULL);
    wssec_msg *m = h_parse(plain, PLAIN);
    wssec_session_key *k = (wssec_session_key *)1;
    assert_int_equal(wssec_msg_session_key(&k, m), WSSEC_EUNAVAILABLE);
    assert_null(k);
    static const char *const enc[] = { "timestamp", "encrypted-key" };
    wssec_secure_options o = WSSEC_SECURE_OPTIONS_INIT;
    o.actions = enc;
    o.n_actions = 2;
    assert_int_equal(wssec_secure(m, &o), 0); /* not symmetric: no session key kept */
    assert_int_equal(wssec_msg_session_key(&k, m), WSSEC_EUNAVAILABLE);
    wssec_msg_free(m);
    wssec_ctx_free(plain);
    /* an AES-128 request answered with AES-256 without derived keys */
    wssec_ctx *client =
        h_ctx("symmetric", "true", "encrypt-cert", PKI "server.crt", "enc-alg", "aes128-gcm", NULL);
    wssec_ctx *server_out = h_ctx("symmetric", "true", NULL);
    wssec_session_key *mine = NULL;
    free(secure_keep(&mine, client, PLAIN, NULL));
    m = h_parse(server_out, PLAIN);
    assert_int_equal(wssec_msg_use_session_key(m, mine), 0);
    o.actions = SIGN_ENCRYPT;
    o.n_actions = 3;
    assert_int_equal(wssec_secure(m, &o), WSSEC_ECONFIG);
    h_assert_error(wssec_msg_error(m), WSSEC_ECONFIG, NULL,
                   "a key of 32 bytes is needed, and the session key has 16");
    wssec_msg_free(m);
    wssec_session_key_free(mine);
    wssec_ctx_free(server_out);
    wssec_ctx_free(client);
}

/* Export and import: the same key back; anything else is refused. */
static void test_session_key_text(void **state)
{
    (void)state;
    wssec_ctx *client = h_ctx("symmetric", "true", "encrypt-cert", PKI "server.crt", NULL);
    wssec_session_key *k = NULL, *back = NULL;
    char *request = secure_keep(&k, client, PLAIN, NULL);
    char *text = NULL, *again = NULL;
    size_t len = 0, len2 = 0;
    assert_int_equal(wssec_session_key_export(&text, &len, k), 0);
    assert_int_equal(strlen(text), len);
    assert_true(strncmp(text, "wssec-session-key 1\n", 20) == 0);
    /* the SHA-1 line is the request's EncryptedKeySHA1 */
    xmlDocPtr doc = xmlReadMemory(request, (int)strlen(request), NULL, NULL, 0);
    unsigned char cv[1024], md[20];
    size_t n = b64_content(h_xp(doc, "//xenc:EncryptedKey/xenc:CipherData/xenc:CipherValue"), cv);
    SHA1(cv, n, md);
    char *sha1 = h_b64(md, sizeof(md));
    h_assert_contains(text, sha1);
    free(sha1);
    unsigned char key[64];
    assert_int_equal(session_key(doc, key), 32);
    char *kb64 = h_b64(key, 32);
    h_assert_contains(text, kb64);
    free(kb64);
    xmlFreeDoc(doc);
    /* the shortest: a key of 16 bytes, no final newline */
    static const char shortest[] = "wssec-session-key 1\nAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n"
                                   "AAAAAAAAAAAAAAAAAAAAAA==";
    assert_int_equal(wssec_session_key_import(&back, shortest, sizeof(shortest) - 1), 0);
    wssec_session_key_free(back);
    back = NULL;
    assert_int_equal(wssec_session_key_import(&back, text, len), 0);
    assert_int_equal(wssec_session_key_export(&again, &len2, back), 0);
    assert_string_equal(text, again);
    static const char *const bad[] = {
        "",
        "wssec-session-key 2\nAAAA\nAAAA\n",
        "wssec-session-key 1\n",
        /* a SHA-1 of 19 bytes; a key of 3 bytes */
        "wssec-session-key 1\nAAAAAAAAAAAAAAAAAAAAAAAAAA==\nAAAAAAAAAAAAAAAAAAAAAA==\n",
        "wssec-session-key 1\nAAAAAAAAAAAAAAAAAAAAAAAAAAA=\nAAAA\n",
        "wssec-session-key 1\n!!!!\nAAAAAAAAAAAAAAAAAAAAAA==\n",
    };
    for (size_t i = 0; i < WSSEC_ARRAY_LEN(bad); i++) {
        wssec_session_key *x = (wssec_session_key *)1;
        assert_int_equal(wssec_session_key_import(&x, bad[i], strlen(bad[i])), WSSEC_EINVALID);
        assert_null(x);
    }
    wssec_free(again);
    wssec_free(text);
    wssec_session_key_free(back);
    wssec_session_key_free(k);
    free(request);
    wssec_ctx_free(client);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sign_then_encrypt),
        cmocka_unit_test(test_encrypt_then_sign),
        cmocka_unit_test(test_fresh_session_key),
        cmocka_unit_test(test_derived_keys),
        cmocka_unit_test(test_encrypted_key_sha1),
        cmocka_unit_test(test_hmac_only_is_no_caller),
        cmocka_unit_test(test_hmac_key_is_certificate),
        cmocka_unit_test(test_encrypted_key_to_someone_else),
        cmocka_unit_test(test_tampered_body),
        cmocka_unit_test(test_configuration_errors),
        cmocka_unit_test(test_aes128),
        cmocka_unit_test(test_response_with_request_key),
        cmocka_unit_test(test_response_hmac_by_certificate),
        cmocka_unit_test(test_session_key_absent_or_unfit),
        cmocka_unit_test(test_session_key_text),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
