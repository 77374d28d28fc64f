/*
 * One context and its replay cache shared by several threads: every
 * UsernameToken message is accepted exactly once in total. And one context
 * whose certificate pool and certificate cache (each a table under a lock)
 * are shared: every signed message gets the same verdict in every thread.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>

#include "helpers.h"

#define N_MSG 200
#define N_THREADS 4

typedef struct shared {
    wssec_ctx *ctx;
    char *msgs[N_MSG];
    int accepted[N_MSG];
    int replayed[N_MSG];
    int other;      /* any other outcome: a failure */
    int other_code; /* the first such code */
    int mismatched_caller;
} shared;

typedef struct worker {
    shared *sh;
    int index;
} worker;

static void *run(void *arg)
{
    worker *w = arg;
    shared *sh = w->sh;
    for (int k = 0; k < N_MSG; k++) {
        /* threads start at different places and go in different directions */
        int i = (w->index % 2 ? N_MSG - 1 - k : k);
        i = (i + w->index * (N_MSG / N_THREADS)) % N_MSG;
        wssec_msg *msg = NULL;
        wssec_result *res = NULL;
        int rc = wssec_msg_new(&msg, sh->ctx);
        if (rc == 0) rc = wssec_msg_parse(msg, sh->msgs[i], strlen(sh->msgs[i]));
        if (rc == 0) {
            rc = wssec_verify(&res, msg);
            if (rc == 0) {
                const char *caller = wssec_result_caller(res);
                const char *want = i % 2 ? "bob" : "alice";
                if (!caller || strcmp(caller, want) != 0)
                    __atomic_add_fetch(&sh->mismatched_caller, 1, __ATOMIC_RELAXED);
            }
        }
        if (rc == 0) {
            __atomic_add_fetch(&sh->accepted[i], 1, __ATOMIC_RELAXED);
        } else if (rc == WSSEC_EREPLAY && res &&
                   strcmp(wssec_result_error(res)->fault, "wsse:FailedAuthentication") == 0) {
            __atomic_add_fetch(&sh->replayed[i], 1, __ATOMIC_RELAXED);
        } else {
            int zero = 0;
            __atomic_compare_exchange_n(&sh->other_code, &zero, rc, 0, __ATOMIC_RELAXED,
                                        __ATOMIC_RELAXED);
            __atomic_add_fetch(&sh->other, 1, __ATOMIC_RELAXED);
        }
        wssec_result_free(res);
        wssec_msg_free(msg);
    }
    return NULL;
}

static int setup(void **state)
{
    shared *sh = calloc(1, sizeof(*sh));
    if (!sh) return -1;
    sh->ctx = h_ctx("replay-cache-size", "1000", "require", "timestamp,username-token", NULL);
    char *plain = h_envelope_header(11, NULL);
    static const char *const actions[] = { "timestamp", "username-token" };
    for (int i = 0; i < N_MSG; i++)
        sh->msgs[i] = h_secure(sh->ctx, plain, actions, 2, i % 2 ? "bob" : "alice");
    free(plain);
    *state = sh;
    return 0;
}

static int teardown(void **state)
{
    shared *sh = *state;
    for (int i = 0; i < N_MSG; i++) free(sh->msgs[i]);
    wssec_ctx_free(sh->ctx);
    free(sh);
    return 0;
}

static void test_each_message_accepted_once(void **state)
{
    shared *sh = *state;
    /* the messages are distinct: their nonces differ */
    for (int i = 1; i < N_MSG; i++) assert_string_not_equal(sh->msgs[i], sh->msgs[i - 1]);
    pthread_t t[N_THREADS];
    worker w[N_THREADS];
    for (int i = 0; i < N_THREADS; i++) {
        w[i].sh = sh;
        w[i].index = i;
        assert_int_equal(pthread_create(&t[i], NULL, run, &w[i]), 0);
    }
    for (int i = 0; i < N_THREADS; i++) assert_int_equal(pthread_join(t[i], NULL), 0);
    if (sh->other) print_error("%d other outcomes, first %s\n", sh->other,
                               wssec_code_name(sh->other_code));
    assert_int_equal(sh->other, 0);
    assert_int_equal(sh->mismatched_caller, 0);
    int total_ok = 0, total_replay = 0;
    for (int i = 0; i < N_MSG; i++) {
        if (sh->accepted[i] != 1) print_error("message %d accepted %d times\n", i, sh->accepted[i]);
        assert_int_equal(sh->accepted[i], 1);
        assert_int_equal(sh->replayed[i], N_THREADS - 1);
        total_ok += sh->accepted[i];
        total_replay += sh->replayed[i];
    }
    assert_int_equal(total_ok, N_MSG);
    assert_int_equal(total_replay, N_MSG * (N_THREADS - 1));
}

/* ---- the certificate pool and the certificate cache, shared ---- */

#define N_SIGNERS 3
#define N_ROUNDS 40

typedef struct signed_shared {
    wssec_ctx *ctx;
    char *msgs[N_SIGNERS]; /* alice, bob: accepted; expired: refused */
    int wrong;             /* verdicts other than the expected one */
    int hits;              /* answers from the certificate cache */
} signed_shared;

static void *run_signed(void *arg)
{
    signed_shared *sh = arg;
    for (int k = 0; k < N_ROUNDS * N_SIGNERS; k++) {
        int i = k % N_SIGNERS;
        wssec_msg *msg = NULL;
        wssec_result *res = NULL;
        int rc = wssec_msg_new(&msg, sh->ctx);
        if (rc == 0) rc = wssec_msg_parse(msg, sh->msgs[i], strlen(sh->msgs[i]));
        if (rc == 0) rc = wssec_verify(&res, msg);
        if (rc != (i < 2 ? 0 : WSSEC_EUNTRUSTED)) __atomic_add_fetch(&sh->wrong, 1, __ATOMIC_RELAXED);
        for (size_t t = 0; rc == 0 && res && wssec_result_token(res, t); t++)
            if (wssec_token_get(wssec_result_token(res, t), "cert-cache"))
                __atomic_add_fetch(&sh->hits, 1, __ATOMIC_RELAXED);
        wssec_result_free(res);
        wssec_msg_free(msg);
    }
    return NULL;
}

static void test_shared_certificate_caches(void **state)
{
    (void)state;
    static const char *const who[N_SIGNERS] = { "alice", "bob", "expired" };
    static const char *const actions[] = { "timestamp", "signature" };
    signed_shared sh;
    memset(&sh, 0, sizeof(sh));
    /* a small cache (8 chains, cert-cache-size), never replays: the same
     * messages again and again */
    sh.ctx = h_receiver("cert-cache", "true", "cert-cache-size", "8", "replay-signatures",
                        "false", NULL);
    char *plain = h_envelope_header(11, NULL);
    for (int i = 0; i < N_SIGNERS; i++) {
        wssec_ctx *signer = h_signer(who[i], NULL);
        sh.msgs[i] = h_secure(signer, plain, actions, 2, NULL);
        wssec_ctx_free(signer);
    }
    free(plain);
    pthread_t t[N_THREADS];
    for (int i = 0; i < N_THREADS; i++)
        assert_int_equal(pthread_create(&t[i], NULL, run_signed, &sh), 0);
    for (int i = 0; i < N_THREADS; i++) assert_int_equal(pthread_join(t[i], NULL), 0);
    assert_int_equal(sh.wrong, 0);
    /* alice and bob are validated at most once per thread, then cached */
    assert_true(sh.hits >= 2 * (N_ROUNDS - 1) * N_THREADS);
    for (int i = 0; i < N_SIGNERS; i++) free(sh.msgs[i]);
    wssec_ctx_free(sh.ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_each_message_accepted_once, setup, teardown),
        cmocka_unit_test(test_shared_certificate_caches),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    xmlCleanupParser();
    return rc;
}
