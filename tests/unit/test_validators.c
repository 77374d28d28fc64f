/*
 * Validators (include/wssec/validate.h): a certificate validator that
 * refuses a certificate the default trusts, one that accepts a pinned
 * certificate the default refuses, one that calls the default and adds a
 * check, time validators that refuse and accept, validators that return
 * values that are no wssec code (fail closed), the setters' version checks,
 * NULL restoring the default, and the default time validator on its own.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "helpers.h"

static const char *const sign_actions[] = { "timestamp", "signature" };

/* A message signed by a test PKI leaf, its certificate in an X509v3 token. */
static char *signed_by(const char *who)
{
    wssec_ctx *ctx = h_signer(who, NULL);
    char *plain = h_envelope_header(11, NULL);
    char *out = h_secure(ctx, plain, sign_actions, 2, NULL);
    free(plain);
    wssec_ctx_free(ctx);
    return out;
}

/* A receiving context: the fixed clock, the option pairs (NULL-terminated),
 * and the validators given (NULL: the default). */
static wssec_ctx *receiver(const char *const *pairs, const wssec_cert_validator *cv, void *cud,
                           const wssec_time_validator *tv, void *tud)
{
    wssec_config *cfg = NULL;
    assert_int_equal(wssec_config_new(&cfg), 0);
    assert_int_equal(wssec_config_set(cfg, "now", H_NOW_TEXT), 0);
    for (size_t i = 0; pairs && pairs[i]; i += 2)
        assert_int_equal(wssec_config_set(cfg, pairs[i], pairs[i + 1]), 0);
    assert_int_equal(wssec_config_set_cert_validator(cfg, cv, cud), 0);
    assert_int_equal(wssec_config_set_time_validator(cfg, tv, tud), 0);
    wssec_ctx *ctx = NULL;
    int rc = wssec_ctx_new(&ctx, cfg);
    if (rc) print_error("%s\n", wssec_config_error(cfg)->message);
    assert_int_equal(rc, 0);
    wssec_config_free(cfg);
    return ctx;
}

static const char *const trusting[] = { "trust", H_PKI "root.crt", "certs", H_PKI "inter.crt",
                                        NULL };

/* Verifies xml; returns the code, the error message into why (and the
 * caller into caller, when accepted). */
static int run(const wssec_ctx *ctx, const char *xml, char *why, size_t size, char *caller,
               size_t csize)
{
    h_run r;
    int rc = h_verify(&r, ctx, xml);
    snprintf(why, size, "%s", rc ? h_run_err(&r)->message : "");
    if (rc) assert_string_equal(h_run_err(&r)->fault, wssec_code_fault(rc));
    if (caller) snprintf(caller, csize, "%s", rc ? "" : wssec_result_caller(r.res));
    h_run_free(&r);
    return rc;
}

/* ---- certificate validators ---- */

typedef struct cert_seen {
    int calls;
    wssec_cert_usage usage;
    char role[32];
    wssec_time now;
    int presented; /* number of certificates presented, -1 for NULL */
    int has_crls;
} cert_seen;

static int refuse_all(const wssec_cert_check *check, char *why, size_t whylen, void *userdata)
{
    cert_seen *seen = userdata;
    seen->calls++;
    seen->usage = check->usage;
    snprintf(seen->role, sizeof(seen->role), "%s", check->role);
    seen->now = check->now;
    seen->presented = check->presented ? sk_X509_num((STACK_OF(X509) *)check->presented) : -1;
    seen->has_crls = check->crls != NULL;
    snprintf(why, whylen, "%s refused by the test: no certificate is good enough", check->role);
    return WSSEC_EUNTRUSTED;
}

static void test_cert_refuses_trusted(void **state)
{
    (void)state;
    char *alice = signed_by("alice"), why[600];
    /* the default trusts it */
    wssec_ctx *plain = receiver(trusting, NULL, NULL, NULL, NULL);
    assert_int_equal(run(plain, alice, why, sizeof(why), NULL, 0), 0);
    wssec_ctx_free(plain);

    cert_seen seen = { 0 };
    const wssec_cert_validator v = { WSSEC_CERT_VALIDATOR_VERSION, "refuse-all", refuse_all };
    wssec_ctx *ctx = receiver(trusting, &v, &seen, NULL, NULL);
    h_run r;
    assert_int_equal(h_verify(&r, ctx, alice), WSSEC_EUNTRUSTED);
    h_assert_error(h_run_err(&r), WSSEC_EUNTRUSTED, "wsse:FailedAuthentication", NULL);
    assert_string_equal(h_run_err(&r)->message,
                        "signer refused by the test: no certificate is good enough");
    h_assert_contains(h_run_err(&r)->subject, "/Signature");
    assert_null(wssec_result_caller(r.res));
    h_run_free(&r);
    /* what the validator was given */
    assert_int_equal(seen.calls, 1);
    assert_int_equal(seen.usage, WSSEC_CERT_USE_SIGN);
    assert_string_equal(seen.role, "signer");
    assert_true(seen.now == H_NOW);
    assert_false(seen.has_crls);
    wssec_ctx_free(ctx);
    free(alice);
}

/* Accepts exactly the certificate whose SHA-256 is the userdata's, whatever
 * the trust anchors say. */
static int pin(const wssec_cert_check *check, char *why, size_t whylen, void *userdata)
{
    const unsigned char *want = userdata;
    unsigned char d[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    if (!X509_digest((X509 *)check->leaf, EVP_sha256(), d, &n)) return WSSEC_ENOMEM;
    if (n == 32 && memcmp(d, want, 32) == 0) return 0;
    snprintf(why, whylen, "%s certificate is not the pinned one", check->role);
    return WSSEC_EUNTRUSTED;
}

static void pin_of(const char *who, unsigned char out[32])
{
    char path[256];
    snprintf(path, sizeof(path), H_PKI "%s.crt", who);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    X509 *x = PEM_read_X509(f, NULL, NULL, NULL);
    fclose(f);
    assert_non_null(x);
    unsigned int n = 0;
    assert_true(X509_digest(x, EVP_sha256(), out, &n) && n == 32);
    X509_free(x);
}

static void test_cert_pin_accepts_what_default_refuses(void **state)
{
    (void)state;
    /* evil-alice chains to a root that is no trust anchor */
    char *evil = signed_by("evil-alice"), *alice = signed_by("alice"), why[600], caller[600];
    wssec_ctx *plain = receiver(trusting, NULL, NULL, NULL, NULL);
    assert_int_equal(run(plain, evil, why, sizeof(why), NULL, 0), WSSEC_EUNTRUSTED);
    wssec_ctx_free(plain);

    unsigned char want[32];
    pin_of("evil-alice", want);
    const wssec_cert_validator v = { WSSEC_CERT_VALIDATOR_VERSION, "pin", pin };
    wssec_ctx *ctx = receiver(trusting, &v, want, NULL, NULL);
    assert_int_equal(run(ctx, evil, why, sizeof(why), caller, sizeof(caller)), 0);
    h_assert_contains(caller, "CN=alice");
    /* and refuses what the default trusts but is not pinned */
    assert_int_equal(run(ctx, alice, why, sizeof(why), NULL, 0), WSSEC_EUNTRUSTED);
    assert_string_equal(why, "signer certificate is not the pinned one");
    wssec_ctx_free(ctx);

    /* a pin without any trust anchor: the default would say none is configured */
    const char *none[] = { NULL };
    ctx = receiver(none, &v, want, NULL, NULL);
    assert_int_equal(run(ctx, evil, why, sizeof(why), NULL, 0), 0);
    wssec_ctx_free(ctx);
    free(evil);
    free(alice);
}

/* The default, then a check of its own: the subject must be alice's. */
static int default_then_alice(const wssec_cert_check *check, char *why, size_t whylen,
                              void *userdata)
{
    int *calls = userdata;
    (*calls)++;
    int rc = wssec_cert_validate_default(check, why, whylen);
    if (rc) return rc;
    char cn[64] = "";
    X509_NAME_get_text_by_NID(X509_get_subject_name((X509 *)check->leaf), NID_commonName, cn,
                              sizeof(cn));
    if (strcmp(cn, "alice") == 0) return 0;
    snprintf(why, whylen, "%s '%s' is not alice", check->role, cn);
    return WSSEC_EUNTRUSTED;
}

static void test_cert_calls_default(void **state)
{
    (void)state;
    char *alice = signed_by("alice"), *bob = signed_by("bob"), *evil = signed_by("evil-alice");
    char why[600], want[600];
    int calls = 0;
    const wssec_cert_validator v = { WSSEC_CERT_VALIDATOR_VERSION, "alice-only",
                                     default_then_alice };
    wssec_ctx *ctx = receiver(trusting, &v, &calls, NULL, NULL);
    wssec_ctx *plain = receiver(trusting, NULL, NULL, NULL, NULL);
    /* the default accepts, and so does the added check */
    assert_int_equal(run(ctx, alice, why, sizeof(why), NULL, 0), 0);
    /* the default accepts, the added check refuses */
    assert_int_equal(run(plain, bob, why, sizeof(why), NULL, 0), 0);
    assert_int_equal(run(ctx, bob, why, sizeof(why), NULL, 0), WSSEC_EUNTRUSTED);
    assert_string_equal(why, "signer 'bob' is not alice");
    /* the default refuses: the very words a context without a validator gives */
    assert_int_equal(run(plain, evil, want, sizeof(want), NULL, 0), WSSEC_EUNTRUSTED);
    assert_int_equal(run(ctx, evil, why, sizeof(why), NULL, 0), WSSEC_EUNTRUSTED);
    assert_string_equal(why, want);
    h_assert_contains(why, "signer 'CN=alice");
    assert_int_equal(calls, 3);
    wssec_ctx_free(plain);
    wssec_ctx_free(ctx);
    free(alice);
    free(bob);
    free(evil);
}

static void test_cert_default_refuses_bad_check(void **state)
{
    (void)state;
    char why[200];
    wssec_cert_check check = WSSEC_CERT_CHECK_INIT;
    /* no message, no certificate */
    assert_int_equal(wssec_cert_validate_default(&check, why, sizeof(why)), WSSEC_EINVALID);
    h_assert_contains(why, "wssec_cert_validate_default");
    check.version = WSSEC_CERT_CHECK_VERSION + 1;
    assert_int_equal(wssec_cert_validate_default(&check, why, sizeof(why)), WSSEC_EINVALID);
}

/* Returns whatever int the userdata holds, with no reason. */
static int return_value(const wssec_cert_check *check, char *why, size_t whylen, void *userdata)
{
    (void)check;
    (void)why;
    (void)whylen;
    return *(const int *)userdata;
}

static void test_cert_bogus_values_fail_closed(void **state)
{
    (void)state;
    char *alice = signed_by("alice"), why[600];
    static const struct {
        int value, code;
        const char *needle;
    } rows[] = {
        { 1, WSSEC_EUNTRUSTED,
          "certificate validator 'bogus' returned 1, which is neither 0 nor a wssec error code: "
          "signer 'CN=alice" },
        { 42, WSSEC_EUNTRUSTED, "returned 42, which is neither 0 nor a wssec error code" },
        { -WSSEC_CODE_COUNT, WSSEC_EUNTRUSTED, "which is neither 0 nor a wssec error code" },
        { -1000, WSSEC_EUNTRUSTED, "returned -1000" },
        /* a wssec code passes through, with a reason naming the validator */
        { WSSEC_EBACKEND, WSSEC_EBACKEND,
          "signer 'CN=alice,OU=Clients,O=wssec test,C=US' (issuer 'CN=wssec Test Issuing CA" },
        { WSSEC_EUNTRUSTED, WSSEC_EUNTRUSTED, "is refused by certificate validator 'bogus' (no "
                                              "reason given)" },
        { 0, 0, NULL },
    };
    for (size_t i = 0; i < WSSEC_ARRAY_LEN(rows); i++) {
        int value = rows[i].value;
        const wssec_cert_validator v = { WSSEC_CERT_VALIDATOR_VERSION, "bogus", return_value };
        wssec_ctx *ctx = receiver(trusting, &v, &value, NULL, NULL);
        int rc = run(ctx, alice, why, sizeof(why), NULL, 0);
        if (rc != rows[i].code) print_error("value %d: %s '%s'\n", value, wssec_code_name(rc), why);
        assert_int_equal(rc, rows[i].code);
        if (rows[i].needle) h_assert_contains(why, rows[i].needle);
        wssec_ctx_free(ctx);
    }
    free(alice);
}

static void test_cert_setter(void **state)
{
    (void)state;
    wssec_config *cfg = NULL;
    assert_int_equal(wssec_config_new(&cfg), 0);
    wssec_cert_validator v;
    assert_int_equal(wssec_cert_validator_init(&v, 0), WSSEC_EINVALID);
    assert_int_equal(wssec_cert_validator_init(&v, WSSEC_CERT_VALIDATOR_VERSION + 1), WSSEC_EINVALID);
    assert_int_equal(wssec_cert_validator_init(&v, WSSEC_CERT_VALIDATOR_VERSION), 0);
    assert_int_equal(v.version, WSSEC_CERT_VALIDATOR_VERSION);
    assert_null(v.validate);
    assert_null(v.name);
    /* no callback, or a version this library does not know: refused */
    assert_int_equal(wssec_config_set_cert_validator(cfg, &v, NULL), WSSEC_EINVALID);
    h_assert_contains(wssec_config_error(cfg)->message, "certificate validator");
    v.validate = refuse_all;
    v.version = 0;
    assert_int_equal(wssec_config_set_cert_validator(cfg, &v, NULL), WSSEC_EINVALID);
    v.version = WSSEC_CERT_VALIDATOR_VERSION + 1;
    assert_int_equal(wssec_config_set_cert_validator(cfg, &v, NULL), WSSEC_EINVALID);
    wssec_cert_check c;
    assert_int_equal(wssec_cert_check_init(&c, 0), WSSEC_EINVALID);
    assert_int_equal(wssec_cert_check_init(&c, WSSEC_CERT_CHECK_VERSION), 0);
    assert_int_equal(c.version, WSSEC_CERT_CHECK_VERSION);
    assert_null(c.leaf);
    assert_null(c.msg);
    /* no option of the file or the command line installs a validator */
    assert_int_equal(wssec_config_has_option("cert-validator"), 0);
    assert_int_equal(wssec_config_has_option("time-validator"), 0);
    assert_int_equal(wssec_config_has_option("validator"), 0);
    wssec_config_free(cfg);

    /* NULL restores the default */
    char *alice = signed_by("alice"), why[600];
    cert_seen seen = { 0 };
    assert_int_equal(wssec_config_new(&cfg), 0);
    assert_int_equal(wssec_config_set(cfg, "now", H_NOW_TEXT), 0);
    for (size_t i = 0; trusting[i]; i += 2)
        assert_int_equal(wssec_config_set(cfg, trusting[i], trusting[i + 1]), 0);
    v.version = WSSEC_CERT_VALIDATOR_VERSION;
    assert_int_equal(wssec_config_set_cert_validator(cfg, &v, &seen), 0);
    assert_int_equal(wssec_config_set_cert_validator(cfg, NULL, NULL), 0);
    wssec_ctx *ctx = NULL;
    assert_int_equal(wssec_ctx_new(&ctx, cfg), 0);
    wssec_config_free(cfg);
    assert_int_equal(run(ctx, alice, why, sizeof(why), NULL, 0), 0);
    assert_int_equal(seen.calls, 0);
    wssec_ctx_free(ctx);
    free(alice);
}

/* ---- time validators ---- */

#define CREATED(t) "<wsu:Created>" t "</wsu:Created>"
#define EXPIRES(t) "<wsu:Expires>" t "</wsu:Expires>"
#define TS(inner) "<wsu:Timestamp>" inner "</wsu:Timestamp>"

static const char *const want_ts[] = { "require", "timestamp", NULL };

typedef struct time_seen {
    int calls;
    wssec_time_check check;
    char created[64], expires[64];
    int value; /* what to return */
    wssec_time_field about;
} time_seen;

static int time_record(const wssec_time_check *check, wssec_time_field *about, char *why,
                       size_t whylen, void *userdata)
{
    time_seen *s = userdata;
    s->calls++;
    s->check = *check;
    snprintf(s->created, sizeof(s->created), "%s", check->created_text ? check->created_text : "");
    snprintf(s->expires, sizeof(s->expires), "%s", check->expires_text ? check->expires_text : "");
    if (s->value == WSSEC_EEXPIRED) {
        *about = s->about;
        snprintf(why, whylen, "Timestamp refused by the test");
    }
    return s->value;
}

static void test_time_refuses(void **state)
{
    (void)state;
    char *xml = h_envelope(11, "%s", TS(CREATED("2025-06-01T11:59:00Z") EXPIRES("2025-06-01T12:04:00Z")));
    char why[600];
    /* the default accepts it */
    wssec_ctx *plain = receiver(want_ts, NULL, NULL, NULL, NULL);
    assert_int_equal(run(plain, xml, why, sizeof(why), NULL, 0), 0);
    wssec_ctx_free(plain);

    time_seen seen = { .value = WSSEC_EEXPIRED, .about = WSSEC_TIME_EXPIRES };
    const wssec_time_validator v = { WSSEC_TIME_VALIDATOR_VERSION, "strict", time_record };
    wssec_ctx *ctx = receiver(want_ts, NULL, NULL, &v, &seen);
    h_run r;
    assert_int_equal(h_verify(&r, ctx, xml), WSSEC_EEXPIRED);
    h_assert_error(h_run_err(&r), WSSEC_EEXPIRED, "wsse:MessageExpired", NULL);
    assert_string_equal(h_run_err(&r)->message, "Timestamp refused by the test");
    /* the subject is the time the refusal is about */
    h_assert_contains(h_run_err(&r)->subject, "/Envelope/Header/Security/Timestamp/Expires");
    h_run_free(&r);
    /* what the validator was given */
    assert_int_equal(seen.calls, 1);
    assert_int_equal(seen.check.version, WSSEC_TIME_CHECK_VERSION);
    assert_true(seen.check.has_created && seen.check.has_expires);
    assert_true(seen.check.created == H_NOW - 60 * H_SEC);
    assert_true(seen.check.expires == H_NOW + 240 * H_SEC);
    assert_string_equal(seen.created, "2025-06-01T11:59:00Z");
    assert_string_equal(seen.expires, "2025-06-01T12:04:00Z");
    assert_true(seen.check.now == H_NOW);
    assert_true(seen.check.clock_skew == 60 * H_SEC);
    assert_true(seen.check.max_age == 300 * H_SEC);
    wssec_ctx_free(ctx);
    free(xml);

    /* without Expires, and a refusal about the Timestamp as a whole */
    xml = h_envelope(11, "%s", TS(CREATED("2025-06-01T11:59:00.5Z")));
    seen = (time_seen){ .value = WSSEC_EEXPIRED, .about = WSSEC_TIME_TIMESTAMP };
    ctx = receiver(want_ts, NULL, NULL, &v, &seen);
    assert_int_equal(h_verify(&r, ctx, xml), WSSEC_EEXPIRED);
    assert_false(seen.check.has_expires);
    assert_string_equal(seen.expires, "");
    assert_true(seen.check.created == H_NOW - 59500);
    const char *subject = h_run_err(&r)->subject;
    assert_string_equal(subject + strlen(subject) - strlen("/Timestamp"), "/Timestamp");
    h_run_free(&r);
    wssec_ctx_free(ctx);
    free(xml);
}

static void test_time_accepts_what_default_refuses(void **state)
{
    (void)state;
    /* a day old and long expired */
    char *xml = h_envelope(11, "%s", TS(CREATED("2025-05-31T12:00:00Z") EXPIRES("2025-05-31T12:05:00Z")));
    char why[600];
    wssec_ctx *plain = receiver(want_ts, NULL, NULL, NULL, NULL);
    assert_int_equal(run(plain, xml, why, sizeof(why), NULL, 0), WSSEC_EEXPIRED);
    assert_string_equal(why, "Timestamp expired at 2025-05-31T12:05:00Z (now "
                             "2025-06-01T12:00:00.000Z, clock-skew 60 s)");
    wssec_ctx_free(plain);
    time_seen seen = { .value = 0 };
    const wssec_time_validator v = { WSSEC_TIME_VALIDATOR_VERSION, "lenient", time_record };
    wssec_ctx *ctx = receiver(want_ts, NULL, NULL, &v, &seen);
    assert_int_equal(run(ctx, xml, why, sizeof(why), NULL, 0), 0);
    assert_int_equal(seen.calls, 1);
    wssec_ctx_free(ctx);
    free(xml);
}

/* The default with a tighter max-age of its own (60 s). */
static int default_then_tight(const wssec_time_check *check, wssec_time_field *about, char *why,
                              size_t whylen, void *userdata)
{
    (void)userdata;
    int rc = wssec_time_validate_default(check, about, why, whylen);
    if (rc) return rc;
    if (check->now - check->created > 60 * 1000) {
        *about = WSSEC_TIME_CREATED;
        snprintf(why, whylen, "Timestamp Created %s is more than 60 s old", check->created_text);
        return WSSEC_EEXPIRED;
    }
    return 0;
}

static void test_time_calls_default(void **state)
{
    (void)state;
    static const char *const cases[] = {
        TS(CREATED("2025-06-01T11:50:00Z") EXPIRES("2025-06-01T11:55:00Z")),  /* expired */
        TS(CREATED("2025-06-01T12:01:00.001Z")),                              /* future */
        TS(CREATED("2025-06-01T11:00:00Z") EXPIRES("2025-06-02T00:00:00Z")),  /* too old */
        TS(CREATED(" 2025-06-01T11:53:59Z ")),                                /* too old, spaces */
    };
    const wssec_time_validator v = { WSSEC_TIME_VALIDATOR_VERSION, "tight", default_then_tight };
    wssec_ctx *plain = receiver(want_ts, NULL, NULL, NULL, NULL);
    wssec_ctx *ctx = receiver(want_ts, NULL, NULL, &v, NULL);
    for (size_t i = 0; i < WSSEC_ARRAY_LEN(cases); i++) {
        char *xml = h_envelope(11, "%s", cases[i]);
        h_run a, b;
        assert_int_equal(h_verify(&a, plain, xml), WSSEC_EEXPIRED);
        assert_int_equal(h_verify(&b, ctx, xml), WSSEC_EEXPIRED);
        /* the default's very words and subject */
        assert_string_equal(h_run_err(&b)->message, h_run_err(&a)->message);
        assert_string_equal(h_run_err(&b)->subject, h_run_err(&a)->subject);
        h_run_free(&a);
        h_run_free(&b);
        free(xml);
    }
    /* what the default accepts and the added check refuses */
    char *xml = h_envelope(11, "%s", TS(CREATED("2025-06-01T11:58:00Z"))), why[600];
    assert_int_equal(run(plain, xml, why, sizeof(why), NULL, 0), 0);
    assert_int_equal(run(ctx, xml, why, sizeof(why), NULL, 0), WSSEC_EEXPIRED);
    assert_string_equal(why, "Timestamp Created 2025-06-01T11:58:00Z is more than 60 s old");
    free(xml);
    wssec_ctx_free(plain);
    wssec_ctx_free(ctx);
}

static void test_time_bogus_values_fail_closed(void **state)
{
    (void)state;
    char *xml = h_envelope(11, "%s", TS(CREATED("2025-06-01T11:59:00Z"))), why[600];
    static const struct {
        int value, code;
        const char *message;
    } rows[] = {
        { 1, WSSEC_EEXPIRED,
          "time validator 'bogus' returned 1, which is neither 0 nor a wssec error code: the "
          "Timestamp is refused" },
        { 7, WSSEC_EEXPIRED,
          "time validator 'bogus' returned 7, which is neither 0 nor a wssec error code: the "
          "Timestamp is refused" },
        { -77, WSSEC_EEXPIRED,
          "time validator 'bogus' returned -77, which is neither 0 nor a wssec error code: the "
          "Timestamp is refused" },
        { WSSEC_EBACKEND, WSSEC_EBACKEND,
          "the Timestamp is refused by time validator 'bogus' (no reason given)" },
    };
    for (size_t i = 0; i < WSSEC_ARRAY_LEN(rows); i++) {
        time_seen seen = { .value = rows[i].value };
        const wssec_time_validator v = { WSSEC_TIME_VALIDATOR_VERSION, "bogus", time_record };
        wssec_ctx *ctx = receiver(want_ts, NULL, NULL, &v, &seen);
        assert_int_equal(run(ctx, xml, why, sizeof(why), NULL, 0), rows[i].code);
        assert_string_equal(why, rows[i].message);
        wssec_ctx_free(ctx);
    }
    /* a validator without a name is "custom" */
    time_seen seen = { .value = 3 };
    const wssec_time_validator anon = { WSSEC_TIME_VALIDATOR_VERSION, NULL, time_record };
    wssec_ctx *ctx = receiver(want_ts, NULL, NULL, &anon, &seen);
    assert_int_equal(run(ctx, xml, why, sizeof(why), NULL, 0), WSSEC_EEXPIRED);
    h_assert_contains(why, "time validator 'custom' returned 3");
    wssec_ctx_free(ctx);
    free(xml);
}

static void test_time_default_alone(void **state)
{
    (void)state;
    static const struct {
        int has_c;
        wssec_time c;
        int has_x;
        wssec_time x;
        int code;
        wssec_time_field about;
        const char *message;
    } rows[] = {
        { 1, H_NOW - 60 * H_SEC, 1, H_NOW + 240 * H_SEC, 0, WSSEC_TIME_TIMESTAMP, "" },
        { 1, H_NOW + 61 * H_SEC, 0, 0, WSSEC_EEXPIRED, WSSEC_TIME_CREATED,
          "Timestamp Created 2025-06-01T12:01:01.000Z is in the future (now "
          "2025-06-01T12:00:00.000Z, clock-skew 60 s)" },
        { 1, H_NOW + 60 * H_SEC, 0, 0, 0, WSSEC_TIME_TIMESTAMP, "" },
        { 1, H_NOW - 600 * H_SEC, 1, H_NOW - 61 * H_SEC, WSSEC_EEXPIRED, WSSEC_TIME_EXPIRES,
          "Timestamp expired at 2025-06-01T11:58:59.000Z (now 2025-06-01T12:00:00.000Z, "
          "clock-skew 60 s)" },
        { 1, H_NOW - 361 * H_SEC, 0, 0, WSSEC_EEXPIRED, WSSEC_TIME_CREATED,
          "Timestamp Created 2025-06-01T11:53:59.000Z is older than max-age 300 s (now "
          "2025-06-01T12:00:00.000Z, clock-skew 60 s)" },
        { 1, H_NOW - 360 * H_SEC, 0, 0, 0, WSSEC_TIME_TIMESTAMP, "" },
        /* either may be absent */
        { 0, 0, 1, H_NOW + 1, 0, WSSEC_TIME_TIMESTAMP, "" },
        { 0, 0, 0, 0, 0, WSSEC_TIME_TIMESTAMP, "" },
        { 0, 0, 1, H_NOW - 61 * H_SEC, WSSEC_EEXPIRED, WSSEC_TIME_EXPIRES, NULL },
    };
    for (size_t i = 0; i < WSSEC_ARRAY_LEN(rows); i++) {
        wssec_time_check c;
        assert_int_equal(wssec_time_check_init(&c, WSSEC_TIME_CHECK_VERSION), 0);
        c.has_created = rows[i].has_c;
        c.created = rows[i].c;
        c.has_expires = rows[i].has_x;
        c.expires = rows[i].x;
        c.now = H_NOW;
        c.clock_skew = 60 * H_SEC;
        c.max_age = 300 * H_SEC;
        wssec_time_field about = (wssec_time_field)99;
        char why[300];
        int rc = wssec_time_validate_default(&c, &about, why, sizeof(why));
        if (rc != rows[i].code) print_error("row %zu: %d '%s'\n", i, rc, why);
        assert_int_equal(rc, rows[i].code);
        assert_int_equal(about, rows[i].about);
        if (rows[i].message) assert_string_equal(why, rows[i].message);
        /* about may be NULL */
        assert_int_equal(wssec_time_validate_default(&c, NULL, why, sizeof(why)), rows[i].code);
    }
    wssec_time_check c = WSSEC_TIME_CHECK_INIT;
    char why[200];
    c.version = 0;
    assert_int_equal(wssec_time_validate_default(&c, NULL, why, sizeof(why)), WSSEC_EINVALID);
    assert_int_equal(wssec_time_check_init(&c, 2), WSSEC_EINVALID);

    wssec_time_validator v;
    assert_int_equal(wssec_time_validator_init(&v, 0), WSSEC_EINVALID);
    assert_int_equal(wssec_time_validator_init(&v, WSSEC_TIME_VALIDATOR_VERSION), 0);
    wssec_config *cfg = NULL;
    assert_int_equal(wssec_config_new(&cfg), 0);
    assert_int_equal(wssec_config_set_time_validator(cfg, &v, NULL), WSSEC_EINVALID);
    v.validate = time_record;
    v.version = 99;
    assert_int_equal(wssec_config_set_time_validator(cfg, &v, NULL), WSSEC_EINVALID);
    h_assert_contains(wssec_config_error(cfg)->message, "time validator: version 99");
    v.version = WSSEC_TIME_VALIDATOR_VERSION;
    assert_int_equal(wssec_config_set_time_validator(cfg, &v, NULL), 0);
    assert_int_equal(wssec_config_set_time_validator(cfg, NULL, NULL), 0);
    wssec_config_free(cfg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cert_refuses_trusted),
        cmocka_unit_test(test_cert_pin_accepts_what_default_refuses),
        cmocka_unit_test(test_cert_calls_default),
        cmocka_unit_test(test_cert_default_refuses_bad_check),
        cmocka_unit_test(test_cert_bogus_values_fail_closed),
        cmocka_unit_test(test_cert_setter),
        cmocka_unit_test(test_time_refuses),
        cmocka_unit_test(test_time_accepts_what_default_refuses),
        cmocka_unit_test(test_time_calls_default),
        cmocka_unit_test(test_time_bogus_values_fail_closed),
        cmocka_unit_test(test_time_default_alone),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
