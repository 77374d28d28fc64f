/*
 * Key stores and private keys (src/keystore.c): PKCS#12 files with legacy
 * algorithms (through a private library context with the legacy provider),
 * encrypted PEM and DER keys with a password from a file, the environment
 * or the password callback, and PKCS#12 files with several keys chosen by
 * alias; each refusal with its message.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>

#include "helpers.h"

#define PKI H_PKI

/* Builds from pairs (flags for h_ctx_try); asserts the code and, on
 * failure, a piece of the configuration's error. */
static void build_f(unsigned flags, int code, const char *needle, const char *const *pairs)
{
    wssec_ctx *ctx = NULL;
    char err[800];
    int rc = h_ctx_try(&ctx, flags, pairs, err, sizeof(err));
    if (rc != code) print_error("got %s: %s\n", wssec_code_name(rc), err);
    assert_int_equal(rc, code);
    if (code) {
        assert_null(ctx);
        h_assert_contains(err, needle);
    }
    wssec_ctx_free(ctx);
}

static void build(int code, const char *needle, const char *const *pairs)
{
    build_f(0, code, needle, pairs);
}

/* The subject's CN of the context's signing certificate. */
static void assert_signer_cn(const wssec_ctx *ctx, const char *cn)
{
    char buf[200];
    assert_non_null(ctx->sign_x509);
    assert_true(X509_NAME_get_text_by_NID(X509_get_subject_name(ctx->sign_x509), NID_commonName,
                                          buf, sizeof(buf)) > 0);
    assert_string_equal(buf, cn);
}

/* Signs with out (Timestamp and signature) and verifies with the test
 * receiver: the key works in the default library context. */
static void sign_and_verify(wssec_ctx *out)
{
    wssec_ctx *in = h_receiver(NULL);
    char *xml = h_sign_envelope(out);
    h_expect(in, xml, 0, NULL, NULL);
    free(xml);
    wssec_ctx_free(in);
}

/* ---- PKCS#12 with legacy algorithms ---- */

static void test_legacy_pkcs12(void **state)
{
    (void)state;
    const char *pairs[] = { "pkcs12", PKI "alice-legacy.p12", "pkcs12-password-file",
                            PKI "alice-legacy.p12.pw", NULL };
    wssec_ctx *out = h_ctx_pairs(pairs);
    assert_signer_cn(out, "alice");
    assert_int_equal(sk_X509_num(out->sign_chain), 1); /* the intermediate; the root dropped */
    sign_and_verify(out);
    wssec_ctx_free(out);
    /* the legacy provider went into a private context only: RC2 is still
     * unavailable to everything else */
    EVP_CIPHER *rc2 = EVP_CIPHER_fetch(NULL, "RC2-40-CBC", NULL);
    assert_null(rc2);
    ERR_clear_error();
    /* the legacy identity decrypts too (the key transport in the default context) */
    wssec_ctx *sender = h_ctx("sign-key", PKI "server.key", "sign-cert", PKI "server.crt",
                              "encrypt-cert", PKI "alice.crt", NULL);
    wssec_ctx *in =
        h_ctx("pkcs12", PKI "alice-legacy.p12", "pkcs12-password-file", PKI "alice-legacy.p12.pw",
              "trust", PKI "root.crt", "certs", PKI "inter.crt", NULL);
    static const char *const acts[] = { "timestamp", "signature", "encrypted-key" };
    char *plain = h_envelope_header(11, NULL);
    char *xml = h_secure(sender, plain, acts, 3, NULL);
    assert_non_null(strstr(plain, "<m:Ping"));
    assert_null(strstr(xml, "<m:Ping")); /* encrypted */
    h_expect(in, xml, 0, NULL, NULL);
    free(xml);
    free(plain);
    wssec_ctx_free(in);
    wssec_ctx_free(sender);
}

static void test_legacy_pkcs12_refusals(void **state)
{
    (void)state;
    assert_int_equal(setenv("WSSEC_TEST_P12_PW", "not-the-password", 1), 0);
    const char *wrong[] = { "pkcs12", PKI "alice-legacy.p12", "pkcs12-password-env",
                            "WSSEC_TEST_P12_PW", NULL };
    build(WSSEC_ECONFIG, "alice-legacy.p12: wrong password", wrong);
    unsetenv("WSSEC_TEST_P12_PW");
    /* without the legacy provider's module: said so, not "wrong password" */
    const char *old = getenv("OPENSSL_MODULES");
    char *saved = old ? strdup(old) : NULL;
    assert_int_equal(setenv("OPENSSL_MODULES", "/nonexistent/wssec-test", 1), 0);
    const char *ok[] = { "pkcs12", PKI "alice-legacy.p12", "pkcs12-password-file",
                         PKI "alice-legacy.p12.pw", NULL };
    build(WSSEC_ECONFIG, "OpenSSL's legacy provider cannot be loaded", ok);
    /* a modern file does not need it */
    const char *modern[] = { "pkcs12", PKI "alice.p12", "pkcs12-password-file", PKI "alice.p12.pw",
                             NULL };
    build(0, NULL, modern);
    if (saved) setenv("OPENSSL_MODULES", saved, 1);
    else unsetenv("OPENSSL_MODULES");
    free(saved);
    build(0, NULL, ok);
    /* the modern file with a wrong password */
    const char *modern_wrong[] = { "pkcs12", PKI "alice.p12", "pkcs12-password-file",
                                   PKI "alice-legacy.p12.pw", NULL };
    build(WSSEC_ECONFIG, "alice.p12: wrong password", modern_wrong);
    /* not a PKCS#12 file at all */
    const char *notp12[] = { "pkcs12", PKI "alice.crt", "pkcs12-password-file", PKI "alice.p12.pw",
                             NULL };
    build(WSSEC_ECONFIG, "alice.crt: not a PKCS#12 file", notp12);
}

/* ---- encrypted keys ---- */

static int key_cb_calls;
static char key_cb_user[512];

/* Knows the password of alice-enc.key (as its path) and nothing else;
 * "fail" as a user's path makes it fail as a broken store would. */
static int key_cb(char *buf, size_t size, size_t *len, const char *user, wssec_password_usage usage,
                  void *userdata)
{
    (void)userdata;
    key_cb_calls++;
    snprintf(key_cb_user, sizeof(key_cb_user), "%s", user);
    if (usage != WSSEC_PW_KEY) return WSSEC_EAUTH;
    if (strstr(user, "fail")) return WSSEC_EIO;
    const char *pw = strstr(user, "alice-enc") ? "alice-key-secret" : NULL;
    if (strstr(user, "alice.p12")) pw = "alice-p12-secret";
    if (!pw) return WSSEC_EAUTH;
    if (strlen(pw) > size) return WSSEC_ELIMIT;
    memcpy(buf, pw, strlen(pw));
    *len = strlen(pw);
    return 0;
}

/* Builds with key_cb as the password callback. */
static int ctx_with_key_cb(wssec_ctx **out, const char *const *pairs, char *err, size_t errlen)
{
    wssec_config *cfg = NULL;
    assert_int_equal(wssec_config_new(&cfg), 0);
    assert_int_equal(wssec_config_set(cfg, "now", H_NOW_TEXT), 0);
    for (size_t i = 0; pairs[i]; i += 2)
        assert_int_equal(wssec_config_set(cfg, pairs[i], pairs[i + 1]), 0);
    wssec_config_set_password_cb(cfg, key_cb, NULL);
    key_cb_calls = 0;
    key_cb_user[0] = '\0';
    int rc = wssec_ctx_new(out, cfg);
    snprintf(err, errlen, "%s", rc ? wssec_config_error(cfg)->message : "");
    wssec_config_free(cfg);
    return rc;
}

/* The password files hold what key_cb knows. */
static void test_password_files(void **state)
{
    (void)state;
    FILE *f = fopen(PKI "alice-enc.key.pw", "r");
    char line[100] = "";
    assert_non_null(f);
    assert_non_null(fgets(line, sizeof(line), f));
    fclose(f);
    assert_int_equal(strncmp(line, "alice-key-secret", 16), 0);
}

static void test_encrypted_key(void **state)
{
    (void)state;
    /* encrypted PKCS#8 and traditional PEM, password from a file */
    const char *keys[] = { PKI "alice-enc.key", PKI "alice-enc-trad.key" };
    for (size_t i = 0; i < 2; i++) {
        const char *pairs[] = {
            "sign-key",      keys[i], "sign-key-password-file", PKI "alice-enc.key.pw", "sign-cert",
            PKI "alice.crt", NULL
        };
        wssec_ctx *out = h_ctx_pairs(pairs);
        sign_and_verify(out);
        wssec_ctx_free(out);
    }
    /* from the environment */
    assert_int_equal(setenv("WSSEC_TEST_KEY_PW", "alice-key-secret", 1), 0);
    const char *env[] = { "sign-key",
                          PKI "alice-enc.key",
                          "sign-key-password-env",
                          "WSSEC_TEST_KEY_PW",
                          "sign-cert",
                          PKI "alice.crt",
                          NULL };
    build(0, NULL, env);
    unsetenv("WSSEC_TEST_KEY_PW");
    build(WSSEC_ECONFIG, "sign-key-password-env: environment variable WSSEC_TEST_KEY_PW is not set",
          env);
    /* an unencrypted key with a password configured: accepted (the password is not used) */
    const char *plain[] = { "sign-key",
                            PKI "alice.key",
                            "sign-key-password-file",
                            PKI "alice-enc.key.pw",
                            "sign-cert",
                            PKI "alice.crt",
                            NULL };
    build(0, NULL, plain);
}

static void test_encrypted_key_refusals(void **state)
{
    (void)state;
    /* no password: the message names the two options (with and without a
     * password callback that does not know the key) */
    const char *none[] = { "sign-key", PKI "alice-enc.key", "sign-cert", PKI "alice.crt", NULL };
    build(WSSEC_ECONFIG,
          "alice-enc.key: an encrypted private key, and no password is configured: give "
          "sign-key-password-file or sign-key-password-env",
          none);
    build_f(H_NO_PWCB, WSSEC_ECONFIG, "give sign-key-password-file or sign-key-password-env", none);
    const char *none_dec[] = { "decrypt-key", PKI "server-enc.key", NULL };
    build(WSSEC_ECONFIG,
          "decrypt-key: " PKI "server-enc.key: an encrypted private key, and no password is "
          "configured: give decrypt-key-password-file or decrypt-key-password-env",
          none_dec);
    /* a wrong password says so, for each form */
    const char *keys[] = { PKI "alice-enc.key", PKI "alice-enc-trad.key" };
    for (size_t i = 0; i < 2; i++) {
        const char *wrong[] = { "sign-key",
                                keys[i],
                                "sign-key-password-file",
                                PKI "server-enc.key.pw",
                                "sign-cert",
                                PKI "alice.crt",
                                NULL };
        build(WSSEC_ECONFIG, "wrong password for the encrypted private key", wrong);
    }
    /* not a key at all */
    const char *cert[] = { "sign-key", PKI "alice.crt", "sign-cert", PKI "alice.crt", NULL };
    build(WSSEC_ECONFIG, "alice.crt: not a private key (PEM or DER, PKCS#8 or traditional)", cert);
    /* both sources, and options for a key that is not configured */
    const char *both[] = { "sign-key",
                           PKI "alice-enc.key",
                           "sign-key-password-file",
                           PKI "alice-enc.key.pw",
                           "sign-key-password-env",
                           "X",
                           "sign-cert",
                           PKI "alice.crt",
                           NULL };
    build(WSSEC_ECONFIG, "give sign-key-password-file or sign-key-password-env, not both", both);
    const char *orphan[] = { "pkcs12",
                             PKI "alice.p12",
                             "pkcs12-password-file",
                             PKI "alice.p12.pw",
                             "sign-key-password-file",
                             PKI "alice.p12.pw",
                             NULL };
    build(WSSEC_ECONFIG,
          "sign-key-password-file is given without sign-key, the key it opens (the password of "
          "pkcs12 is pkcs12-password-file",
          orphan);
    const char *orphan_dec[] = { "decrypt-key-password-env", "X", NULL };
    build(WSSEC_ECONFIG, "decrypt-key-password-env is given without decrypt-key", orphan_dec);
    const char *orphan_alias[] = { "pkcs12-alias", "alice", NULL };
    build(WSSEC_ECONFIG, "pkcs12-alias is given without pkcs12", orphan_alias);
}

/* The password callback (WSSEC_PW_KEY, the key file's path as the user). */
static void test_key_password_callback(void **state)
{
    (void)state;
    char err[800];
    wssec_ctx *ctx = NULL;
    const char *pairs[] = { "sign-key", PKI "alice-enc.key", "sign-cert", PKI "alice.crt", NULL };
    int rc = ctx_with_key_cb(&ctx, pairs, err, sizeof(err));
    if (rc) print_error("%s\n", err);
    assert_int_equal(rc, 0);
    assert_int_equal(key_cb_calls, 1); /* once, though OpenSSL may ask twice */
    assert_string_equal(key_cb_user, PKI "alice-enc.key");
    sign_and_verify(ctx);
    wssec_ctx_free(ctx);
    /* an unencrypted key: the callback is not asked */
    const char *plain[] = { "sign-key", PKI "alice.key", "sign-cert", PKI "alice.crt", NULL };
    assert_int_equal(ctx_with_key_cb(&ctx, plain, err, sizeof(err)), 0);
    assert_int_equal(key_cb_calls, 0);
    wssec_ctx_free(ctx);
    /* a configured password file wins: the callback is not asked */
    const char *file[] = { "sign-key",
                           PKI "alice-enc.key",
                           "sign-key-password-file",
                           PKI "alice-enc.key.pw",
                           "sign-cert",
                           PKI "alice.crt",
                           NULL };
    assert_int_equal(ctx_with_key_cb(&ctx, file, err, sizeof(err)), 0);
    assert_int_equal(key_cb_calls, 0);
    wssec_ctx_free(ctx);
    /* the PKCS#12 password too */
    const char *p12[] = { "pkcs12", PKI "alice.p12", NULL };
    rc = ctx_with_key_cb(&ctx, p12, err, sizeof(err));
    if (rc) print_error("%s\n", err);
    assert_int_equal(rc, 0);
    assert_int_equal(key_cb_calls, 1);
    wssec_ctx_free(ctx);
    /* a key the callback does not know: the options are named */
    const char *unknown[] = { "decrypt-key", PKI "server-enc.key", NULL };
    assert_int_equal(ctx_with_key_cb(&ctx, unknown, err, sizeof(err)), WSSEC_ECONFIG);
    h_assert_contains(err, "give decrypt-key-password-file or decrypt-key-password-env");
    assert_string_equal(key_cb_user, PKI "server-enc.key");
    /* a failing store keeps its code */
    char *copy = h_tempfile("");
    char failpath[600];
    snprintf(failpath, sizeof(failpath), "%s-fail.key", copy);
    assert_int_equal(link(PKI "alice-enc.key", failpath), 0);
    const char *failing[] = { "sign-key", failpath, "sign-cert", PKI "alice.crt", NULL };
    assert_int_equal(ctx_with_key_cb(&ctx, failing, err, sizeof(err)), WSSEC_EIO);
    h_assert_contains(err, "the password callback failed (WSSEC_EIO)");
    unlink(failpath);
    unlink(copy);
    free(copy);
}

/* DER keys: encrypted PKCS#8 and unencrypted, made here from alice.key. */
static void test_der_keys(void **state)
{
    (void)state;
    FILE *f = fopen(PKI "alice.key", "r");
    assert_non_null(f);
    EVP_PKEY *k = PEM_read_PrivateKey(f, NULL, NULL, (void *)"");
    fclose(f);
    assert_non_null(k);
    char *enc = h_tempfile(""), *clear = h_tempfile("");
    BIO *b = BIO_new_file(enc, "wb");
    assert_int_equal(
        i2d_PKCS8PrivateKey_bio(b, k, EVP_aes_256_cbc(), NULL, 0, NULL, (void *)"alice-key-secret"),
        1);
    BIO_free(b);
    b = BIO_new_file(clear, "wb");
    assert_int_equal(i2d_PrivateKey_bio(b, k), 1);
    BIO_free(b);
    EVP_PKEY_free(k);
    const char *ok[] = {
        "sign-key",      enc, "sign-key-password-file", PKI "alice-enc.key.pw", "sign-cert",
        PKI "alice.crt", NULL
    };
    wssec_ctx *out = h_ctx_pairs(ok);
    sign_and_verify(out);
    wssec_ctx_free(out);
    const char *none[] = { "sign-key", enc, "sign-cert", PKI "alice.crt", NULL };
    build(WSSEC_ECONFIG, "an encrypted private key, and no password is configured", none);
    const char *wrong[] = {
        "sign-key",      enc, "sign-key-password-file", PKI "server-enc.key.pw", "sign-cert",
        PKI "alice.crt", NULL
    };
    build(WSSEC_ECONFIG, "wrong password for the encrypted private key", wrong);
    const char *der[] = { "sign-key", clear, "sign-cert", PKI "alice.crt", NULL };
    build(0, NULL, der);
    unlink(enc);
    unlink(clear);
    free(enc);
    free(clear);
}

/* An encrypted decryption key: the message encrypted to server.crt opens. */
static void test_encrypted_decrypt_key(void **state)
{
    (void)state;
    wssec_ctx *sender = h_signer("alice", "encrypt-cert", PKI "server.crt", NULL);
    wssec_ctx *in = h_receiver("decrypt-key", PKI "server-enc.key", "decrypt-key-password-file",
                               PKI "server-enc.key.pw", "decrypt-cert", PKI "server.crt", NULL);
    wssec_ctx *other = h_receiver(NULL); /* no key: cannot decrypt */
    static const char *const acts[] = { "timestamp", "signature", "encrypted-key" };
    char *plain = h_envelope_header(11, NULL);
    char *xml = h_secure(sender, plain, acts, 3, NULL);
    assert_null(strstr(xml, "<m:Ping")); /* encrypted */
    h_expect(in, xml, 0, NULL, NULL);
    h_run r = { 0 };
    assert_int_not_equal(h_verify(&r, other, xml), 0);
    h_run_free(&r);
    free(xml);
    free(plain);
    wssec_ctx_free(other);
    wssec_ctx_free(in);
    wssec_ctx_free(sender);
}

/* ---- PKCS#12 files with several keys ---- */

static void test_pkcs12_alias(void **state)
{
    (void)state;
    const char *alice[] = { "pkcs12",
                            PKI "keys.p12",
                            "pkcs12-password-file",
                            PKI "keys.p12.pw",
                            "pkcs12-alias",
                            "alice",
                            NULL };
    wssec_ctx *out = h_ctx_pairs(alice);
    assert_signer_cn(out, "alice");
    sign_and_verify(out);
    wssec_ctx_free(out);
    const char *server[] = { "pkcs12",
                             PKI "keys.p12",
                             "pkcs12-password-file",
                             PKI "keys.p12.pw",
                             "pkcs12-alias",
                             "server",
                             NULL };
    out = h_ctx_pairs(server);
    assert_signer_cn(out, "server");
    sign_and_verify(out);
    wssec_ctx_free(out);
    /* keytool compares aliases without regard to case */
    const char *upper[] = { "pkcs12",
                            PKI "keys.p12",
                            "pkcs12-password-file",
                            PKI "keys.p12.pw",
                            "pkcs12-alias",
                            "SERVER",
                            NULL };
    out = h_ctx_pairs(upper);
    assert_signer_cn(out, "server");
    wssec_ctx_free(out);
    /* one key: the alias must still be its own */
    const char *single[] = { "pkcs12",
                             PKI "alice.p12",
                             "pkcs12-password-file",
                             PKI "alice.p12.pw",
                             "pkcs12-alias",
                             "server",
                             NULL };
    build(WSSEC_ECONFIG, "no key has the alias 'server'", single);
}

static void test_pkcs12_alias_refusals(void **state)
{
    (void)state;
    const char *none[] = { "pkcs12", PKI "keys.p12", "pkcs12-password-file", PKI "keys.p12.pw",
                           NULL };
    build(WSSEC_ECONFIG,
          "keys.p12: holds 2 keys; choose one with pkcs12-alias (its keys: alice, server)", none);
    const char *unknown[] = {
        "pkcs12", PKI "keys.p12", "pkcs12-password-file", PKI "keys.p12.pw", "pkcs12-alias", "bob",
        NULL
    };
    build(WSSEC_ECONFIG, "keys.p12: no key has the alias 'bob' (its keys: alice, server)", unknown);
}

/* The chain of each alias holds its own certificates, never the other
 * key's, each once. */
static void test_pkcs12_alias_chain(void **state)
{
    (void)state;
    const char *aliases[] = { "alice", "server" };
    for (size_t a = 0; a < 2; a++) {
        wssec_keypw kp = { .option = "pkcs12", .path = PKI "keys.p12" };
        FILE *f = fopen(PKI "keys.p12.pw", "r");
        assert_non_null(f);
        assert_non_null(fgets(kp.pw, sizeof(kp.pw), f));
        fclose(f);
        kp.pw[strcspn(kp.pw, "\r\n")] = '\0';
        kp.len = strlen(kp.pw);
        kp.have = true;
        EVP_PKEY *key = NULL;
        X509 *cert = NULL;
        STACK_OF(X509) *chain = NULL;
        char why[600];
        int rc = wssec__load_pkcs12(PKI "keys.p12", &kp, aliases[a], &key, &cert, &chain, why,
                                    sizeof(why));
        if (rc) print_error("%s\n", why);
        assert_int_equal(rc, 0);
        assert_false(kp.have); /* wiped */
        assert_int_equal(X509_check_private_key(cert, key), 1);
        assert_int_equal(sk_X509_num(chain), 2); /* the intermediate and the root, once each */
        for (int i = 0; i < sk_X509_num(chain); i++) {
            char cn[200];
            X509_NAME_get_text_by_NID(X509_get_subject_name(sk_X509_value(chain, i)),
                                      NID_commonName, cn, sizeof(cn));
            assert_non_null(strstr(cn, "wssec Test"));
        }
        EVP_PKEY_free(key);
        X509_free(cert);
        sk_X509_pop_free(chain, X509_free);
    }
}

/* A file made here: a key with no certificate, a certificate with no key. */
static void test_pkcs12_incomplete(void **state)
{
    (void)state;
    FILE *f = fopen(PKI "alice.key", "r");
    assert_non_null(f);
    EVP_PKEY *k = PEM_read_PrivateKey(f, NULL, NULL, (void *)"");
    fclose(f);
    f = fopen(PKI "alice.crt", "r");
    assert_non_null(f);
    X509 *x = PEM_read_X509(f, NULL, NULL, NULL);
    fclose(f);
    assert_true(k && x);
    char *paths[2];
    for (int i = 0; i < 2; i++) {
        PKCS12 *p12 =
            PKCS12_create("pw-of-test", "only", i ? NULL : k, i ? x : NULL, NULL, 0, 0, 0, 0, 0);
        assert_non_null(p12);
        paths[i] = h_tempfile("");
        BIO *b = BIO_new_file(paths[i], "wb");
        assert_int_equal(i2d_PKCS12_bio(b, p12), 1);
        BIO_free(b);
        PKCS12_free(p12);
    }
    assert_int_equal(setenv("WSSEC_TEST_P12_PW", "pw-of-test", 1), 0);
    const char *keyonly[] = { "pkcs12", paths[0], "pkcs12-password-env", "WSSEC_TEST_P12_PW",
                              NULL };
    build(WSSEC_ECONFIG, "holds no certificate for the key 'only'", keyonly);
    const char *certonly[] = { "pkcs12", paths[1], "pkcs12-password-env", "WSSEC_TEST_P12_PW",
                               NULL };
    build(WSSEC_ECONFIG, "holds no private key", certonly);
    unsetenv("WSSEC_TEST_P12_PW");
    for (int i = 0; i < 2; i++) {
        unlink(paths[i]);
        free(paths[i]);
    }
    EVP_PKEY_free(k);
    X509_free(x);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_legacy_pkcs12),
        cmocka_unit_test(test_legacy_pkcs12_refusals),
        cmocka_unit_test(test_password_files),
        cmocka_unit_test(test_encrypted_key),
        cmocka_unit_test(test_encrypted_key_refusals),
        cmocka_unit_test(test_key_password_callback),
        cmocka_unit_test(test_der_keys),
        cmocka_unit_test(test_encrypted_decrypt_key),
        cmocka_unit_test(test_pkcs12_alias),
        cmocka_unit_test(test_pkcs12_alias_refusals),
        cmocka_unit_test(test_pkcs12_alias_chain),
        cmocka_unit_test(test_pkcs12_incomplete),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
