/*
 * The UsernameToken module: generator and consumer, hostile tokens, replay.
 */
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>

#include "helpers.h"

typedef struct fixture {
    wssec_ctx *ctx; /* require username-token, password-type digest */
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof(*f));
    if (!f) return -1;
    f->ctx = h_ctx("require", "username-token", NULL);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    wssec_ctx_free(f->ctx);
    free(f);
    return 0;
}

#define UT(inner) "<wsse:UsernameToken>" inner "</wsse:UsernameToken>"
#define USER(u) "<wsse:Username>" u "</wsse:Username>"
#define PW_T(p) "<wsse:Password Type=\"" H_PW_TEXT "\">" p "</wsse:Password>"
#define PW_D(p) "<wsse:Password Type=\"" H_PW_DIGEST "\">" p "</wsse:Password>"
#define NONCE(n) "<wsse:Nonce EncodingType=\"" H_ENC_B64 "\">" n "</wsse:Nonce>"
#define CREATED(t) "<wsu:Created>" t "</wsu:Created>"
#define NOW_C CREATED("2025-06-01T12:00:00Z")
#define B64_NONCE "MTIzNDU2Nzg5MDEyMzQ1Ng=="
#define B64_20 "AAAAAAAAAAAAAAAAAAAAAAAAAAA="

typedef struct row {
    const char *name;
    const char *token;
    int code;
    const char *fault;
    const char *needle;
} row;

/* Tokens refused on their structure, before any password is looked at. */
static const row structural[] = {
    { "Password without Type",
      UT(USER("alice") "<wsse:Password>alice-s3cret</wsse:Password>"), WSSEC_ETOKEN,
      "wsse:InvalidSecurityToken", "Password without a Type attribute (BSP R4201)" },
    { "unknown Type", UT(USER("alice") "<wsse:Password Type=\"urn:plain\">x</wsse:Password>"),
      WSSEC_ETOKEN, "wsse:InvalidSecurityToken", "neither PasswordText nor PasswordDigest" },
    { "Type in a namespace",
      UT(USER("alice") "<wsse:Password wsse:Type=\"" H_PW_DIGEST "\">x</wsse:Password>"),
      WSSEC_ETOKEN, "wsse:InvalidSecurityToken",
      "Password has a namespace-qualified wsse:Type, not a Type attribute (BSP R4201" },
    { "no Password", UT(USER("alice") NONCE(B64_NONCE) NOW_C), WSSEC_EAUTH,
      "wsse:FailedAuthentication", "has no Password" },
    { "two Passwords", UT(USER("alice") PW_D(B64_20) PW_D(B64_20) NONCE(B64_NONCE) NOW_C),
      WSSEC_ETOKEN, "wsse:InvalidSecurityToken", "more than one Password" },
    { "two Nonces", UT(USER("alice") PW_D(B64_20) NONCE(B64_NONCE) NONCE(B64_NONCE) NOW_C),
      WSSEC_ETOKEN, "wsse:InvalidSecurityToken", "more than one Nonce" },
    { "two Created", UT(USER("alice") PW_D(B64_20) NONCE(B64_NONCE) NOW_C NOW_C), WSSEC_ETOKEN,
      "wsse:InvalidSecurityToken", "more than one Created" },
    { "two Usernames", UT(USER("alice") USER("bob") PW_D(B64_20)), WSSEC_ETOKEN,
      "wsse:InvalidSecurityToken", "more than one Username" },
    { "no Username", UT(PW_D(B64_20) NONCE(B64_NONCE) NOW_C), WSSEC_ETOKEN,
      "wsse:InvalidSecurityToken", "without Username" },
    { "empty Username", UT(USER("  ") PW_D(B64_20) NONCE(B64_NONCE) NOW_C), WSSEC_ETOKEN,
      "wsse:InvalidSecurityToken", "empty Username" },
    { "unknown child", UT(USER("alice") PW_D(B64_20) "<x:Salt xmlns:x=\"urn:x\"/>"), WSSEC_ETOKEN,
      "wsse:InvalidSecurityToken", "{urn:x}Salt" },
    { "digest without Nonce", UT(USER("alice") PW_D(B64_20) NOW_C), WSSEC_ETOKEN,
      "wsse:InvalidSecurityToken", "without both Nonce and Created" },
    { "digest without Created", UT(USER("alice") PW_D(B64_20) NONCE(B64_NONCE)), WSSEC_ETOKEN,
      "wsse:InvalidSecurityToken", "without both Nonce and Created" },
    { "Nonce without EncodingType",
      UT(USER("alice") PW_D(B64_20) "<wsse:Nonce>" B64_NONCE "</wsse:Nonce>" NOW_C), WSSEC_ETOKEN,
      "wsse:InvalidSecurityToken", "Nonce without an EncodingType (BSP R4220" },
    { "Nonce with hex EncodingType",
      UT(USER("alice") PW_D(B64_20) "<wsse:Nonce EncodingType=\"urn:hex\">00</wsse:Nonce>" NOW_C),
      WSSEC_ETOKEN, "wsse:InvalidSecurityToken", "is not Base64Binary (BSP R4221)" },
    { "Nonce not base64", UT(USER("alice") PW_D(B64_20) NONCE("!!!") NOW_C), WSSEC_ETOKEN,
      "wsse:InvalidSecurityToken", "Nonce is not base64" },
    { "empty Nonce", UT(USER("alice") PW_D(B64_20) NONCE("") NOW_C), WSSEC_ETOKEN,
      "wsse:InvalidSecurityToken", "Nonce is not base64" },
    { "Created not a time", UT(USER("alice") PW_D(B64_20) NONCE(B64_NONCE) CREATED("noon")),
      WSSEC_ETOKEN, "wsse:InvalidSecurityToken", "'noon' is not a UTC time" },
    { "PasswordText where digest is required", UT(USER("alice") PW_T("alice-s3cret")),
      WSSEC_EAUTH, "wsse:FailedAuthentication", "sends PasswordText where PasswordDigest" },
};

static void test_structural(void **state)
{
    fixture *f = *state;
    for (size_t i = 0; i < WSSEC_ARRAY_LEN(structural); i++) {
        char *xml = h_envelope(11, "%s", structural[i].token);
        h_run r;
        int calls = h_password_calls;
        int rc = h_verify(&r, f->ctx, xml);
        if (rc != structural[i].code)
            print_error("row '%s': %s '%s'\n", structural[i].name, wssec_code_name(rc),
                        h_run_err(&r)->message);
        assert_int_equal(rc, structural[i].code);
        h_assert_error(h_run_err(&r), structural[i].code, structural[i].fault, structural[i].needle);
        /* refused before the password store is asked */
        assert_int_equal(h_password_calls, calls);
        assert_null(wssec_result_caller(r.res));
        assert_int_equal(wssec_result_token_count(r.res), 1);
        const wssec_token *t = wssec_result_token(r.res, 0);
        assert_string_equal(wssec_token_type(t), "username-token");
        assert_int_equal(wssec_token_status(t), rc);
        assert_null(wssec_token_identity(t));
        h_run_free(&r);
        free(xml);
    }
}

/* One crafted digest token verified on a fresh context. */
static int verify_token(const char *opt, const char *val, const char *token, h_run *r,
                        wssec_ctx **ctx)
{
    *ctx = h_ctx("require", "username-token", opt, val, NULL);
    char *xml = h_envelope(12, "%s", token);
    int rc = h_verify(r, *ctx, xml);
    free(xml);
    return rc;
}

static void test_crafted_digests(void **state)
{
    (void)state;
    static const struct {
        const char *name, *user, *pw, *nonce, *created;
        int code;
        const char *fault, *needle;
    } rows[] = {
        { "valid alice", "alice", "alice-s3cret", "nonce-0001", "2025-06-01T12:00:00Z", 0, "", NULL },
        { "valid bob with millis", "bob", "pw2", "nonce-0002", "2025-06-01T11:59:30.500Z", 0, "",
          NULL },
        { "wrong password", "alice", "alice-secret", "nonce-0003", "2025-06-01T12:00:00Z",
          WSSEC_EAUTH, "wsse:FailedAuthentication", "wrong password" },
        { "other user's password", "bob", "alice-s3cret", "nonce-0004", "2025-06-01T12:00:00Z",
          WSSEC_EAUTH, "wsse:FailedAuthentication", "not authenticated" },
        { "unknown user", "mallory", "alice-s3cret", "nonce-0005", "2025-06-01T12:00:00Z",
          WSSEC_EAUTH, "wsse:FailedAuthentication", "unknown user" },
        { "stale Created", "alice", "alice-s3cret", "nonce-0006", "2025-06-01T11:53:59Z",
          WSSEC_EEXPIRED, "wsse:MessageExpired", "older than max-age" },
        { "future Created", "alice", "alice-s3cret", "nonce-0007", "2025-06-01T12:01:00.001Z",
          WSSEC_EEXPIRED, "wsse:MessageExpired", "in the future" },
        { "future within skew", "alice", "alice-s3cret", "nonce-0008", "2025-06-01T12:00:59Z", 0,
          "", NULL },
    };
    for (size_t i = 0; i < WSSEC_ARRAY_LEN(rows); i++) {
        char *ut = h_ut_digest(rows[i].user, rows[i].pw, rows[i].nonce, rows[i].created);
        h_run r;
        wssec_ctx *ctx;
        int rc = verify_token("password-type", "digest", ut, &r, &ctx);
        if (rc != rows[i].code)
            print_error("row '%s': %s '%s'\n", rows[i].name, wssec_code_name(rc),
                        h_run_err(&r)->message);
        assert_int_equal(rc, rows[i].code);
        h_assert_error(h_run_err(&r), rows[i].code, rows[i].fault, rows[i].needle);
        if (rc == 0) {
            assert_string_equal(wssec_result_caller(r.res), rows[i].user);
            const wssec_token *t = wssec_result_token(r.res, 0);
            assert_string_equal(wssec_token_identity(t), rows[i].user);
            assert_string_equal(wssec_token_get(t, "username"), rows[i].user);
            assert_string_equal(wssec_token_get(t, "password-type"), "digest");
            assert_string_equal(wssec_token_get(t, "created"), rows[i].created);
            char *n = h_b64((const unsigned char *)rows[i].nonce, strlen(rows[i].nonce));
            assert_string_equal(wssec_token_get(t, "nonce"), n);
            free(n);
        } else {
            assert_null(wssec_result_caller(r.res));
            /* the password never appears in the diagnostic */
            assert_null(strstr(h_run_err(&r)->message, rows[i].pw));
        }
        h_run_free(&r);
        wssec_ctx_free(ctx);
        free(ut);
    }
}

static void test_digest_type_with_cleartext(void **state)
{
    (void)state;
    const char *token = UT(USER("alice") PW_D("alice-s3cret") NONCE(B64_NONCE) NOW_C);
    h_run r;
    wssec_ctx *ctx;
    assert_int_equal(verify_token("password-type", "digest", token, &r, &ctx), WSSEC_EAUTH);
    h_assert_error(h_run_err(&r), WSSEC_EAUTH, "wsse:FailedAuthentication", "wrong password");
    h_run_free(&r);
    wssec_ctx_free(ctx);
    /* base64 of the cleartext is no better */
    token = UT(USER("alice") PW_D("YWxpY2UtczNjcmV0") NONCE(B64_NONCE) NOW_C);
    assert_int_equal(verify_token("password-type", "any", token, &r, &ctx), WSSEC_EAUTH);
    h_run_free(&r);
    wssec_ctx_free(ctx);
}

static void test_password_types(void **state)
{
    (void)state;
    static const struct {
        const char *policy;
        int text_rc, digest_rc;
    } rows[] = {
        { "digest", WSSEC_EAUTH, 0 },
        { "text", 0, WSSEC_EAUTH },
        { "any", 0, 0 },
    };
    for (size_t i = 0; i < WSSEC_ARRAY_LEN(rows); i++) {
        h_run r;
        wssec_ctx *ctx;
        char *text = h_ut_text("alice", "alice-s3cret");
        assert_int_equal(verify_token("password-type", rows[i].policy, text, &r, &ctx),
                         rows[i].text_rc);
        if (rows[i].text_rc) {
            h_assert_error(h_run_err(&r), WSSEC_EAUTH, "wsse:FailedAuthentication", "PasswordText");
        } else {
            assert_string_equal(wssec_result_caller(r.res), "alice");
            const wssec_token *t = wssec_result_token(r.res, 0);
            assert_string_equal(wssec_token_get(t, "password-type"), "text");
            assert_string_equal(wssec_token_get(t, "replay-check"), "none (no Nonce)");
        }
        h_run_free(&r);
        wssec_ctx_free(ctx);
        free(text);

        char *digest = h_ut_digest("alice", "alice-s3cret", "pt-nonce", "2025-06-01T12:00:00Z");
        assert_int_equal(verify_token("password-type", rows[i].policy, digest, &r, &ctx),
                         rows[i].digest_rc);
        if (rows[i].digest_rc)
            h_assert_error(h_run_err(&r), WSSEC_EAUTH, "wsse:FailedAuthentication",
                           "PasswordDigest where PasswordText");
        h_run_free(&r);
        wssec_ctx_free(ctx);
        free(digest);
    }
    /* wrong cleartext password */
    h_run r;
    wssec_ctx *ctx;
    char *text = h_ut_text("alice", "alice-s3cret ");
    assert_int_equal(verify_token("password-type", "text", text, &r, &ctx), WSSEC_EAUTH);
    h_assert_error(h_run_err(&r), WSSEC_EAUTH, "wsse:FailedAuthentication", "wrong password");
    h_run_free(&r);
    wssec_ctx_free(ctx);
    free(text);
}

/* The token text with the first occurrence of from replaced by to. */
static char *replace(const char *text, const char *from, const char *to)
{
    const char *at = strstr(text, from);
    assert_non_null(at);
    return h_strf("%.*s%s%s", (int)(at - text), text, to, at + strlen(from));
}

/* One digest or text token on a context requiring it, with bsp-relax
 * (NULL: the default, nothing relaxed). */
static int verify_relaxed(const char *relax, const char *pwtype, const char *token, h_run *r,
                          wssec_ctx **ctx)
{
    *ctx = relax ? h_ctx("require", "username-token", "password-type", pwtype, "bsp-relax", relax,
                         NULL)
                 : h_ctx("require", "username-token", "password-type", pwtype, NULL);
    char *xml = h_envelope(11, "%s", token);
    int rc = h_verify(r, *ctx, xml);
    free(xml);
    return rc;
}

static void assert_warned(const h_run *r, const char *needle)
{
    for (size_t i = 0; i < wssec_result_warning_count(r->res); i++)
        if (strstr(wssec_result_warning(r->res, i), needle)) return;
    fail_msg("no warning '%s'", needle);
}

/* BSP R4220 and R4201 refuse by default and name their rule; bsp-relax
 * accepts the deviation by the rule's number or its alias, and only that
 * deviation (R4221, a Password without any Type, and the password-type
 * policy still hold). */
static void test_bsp_relax(void **state)
{
    (void)state;
    h_run r;
    wssec_ctx *ctx;
    char *digest = h_ut_digest("alice", "alice-s3cret", "bsp-nonce-1", "2025-06-01T12:00:00Z");
    char *no_enc = replace(digest, " EncodingType=\"" H_ENC_B64 "\"", "");
    char *hex_enc = replace(digest, H_ENC_B64, "urn:hex");
    char *qualified = replace(digest, " Type=\"", " wsse:Type=\"");
    char *text = h_ut_text("alice", "alice-s3cret");
    char *q_text = replace(text, " Type=\"", " wsse:Type=\"");
    char *untyped = replace(text, " Type=\"" H_PW_TEXT "\"", "");

    const struct {
        const char *relax, *pwtype;
        char **token;
        int code;
        const char *needle; /* the error, or the warning when accepted */
    } rows[] = {
        /* R4220: a Nonce without EncodingType */
        { NULL, "digest", &no_enc, WSSEC_ETOKEN, "Nonce without an EncodingType (BSP R4220" },
        { "R4201", "digest", &no_enc, WSSEC_ETOKEN, "(BSP R4220" },
        { "R4220", "digest", &no_enc, 0, "BSP R4220 relaxed" },
        { "nonce-without-encoding-type", "digest", &no_enc, 0, "BSP R4220 relaxed" },
        /* R4221 is not relaxable: another encoding would be another nonce */
        { "R4220", "digest", &hex_enc, WSSEC_ETOKEN, "'urn:hex' is not Base64Binary (BSP R4221)" },
        /* R4201: a namespace-qualified wsse:Type */
        { NULL, "digest", &qualified, WSSEC_ETOKEN, "namespace-qualified wsse:Type, not a Type "
                                                    "attribute (BSP R4201" },
        { "R4220", "text", &q_text, WSSEC_ETOKEN, "(BSP R4201" },
        { "R4201", "digest", &qualified, 0, "BSP R4201 relaxed" },
        { "qualified-password-type", "text", &q_text, 0, "BSP R4201 relaxed" },
        /* relaxed, the type read still meets the policy */
        { "R4201", "digest", &q_text, WSSEC_EAUTH, "sends PasswordText where PasswordDigest" },
        /* and a Password without any Type is still refused */
        { "R4201,R4220", "text", &untyped, WSSEC_ETOKEN,
          "Password without a Type attribute (BSP R4201)" },
    };
    for (size_t i = 0; i < WSSEC_ARRAY_LEN(rows); i++) {
        int rc = verify_relaxed(rows[i].relax, rows[i].pwtype, *rows[i].token, &r, &ctx);
        if (rc != rows[i].code)
            print_error("row %zu (%s): %s '%s'\n", i, rows[i].relax ? rows[i].relax : "default",
                        wssec_code_name(rc), h_run_err(&r)->message);
        assert_int_equal(rc, rows[i].code);
        if (rc) {
            h_assert_error(h_run_err(&r), rc,
                           rc == WSSEC_ETOKEN ? "wsse:InvalidSecurityToken"
                                              : "wsse:FailedAuthentication",
                           rows[i].needle);
            assert_null(wssec_result_caller(r.res));
        } else {
            assert_string_equal(wssec_result_caller(r.res), "alice");
            assert_warned(&r, rows[i].needle);
        }
        h_run_free(&r);
        wssec_ctx_free(ctx);
    }
    free(digest);
    free(no_enc);
    free(hex_enc);
    free(qualified);
    free(text);
    free(q_text);
    free(untyped);
}

static void test_round_trip(void **state)
{
    (void)state;
    static const struct {
        const char *type_out, *type_in, *user;
        int soap;
    } rows[] = {
        { "digest", "digest", "alice", 11 },
        { "digest", "any", "bob", 12 },
        { "text", "text", "alice", 12 },
        { "text", "any", "bob", 11 },
    };
    for (size_t i = 0; i < WSSEC_ARRAY_LEN(rows); i++) {
        wssec_ctx *out = h_ctx("password-type", rows[i].type_out, NULL);
        wssec_ctx *in = h_ctx("password-type", rows[i].type_in, "require",
                              "timestamp,username-token", NULL);
        char *plain = h_envelope_header(rows[i].soap, NULL);
        static const char *const actions[] = { "timestamp", "username-token" };
        char *secured = h_secure(out, plain, actions, 2, rows[i].user);
        h_assert_contains(secured, strcmp(rows[i].type_out, "text") == 0 ? "#PasswordText"
                                                                         : "#PasswordDigest");
        h_run r;
        int rc = h_verify(&r, in, secured);
        if (rc) print_error("row %zu: %s\n", i, h_run_err(&r)->message);
        assert_int_equal(rc, 0);
        assert_string_equal(wssec_result_caller(r.res), rows[i].user);
        assert_int_equal(wssec_result_token_count(r.res), 2);
        assert_string_equal(wssec_token_type(wssec_result_token(r.res, 1)), "username-token");
        assert_string_equal(wssec_token_get(wssec_result_token(r.res, 1), "created"),
                            "2025-06-01T12:00:00.000Z");
        h_run_free(&r);
        /* the same message again: its nonce was used */
        assert_int_equal(h_verify(&r, in, secured), WSSEC_EREPLAY);
        h_assert_error(h_run_err(&r), WSSEC_EREPLAY, "wsse:FailedAuthentication", "already used");
        h_assert_contains(h_run_err(&r)->message, rows[i].user);
        assert_null(wssec_result_caller(r.res));
        h_run_free(&r);
        free(secured);
        free(plain);
        wssec_ctx_free(in);
        wssec_ctx_free(out);
    }
}

static void test_replay_of_crafted_token(void **state)
{
    fixture *f = *state;
    char *ut = h_ut_digest("alice", "alice-s3cret", "replayed-nonce", "2025-06-01T11:59:00Z");
    char *xml = h_envelope(11, "%s", ut);
    h_run r;
    assert_int_equal(h_verify(&r, f->ctx, xml), 0);
    assert_string_equal(wssec_result_caller(r.res), "alice");
    h_run_free(&r);
    assert_int_equal(h_verify(&r, f->ctx, xml), WSSEC_EREPLAY);
    h_assert_error(h_run_err(&r), WSSEC_EREPLAY, "wsse:FailedAuthentication", "replay");
    assert_int_equal(wssec_token_status(wssec_result_token(r.res, 0)), WSSEC_EREPLAY);
    h_run_free(&r);
    /* a wrong password with the same nonce is an authentication failure, not a replay */
    char *bad = h_ut_digest("alice", "nope", "replayed-nonce", "2025-06-01T11:59:00Z");
    char *xml2 = h_envelope(11, "%s", bad);
    assert_int_equal(h_verify(&r, f->ctx, xml2), WSSEC_EAUTH);
    h_run_free(&r);
    /* the nonce cache is keyed by the Nonce and Created, not by the user
     * name as sent (which a digest does not cover): the same pair from
     * another user is a replay too; another Created is not */
    char *other = h_ut_digest("bob", "pw2", "replayed-nonce", "2025-06-01T11:59:00Z");
    char *xml3 = h_envelope(11, "%s", other);
    assert_int_equal(h_verify(&r, f->ctx, xml3), WSSEC_EREPLAY);
    h_assert_error(h_run_err(&r), WSSEC_EREPLAY, "wsse:FailedAuthentication", "already used");
    h_run_free(&r);
    char *later = h_ut_digest("bob", "pw2", "replayed-nonce", "2025-06-01T11:59:01Z");
    char *xml4 = h_envelope(11, "%s", later);
    assert_int_equal(h_verify(&r, f->ctx, xml4), 0);
    assert_string_equal(wssec_result_caller(r.res), "bob");
    h_run_free(&r);
    free(later);
    free(xml4);
    free(other);
    free(xml3);
    free(bad);
    free(xml2);
    free(ut);
    free(xml);
}

/* A Nonce is only a replay defence while the cache remembers it, which is
 * max-age + clock-skew after Created: without Created the token could be
 * replayed each time the entry expires, for ever. PasswordText with a Nonce
 * and no Created is refused (a digest without Created already is). */
static void test_nonce_without_created(void **state)
{
    (void)state;
    wssec_ctx *ctx = h_ctx("require", "username-token", "password-type", "any", NULL);
    static const struct {
        const char *name, *token;
        int code;
    } rows[] = {
        { "text, Nonce, no Created", UT(USER("alice") PW_T("alice-s3cret") NONCE(B64_NONCE)),
          WSSEC_ETOKEN },
        { "text, Nonce and Created", UT(USER("alice") PW_T("alice-s3cret") NONCE(B64_NONCE) NOW_C),
          0 },
        { "text, Created, no Nonce", UT(USER("alice") PW_T("alice-s3cret") NOW_C), 0 },
        { "text alone", UT(USER("alice") PW_T("alice-s3cret")), 0 },
    };
    for (size_t i = 0; i < WSSEC_ARRAY_LEN(rows); i++) {
        char *xml = h_envelope(11, "%s", rows[i].token);
        h_run r;
        int rc = h_verify(&r, ctx, xml);
        if (rc != rows[i].code)
            print_error("row '%s': %s '%s'\n", rows[i].name, wssec_code_name(rc),
                        h_run_err(&r)->message);
        assert_int_equal(rc, rows[i].code);
        if (rc) {
            h_assert_error(h_run_err(&r), WSSEC_ETOKEN, "wsse:InvalidSecurityToken",
                           "Nonce without Created");
            assert_null(wssec_result_caller(r.res));
        }
        h_run_free(&r);
        free(xml);
    }
    wssec_ctx_free(ctx);
}

/* A password store that ignores case (a directory, a case-insensitive
 * database column). */
static int ci_password_cb(char *buf, size_t size, size_t *len, const char *user,
                          wssec_password_usage usage, void *userdata)
{
    char lower[64];
    size_t n = strlen(user);
    if (n >= sizeof(lower)) return WSSEC_EAUTH;
    for (size_t i = 0; i <= n; i++)
        lower[i] = (char)(user[i] >= 'A' && user[i] <= 'Z' ? user[i] - 'A' + 'a' : user[i]);
    return h_password_cb(buf, size, len, lower, usage, userdata);
}

/* The digest does not cover the Username: with a case-insensitive store one
 * captured token must not be accepted once per spelling of the name. */
static void test_replay_with_other_spelling(void **state)
{
    (void)state;
    wssec_config *cfg = NULL;
    assert_int_equal(wssec_config_new(&cfg), 0);
    assert_int_equal(wssec_config_set(cfg, "now", H_NOW_TEXT), 0);
    assert_int_equal(wssec_config_set(cfg, "require", "username-token"), 0);
    wssec_config_set_password_cb(cfg, ci_password_cb, NULL);
    wssec_ctx *ctx = NULL;
    assert_int_equal(wssec_ctx_new(&ctx, cfg), 0);
    wssec_config_free(cfg);
    char *ut1 = h_ut_digest("alice", "alice-s3cret", "spelling-nonce", "2025-06-01T11:59:30Z");
    char *ut2 = h_ut_digest("ALICE", "alice-s3cret", "spelling-nonce", "2025-06-01T11:59:30Z");
    char *xml1 = h_envelope(11, "%s", ut1), *xml2 = h_envelope(11, "%s", ut2);
    h_run r;
    assert_int_equal(h_verify(&r, ctx, xml1), 0);
    assert_string_equal(wssec_result_caller(r.res), "alice");
    h_run_free(&r);
    assert_int_equal(h_verify(&r, ctx, xml2), WSSEC_EREPLAY);
    h_assert_error(h_run_err(&r), WSSEC_EREPLAY, "wsse:FailedAuthentication", "already used");
    assert_null(wssec_result_caller(r.res));
    h_run_free(&r);
    free(xml1);
    free(xml2);
    free(ut1);
    free(ut2);
    wssec_ctx_free(ctx);
}

static void test_no_password_callback(void **state)
{
    (void)state;
    wssec_ctx *ctx = h_ctxf(H_NO_PWCB, "require", "username-token", NULL);
    char *ut = h_ut_digest("alice", "alice-s3cret", "nonce-nocb", "2025-06-01T12:00:00Z");
    char *xml = h_envelope(11, "%s", ut);
    h_run r;
    assert_int_equal(h_verify(&r, ctx, xml), WSSEC_EAUTH);
    h_assert_error(h_run_err(&r), WSSEC_EAUTH, "wsse:FailedAuthentication", "no password source");
    h_run_free(&r);
    /* and nothing can be generated */
    char *plain = h_envelope_header(11, NULL);
    wssec_msg *msg = h_parse(ctx, plain);
    static const char *const actions[] = { "username-token" };
    wssec_secure_options o = WSSEC_SECURE_OPTIONS_INIT;
    o.actions = actions;
    o.n_actions = 1;
    o.username = "alice";
    assert_int_equal(wssec_secure(msg, &o), WSSEC_ECONFIG);
    h_assert_error(wssec_msg_error(msg), WSSEC_ECONFIG, "", "no password for 'alice'");
    wssec_msg_free(msg);
    free(plain);
    free(ut);
    free(xml);
    wssec_ctx_free(ctx);
}

static void test_generator_errors(void **state)
{
    fixture *f = *state;
    char *plain = h_envelope_header(11, NULL);
    static const char *const actions[] = { "username-token" };
    wssec_secure_options o = WSSEC_SECURE_OPTIONS_INIT;
    o.actions = actions;
    o.n_actions = 1;
    /* no user name anywhere */
    wssec_msg *msg = h_parse(f->ctx, plain);
    assert_int_equal(wssec_secure(msg, &o), WSSEC_ECONFIG);
    h_assert_error(wssec_msg_error(msg), WSSEC_ECONFIG, "", "no user name");
    wssec_msg_free(msg);
    /* unknown user */
    o.username = "mallory";
    msg = h_parse(f->ctx, plain);
    assert_int_equal(wssec_secure(msg, &o), WSSEC_ECONFIG);
    h_assert_error(wssec_msg_error(msg), WSSEC_ECONFIG, "", "no password for 'mallory'");
    wssec_msg_free(msg);
    /* the "username" option supplies the user */
    wssec_ctx *ctx = h_ctx("username", "bob", "actions", "username-token", NULL);
    char *secured = h_secure(ctx, plain, NULL, 0, NULL);
    h_assert_contains(secured, "<wsse:Username>bob</wsse:Username>");
    h_assert_contains(secured, "EncodingType=\"" H_ENC_B64 "\"");
    h_assert_contains(secured, "wsu:Id=\"UsernameToken-");
    free(secured);
    wssec_ctx_free(ctx);
    free(plain);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_structural, setup, teardown),
        cmocka_unit_test(test_crafted_digests),
        cmocka_unit_test(test_digest_type_with_cleartext),
        cmocka_unit_test(test_password_types),
        cmocka_unit_test(test_bsp_relax),
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test_setup_teardown(test_replay_of_crafted_token, setup, teardown),
        cmocka_unit_test(test_no_password_callback),
        cmocka_unit_test(test_nonce_without_created),
        cmocka_unit_test(test_replay_with_other_spelling),
        cmocka_unit_test_setup_teardown(test_generator_errors, setup, teardown),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    xmlCleanupParser();
    return rc;
}
