/*
 * wssec unit tests — certificates and CRLs made in the test with OpenSSL's
 * API (header only: include it in the test that needs it). Material is
 * issued by the committed test PKI's CA keys (samples/pki), so make-pki.sh
 * never has to run again, and written to temporary PEM files for options.
 */
#ifndef WSSEC_TEST_PKIGEN_H
#define WSSEC_TEST_PKIGEN_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/ec.h>
#include <openssl/pem.h>
#include <openssl/pkcs7.h>
#include <openssl/rsa.h>
#include <openssl/x509v3.h>

#include "helpers.h"

#define PG_UNUSED __attribute__((unused))

PG_UNUSED static X509 *pg_load_cert(const char *path)
{
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    X509 *x = PEM_read_X509(f, NULL, NULL, NULL);
    fclose(f);
    assert_non_null(x);
    return x;
}

PG_UNUSED static EVP_PKEY *pg_load_key(const char *path)
{
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    EVP_PKEY *k = PEM_read_PrivateKey(f, NULL, NULL, NULL);
    fclose(f);
    assert_non_null(k);
    return k;
}

PG_UNUSED static X509_CRL *pg_load_crl(const char *path)
{
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    X509_CRL *c = PEM_read_X509_CRL(f, NULL, NULL, NULL);
    fclose(f);
    assert_non_null(c);
    return c;
}

/* An RSA key of bits, or (curve non-NULL) an EC key on that named curve. */
PG_UNUSED static EVP_PKEY *pg_key(unsigned bits, const char *curve)
{
    EVP_PKEY *k = curve ? EVP_PKEY_Q_keygen(NULL, NULL, "EC", curve)
                        : EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)bits);
    assert_non_null(k);
    return k;
}

/* What a certificate should be. Zero fields take defaults: serial 0x7000+,
 * valid 2024-01-01 to 2036-01-01, SHA-256, an end entity with keyUsage
 * digitalSignature. */
typedef struct pg_spec {
    const char *cn;        /* CN value (cn_len bytes when cn_len, e.g. with a NUL) */
    size_t cn_len;
    const char *ou, *o;    /* default OU=Clients, O=wssec test; C=US always */
    long serial;
    const EVP_MD *md;      /* the issuer's signature digest (default SHA-256) */
    bool ca;               /* basicConstraints CA:TRUE and keyCertSign, cRLSign */
    const char *eku;       /* extendedKeyUsage value, e.g. "serverAuth" (NULL: none) */
    X509 *issuer;          /* NULL: self-signed */
    EVP_PKEY *issuer_key;  /* NULL: key (self-signed) */
    EVP_PKEY *key;         /* the subject's key */
} pg_spec;

PG_UNUSED static void pg_ext(X509 *x, X509 *issuer, int nid, const char *value)
{
    X509V3_CTX v3;
    X509V3_set_ctx_nodb(&v3);
    X509V3_set_ctx(&v3, issuer, x, NULL, NULL, 0);
    X509_EXTENSION *e = X509V3_EXT_conf_nid(NULL, &v3, nid, value);
    assert_non_null(e);
    assert_true(X509_add_ext(x, e, -1));
    X509_EXTENSION_free(e);
}

PG_UNUSED static X509 *pg_cert(const pg_spec *s)
{
    static long next_serial = 0x7000;
    X509 *x = X509_new();
    assert_non_null(x);
    assert_true(X509_set_version(x, 2));
    assert_true(ASN1_INTEGER_set(X509_get_serialNumber(x), s->serial ? s->serial : next_serial++));
    X509_NAME *n = X509_get_subject_name(x);
    assert_true(X509_NAME_add_entry_by_txt(n, "C", MBSTRING_ASC, (const unsigned char *)"US", -1, -1, 0));
    const char *o = s->o ? s->o : "wssec test", *ou = s->ou ? s->ou : "Clients";
    assert_true(X509_NAME_add_entry_by_txt(n, "O", MBSTRING_ASC, (const unsigned char *)o, -1, -1, 0));
    if (*ou)
        assert_true(X509_NAME_add_entry_by_txt(n, "OU", MBSTRING_ASC, (const unsigned char *)ou, -1, -1, 0));
    assert_true(X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const unsigned char *)s->cn,
                                           s->cn_len ? (int)s->cn_len : -1, -1, 0));
    X509 *issuer = s->issuer ? s->issuer : x;
    assert_true(X509_set_issuer_name(x, X509_get_subject_name(issuer)));
    ASN1_TIME *nb = ASN1_TIME_new(), *na = ASN1_TIME_new();
    assert_true(ASN1_TIME_set_string(nb, "20240101000000Z"));
    assert_true(ASN1_TIME_set_string(na, "20360101000000Z"));
    assert_true(X509_set1_notBefore(x, nb) && X509_set1_notAfter(x, na));
    ASN1_TIME_free(nb);
    ASN1_TIME_free(na);
    assert_true(X509_set_pubkey(x, s->key));
    pg_ext(x, issuer, NID_basic_constraints, s->ca ? "critical,CA:TRUE" : "critical,CA:FALSE");
    pg_ext(x, issuer, NID_key_usage,
           s->ca ? "critical,keyCertSign,cRLSign" : "critical,digitalSignature,nonRepudiation");
    pg_ext(x, issuer, NID_subject_key_identifier, "hash");
    if (s->issuer) pg_ext(x, issuer, NID_authority_key_identifier, "keyid");
    if (s->eku) pg_ext(x, issuer, NID_ext_key_usage, s->eku);
    const EVP_MD *md = s->md ? s->md : EVP_sha256();
    EVP_PKEY *ik = s->issuer_key ? s->issuer_key : s->key;
    if (EVP_PKEY_get_base_id(ik) != EVP_PKEY_RSA && EVP_PKEY_get_base_id(ik) != EVP_PKEY_EC) md = NULL;
    assert_true(X509_sign(x, ik, md) > 0);
    return x;
}

/* A CRL of issuer: this/next update as "YYYYMMDDhhmmssZ", number, and the
 * serials revoked (0-terminated, may be NULL) on revoked_at. */
PG_UNUSED static X509_CRL *pg_crl(X509 *issuer, EVP_PKEY *key, const char *this_update,
                                  const char *next_update, long number, const long *serials,
                                  const char *revoked_at)
{
    X509_CRL *c = X509_CRL_new();
    assert_non_null(c);
    assert_true(X509_CRL_set_version(c, 1));
    assert_true(X509_CRL_set_issuer_name(c, X509_get_subject_name(issuer)));
    ASN1_TIME *t = ASN1_TIME_new();
    assert_true(ASN1_TIME_set_string(t, this_update) && X509_CRL_set1_lastUpdate(c, t));
    assert_true(ASN1_TIME_set_string(t, next_update) && X509_CRL_set1_nextUpdate(c, t));
    for (size_t i = 0; serials && serials[i]; i++) {
        X509_REVOKED *r = X509_REVOKED_new();
        ASN1_INTEGER *sn = ASN1_INTEGER_new();
        assert_true(ASN1_INTEGER_set(sn, serials[i]) && X509_REVOKED_set_serialNumber(r, sn));
        assert_true(ASN1_TIME_set_string(t, revoked_at) && X509_REVOKED_set_revocationDate(r, t));
        assert_true(X509_CRL_add0_revoked(c, r));
        ASN1_INTEGER_free(sn);
    }
    ASN1_TIME_free(t);
    ASN1_INTEGER *num = ASN1_INTEGER_new();
    assert_true(ASN1_INTEGER_set(num, number));
    assert_true(X509_CRL_add1_ext_i2d(c, NID_crl_number, num, 0, 0));
    ASN1_INTEGER_free(num);
    assert_true(X509_CRL_sort(c));
    assert_true(X509_CRL_sign(c, key, EVP_sha256()) > 0);
    return c;
}

/* Temporary PEM files (free() the path and unlink it). */
PG_UNUSED static char *pg_file_of(void (*write)(FILE *, const void *), const void *obj)
{
    char *path = h_strf("/tmp/wssec-pg-XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    assert_non_null(f);
    write(f, obj);
    assert_int_equal(fclose(f), 0);
    return path;
}

PG_UNUSED static void pg_w_cert(FILE *f, const void *o) { assert_true(PEM_write_X509(f, (X509 *)o)); }
PG_UNUSED static void pg_w_key(FILE *f, const void *o)
{
    assert_true(PEM_write_PrivateKey(f, (EVP_PKEY *)o, NULL, NULL, 0, NULL, NULL));
}
PG_UNUSED static void pg_w_crl(FILE *f, const void *o) { assert_true(PEM_write_X509_CRL(f, (X509_CRL *)o)); }

/* Several certificates in one PEM file (NULL-terminated). */
PG_UNUSED static void pg_w_certs(FILE *f, const void *o)
{
    for (X509 *const *p = o; *p; p++) assert_true(PEM_write_X509(f, *p));
}

PG_UNUSED static char *pg_cert_file(X509 *x) { return pg_file_of(pg_w_cert, x); }
PG_UNUSED static char *pg_key_file(EVP_PKEY *k) { return pg_file_of(pg_w_key, k); }
PG_UNUSED static char *pg_crl_file(X509_CRL *c) { return pg_file_of(pg_w_crl, c); }

PG_UNUSED static void pg_rm(char *path)
{
    if (!path) return;
    unlink(path);
    free(path);
}

/* A message (Timestamp + signature over Body and Timestamp) signed with key
 * and cert, the chain (may be NULL) in a PEM file, more option pairs
 * (NULL-terminated, may be NULL). */
PG_UNUSED static char *pg_signed(EVP_PKEY *key, X509 *cert, X509 *const *chain,
                                 const char *const *more)
{
    char *kf = pg_key_file(key), *cf = pg_cert_file(cert), *chf = chain ? pg_file_of(pg_w_certs, chain) : NULL;
    const char *pairs[40] = { "sign-key", kf, "sign-cert", cf };
    size_t n = 4;
    if (chf) {
        pairs[n++] = "sign-chain";
        pairs[n++] = chf;
    }
    for (size_t i = 0; more && more[i] && n < 38; i++) pairs[n++] = more[i];
    pairs[n] = NULL;
    wssec_ctx *ctx = h_ctx_pairs(pairs);
    char *out = h_sign_envelope(ctx);
    wssec_ctx_free(ctx);
    pg_rm(kf);
    pg_rm(cf);
    pg_rm(chf);
    return out;
}

/* xml (freed) with the text of its BinarySecurityToken of ValueType ending
 * in value_type (e.g. "#PKCS7") replaced by the base64 of der. */
PG_UNUSED static char *pg_bst_patch(char *xml, const char *value_type, const unsigned char *der,
                                    size_t n)
{
    char *b64 = h_b64(der, n);
    char *tag = h_strf("%s\">", value_type);
    char *start = strstr(xml, tag);
    assert_non_null(start);
    start += strlen(tag);
    char *end = strstr(start, "<");
    *start = '\0';
    char *patched = h_strf("%s%s%s", xml, b64, end);
    free(tag);
    free(b64);
    free(xml);
    return patched;
}

/* xml (freed) with its PKCS7 token replaced by one holding certs and crls
 * (NULL-terminated; crls may be NULL). */
PG_UNUSED static char *pg_with_pkcs7(char *xml, X509 *const *certs, X509_CRL *const *crls)
{
    PKCS7 *p7 = PKCS7_new();
    assert_non_null(p7);
    assert_true(PKCS7_set_type(p7, NID_pkcs7_signed));
    assert_true(PKCS7_content_new(p7, NID_pkcs7_data));
    for (size_t i = 0; certs[i]; i++) assert_true(PKCS7_add_certificate(p7, certs[i]));
    for (size_t i = 0; crls && crls[i]; i++) assert_true(PKCS7_add_crl(p7, crls[i]));
    unsigned char *der = NULL;
    int n = i2d_PKCS7(p7, &der);
    PKCS7_free(p7);
    char *patched = pg_bst_patch(xml, "#PKCS7", der, (size_t)n);
    OPENSSL_free(der);
    return patched;
}

#endif /* WSSEC_TEST_PKIGEN_H */
