/*
 * wssec unit tests — revocation by OCSP without a network: the settings
 * (refused before any message), the order (no query for a message whose
 * signature does not verify, nor for a certificate that does not chain to
 * an anchor), the window in which checks wait for the signature, and the
 * response cache. The exchanges with a responder are tests/ocsp/run.sh.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/ocsp.h>

#include "helpers.h"
#include "ocsp.h"
#include "ocsp_cache.h"
#include "pkigen.h"
#include "trust_snapshot.h"

#define PKI WSSEC_SOURCE_DIR "/samples/pki/"

/* ocsp-url 127.0.0.1:1: nothing listens there; a query would fail (after
 * ocsp-timeout) with "no usable answer", which these tests never see. */
#define NOWHERE "http://127.0.0.1:1/"

static void expect_config(const char *const *pairs, const char *needle)
{
    wssec_ctx *ctx = NULL;
    char err[512];
    int rc = h_ctx_try(&ctx, 0, pairs, err, sizeof(err));
    if (rc != WSSEC_ECONFIG || !strstr(err, needle))
        print_error("got %s '%s', want WSSEC_ECONFIG '%s'\n", wssec_code_name(rc), err, needle);
    assert_int_equal(rc, WSSEC_ECONFIG);
    h_assert_contains(err, needle);
    wssec_ctx_free(ctx);
}

static void test_settings(void **state)
{
    (void)state;
    const char *https[] = { "trust",    PKI "root.crt",          "ocsp", "signer",
                            "ocsp-url", "https://ocsp.example/", NULL };
    expect_config(https, "is an https:// URL: only http:// responders are asked");
    const char *ldap[] = { "trust",    PKI "root.crt",         "ocsp", "signer",
                           "ocsp-url", "ldap://ocsp.example/", NULL };
    expect_config(ldap, "is not an http://HOST[:PORT]/PATH URL");
    const char *user[] = { "trust", PKI "root.crt", "ocsp",
                           "chain", "ocsp-url",     "http://me@ocsp.example/",
                           NULL };
    expect_config(user, "is not an http://HOST[:PORT]/PATH URL");
    const char *zero[] = { "trust", PKI "root.crt", "ocsp", "signer", "ocsp-timeout", "0", NULL };
    expect_config(zero, "ocsp-timeout: 0 ms is outside 1 to 600 seconds");
    const char *missing[] = { "trust",  PKI "root.crt",        "ocsp",
                              "signer", "ocsp-responder-cert", PKI "no-such.crt",
                              NULL };
    expect_config(missing, "ocsp-responder-cert: ");
    wssec_config *cfg = NULL;
    assert_int_equal(wssec_config_new(&cfg), 0);
    assert_int_equal(wssec_config_set(cfg, "ocsp", "leaf"), WSSEC_ECONFIG);
    wssec_config_free(cfg);
    /* off: the other OCSP settings are not looked at */
    const char *off[] = { "trust", PKI "root.crt", "ocsp-url", "https://ocsp.example/", NULL };
    wssec_ctx *ctx = h_ctx_pairs(off);
    assert_null(ctx->trust->ocsp);
    wssec_ctx_free(ctx);
}

/* A message signed by alice, her SignatureValue changed or not. */
static char *alice_message(bool forged)
{
    wssec_ctx *ctx = h_signer("alice", NULL);
    char *out = h_sign_envelope(ctx);
    wssec_ctx_free(ctx);
    if (forged) {
        char *v = strstr(out, "SignatureValue>");
        assert_non_null(v);
        v += strlen("SignatureValue>");
        *v = *v == 'A' ? 'B' : 'A';
    }
    return out;
}

/* No query for a message whose signature does not verify: the refusal is
 * the signature's (a query would have refused it first, as unreachable). */
static void test_no_query_before_signature(void **state)
{
    (void)state;
    const char *pairs[] = { "trust",  PKI "root.crt", "certs", PKI "inter.crt", "ocsp",
                            "signer", "ocsp-url",     NOWHERE, "ocsp-timeout",  "1",
                            NULL };
    wssec_ctx *ctx = h_ctx_pairs(pairs);
    char *forged = alice_message(true);
    h_expect(ctx, forged, WSSEC_ESIGNATURE, "wsse:FailedCheck", "SignatureValue does not verify");
    /* inspect too */
    h_run r;
    assert_int_equal(h_inspect(&r, ctx, forged), 0);
    bool seen = false;
    for (size_t i = 0; i < r.res->ntokens; i++) {
        const wssec_token *t = r.res->tokens[i];
        if (strcmp(t->type, "signature") != 0) continue;
        seen = true;
        assert_non_null(t->err);
        h_assert_contains(t->err->message, "SignatureValue does not verify");
    }
    assert_true(seen);
    h_run_free(&r);
    /* the same message unforged does reach the responder */
    char *good = alice_message(false);
    h_expect(ctx, good, WSSEC_EUNTRUSTED, "wsse:FailedAuthentication",
             "cannot be checked by OCSP: no usable answer from responder " NOWHERE);
    free(forged);
    free(good);
    wssec_ctx_free(ctx);
}

/* Nor for a certificate that does not chain to an anchor: path validation
 * refuses it first. */
static void test_no_query_untrusted(void **state)
{
    (void)state;
    const char *pairs[] = { "trust", PKI "root.crt", "ocsp", "signer", "ocsp-url",
                            NOWHERE, "ocsp-timeout", "1",    NULL };
    wssec_ctx *ctx = h_ctx_pairs(pairs); /* no intermediates: alice does not chain */
    char *good = alice_message(false);
    h_expect(ctx, good, WSSEC_EUNTRUSTED, "wsse:FailedAuthentication",
             "found neither in the message nor among the trust anchors");
    free(good);
    wssec_ctx_free(ctx);
}

/* Within the window the validator notes the chain and asks nothing; the
 * window closed, nothing noted stays. */
static void test_window(void **state)
{
    (void)state;
    const char *pairs[] = { "trust", PKI "root.crt", "ocsp", "signer", "ocsp-url", NOWHERE, NULL };
    wssec_ctx *ctx = h_ctx_pairs(pairs);
    wssec_msg *msg = h_parse(ctx, "<soap:Envelope xmlns:soap="
                                  "\"http://schemas.xmlsoap.org/soap/envelope/\"><soap:Body/>"
                                  "</soap:Envelope>");
    msg->trust = wssec__ctx_trust(ctx);
    STACK_OF(X509) *chain = sk_X509_new_null();
    X509 *leaf = pg_load_cert(PKI "alice.crt"), *inter = pg_load_cert(PKI "inter.crt");
    sk_X509_push(chain, leaf);
    sk_X509_push(chain, inter);
    char why[300] = "";
    wssec__ocsp_arm(msg);
    assert_int_equal(wssec__ocsp_check(msg, msg->trust->ocsp, chain, "signer", why, sizeof(why)),
                     0);
    assert_non_null(msg->ocsp_chain);
    assert_int_equal(sk_X509_num(msg->ocsp_chain), 2);
    assert_string_equal(msg->ocsp_role, "signer");
    wssec__ocsp_disarm(msg);
    assert_null(msg->ocsp_chain);
    assert_false(msg->ocsp_armed);
    /* off: nothing noted, nothing asked */
    wssec__ocsp_arm(msg);
    assert_int_equal(wssec__ocsp_check(msg, NULL, chain, "signer", why, sizeof(why)), 0);
    assert_null(msg->ocsp_chain);
    wssec__ocsp_disarm(msg);
    sk_X509_pop_free(chain, X509_free);
    wssec_msg_free(msg);
    wssec_ctx_free(ctx);
}

static wssec_ocsp_answer answer(int status, wssec_time this_update, wssec_time valid_to)
{
    wssec_ocsp_answer a;
    memset(&a, 0, sizeof(a));
    a.status = status;
    a.reason = -1;
    a.this_update = this_update;
    a.valid_to = valid_to;
    a.has_next_update = true;
    snprintf(a.url, sizeof(a.url), "http://ocsp.example/");
    return a;
}

/* The cache: an answer holds from thisUpdate to nextUpdate (within the
 * skew), per (certificate, issuer); a full cache drops what expired. */
static void test_cache(void **state)
{
    (void)state;
    const wssec_time skew = 60 * H_SEC, t0 = H_NOW;
    wssec_ocsp_cache *c = NULL;
    assert_int_equal(wssec__ocsp_cache_new(&c, 0), 0);
    assert_null(c); /* size 0: none */
    assert_int_equal(wssec__ocsp_cache_new(&c, 2), 0);
    X509 *alice = pg_load_cert(PKI "alice.crt"), *bob = pg_load_cert(PKI "bob.crt");
    X509 *inter = pg_load_cert(PKI "inter.crt"), *root = pg_load_cert(PKI "root.crt");
    unsigned char ka[32], kb[32], kx[32];
    assert_int_equal(wssec__ocsp_cache_key(alice, inter, ka), 0);
    assert_int_equal(wssec__ocsp_cache_key(bob, inter, kb), 0);
    assert_int_equal(wssec__ocsp_cache_key(alice, root, kx), 0); /* another issuer */
    assert_memory_not_equal(ka, kx, 32);
    wssec_ocsp_answer a = answer(V_OCSP_CERTSTATUS_GOOD, t0, t0 + 300 * H_SEC), got;
    wssec__ocsp_cache_put(c, ka, &a, t0, skew);
    assert_true(wssec__ocsp_cache_get(c, ka, t0 + 10 * H_SEC, skew, &got));
    assert_int_equal(got.status, V_OCSP_CERTSTATUS_GOOD);
    assert_string_equal(got.url, "http://ocsp.example/");
    assert_false(wssec__ocsp_cache_get(c, kx, t0, skew, &got));
    assert_false(wssec__ocsp_cache_get(c, kb, t0, skew, &got));
    /* within the skew of either end, not beyond */
    assert_true(wssec__ocsp_cache_get(c, ka, t0 - 60 * H_SEC, skew, &got));
    assert_false(wssec__ocsp_cache_get(c, ka, t0 - 61 * H_SEC, skew, &got));
    assert_true(wssec__ocsp_cache_get(c, ka, t0 + 360 * H_SEC, skew, &got));
    assert_false(wssec__ocsp_cache_get(c, ka, t0 + 361 * H_SEC, skew, &got));
    /* full (2): the expired one goes, the live one stays */
    wssec_ocsp_answer old = answer(V_OCSP_CERTSTATUS_REVOKED, t0 - 900 * H_SEC, t0 - 600 * H_SEC);
    wssec__ocsp_cache_put(c, kb, &old, t0, skew);
    wssec_ocsp_answer x = answer(V_OCSP_CERTSTATUS_UNKNOWN, t0, t0 + 300 * H_SEC);
    wssec__ocsp_cache_put(c, kx, &x, t0, skew);
    assert_true(wssec__ocsp_cache_get(c, ka, t0, skew, &got));
    assert_true(wssec__ocsp_cache_get(c, kx, t0, skew, &got));
    assert_int_equal(got.status, V_OCSP_CERTSTATUS_UNKNOWN);
    /* NULL: no cache, nothing found */
    assert_false(wssec__ocsp_cache_get(NULL, ka, t0, skew, &got));
    wssec__ocsp_cache_put(NULL, ka, &a, t0, skew);
    X509_free(alice);
    X509_free(bob);
    X509_free(inter);
    X509_free(root);
    wssec__ocsp_cache_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_settings),
        cmocka_unit_test(test_no_query_before_signature),
        cmocka_unit_test(test_no_query_untrusted),
        cmocka_unit_test(test_window),
        cmocka_unit_test(test_cache),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
