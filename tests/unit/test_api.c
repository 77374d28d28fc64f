/*
 * The public API's regular shapes: every entry point fails cleanly on a
 * NULL where its prototype wants an object, every versioned struct has an
 * init function that accepts the versions the library knows and refuses
 * the others, and every error accessor returns a record, never NULL.
 *
 * WSSEC_NONNULL is compiled out here (WSSEC_NO_NONNULL) and the NULLs go
 * through a volatile pointer, so neither the compiler nor UBSan's
 * nonnull-attribute check sees a NULL passed on purpose.
 */
#define WSSEC_NO_NONNULL 1

#include <string.h>

#include "helpers.h"

static void *volatile nul;

#define N(type) ((type)nul)

static void test_null_arguments(void **state)
{
    (void)state;
    const char *s = NULL;
    size_t n = 0;
    unsigned char *bytes = (unsigned char *)"x";
    xmlNodePtr node = (xmlNodePtr)1;
    char buf[64];
    wssec_time t = 0;

    /* configuration */
    assert_int_equal(wssec_config_new(N(wssec_config **)), WSSEC_EINVALID);
    assert_int_equal(wssec_config_set(N(wssec_config *), "clock-skew", "1"), WSSEC_EINVALID);
    assert_int_equal(wssec_config_has_option(N(const char *)), 0);
    assert_int_equal(wssec_config_option_info(N(const char **), &s, &s, 0), WSSEC_EINVALID);
    assert_int_equal(wssec_config_load(N(wssec_config *), "x", NULL, NULL), WSSEC_EINVALID);
    wssec_config_set_password_cb(N(wssec_config *), NULL, NULL);
    wssec_config_set_explain_cb(N(wssec_config *), NULL, NULL);
    wssec_config_set_clock(N(wssec_config *), NULL, NULL);
    wssec_config_set_replay_cache(N(wssec_config *), N(wssec_replay_cache *));
    wssec_config_set_trusted_id_evaluator(N(wssec_config *), NULL, NULL);
    assert_int_equal(wssec_config_add_module(N(wssec_config *), N(const wssec_module *)),
                     WSSEC_EINVALID);
    assert_int_equal(wssec_config_error(N(const wssec_config *))->code, WSSEC_EINVALID);
    wssec_config_free(N(wssec_config *));

    wssec_config *cfg = NULL;
    assert_int_equal(wssec_config_new(&cfg), 0);
    assert_int_equal(wssec_config_set(cfg, N(const char *), "1"), WSSEC_EINVALID);
    assert_int_equal(wssec_config_error(cfg)->code, WSSEC_EINVALID);
    assert_int_equal(wssec_config_load(cfg, N(const char *), NULL, NULL), WSSEC_EINVALID);
    assert_int_equal(wssec_config_add_module(cfg, N(const wssec_module *)), WSSEC_EINVALID);
    wssec_config_set_replay_cache(cfg, N(wssec_replay_cache *));

    /* context */
    wssec_ctx *ctx = (wssec_ctx *)1;
    assert_int_equal(wssec_ctx_new(N(wssec_ctx **), cfg), WSSEC_EINVALID);
    assert_int_equal(wssec_ctx_new(&ctx, N(wssec_config *)), WSSEC_EINVALID);
    assert_null(ctx);
    assert_int_equal(wssec_ctx_reload_trust(N(wssec_ctx *), cfg), WSSEC_EINVALID);
    assert_int_equal(wssec_ctx_now(N(const wssec_ctx *)), 0);
    assert_int_equal(wssec_ctx_max_message_size(N(const wssec_ctx *)), 0);
    assert_null(wssec_ctx_replay_cache_name(N(const wssec_ctx *)));
    wssec_ctx_free(N(wssec_ctx *));
    assert_int_equal(wssec_time_parse(N(wssec_time *), "2025-01-01T00:00:00Z"), WSSEC_EINVALID);
    assert_int_equal(wssec_time_parse(&t, N(const char *)), WSSEC_EINVALID);
    assert_int_equal(wssec_time_format(N(char *), 32, 0, 0), WSSEC_EINVALID);
    char *dn = (char *)1;
    assert_int_equal(wssec_dn_normalize(N(char **), "CN=a"), WSSEC_EINVALID);
    assert_int_equal(wssec_dn_normalize(&dn, N(const char *)), WSSEC_EINVALID);
    assert_null(dn);

    /* message */
    wssec_msg *msg = (wssec_msg *)1;
    assert_int_equal(wssec_msg_new(N(wssec_msg **), N(const wssec_ctx *)), WSSEC_EINVALID);
    assert_int_equal(wssec_msg_new(&msg, N(const wssec_ctx *)), WSSEC_EINVALID);
    assert_null(msg);
    assert_int_equal(wssec_msg_parse(N(wssec_msg *), "<x/>", 4), WSSEC_EINVALID);
    assert_int_equal(wssec_msg_serialize(N(unsigned char **), &n, N(const wssec_msg *)),
                     WSSEC_EINVALID);
    assert_int_equal(wssec_msg_serialize(&bytes, &n, N(const wssec_msg *)), WSSEC_EINVALID);
    assert_null(bytes);
    assert_int_equal(wssec_fault_serialize(&bytes, &n, N(const wssec_error *), WSSEC_SOAP11),
                     WSSEC_EINVALID);
    assert_null(wssec_msg_doc(N(const wssec_msg *)));
    assert_int_equal(wssec_msg_soap_version(N(const wssec_msg *)), 0);
    assert_null(wssec_msg_body(N(const wssec_msg *)));
    assert_null(wssec_msg_header(N(const wssec_msg *)));
    assert_int_equal(wssec_msg_error(N(const wssec_msg *))->code, WSSEC_EINVALID);
    assert_null(wssec_msg_ctx(N(const wssec_msg *)));
    assert_int_equal(wssec_msg_now(N(const wssec_msg *)), 0);
    assert_int_equal(wssec_msg_inspecting(N(const wssec_msg *)), 0);
    assert_null(wssec_msg_security(N(wssec_msg *), 1));
    assert_int_equal(wssec_msg_fail(N(wssec_msg *), WSSEC_ETOKEN, NULL, NULL, "x"), WSSEC_ETOKEN);
    assert_null(wssec_msg_add_token(N(wssec_msg *), "x", NULL));
    assert_int_equal(wssec_msg_set_caller(N(wssec_msg *), N(wssec_token *)), WSSEC_EINVALID);
    assert_int_equal(wssec_msg_password(buf, sizeof(buf), &n, N(wssec_msg *), "alice",
                                        WSSEC_PW_VERIFY),
                     WSSEC_EINVALID);
    assert_int_equal(wssec_msg_replay_check(N(wssec_msg *), "d", "i", bytes, 0, 0),
                     WSSEC_EINVALID);
    wssec_msg_free(N(wssec_msg *));
    wssec_free(N(void *));

    /* processing and results */
    wssec_result *res = (wssec_result *)1;
    assert_int_equal(wssec_verify(N(wssec_result **), N(wssec_msg *)), WSSEC_EINVALID);
    assert_int_equal(wssec_verify(&res, N(wssec_msg *)), WSSEC_EINVALID);
    assert_null(res);
    res = (wssec_result *)1;
    assert_int_equal(wssec_inspect(&res, N(wssec_msg *)), WSSEC_EINVALID);
    assert_null(res);
    assert_int_equal(wssec_secure(N(wssec_msg *), NULL), WSSEC_EINVALID);
    const wssec_result *r = N(const wssec_result *);
    assert_int_equal(wssec_result_error(r)->code, WSSEC_EINVALID);
    assert_null(wssec_result_caller(r));
    assert_null(wssec_result_caller_cert(r));
    assert_int_equal(wssec_msg_set_recipient(N(wssec_msg *), NULL), WSSEC_EINVALID);
    assert_int_equal(wssec_result_signed_count(r), 0);
    assert_int_equal(wssec_result_signed(&node, NULL, NULL, NULL, r, 0), WSSEC_EINVALID);
    assert_null(node);
    assert_int_equal(wssec_result_signed(N(xmlNodePtr *), NULL, NULL, NULL, r, 0),
                     WSSEC_EINVALID);
    assert_int_equal(wssec_result_is_signed(r, N(xmlNodePtr)), 0);
    assert_int_equal(wssec_result_decrypted_count(r), 0);
    node = (xmlNodePtr)1;
    assert_int_equal(wssec_result_decrypted(&node, NULL, r, 0), WSSEC_EINVALID);
    assert_null(node);
    assert_int_equal(wssec_result_is_decrypted(r, N(xmlNodePtr)), 0);
    assert_int_equal(wssec_result_warning_count(r), 0);
    assert_null(wssec_result_warning(r, 0));
    assert_int_equal(wssec_result_token_count(r), 0);
    assert_null(wssec_result_token(r, 0));
    assert_null(wssec_result_asserted_by(r));
    assert_int_equal(wssec_result_assertion_proof(r), WSSEC_PROOF_NONE);
    wssec_result_free(N(wssec_result *));
    const wssec_token *tk = N(const wssec_token *);
    assert_null(wssec_token_type(tk));
    assert_null(wssec_token_node(tk));
    assert_null(wssec_token_identity(tk));
    assert_int_equal(wssec_token_status(tk), WSSEC_EINVALID);
    assert_int_equal(wssec_token_error(tk)->code, WSSEC_EINVALID);
    assert_int_equal(wssec_token_prop_count(tk), 0);
    s = "x";
    const char *v = "x";
    assert_int_equal(wssec_token_prop(&s, &v, tk, 0), WSSEC_EINVALID);
    assert_null(s);
    assert_null(v);
    assert_null(wssec_token_get(tk, "created"));
    assert_int_equal(wssec_token_set_identity(N(wssec_token *), "x"), WSSEC_EINVALID);
    assert_int_equal(wssec_token_set(N(wssec_token *), "a", "b"), WSSEC_EINVALID);

    /* replay caches */
    unsigned char key[WSSEC_REPLAY_KEY_LEN] = { 0 };
    wssec_replay_cache *rc = (wssec_replay_cache *)1;
    assert_int_equal(wssec_replay_cache_new(&rc, N(const wssec_replay_ops *), NULL),
                     WSSEC_EINVALID);
    assert_null(rc);
    assert_int_equal(wssec_replay_cache_memory_new(N(wssec_replay_cache **), 8), WSSEC_EINVALID);
    assert_int_equal(wssec_replay_cache_redis_new(&rc, N(const char *), NULL, buf, sizeof(buf)),
                     WSSEC_EINVALID);
    assert_null(wssec_replay_cache_retain(N(wssec_replay_cache *)));
    wssec_replay_cache_release(N(wssec_replay_cache *));
    assert_int_equal(wssec_replay_cache_insert(N(wssec_replay_cache *), key, 1, 0, NULL, 0),
                     WSSEC_EINVALID);
    assert_null(wssec_replay_cache_name(N(const wssec_replay_cache *)));
    assert_int_equal(wssec_replay_key(N(unsigned char *), "d", "i", key, 1), WSSEC_EINVALID);
    assert_int_equal(wssec_replay_key(key, "d", "i", N(const unsigned char *), 1), WSSEC_EINVALID);

    /* plug-ins */
    wssec_plugin_set_state(N(wssec_plugin *), NULL, NULL);
    assert_int_equal(wssec_plugin_fail(N(wssec_plugin *), WSSEC_ECONFIG, "x"), WSSEC_ECONFIG);
    assert_int_equal(wssec_plugin_error(N(const wssec_plugin *))->code, WSSEC_EINVALID);
    assert_null(wssec_plugin_path(N(const wssec_plugin *)));

    /* the init functions */
    assert_int_equal(wssec_secure_options_init(N(wssec_secure_options *), 1), WSSEC_EINVALID);
    assert_int_equal(wssec_module_init(N(wssec_module *), 1), WSSEC_EINVALID);
    assert_int_equal(wssec_replay_ops_init(N(wssec_replay_ops *), 1), WSSEC_EINVALID);
    assert_int_equal(wssec_redis_options_init(N(wssec_redis_options *), 1), WSSEC_EINVALID);
    assert_int_equal(wssec_upstream_init(N(wssec_upstream *), 1), WSSEC_EINVALID);

    wssec_config_free(cfg);
}

/* Each init function: version 0 and newer versions refused, the current one
 * gives what the *_INIT macro gives. */
#define CHECK_INIT(type, fn, VERSION, INIT)                          \
    do {                                                             \
        static const type want = INIT; /* static: padding is zero */ \
        type got;                                                    \
        memset(&got, 0x5a, sizeof(got));                             \
        assert_int_equal(fn(&got, 0), WSSEC_EINVALID);               \
        assert_int_equal(fn(&got, (VERSION) + 1), WSSEC_EINVALID);   \
        assert_int_equal(fn(&got, VERSION), 0);                      \
        assert_memory_equal(&got, &want, sizeof(want));              \
    } while (0)

static void test_init_functions(void **state)
{
    (void)state;
    CHECK_INIT(wssec_secure_options, wssec_secure_options_init, WSSEC_SECURE_OPTIONS_VERSION,
               WSSEC_SECURE_OPTIONS_INIT);
    CHECK_INIT(wssec_module, wssec_module_init, WSSEC_MODULE_VERSION, WSSEC_MODULE_INIT);
    CHECK_INIT(wssec_replay_ops, wssec_replay_ops_init, WSSEC_REPLAY_OPS_VERSION,
               WSSEC_REPLAY_OPS_INIT);
    CHECK_INIT(wssec_redis_options, wssec_redis_options_init, WSSEC_REDIS_OPTIONS_VERSION,
               WSSEC_REDIS_OPTIONS_INIT);
    CHECK_INIT(wssec_upstream, wssec_upstream_init, WSSEC_UPSTREAM_VERSION, WSSEC_UPSTREAM_INIT);

    /* a version 1 caller's wssec_secure_options ends before assert_user:
     * nothing after it is written */
    wssec_secure_options o;
    memset(&o, 0x5a, sizeof(o));
    assert_int_equal(wssec_secure_options_init(&o, 1), 0);
    assert_int_equal(o.version, 1);
    assert_null(o.actions);
    assert_null(o.username);
    unsigned char canary[sizeof(void *)];
    memset(canary, 0x5a, sizeof(canary));
    assert_memory_equal(&o.assert_user, canary, sizeof(canary));
}

/* The library refuses structs newer than it knows with a message naming the
 * versions it accepts, and accepts the older ones. */
static void test_versions_refused_clearly(void **state)
{
    (void)state;
    wssec_config *cfg = NULL;
    assert_int_equal(wssec_config_new(&cfg), 0);
    wssec_module m = WSSEC_MODULE_INIT;
    m.name = "x";
    m.version = WSSEC_MODULE_VERSION + 1;
    assert_int_equal(wssec_config_add_module(cfg, &m), WSSEC_EINVALID);
    h_assert_contains(wssec_config_error(cfg)->message, "accepts versions 1 to");
    wssec_config_free(cfg);

    wssec_redis_options ro = WSSEC_REDIS_OPTIONS_INIT;
    ro.version = WSSEC_REDIS_OPTIONS_VERSION + 1;
    wssec_replay_cache *rc = NULL;
    char why[200];
    assert_int_equal(wssec_replay_cache_redis_new(&rc, "redis://127.0.0.1", &ro, why, sizeof(why)),
                     WSSEC_EINVALID);
    h_assert_contains(why, "accepts versions 1 to");

    wssec_replay_ops ops = WSSEC_REPLAY_OPS_INIT;
    ops.name = "x";
    assert_int_equal(wssec_replay_cache_new(&rc, &ops, NULL), WSSEC_EINVALID); /* no insert */
}

static int jobs_freed;
static int job_check(wssec_msg *m, void *j)
{
    (void)m;
    (void)j;
    return 0;
}
static int job_run(wssec_msg *m, void *j)
{
    (void)m;
    (void)j;
    return 0;
}
static void job_free(void *j)
{
    ++*(int *)j;
}

/* The decryption protocol of the module SDK (sys/record.h): a NULL fails
 * closed (nothing may be decrypted, nothing is queued) or is a no-op. */
static void test_null_arguments_decryption_protocol(void **state)
{
    (void)state;
    wssec_ctx *ctx = h_ctx(NULL);
    wssec_msg *msg = h_parse(ctx, "<soap:Envelope xmlns:soap='http://schemas.xmlsoap.org/soap/"
                                  "envelope/'><soap:Body/></soap:Envelope>");
    xmlNodePtr body = wssec_msg_body(msg);
    assert_int_equal(wssec_msg_deferred_count(N(const wssec_msg *)), 0);
    assert_int_equal(wssec_msg_may_decrypt(N(wssec_msg *), body), 0);
    assert_int_equal(wssec_msg_may_decrypt(msg, N(xmlNodePtr)), 0);
    wssec_msg_decryption_started(N(wssec_msg *));
    wssec_msg_decrypting(N(wssec_msg *), body, 0);
    wssec_msg_decrypting(msg, N(xmlNodePtr), 0);
    assert_int_equal(wssec_msg_decrypt_failed(N(wssec_msg *)), WSSEC_EINVALID);
    /* the queue and the claims: refused or no-ops; a refused job is freed */
    jobs_freed = 0;
    assert_int_equal(wssec_msg_defer(N(wssec_msg *), NULL, job_check, job_run, job_free, &jobs_freed),
                     WSSEC_EINVALID);
    assert_int_equal(jobs_freed, 1);
    assert_int_equal(wssec_msg_defer(msg, NULL, N(int (*)(wssec_msg *, void *)), job_run, job_free,
                                     &jobs_freed),
                     WSSEC_EINVALID);
    assert_int_equal(jobs_freed, 2);
    assert_int_equal(wssec_msg_claim(N(wssec_msg *), body), WSSEC_EINVALID);
    assert_int_equal(wssec_msg_claim(msg, N(xmlNodePtr)), WSSEC_EINVALID);
    wssec_msg_unclaim(N(wssec_msg *), body);
    wssec_msg_unclaim(msg, N(xmlNodePtr));
    wssec_msg_retry_after_decryption(N(wssec_msg *));
    assert_int_equal(msg->njobs, 0);
    assert_int_equal(msg->nclaimed, 0);
    assert_int_equal(wssec_msg_error(msg)->code, 0); /* nothing recorded by the no-ops */
    assert_false(msg->oracle_risk);
    assert_false(msg->decrypted);
    wssec_msg_free(msg);
    wssec_ctx_free(ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_null_arguments),
        cmocka_unit_test(test_init_functions),
        cmocka_unit_test(test_versions_refused_clearly),
        cmocka_unit_test(test_null_arguments_decryption_protocol),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
