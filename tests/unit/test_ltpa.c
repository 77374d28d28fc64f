/*
 * LTPA tokens (plugins/ltpa/): the key file and the token format, below the
 * plug-in. Every row of ../shared/ltpa-vectors/manifest.tsv (read in place;
 * NOT RUN when absent) with its expected result: the key files load with
 * their passwords and refuse a wrong one; each token decodes, verifies and
 * parses, or fails for the reason its row gives; valid tokens are accepted
 * just before their signed expiry and expired just after; the deterministic
 * ones are reproduced byte for byte. Then our own key files (samples/ltpa/)
 * and the bounds a hostile sender meets before any work is done.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "helpers.h"
#include "../../plugins/ltpa/ltpa.h"
#include "../../plugins/ltpa/ltpa_util.h"

#define VECTORS WSSEC_SOURCE_DIR "/../shared/ltpa-vectors/"
#define SAMPLE WSSEC_SOURCE_DIR "/samples/ltpa/"
#define SAMPLE_PW "WebAS-sample"

/* What each row of the manifest must give. */
enum outcome {
    KEYS_LOAD,     /* a key file: loads with its password, refuses another */
    VALID,         /* decodes and verifies; reproduced byte for byte */
    VALID_EXPIRED, /* verifies, but its signed expiry (not the outer one) has passed */
    BAD_SIG,       /* decrypts and parses, but the signature does not verify */
    GARBLED,       /* a flipped ciphertext byte: refused (signature or format) */
};

static const struct {
    const char *file;
    enum outcome want;
    const char *realm, *user; /* unescaped, for tokens */
} rows[] = {
    { "keys/amlen-TestLTPAKey.properties", KEYS_LOAD, NULL, NULL },
    { "keys/openliberty-keys-correct.properties", KEYS_LOAD, NULL, NULL },
    { "keys/spring-ltpa2-faq-keys.properties", KEYS_LOAD, NULL, NULL },
    { "keys/jip-ltpa2-keys.properties", KEYS_LOAD, NULL, NULL },
    { "tokens/v2-amlen.b64", VALID, "9.3.179.80:5389", "uid=u0000000,ou=users,ou=PERF,dc=ism.ibm,dc=com" },
    { "tokens/v1-amlen.b64", VALID, "9.3.179.80:5389", "uid=u0000000,ou=users,ou=PERF,dc=ism.ibm,dc=com" },
    { "tokens/v2-spring.b64", VALID, "LdapRegistry", "CN=fae6d87c-c642-45a6-9f09-915c7fd8b08c,OU=user,DC=foo,DC=bar" },
    { "tokens/v2-jip.b64", VALID, "defaultWIMFileBasedRealm", "uid=wpsadmin,o=defaultWIMFileBasedRealm" },
    { "tokens/v2-openliberty.b64", VALID, "BasicRealm", "user1" },
    { "tokens/v2-amlen-gen-2100.b64", VALID, "9.3.179.80:5389", "uid=u0000000,ou=users,ou=PERF,dc=ism.ibm,dc=com" },
    { "tokens/v2-amlen-gen-escapes.b64", VALID, "Example:Realm", "cn=a$b%c:d|e\\f,o=example" },
    { "tokens/v1-amlen-gen-2100.b64", VALID, "9.3.179.80:5389", "uid=u0000000,ou=users,ou=PERF,dc=ism.ibm,dc=com" },
    { "tokens/v2-amlen-neg-bitflip.b64", GARBLED, NULL, NULL },
    { "tokens/v2-amlen-neg-forged-user.b64", BAD_SIG, NULL, NULL },
    { "tokens/v2-amlen-neg-outer-expiry.b64", VALID_EXPIRED, "9.3.179.80:5389", "uid=u0000000,ou=users,ou=PERF,dc=ism.ibm,dc=com" },
    { "tokens/v1-amlen-neg-bitflip.b64", GARBLED, NULL, NULL },
    { "tokens/v1-amlen-neg-forged-user.b64", BAD_SIG, NULL, NULL },
};

/* A manifest row: the columns used. */
typedef struct row {
    char file[128], kind[16], key_file[128], password[64], aes[128], userdata[512], expiry[128],
        expected[512];
} row;

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    char *buf = malloc(1 << 16);
    assert_non_null(buf);
    size_t n = fread(buf, 1, (1 << 16) - 1, f);
    fclose(f);
    buf[n] = '\0';
    if (len) *len = n;
    return buf;
}

/* Column i (0-based) of a tab-separated line into out. */
static void column(char *out, size_t size, const char *line, int i)
{
    while (i-- > 0) {
        line = strchr(line, '\t');
        assert_non_null(line);
        line++;
    }
    size_t n = strcspn(line, "\t\n");
    assert_true(n < size);
    memcpy(out, line, n);
    out[n] = '\0';
}

/* The manifest's rows (header skipped); the count. */
static size_t read_manifest(row *out, size_t max)
{
    char *text = slurp(VECTORS "manifest.tsv", NULL);
    assert_non_null(text);
    size_t n = 0;
    for (char *line = strchr(text, '\n') + 1; *line; line = strchr(line, '\n') + 1) {
        assert_true(n < max);
        row *r = &out[n++];
        column(r->file, sizeof(r->file), line, 0);
        column(r->kind, sizeof(r->kind), line, 1);
        column(r->key_file, sizeof(r->key_file), line, 6);
        column(r->password, sizeof(r->password), line, 7);
        column(r->aes, sizeof(r->aes), line, 8);
        column(r->userdata, sizeof(r->userdata), line, 9);
        column(r->expiry, sizeof(r->expiry), line, 10);
        column(r->expected, sizeof(r->expected), line, 13);
        if (!strchr(line, '\n')) break;
    }
    free(text);
    return n;
}

static void load_keys(ltpa_keys *k, const char *path, const char *pw)
{
    char why[300];
    int rc = ltpa_keys_load(k, path, pw, strlen(pw), why, sizeof(why));
    if (rc) print_error("%s: %s\n", path, why);
    assert_int_equal(rc, LTPA_OK);
}

static void check_keyfile(const row *r)
{
    char path[512], why[300], hex[49];
    snprintf(path, sizeof(path), VECTORS "%s", r->file);
    ltpa_keys k;
    load_keys(&k, path, r->password);
    for (size_t i = 0; i < 24; i++) snprintf(hex + 2 * i, 3, "%02x", k.shared[i]);
    h_assert_contains(r->expected, hex); /* "loads: shared key <hex>" */
    assert_int_equal(EVP_PKEY_get_bits(k.rsa), 1024);
    ltpa_keys_clear(&k);
    /* a wrong password: the row names one for amlen ("Password"); every file refuses ours */
    const char *wrong = strcmp(r->password, "password") == 0 ? "Password" : "not-the-password";
    assert_int_equal(ltpa_keys_load(&k, path, wrong, strlen(wrong), why, sizeof(why)), LTPA_EKEYS);
    h_assert_contains(why, "wrong password");
}

/* Decodes the token file of a row with its key file (and the row's AES key). */
static int decode_row(ltpa_token *tok, ltpa_keys *k, const row *r, char *why, size_t wl)
{
    char path[512];
    snprintf(path, sizeof(path), VECTORS "%s", r->key_file);
    load_keys(k, path, r->password);
    if (strncmp(r->aes, "ascii ", 6) == 0) memcpy(k->shared, r->aes + 6, 16); /* Liberty's test key */
    snprintf(path, sizeof(path), VECTORS "%s", r->file);
    size_t blen = 0;
    char *b64 = slurp(path, &blen);
    assert_non_null(b64);
    unsigned char ct[LTPA_MAX_CIPHER];
    size_t len = 0;
    assert_int_equal(ltpa_b64_decode(ct, sizeof(ct), &len, b64, blen), 0);
    free(b64);
    return ltpa_decode(tok, k, strstr(r->kind, "v1") ? 1 : 2, ct, len, why, wl);
}

/* Signing and encrypting the row's user data and outer expiry again gives the file. */
static void check_reproduced(const ltpa_keys *k, const row *r, const ltpa_token *tok)
{
    char path[512], why[300], *made = NULL;
    snprintf(path, sizeof(path), VECTORS "%s", r->file);
    char *want = slurp(path, NULL);
    char *ud = h_strf("%.*s", (int)tok->userdata_len, tok->plain);
    assert_int_equal(ltpa_encode(&made, k, tok->version, ud, tok->outer_expiry, why, sizeof(why)),
                     LTPA_OK);
    assert_string_equal(made, want);
    OPENSSL_free(made);
    free(ud);
    free(want);
}

static void check_token(const row *r, enum outcome want, const char *realm, const char *user)
{
    ltpa_keys k;
    ltpa_token tok;
    char why[300];
    int rc = decode_row(&tok, &k, r, why, sizeof(why));
    if (want == BAD_SIG || want == GARBLED) {
        if (rc == LTPA_OK) print_error("%s was accepted\n", r->file);
        /* a flipped byte garbles one block: the signature then fails (v2: the
         * block holds user data; v1 likewise) */
        assert_int_equal(rc, LTPA_ESIG);
        h_assert_contains(why, "signature does not verify");
        ltpa_keys_clear(&k);
        return;
    }
    if (rc) print_error("%s: %s\n", r->file, why);
    assert_int_equal(rc, LTPA_OK);
    char *ud = h_strf("%.*s", (int)tok.userdata_len, tok.plain);
    assert_string_equal(ud, r->userdata);
    free(ud);
    assert_string_equal(tok.realm, realm);
    assert_string_equal(tok.user, user);
    /* the expiry enforced: v2 the signed attribute, v1 the outer field */
    int64_t exp = strtoll(r->expiry, NULL, 10);
    assert_true(exp > 0);
    assert_true(tok.expiry == exp);
    if (want == VALID_EXPIRED) {
        assert_true(tok.outer_expiry == 4102444800000LL); /* what the sender claims */
        assert_true(1700000000000LL > tok.expiry);        /* expired by late 2023 */
    }
    check_reproduced(&k, r, &tok);
    ltpa_token_clear(&tok);
    ltpa_keys_clear(&k);
}

static void test_vectors(void **state)
{
    (void)state;
    h_require_file(VECTORS "manifest.tsv");
    row *m = calloc(64, sizeof(*m));
    assert_non_null(m);
    size_t n = read_manifest(m, 64), seen = 0;
    assert_int_equal(n, WSSEC_ARRAY_LEN(rows)); /* a new row needs its expected result here */
    for (size_t i = 0; i < n; i++) {
        size_t j = 0;
        while (j < WSSEC_ARRAY_LEN(rows) && strcmp(rows[j].file, m[i].file) != 0) j++;
        if (j == WSSEC_ARRAY_LEN(rows)) print_error("manifest row %s has no expected result\n", m[i].file);
        assert_true(j < WSSEC_ARRAY_LEN(rows));
        if (rows[j].want == KEYS_LOAD) check_keyfile(&m[i]);
        else check_token(&m[i], rows[j].want, rows[j].realm, rows[j].user);
        seen++;
    }
    print_message("ltpa-vectors: %zu of %zu rows agree\n", seen, n);
    free(m);
}

/* v1: the expiry is not signed, so changing it keeps the signature good. */
static void test_v1_expiry_unsigned(void **state)
{
    (void)state;
    ltpa_keys k;
    load_keys(&k, SAMPLE "ltpa.keys", SAMPLE_PW);
    char ud[512], why[300], *a = NULL, *b = NULL;
    assert_int_equal(ltpa_userdata(ud, sizeof(ud), 1, "r", "alice", 0), LTPA_OK);
    assert_string_equal(ud, "u:user\\:r/alice");
    assert_int_equal(ltpa_encode(&a, &k, 1, ud, 1000, why, sizeof(why)), 0);
    assert_int_equal(ltpa_encode(&b, &k, 1, ud, 4102444800000LL, why, sizeof(why)), 0);
    assert_string_not_equal(a, b);
    unsigned char ct[1024];
    size_t len = 0;
    ltpa_token tok;
    assert_int_equal(ltpa_b64_decode(ct, sizeof(ct), &len, b, strlen(b)), 0);
    assert_int_equal(ltpa_decode(&tok, &k, 1, ct, len, why, sizeof(why)), LTPA_OK);
    assert_true(tok.expiry == 4102444800000LL);
    ltpa_token_clear(&tok);
    /* v2 signs it: the expire attribute */
    assert_int_equal(ltpa_userdata(ud, sizeof(ud), 2, "a:b", "x$y", 1234), LTPA_OK);
    assert_string_equal(ud, "expire:1234$u:user\\:a\\:b/x\\$y");
    /* a realm with '/' cannot be written unambiguously */
    assert_int_equal(ltpa_userdata(ud, sizeof(ud), 2, "a/b", "x", 1), LTPA_ESIZE);
    OPENSSL_free(a);
    OPENSSL_free(b);
    ltpa_keys_clear(&k);
}

/* A key file with text (the sample password) is refused with needle; text is freed. */
static void expect_refused(char *text, const char *pw, const char *needle)
{
    ltpa_keys k;
    char why[300];
    char *f = h_tempfile(text);
    assert_int_equal(ltpa_keys_load(&k, f, pw, strlen(pw), why, sizeof(why)), LTPA_EKEYS);
    h_assert_contains(why, needle);
    unlink(f);
    free(f);
    free(text);
}

/* Our key files: WebSphere's format, another key, another password, broken files. */
static void test_keyfiles(void **state)
{
    (void)state;
    ltpa_keys k;
    char why[300];
    load_keys(&k, SAMPLE "ltpa.keys", SAMPLE_PW);
    assert_string_equal(k.realm, "example.com:389");
    ltpa_keys_clear(&k);
    assert_int_equal(ltpa_keys_load(&k, SAMPLE "ltpa.keys", "webas-sample", 12, why, sizeof(why)),
                     LTPA_EKEYS);
    h_assert_contains(why, "3DESKey does not decrypt: wrong password");
    assert_int_equal(ltpa_keys_load(&k, "/no/such/file", "x", 1, why, sizeof(why)), LTPA_EKEYS);
    h_assert_contains(why, "cannot be opened");

    size_t len = 0;
    char *text = slurp(SAMPLE "ltpa.keys", &len), *other = slurp(SAMPLE "other.keys", NULL);
    assert_non_null(text);
    assert_non_null(other);
    /* continuation lines, blanks around ':' and comments are Java properties */
    char *pub = strstr(text, "com.ibm.websphere.ltpa.PublicKey=");
    assert_non_null(pub);
    char *folded = h_strf("! a comment\n%.*scom.ibm.websphere.ltpa.PublicKey : %.10s\\\n   %s",
                          (int)(pub - text), text, pub + 33, pub + 43);
    char *f = h_tempfile(folded);
    load_keys(&k, f, SAMPLE_PW);
    ltpa_keys_clear(&k);
    unlink(f);
    free(f);
    free(folded);

    /* another file's PublicKey: p*q is not n */
    char *opub = strstr(other, "com.ibm.websphere.ltpa.PublicKey=");
    expect_refused(h_strf("%.*s%s", (int)(pub - text), text, opub), SAMPLE_PW,
                   "PrivateKey does not belong to PublicKey");
    /* no PublicKey */
    expect_refused(h_strf("%.*s", (int)(pub - text), text), SAMPLE_PW, "PublicKey is missing");
    /* larger than 64 KiB: refused before it is parsed */
    char *big = malloc(70000);
    assert_non_null(big);
    memset(big, '#', 69999);
    big[69999] = '\0';
    expect_refused(big, "x", "larger than 64 KiB");
    /* a password over the bound */
    char pw[LTPA_MAX_PASSWORD + 2];
    memset(pw, 'a', sizeof(pw));
    assert_int_equal(ltpa_keys_load(&k, SAMPLE "ltpa.keys", pw, sizeof(pw), why, sizeof(why)),
                     LTPA_EKEYS);
    h_assert_contains(why, "longer than 1024 bytes");
    free(text);
    free(other);
}

/* Encrypts plain as a v2 token would be, without signing it. */
static size_t raw_v2(unsigned char *ct, const ltpa_keys *k, const char *plain)
{
    size_t n = 0;
    assert_int_equal(ltpa_cipher(ct, &n, EVP_aes_128_cbc(), k->shared, k->shared,
                                 (const unsigned char *)plain, strlen(plain), 1),
                     LTPA_OK);
    return n;
}

/* What a hostile sender meets: every size bounded before work, each refusal precise. */
static void test_hostile(void **state)
{
    (void)state;
    ltpa_keys k, other;
    load_keys(&k, SAMPLE "ltpa.keys", SAMPLE_PW);
    load_keys(&other, SAMPLE "other.keys", SAMPLE_PW);
    ltpa_token tok;
    char why[300];
    static unsigned char ct[LTPA_MAX_CIPHER + 64];
    memset(ct, 0x41, sizeof(ct));
    /* longer than the bound: refused before decryption */
    assert_int_equal(ltpa_decode(&tok, &k, 2, ct, LTPA_MAX_CIPHER + 16, why, sizeof(why)),
                     LTPA_ESIZE);
    h_assert_contains(why, "more than 6144");
    /* not whole blocks; another key's token */
    assert_int_equal(ltpa_decode(&tok, &k, 2, ct, 17, why, sizeof(why)), LTPA_EDECRYPT);
    char ud[256], *b64 = NULL;
    assert_int_equal(ltpa_userdata(ud, sizeof(ud), 2, "example.com:389", "alice", 4102444800000LL),
                     LTPA_OK);
    assert_int_equal(ltpa_encode(&b64, &other, 2, ud, 4102444800000LL, why, sizeof(why)), 0);
    size_t len = 0;
    assert_int_equal(ltpa_b64_decode(ct, sizeof(ct), &len, b64, strlen(b64)), 0);
    OPENSSL_free(b64);
    int rc = ltpa_decode(&tok, &k, 2, ct, len, why, sizeof(why));
    /* another AES key: a padding error, or (1 in ~256) garbage that is not text */
    assert_true(rc == LTPA_EDECRYPT || rc == LTPA_EFORMAT);
    if (rc == LTPA_EDECRYPT) h_assert_contains(why, "does not decrypt with the key file's shared key");
    /* the same shared key but another signing key */
    memcpy(other.shared, k.shared, 24);
    assert_int_equal(ltpa_encode(&b64, &other, 2, ud, 4102444800000LL, why, sizeof(why)), 0);
    assert_int_equal(ltpa_b64_decode(ct, sizeof(ct), &len, b64, strlen(b64)), 0);
    OPENSSL_free(b64);
    assert_int_equal(ltpa_decode(&tok, &k, 2, ct, len, why, sizeof(why)), LTPA_ESIG);
    h_assert_contains(why, "signature does not verify");
    /* plaintexts that are not tokens */
    len = raw_v2(ct, &k, "no percent signs");
    assert_int_equal(ltpa_decode(&tok, &k, 2, ct, len, why, sizeof(why)), LTPA_EFORMAT);
    h_assert_contains(why, "not to USERDATA%EXPIRY%SIGNATURE");
    len = raw_v2(ct, &k, "%only one");
    assert_int_equal(ltpa_decode(&tok, &k, 2, ct, len, why, sizeof(why)), LTPA_EFORMAT);
    len = raw_v2(ct, &k, "u:x%12x%AAAA");
    assert_int_equal(ltpa_decode(&tok, &k, 2, ct, len, why, sizeof(why)), LTPA_EFORMAT);
    h_assert_contains(why, "expiry or signature field is malformed");
    len = raw_v2(ct, &k, "u:x%12%AAAA");
    assert_int_equal(ltpa_decode(&tok, &k, 2, ct, len, why, sizeof(why)), LTPA_EFORMAT);
    /* user data over its bound: refused before the signature is checked */
    char *huge = malloc(LTPA_MAX_USERDATA + 100);
    assert_non_null(huge);
    memset(huge, 'a', LTPA_MAX_USERDATA + 1);
    memcpy(huge + LTPA_MAX_USERDATA + 1, "%1%AAAA", 8);
    len = raw_v2(ct, &k, huge);
    assert_int_equal(ltpa_decode(&tok, &k, 2, ct, len, why, sizeof(why)), LTPA_ESIZE);
    h_assert_contains(why, "longer than 4096 bytes");
    huge[LTPA_MAX_USERDATA + 1] = '\0';
    assert_int_equal(ltpa_encode(&b64, &k, 2, huge, 1, why, sizeof(why)), LTPA_ESIZE);
    free(huge);
    /* signed, but no u attribute, or (v2) no expire attribute */
    static const struct {
        int version;
        const char *ud, *needle;
    } bad[] = {
        { 2, "expire:1$x:y", "no u attribute" },
        { 2, "u:user\\:r/alice", "no expire attribute" },
        { 2, "expire:1$u:alice", "not one user:REALM/ID" },
        { 2, "expire:1$u:user\\:r/", "not one user:REALM/ID" },
        { 2, "expire:x1$u:user\\:r/a", "expire attribute is not one time" },
        { 2, "expire:1$u:user\\:r/a$u:user\\:r/b", "not one user:REALM/ID" },
        { 1, "u", "not name:value" },
        { 2, "expire:1$u:user\\:r/a$$", "not name:value" },
    };
    for (size_t i = 0; i < WSSEC_ARRAY_LEN(bad); i++) {
        assert_int_equal(ltpa_encode(&b64, &k, bad[i].version, bad[i].ud, 1, why, sizeof(why)), 0);
        assert_int_equal(ltpa_b64_decode(ct, sizeof(ct), &len, b64, strlen(b64)), 0);
        OPENSSL_free(b64);
        rc = ltpa_decode(&tok, &k, bad[i].version, ct, len, why, sizeof(why));
        if (rc != LTPA_EFORMAT || !strstr(why, bad[i].needle))
            print_error("'%s': %d %s\n", bad[i].ud, rc, why);
        assert_int_equal(rc, LTPA_EFORMAT);
        h_assert_contains(why, bad[i].needle);
    }
    /* more attributes than the bound: refused while counting */
    char many[LTPA_MAX_ATTRS * 4 + 64];
    size_t at = 0;
    for (int i = 0; i <= LTPA_MAX_ATTRS; i++) at += (size_t)snprintf(many + at, 5, "a:1$");
    snprintf(many + at, sizeof(many) - at, "u:user\\:r/a");
    assert_int_equal(ltpa_encode(&b64, &k, 1, many, 1, why, sizeof(why)), 0);
    assert_int_equal(ltpa_b64_decode(ct, sizeof(ct), &len, b64, strlen(b64)), 0);
    OPENSSL_free(b64);
    assert_int_equal(ltpa_decode(&tok, &k, 1, ct, len, why, sizeof(why)), LTPA_EFORMAT);
    h_assert_contains(why, "more than 64 attributes");
    ltpa_keys_clear(&k);
    ltpa_keys_clear(&other);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vectors),
        cmocka_unit_test(test_v1_expiry_unsigned),
        cmocka_unit_test(test_keyfiles),
        cmocka_unit_test(test_hostile),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
