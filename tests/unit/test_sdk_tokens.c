/*
 * The module SDK calls the Timestamp, UsernameToken and identity-assertion
 * modules use (include/wssec/sys/): the asserted identity and the Nonce as
 * typed facts, a Timestamp's times as the module records them, the
 * outbound user name, whether the context has a password source; and the
 * BSP relaxations read through the SDK (bsp.h).
 *
 * WSSEC_NONNULL is compiled out here (WSSEC_NO_NONNULL) and the NULLs go
 * through a volatile pointer, so neither the compiler nor UBSan's
 * nonnull-attribute check sees a NULL passed on purpose (as in test_api.c).
 */
#define WSSEC_NO_NONNULL 1

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/pem.h>

#include "helpers.h"

/* A NULL the compiler cannot see (the prototypes say nonnull). */
static void *volatile nul;
#define N(type) ((type)nul)

/* A message with an empty result, so tokens can be added to it as a
 * consumer does; freed by msg_done(). */
static wssec_msg *msg_with_result(const wssec_ctx *ctx)
{
    char *xml = h_envelope(11, "%s", "");
    wssec_msg *msg = h_parse(ctx, xml);
    free(xml);
    assert_int_equal(wssec__result_new(&msg->res), 0);
    return msg;
}

static void msg_done(wssec_msg *msg)
{
    wssec_result_free(msg->res);
    msg->res = NULL;
    wssec_msg_free(msg);
}

/* wssec_token_set_asserted: the token becomes an asserted identity, with
 * the kind and identity as typed facts, the properties for reports, and no
 * identity of its own. */
static void test_asserted(void **state)
{
    (void)state;
    wssec_ctx *ctx = h_ctx(NULL);
    wssec_msg *msg = msg_with_result(ctx);
    wssec_token *t = wssec_msg_add_token(msg, "username-token", NULL);
    assert_non_null(t);

    wssec_asserted_kind kind = (wssec_asserted_kind)99;
    assert_null(wssec_token_asserted(&kind, t)); /* none yet: kind untouched */
    assert_int_equal(kind, 99);

    assert_int_equal(wssec_token_set_asserted(t, WSSEC_ASSERTED_USERNAME, "alice"), 0);
    assert_string_equal(wssec_token_type(t), WSSEC_TOKEN_IDENTITY_ASSERTION);
    assert_string_equal(wssec_token_type(t), "identity-assertion");
    assert_string_equal(wssec_token_asserted(&kind, t), "alice");
    assert_int_equal(kind, WSSEC_ASSERTED_USERNAME);
    assert_string_equal(wssec_token_asserted(NULL, t), "alice");
    assert_string_equal(wssec_token_get(t, "asserted-kind"), "username");
    assert_string_equal(wssec_token_get(t, "asserted"), "alice");
    assert_int_equal(wssec_token_prop_count(t), 2);
    assert_null(wssec_token_identity(t)); /* proves nothing by itself */

    wssec_token *d = wssec_msg_add_token(msg, WSSEC_TOKEN_IDENTITY_ASSERTION, NULL);
    assert_int_equal(wssec_token_set_asserted(d, WSSEC_ASSERTED_DN, "CN=alice,O=acme"), 0);
    assert_string_equal(wssec_token_asserted(&kind, d), "CN=alice,O=acme");
    assert_int_equal(kind, WSSEC_ASSERTED_DN);
    assert_string_equal(wssec_token_get(d, "asserted-kind"), "dn");

    /* refused arguments change nothing */
    wssec_token *u = wssec_msg_add_token(msg, "username-token", NULL);
    assert_int_equal(wssec_token_set_asserted(u, (wssec_asserted_kind)0, "bob"), WSSEC_EINVALID);
    assert_int_equal(wssec_token_set_asserted(u, (wssec_asserted_kind)3, "bob"), WSSEC_EINVALID);
    assert_int_equal(wssec_token_set_asserted(u, WSSEC_ASSERTED_USERNAME, ""), WSSEC_EINVALID);
    assert_int_equal(wssec_token_set_asserted(u, WSSEC_ASSERTED_USERNAME, N(const char *)), WSSEC_EINVALID);
    assert_int_equal(wssec_token_set_asserted(N(wssec_token *), WSSEC_ASSERTED_USERNAME, "bob"),
                     WSSEC_EINVALID);
    assert_string_equal(wssec_token_type(u), "username-token");
    assert_null(wssec_token_asserted(NULL, u));
    assert_int_equal(wssec_token_prop_count(u), 0);
    assert_null(wssec_token_asserted(&kind, N(const wssec_token *)));
    msg_done(msg);
    wssec_ctx_free(ctx);
}

/* wssec_token_set_nonce copies the bytes; wssec_token_nonce gives them back. */
static void test_nonce(void **state)
{
    (void)state;
    wssec_ctx *ctx = h_ctx(NULL);
    wssec_msg *msg = msg_with_result(ctx);
    wssec_token *t = wssec_msg_add_token(msg, "username-token", NULL);
    const unsigned char *got = (const unsigned char *)"x";
    assert_int_equal(wssec_token_nonce(&got, t), 0);
    assert_null(got);

    unsigned char n[4] = { 0, 1, 0xfe, 0xff };
    assert_int_equal(wssec_token_set_nonce(t, n, sizeof(n)), 0);
    n[0] = 9; /* a copy was kept */
    assert_int_equal(wssec_token_nonce(&got, t), 4);
    assert_ptr_not_equal(got, n);
    assert_memory_equal(got, "\x00\x01\xfe\xff", 4);
    /* again: the new one replaces it */
    assert_int_equal(wssec_token_set_nonce(t, (const unsigned char *)"ab", 2), 0);
    assert_int_equal(wssec_token_nonce(&got, t), 2);
    assert_memory_equal(got, "ab", 2);

    assert_int_equal(wssec_token_set_nonce(t, n, 0), WSSEC_EINVALID);
    assert_int_equal(wssec_token_set_nonce(t, N(const unsigned char *), 2), WSSEC_EINVALID);
    assert_int_equal(wssec_token_set_nonce(N(wssec_token *), n, 2), WSSEC_EINVALID);
    assert_int_equal(wssec_token_nonce(&got, t), 2); /* unchanged */
    assert_int_equal(wssec_token_nonce(&got, N(const wssec_token *)), 0);
    assert_null(got);
    assert_int_equal(wssec_token_nonce(N(const unsigned char **), t), 0);
    msg_done(msg);
    wssec_ctx_free(ctx);
}

/* What the modules record, seen in the result of a verification: the
 * UsernameToken's Nonce decoded and the Timestamp's times. */
static void test_consumers_record_facts(void **state)
{
    (void)state;
    wssec_ctx *ctx = h_ctx("require", "username-token,timestamp", NULL);
    char *ts = h_timestamp(H_NOW - 5 * H_SEC, H_NOW + 300 * H_SEC);
    char *ut = h_ut_digest("alice", "alice-s3cret", "0123456789abcdef", H_NOW_TEXT);
    char *xml = h_envelope(11, "%s%s", ts, ut);
    h_run r;
    assert_int_equal(h_verify(&r, ctx, xml), 0);
    assert_int_equal(wssec_result_token_count(r.res), 2);
    const wssec_token *t = wssec_result_token(r.res, 0), *u = wssec_result_token(r.res, 1);
    assert_string_equal(wssec_token_type(t), "timestamp");
    wssec_time c = 0, x = 0;
    assert_int_equal(wssec_token_times(&c, &x, t), 3);
    assert_int_equal(c, H_NOW - 5 * H_SEC);
    assert_int_equal(x, H_NOW + 300 * H_SEC);
    assert_string_equal(wssec_token_type(u), "username-token");
    const unsigned char *nonce = NULL;
    assert_int_equal(wssec_token_nonce(&nonce, u), 16);
    assert_memory_equal(nonce, "0123456789abcdef", 16);
    assert_null(wssec_token_asserted(NULL, u));
    assert_int_equal(wssec_token_times(&c, &x, u), 0); /* no times: not a Timestamp */
    h_run_free(&r);
    free(xml);

    /* a Timestamp without Expires records Created alone (another nonce:
     * the first is in the replay cache) */
    char *ts1 = h_timestamp(H_NOW - 5 * H_SEC, -1);
    free(ut);
    ut = h_ut_digest("alice", "alice-s3cret", "fedcba9876543210", H_NOW_TEXT);
    xml = h_envelope(11, "%s%s", ts1, ut);
    assert_int_equal(h_verify(&r, ctx, xml), 0);
    c = x = 7;
    assert_int_equal(wssec_token_times(&c, &x, wssec_result_token(r.res, 0)), 1);
    assert_int_equal(c, H_NOW - 5 * H_SEC);
    assert_int_equal(x, 7);
    h_run_free(&r);
    free(xml);
    free(ts1);
    free(ts);
    free(ut);
    wssec_ctx_free(ctx);
}

/* A verified signature's value is its token's typed fact: the decoded
 * SignatureValue of the message, byte for byte. */
static void test_signature_value(void **state)
{
    (void)state;
    wssec_ctx *signer = h_signer("alice", NULL), *receiver = h_receiver(NULL);
    char *xml = h_sign_envelope(signer);
    h_run r;
    assert_int_equal(h_verify(&r, receiver, xml), 0);
    const wssec_token *sig = NULL;
    for (size_t i = 0; i < wssec_result_token_count(r.res); i++)
        if (strcmp(wssec_token_type(wssec_result_token(r.res, i)), "signature") == 0)
            sig = wssec_result_token(r.res, i);
    assert_non_null(sig);
    const unsigned char *value = NULL;
    size_t n = wssec_token_signature_value(&value, sig);
    /* the message's own SignatureValue, decoded */
    const char *b = strstr(xml, "SignatureValue>");
    assert_non_null(b);
    b += strlen("SignatureValue>");
    const char *e = strchr(b, '<');
    char *text = strndup(b, (size_t)(e - b));
    unsigned char *want = NULL;
    size_t want_len = 0;
    assert_int_equal(wssec_b64_decode(&want, &want_len, text, 4096), 0);
    assert_int_equal(n, want_len);
    assert_int_equal(want_len, 256); /* RSA-2048 */
    assert_memory_equal(value, want, n);
    wssec_free(want);
    free(text);
    /* other tokens have none */
    const wssec_token *ts = wssec_result_token(r.res, 0);
    assert_string_not_equal(wssec_token_type(ts), "signature");
    assert_int_equal(wssec_token_signature_value(&value, ts), 0);
    assert_null(value);
    h_run_free(&r);
    free(xml);
    wssec_ctx_free(receiver);
    wssec_ctx_free(signer);
}

/* wssec_msg_username, seen by a generator. */
static const char *seen_user;
static int seen_calls;

static int probe_generate(wssec_msg *msg, void *ud)
{
    (void)ud;
    seen_user = wssec_msg_username(msg);
    seen_calls++;
    return 0;
}

static wssec_ctx *probe_ctx(const char *username)
{
    static wssec_module probe = WSSEC_MODULE_INIT;
    probe.name = "probe";
    probe.generate = probe_generate;
    wssec_config *cfg = NULL;
    wssec_ctx *ctx = NULL;
    assert_int_equal(wssec_config_new(&cfg), 0);
    assert_int_equal(wssec_config_set(cfg, "now", H_NOW_TEXT), 0);
    if (username) assert_int_equal(wssec_config_set(cfg, "username", username), 0);
    assert_int_equal(wssec_config_add_module(cfg, &probe), 0);
    assert_int_equal(wssec_ctx_new(&ctx, cfg), 0);
    wssec_config_free(cfg);
    return ctx;
}

static const char *user_seen(const wssec_ctx *ctx, const char *opt_user)
{
    static const char *const actions[] = { "probe" };
    wssec_secure_options o = WSSEC_SECURE_OPTIONS_INIT;
    o.actions = actions;
    o.n_actions = 1;
    o.username = opt_user;
    char *xml = h_envelope_header(11, NULL);
    wssec_msg *msg = h_parse(ctx, xml);
    seen_user = "unset";
    int calls = seen_calls;
    assert_int_equal(wssec_secure(msg, &o), 0);
    assert_int_equal(seen_calls, calls + 1);
    wssec_msg_free(msg);
    free(xml);
    return seen_user;
}

static void test_msg_username(void **state)
{
    (void)state;
    wssec_ctx *with = probe_ctx("dave"), *without = probe_ctx(NULL);
    static const char carol[] = "carol";
    assert_ptr_equal(user_seen(with, carol), carol); /* the options' user, borrowed */
    assert_string_equal(user_seen(with, NULL), "dave"); /* else the username option */
    assert_ptr_equal(user_seen(without, carol), carol);
    assert_null(user_seen(without, NULL)); /* neither */
    assert_null(wssec_msg_username(N(const wssec_msg *)));
    wssec_ctx_free(with);
    wssec_ctx_free(without);
}

/* wssec_ctx_has_passwords: 1 with a password callback, else 0. */
static void test_has_passwords(void **state)
{
    (void)state;
    wssec_ctx *with = h_ctx(NULL), *without = h_ctxf(H_NO_PWCB, NULL);
    assert_int_equal(wssec_ctx_has_passwords(with), 1);
    assert_int_equal(wssec_ctx_has_passwords(without), 0);
    assert_int_equal(wssec_ctx_has_passwords(N(const wssec_ctx *)), 0);
    wssec_ctx_free(with);
    wssec_ctx_free(without);
}

/* wssec__bsp_relaxed_in reads bsp-relax through the SDK, by rule number
 * or alias, as wssec__bsp_relaxed does from the settings. */
static void test_bsp_relaxed_in(void **state)
{
    (void)state;
    wssec_ctx *none = h_ctx(NULL);
    wssec_ctx *some = h_ctx("bsp-relax", "nonce-without-encoding-type,R4201", NULL);
    for (int rule = 0; rule < WSSEC_BSP_N; rule++) {
        assert_false(wssec__bsp_relaxed_in(none, rule));
        bool want = rule == WSSEC_BSP_R4220 || rule == WSSEC_BSP_R4201;
        assert_int_equal(wssec__bsp_relaxed_in(some, rule), want);
        assert_int_equal(wssec__bsp_relaxed(&some->s, rule), want);
    }
    assert_false(wssec__bsp_relaxed_in(some, -1));
    assert_false(wssec__bsp_relaxed_in(some, WSSEC_BSP_N));
    assert_false(wssec__bsp_relaxed_in(N(const wssec_ctx *), WSSEC_BSP_R4220));
    wssec_ctx_free(none);
    wssec_ctx_free(some);
}

/* The base64 of a PEM certificate file's DER (xmlFree()). */
static char *cert_b64(const char *path)
{
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    X509 *x = PEM_read_X509(f, NULL, NULL, NULL);
    fclose(f);
    assert_non_null(x);
    unsigned char *der = NULL;
    int len = i2d_X509(x, &der);
    assert_true(len > 0);
    char *b64 = wssec_b64_encode(der, (size_t)len);
    assert_non_null(b64);
    OPENSSL_free(der);
    X509_free(x);
    return b64;
}

/* wssec_msg_token_cert_b64: an X509v3 token's text into a token, through
 * the context's pool; what is not one certificate is refused as such. */
static void test_token_cert_b64(void **state)
{
    (void)state;
    wssec_ctx *ctx = h_receiver(NULL);
    wssec_msg *msg = msg_with_result(ctx);
    char *alice = cert_b64(H_PKI "alice.crt");
    wssec_token *t = wssec_msg_add_token(msg, "x509-token", NULL);
    assert_non_null(t);
    assert_int_equal(wssec_msg_token_cert_b64(msg, t, alice, strlen(alice), 65536), 0);
    h_assert_contains(wssec_token_get(t, "subject"), "CN=alice");
    assert_string_equal(wssec_token_identity(t), wssec_token_get(t, "subject"));
    assert_string_equal(wssec_token_get(t, "chain-certificates"), "0");
    assert_non_null(wssec_token_cert(t));
    wssec_token *u = wssec_msg_add_token(msg, "x509-token", NULL);
    assert_int_equal(wssec_msg_token_cert_b64(msg, u, "QUJD", 4, 65536), WSSEC_ETOKEN);
    assert_int_equal(wssec_msg_token_cert_b64(msg, u, "QU*D", 4, 65536), WSSEC_EINVALID);
    assert_int_equal(wssec_msg_token_cert_b64(msg, u, alice, strlen(alice), 64), WSSEC_ELIMIT);
    assert_null(wssec_token_cert(u));
    assert_null(wssec_token_get(u, "subject"));
    xmlFree(alice);
    msg_done(msg);
    wssec_ctx_free(ctx);
}

/* The token pool keyed by the token's text, end to end: alice, alice
 * again (a pool hit), bob, alice: each verifies with its own certificate's
 * properties; then alice's message with one character of her token's
 * certificate signature changed, after her text is pooled, is refused (the
 * pool never answers other bytes with her certificate). */
static void test_token_pool_repeat(void **state)
{
    (void)state;
    wssec_ctx *a = h_signer("alice", NULL), *b = h_signer("bob", NULL);
    wssec_ctx *in = h_receiver(NULL);
    char first[65] = "";
    for (int i = 0; i < 4; i++) {
        h_run r;
        char *m = h_sign_envelope(i == 2 ? b : a); /* fresh: replay detection is on */
        assert_int_equal(h_verify(&r, in, m), 0);
        free(m);
        const wssec_token *tok = NULL;
        for (size_t k = 0; k < wssec_result_token_count(r.res); k++)
            if (strcmp(wssec_token_type(wssec_result_token(r.res, k)), "x509-token") == 0)
                tok = wssec_result_token(r.res, k);
        assert_non_null(tok);
        h_assert_contains(wssec_token_get(tok, "subject"), i == 2 ? "CN=bob" : "CN=alice");
        assert_non_null(wssec_token_get(tok, "not-after"));
        if (i == 0) snprintf(first, sizeof(first), "%s", wssec_token_get(tok, "sha256"));
        else if (i != 2) assert_string_equal(wssec_token_get(tok, "sha256"), first);
        else assert_string_not_equal(wssec_token_get(tok, "sha256"), first);
        h_run_free(&r);
    }
    /* the last base64 characters of the token are its certificate's signature */
    char *ma = h_sign_envelope(a);
    char *bst = strstr(ma, "BinarySecurityToken");
    assert_non_null(bst);
    char *end = strstr(bst, "</");
    assert_non_null(end);
    char *c = end - 10;
    *c = *c == 'A' ? 'B' : 'A';
    h_expect(in, ma, WSSEC_EUNTRUSTED, NULL, NULL);
    free(ma);
    wssec_ctx_free(a);
    wssec_ctx_free(b);
    wssec_ctx_free(in);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_asserted),
        cmocka_unit_test(test_nonce),
        cmocka_unit_test(test_consumers_record_facts),
        cmocka_unit_test(test_signature_value),
        cmocka_unit_test(test_msg_username),
        cmocka_unit_test(test_has_passwords),
        cmocka_unit_test(test_bsp_relaxed_in),
        cmocka_unit_test(test_token_cert_b64),
        cmocka_unit_test(test_token_pool_repeat),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
