/*
 * Configuration: options, the require list, configuration files, the schema
 * consistency, and modules.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "helpers.h"

typedef struct fixture {
    wssec_config *cfg;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof(*f));
    if (!f || wssec_config_new(&f->cfg)) return -1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    wssec_config_free(f->cfg);
    free(f);
    return 0;
}

/* One valid and one invalid value per option (NULL: every string is valid). */
static const struct {
    const char *name, *valid, *invalid;
} options[] = {
    { "max-message-size", "1M", "100" },
    { "max-depth", "8", "3" },
    { "max-nodes", "16", "15" },
    { "max-attributes", "8", "0" },
    { "max-namespaces", "8", "0" },
    { "max-namespaces-in-scope", "8", "0" },
    { "max-token-size", "64K", "12x" },
    { "clock-skew", "30", "-1" },
    { "max-age", "600", "1.5" },
    { "timestamp-ttl", "0", "soon" },
    { "timestamp-millis", "false", "yes" },
    { "actor", "urn:gateway", NULL },
    { "password-type", "any", "plain" },
    { "require", "timestamp", "signatures" },
    { "username", "alice", NULL },
    { "actions", "timestamp,username-token", NULL },
    { "now", "2025-01-31T12:00:00Z", "2025-01-31" },
    { "replay-cache", "memory", "redis" },
    { "replay-cache-size", "10", "0" },
    { "replay-signatures", "false", "no" },
    { "sign-key", "alice.key", NULL },
    { "sign-cert", "alice.crt", NULL },
    { "sign-chain", "chain.pem", NULL },
    { "pkcs12", "alice.p12", NULL },
    { "pkcs12-password-file", "p12.pw", NULL },
    { "pkcs12-password-env", "P12_PW", NULL },
    { "pkcs12-alias", "alice", NULL },
    { "sign-key-password-file", "key.pw", NULL },
    { "sign-key-password-env", "KEY_PW", NULL },
    { "decrypt-key-password-file", "key.pw", NULL },
    { "decrypt-key-password-env", "KEY_PW", NULL },
    { "key-id", "issuer-serial", "serial" },
    { "bst-type", "pkipath", "pkcs12" },
    { "sign-alg", "rsa-sha512", "dsa-sha1" },
    { "digest-alg", "sha384", "md5" },
    { "sign-part", "//soap:Body", NULL },
    { "namespace", "m=urn:example", NULL },
    { "trust", "root.crt", NULL },
    { "pin", "sha256:A7:A5", NULL },
    { "intermediates", "inter.crt", NULL },
    { "crl", "inter.crl", NULL },
    { "crl-check", "leaf", "some" },
    { "ocsp", "chain", "leaf" },
    { "ocsp-url", "http://ocsp.example/", NULL },
    { "ocsp-timeout", "3", "soon" },
    { "ocsp-soft-fail", "true", "perhaps" },
    { "ocsp-nonce", "false", "maybe" },
    { "ocsp-responder-cert", "responder.crt", NULL },
    { "ocsp-cache-size", "0", "many" },
    { "subject", "CN=alice,O=Example", NULL },
    { "issuer", "re:^CN=Example CA", NULL },
    { "transport-client-cert", "required", "sometimes" },
    { "max-chain-length", "3", "0" },
    { "expiry-warning-days", "0", "soon" },
    { "cert-cache", "false", "off" },
    { "cert-cache-size", "100", "0" },
    { "cert-cache-max-age", "60", "1m" },
    { "certs", "known.pem", NULL },
    { "allow-sha1", "true", "maybe" },
    { "allow-transforms", "xpath", "xquery" },
    { "bsp-relax", "R4220,inclusive-c14n", "R9999" },
    { "max-references", "8", "0" },
    { "max-transforms", "2", "0" },
    { "max-encrypted-keys", "2", "0" },
    { "max-derived-key-length", "32", "8" },
    { "max-derived-key-offset", "0", "x" },
    { "max-derived-keys", "1", "0" },
    { "max-signatures", "8", "0" },
    { "max-c14n-bytes", "1M", "12" },
    { "min-rsa-bits", "3072", "256" },
    { "min-ec-bits", "384", "128" },
    { "encrypt-cert", "server.crt", NULL },
    { "enc-alg", "aes128-gcm", "aes192-gcm" },
    { "key-transport", "kw-aes256", "rsa-pss" },
    { "encrypt-part", "//soap:Header/*:element", NULL },
    { "enc-key-id", "thumbprint", "name" },
    { "decrypt-key", "server.key", NULL },
    { "pkcs11-module", "/usr/lib/softhsm/libsofthsm2.so", NULL },
    { "pkcs11-pin-file", "token.pin", NULL },
    { "pkcs11-pin-env", "TOKEN_PIN", NULL },
    { "decrypt-cert", "server.crt", NULL },
    { "psk-file", "psk.b64", NULL },
    { "psk-name", "gateway-psk", NULL },
    { "allow-cbc", "true", "perhaps" },
    { "allow-3des", "true", "perhaps" },
    { "allow-x509v1", "true", "perhaps" },
    { "allow-rsa15", "false", "nope" },
    { "symmetric", "true", "maybe" },
    { "derived-keys", "true", "some" },
    { "derived-key-ns", "1.3", "1.2" },
    { "session-key-id", "encrypted-key-sha1", "sha1" },
    { "assert-user", "alice", NULL },
    { "assert-dn", "CN=alice,O=Example", NULL },
    { "assert-cert", "alice.crt", NULL },
    { "strip-security", "true", "yes" },
    { "trusted-upstream", "gateway", NULL },
    { "trust-mode", "basic", "certificate" },
    { "upstream-nonce-optional", "true", "maybe" },
    { "timestamp-in", "//m:Pay", NULL },
    { "nonce-in", "//m:Pay", NULL },
    { "unsigned-timestamps", "refuse", "ignore" },
    { "plugin", "./plugin.so", NULL },
    { "redis-password-file", "redis.pw", NULL },
    { "redis-password-env", "REDIS_PW", NULL },
    { "redis-connect-timeout-ms", "250", "0" },
    { "redis-command-timeout-ms", "500", "5s" },
    { "redis-pool-size", "2", "0" },
};

static size_t option_count(void)
{
    size_t n = 0;
    const char *name, *arg, *help;
    while (wssec_config_option_info(&name, &arg, &help, n) == 0) n++;
    return n;
}

static void test_option_table_complete(void **state)
{
    (void)state;
    size_t n = option_count();
    assert_int_equal(n, WSSEC_ARRAY_LEN(options));
    for (size_t i = 0; i < n; i++) {
        const char *name, *arg, *help;
        assert_int_equal(wssec_config_option_info(&name, &arg, &help, i), 0);
        assert_true(*arg && *help);
        assert_int_equal(wssec_config_has_option(name), 1);
        size_t j;
        for (j = 0; j < WSSEC_ARRAY_LEN(options); j++)
            if (strcmp(options[j].name, name) == 0) break;
        if (j == WSSEC_ARRAY_LEN(options)) fail_msg("option %s is not in the test table", name);
    }
    const char *name = "x", *arg = "x", *help = "x";
    assert_int_equal(wssec_config_option_info(&name, &arg, &help, n), WSSEC_EINVALID);
    assert_int_equal(wssec_config_has_option("output"), 0);
    assert_int_equal(wssec_config_has_option(""), 0);
}

static void test_valid_values(void **state)
{
    fixture *f = *state;
    for (size_t i = 0; i < WSSEC_ARRAY_LEN(options); i++) {
        int rc = wssec_config_set(f->cfg, options[i].name, options[i].valid);
        if (rc) print_error("%s: %s\n", options[i].name, wssec_config_error(f->cfg)->message);
        assert_int_equal(rc, 0);
        assert_int_equal(wssec_config_error(f->cfg)->code, 0);
    }
    /* they took effect */
    const wssec_settings *s = &f->cfg->s;
    assert_int_equal(s->max_message_size, 1024 * 1024);
    assert_int_equal(s->max_depth, 8);
    assert_int_equal(s->max_token_size, 64 * 1024);
    assert_int_equal(s->clock_skew_ms, 30000);
    assert_int_equal(s->max_age_ms, 600000);
    assert_int_equal(s->timestamp_ttl_ms, 0);
    assert_false(s->timestamp_millis);
    assert_string_equal(s->actor, "urn:gateway");
    assert_int_equal(s->password_type, WSSEC_PWTYPE_ANY);
    assert_int_equal(s->require, WSSEC_REQ_TIMESTAMP);
    assert_string_equal(s->username, "alice");
    assert_int_equal(s->actions.n, 2);
    assert_string_equal(s->actions.v[1], "username-token");
    assert_true(s->have_now);
    assert_int_equal(s->now, 1738324800000LL);
    assert_int_equal(s->replay_cache_size, 10);
    /* a context built from it carries them (without the files, which do not exist) */
    static const char *const files[] = { "sign-key", "sign-cert", "sign-chain", "pkcs12",
                                         "pkcs12-password-file", "pkcs12-password-env", "trust",
                                         "intermediates", "crl", "certs", "assert-cert", "plugin",
                                         "encrypt-cert", "decrypt-key", "decrypt-cert", "psk-file",
                                         "pkcs11-module", "pkcs11-pin-file", "pkcs11-pin-env",
                                         "pin", "ocsp-responder-cert",
                                         "assert-dn" /* one of assert-user and assert-dn */,
                                         "pkcs12-alias", "sign-key-password-file",
                                         "sign-key-password-env", "decrypt-key-password-file",
                                         "decrypt-key-password-env" };
    for (size_t i = 0; i < WSSEC_ARRAY_LEN(files); i++)
        assert_int_equal(wssec_config_set(f->cfg, files[i], ""), 0);
    wssec_ctx *ctx = NULL;
    assert_int_equal(wssec_ctx_new(&ctx, f->cfg), 0);
    assert_int_equal(wssec_ctx_max_message_size(ctx), 1024 * 1024);
    assert_int_equal(wssec_ctx_now(ctx), 1738324800000LL);
    assert_string_equal(wssec_ctx_replay_cache_name(ctx), "memory");
    wssec_ctx_free(ctx);
    /* strings clear with the empty value, lists too */
    assert_int_equal(wssec_config_set(f->cfg, "actor", ""), 0);
    assert_null(s->actor);
    assert_int_equal(wssec_config_set(f->cfg, "actions", ""), 0);
    assert_int_equal(s->actions.n, 0);
}

/* bsp-relax: rule numbers and aliases; an unknown name is a configuration
 * error that lists the known ones. */
static void test_bsp_relax_names(void **state)
{
    fixture *f = *state;
    const wssec_settings *s = &f->cfg->s;
    for (int r = 0; r < WSSEC_BSP_N; r++) assert_false(wssec__bsp_relaxed(s, r));
    assert_int_equal(wssec_config_set(f->cfg, "bsp-relax", "R4220, keyinfo-x509data"), 0);
    assert_true(wssec__bsp_relaxed(s, WSSEC_BSP_R4220));
    assert_true(wssec__bsp_relaxed(s, WSSEC_BSP_R5417));
    assert_true(wssec__bsp_relaxed(s, WSSEC_BSP_R5426));
    assert_false(wssec__bsp_relaxed(s, WSSEC_BSP_R4201));
    assert_false(wssec__bsp_relaxed(s, WSSEC_BSP_R5404));
    assert_false(wssec__bsp_relaxed(s, WSSEC_BSP_R5412));
    assert_false(wssec__bsp_relaxed(s, WSSEC_BSP_R3029));
    assert_int_equal(wssec_config_set(f->cfg, "bsp-relax", "bst-without-encoding-type"), 0);
    assert_true(wssec__bsp_relaxed(s, WSSEC_BSP_R3029));
    assert_int_equal(wssec_config_set(f->cfg, "bsp-relax", "inclusive-c14n"), 0);
    assert_true(wssec__bsp_relaxed(s, WSSEC_BSP_R5404));
    assert_true(wssec__bsp_relaxed(s, WSSEC_BSP_R5412));
    assert_int_equal(wssec_config_set(f->cfg, "bsp-relax", ""), 0);
    assert_false(wssec__bsp_relaxed(s, WSSEC_BSP_R5404));
    /* names are exact: a rule that is never relaxable is unknown here */
    static const char *const unknown[] = { "r4220", "R4221", "R5402", "all" };
    for (size_t i = 0; i < WSSEC_ARRAY_LEN(unknown); i++) {
        assert_int_equal(wssec_config_set(f->cfg, "bsp-relax", unknown[i]), WSSEC_ECONFIG);
        const wssec_error *e = wssec_config_error(f->cfg);
        h_assert_contains(e->message, unknown[i]);
        h_assert_contains(e->message, "(known: R3029, R4201, R4220, R5404, R5412, R5417, "
                                      "R5426, bst-without-encoding-type, qualified-password-type, nonce-without-encoding-type, "
                                      "inclusive-c14n, keyinfo-x509data)");
    }
    assert_int_equal(s->bsp_relax.n, 0);
}

/* The same rules read from a context's settings (what token modules ask):
 * rule numbers and aliases. */
static void test_bsp_relaxed_in(void **state)
{
    (void)state;
    wssec_ctx *none = h_ctx(NULL);
    for (int r = 0; r < WSSEC_BSP_N; r++) assert_false(wssec__bsp_relaxed_in(none, r));
    assert_false(wssec__bsp_relaxed_in(none, -1));
    wssec_ctx_free(none);
    wssec_ctx *ctx = h_ctx("bsp-relax", "R3029,inclusive-c14n", NULL);
    for (int r = 0; r < WSSEC_BSP_N; r++)
        assert_int_equal(wssec__bsp_relaxed_in(ctx, r),
                         r == WSSEC_BSP_R3029 || r == WSSEC_BSP_R5404 || r == WSSEC_BSP_R5412);
    assert_false(wssec__bsp_relaxed_in(ctx, WSSEC_BSP_N));
    wssec_ctx_free(ctx);
}

static void test_invalid_values(void **state)
{
    fixture *f = *state;
    for (size_t i = 0; i < WSSEC_ARRAY_LEN(options); i++) {
        if (!options[i].invalid) continue;
        int rc = wssec_config_set(f->cfg, options[i].name, options[i].invalid);
        if (rc != WSSEC_ECONFIG) print_error("%s accepted '%s'\n", options[i].name, options[i].invalid);
        assert_int_equal(rc, WSSEC_ECONFIG);
        const wssec_error *e = wssec_config_error(f->cfg);
        h_assert_error(e, WSSEC_ECONFIG, "", options[i].name);
        h_assert_contains(e->message, options[i].invalid);
    }
    /* more hostile values */
    static const struct {
        const char *name, *value;
    } more[] = {
        { "max-message-size", "" },       { "max-message-size", "99999999999999999999999" },
        { "max-depth", "+8" },            { "max-depth", " 8" },
        { "max-nodes", "16 " },           { "max-token-size", "1T" },
        { "max-token-size", "18446744073709551615G" },
        { "clock-skew", "" },             { "clock-skew", "9223372036854775807" },
        { "timestamp-millis", "TRUE" },   { "timestamp-millis", "" },
        { "password-type", "Digest" },    { "now", "2025-01-31T12:00:00+01:00" },
        { "replay-cache-size", "-1" },    { "require", "timestamp,bogus" },
    };
    for (size_t i = 0; i < WSSEC_ARRAY_LEN(more); i++) {
        int rc = wssec_config_set(f->cfg, more[i].name, more[i].value);
        if (rc != WSSEC_ECONFIG) print_error("%s accepted '%s'\n", more[i].name, more[i].value);
        assert_int_equal(rc, WSSEC_ECONFIG);
        h_assert_error(wssec_config_error(f->cfg), WSSEC_ECONFIG, "", more[i].name);
    }
    /* a failed set leaves the earlier value */
    assert_int_equal(f->cfg->s.max_depth, 256);
    /* a later success clears the error */
    assert_int_equal(wssec_config_set(f->cfg, "max-depth", "4"), 0);
    assert_int_equal(wssec_config_error(f->cfg)->code, 0);
}

/* The rejection of an over-long list item must name the option like every other
 * rejection does. */
static void test_list_item_too_long_names_option(void **state)
{
    fixture *f = *state;
    char value[300];
    memset(value, 'a', sizeof(value) - 1);
    value[sizeof(value) - 1] = '\0';
    assert_int_equal(wssec_config_set(f->cfg, "require", value), WSSEC_ECONFIG);
    h_assert_error(wssec_config_error(f->cfg), WSSEC_ECONFIG, "", "require");
    assert_int_equal(wssec_config_set(f->cfg, "actions", value), WSSEC_ECONFIG);
    h_assert_error(wssec_config_error(f->cfg), WSSEC_ECONFIG, "", "actions");
}

static void test_unknown_option(void **state)
{
    fixture *f = *state;
    assert_int_equal(wssec_config_set(f->cfg, "max-deep", "8"), WSSEC_ECONFIG);
    h_assert_error(wssec_config_error(f->cfg), WSSEC_ECONFIG, "", "unknown option 'max-deep'");
    assert_int_equal(wssec_config_set(f->cfg, "", ""), WSSEC_ECONFIG);
    h_assert_error(wssec_config_error(f->cfg), WSSEC_ECONFIG, "", "unknown option");
}

static void test_require_list(void **state)
{
    fixture *f = *state;
    unsigned both = WSSEC_REQ_TIMESTAMP | WSSEC_REQ_USERNAME;
    /* the default: a Timestamp and a signature over the Body and it */
    assert_int_equal(f->cfg->s.require, WSSEC_REQ_TIMESTAMP | WSSEC_REQ_SIGNATURE);
    assert_int_equal(wssec_config_set(f->cfg, "require", "username-token"), 0);
    assert_int_equal(f->cfg->s.require, WSSEC_REQ_USERNAME); /* the first set replaces */
    assert_int_equal(wssec_config_set(f->cfg, "require", "timestamp"), 0);
    assert_int_equal(f->cfg->s.require, both); /* later sets add */
    assert_int_equal(wssec_config_set(f->cfg, "require", "none"), 0);
    assert_int_equal(f->cfg->s.require, 0);
    assert_int_equal(wssec_config_set(f->cfg, "require", " timestamp ,, username-token "), 0);
    assert_int_equal(f->cfg->s.require, both);
    assert_int_equal(wssec_config_set(f->cfg, "require", "timestamp,none"), 0);
    assert_int_equal(f->cfg->s.require, 0);
    assert_int_equal(wssec_config_set(f->cfg, "require", "signatures"), WSSEC_ECONFIG);
    h_assert_error(wssec_config_error(f->cfg), WSSEC_ECONFIG, "",
                   "unknown requirement 'signatures'");
    assert_int_equal(f->cfg->s.require, 0); /* unchanged */
    /* XPath and regular-expression items keep their commas */
    assert_int_equal(wssec_config_set(f->cfg, "require",
                                      "signature,signed://m:a[contains(., 'x,y')],"
                                      "signed-by:^CN=(alice|bob),"),
                     0);
    assert_int_equal(f->cfg->s.require, WSSEC_REQ_SIGNATURE);
    assert_int_equal(f->cfg->s.require_signed.n, 1);
    assert_string_equal(f->cfg->s.require_signed.v[0], "//m:a[contains(., 'x,y')]");
    assert_int_equal(f->cfg->s.require_signed_by.n, 1);
    assert_string_equal(f->cfg->s.require_signed_by.v[0], "^CN=(alice|bob)");
    assert_int_equal(wssec_config_set(f->cfg, "require", "signed:"), WSSEC_ECONFIG);
    h_assert_error(wssec_config_error(f->cfg), WSSEC_ECONFIG, "", "needs an XPath expression");
    assert_int_equal(wssec_config_set(f->cfg, "require", "none"), 0);
    assert_int_equal(f->cfg->s.require_signed.n, 0);

    /* "none" means an unsecured message is accepted */
    wssec_ctx *ctx = h_ctx("require", "none", NULL);
    h_run r;
    char *xml = h_envelope_header(11, NULL);
    assert_int_equal(h_verify(&r, ctx, xml), 0);
    h_run_free(&r);
    wssec_ctx_free(ctx);
    /* and the default refuses it */
    ctx = h_ctx(NULL);
    assert_int_equal(h_verify(&r, ctx, xml), WSSEC_EPOLICY);
    h_assert_error(h_run_err(&r), WSSEC_EPOLICY, "wsse:InvalidSecurity",
                   "no wsse:Security header targets this node");
    h_run_free(&r);
    wssec_ctx_free(ctx);
    free(xml);
}

/* ---- configuration files ---- */

#define CFG_OPEN "<wssec xmlns=\"urn:wssec:config:1\">\n"
#define CFG_CLOSE "</wssec>\n"

typedef struct seen {
    char names[16][32];
    int n;
    int reject; /* return this for "output" */
} seen;

static int option_cb(const char *name, const char *value, void *userdata)
{
    seen *s = userdata;
    if (s->n < 16) snprintf(s->names[s->n++], sizeof(s->names[0]), "%s", name);
    if (strcmp(name, "output") == 0) {
        assert_string_equal(value, "out.xml");
        return s->reject ? s->reject : 1;
    }
    if (strcmp(name, "max-age") == 0) return 1; /* consumed: the library must not apply it */
    return 0;
}

static int load(wssec_config *cfg, const char *text, wssec_config_option_cb cb, void *ud)
{
    char *path = h_tempfile(text);
    int rc = wssec_config_load(cfg, path, cb, ud);
    if (rc) h_assert_contains(wssec_config_error(cfg)->message, path);
    unlink(path);
    free(path);
    return rc;
}

static void test_load_valid(void **state)
{
    fixture *f = *state;
    const char *text = CFG_OPEN "  <max-depth>12</max-depth>\n"
                                "  <require>timestamp</require>\n"
                                "  <output>out.xml</output>\n"
                                "  <max-age> 42 </max-age>\n"
                                "  <now>2025-06-01T12:00:00Z</now>\n"
                                "  <actions>timestamp username-token</actions>\n" CFG_CLOSE;
    seen s = { .n = 0 };
    int rc = load(f->cfg, text, option_cb, &s);
    if (rc) print_error("%s\n", wssec_config_error(f->cfg)->message);
    assert_int_equal(rc, 0);
    assert_int_equal(s.n, 6);
    assert_string_equal(s.names[0], "max-depth");
    assert_string_equal(s.names[2], "output");
    assert_string_equal(s.names[5], "actions");
    assert_int_equal(f->cfg->s.max_depth, 12);
    assert_int_equal(f->cfg->s.require, WSSEC_REQ_TIMESTAMP);
    assert_int_equal(f->cfg->s.max_age_ms, 300000); /* consumed by the callback */
    assert_int_equal(f->cfg->s.now, H_NOW);
    assert_int_equal(f->cfg->s.actions.n, 2);
}

static void test_load_errors(void **state)
{
    fixture *f = *state;
    static const struct {
        const char *name, *text;
        int code;
        const char *needle;
    } rows[] = {
        { "schema: bad size", CFG_OPEN "<max-depth>many</max-depth>" CFG_CLOSE, WSSEC_ECONFIG,
          "line 2" },
        { "schema: unknown element", CFG_OPEN "\n<bogus>1</bogus>" CFG_CLOSE, WSSEC_ECONFIG,
          "line 3" },
        { "schema: wrong namespace", "<wssec><max-depth>8</max-depth></wssec>", WSSEC_ECONFIG,
          "not a valid wssec configuration" },
        { "library: value below minimum", CFG_OPEN "\n\n<max-depth>2</max-depth>" CFG_CLOSE,
          WSSEC_ECONFIG, "line 4: max-depth" },
        { "library: unknown requirement",
          CFG_OPEN "<require>timestamp,signatures</require>" CFG_CLOSE, WSSEC_ECONFIG,
          "unknown requirement 'signatures'" },
        { "program option without a callback", CFG_OPEN "<output>out.xml</output>" CFG_CLOSE,
          WSSEC_ECONFIG, "unknown option 'output'" },
        { "DTD", "<!DOCTYPE wssec [<!ENTITY x \"8\">]>" CFG_OPEN "<max-depth>&x;</max-depth>" CFG_CLOSE,
          WSSEC_ECONFIG, "DTD" },
        { "PI", "<?php ?>" CFG_OPEN CFG_CLOSE, WSSEC_ECONFIG, "processing instruction" },
        { "not well-formed", CFG_OPEN "<max-depth>8</max-depth>", WSSEC_ECONFIG, "not well-formed" },
        { "empty file", "", WSSEC_ECONFIG, "empty" },
    };
    for (size_t i = 0; i < WSSEC_ARRAY_LEN(rows); i++) {
        int rc = load(f->cfg, rows[i].text, NULL, NULL);
        if (rc != rows[i].code)
            print_error("row '%s': %s '%s'\n", rows[i].name, wssec_code_name(rc),
                        wssec_config_error(f->cfg)->message);
        assert_int_equal(rc, rows[i].code);
        h_assert_error(wssec_config_error(f->cfg), rows[i].code, "", rows[i].needle);
    }
    assert_int_equal(f->cfg->s.max_depth, 256); /* nothing was applied */

    /* the callback rejects a value */
    seen s = { .reject = WSSEC_ECONFIG };
    assert_int_equal(load(f->cfg, CFG_OPEN "<output>out.xml</output>" CFG_CLOSE, option_cb, &s),
                     WSSEC_ECONFIG);
    h_assert_error(wssec_config_error(f->cfg), WSSEC_ECONFIG, "", "bad value for output");

    /* a missing file */
    assert_int_equal(wssec_config_load(f->cfg, "/nonexistent/wssec.xml", NULL, NULL), WSSEC_EIO);
    h_assert_error(wssec_config_error(f->cfg), WSSEC_EIO, "soap:Server", "/nonexistent/wssec.xml");
}

/* Every library option is an element of the configuration schema. */
static void test_schema_has_every_option(void **state)
{
    (void)state;
    /* read it ourselves: the library's entity loader refuses every load */
    FILE *fp = fopen(WSSEC_SOURCE_DIR "/schemas/wssec-config.xsd", "rb");
    assert_non_null(fp);
    static char text[65536];
    size_t len = fread(text, 1, sizeof(text), fp);
    fclose(fp);
    assert_true(len > 0 && len < sizeof(text));
    xmlDocPtr doc = xmlReadMemory(text, (int)len, "wssec-config.xsd", NULL, XML_PARSE_NONET);
    assert_non_null(doc);
    const char *name, *arg, *help;
    for (size_t i = 0; wssec_config_option_info(&name, &arg, &help, i) == 0; i++) {
        int found = 0;
        xmlNodePtr n = xmlDocGetRootElement(doc);
        /* depth-first walk over every element */
        while (n && !found) {
            if (n->type == XML_ELEMENT_NODE &&
                wssec_xml_is(n, "http://www.w3.org/2001/XMLSchema", "element")) {
                xmlChar *v = xmlGetProp(n, BAD_CAST "name");
                found = v && strcmp((char *)v, name) == 0;
                xmlFree(v);
            }
            if (n->children) {
                n = n->children;
                continue;
            }
            while (n && !n->next) n = n->parent;
            if (n) n = n->next;
        }
        if (!found) fail_msg("option '%s' is not an element of wssec-config.xsd", name);
    }
    xmlFreeDoc(doc);
}

/* ---- modules ---- */

static int custom_calls;

static int custom_consume(wssec_msg *msg, xmlNodePtr elem, void *userdata)
{
    assert_string_equal((const char *)userdata, "ud");
    custom_calls++;
    wssec_token *t = wssec_msg_add_token(msg, "custom", elem);
    assert_non_null(t);
    xmlChar *who = xmlGetProp(elem, BAD_CAST "who");
    if (!who) return wssec_msg_fail(msg, WSSEC_ETOKEN, NULL, elem, "custom token without who");
    assert_int_equal(wssec_token_set(t, "who", (char *)who), 0);
    assert_int_equal(wssec_token_set_identity(t, (char *)who), 0);
    xmlFree(who);
    return wssec_msg_set_caller(msg, t);
}

static int silent_fail(wssec_msg *msg, xmlNodePtr elem, void *userdata)
{
    (void)msg;
    (void)elem;
    (void)userdata;
    return WSSEC_EALGORITHM; /* without recording an error */
}

static const wssec_module custom = {
    WSSEC_MODULE_VERSION, "custom", "urn:test", "Token", NULL, custom_consume, NULL, (void *)"ud",
};
static const wssec_module silent = {
    WSSEC_MODULE_VERSION, "silent", "urn:test", "Silent", NULL, silent_fail, NULL, NULL,
};

static wssec_ctx *ctx_with(const wssec_module *m1, const wssec_module *m2)
{
    wssec_config *cfg = NULL;
    assert_int_equal(wssec_config_new(&cfg), 0);
    assert_int_equal(wssec_config_set(cfg, "require", "none"), 0);
    assert_int_equal(wssec_config_set(cfg, "now", H_NOW_TEXT), 0);
    if (m1) assert_int_equal(wssec_config_add_module(cfg, m1), 0);
    if (m2) assert_int_equal(wssec_config_add_module(cfg, m2), 0);
    wssec_ctx *ctx = NULL;
    assert_int_equal(wssec_ctx_new(&ctx, cfg), 0);
    wssec_config_free(cfg);
    return ctx;
}

static void test_module_registration_errors(void **state)
{
    fixture *f = *state;
    const size_t builtins = f->cfg->modules.n; /* what wssec_config_new() registered */
    assert_true(builtins >= 4);
    wssec_module m = custom;
    m.version = WSSEC_MODULE_VERSION + 1;
    assert_int_equal(wssec_config_add_module(f->cfg, &m), WSSEC_EINVALID);
    h_assert_error(wssec_config_error(f->cfg), WSSEC_EINVALID, "", "interface version");
    m = custom;
    m.name = "";
    assert_int_equal(wssec_config_add_module(f->cfg, &m), WSSEC_EINVALID);
    m.name = NULL;
    assert_int_equal(wssec_config_add_module(f->cfg, &m), WSSEC_EINVALID);
    m = custom;
    m.consume = NULL; /* an element without a consumer */
    assert_int_equal(wssec_config_add_module(f->cfg, &m), WSSEC_EINVALID);
    h_assert_error(wssec_config_error(f->cfg), WSSEC_EINVALID, "", "custom");
    assert_int_equal(f->cfg->modules.n, builtins); /* only the built-ins */
    assert_int_equal(wssec_config_add_module(f->cfg, &custom), 0);
    assert_int_equal(wssec_config_add_module(f->cfg, &custom), 0); /* same slot: replaced */
    assert_int_equal(f->cfg->modules.n, builtins + 1);
}

static void test_custom_module(void **state)
{
    (void)state;
    wssec_ctx *ctx = ctx_with(&custom, &silent);
    char *xml = h_envelope(11, "<t:Token xmlns:t=\"urn:test\" who=\"carol\"/>");
    h_run r;
    custom_calls = 0;
    assert_int_equal(h_verify(&r, ctx, xml), 0);
    assert_int_equal(custom_calls, 1);
    assert_int_equal(wssec_result_token_count(r.res), 1);
    const wssec_token *t = wssec_result_token(r.res, 0);
    assert_string_equal(wssec_token_type(t), "custom");
    assert_string_equal(wssec_token_get(t, "who"), "carol");
    assert_string_equal(wssec_result_caller(r.res), "carol");
    h_run_free(&r);
    free(xml);

    /* its own error */
    xml = h_envelope(11, "<t:Token xmlns:t=\"urn:test\"/>");
    assert_int_equal(h_verify(&r, ctx, xml), WSSEC_ETOKEN);
    h_assert_error(h_run_err(&r), WSSEC_ETOKEN, "wsse:InvalidSecurityToken", "without who");
    h_run_free(&r);
    free(xml);

    /* a consumer that fails without a word gets one from the pipeline */
    xml = h_envelope(11, "<t:Silent xmlns:t=\"urn:test\"/>");
    assert_int_equal(h_verify(&r, ctx, xml), WSSEC_EALGORITHM);
    h_assert_error(h_run_err(&r), WSSEC_EALGORITHM, "wsse:UnsupportedAlgorithm", "silent");
    assert_string_equal(wssec_token_type(wssec_result_token(r.res, 0)), "silent");
    h_run_free(&r);
    free(xml);

    /* an element nobody consumes: same local name, other namespace */
    xml = h_envelope(11, "<t:Token xmlns:t=\"urn:other\" who=\"x\"/>");
    assert_int_equal(h_verify(&r, ctx, xml), WSSEC_EUNSUPPORTED);
    h_assert_error(h_run_err(&r), WSSEC_EUNSUPPORTED, "wsse:UnsupportedSecurityToken",
                   "{urn:other}Token");
    assert_string_equal(wssec_token_type(wssec_result_token(r.res, 0)), "unknown");
    h_run_free(&r);
    free(xml);
    wssec_ctx_free(ctx);

    /* without the module, the token is unsupported */
    ctx = ctx_with(NULL, NULL);
    xml = h_envelope(12, "<t:Token xmlns:t=\"urn:test\" who=\"carol\"/>");
    custom_calls = 0;
    assert_int_equal(h_verify(&r, ctx, xml), WSSEC_EUNSUPPORTED);
    h_assert_error(h_run_err(&r), WSSEC_EUNSUPPORTED, "wsse:UnsupportedSecurityToken",
                   "{urn:test}Token");
    assert_int_equal(custom_calls, 0);
    h_run_free(&r);
    free(xml);
    wssec_ctx_free(ctx);
}

/* The settings copy and free exactly the fields the string and list options
 * set (settings.c keeps that list beside the struct; options.c the table). */
static void test_settings_own_every_option(void **state)
{
    (void)state;
    size_t strings = 0, lists = 0;
    for (size_t i = 0; i < wssec__opt_count(); i++) {
        const wssec_opt *o = wssec__opt_at(i);
        int is_string = o->kind == OPT_STRING || o->kind == OPT_REPLAY;
        int is_list = o->kind == OPT_LIST || o->kind == OPT_MULTI;
        if (wssec__settings_owns(o->offset, 0) != is_string ||
            wssec__settings_owns(o->offset, 1) != is_list)
            fail_msg("option %s: owned by the settings %s", o->name,
                     is_string || is_list ? "not" : "wrongly");
        strings += (size_t)is_string;
        lists += (size_t)is_list;
    }
    assert_int_equal(strings, 29);
    assert_int_equal(lists, 17); /* and require's three: */
    assert_true(wssec__settings_owns(offsetof(wssec_settings, require_signed), 1));
    assert_true(wssec__settings_owns(offsetof(wssec_settings, require_signed_by), 1));
    assert_true(wssec__settings_owns(offsetof(wssec_settings, require_encrypted), 1));
    assert_null(wssec__opt_at(wssec__opt_count()));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_option_table_complete),
        cmocka_unit_test_setup_teardown(test_valid_values, setup, teardown),
        cmocka_unit_test_setup_teardown(test_invalid_values, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bsp_relax_names, setup, teardown),
        cmocka_unit_test(test_bsp_relaxed_in),
        cmocka_unit_test_setup_teardown(test_list_item_too_long_names_option, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unknown_option, setup, teardown),
        cmocka_unit_test_setup_teardown(test_require_list, setup, teardown),
        cmocka_unit_test_setup_teardown(test_load_valid, setup, teardown),
        cmocka_unit_test_setup_teardown(test_load_errors, setup, teardown),
        cmocka_unit_test(test_schema_has_every_option),
        cmocka_unit_test(test_settings_own_every_option),
        cmocka_unit_test_setup_teardown(test_module_registration_errors, setup, teardown),
        cmocka_unit_test(test_custom_module),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    xmlCleanupParser();
    return rc;
}
