/*
 * wssec — certificates, key files and names (x509.c).
 */
#ifndef WSSEC_SRC_X509_H
#define WSSEC_SRC_X509_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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

/* What a token's properties say of its certificate (wssec_token_set_cert):
 * the RFC 4514 subject and issuer, the decimal serial, the validity as
 * wssec_time_format() writes it (NULL when OpenSSL cannot read a time) and
 * the SHA-256 fingerprint in hex. */
typedef struct wssec_certdesc {
    char *subject, *issuer, *serial, *not_before, *not_after;
    char sha256[65];
} wssec_certdesc;
/* 0, or WSSEC_ENOMEM (nothing left in *d). */
int wssec__certdesc_make(const X509 *x, wssec_certdesc *d);
void wssec__certdesc_clear(wssec_certdesc *d);

/* One certificate of an X509v3 token, pooled by the token's base64 text
 * with its description (read-only, shared, reference-counted). */
typedef struct wssec_pooledcert {
    X509 *cert;
    wssec_certdesc desc;
    /* private: the pool's */
    char *text;
    size_t len, der_len;
    unsigned refs;
} wssec_pooledcert;
/* The entry of an X509v3 token's base64 text (len bytes, exactly as the
 * element holds it): a text seen before is found by a cheap hash and then
 * compared whole (so the entry is always the certificate these bytes
 * encode; texts whose hashes collide only displace each other), otherwise
 * the text is decoded (at most max bytes), parsed as one DER certificate,
 * described and pooled. p may be NULL (nothing pooled). Release *out with
 * wssec__pooledcert_release. 0; WSSEC_EINVALID: not base64, or nothing;
 * WSSEC_ELIMIT: over max bytes; WSSEC_ETOKEN: not one usable certificate;
 * WSSEC_ENOMEM. */
int wssec__cert_from_b64(wssec_certpool *p, const char *text, size_t len, size_t max,
                         wssec_pooledcert **out);
void wssec__pooledcert_release(wssec_certpool *p, wssec_pooledcert *e);
/* The entry of the context's own certificate as an X509v3 token: the
 * base64 text of its DER and its description, made once and kept for the
 * last certificate asked (a context signs with one certificate; another
 * replaces it; the certificates are compared whole, X509_cmp). p may be
 * NULL (made every time). Release *out with wssec__pooledcert_release.
 * 0, or WSSEC_ENOMEM. */
int wssec__cert_to_b64(wssec_certpool *p, X509 *cert, wssec_pooledcert **out);
/* Values remembered with a certificate object for as long as it lives
 * (its ex_data, under one lock). The signature module's hash of the
 * certificate's public key, computed once per pooled certificate instead
 * of once per message. get: 0 with out filled, or -1 (none yet). put: the
 * first value stays; nothing happens when memory is short. */
int wssec__cert_keyhash_get(X509 *cert, unsigned char out[32]);
void wssec__cert_keyhash_put(X509 *cert, const unsigned char hash[32]);
/* The SHA-256 of the certificate's DER, computed once per certificate
 * object and remembered with it (as above): 0 or WSSEC_EINTERNAL. */
int wssec__cert_sha256(X509 *cert, unsigned char out[32]);
/* The certificate's subject as wssec__dn_text writes it, written once per
 * certificate object and remembered with it (as above): 0, or
 * WSSEC_ENOMEM with buf empty. */
int wssec__cert_subject_text(X509 *cert, char *buf, size_t size);
/* Facts about a certificate found true once, remembered with it (as
 * above): WSSEC_CERT_NAMES_USABLE, its subject and issuer names have no
 * NUL or control character (the trust module's check). */
#define WSSEC_CERT_NAMES_USABLE 1u
bool wssec__cert_flag(X509 *cert, unsigned flag);
void wssec__cert_flag_put(X509 *cert, unsigned flag);
/* The cheap hash of a token's text that picks its pool entry (for tests,
 * which make texts collide on purpose). */
uint64_t wssec__cert_text_hash(const char *text, size_t len);

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
