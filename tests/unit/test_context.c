/*
 * The context (src/context.c): building one (and each refusal, naming the
 * option), the module registry's lookups, what a context answers, the
 * replay cache it names, and trust reload (snapshots, refusals keeping the
 * old material).
 */
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "helpers.h"

#define PKI H_PKI

/* Builds from pairs; asserts the code and, on failure, a piece of the
 * configuration's error. */
static void build(int code, const char *needle, const char *const *pairs)
{
    wssec_ctx *ctx = NULL;
    char err[600];
    int rc = h_ctx_try(&ctx, 0, pairs, err, sizeof(err));
    if (rc != code) print_error("got %s: %s\n", wssec_code_name(rc), err);
    assert_int_equal(rc, code);
    if (code) {
        assert_null(ctx);
        h_assert_contains(err, needle);
    } else {
        assert_non_null(ctx);
    }
    wssec_ctx_free(ctx);
}

static void test_build_refusals(void **state)
{
    (void)state;
    const char *ok[] = { "sign-key", PKI "alice.key", "sign-cert", PKI "alice.crt", NULL };
    build(0, NULL, ok);
    const char *no_key_file[] = { "sign-key", PKI "no-such.key", "sign-cert", PKI "alice.crt",
                                  NULL };
    build(WSSEC_ECONFIG, "sign-key: ", no_key_file);
    const char *mismatch[] = { "sign-key", PKI "bob.key", "sign-cert", PKI "alice.crt", NULL };
    build(WSSEC_ECONFIG, "the private key does not belong to the certificate", mismatch);
    const char *dec_cert_only[] = { "decrypt-cert", PKI "server.crt", NULL };
    build(WSSEC_ECONFIG, "decrypt-cert needs decrypt-key", dec_cert_only);
    const char *enc_missing[] = { "encrypt-cert", PKI "no-such.crt", NULL };
    build(WSSEC_ECONFIG, "encrypt-cert: ", enc_missing);
    const char *unknown_action[] = { "actions", "timestamp,kerberos", NULL };
    build(WSSEC_ECONFIG, "actions: no module generates 'kerberos'", unknown_action);
    const char *trust_missing[] = { "trust", PKI "no-such-root.crt", NULL };
    build(WSSEC_ECONFIG, "no-such-root.crt", trust_missing);
}

static void test_answers(void **state)
{
    (void)state;
    wssec_ctx *ctx = h_ctx("max-message-size", "12345", NULL);
    assert_int_equal(wssec_ctx_now(ctx), H_NOW);
    assert_int_equal(wssec_ctx_max_message_size(ctx), 12345);
    assert_string_equal(wssec_ctx_replay_cache_name(ctx), "memory");
    wssec_ctx_free(ctx);
    /* without "now", the system clock */
    ctx = h_ctxf(H_NO_NOW, NULL);
    wssec_time t = wssec_ctx_now(ctx);
    assert_true(t > H_NOW);
    wssec_ctx_free(ctx);
    wssec_ctx_free(NULL); /* a no-op */
}

/* A Redis URL: a context naming it (connections are made on first use),
 * or, in a build without the Redis back end, a refusal saying so. */
static void test_redis_cache(void **state)
{
    (void)state;
    const char *pairs[] = { "replay-cache", "redis://127.0.0.1:1/3", NULL };
    wssec_ctx *ctx = NULL;
    char err[600];
    int rc = h_ctx_try(&ctx, 0, pairs, err, sizeof(err));
#ifdef WSSEC_REPLAY_REDIS
    assert_int_equal(rc, 0);
    assert_string_equal(wssec_ctx_replay_cache_name(ctx), "redis://127.0.0.1:1/3");
#else
    assert_int_equal(rc, WSSEC_ECONFIG);
    assert_null(ctx);
    h_assert_contains(err, "redis://127.0.0.1:1/3: this build of wssec has no Redis support");
    wssec_replay_cache *c = NULL;
    char why[300];
    assert_int_equal(wssec_replay_cache_redis_new(&c, "unix:///run/redis.sock", NULL, why,
                                                  sizeof(why)),
                     WSSEC_ECONFIG);
    assert_null(c);
    h_assert_contains(why, "no Redis support");
#endif
    wssec_ctx_free(ctx);
    /* a URL that is not one is refused either way, saying why */
    const char *bad[] = { "replay-cache", "redis://127.0.0.1:70000/0", NULL };
    build(WSSEC_ECONFIG, "port is not a number from 1 to 65535", bad);
}

/* ---- the registry ---- */

static void test_module_lookup(void **state)
{
    (void)state;
    wssec_ctx *ctx = h_ctx(NULL);
    static const char *const names[] = { "timestamp", "username-token", "x509-token", "signature",
                                         "encrypted-key", "identity-assertion" };
    for (size_t i = 0; i < WSSEC_ARRAY_LEN(names); i++) {
        const wssec_module *m = wssec__modlist_by_name(&ctx->modules, names[i]);
        assert_non_null(m);
        assert_string_equal(m->name, names[i]);
    }
    /* the action's spelling before 0.2 still names the module */
    assert_string_equal(wssec__modlist_by_name(&ctx->modules, "encrypt")->name, "encrypted-key");
    assert_null(wssec__modlist_by_name(&ctx->modules, "kerberos"));
    assert_null(wssec__modlist_by_name(&ctx->modules, "Timestamp"));

    /* by element: QName, and ValueType for a BinarySecurityToken */
    char *xml = h_envelope(11,
                           "<wsu:Timestamp/><wsse:UsernameToken/>"
                           "<wsse:BinarySecurityToken ValueType=\"%s\"/>"
                           "<wsse:BinarySecurityToken ValueType=\"urn:example:ltpa\"/>"
                           "<wsu:Other/><x:Timestamp xmlns:x=\"urn:x\"/>",
                           WSSEC_VT_X509V3);
    wssec_msg *msg = h_parse(ctx, xml);
    free(xml);
    xmlNodePtr e = xmlFirstElementChild(wssec_msg_security(msg, 0));
    /* an unknown ValueType goes to the BinarySecurityToken consumer registered
     * without one (x509-token), which refuses it; an unknown QName to none */
    static const char *const want[] = { "timestamp", "username-token", "x509-token", "x509-token",
                                        NULL, NULL };
    for (size_t i = 0; i < WSSEC_ARRAY_LEN(want); i++, e = xmlNextElementSibling(e)) {
        assert_non_null(e);
        const wssec_module *m = wssec__modlist_for_elem(&ctx->modules, e);
        if (want[i]) {
            assert_non_null(m);
            assert_string_equal(m->name, want[i]);
        } else {
            if (m) print_error("element %zu: %s\n", i, m->name);
            assert_null(m);
        }
    }
    wssec_msg_free(msg);
    wssec_ctx_free(ctx);
}

/* ---- trust reload ---- */

static void test_reload_snapshots(void **state)
{
    (void)state;
    wssec_ctx *ctx = h_ctx("trust", PKI "root.crt", NULL);
    wssec_trust *before = wssec__ctx_trust(ctx);
    assert_int_equal(sk_X509_num(wssec__trust_anchors(before)), 1);
    assert_int_equal(sk_X509_num(wssec__trust_known(before)), 0);

    wssec_config *cfg = NULL;
    assert_int_equal(wssec_config_new(&cfg), 0);
    assert_int_equal(wssec_config_set(cfg, "trust", PKI "root.crt"), 0);
    assert_int_equal(wssec_config_set(cfg, "certs", PKI "inter.crt"), 0);
    assert_int_equal(wssec_ctx_reload_trust(ctx, cfg), 0);
    wssec_trust *after = wssec__ctx_trust(ctx);
    assert_ptr_not_equal(after, before);
    assert_int_equal(sk_X509_num(wssec__trust_known(after)), 1);
    /* the old snapshot lives on while someone holds it */
    assert_int_equal(sk_X509_num(wssec__trust_anchors(before)), 1);
    assert_int_equal(sk_X509_num(wssec__trust_known(before)), 0);
    wssec__trust_release(before);

    /* a refused reload keeps the snapshot in force, and says why */
    assert_int_equal(wssec_config_set(cfg, "certs", PKI "no-such.crt"), 0);
    assert_int_equal(wssec_ctx_reload_trust(ctx, cfg), WSSEC_ECONFIG);
    h_assert_contains(wssec_config_error(cfg)->message, "no-such.crt");
    wssec_trust *kept = wssec__ctx_trust(ctx);
    assert_ptr_equal(kept, after);
    wssec__trust_release(kept);
    wssec__trust_release(after);
    wssec_config_free(cfg);
    wssec_ctx_free(ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_build_refusals),
        cmocka_unit_test(test_answers),
        cmocka_unit_test(test_redis_cache),
        cmocka_unit_test(test_module_lookup),
        cmocka_unit_test(test_reload_snapshots),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    xmlCleanupParser();
    return rc;
}
