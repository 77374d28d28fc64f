/*
 * wssec unit tests — warnings before things break (trust_warn.c) and
 * certificates checked offline (trust_offline.c, wssec_ctx_check_certs):
 * anchors, known and own certificates and CRLs out of date or due within
 * expiry-warning-days, at load and at reload; a signer close to expiry in
 * the result; the chain and verdict of certificates, stores and directories.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "helpers.h"

/* A configuration of the option pairs (NULL-terminated), "now" first when
 * now is given. */
static wssec_config *cfg_of(const char *now, const char *const *pairs)
{
    wssec_config *cfg = NULL;
    assert_int_equal(wssec_config_new(&cfg), 0);
    if (now) assert_int_equal(wssec_config_set(cfg, "now", now), 0);
    for (size_t i = 0; pairs[i]; i += 2)
        assert_int_equal(wssec_config_set(cfg, pairs[i], pairs[i + 1]), 0);
    return cfg;
}

/* The configuration's warning holding needle, or NULL. */
static const char *warning_with(const wssec_config *cfg, const char *needle)
{
    for (size_t i = 0; i < wssec_config_warning_count(cfg); i++)
        if (strstr(wssec_config_warning(cfg, i), needle)) return wssec_config_warning(cfg, i);
    return NULL;
}

/* Builds a context from pairs at now; returns the configuration (with its
 * warnings) and frees the context. */
static wssec_config *built(const char *now, const char *const *pairs)
{
    wssec_config *cfg = cfg_of(now, pairs);
    wssec_ctx *ctx = NULL;
    assert_int_equal(wssec_ctx_new(&ctx, cfg), 0);
    wssec_ctx_free(ctx);
    return cfg;
}

/* ---- at load ---- */

static void test_anchor_and_known_expiring(void **state)
{
    (void)state;
    const char *pairs[] = { "trust", H_PKI "root.crt",  "trust", H_PKI "inter.crt",
                            "certs", H_PKI "inter.crt", NULL };
    wssec_config *cfg = built("2044-12-20T00:00:00Z", pairs);
    const char *w = warning_with(cfg, "trust anchor 'CN=wssec Test Issuing CA");
    assert_non_null(w);
    h_assert_contains(w, "serial 4098 = 0x1002");
    h_assert_contains(w, "expires on 2045-01-01T00:00:00Z, in 12 days (expiry-warning-days 30)");
    w = warning_with(cfg, "known certificate 'CN=wssec Test Issuing CA");
    assert_non_null(w);
    h_assert_contains(w, "in 12 days");
    /* the root (2050) is not due */
    assert_null(warning_with(cfg, "'CN=wssec Test Root CA,O=wssec test,C=US' (issuer"));
    assert_int_equal(wssec_config_warning_count(cfg), 2);
    assert_null(wssec_config_warning(cfg, 2));
    wssec_config_free(cfg);
}

static void test_own_certificates(void **state)
{
    (void)state;
    const char *pairs[] = {
        "sign-key",    H_PKI "expiring.key", "sign-cert",    H_PKI "expiring.crt",
        "sign-chain",  H_PKI "chain.pem",    "encrypt-cert", H_PKI "expired.crt",
        "decrypt-key", H_PKI "notyet.key",   "decrypt-cert", H_PKI "notyet.crt",
        NULL
    };
    wssec_config *cfg = built(H_NOW_TEXT, pairs);
    const char *w = warning_with(cfg, "signing certificate 'CN=expiring,OU=Clients");
    assert_non_null(w);
    h_assert_contains(w, "expires on 2025-06-20T00:00:00Z, in 18 days");
    w = warning_with(cfg, "recipient certificate (encrypt-cert) 'CN=expired");
    assert_non_null(w);
    h_assert_contains(w, "expired on 2021-01-01T00:00:00Z (");
    h_assert_contains(w, "days ago)");
    w = warning_with(cfg, "decryption certificate (decrypt-cert) 'CN=notyet");
    assert_non_null(w);
    h_assert_contains(w, "is not valid before 2040-06-01T00:00:00Z (in ");
    /* the chain (inter to 2045, root dropped) is not due */
    assert_null(warning_with(cfg, "signing chain certificate"));
    assert_int_equal(wssec_config_warning_count(cfg), 3);
    wssec_config_free(cfg);
}

static void test_crl_dates(void **state)
{
    (void)state;
    const char *past[] = { "trust", H_PKI "root.crt", "crl", H_PKI "inter-expired.crl", NULL };
    wssec_config *cfg = built(H_NOW_TEXT, past);
    const char *w = warning_with(cfg, "CRL of issuer 'CN=wssec Test Issuing CA,O=wssec test,C=US' "
                                      "(CRL number 1) is past its nextUpdate 2024-12-31T00:00:00Z");
    assert_non_null(w);
    h_assert_contains(w, "load a fresh CRL");
    assert_int_equal(wssec_config_warning_count(cfg), 1);
    wssec_config_free(cfg);

    const char *notyet[] = { "trust", H_PKI "root.crt", "crl", H_PKI "inter-notyet.crl", NULL };
    cfg = built(H_NOW_TEXT, notyet);
    assert_non_null(warning_with(cfg, "(CRL number 3) is not valid before 2030-01-01T00:00:00Z"));
    wssec_config_free(cfg);

    /* inter.crl's nextUpdate (2035-01-01) 10 days ahead */
    const char *soon[] = { "trust", H_PKI "root.crt", "crl", H_PKI "inter.crl", NULL };
    cfg = built("2034-12-22T00:00:00Z", soon);
    w = warning_with(cfg, "(CRL number 2) reaches its nextUpdate on 2035-01-01T00:00:00Z, in 10 "
                          "days");
    assert_non_null(w);
    wssec_config_free(cfg);
}

static void test_nothing_due(void **state)
{
    (void)state;
    const char *pairs[] = { "trust",     H_PKI "root.crt",  "certs",    H_PKI "inter.crt",
                            "crl",       H_PKI "inter.crl", "sign-key", H_PKI "alice.key",
                            "sign-cert", H_PKI "alice.crt", NULL };
    wssec_config *cfg = built(H_NOW_TEXT, pairs);
    assert_int_equal(wssec_config_warning_count(cfg), 0);
    assert_null(wssec_config_warning(cfg, 0));
    wssec_config_free(cfg);
    assert_int_equal(wssec_config_warning_count(NULL), 0);
    assert_null(wssec_config_warning(NULL, 0));
}

static void test_days_option(void **state)
{
    (void)state;
    /* expiring.crt ends 18.5 days after the test clock */
    const char *off[] = { "crl",
                          H_PKI "inter-expired.crl",
                          "sign-key",
                          H_PKI "expiring.key",
                          "sign-cert",
                          H_PKI "expiring.crt",
                          "expiry-warning-days",
                          "0",
                          NULL };
    wssec_config *cfg = built(H_NOW_TEXT, off);
    assert_int_equal(wssec_config_warning_count(cfg), 0);
    wssec_config_free(cfg);
    const char *d18[] = { "sign-key",
                          H_PKI "expiring.key",
                          "sign-cert",
                          H_PKI "expiring.crt",
                          "expiry-warning-days",
                          "18",
                          NULL };
    cfg = built(H_NOW_TEXT, d18);
    assert_int_equal(wssec_config_warning_count(cfg), 0);
    wssec_config_free(cfg);
    const char *d19[] = { "sign-key",
                          H_PKI "expiring.key",
                          "sign-cert",
                          H_PKI "expiring.crt",
                          "expiry-warning-days",
                          "19",
                          NULL };
    cfg = built(H_NOW_TEXT, d19);
    assert_non_null(warning_with(cfg, "in 18 days (expiry-warning-days 19)"));
    wssec_config_free(cfg);
    /* not a number */
    assert_int_equal(wssec_config_new(&cfg), 0);
    assert_int_equal(wssec_config_set(cfg, "expiry-warning-days", "soon"), WSSEC_ECONFIG);
    h_assert_error(wssec_config_error(cfg), WSSEC_ECONFIG, NULL, "expiry-warning-days: 'soon'");
    wssec_config_free(cfg);
}

/* The context's clock: the clock callback when no "now" is set. */
static wssec_time clock_2044(void *ud)
{
    (void)ud;
    return (wssec_time)2365804800LL * 1000; /* 2044-12-20T00:00:00Z */
}

static void test_clock_callback(void **state)
{
    (void)state;
    const char *pairs[] = { "trust", H_PKI "inter.crt", NULL };
    wssec_config *cfg = cfg_of(NULL, pairs);
    wssec_config_set_clock(cfg, clock_2044, NULL);
    wssec_ctx *ctx = NULL;
    assert_int_equal(wssec_ctx_new(&ctx, cfg), 0);
    assert_non_null(warning_with(cfg, "trust anchor 'CN=wssec Test Issuing CA"));
    wssec_ctx_free(ctx);
    wssec_config_free(cfg);
}

/* A context built through a plug-in (from a copy of the configuration):
 * the warnings are the caller's configuration's. */
static void test_with_plugin(void **state)
{
    (void)state;
    const char *pairs[] = {
        "plugin",    WSSEC_PLUGIN_PATH "::key-file=" WSSEC_SOURCE_DIR "/samples/ltpa/ltpa.keys,"
                     "password-file=" WSSEC_SOURCE_DIR "/samples/ltpa/ltpa.pw",
        "sign-key",  H_PKI "expiring.key",
        "sign-cert", H_PKI "expiring.crt",
        NULL
    };
    wssec_config *cfg = built(H_NOW_TEXT, pairs);
    assert_int_equal(wssec_config_warning_count(cfg), 1);
    assert_non_null(warning_with(cfg, "signing certificate 'CN=expiring"));
    /* a second build replaces them */
    assert_int_equal(wssec_config_set(cfg, "expiry-warning-days", "0"), 0);
    wssec_ctx *ctx = NULL;
    assert_int_equal(wssec_ctx_new(&ctx, cfg), 0);
    assert_int_equal(wssec_config_warning_count(cfg), 0);
    wssec_ctx_free(ctx);
    wssec_config_free(cfg);
}

/* ---- at reload ---- */

static void test_reload(void **state)
{
    (void)state;
    const char *good[] = { "trust", H_PKI "root.crt", "crl", H_PKI "inter.crl", NULL };
    const char *stale[] = { "trust", H_PKI "root.crt", "crl", H_PKI "inter-expired.crl", NULL };
    const char *missing[] = { "trust", H_PKI "no-such-root.crt", NULL };
    wssec_config *cfg = cfg_of(H_NOW_TEXT, good), *cfg2 = cfg_of(H_NOW_TEXT, stale);
    wssec_config *cfg3 = cfg_of(H_NOW_TEXT, missing);
    wssec_ctx *ctx = NULL;
    assert_int_equal(wssec_ctx_new(&ctx, cfg), 0);
    assert_int_equal(wssec_config_warning_count(cfg), 0);
    assert_int_equal(wssec_ctx_reload_trust(ctx, cfg2), 0);
    assert_int_equal(wssec_config_warning_count(cfg2), 1);
    assert_non_null(warning_with(cfg2, "is past its nextUpdate 2024-12-31T00:00:00Z"));
    /* the list is replaced by each call, and a failed call leaves it empty */
    assert_int_equal(wssec_ctx_reload_trust(ctx, cfg), 0);
    assert_int_equal(wssec_config_warning_count(cfg), 0);
    assert_int_equal(wssec_ctx_reload_trust(ctx, cfg2), 0);
    assert_int_equal(wssec_config_set(cfg2, "trust", H_PKI "no-such-root.crt"), 0);
    assert_int_equal(wssec_ctx_reload_trust(ctx, cfg2), WSSEC_ECONFIG);
    assert_int_equal(wssec_config_warning_count(cfg2), 0);
    wssec_ctx *bad = NULL;
    assert_int_equal(wssec_ctx_new(&bad, cfg3), WSSEC_ECONFIG);
    assert_int_equal(wssec_config_warning_count(cfg3), 0);
    wssec_ctx_free(ctx);
    wssec_config_free(cfg);
    wssec_config_free(cfg2);
    wssec_config_free(cfg3);
}

/* ---- in reports ---- */

static void test_signer_close_to_expiry(void **state)
{
    (void)state;
    wssec_ctx *s = h_signer("expiring", NULL);
    char *xml = h_sign_envelope(s);
    wssec_ctx *r = h_receiver(NULL);
    h_run run;
    assert_int_equal(h_verify(&run, r, xml), 0);
    assert_true(h_has_warning(run.res, "signer certificate 'CN=expiring,OU=Clients,O=wssec test,"
                                       "C=US' (issuer 'CN=wssec Test Issuing CA"));
    assert_true(h_has_warning(run.res, "expires on 2025-06-20T00:00:00Z, in 18 days "
                                       "(expiry-warning-days 30)"));
    h_run_free(&run);
    /* inspect shows it too */
    assert_int_equal(h_inspect(&run, r, xml), 0);
    assert_true(h_has_warning(run.res, "signer certificate 'CN=expiring"));
    h_run_free(&run);
    wssec_ctx_free(r);
    /* off */
    r = h_receiver("expiry-warning-days", "0", NULL);
    assert_int_equal(h_verify(&run, r, xml), 0);
    assert_false(h_has_warning(run.res, "signer certificate"));
    h_run_free(&run);
    wssec_ctx_free(r);
    /* a narrower window */
    r = h_receiver("expiry-warning-days", "10", NULL);
    assert_int_equal(h_verify(&run, r, xml), 0);
    assert_false(h_has_warning(run.res, "signer certificate"));
    h_run_free(&run);
    wssec_ctx_free(r);
    free(xml);
    wssec_ctx_free(s);
}

static void test_signer_far_from_expiry(void **state)
{
    (void)state;
    wssec_ctx *s = h_signer("alice", NULL);
    char *xml = h_sign_envelope(s);
    wssec_ctx *r = h_receiver(NULL);
    h_run run;
    assert_int_equal(h_verify(&run, r, xml), 0);
    assert_false(h_has_warning(run.res, "signer certificate"));
    h_run_free(&run);
    wssec_ctx_free(r);
    free(xml);
    wssec_ctx_free(s);
}

/* ---- offline checks ---- */

/* The property name of token i of res. */
static const char *prop(const wssec_result *res, size_t i, const char *name)
{
    const wssec_token *t = wssec_result_token(res, i);
    assert_non_null(t);
    return wssec_token_get(t, name);
}

static void test_check_chain_file(void **state)
{
    (void)state;
    wssec_ctx *ctx = h_ctx("trust", H_PKI "root.crt", NULL);
    wssec_result *res = NULL;
    assert_int_equal(wssec_ctx_check_certs(&res, ctx, H_PKI "alice-chain.pem", NULL), 0);
    assert_int_equal(wssec_result_token_count(res), 1);
    const wssec_token *t = wssec_result_token(res, 0);
    assert_string_equal(wssec_token_type(t), "certificate");
    assert_int_equal(wssec_token_status(t), 0);
    assert_string_equal(prop(res, 0, "subject"), "CN=alice,OU=Clients,O=wssec test,C=US");
    assert_string_equal(prop(res, 0, "checked-as"), "signer");
    assert_string_equal(prop(res, 0, "chain-1"), "CN=wssec Test Issuing CA,O=wssec test,C=US: ok");
    assert_string_equal(prop(res, 0, "chain-2"),
                        "CN=wssec Test Root CA,O=wssec test,C=US: ok (trust anchor)");
    assert_int_equal(wssec_result_error(res)->code, 0);
    assert_int_equal(wssec_result_warning_count(res), 0);
    wssec_result_free(res);
    wssec_ctx_free(ctx);
}

static void test_check_refusals(void **state)
{
    (void)state;
    wssec_ctx *ctx = h_ctx("trust", H_PKI "root.crt", "crl", H_PKI "inter.crl", NULL);
    wssec_result *res = NULL;
    /* a missing intermediate: the verify path's words */
    assert_int_equal(wssec_ctx_check_certs(&res, ctx, H_PKI "orphan.crt", NULL), WSSEC_EUNTRUSTED);
    h_assert_error(wssec_result_error(res), WSSEC_EUNTRUSTED, "wsse:FailedAuthentication",
                   "has issuer 'CN=wssec Test Other CA,O=wssec test,C=US', found neither");
    assert_int_equal(wssec_token_status(wssec_result_token(res, 0)), WSSEC_EUNTRUSTED);
    h_assert_contains(wssec_token_error(wssec_result_token(res, 0))->message, "signer 'CN=orphan");
    wssec_result_free(res);
    /* with its CA in the input, it is only the anchor that is missing */
    assert_int_equal(wssec_ctx_check_certs(&res, ctx, H_PKI "orphan-chain.pem", NULL),
                     WSSEC_EUNTRUSTED);
    assert_int_equal(wssec_result_token_count(res), 1);
    wssec_result_free(res);
    /* revoked, by the configured CRL */
    assert_int_equal(wssec_ctx_check_certs(&res, ctx, H_PKI "revoked-chain.pem", NULL),
                     WSSEC_EUNTRUSTED);
    h_assert_error(wssec_result_error(res), WSSEC_EUNTRUSTED, NULL,
                   "revoked on 2024-06-01T00:00:00Z (reason keyCompromise)");
    wssec_result_free(res);
    /* a CA certificate that may sign (digitalSignature) is checked as the signer it would be */
    assert_int_equal(wssec_ctx_check_certs(&res, ctx, H_PKI "caleaf-chain.pem", NULL),
                     WSSEC_EUNTRUSTED);
    h_assert_error(wssec_result_error(res), WSSEC_EUNTRUSTED, NULL, "is a CA certificate");
    assert_string_equal(prop(res, 0, "checked-as"), "signer");
    wssec_result_free(res);
    /* as is a self-signed CA:TRUE certificate without keyUsage (openssl req -x509) */
    assert_int_equal(wssec_ctx_check_certs(&res, ctx, H_PKI "partner.crt", NULL), WSSEC_EUNTRUSTED);
    assert_string_equal(prop(res, 0, "subject"), "CN=partner,OU=Partners,O=wssec test,C=US");
    assert_string_equal(prop(res, 0, "checked-as"), "signer");
    wssec_result_free(res);
    wssec_ctx_free(ctx);
    /* no anchors */
    ctx = h_ctx("now", H_NOW_TEXT, NULL);
    assert_int_equal(wssec_ctx_check_certs(&res, ctx, H_PKI "alice-chain.pem", NULL),
                     WSSEC_EUNTRUSTED);
    h_assert_error(wssec_result_error(res), WSSEC_EUNTRUSTED, NULL,
                   "no trust anchors are configured");
    wssec_result_free(res);
    wssec_ctx_free(ctx);
}

static void test_check_warnings(void **state)
{
    (void)state;
    wssec_ctx *ctx = h_ctx("trust", H_PKI "root.crt", "crl", H_PKI "inter-expired.crl", "crl-check",
                           "off", NULL);
    wssec_result *res = NULL;
    assert_int_equal(wssec_ctx_check_certs(&res, ctx, H_PKI "expiring-chain.pem", NULL), 0);
    assert_true(h_has_warning(res, "signer certificate 'CN=expiring,OU=Clients"));
    assert_true(h_has_warning(res, "in 18 days (expiry-warning-days 30)"));
    assert_true(h_has_warning(res, "CRL of issuer 'CN=wssec Test Issuing CA,O=wssec test,C=US' "
                                   "(CRL number 1) is past its nextUpdate"));
    wssec_result_free(res);
    wssec_ctx_free(ctx);
    /* a CA close to its end, the anchor above it not */
    ctx = h_ctx("trust", H_PKI "root.crt", "now", "2044-12-20T00:00:00Z", NULL);
    assert_int_equal(wssec_ctx_check_certs(&res, ctx, H_PKI "chain.p7b", NULL), 0);
    assert_true(h_has_warning(res, "CA certificate 'CN=wssec Test Issuing CA"));
    assert_true(h_has_warning(res, "expires on 2045-01-01T00:00:00Z, in 12 days"));
    assert_false(h_has_warning(res, "trust anchor"));
    wssec_result_free(res);
    wssec_ctx_free(ctx);
    /* an anchor close to its end, above a signer */
    ctx = h_ctx("trust", H_PKI "root.crt", "certs", H_PKI "inter.crt", "expiry-warning-days",
                "7200", NULL);
    assert_int_equal(wssec_ctx_check_certs(&res, ctx, H_PKI "alice.crt", NULL), 0);
    assert_true(h_has_warning(res, "intermediate 'CN=wssec Test Issuing CA"));
    assert_false(h_has_warning(res, "trust anchor"));
    wssec_result_free(res);
    wssec_ctx_free(ctx);
    ctx = h_ctx("trust", H_PKI "root.crt", "certs", H_PKI "inter.crt", "expiry-warning-days",
                "9000", NULL);
    assert_int_equal(wssec_ctx_check_certs(&res, ctx, H_PKI "alice.crt", NULL), 0);
    assert_true(h_has_warning(res, "trust anchor 'CN=wssec Test Root CA"));
    wssec_result_free(res);
    wssec_ctx_free(ctx);
    ctx = h_ctx("trust", H_PKI "root.crt", "now", "2049-12-20T00:00:00Z", NULL);
    assert_int_equal(wssec_ctx_check_certs(&res, ctx, H_PKI "root.crt", NULL), 0);
    assert_true(h_has_warning(res, "CA certificate 'CN=wssec Test Root CA"));
    wssec_result_free(res);
    wssec_ctx_free(ctx);
}

static void test_check_ca_bundle(void **state)
{
    (void)state;
    wssec_ctx *ctx = h_ctx("trust", H_PKI "root.crt", NULL);
    wssec_result *res = NULL;
    assert_int_equal(wssec_ctx_check_certs(&res, ctx, H_PKI "chain.p7b", NULL), 0);
    assert_int_equal(wssec_result_token_count(res), 1);
    assert_string_equal(prop(res, 0, "subject"), "CN=wssec Test Issuing CA,O=wssec test,C=US");
    h_assert_contains(prop(res, 0, "checked-as"), "CA");
    wssec_result_free(res);
    /* a CA the anchors did not issue: the path's words */
    assert_int_equal(wssec_ctx_check_certs(&res, ctx, H_PKI "evil-root.crt", NULL),
                     WSSEC_EUNTRUSTED);
    h_assert_error(wssec_result_error(res), WSSEC_EUNTRUSTED, NULL, "CA 'CN=wssec Test Root CA");
    h_assert_error(wssec_result_error(res), WSSEC_EUNTRUSTED, NULL, "self-signed");
    wssec_result_free(res);
    wssec_ctx_free(ctx);
}

static void test_check_stores(void **state)
{
    (void)state;
    wssec_ctx *ctx = h_ctx("trust", H_PKI "root.crt", NULL);
    wssec_result *res = NULL;
    assert_int_equal(wssec_ctx_check_certs(&res, ctx, H_PKI "alice.p12", "alice-p12-secret"), 0);
    assert_int_equal(wssec_result_token_count(res), 1);
    assert_string_equal(prop(res, 0, "subject"), "CN=alice,OU=Clients,O=wssec test,C=US");
    wssec_result_free(res);
    assert_int_equal(wssec_ctx_check_certs(&res, ctx, H_PKI "alice.p12", "wrong"), WSSEC_ECONFIG);
    h_assert_error(wssec_result_error(res), WSSEC_ECONFIG, NULL, "alice.p12: wrong password");
    wssec_result_free(res);
    assert_int_equal(wssec_ctx_check_certs(&res, ctx, H_PKI "alice.p12", NULL), WSSEC_ECONFIG);
    h_assert_error(wssec_result_error(res), WSSEC_ECONFIG, NULL,
                   "is a PKCS#12 store: its password is needed (pkcs12-password-file");
    wssec_result_free(res);
    assert_int_equal(wssec_ctx_check_certs(&res, ctx, H_PKI "trust.jks", NULL), WSSEC_ECONFIG);
    h_assert_error(wssec_result_error(res), WSSEC_ECONFIG, NULL, "keytool -importkeystore");
    wssec_result_free(res);
    assert_int_equal(wssec_ctx_check_certs(&res, ctx, H_PKI "no-such.pem", NULL), WSSEC_EIO);
    h_assert_error(wssec_result_error(res), WSSEC_EIO, NULL, "No such file or directory");
    wssec_result_free(res);
    assert_int_equal(wssec_ctx_check_certs(&res, ctx, WSSEC_SOURCE_DIR "/samples/hello.xml", NULL),
                     WSSEC_ECONFIG);
    h_assert_error(wssec_result_error(res), WSSEC_ECONFIG, NULL, "no certificate");
    wssec_result_free(res);
    wssec_ctx_free(ctx);
    /* the context's password file */
    ctx = h_ctx("trust", H_PKI "root.crt", "pkcs12-password-file", H_PKI "alice.p12.pw", NULL);
    assert_int_equal(wssec_ctx_check_certs(&res, ctx, H_PKI "alice.p12", NULL), 0);
    wssec_result_free(res);
    wssec_ctx_free(ctx);
}

static void test_check_directory(void **state)
{
    (void)state;
    char dir[] = "/tmp/wssec-check-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char a[300], b[300], c[300], d[300];
    snprintf(a, sizeof(a), "%s/a-alice.crt", dir);
    snprintf(b, sizeof(b), "%s/b-inter.pem", dir);
    snprintf(c, sizeof(c), "%s/c-orphan.crt", dir);
    snprintf(d, sizeof(d), "%s/notes.txt", dir);
    assert_int_equal(symlink(H_PKI "alice.crt", a), 0);
    assert_int_equal(symlink(H_PKI "inter.crt", b), 0);
    assert_int_equal(symlink(H_PKI "orphan.crt", c), 0);
    assert_int_equal(symlink(WSSEC_SOURCE_DIR "/samples/hello.xml", d), 0);
    wssec_ctx *ctx = h_ctx("trust", H_PKI "root.crt", NULL);
    wssec_result *res = NULL;
    /* one set: alice's chain from the directory; orphan's CA is not there */
    assert_int_equal(wssec_ctx_check_certs(&res, ctx, dir, NULL), WSSEC_EUNTRUSTED);
    assert_int_equal(wssec_result_token_count(res), 2);
    assert_int_equal(wssec_token_status(wssec_result_token(res, 0)), 0);
    assert_string_equal(prop(res, 0, "chain-2"),
                        "CN=wssec Test Root CA,O=wssec test,C=US: ok (trust anchor)");
    assert_int_equal(wssec_token_status(wssec_result_token(res, 1)), WSSEC_EUNTRUSTED);
    h_assert_error(wssec_result_error(res), WSSEC_EUNTRUSTED, NULL, "signer 'CN=orphan");
    wssec_result_free(res);
    unlink(a);
    unlink(b);
    unlink(c);
    unlink(d);
    /* no certificate file in it */
    assert_int_equal(wssec_ctx_check_certs(&res, ctx, dir, NULL), WSSEC_ECONFIG);
    h_assert_error(wssec_result_error(res), WSSEC_ECONFIG, NULL, "holds no certificate file");
    wssec_result_free(res);
    rmdir(dir);
    wssec_ctx_free(ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_anchor_and_known_expiring),
        cmocka_unit_test(test_own_certificates),
        cmocka_unit_test(test_crl_dates),
        cmocka_unit_test(test_nothing_due),
        cmocka_unit_test(test_days_option),
        cmocka_unit_test(test_clock_callback),
        cmocka_unit_test(test_with_plugin),
        cmocka_unit_test(test_reload),
        cmocka_unit_test(test_signer_close_to_expiry),
        cmocka_unit_test(test_signer_far_from_expiry),
        cmocka_unit_test(test_check_chain_file),
        cmocka_unit_test(test_check_refusals),
        cmocka_unit_test(test_check_warnings),
        cmocka_unit_test(test_check_ca_bundle),
        cmocka_unit_test(test_check_stores),
        cmocka_unit_test(test_check_directory),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
