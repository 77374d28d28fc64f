/*
 * Replay caches: the in-memory back end, key derivation, custom back ends,
 * reference counting.
 */
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>

#include "helpers.h"

static void key_of(unsigned char key[WSSEC_REPLAY_KEY_LEN], const char *s)
{
    assert_int_equal(wssec_replay_key(key, "test", "id", (const unsigned char *)s, strlen(s)), 0);
}

typedef struct fixture {
    wssec_replay_cache *cache;
} fixture;

static int setup_small(void **state)
{
    fixture *f = calloc(1, sizeof(*f));
    if (!f) return -1;
    if (wssec_replay_cache_memory_new(&f->cache, 3)) return -1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    wssec_replay_cache_release(f->cache);
    free(f);
    return 0;
}

static void test_insert_duplicate(void **state)
{
    fixture *f = *state;
    unsigned char k[WSSEC_REPLAY_KEY_LEN];
    char why[64];
    key_of(k, "a");
    assert_string_equal(wssec_replay_cache_name(f->cache), "memory");
    assert_int_equal(wssec_replay_cache_insert(f->cache, k, 2000, 1000, why, sizeof(why)), 0);
    assert_int_equal(wssec_replay_cache_insert(f->cache, k, 2000, 1000, why, sizeof(why)),
                     WSSEC_EREPLAY);
    assert_int_equal(wssec_replay_cache_insert(f->cache, k, 9000, 1999, NULL, 0), WSSEC_EREPLAY);
    /* expired at 2000 (expiry is exclusive): accepted again, with the new expiry */
    assert_int_equal(wssec_replay_cache_insert(f->cache, k, 5000, 2000, why, sizeof(why)), 0);
    assert_int_equal(wssec_replay_cache_insert(f->cache, k, 9000, 4999, why, sizeof(why)),
                     WSSEC_EREPLAY);
    assert_int_equal(wssec_replay_cache_insert(f->cache, k, 9000, 5000, why, sizeof(why)), 0);
}

static void test_full_refuses_rather_than_evicts(void **state)
{
    fixture *f = *state; /* 3 entries */
    unsigned char k[5][WSSEC_REPLAY_KEY_LEN];
    char why[64];
    for (int i = 0; i < 5; i++) {
        char s[2] = { (char)('a' + i), 0 };
        key_of(k[i], s);
    }
    assert_int_equal(wssec_replay_cache_insert(f->cache, k[0], 1000, 0, why, sizeof(why)), 0);
    assert_int_equal(wssec_replay_cache_insert(f->cache, k[1], 5000, 0, why, sizeof(why)), 0);
    assert_int_equal(wssec_replay_cache_insert(f->cache, k[2], 5000, 0, why, sizeof(why)), 0);
    why[0] = 'x';
    assert_int_equal(wssec_replay_cache_insert(f->cache, k[3], 5000, 500, why, sizeof(why)),
                     WSSEC_ELIMIT);
    h_assert_contains(why, "3 live entries");
    /* nothing was evicted: every live entry is still a replay */
    for (int i = 0; i < 3; i++)
        assert_int_equal(wssec_replay_cache_insert(f->cache, k[i], 5000, 500, why, sizeof(why)),
                         WSSEC_EREPLAY);
    /* k[0] expires at 1000: its slot is freed for a new key */
    assert_int_equal(wssec_replay_cache_insert(f->cache, k[3], 5000, 1000, why, sizeof(why)), 0);
    assert_int_equal(wssec_replay_cache_insert(f->cache, k[4], 5000, 1000, why, sizeof(why)),
                     WSSEC_ELIMIT);
    assert_int_equal(wssec_replay_cache_insert(f->cache, k[3], 5000, 1000, why, sizeof(why)),
                     WSSEC_EREPLAY);
    /* after everything expires, all are accepted again */
    for (int i = 0; i < 3; i++)
        assert_int_equal(wssec_replay_cache_insert(f->cache, k[i + 2], 9000, 5000, why, sizeof(why)),
                         0);
}

static void test_many_entries(void **state)
{
    (void)state;
    wssec_replay_cache *c = NULL;
    assert_int_equal(wssec_replay_cache_memory_new(&c, 1000), 0);
    unsigned char k[WSSEC_REPLAY_KEY_LEN];
    for (unsigned i = 0; i < 1000; i++) {
        assert_int_equal(wssec_replay_key(k, "d", "i", (unsigned char *)&i, sizeof(i)), 0);
        assert_int_equal(wssec_replay_cache_insert(c, k, 10, 0, NULL, 0), 0);
    }
    for (unsigned i = 0; i < 1000; i++) {
        assert_int_equal(wssec_replay_key(k, "d", "i", (unsigned char *)&i, sizeof(i)), 0);
        assert_int_equal(wssec_replay_cache_insert(c, k, 10, 0, NULL, 0), WSSEC_EREPLAY);
    }
    unsigned extra = 5000;
    assert_int_equal(wssec_replay_key(k, "d", "i", (unsigned char *)&extra, sizeof(extra)), 0);
    assert_int_equal(wssec_replay_cache_insert(c, k, 20, 5, NULL, 0), WSSEC_ELIMIT);
    assert_int_equal(wssec_replay_cache_insert(c, k, 20, 10, NULL, 0), 0);
    wssec_replay_cache_release(c);
    assert_int_equal(wssec_replay_cache_memory_new(&c, 0), WSSEC_EINVALID);
    assert_null(c);
}

static void test_keys(void **state)
{
    (void)state;
    unsigned char a[WSSEC_REPLAY_KEY_LEN], b[WSSEC_REPLAY_KEY_LEN];
    const unsigned char *d = (const unsigned char *)"data";
    assert_int_equal(wssec_replay_key(a, "dom", "alice", d, 4), 0);
    assert_int_equal(wssec_replay_key(b, "dom", "alice", d, 4), 0);
    assert_memory_equal(a, b, sizeof(a));
    assert_int_equal(wssec_replay_key(b, "dom2", "alice", d, 4), 0);
    assert_memory_not_equal(a, b, sizeof(a));
    assert_int_equal(wssec_replay_key(b, "dom", "bob", d, 4), 0);
    assert_memory_not_equal(a, b, sizeof(a));
    assert_int_equal(wssec_replay_key(b, "dom", "alice", d, 3), 0);
    assert_memory_not_equal(a, b, sizeof(a));
    assert_int_equal(wssec_replay_key(b, "dom", "alice", (const unsigned char *)"datb", 4), 0);
    assert_memory_not_equal(a, b, sizeof(a));
    /* length prefixes: moving a boundary changes the key */
    assert_int_equal(wssec_replay_key(a, "d", "ab", (const unsigned char *)"c", 1), 0);
    assert_int_equal(wssec_replay_key(b, "d", "a", (const unsigned char *)"bc", 2), 0);
    assert_memory_not_equal(a, b, sizeof(a));
    assert_int_equal(wssec_replay_key(a, "ab", "c", d, 0), 0);
    assert_int_equal(wssec_replay_key(b, "a", "bc", d, 0), 0);
    assert_memory_not_equal(a, b, sizeof(a));
    /* empty fields are fine and distinct from absent data */
    assert_int_equal(wssec_replay_key(a, "", "", d, 0), 0);
    assert_int_equal(wssec_replay_key(b, "", "", (const unsigned char *)"\0", 1), 0);
    assert_memory_not_equal(a, b, sizeof(a));
}

/* ---- a custom back end ---- */

typedef struct backend {
    int rc;          /* what insert returns */
    int inserts;     /* calls */
    int destroyed;
} backend;

static int be_insert(void *state, const unsigned char key[WSSEC_REPLAY_KEY_LEN], wssec_time expires,
                     wssec_time now, char *errbuf, size_t errlen)
{
    (void)key;
    backend *b = state;
    b->inserts++;
    assert_true(expires > now);
    if (b->rc) snprintf(errbuf, errlen, "connection refused");
    return b->rc;
}

static void be_destroy(void *state)
{
    backend *b = state;
    b->destroyed++;
}

static const wssec_replay_ops be_ops = { WSSEC_REPLAY_OPS_VERSION, "redis-test", be_insert,
                                         be_destroy };

static void test_backend_failure(void **state)
{
    (void)state;
    backend be = { .rc = WSSEC_EBACKEND };
    wssec_replay_cache *cache = NULL;
    assert_int_equal(wssec_replay_cache_new(&cache, &be_ops, &be), 0);
    wssec_config *cfg = NULL;
    assert_int_equal(wssec_config_new(&cfg), 0);
    assert_int_equal(wssec_config_set(cfg, "now", H_NOW_TEXT), 0);
    assert_int_equal(wssec_config_set(cfg, "require", "username-token"), 0);
    wssec_config_set_password_cb(cfg, h_password_cb, NULL);
    wssec_config_set_replay_cache(cfg, cache);
    wssec_ctx *ctx = NULL;
    assert_int_equal(wssec_ctx_new(&ctx, cfg), 0);
    wssec_config_free(cfg);
    wssec_replay_cache_release(cache); /* the context holds its own reference */
    assert_int_equal(be.destroyed, 0);
    assert_string_equal(wssec_ctx_replay_cache_name(ctx), "redis-test");

    char *ut = h_ut_digest("alice", "alice-s3cret", "be-nonce", "2025-06-01T12:00:00Z");
    char *xml = h_envelope(11, "%s", ut);
    h_run r;
    assert_int_equal(h_verify(&r, ctx, xml), WSSEC_EBACKEND);
    const wssec_error *e = h_run_err(&r);
    h_assert_error(e, WSSEC_EBACKEND, "soap:Server", "redis-test");
    assert_int_equal(e->category, WSSEC_CAT_INTERNAL);
    h_assert_contains(e->message, "connection refused");
    assert_null(wssec_result_caller(r.res));
    assert_int_equal(be.inserts, 1);
    h_run_free(&r);

    /* a full cache refuses the message, naming the limit */
    be.rc = WSSEC_ELIMIT;
    assert_int_equal(h_verify(&r, ctx, xml), WSSEC_ELIMIT);
    h_assert_error(h_run_err(&r), WSSEC_ELIMIT, "wsse:InvalidSecurity", "replay cache full");
    h_run_free(&r);

    /* the back end's "present" is a replay */
    be.rc = WSSEC_EREPLAY;
    assert_int_equal(h_verify(&r, ctx, xml), WSSEC_EREPLAY);
    h_assert_error(h_run_err(&r), WSSEC_EREPLAY, "wsse:FailedAuthentication", "already used");
    h_run_free(&r);

    /* inspection never calls the back end */
    be.rc = WSSEC_EBACKEND;
    int before = be.inserts;
    assert_int_equal(h_inspect(&r, ctx, xml), 0);
    assert_int_equal(wssec_token_status(wssec_result_token(r.res, 0)), 0);
    assert_int_equal(be.inserts, before);
    h_run_free(&r);

    free(ut);
    free(xml);
    wssec_ctx_free(ctx);
    assert_int_equal(be.destroyed, 1);
}

static void test_refcount(void **state)
{
    (void)state;
    backend be = { 0 };
    wssec_replay_cache *cache = NULL;
    assert_int_equal(wssec_replay_cache_new(&cache, &be_ops, &be), 0);
    assert_ptr_equal(wssec_replay_cache_retain(cache), cache);
    assert_ptr_equal(wssec_replay_cache_retain(cache), cache);
    wssec_replay_cache_release(cache);
    wssec_replay_cache_release(cache);
    assert_int_equal(be.destroyed, 0);
    unsigned char k[WSSEC_REPLAY_KEY_LEN] = { 0 };
    assert_int_equal(wssec_replay_cache_insert(cache, k, 2, 1, NULL, 0), 0);
    wssec_replay_cache_release(cache);
    assert_int_equal(be.destroyed, 1);
    assert_null(wssec_replay_cache_retain(NULL));
    wssec_replay_cache_release(NULL);

    /* two contexts share one cache */
    assert_int_equal(wssec_replay_cache_memory_new(&cache, 10), 0);
    wssec_ctx *ctx[2];
    for (int i = 0; i < 2; i++) {
        wssec_config *cfg = NULL;
        assert_int_equal(wssec_config_new(&cfg), 0);
        assert_int_equal(wssec_config_set(cfg, "now", H_NOW_TEXT), 0);
        wssec_config_set_password_cb(cfg, h_password_cb, NULL);
        wssec_config_set_replay_cache(cfg, cache);
        wssec_config_set_replay_cache(cfg, cache); /* again: no extra reference kept */
        assert_int_equal(wssec_ctx_new(&ctx[i], cfg), 0);
        wssec_config_free(cfg);
    }
    wssec_replay_cache_release(cache);
    char *ut = h_ut_digest("alice", "alice-s3cret", "shared", "2025-06-01T12:00:00Z");
    char *xml = h_envelope(11, "%s", ut);
    h_run r;
    assert_int_equal(h_verify(&r, ctx[0], xml), WSSEC_EPOLICY); /* no Timestamp: default policy */
    h_run_free(&r);
    /* the nonce was recorded before the policy ran: the second context sees a replay */
    assert_int_equal(h_verify(&r, ctx[1], xml), WSSEC_EREPLAY);
    h_run_free(&r);
    wssec_ctx_free(ctx[0]);
    wssec_ctx_free(ctx[1]);
    free(ut);
    free(xml);

    static const wssec_replay_ops bad = { 99, "x", be_insert, be_destroy };
    assert_int_equal(wssec_replay_cache_new(&cache, &bad, &be), WSSEC_EINVALID);
    assert_null(cache);
    static const wssec_replay_ops noinsert = { WSSEC_REPLAY_OPS_VERSION, "x", NULL, be_destroy };
    assert_int_equal(wssec_replay_cache_new(&cache, &noinsert, &be), WSSEC_EINVALID);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_insert_duplicate, setup_small, teardown),
        cmocka_unit_test_setup_teardown(test_full_refuses_rather_than_evicts, setup_small, teardown),
        cmocka_unit_test(test_many_entries),
        cmocka_unit_test(test_keys),
        cmocka_unit_test(test_backend_failure),
        cmocka_unit_test(test_refcount),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    xmlCleanupParser();
    return rc;
}
