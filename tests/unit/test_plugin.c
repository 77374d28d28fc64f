/*
 * Plug-ins: the LTPA token module (plugins/ltpa/, built as ltpa_token.so)
 * loaded from its shared object — its token round trip (v2 and v1) and the
 * hostile cases (a changed token, another key file, a wrong password, an
 * expired token, another realm, v1 not accepted, no plug-in at all), the
 * shared LTPA vectors inside SOAP messages with the clock pinned, its
 * trusted-ID evaluator — and every way loading can fail, each a
 * configuration error that names the file and the reason. What a plug-in
 * registers stays with the context it was loaded for, never in the
 * caller's configuration.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libxml/parser.h>
#include <openssl/evp.h>

#include "helpers.h"

#define PKI WSSEC_SOURCE_DIR "/samples/pki/"
#define LTPA WSSEC_SOURCE_DIR "/samples/ltpa/"
#define VECTORS WSSEC_SOURCE_DIR "/../shared/ltpa-vectors/"
#define PLUGIN WSSEC_PLUGIN_PATH
/* the key file and its password file: what every load below passes */
#define KEYS "key-file=" LTPA "ltpa.keys,password-file=" LTPA "ltpa.pw"
#define SPEC PLUGIN "::" KEYS
#define VT2 "http://www.ibm.com/websphere/appserver/tokentype/LTPAv2"
#define VT1 "http://www.ibm.com/websphere/appserver/tokentype/5.0.2/LTPA"
#define GW_DN "CN=gateway,OU=Gateways,O=wssec test,C=US"
#define SERVER_DN "CN=server,OU=Services,O=wssec test,C=US"

static const char *const ltpa_actions[] = { "timestamp", "ltpa-token" };

static int try_ctx(wssec_ctx **ctx, const char *const *pairs, char *err, size_t errlen)
{
    return h_ctx_try(ctx, 0, pairs, err, errlen);
}

static wssec_ctx *ctx_of(const char *const *pairs)
{
    wssec_ctx *ctx = NULL;
    char err[700];
    int rc = try_ctx(&ctx, pairs, err, sizeof(err));
    if (rc) print_error("%s\n", err);
    assert_int_equal(rc, 0);
    return ctx;
}

/* A consumer: the plug-in with arg, at now. */
static wssec_ctx *consumer(const char *arg, const char *now)
{
    char *spec = h_strf(SPEC "%s", arg);
    const char *pairs[] = { "plugin", spec, "require", "none", "now", now, NULL };
    wssec_ctx *ctx = ctx_of(pairs);
    free(spec);
    return ctx;
}

/* A message with an LTPA token made by the plug-in with arg, at now. */
static char *made_with(const char *spec, const char *now, const char *const *actions, size_t n)
{
    const char *pairs[] = { "plugin", spec, "now", now, NULL };
    wssec_ctx *ctx = ctx_of(pairs);
    char *plain = h_envelope_header(11, NULL);
    char *out = h_secure(ctx, plain, actions, n, NULL);
    free(plain);
    wssec_ctx_free(ctx);
    return out;
}

/* A message with an LTPA token for user (the generator), made at now. */
static char *ltpa_message(const char *user, const char *now, const char *const *actions, size_t n)
{
    char *spec = h_strf(SPEC ",user=%s,ttl=600", user);
    char *out = made_with(spec, now, actions, n);
    free(spec);
    return out;
}

static void expect_error(const wssec_ctx *ctx, const char *xml, int code, const char *fault,
                         const char *needle)
{
    h_run r;
    int rc = h_verify(&r, ctx, xml);
    if (rc != code) print_error("got %s: %s\n", wssec_code_name(rc), h_run_err(&r)->message);
    assert_int_equal(rc, code);
    h_assert_error(h_run_err(&r), code, fault, needle);
    h_run_free(&r);
}

static void expect_caller(const wssec_ctx *ctx, const char *xml, const char *caller)
{
    h_run r;
    int rc = h_verify(&r, ctx, xml);
    if (rc) print_error("%s\n", h_run_err(&r)->message);
    assert_int_equal(rc, 0);
    assert_string_equal(wssec_result_caller(r.res), caller);
    h_run_free(&r);
}

/* The token's base64 text with the character at offset at changed (from
 * its end when at is negative). */
static char *flip(const char *xml, long at)
{
    const char *start = strstr(xml, "ValueType=\"" VT2 "\"");
    assert_non_null(start);
    start = strchr(start, '>') + 1;
    if (at < 0) at += (long)strcspn(start, "<");
    char *out = h_strf("%s", xml);
    char *c = out + (start - xml) + at;
    *c = *c == 'A' ? 'B' : 'A';
    return out;
}

/* Copies the plug-in to path with mode. */
static void copy_plugin(const char *path, mode_t mode)
{
    FILE *src = fopen(PLUGIN, "rb"), *dst = fopen(path, "wb");
    assert_non_null(src);
    assert_non_null(dst);
    char buf[8192];
    size_t n;
    while ((n = fread(buf, 1, sizeof(buf), src)) > 0) assert_int_equal(fwrite(buf, 1, n, dst), n);
    fclose(src);
    fclose(dst);
    assert_int_equal(chmod(path, mode), 0);
}

static void test_roundtrip(void **state)
{
    (void)state;
    const char *in_pairs[] = { "plugin", SPEC, "require", "timestamp",
                               "now", "2025-06-01T12:01:00Z", NULL };
    wssec_ctx *in = ctx_of(in_pairs);
    char *xml = ltpa_message("alice", H_NOW_TEXT, ltpa_actions, 2);
    h_assert_contains(xml, "ValueType=\"" VT2 "\"");
    h_run r;
    int rc = h_verify(&r, in, xml);
    if (rc) print_error("%s\n", h_run_err(&r)->message);
    assert_int_equal(rc, 0);
    assert_string_equal(wssec_result_caller(r.res), "alice");
    assert_null(wssec_result_asserted_by(r.res));
    const wssec_token *t = wssec_result_token(r.res, 1);
    assert_string_equal(wssec_token_type(t), "ltpa-token");
    assert_string_equal(wssec_token_get(t, "user"), "alice");
    assert_string_equal(wssec_token_get(t, "realm"), "example.com:389");
    assert_string_equal(wssec_token_get(t, "version"), "2");
    assert_string_equal(wssec_token_get(t, "expires"), "2025-06-01T12:10:00.000Z");
    h_run_free(&r);

    /* the token changed: one base64 character in its user data's block, or
     * in its last block (the padding) */
    char *evil = flip(xml, 30);
    expect_error(in, evil, WSSEC_EAUTH, "wsse:FailedAuthentication",
                 "LTPA v2 token refused: its signature does not verify with the key file's public key");
    free(evil);
    evil = flip(xml, -6);
    expect_error(in, evil, WSSEC_EAUTH, "wsse:FailedAuthentication",
                 "LTPA v2 token refused: it does not decrypt with the key file's shared key");
    free(evil);

    /* another key file */
    wssec_ctx *other = ctx_of((const char *const[]){
        "plugin", PLUGIN "::key-file=" LTPA "other.keys,password-file=" LTPA "ltpa.pw",
        "now", "2025-06-01T12:01:00Z", NULL });
    expect_error(other, xml, WSSEC_EAUTH, "wsse:FailedAuthentication",
                 "it does not decrypt with the key file's shared key (made with another key, or "
                 "changed)");
    wssec_ctx_free(other);

    /* a token over the module's bound: refused before it is decrypted */
    unsigned char big[8192];
    memset(big, 0x5a, sizeof(big));
    char *b64 = h_b64(big, sizeof(big));
    char *huge = h_envelope_header(11,
        "<wsse:Security xmlns:wsse=\"%s\"><wsse:BinarySecurityToken ValueType=\"%s\">%s"
        "</wsse:BinarySecurityToken></wsse:Security>", WSSEC_NS_WSSE, VT2, b64);
    expect_error(in, huge, WSSEC_ELIMIT, "wsse:FailedAuthentication",
                 "LTPA v2 token refused: it is 8192 bytes, more than 6144");
    free(huge);
    free(b64);
    char *empty = h_envelope_header(11,
        "<wsse:Security xmlns:wsse=\"%s\"><wsse:BinarySecurityToken ValueType=\"%s\"/>"
        "</wsse:Security>", WSSEC_NS_WSSE, VT2);
    expect_error(in, empty, WSSEC_ETOKEN, "wsse:FailedAuthentication",
                 "LTPA v2 token refused: it is empty or not base64");
    free(empty);

    /* without the plug-in the token is an unsupported BinarySecurityToken */
    const char *plain_pairs[] = { "require", "timestamp", NULL };
    wssec_ctx *plain = ctx_of(plain_pairs);
    expect_error(plain, xml, WSSEC_EUNSUPPORTED, "wsse:UnsupportedSecurityToken",
                 "ValueType '" VT2 "' is not supported");
    wssec_ctx_free(plain);
    free(xml);
    wssec_ctx_free(in);
}

/* Expiry at the message's clock (skew 0 unless skew=), and the realm. */
static void test_expiry_realm(void **state)
{
    (void)state;
    static const char *const only_ltpa[] = { "ltpa-token" };
    char *xml = ltpa_message("alice", H_NOW_TEXT, only_ltpa, 1);
    wssec_ctx *edge = consumer("", "2025-06-01T12:10:00Z");
    expect_caller(edge, xml, "alice");
    wssec_ctx *late = consumer("", "2025-06-01T12:10:00.001Z");
    expect_error(late, xml, WSSEC_EEXPIRED, "wsse:FailedAuthentication",
                 "LTPA v2 token for 'alice' (realm 'example.com:389') expired at "
                 "2025-06-01T12:10:00.000Z (skew 0 s)");
    wssec_ctx *skewed = consumer(",skew=60", "2025-06-01T12:11:00Z");
    expect_caller(skewed, xml, "alice");
    wssec_ctx *later = consumer(",skew=60", "2025-06-01T12:11:01Z");
    expect_error(later, xml, WSSEC_EEXPIRED, "wsse:FailedAuthentication", "(skew 60 s)");
    /* the realm a token must name */
    wssec_ctx *same = consumer(",realm=example.com:389", "2025-06-01T12:01:00Z");
    expect_caller(same, xml, "alice");
    wssec_ctx *realm = consumer(",realm=corp.example", "2025-06-01T12:01:00Z");
    expect_error(realm, xml, WSSEC_EAUTH, "wsse:FailedAuthentication",
                 "LTPA v2 token for 'alice' is of realm 'example.com:389', not 'corp.example'");
    free(xml);
    /* the generator's realm= and a DN with commas (backslash-escaped in the argument) */
    xml = made_with(SPEC ",realm=corp.example,user=uid=bob\\,o=example", H_NOW_TEXT, only_ltpa, 1);
    expect_caller(realm, xml, "uid=bob,o=example");
    free(xml);
    /* no user= argument: the outbound username */
    const char *pairs[] = { "plugin", SPEC, "username", "carol", "now", H_NOW_TEXT, NULL };
    wssec_ctx *gen = ctx_of(pairs);
    char *env = h_envelope_header(11, NULL);
    xml = h_secure(gen, env, only_ltpa, 1, NULL);
    expect_caller(same, xml, "carol");
    free(xml);
    free(env);
    wssec_ctx_free(gen);
    wssec_ctx *list[] = { edge, late, skewed, later, same, realm };
    for (size_t i = 0; i < WSSEC_ARRAY_LEN(list); i++) wssec_ctx_free(list[i]);
}

/* LtpaToken (v1): made by the action ltpa-token-v1, accepted only with v1=yes. */
static void test_v1(void **state)
{
    (void)state;
    static const char *const v1[] = { "ltpa-token-v1" };
    char *xml = ltpa_message("alice", H_NOW_TEXT, v1, 1);
    h_assert_contains(xml, "ValueType=\"" VT1 "\"");
    wssec_ctx *no = consumer("", "2025-06-01T12:01:00Z");
    expect_error(no, xml, WSSEC_EPOLICY, "wsse:FailedAuthentication",
                 "LTPA v1 token refused: its expiry is not signed (the plug-in argument v1=yes "
                 "accepts them)");
    wssec_ctx *yes = consumer(",v1=yes", "2025-06-01T12:01:00Z");
    h_run r;
    assert_int_equal(h_verify(&r, yes, xml), 0);
    assert_string_equal(wssec_result_caller(r.res), "alice");
    assert_string_equal(wssec_token_get(wssec_result_token(r.res, 0), "version"), "1");
    h_run_free(&r);
    wssec_ctx *late = consumer(",v1=yes", "2025-06-01T12:10:01Z");
    expect_error(late, xml, WSSEC_EEXPIRED, "wsse:FailedAuthentication",
                 "LTPA v1 token for 'alice' (realm 'example.com:389') expired at");
    wssec_ctx_free(no);
    wssec_ctx_free(yes);
    wssec_ctx_free(late);
    free(xml);
}

/* The password: from a file or an environment variable, never the argument. */
static void test_password(void **state)
{
    (void)state;
    wssec_ctx *ctx = NULL;
    char err[700];
    char *wrong = h_tempfile("webas-sample\n");
    char *spec = h_strf(PLUGIN "::key-file=" LTPA "ltpa.keys,password-file=%s", wrong);
    const char *bad[] = { "plugin", spec, NULL };
    assert_int_equal(try_ctx(&ctx, bad, err, sizeof(err)), WSSEC_ECONFIG);
    h_assert_contains(err, "key-file " LTPA "ltpa.keys: 3DESKey does not decrypt: wrong password");
    free(spec);
    unlink(wrong);
    free(wrong);

    assert_int_equal(setenv("WSSEC_TEST_LTPA_PW", "WebAS-sample", 1), 0);
    const char *env[] = { "plugin", PLUGIN "::key-file=" LTPA "ltpa.keys,password-env=WSSEC_TEST_LTPA_PW",
                          NULL };
    wssec_ctx_free(ctx_of(env));
    assert_int_equal(unsetenv("WSSEC_TEST_LTPA_PW"), 0);
    assert_int_equal(try_ctx(&ctx, env, err, sizeof(err)), WSSEC_ECONFIG);
    h_assert_contains(err, "password-env WSSEC_TEST_LTPA_PW is not set");
}

/* The shared LTPA vectors inside SOAP messages, the clock pinned either side of each expiry. */
/* The generator reproduces the shared vectors' deterministic tokens byte for byte. */
static void test_vector_generated(void **state)
{
    (void)state;
    h_require_file(VECTORS "manifest.tsv");
    static const struct {
        const char *token, *action, *arg;
    } cases[] = {
        { "v2-amlen-gen-2100", "ltpa-token",
          "user=uid=u0000000\\,ou=users\\,ou=PERF\\,dc=ism.ibm\\,dc=com" },
        { "v1-amlen-gen-2100", "ltpa-token-v1",
          "user=uid=u0000000\\,ou=users\\,ou=PERF\\,dc=ism.ibm\\,dc=com" },
        { "v2-amlen-gen-escapes", "ltpa-token",
          "realm=Example:Realm,user=cn=a$b%c:d|e\\\\f\\,o=example" },
    };
    char *pw = h_tempfile("password");
    for (size_t i = 0; i < WSSEC_ARRAY_LEN(cases); i++) {
        char *spec = h_strf(PLUGIN "::key-file=" VECTORS "keys/amlen-TestLTPAKey.properties,"
                            "password-file=%s,ttl=600,%s", pw, cases[i].arg);
        const char *actions[] = { cases[i].action };
        /* expiring 2100-01-01T00:00:00Z, the vectors' expiry */
        char *xml = made_with(spec, "2099-12-31T23:50:00Z", actions, 1);
        char *path = h_strf(VECTORS "tokens/%s.b64", cases[i].token);
        FILE *f = fopen(path, "rb");
        assert_non_null(f);
        char want[4096];
        size_t n = fread(want, 1, sizeof(want) - 1, f);
        fclose(f);
        want[n] = '\0';
        char *text = h_strf("\">%s</wsse:BinarySecurityToken>", want);
        h_assert_contains(xml, text);
        free(text);
        free(path);
        free(xml);
        free(spec);
    }
    unlink(pw);
    free(pw);
}

static void test_vector_messages(void **state)
{
    (void)state;
    h_require_file(VECTORS "manifest.tsv");
    static const struct {
        const char *token, *keys, *password, *vt, *before, *after, *caller, *needle;
    } cases[] = {
        { "v2-amlen", "amlen-TestLTPAKey", "password", VT2, "2023-10-07T17:09:41Z",
          "2023-10-07T17:09:41.001Z", "uid=u0000000,ou=users,ou=PERF,dc=ism.ibm,dc=com", NULL },
        { "v1-amlen", "amlen-TestLTPAKey", "password", VT1, "2023-10-07T17:08:01Z",
          "2023-10-07T17:08:01.001Z", "uid=u0000000,ou=users,ou=PERF,dc=ism.ibm,dc=com", NULL },
        { "v2-spring", "spring-ltpa2-faq-keys", "test123", VT2, "2018-02-19T12:31:00Z",
          "2018-02-19T12:31:00.001Z", "CN=fae6d87c-c642-45a6-9f09-915c7fd8b08c,OU=user,DC=foo,DC=bar",
          NULL },
        { "v2-jip", "jip-ltpa2-keys", "abc.123", VT2, "2014-09-08T19:42:00Z",
          "2014-09-08T19:42:00.001Z", "uid=wpsadmin,o=defaultWIMFileBasedRealm", NULL },
        { "v2-amlen-gen-escapes", "amlen-TestLTPAKey", "password", VT2, "2099-12-31T23:59:59Z",
          "2100-01-01T00:00:00.001Z", "cn=a$b%c:d|e\\f,o=example", NULL },
        { "v1-amlen-gen-2100", "amlen-TestLTPAKey", "password", VT1, "2099-12-31T23:59:59Z",
          "2100-01-01T00:00:00.001Z", "uid=u0000000,ou=users,ou=PERF,dc=ism.ibm,dc=com", NULL },
        /* the unsigned outer field says 2100; the signed expire attribute rules */
        { "v2-amlen-neg-outer-expiry", "amlen-TestLTPAKey", "password", VT2, "2023-10-07T17:09:41.001Z",
          "2024-01-01T00:00:00Z", "uid=u0000000,ou=users,ou=PERF,dc=ism.ibm,dc=com", NULL },
        { "v2-amlen-neg-forged-user", "amlen-TestLTPAKey", "password", VT2, "2023-10-07T17:00:00Z",
          NULL, NULL, "LTPA v2 token refused: its signature does not verify" },
        { "v1-amlen-neg-forged-user", "amlen-TestLTPAKey", "password", VT1, "2023-10-07T17:00:00Z",
          NULL, NULL, "LTPA v1 token refused: its signature does not verify" },
        { "v2-amlen-neg-bitflip", "amlen-TestLTPAKey", "password", VT2, "2023-10-07T17:00:00Z",
          NULL, NULL, "LTPA v2 token refused: its signature does not verify" },
        { "v1-amlen-neg-bitflip", "amlen-TestLTPAKey", "password", VT1, "2023-10-07T17:00:00Z",
          NULL, NULL, "LTPA v1 token refused: its signature does not verify" },
    };
    for (size_t i = 0; i < WSSEC_ARRAY_LEN(cases); i++) {
        char *path = h_strf(VECTORS "tokens/%s.b64", cases[i].token);
        FILE *f = fopen(path, "rb");
        assert_non_null(f);
        char token[4096];
        size_t n = fread(token, 1, sizeof(token) - 1, f);
        fclose(f);
        token[n] = '\0';
        char *xml = h_envelope_header(11,
            "<wsse:Security xmlns:wsse=\"%s\"><wsse:BinarySecurityToken ValueType=\"%s\" "
            "EncodingType=\"%s\">%s</wsse:BinarySecurityToken></wsse:Security>",
            WSSEC_NS_WSSE, cases[i].vt, WSSEC_ENC_BASE64, token);
        char *pw = h_tempfile(cases[i].password);
        char *spec = h_strf(PLUGIN "::key-file=" VECTORS "keys/%s.properties,password-file=%s,v1=yes",
                            cases[i].keys, pw);
        const char *before[] = { "plugin", spec, "require", "none", "now", cases[i].before, NULL };
        wssec_ctx *ctx = ctx_of(before);
        if (cases[i].needle) {
            expect_error(ctx, xml, WSSEC_EAUTH, "wsse:FailedAuthentication", cases[i].needle);
        } else if (cases[i].after && strstr(cases[i].token, "outer")) {
            expect_error(ctx, xml, WSSEC_EEXPIRED, "wsse:FailedAuthentication",
                         "expired at 2023-10-07T17:09:41.000Z");
        } else {
            expect_caller(ctx, xml, cases[i].caller);
        }
        wssec_ctx_free(ctx);
        if (cases[i].after) {
            const char *after[] = { "plugin", spec, "now", cases[i].after, NULL };
            ctx = ctx_of(after);
            expect_error(ctx, xml, WSSEC_EEXPIRED, "wsse:FailedAuthentication", "expired at");
            wssec_ctx_free(ctx);
        }
        unlink(pw);
        free(pw);
        free(spec);
        free(xml);
        free(path);
    }
}

static void test_load_errors(void **state)
{
    (void)state;
    /* a world-writable copy of the plug-in */
    char tmpl[] = "/tmp/wssec-plugin-XXXXXX";
    char *dir = mkdtemp(tmpl);
    assert_non_null(dir);
    char *copy = h_strf("%s/ltpa.so", dir);
    copy_plugin(copy, 0777);
    char *writable = h_strf("%s::" KEYS, copy);
    /* a file that is not a shared object, where only that can be wrong (the
     * source tree's directories may be group-writable, as git archive makes them) */
    char *not_so = h_strf("%s/ltpa.keys", dir);
    char *not_so_needle = h_strf("plugin %s cannot be loaded: ", not_so);
    FILE *k = fopen(not_so, "wb");
    assert_non_null(k);
    assert_true(fputs("not a shared object\n", k) >= 0);
    fclose(k);
    assert_int_equal(chmod(not_so, 0644), 0);

    char *not_keys = h_tempfile("a=b\n");
    char *not_keys_spec = h_strf(PLUGIN "::key-file=%s,password-file=" LTPA "ltpa.pw", not_keys);
    const struct {
        const char *spec, *needle;
    } cases[] = {
        { "ltpa_token.so", "plugin ltpa_token.so: give a path (./ltpa_token.so for the current "
                           "directory)" },
        { ":wssec_plugin_init", "names no shared object" },
        { "/no/such/plugin.so", "plugin /no/such/plugin.so cannot be loaded: No such file or "
                                "directory" },
        { "/tmp", "plugin /tmp is not a regular file" },
        { not_so, not_so_needle },
        { PLUGIN ":nope", "plugin " PLUGIN " has no entry point 'nope'" },
        { PLUGIN, "plugin " PLUGIN ": wssec_plugin_init() refused to register: no key: give the "
                  "argument key-file=PATH" },
        { PLUGIN "::key-file=/no/such/key,password-file=" LTPA "ltpa.pw",
          "refused to register: key-file /no/such/key: cannot be opened" },
        { PLUGIN "::key-file=" LTPA "ltpa.keys", "give its password with one of password-file=PATH "
                                                 "and password-env=NAME" },
        { SPEC ",password-env=HOME", "give its password with one of" },
        { PLUGIN "::key-file=" LTPA "ltpa.keys,password-file=/no/such/pw",
          "password-file /no/such/pw cannot be opened" },
        { not_keys_spec, "refused to register: key-file /tmp/wssec-unit-" },
        { not_keys_spec, "3DESKey is missing (not a WebSphere LTPA key file?)" },
        { SPEC ",bogus=1", "unknown argument 'bogus'" },
        { SPEC ",ttl=soon", "bad value for ttl" },
        { SPEC ",v1=maybe", "bad value for v1" },
        { SPEC ",realm=a/b", "bad value for realm" },
        { SPEC ",trusted-ou=", "bad value for trusted-ou" },
        { writable, "is writable by every user" },
    };
    for (size_t i = 0; i < WSSEC_ARRAY_LEN(cases); i++) {
        const char *pairs[] = { "plugin", cases[i].spec, NULL };
        wssec_ctx *ctx = NULL;
        char err[700];
        int rc = try_ctx(&ctx, pairs, err, sizeof(err));
        if (rc != WSSEC_ECONFIG || !strstr(err, cases[i].needle))
            print_error("'%s': %s: %s\n", cases[i].spec, wssec_code_name(rc), err);
        assert_int_equal(rc, WSSEC_ECONFIG);
        assert_null(ctx);
        h_assert_contains(err, cases[i].needle);
    }
    /* the same copy, no longer writable by others, loads */
    assert_int_equal(chmod(copy, 0755), 0);
    const char *ok[] = { "plugin", writable, NULL };
    wssec_ctx *ctx = ctx_of(ok);
    wssec_ctx_free(ctx);
    unlink(copy);
    unlink(not_so);
    rmdir(dir);
    unlink(not_keys);
    free(not_keys);
    free(not_keys_spec);
    free(copy);
    free(writable);
    free(not_so);
    free(not_so_needle);
}

/* Loads "file::KEYS"; returns the code, the error in err. */
static int load(const char *file, char *err, size_t errlen)
{
    char *spec = h_strf("%s::" KEYS, file);
    const char *pairs[] = { "plugin", spec, NULL };
    wssec_ctx *ctx = NULL;
    int rc = try_ctx(&ctx, pairs, err, errlen);
    wssec_ctx_free(ctx);
    free(spec);
    return rc;
}

/* Code that runs in the process is loaded only from a file that nobody but
 * root and the current user can change: the file, and every directory on
 * its path (a sticky root-owned directory such as /tmp excepted), not
 * writable by group or others, owned by root or the current user; never
 * through a symbolic link. The file checked is the file loaded (its
 * descriptor). */
static void test_load_checks(void **state)
{
    (void)state;
    char tmpl[] = "/tmp/wssec-plugin-XXXXXX";
    char *dir = mkdtemp(tmpl);
    assert_non_null(dir);
    assert_int_equal(chmod(dir, 0755), 0);
    char *file = h_strf("%s/ltpa.so", dir), *link = h_strf("%s/link.so", dir);
    char err[700];

    /* 0644 in a 0755 directory: loads */
    copy_plugin(file, 0644);
    int rc = load(file, err, sizeof(err));
    if (rc) print_error("%s\n", err);
    assert_int_equal(rc, 0);

    static const struct {
        mode_t file, dir;
        const char *needle;
    } modes[] = {
        { 0666, 0755, "is writable by every user" },
        { 0664, 0755, "is writable by its group" },
        { 0644, 0777, "is writable by other users" },
        { 0644, 0775, "is writable by other users" },
    };
    for (size_t i = 0; i < WSSEC_ARRAY_LEN(modes); i++) {
        assert_int_equal(chmod(file, modes[i].file), 0);
        assert_int_equal(chmod(dir, modes[i].dir), 0);
        rc = load(file, err, sizeof(err));
        assert_int_equal(chmod(dir, 0755), 0);
        if (rc != WSSEC_ECONFIG || !strstr(err, modes[i].needle))
            print_error("file %o dir %o: %s: %s\n", (unsigned)modes[i].file,
                        (unsigned)modes[i].dir, wssec_code_name(rc), err);
        assert_int_equal(rc, WSSEC_ECONFIG);
        h_assert_contains(err, modes[i].needle);
        h_assert_contains(err, file);
        if (modes[i].dir != 0755) h_assert_contains(err, dir);
    }
    assert_int_equal(chmod(file, 0644), 0);

    /* a symbolic link to a good copy */
    assert_int_equal(symlink(file, link), 0);
    rc = load(link, err, sizeof(err));
    assert_int_equal(rc, WSSEC_ECONFIG);
    h_assert_contains(err, link);
    h_assert_contains(err, "symbolic link");

    /* owned by someone else (only root can arrange that) */
    if (geteuid() == 0) {
        assert_int_equal(chown(file, 4242, 4242), 0);
        rc = load(file, err, sizeof(err));
        assert_int_equal(rc, WSSEC_ECONFIG);
        h_assert_contains(err, "owned by uid 4242");
        assert_int_equal(chown(file, 0, 0), 0);
        assert_int_equal(chown(dir, 4242, 4242), 0);
        rc = load(file, err, sizeof(err));
        assert_int_equal(chown(dir, 0, 0), 0);
        assert_int_equal(rc, WSSEC_ECONFIG);
        h_assert_contains(err, dir);
        h_assert_contains(err, "owned by uid 4242");
    }
    /* and once more as it should be */
    assert_int_equal(load(file, err, sizeof(err)), 0);

    unlink(link);
    unlink(file);
    rmdir(dir);
    free(link);
    free(file);
}

/* The caller's configuration is only read: the plug-in's module lives in the
 * context; two contexts from one configuration have their own state. */
static void test_config_untouched(void **state)
{
    (void)state;
    wssec_config *cfg = NULL;
    assert_int_equal(wssec_config_new(&cfg), 0);
    assert_int_equal(wssec_config_set(cfg, "now", "2025-06-01T12:01:00Z"), 0);
    assert_int_equal(wssec_config_set(cfg, "require", "timestamp"), 0);
    assert_int_equal(wssec_config_set(cfg, "plugin", SPEC), 0);
    size_t before = cfg->modules.n;
    wssec_ctx *a = NULL, *b = NULL;
    assert_int_equal(wssec_ctx_new(&a, cfg), 0);
    assert_int_equal(wssec_ctx_new(&b, cfg), 0);
    assert_int_equal(cfg->modules.n, before);
    assert_int_equal(cfg->s.plugins.n, 1);
    wssec_config_free(cfg);
    char *xml = ltpa_message("alice", H_NOW_TEXT, ltpa_actions, 2);
    wssec_ctx_free(a); /* the other context keeps its own plug-in state */
    h_run r;
    int rc = h_verify(&r, b, xml);
    if (rc) print_error("%s\n", h_run_err(&r)->message);
    assert_int_equal(rc, 0);
    assert_string_equal(wssec_result_caller(r.res), "alice");
    h_run_free(&r);
    free(xml);
    wssec_ctx_free(b);
}

/* The plug-in's trusted-ID evaluator: upstreams with OU=Gateways, by signature. */
static void test_plugin_evaluator(void **state)
{
    (void)state;
    static const char *const gw_actions[] = { "timestamp", "identity-assertion", "signature" };
    const char *be_pairs[] = { "plugin", SPEC ",trusted-ou=Gateways",
                               "trust", PKI "root.crt", "certs", PKI "inter.crt", NULL };
    wssec_ctx *be = ctx_of(be_pairs);
    const char *gw_pairs[] = { "sign-key", PKI "gateway.key", "sign-cert", PKI "gateway.crt",
                               "assert-user", "alice", NULL };
    const char *srv_pairs[] = { "sign-key", PKI "server.key", "sign-cert", PKI "server.crt",
                                "assert-user", "alice", NULL };
    wssec_ctx *gw = ctx_of(gw_pairs), *srv = ctx_of(srv_pairs);
    char *plain = h_envelope_header(11, NULL);
    char *xml = h_secure(gw, plain, gw_actions, 3, NULL);
    h_run r;
    int rc = h_verify(&r, be, xml);
    if (rc) print_error("%s\n", h_run_err(&r)->message);
    assert_int_equal(rc, 0);
    assert_string_equal(wssec_result_caller(r.res), "alice");
    assert_string_equal(wssec_result_asserted_by(r.res), GW_DN);
    h_run_free(&r);
    free(xml);
    xml = h_secure(srv, plain, gw_actions, 3, NULL);
    expect_error(be, xml, WSSEC_EUNTRUSTED, "wsse:FailedAuthentication",
                 "upstream '" SERVER_DN "' (proven by signature) is not trusted to assert "
                 "identities: its subject has no ou=gateways (the ltpa plug-in's trusted-ou)");
    free(xml);
    /* a plug-in's evaluator and a trusted-upstream list: one or the other */
    const char *both[] = { "plugin", SPEC ",trusted-ou=Gateways",
                           "trusted-upstream", GW_DN, NULL };
    wssec_ctx *ctx = NULL;
    char err[700];
    assert_int_equal(try_ctx(&ctx, both, err, sizeof(err)), WSSEC_ECONFIG);
    h_assert_contains(err, "trusted-upstream and a trusted-ID evaluator are both configured");
    free(plain);
    wssec_ctx_free(gw);
    wssec_ctx_free(srv);
    wssec_ctx_free(be);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_roundtrip),
        cmocka_unit_test(test_expiry_realm),
        cmocka_unit_test(test_v1),
        cmocka_unit_test(test_password),
        cmocka_unit_test(test_vector_messages),
        cmocka_unit_test(test_vector_generated),
        cmocka_unit_test(test_load_errors),
        cmocka_unit_test(test_load_checks),
        cmocka_unit_test(test_config_untouched),
        cmocka_unit_test(test_plugin_evaluator),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    xmlCleanupParser();
    return rc;
}
