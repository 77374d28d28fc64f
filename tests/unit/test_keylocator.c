/*
 * wssec unit tests — the key locator (include/wssec/keylocator.h): an
 * application's locator gives the signing key and the decryption key for
 * an EncryptedKey's reference; asked with the right reference type and
 * value; no key is a precise refusal; a wrong key is "decryption failed";
 * the default locator (the configured keys) answers when called; a key
 * OpenSSL cannot copy is used as it is; the copy kept for signing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bnerr.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/proverr.h>
#include <openssl/rsaerr.h>
#include <openssl/x509.h>

#include "helpers.h"
#include "pkigen.h"
#include "keylocator.h"

/* What the test locator answers, and what it was asked. */
typedef struct store {
    const char *key_file, *cert_file; /* NULL: no key */
    int rc;                           /* returned when not 0 */
    int call_default;                 /* answer with wssec_key_locate_default() */
    int calls;
    wssec_key_use use;
    wssec_key_ref_type ref;
    int matches_server; /* wssec_key_query_matches(query, server.crt) */
    int matches_alice;
} store;

/* The sample PKI's certificate or key of that file name. */
static X509 *read_cert(const char *name)
{
    char path[512];
    snprintf(path, sizeof(path), H_PKI "%s", name);
    return pg_load_cert(path);
}

static EVP_PKEY *read_key(const char *name)
{
    char path[512];
    snprintf(path, sizeof(path), H_PKI "%s", name);
    return pg_load_key(path);
}

static int locate(wssec_located_key *found, const wssec_key_query *q, char *why, size_t whylen,
                  void *ud)
{
    store *s = ud;
    s->calls++;
    s->use = q->use;
    s->ref = q->ref;
    X509 *server = read_cert("server.crt"), *alice = read_cert("alice.crt");
    s->matches_server = wssec_key_query_matches(q, server);
    s->matches_alice = wssec_key_query_matches(q, alice);
    X509_free(server);
    X509_free(alice);
    if (s->call_default) return wssec_key_locate_default(found, q, why, whylen);
    if (s->rc) return s->rc;
    if (!s->key_file) {
        snprintf(why, whylen, "not in the test store");
        return WSSEC_EUNAVAILABLE;
    }
    found->key = read_key(s->key_file);
    found->cert = s->cert_file ? read_cert(s->cert_file) : NULL;
    return 0;
}

/* A context with the locator installed and the option pairs. */
static wssec_ctx *ctx_with(store *s, const char *const *pairs)
{
    wssec_config *cfg = NULL;
    wssec_ctx *ctx = NULL;
    wssec_key_locator kl = WSSEC_KEY_LOCATOR_INIT;
    kl.name = "test";
    kl.locate = locate;
    assert_int_equal(wssec_config_new(&cfg), 0);
    assert_int_equal(wssec_config_set(cfg, "now", H_NOW_TEXT), 0);
    for (size_t i = 0; pairs[i]; i += 2)
        assert_int_equal(wssec_config_set(cfg, pairs[i], pairs[i + 1]), 0);
    assert_int_equal(wssec_config_set_key_locator(cfg, &kl, s), 0);
    int rc = wssec_ctx_new(&ctx, cfg);
    if (rc) fail_msg("%s", wssec_config_error(cfg)->message);
    wssec_config_free(cfg);
    return ctx;
}

static const char *const ts_sig[] = { "timestamp", "signature" };
static const char *const ts_enc[] = { "timestamp", "encrypted-key" };

static char *plain(void) { return h_envelope_header(11, NULL); }

/* Secures with ctx; returns the code, the message in *out (free()). */
static int secure_rc(wssec_ctx *ctx, const char *const *actions, size_t n, char **out, char *err,
                     size_t errlen)
{
    char *xml = plain();
    wssec_msg *msg = NULL;
    *out = NULL;
    assert_int_equal(h_parse_rc(ctx, xml, strlen(xml), &msg), 0);
    wssec_secure_options o = WSSEC_SECURE_OPTIONS_INIT;
    o.actions = actions;
    o.n_actions = n;
    int rc = wssec_secure(msg, &o);
    snprintf(err, errlen, "%s", wssec_msg_error(msg)->message);
    if (rc == 0) {
        unsigned char *b = NULL;
        size_t len = 0;
        assert_int_equal(wssec_msg_serialize(&b, &len, msg), 0);
        *out = strndup((const char *)b, len);
        wssec_free(b);
    }
    wssec_msg_free(msg);
    free(xml);
    return rc;
}

/* The locator signs: no sign-key configured, alice's key from the store. */
static void test_sign_with_locator(void **state)
{
    (void)state;
    store s = { .key_file = "alice.key", .cert_file = "alice.crt" };
    static const char *const none[] = { NULL };
    wssec_ctx *ctx = ctx_with(&s, none);
    char *out = NULL, err[512];
    assert_int_equal(secure_rc(ctx, ts_sig, 2, &out, err, sizeof(err)), 0);
    assert_true(s.calls >= 1);
    assert_int_equal(s.use, WSSEC_KEY_USE_SIGN);
    assert_int_equal(s.ref, WSSEC_KEY_REF_NONE);
    wssec_ctx *rx = h_receiver(NULL);
    h_run r;
    assert_int_equal(h_verify(&r, rx, out), 0);
    h_assert_contains(wssec_result_caller(r.res), "alice");
    h_run_free(&r);
    free(out);
    wssec_ctx_free(rx);
    wssec_ctx_free(ctx);
}

/* No signing key from the locator: a precise refusal naming it. */
static void test_sign_no_key(void **state)
{
    (void)state;
    store s = { 0 };
    static const char *const none[] = { NULL };
    wssec_ctx *ctx = ctx_with(&s, none);
    char *out = NULL, err[512];
    assert_int_equal(secure_rc(ctx, ts_sig, 2, &out, err, sizeof(err)), WSSEC_ECONFIG);
    h_assert_contains(err,
                      "signature: key locator 'test' has no signing key (no reference): not in "
                      "the test store");
    assert_null(out);
    /* a key without its certificate, and a key that is not the certificate's */
    s.key_file = "alice.key";
    assert_int_equal(secure_rc(ctx, ts_sig, 2, &out, err, sizeof(err)), WSSEC_ECONFIG);
    h_assert_contains(err, "gave a signing key without its certificate");
    s.cert_file = "bob.crt";
    assert_int_equal(secure_rc(ctx, ts_sig, 2, &out, err, sizeof(err)), WSSEC_ECONFIG);
    h_assert_contains(err, "gave a signing key that does not belong to its certificate");
    /* its store failed: that code; a value that is no wssec code: no key */
    s.rc = WSSEC_EBACKEND;
    assert_int_equal(secure_rc(ctx, ts_sig, 2, &out, err, sizeof(err)), WSSEC_EBACKEND);
    s.rc = 7;
    assert_int_equal(secure_rc(ctx, ts_sig, 2, &out, err, sizeof(err)), WSSEC_ECONFIG);
    h_assert_contains(err, "returned 7, which is neither 0 nor a wssec error code");
    wssec_ctx_free(ctx);
}

/* A message encrypted for server with enc-key-id kind. */
static char *encrypted_for_server(const char *kind)
{
    wssec_ctx *tx = h_ctx("encrypt-cert", H_PKI "server.crt", "enc-key-id", kind, NULL);
    char *xml = plain();
    char *out = h_secure(tx, xml, ts_enc, 2, NULL);
    free(xml);
    wssec_ctx_free(tx);
    return out;
}

static const char *const rx_pairs[] = { "require", "timestamp", NULL };

/* Decryption: the locator is asked with the EncryptedKey's reference, of
 * the right type, naming server's certificate; its key decrypts. */
static void test_decrypt_reference_types(void **state)
{
    (void)state;
    static const struct {
        const char *kind;
        wssec_key_ref_type ref;
    } cases[] = {
        { "issuer-serial", WSSEC_KEY_REF_ISSUER_SERIAL },
        { "ski", WSSEC_KEY_REF_SKI },
        { "thumbprint", WSSEC_KEY_REF_THUMBPRINT },
        { "bst", WSSEC_KEY_REF_CERT },
        { "x509", WSSEC_KEY_REF_CERT },
    };
    for (size_t i = 0; i < WSSEC_ARRAY_LEN(cases); i++) {
        store s = { .key_file = "server.key" };
        wssec_ctx *rx = ctx_with(&s, rx_pairs);
        char *msg = encrypted_for_server(cases[i].kind);
        h_run r;
        int rc = h_verify(&r, rx, msg);
        if (rc) fail_msg("%s: %s", cases[i].kind, h_run_err(&r)->message);
        assert_int_equal(wssec_result_decrypted_count(r.res) > 0, 1);
        assert_int_equal(s.calls, 1);
        assert_int_equal(s.use, WSSEC_KEY_USE_DECRYPT);
        if (s.ref != cases[i].ref) fail_msg("%s: reference type %d", cases[i].kind, (int)s.ref);
        assert_int_equal(s.matches_server, 1);
        assert_int_equal(s.matches_alice, 0);
        h_run_free(&r);
        free(msg);
        wssec_ctx_free(rx);
    }
}

/* The locator has no key for the reference: a precise refusal, before any
 * key is used; a wrong key: the one "decryption failed". */
static void test_decrypt_no_key_and_wrong_key(void **state)
{
    (void)state;
    char *msg = encrypted_for_server("ski");
    store s = { 0 };
    wssec_ctx *rx = ctx_with(&s, rx_pairs);
    h_expect(rx, msg, WSSEC_EDECRYPT, "wsse:FailedCheck",
             "key locator 'test' has no decryption key (SKI ");
    h_expect(rx, msg, WSSEC_EDECRYPT, "wsse:FailedCheck", "): not in the test store");
    s.key_file = "alice.key"; /* an RSA key, not the recipient's */
    h_run r;
    assert_int_equal(h_verify(&r, rx, msg), WSSEC_EDECRYPT);
    assert_string_equal(h_run_err(&r)->message, "decryption failed");
    assert_int_equal(wssec_result_decrypted_count(r.res), 0);
    h_run_free(&r);
    s.key_file = NULL;
    s.rc = WSSEC_EBACKEND; /* its store is down: that code */
    h_expect(rx, msg, WSSEC_EBACKEND, NULL, "key locator 'test' has no decryption key");
    wssec_ctx_free(rx);
    free(msg);
}

/* A custom locator may answer with the default one (the configured keys). */
static void test_default_locator(void **state)
{
    (void)state;
    char *msg = encrypted_for_server("issuer-serial");
    store s = { .call_default = 1 };
    static const char *const with_key[] = {
        "require",      "timestamp",        "decrypt-key", H_PKI "server.key",
        "decrypt-cert", H_PKI "server.crt", NULL
    };
    wssec_ctx *rx = ctx_with(&s, with_key);
    h_run r;
    assert_int_equal(h_verify(&r, rx, msg), 0);
    h_run_free(&r);
    wssec_ctx_free(rx);
    /* the default without a key: today's refusal, through the locator */
    wssec_ctx *bare = ctx_with(&s, rx_pairs);
    h_expect(bare, msg, WSSEC_EDECRYPT, "wsse:FailedCheck", "no decryption key is configured");
    wssec_ctx_free(bare);
    /* the default needs the query's message */
    wssec_key_query q = WSSEC_KEY_QUERY_INIT;
    wssec_located_key found = WSSEC_LOCATED_KEY_INIT;
    char why[512];
    assert_int_equal(wssec_key_locate_default(&found, &q, why, sizeof(why)), WSSEC_EINVALID);
    h_assert_contains(why, "with a message");
    free(msg);
}

/* The structs and the setter. */
static void test_api(void **state)
{
    (void)state;
    wssec_config *cfg = NULL;
    assert_int_equal(wssec_config_new(&cfg), 0);
    wssec_key_locator kl;
    assert_int_equal(wssec_key_locator_init(&kl, WSSEC_KEY_LOCATOR_VERSION), 0);
    assert_null(kl.locate);
    assert_int_equal(wssec_config_set_key_locator(cfg, &kl, NULL), WSSEC_EINVALID);
    h_assert_contains(wssec_config_error(cfg)->message, "key locator: version 1");
    kl.locate = locate;
    kl.version = 99;
    assert_int_equal(wssec_config_set_key_locator(cfg, &kl, NULL), WSSEC_EINVALID);
    assert_int_equal(wssec_config_set_key_locator(cfg, NULL, NULL), 0);
    assert_int_equal(wssec_key_locator_init(&kl, 0), WSSEC_EINVALID);
    wssec_key_query q;
    assert_int_equal(wssec_key_query_init(&q, WSSEC_KEY_QUERY_VERSION), 0);
    assert_int_equal(q.ref, WSSEC_KEY_REF_NONE);
    X509 *alice = read_cert("alice.crt");
    assert_int_equal(wssec_key_query_matches(&q, alice), 0);
    q.ref = WSSEC_KEY_REF_CERT;
    q.cert = alice;
    assert_int_equal(wssec_key_query_matches(&q, alice), 1);
    assert_int_equal(wssec_key_query_matches(NULL, alice), 0);
    wssec_located_key found;
    assert_int_equal(wssec_located_key_init(&found, WSSEC_LOCATED_KEY_VERSION), 0);
    found.cert = alice; /* handed over */
    wssec_located_key_clear(&found);
    assert_null(found.cert);
    wssec_located_key_clear(NULL);
    wssec_config_free(cfg);
}

/* A key OpenSSL holds in memory is copied for each use; a key without a
 * provider (as an engine's) is shared. */
static void test_pkey_for_use(void **state)
{
    (void)state;
    EVP_PKEY *k = read_key("alice.key");
    EVP_PKEY *use = wssec__pkey_for_use(k);
    assert_non_null(use);
    assert_ptr_not_equal(use, k);
    assert_int_equal(EVP_PKEY_eq(use, k), 1);
    EVP_PKEY_free(use);
    assert_null(wssec__pkey_for_use(NULL));
    EVP_PKEY_free(k);
}

/* The copy kept for signing and decrypting: made once and shared by every
 * operation with that key, not the key itself; a copy of the key
 * (EVP_PKEY_dup, as wssec__pkey_for_use makes) does not take it along, so
 * freeing the copy leaves it intact; a renewal replaces it with a new one; a
 * stale renewal with another object changes nothing. */
static void test_pkey_kept(void **state)
{
    (void)state;
    EVP_PKEY *k = read_key("alice.key");
    EVP_PKEY *a = wssec__pkey_kept(k), *b = wssec__pkey_kept(k);
    assert_non_null(a);
    assert_ptr_equal(a, b);
    assert_ptr_not_equal(a, k);
    assert_int_equal(EVP_PKEY_eq(a, k), 1);
    EVP_PKEY_free(b);
    EVP_PKEY *dup = wssec__pkey_for_use(k); /* a copy of k: without the kept one */
    assert_non_null(dup);
    EVP_PKEY *kept_by_dup = wssec__pkey_kept(dup);
    assert_ptr_not_equal(kept_by_dup, a);
    EVP_PKEY_free(kept_by_dup);
    EVP_PKEY_free(dup);
    b = wssec__pkey_kept(k);
    assert_ptr_equal(a, b); /* still the same, still alive */
    EVP_PKEY_free(b);
    wssec__pkey_kept_renew(k, k); /* not the kept one: nothing happens */
    b = wssec__pkey_kept(k);
    assert_ptr_equal(a, b);
    EVP_PKEY_free(b);
    wssec__pkey_kept_renew(k, a);
    b = wssec__pkey_kept(k);
    assert_non_null(b);
    assert_ptr_not_equal(a, b); /* a new copy */
    assert_int_equal(EVP_PKEY_eq(b, k), 1);
    EVP_PKEY_free(a);
    EVP_PKEY_free(b);
    assert_null(wssec__pkey_kept(NULL));
    wssec__pkey_kept_renew(NULL, NULL);
    EVP_PKEY_free(k); /* frees the kept copy with it (ASan: no leak) */
}

/* What renews a kept key after a failed decryption: a failure of memory
 * (a common fatal reason, or the big-number arithmetic), never a reason a
 * sender's ciphertext gives; the queue is emptied either way. */
static void test_err_resource_failure(void **state)
{
    (void)state;
    ERR_clear_error();
    assert_false(wssec__err_resource_failure());
    ERR_raise(ERR_LIB_RSA, RSA_R_OAEP_DECODING_ERROR);
    ERR_raise(ERR_LIB_RSA, RSA_R_PADDING_CHECK_FAILED);
    ERR_raise(ERR_LIB_RSA, RSA_R_DATA_TOO_LARGE_FOR_MODULUS);
    ERR_raise(ERR_LIB_PROV, PROV_R_BAD_DECRYPT);
    assert_false(wssec__err_resource_failure());
    assert_int_equal(ERR_peek_error(), 0);
    ERR_raise(ERR_LIB_RSA, RSA_R_OAEP_DECODING_ERROR);
    ERR_raise(ERR_LIB_RSA, ERR_R_MALLOC_FAILURE);
    assert_true(wssec__err_resource_failure());
    assert_int_equal(ERR_peek_error(), 0);
    ERR_raise(ERR_LIB_BN, BN_R_TOO_MANY_TEMPORARY_VARIABLES);
    assert_true(wssec__err_resource_failure());
    ERR_raise(ERR_LIB_EVP, ERR_R_INTERNAL_ERROR);
    assert_true(wssec__err_resource_failure());
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sign_with_locator),
        cmocka_unit_test(test_sign_no_key),
        cmocka_unit_test(test_decrypt_reference_types),
        cmocka_unit_test(test_decrypt_no_key_and_wrong_key),
        cmocka_unit_test(test_default_locator),
        cmocka_unit_test(test_api),
        cmocka_unit_test(test_pkey_for_use),
        cmocka_unit_test(test_pkey_kept),
        cmocka_unit_test(test_err_resource_failure),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
