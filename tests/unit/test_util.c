/*
 * Unit tests of the one-of-each primitives of util.c: the bounded growable
 * array and the secret reader (wssec_secret_read), with hostile inputs.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <xmlsec/base64.h>
#include <xmlsec/errors.h>

#include "helpers.h"
#include "private.h"

/* ---- wssec__array_grow ---- */

static void test_array_grow(void **state)
{
    (void)state;
    int *v = NULL;
    size_t n = 0;
    for (int i = 0; i < 5; i++) {
        assert_int_equal(wssec__array_grow(&v, n, sizeof(*v), 5), 0);
        v[n++] = i * 10;
    }
    /* the sixth is refused, and the five are kept */
    assert_int_equal(wssec__array_grow(&v, n, sizeof(*v), 5), WSSEC_ELIMIT);
    assert_int_equal(n, 5);
    for (int i = 0; i < 5; i++) assert_int_equal(v[i], i * 10);
    /* an element size whose product overflows is refused, the array kept */
    int *keep = v;
    assert_int_equal(wssec__array_grow(&v, 4, SIZE_MAX / 4, SIZE_MAX), WSSEC_ENOMEM);
    assert_ptr_equal(v, keep);
    assert_int_equal(wssec__array_grow(&v, 0, 0, 10), WSSEC_ENOMEM);
    wssec__free(v);
}

static void test_strlist_capped(void **state)
{
    (void)state;
    wssec_strlist l = { 0 };
    assert_int_equal(wssec__strlist_add(&l, "a"), 0);
    assert_int_equal(wssec__strlist_add(&l, "b"), 0);
    assert_int_equal(l.n, 2);
    assert_string_equal(l.v[1], "b");
    wssec__strlist_clear(&l);
    assert_null(l.v);
    assert_int_equal(l.n, 0);
}

/* ---- wssec_secret_read ---- */

/* A file of exactly these bytes (NULs included). */
static char *bytes_file(const void *p, size_t n)
{
    char *path = h_strf("%s/wssec-secret-XXXXXX", P_tmpdir);
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, p, n), (ssize_t)n);
    close(fd);
    return path;
}

typedef struct secret_row {
    const char *bytes;
    size_t n;
    int rc;
    const char *secret; /* on success */
    const char *why;    /* on failure, contained */
} secret_row;

static void test_secret_file(void **state)
{
    (void)state;
    static const secret_row rows[] = {
        { "s3cret", 6, 0, "s3cret", NULL },
        { "s3cret\n", 7, 0, "s3cret", NULL },
        { "s3cret\r\nsecond line\n", 20, 0, "s3cret", NULL },
        { "s3cret\rrest", 11, 0, "s3cret", NULL },
        { " spaced out \n", 13, 0, " spaced out ", NULL },
        { "", 0, WSSEC_ECONFIG, NULL, "the first line is empty" },
        { "\nsecond", 7, WSSEC_ECONFIG, NULL, "the first line is empty" },
        { "\r\n", 2, WSSEC_ECONFIG, NULL, "the first line is empty" },
        { "ab\0cd\n", 6, WSSEC_ECONFIG, NULL, "the first line holds a NUL byte" },
        { "\0", 1, WSSEC_ECONFIG, NULL, "the first line holds a NUL byte" },
        /* 15 bytes fit a 16-byte buffer, 16 do not */
        { "123456789012345\n", 16, 0, "123456789012345", NULL },
        { "1234567890123456", 16, WSSEC_ELIMIT, NULL, "the first line is longer than 15 bytes" },
        /* what follows the first line is not read, however long */
        { "ok\n12345678901234567890", 23, 0, "ok", NULL },
    };
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        char *path = bytes_file(rows[i].bytes, rows[i].n);
        char buf[16], why[200] = "";
        size_t len = 99;
        memset(buf, 'x', sizeof(buf));
        int rc = wssec_secret_read(buf, sizeof(buf), &len, path, NULL, why, sizeof(why));
        if (rc != rows[i].rc) fail_msg("row %zu: %s (%s)", i, wssec_code_name(rc), why);
        if (rc == 0) {
            assert_string_equal(buf, rows[i].secret);
            assert_int_equal(len, strlen(rows[i].secret));
        } else {
            h_assert_contains(why, rows[i].why);
            assert_int_equal(len, 0);
            for (size_t k = 0; k < sizeof(buf); k++) assert_int_equal(buf[k], 0); /* wiped */
            assert_null(strstr(why, path)); /* the caller names the file */
        }
        unlink(path);
        free(path);
    }
}

static void test_secret_file_unreadable(void **state)
{
    (void)state;
    char buf[64], why[200];
    size_t len;
    assert_int_equal(wssec_secret_read(buf, sizeof(buf), &len, "/", NULL, why, sizeof(why)),
                     WSSEC_EIO);
    assert_string_equal(why, "is a directory");
    assert_int_equal(wssec_secret_read(buf, sizeof(buf), &len, "/nonexistent/pw", NULL, why,
                                       sizeof(why)),
                     WSSEC_EIO);
    h_assert_contains(why, "cannot be opened: ");
}

static void test_secret_env(void **state)
{
    (void)state;
    char buf[8], why[200];
    size_t len = 99;
    unsetenv("WSSEC_TEST_SECRET");
    assert_int_equal(wssec_secret_read(buf, sizeof(buf), &len, NULL, "WSSEC_TEST_SECRET", why,
                                       sizeof(why)),
                     WSSEC_ECONFIG);
    assert_string_equal(why, "environment variable WSSEC_TEST_SECRET is not set");
    /* empty: refused, not an empty password */
    assert_int_equal(setenv("WSSEC_TEST_SECRET", "", 1), 0);
    assert_int_equal(wssec_secret_read(buf, sizeof(buf), &len, NULL, "WSSEC_TEST_SECRET", why,
                                       sizeof(why)),
                     WSSEC_ECONFIG);
    assert_string_equal(why, "environment variable WSSEC_TEST_SECRET is empty");
    assert_int_equal(len, 0);
    /* 7 bytes fit an 8-byte buffer, 8 do not */
    assert_int_equal(setenv("WSSEC_TEST_SECRET", "1234567", 1), 0);
    assert_int_equal(wssec_secret_read(buf, sizeof(buf), &len, NULL, "WSSEC_TEST_SECRET", why,
                                       sizeof(why)),
                     0);
    assert_string_equal(buf, "1234567");
    assert_int_equal(len, 7);
    assert_int_equal(setenv("WSSEC_TEST_SECRET", "12345678", 1), 0);
    assert_int_equal(wssec_secret_read(buf, sizeof(buf), &len, NULL, "WSSEC_TEST_SECRET", why,
                                       sizeof(why)),
                     WSSEC_ELIMIT);
    assert_string_equal(why, "environment variable WSSEC_TEST_SECRET is longer than 7 bytes");
    assert_null(strstr(why, "12345678"));
    unsetenv("WSSEC_TEST_SECRET");
}

static void test_secret_arguments(void **state)
{
    (void)state;
    char buf[8], why[200];
    size_t len;
    assert_int_equal(wssec_secret_read(buf, sizeof(buf), &len, "/etc/hostname", "HOME", why,
                                       sizeof(why)),
                     WSSEC_EINVALID);
    h_assert_contains(why, "both a password file and an environment variable given");
    assert_int_equal(wssec_secret_read(buf, sizeof(buf), &len, NULL, NULL, why, sizeof(why)),
                     WSSEC_EINVALID);
    h_assert_contains(why, "neither a password file");
    assert_int_equal(wssec_secret_read(buf, 1, &len, NULL, "HOME", why, sizeof(why)),
                     WSSEC_EINVALID);
    /* no room for a reason: still a clean failure */
    assert_int_equal(wssec_secret_read(buf, sizeof(buf), &len, "/", NULL, NULL, 0), WSSEC_EIO);
}

/* ---- wssec__random_id ---- */

static void test_random_id(void **state)
{
    (void)state;
    char a[40], b[40];
    assert_int_equal(wssec__random_id(a, sizeof(a), "ED", 8), 0);
    assert_int_equal(strlen(a), 3 + 16);
    assert_memory_equal(a, "ED-", 3);
    assert_int_equal(strspn(a + 3, "0123456789ABCDEF"), 16);
    assert_int_equal(wssec__random_id(b, sizeof(b), "ED", 8), 0);
    assert_string_not_equal(a, b);
    assert_int_equal(wssec__random_id(a, sizeof(a), NULL, 16), 0);
    assert_int_equal(strlen(a), 32);
    assert_int_equal(strspn(a, "0123456789ABCDEF"), 32);
    /* exactly fits, one byte short */
    char c[20];
    assert_int_equal(wssec__random_id(c, sizeof(c), "ED", 8), 0);
    assert_int_equal(wssec__random_id(c, 19, "ED", 8), WSSEC_ELIMIT);
    assert_string_equal(c, "");
    assert_int_equal(wssec__random_id(c, sizeof(c), "A-very-long-prefix", 8), WSSEC_ELIMIT);
    assert_int_equal(wssec__random_id(c, sizeof(c), NULL, 0), WSSEC_ELIMIT);
}

/* ---- wssec__cert_parse_der: the one DER certificate parser ---- */

static void test_cert_parse_der(void **state)
{
    (void)state;
    size_t len = 0;
    unsigned char *der = h_cert_der(WSSEC_SOURCE_DIR "/samples/pki/alice.crt", &len);
    X509 *x = NULL;
    assert_int_equal(wssec__cert_parse_der(der, len, &x), 0);
    assert_non_null(x);
    X509_free(x);
    /* truncated: every shorter prefix is refused */
    for (size_t n = 0; n < len; n += (n < 64 ? 1 : 97)) {
        x = (X509 *)1;
        assert_int_equal(wssec__cert_parse_der(der, n, &x), WSSEC_ETOKEN);
        assert_null(x);
    }
    assert_int_equal(wssec__cert_parse_der(der, len - 1, &x), WSSEC_ETOKEN);
    /* trailing bytes after the certificate */
    unsigned char *more = malloc(len + 2);
    assert_non_null(more);
    memcpy(more, der, len);
    more[len] = 0x05;
    more[len + 1] = 0x00;
    assert_int_equal(wssec__cert_parse_der(more, len + 2, &x), WSSEC_ETOKEN);
    assert_null(x);
    /* two certificates are not one */
    unsigned char *two = malloc(2 * len);
    assert_non_null(two);
    memcpy(two, der, len);
    memcpy(two + len, der, len);
    assert_int_equal(wssec__cert_parse_der(two, 2 * len, &x), WSSEC_ETOKEN);
    /* garbage, NULL */
    static const unsigned char junk[] = { 0x30, 0x82, 0xff, 0xff, 0x00 };
    assert_int_equal(wssec__cert_parse_der(junk, sizeof(junk), &x), WSSEC_ETOKEN);
    assert_int_equal(wssec__cert_parse_der(NULL, 0, &x), WSSEC_ETOKEN);
    assert_null(x);
    /* the pool parses by the same rule */
    wssec_certpool *pool = NULL;
    assert_int_equal(wssec__certpool_new(&pool, 16), 0);
    assert_int_equal(wssec__cert_from_der(pool, more, len + 2, &x), WSSEC_ETOKEN);
    assert_int_equal(wssec__cert_from_der(pool, der, len, &x), 0);
    X509 *y = NULL;
    assert_int_equal(wssec__cert_from_der(pool, der, len, &y), 0);
    assert_ptr_equal(x, y); /* shared */
    X509_free(x);
    X509_free(y);
    wssec__certpool_free(pool);
    free(two);
    free(more);
    OPENSSL_free(der);
}

/* The base64 text of a certificate file (as a token holds it). */
static char *cert_b64(const char *path)
{
    size_t len = 0;
    unsigned char *der = h_cert_der(path, &len);
    char *b64 = wssec_b64_encode(der, len);
    assert_non_null(b64);
    OPENSSL_free(der);
    return b64;
}

/* The pool keyed by a token's text: a repeat is the same entry; each text
 * gives the certificate it encodes with its description; texts that are
 * no certificate are refused and not pooled. */
static void test_cert_from_b64(void **state)
{
    (void)state;
    char *alice = cert_b64(WSSEC_SOURCE_DIR "/samples/pki/alice.crt");
    char *bob = cert_b64(WSSEC_SOURCE_DIR "/samples/pki/bob.crt");
    wssec_certpool *pool = NULL;
    assert_int_equal(wssec__certpool_new(&pool, 16), 0);
    wssec_pooledcert *a = NULL, *a2 = NULL, *b = NULL;
    assert_int_equal(wssec__cert_from_b64(pool, alice, strlen(alice), 65536, &a), 0);
    assert_int_equal(wssec__cert_from_b64(pool, alice, strlen(alice), 65536, &a2), 0);
    assert_ptr_equal(a, a2); /* a lookup */
    assert_int_equal(wssec__cert_from_b64(pool, bob, strlen(bob), 65536, &b), 0);
    assert_ptr_not_equal(a->cert, b->cert);
    assert_non_null(strstr(a->desc.subject, "CN=alice"));
    assert_non_null(strstr(b->desc.subject, "CN=bob"));
    char fp[65];
    wssec__cert_fingerprint(a->cert, fp);
    assert_string_equal(a->desc.sha256, fp);
    assert_non_null(a->desc.not_before);
    assert_non_null(a->desc.not_after);
    wssec__pooledcert_release(pool, a2);
    wssec__pooledcert_release(pool, b);
    /* over max bytes, not base64, no certificate */
    wssec_pooledcert *e = NULL;
    assert_int_equal(wssec__cert_from_b64(pool, alice, strlen(alice), 100, &e), WSSEC_ELIMIT);
    assert_int_equal(wssec__cert_from_b64(pool, "!!!!", 4, 65536, &e), WSSEC_EINVALID);
    assert_int_equal(wssec__cert_from_b64(pool, "", 0, 65536, &e), WSSEC_EINVALID);
    assert_int_equal(wssec__cert_from_b64(pool, "MIIB", 4, 65536, &e), WSSEC_ETOKEN);
    assert_null(e);
    /* alice's text with two words changed so that the cheap hash is the
     * same (each 8-byte step is invertible): the pool compares the whole
     * text, so these bytes are refused as what they are, never given
     * alice's certificate */
    size_t len = strlen(alice);
    char *forged = malloc(len + 1);
    assert_non_null(forged);
    memcpy(forged, alice, len + 1);
    forged[8] = forged[8] == 'A' ? 'B' : 'A';
    uint64_t h = 0x9E3779B97F4A7C15ULL ^ len, h2 = h;
    for (size_t i = 0; i + 8 <= 16; i += 8) {
        uint64_t w, w2;
        memcpy(&w, alice + i, 8);
        memcpy(&w2, forged + i, 8);
        h = (h ^ w) * 0xFF51AFD7ED558CCDULL;
        h ^= h >> 32;
        h2 = (h2 ^ w2) * 0xFF51AFD7ED558CCDULL;
        h2 ^= h2 >> 32;
    }
    uint64_t s1, s2; /* the states after word 16..23 must agree */
    uint64_t w;
    memcpy(&w, alice + 16, 8);
    s1 = h ^ w; /* alice's input to the step */
    uint64_t w2 = s1 ^ h2;
    memcpy(forged + 16, &w2, 8);
    s2 = h2 ^ w2;
    assert_true(s1 == s2);
    assert_true(memcmp(forged, alice, len) != 0);
    assert_true(wssec__cert_text_hash(forged, len) == wssec__cert_text_hash(alice, len));
    int rc = wssec__cert_from_b64(pool, forged, len, 65536, &e);
    assert_true(rc == WSSEC_EINVALID || rc == WSSEC_ETOKEN);
    assert_null(e);
    /* alice's entry is still the one her text finds */
    assert_int_equal(wssec__cert_from_b64(pool, alice, len, 65536, &a2), 0);
    assert_ptr_equal(a, a2);
    wssec__pooledcert_release(pool, a2);
    /* a pool of one: texts displace each other, each still right */
    wssec_certpool *one = NULL;
    assert_int_equal(wssec__certpool_new(&one, 1), 0);
    for (int i = 0; i < 4; i++) {
        const char *t = i % 2 ? bob : alice;
        assert_int_equal(wssec__cert_from_b64(one, t, strlen(t), 65536, &e), 0);
        assert_non_null(strstr(e->desc.subject, i % 2 ? "CN=bob" : "CN=alice"));
        wssec__pooledcert_release(one, e);
    }
    wssec__certpool_free(one);
    /* an entry outlives its pool's table while held */
    wssec__certpool_free(pool);
    assert_non_null(strstr(a->desc.subject, "CN=alice"));
    wssec__pooledcert_release(NULL, a);
    /* no pool: parsed every time */
    assert_int_equal(wssec__cert_from_b64(NULL, bob, strlen(bob), 65536, &e), 0);
    assert_non_null(strstr(e->desc.subject, "CN=bob"));
    wssec__pooledcert_release(NULL, e);
    free(forged);
    xmlFree(alice);
    xmlFree(bob);
}

/* The context's own certificate as a token: its text and description
 * made once, kept while the same certificate is asked, replaced by another. */
static void test_cert_to_b64(void **state)
{
    (void)state;
    size_t len = 0;
    unsigned char *der = h_cert_der(WSSEC_SOURCE_DIR "/samples/pki/alice.crt", &len);
    const unsigned char *q = der;
    X509 *alice = d2i_X509(NULL, &q, (long)len), *alice2 = NULL;
    assert_non_null(alice);
    assert_int_equal(wssec__cert_parse_der(der, len, &alice2), 0); /* another object, same bytes */
    FILE *f = fopen(WSSEC_SOURCE_DIR "/samples/pki/bob.crt", "r");
    assert_non_null(f);
    X509 *bob = PEM_read_X509(f, NULL, NULL, NULL);
    fclose(f);
    assert_non_null(bob);
    char *want = wssec_b64_encode(der, len);
    wssec_certpool *pool = NULL;
    assert_int_equal(wssec__certpool_new(&pool, 16), 0);
    wssec_pooledcert *a = NULL, *a2 = NULL, *b = NULL, *a3 = NULL;
    assert_int_equal(wssec__cert_to_b64(pool, alice, &a), 0);
    assert_string_equal(a->text, want);
    assert_non_null(strstr(a->desc.subject, "CN=alice"));
    assert_int_equal(wssec__cert_to_b64(pool, alice2, &a2), 0);
    assert_ptr_equal(a, a2); /* the same certificate: kept */
    assert_int_equal(wssec__cert_to_b64(pool, bob, &b), 0);
    assert_ptr_not_equal(a, b); /* another one replaces it */
    assert_non_null(strstr(b->desc.subject, "CN=bob"));
    assert_int_equal(wssec__cert_to_b64(pool, alice, &a3), 0);
    assert_ptr_not_equal(a3, a);
    assert_string_equal(a3->text, want);
    /* a held entry outlives its replacement and the pool */
    wssec__certpool_free(pool);
    assert_string_equal(a->text, want);
    wssec__pooledcert_release(NULL, a);
    wssec__pooledcert_release(NULL, a2);
    wssec__pooledcert_release(NULL, b);
    wssec__pooledcert_release(NULL, a3);
    assert_int_equal(wssec__cert_to_b64(NULL, bob, &b), 0); /* no pool */
    assert_non_null(strstr(b->desc.subject, "CN=bob"));
    wssec__pooledcert_release(NULL, b);
    xmlFree(want);
    X509_free(alice);
    X509_free(alice2);
    X509_free(bob);
    OPENSSL_free(der);
}

/* A value remembered with a certificate object: none at first, the first
 * put stays, another object of the same certificate has its own. */
static void test_cert_keyhash(void **state)
{
    (void)state;
    size_t len = 0;
    unsigned char *der = h_cert_der(WSSEC_SOURCE_DIR "/samples/pki/alice.crt", &len);
    X509 *x = NULL, *y = NULL;
    assert_int_equal(wssec__cert_parse_der(der, len, &x), 0);
    assert_int_equal(wssec__cert_parse_der(der, len, &y), 0);
    unsigned char a[32], b[32], got[32];
    memset(a, 0xa5, sizeof(a));
    memset(b, 0x5a, sizeof(b));
    assert_int_equal(wssec__cert_keyhash_get(x, got), -1);
    wssec__cert_keyhash_put(x, a);
    assert_int_equal(wssec__cert_keyhash_get(x, got), 0);
    assert_memory_equal(got, a, 32);
    wssec__cert_keyhash_put(x, b); /* the first stays */
    assert_int_equal(wssec__cert_keyhash_get(x, got), 0);
    assert_memory_equal(got, a, 32);
    assert_int_equal(wssec__cert_keyhash_get(y, got), -1);
    /* the DER's SHA-256, remembered beside the key hash */
    unsigned char want[32], d1[32], d2[32];
    unsigned int n = 0;
    assert_true(X509_digest(y, EVP_sha256(), want, &n) && n == 32);
    assert_int_equal(wssec__cert_sha256(y, d1), 0);
    assert_memory_equal(d1, want, 32);
    assert_int_equal(wssec__cert_sha256(y, d2), 0);
    assert_memory_equal(d2, want, 32);
    assert_int_equal(wssec__cert_keyhash_get(y, got), -1);
    wssec__cert_keyhash_put(y, b);
    assert_int_equal(wssec__cert_keyhash_get(y, got), 0);
    assert_memory_equal(got, b, 32);
    assert_int_equal(wssec__cert_sha256(x, d1), 0);
    assert_memory_equal(d1, want, 32);
    assert_int_equal(wssec__cert_keyhash_get(x, got), 0);
    assert_memory_equal(got, a, 32);
    /* a fact, once found, is remembered; the values stay */
    assert_false(wssec__cert_flag(x, WSSEC_CERT_NAMES_USABLE));
    wssec__cert_flag_put(x, WSSEC_CERT_NAMES_USABLE);
    assert_true(wssec__cert_flag(x, WSSEC_CERT_NAMES_USABLE));
    assert_false(wssec__cert_flag(y, WSSEC_CERT_NAMES_USABLE));
    assert_int_equal(wssec__cert_keyhash_get(x, got), 0);
    assert_memory_equal(got, a, 32);
    X509_free(x);
    X509_free(y);
    OPENSSL_free(der);
}

/* The subject text remembered with a certificate: what wssec__dn_text
 * writes, the first time and every later time, cut alike in a small
 * buffer; another object of the same certificate has its own. */
static void test_cert_subject_text(void **state)
{
    (void)state;
    size_t len = 0;
    unsigned char *der = h_cert_der(WSSEC_SOURCE_DIR "/samples/pki/alice.crt", &len);
    X509 *x = NULL, *y = NULL;
    assert_int_equal(wssec__cert_parse_der(der, len, &x), 0);
    assert_int_equal(wssec__cert_parse_der(der, len, &y), 0);
    char want[600], got[600], small_want[12], small_got[12];
    assert_int_equal(wssec__dn_text(X509_get_subject_name(x), want, sizeof(want)), 0);
    assert_true(strstr(want, "CN=") != NULL);
    for (int i = 0; i < 2; i++) {
        memset(got, 'x', sizeof(got));
        assert_int_equal(wssec__cert_subject_text(x, got, sizeof(got)), 0);
        assert_string_equal(got, want);
    }
    assert_int_equal(wssec__dn_text(X509_get_subject_name(x), small_want, sizeof(small_want)), 0);
    assert_int_equal(wssec__cert_subject_text(x, small_got, sizeof(small_got)), 0);
    assert_string_equal(small_got, small_want);
    assert_int_equal(wssec__cert_subject_text(y, got, sizeof(got)), 0);
    assert_string_equal(got, want);
    X509_free(x);
    X509_free(y); /* the remembered texts go with them (ASan: no leak) */
    OPENSSL_free(der);
}

/* ---- wssec_b64_decode: strict text by OpenSSL, the rest by xmlsec ---- */

/* What xmlsec's codec alone makes of a text: 0 and the bytes, or -1. */
static int xmlsec_b64(const char *text, unsigned char *out, size_t cap, size_t *n)
{
    xmlSecSize w = 0;
    if (xmlSecBase64Decode_ex(BAD_CAST text, out, (xmlSecSize)cap, &w) < 0) return -1;
    *n = w;
    return 0;
}

/* Every text the strict path decodes, xmlsec decodes to the same bytes;
 * every text xmlsec refuses, wssec_b64_decode refuses (the strict path
 * declines it and xmlsec decides): every character of a few encodings
 * replaced by, and with, each character that matters, at every position;
 * line breaks and blanks; one, two and three '='. */
static void test_b64_decode_matches_xmlsec(void **state)
{
    (void)state;
    static const char alphabet[] = "AQgw/+9z= \t\r\n-*.\x01\x80\xff";
    unsigned char raw[64], want[128];
    char text[200], v[220];
    size_t strict_ok = 0, refused = 0, total = 0;
    xmlSecErrorsDefaultCallbackEnableOutput(0); /* the refusals are expected */
    for (size_t i = 0; i < sizeof(raw); i++) raw[i] = (unsigned char)(i * 37 + 11);
    for (size_t n = 0; n <= 7; n++) {
        int len = EVP_EncodeBlock((unsigned char *)text, raw, (int)n);
        for (int at = 0; at <= len; at++)
            for (size_t a = 0; a < sizeof(alphabet) - 1; a++)
                for (int insert = 0; insert <= 1; insert++) {
                    if (!insert && at == len) continue;
                    memcpy(v, text, (size_t)at);
                    v[at] = alphabet[a];
                    memcpy(v + at + 1, text + at + !insert, (size_t)(len - at) - !insert + 1);
                    unsigned char *got = NULL;
                    size_t gotn = 0, wantn = 0;
                    int lib = xmlsec_b64(v, want, sizeof(want), &wantn);
                    int rc = wssec_b64_decode(&got, &gotn, v, 1000);
                    total++;
                    if (rc == 0) {
                        assert_int_equal(lib, 0);
                        assert_int_equal(gotn, wantn);
                        assert_memory_equal(got, want, gotn);
                        strict_ok++;
                    } else {
                        assert_int_equal(rc, WSSEC_EINVALID);
                        assert_int_equal(lib, -1);
                        refused++;
                    }
                    wssec_free(got);
                }
    }
    /* a certificate's worth, broken into lines of 64 with CRLF */
    unsigned char big[3000];
    for (size_t i = 0; i < sizeof(big); i++) big[i] = (unsigned char)(i * 131 + 7);
    char *b = wssec_b64_encode(big, sizeof(big));
    assert_non_null(b);
    size_t bl = strlen(b), k = 0;
    char *lines = malloc(bl * 2);
    assert_non_null(lines);
    for (size_t i = 0; i < bl; i++) {
        if (i && i % 64 == 0) lines[k++] = '\r', lines[k++] = '\n';
        lines[k++] = b[i];
    }
    lines[k] = '\0';
    unsigned char *got = NULL;
    size_t gotn = 0;
    assert_int_equal(wssec_b64_decode(&got, &gotn, lines, 4096), 0);
    assert_int_equal(gotn, sizeof(big));
    assert_memory_equal(got, big, sizeof(big));
    wssec_free(got);
    assert_int_equal(wssec_b64_decode(&got, &gotn, lines, 2999), WSSEC_ELIMIT);
    free(lines);
    xmlFree(b);
    print_message("base64: %zu variants: %zu decoded alike, %zu refused by both\n", total,
                  strict_ok, refused);
    assert_true(strict_ok > 0 && refused > 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_array_grow),
        cmocka_unit_test(test_strlist_capped),
        cmocka_unit_test(test_secret_file),
        cmocka_unit_test(test_secret_file_unreadable),
        cmocka_unit_test(test_secret_env),
        cmocka_unit_test(test_secret_arguments),
        cmocka_unit_test(test_random_id),
        cmocka_unit_test(test_cert_parse_der),
        cmocka_unit_test(test_cert_from_b64),
        cmocka_unit_test(test_cert_to_b64),
        cmocka_unit_test(test_cert_keyhash),
        cmocka_unit_test(test_cert_subject_text),
        cmocka_unit_test(test_b64_decode_matches_xmlsec),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
