/*
 * wssec — certificates, key files and names (x509.c).
 */
#ifndef WSSEC_SRC_X509_H
#define WSSEC_SRC_X509_H

#include <stdbool.h>
#include <stddef.h>

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "wssec/common.h"

typedef struct wssec_certpool wssec_certpool;
/* A pool of parsed certificates for at most max entries (0: no pool, *out NULL). */
int wssec__certpool_new(wssec_certpool **out, size_t max);
void wssec__certpool_free(wssec_certpool *p);
/* The one DER certificate parser: exactly one certificate, every byte of der
 * consumed (no trailing bytes), usable (wssec__cert_usable). 0, or
 * WSSEC_ETOKEN (nothing in *out) for empty, truncated, trailing or unusable
 * input. */
int wssec__cert_parse_der(const unsigned char *der, size_t len, X509 **out);
/* The same through the pool: a certificate seen before is shared (a new
 * reference). p may be NULL (always parsed). */
int wssec__cert_from_der(wssec_certpool *p, const unsigned char *der, size_t len, X509 **out);

/* After a PEM_read_bio_* loop returned NULL: 0 when it met the end of the
 * input, WSSEC_ENOMEM or WSSEC_ECONFIG when a block failed to decode (clears
 * the error queue either way). */
int wssec__pem_read_end(void);
/* 1 when OpenSSL decoded the certificate's public key (a certificate parsed
 * when its key decoder could not be allocated has none). */
int wssec__cert_usable(const X509 *x);
int wssec__load_certs(const char *path, STACK_OF(X509) **out, char *why, size_t whylen);
/* why = "what: OpenSSL's last error" (or what alone); clears the error queue. */
void wssec__openssl_reason(char *why, size_t size, const char *what);
/* A Java keystore (JKS or JCEKS, by its magic number), which OpenSSL does
 * not read: the reason names the keytool command that converts it (to give
 * to --pkcs12 when keys, else to take the certificates out). 1 when it is one
 * (why written), 0 when not; the BIO is rewound either way. */
int wssec__java_keystore(BIO *bio, const char *path, bool keys, char *why, size_t whylen);
int wssec__asn1_time(const ASN1_TIME *t, wssec_time *out);
void wssec__asn1_time_text(const ASN1_TIME *t, char *buf, size_t size);
/* RFC 4514 text of a name, UTF-8. */
/* 0, or WSSEC_ENOMEM with buf "" (an identity must not silently become ""). */
int wssec__dn_text(const X509_NAME *name, char *buf, size_t size);
void wssec__cert_fingerprint(const X509 *cert, char hex[65]);
/* 0, or WSSEC_ENOMEM with buf "?". */
int wssec__cert_serial(const X509 *cert, char *buf, size_t size);
/* "'subject' (issuer 'issuer', serial N = 0xHEX, SHA-256 0123...)" */
void wssec__cert_describe(const X509 *cert, char *buf, size_t size);
int wssec__cert_thumbprint(const X509 *cert, unsigned char out[20]);

#endif /* WSSEC_SRC_X509_H */
