/*
 * Plug-ins: the sample plug-in (samples/plugin/ltpa_token.c) loaded from its
 * shared object — its token round trip and the hostile cases (another key,
 * a changed token, an expired one, no plug-in at all), its trusted-ID
 * evaluator — and every way loading can fail, each a configuration error
 * that names the file and the reason. What a plug-in registers stays with
 * the context it was loaded for, never in the caller's configuration.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libxml/parser.h>
#include <openssl/evp.h>

#include "helpers.h"

#define PKI WSSEC_SOURCE_DIR "/samples/pki/"
#define KEY WSSEC_SOURCE_DIR "/samples/plugin/ltpa.key"
#define PLUGIN WSSEC_PLUGIN_PATH
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

/* A message with an LTPA token for user (the generator), made at now. */
static char *ltpa_message(const char *user, const char *now, const char *const *actions, size_t n)
{
    char *spec = h_strf(PLUGIN "::key-file=" KEY ",user=%s,ttl=600", user);
    const char *pairs[] = { "plugin", spec, "now", now, NULL };
    wssec_ctx *ctx = ctx_of(pairs);
    char *plain = h_envelope_header(11, NULL);
    char *out = h_secure(ctx, plain, actions, n, NULL);
    free(plain);
    free(spec);
    wssec_ctx_free(ctx);
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

/* Rewrites the token's decoded text with edit (same length), re-encoded. */
static char *retoken(const char *xml, const char *from, const char *to)
{
    const char *start = strstr(xml, "ValueType=\"urn:wssec:sample:ltpa-token\"");
    assert_non_null(start);
    start = strchr(start, '>') + 1;
    const char *end = strchr(start, '<');
    size_t n = (size_t)(end - start);
    unsigned char raw[1024];
    char *b64 = h_strf("%.*s", (int)n, start);
    int len = EVP_DecodeBlock(raw, (const unsigned char *)b64, (int)n);
    assert_true(len > 0);
    while (len > 0 && raw[len - 1] == '\0') len--;
    raw[len] = '\0';
    char *at = strstr((char *)raw, from);
    assert_non_null(at);
    assert_int_equal(strlen(from), strlen(to));
    memcpy(at, to, strlen(to));
    char enc[1500];
    EVP_EncodeBlock((unsigned char *)enc, raw, len);
    char *out = h_strf("%.*s%s%s", (int)(start - xml), xml, enc, end);
    free(b64);
    return out;
}

/* Copies the sample plug-in to path with mode. */
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
    const char *in_pairs[] = { "plugin", PLUGIN "::key-file=" KEY, "require", "timestamp",
                               "now", "2025-06-01T12:01:00Z", NULL };
    wssec_ctx *in = ctx_of(in_pairs);
    char *xml = ltpa_message("alice", H_NOW_TEXT, ltpa_actions, 2);
    h_assert_contains(xml, "ValueType=\"urn:wssec:sample:ltpa-token\"");
    h_run r;
    int rc = h_verify(&r, in, xml);
    if (rc) print_error("%s\n", h_run_err(&r)->message);
    assert_int_equal(rc, 0);
    assert_string_equal(wssec_result_caller(r.res), "alice");
    assert_null(wssec_result_asserted_by(r.res));
    const wssec_token *t = wssec_result_token(r.res, 1);
    assert_string_equal(wssec_token_type(t), "ltpa-token");
    assert_string_equal(wssec_token_get(t, "user"), "alice");
    assert_string_equal(wssec_token_get(t, "expires"), "2025-06-01T12:10:00Z");
    h_run_free(&r);

    /* the token changed: the MAC is checked before anything in it is used */
    char *evil = retoken(xml, "user=alice", "user=admin");
    expect_error(in, evil, WSSEC_EAUTH, "wsse:FailedAuthentication", "LTPA token MAC does not verify");
    free(evil);
    evil = retoken(xml, "expires=2025", "expires=2035");
    expect_error(in, evil, WSSEC_EAUTH, "wsse:FailedAuthentication", "LTPA token MAC does not verify");
    free(evil);
    evil = retoken(xml, ";mac=", ";mak=");
    expect_error(in, evil, WSSEC_ETOKEN, "wsse:InvalidSecurityToken", "LTPA token without a MAC");
    free(evil);

    /* another key */
    char *other = h_tempfile("another-key-0123456789abcdef\n");
    char *spec = h_strf(PLUGIN "::key-file=%s", other);
    const char *other_pairs[] = { "plugin", spec, "require", "timestamp", NULL };
    wssec_ctx *other_ctx = ctx_of(other_pairs);
    expect_error(other_ctx, xml, WSSEC_EAUTH, "wsse:FailedAuthentication",
                 "LTPA token MAC does not verify");
    wssec_ctx_free(other_ctx);
    free(spec);
    unlink(other);
    free(other);

    /* without the plug-in the token is an unsupported BinarySecurityToken */
    const char *plain_pairs[] = { "require", "timestamp", NULL };
    wssec_ctx *plain = ctx_of(plain_pairs);
    expect_error(plain, xml, WSSEC_EUNSUPPORTED, "wsse:UnsupportedSecurityToken",
                 "ValueType 'urn:wssec:sample:ltpa-token' is not supported");
    wssec_ctx_free(plain);
    free(xml);

    /* expired: ttl 600 s, skew 60 s */
    static const char *const only_ltpa[] = { "ltpa-token" };
    xml = ltpa_message("alice", H_NOW_TEXT, only_ltpa, 1);
    const char *late_pairs[] = { "plugin", PLUGIN "::key-file=" KEY, "require", "none",
                                 "now", "2025-06-01T12:11:01Z", NULL };
    wssec_ctx *late = ctx_of(late_pairs);
    expect_error(late, xml, WSSEC_EEXPIRED, "wsse:MessageExpired",
                 "LTPA token for 'alice' expired at 2025-06-01T12:10:00Z (skew 60 s)");
    const char *edge_pairs[] = { "plugin", PLUGIN "::key-file=" KEY, "require", "none",
                                 "now", "2025-06-01T12:11:00Z", NULL };
    wssec_ctx *edge = ctx_of(edge_pairs);
    assert_int_equal(h_verify(&r, edge, xml), 0);
    h_run_free(&r);
    /* the skew is the context's clock-skew (read through the module SDK)
     * unless the plug-in's skew= argument gives its own */
    const char *wide_pairs[] = { "plugin", PLUGIN "::key-file=" KEY, "require", "none",
                                 "clock-skew", "120", "now", "2025-06-01T12:11:01Z", NULL };
    wssec_ctx *wide = ctx_of(wide_pairs);
    assert_int_equal(h_verify(&r, wide, xml), 0);
    h_run_free(&r);
    const char *wider_late[] = { "plugin", PLUGIN "::key-file=" KEY, "require", "none",
                                 "clock-skew", "120", "now", "2025-06-01T12:12:01Z", NULL };
    wssec_ctx *wider = ctx_of(wider_late);
    expect_error(wider, xml, WSSEC_EEXPIRED, "wsse:MessageExpired",
                 "LTPA token for 'alice' expired at 2025-06-01T12:10:00Z (skew 120 s)");
    const char *own_pairs[] = { "plugin", PLUGIN "::key-file=" KEY ",skew=0", "require", "none",
                                "clock-skew", "120", "now", "2025-06-01T12:10:01Z", NULL };
    wssec_ctx *own = ctx_of(own_pairs);
    expect_error(own, xml, WSSEC_EEXPIRED, "wsse:MessageExpired",
                 "LTPA token for 'alice' expired at 2025-06-01T12:10:00Z (skew 0 s)");
    wssec_ctx_free(wide);
    wssec_ctx_free(wider);
    wssec_ctx_free(own);
    wssec_ctx_free(late);
    wssec_ctx_free(edge);
    free(xml);
    wssec_ctx_free(in);
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
    char *writable = h_strf("%s::key-file=" KEY, copy);
    /* a file that is not a shared object, where only that can be wrong (the
     * source tree's directories may be group-writable, as git archive makes them) */
    char *not_so = h_strf("%s/ltpa.key", dir);
    char *not_so_needle = h_strf("plugin %s cannot be loaded: ", not_so);
    FILE *k = fopen(not_so, "wb");
    assert_non_null(k);
    assert_true(fputs("not a shared object\n", k) >= 0);
    fclose(k);
    assert_int_equal(chmod(not_so, 0644), 0);

    char *short_key = h_tempfile("too-short\n");
    char *short_spec = h_strf(PLUGIN "::key-file=%s", short_key);
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
        { PLUGIN "::key-file=/no/such/key", "refused to register: key-file /no/such/key: cannot be "
                                            "opened" },
        { short_spec, "refused to register: key-file /tmp/wssec-unit-" },
        { short_spec, "must hold 16 to 256 bytes" },
        { PLUGIN "::key-file=" KEY ",bogus=1", "unknown argument 'bogus'" },
        { PLUGIN "::key-file=" KEY ",ttl=soon", "bad value for ttl" },
        { PLUGIN "::key-file=" KEY ",trusted-ou=", "bad value for trusted-ou" },
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
    unlink(short_key);
    free(short_key);
    free(short_spec);
    free(copy);
    free(writable);
    free(not_so);
    free(not_so_needle);
}

/* Loads "file::key-file=KEY"; returns the code, the error in err. */
static int load(const char *file, char *err, size_t errlen)
{
    char *spec = h_strf("%s::key-file=" KEY, file);
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
    assert_int_equal(wssec_config_set(cfg, "plugin", PLUGIN "::key-file=" KEY), 0);
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
    const char *be_pairs[] = { "plugin", PLUGIN "::key-file=" KEY ",trusted-ou=Gateways",
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
    const char *both[] = { "plugin", PLUGIN "::key-file=" KEY ",trusted-ou=Gateways",
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
        cmocka_unit_test(test_load_errors),
        cmocka_unit_test(test_load_checks),
        cmocka_unit_test(test_config_untouched),
        cmocka_unit_test(test_plugin_evaluator),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    xmlCleanupParser();
    return rc;
}
