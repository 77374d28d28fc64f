/*
 * wssec — certificates: loading them (private keys: keystore.c), describing
 * them for people, and distinguished names compared the way RFC 4514/4518 mean them.
 *
 * A DN is compared in a canonical form: RDNs in RFC 4514 order (most
 * specific first), each attribute type as OpenSSL's short name in lower case
 * (or its dotted OID), each value unescaped, trimmed, with runs of spaces
 * folded to one and ASCII letters in lower case, then escaped again so the
 * form is unambiguous; the values of a multi-valued RDN are sorted. Two
 * names are equal when their canonical forms are: "CN=Alice, O=Acme" equals
 * "cn=alice,o=acme", but "CN=alice\,OU=x" (one CN with a comma) never equals
 * "CN=alice,OU=x" (two RDNs).
 */
#include <ctype.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/pkcs7.h>

#include "wssec/wssec.h"
#include "wssec/sys/sdk.h"
#include "x509.h"
#include "hashtab.h"
#include "util.h"

/* ---- loading ---- */

void wssec__openssl_reason(char *why, size_t size, const char *what)
{
    unsigned long e = ERR_peek_last_error();
    char buf[160] = "";
    if (e) ERR_error_string_n(e, buf, sizeof(buf));
    ERR_clear_error();
    snprintf(why, size, "%s%s%s", what, buf[0] ? ": " : "", buf);
}

int wssec__pem_read_end(void)
{
    unsigned long e = ERR_peek_last_error();
    if (ERR_GET_LIB(e) == ERR_LIB_PEM && ERR_GET_REASON(e) == PEM_R_NO_START_LINE) {
        ERR_clear_error();
        return 0;
    }
    /* no error recorded at all: OpenSSL could not allocate its error state */
    int rc = e == 0 ? WSSEC_ENOMEM : WSSEC_ECONFIG;
    for (unsigned long f; (f = ERR_get_error()) != 0;)
        if (ERR_GET_REASON(f) == ERR_R_MALLOC_FAILURE) rc = WSSEC_ENOMEM;
    return rc;
}

int wssec__cert_usable(const X509 *x)
{
    /* OpenSSL 3 keeps a certificate whose public key it could not decode
     * (an unknown algorithm, or no memory for the decoder): no key, no use;
     * X509_get0_pubkey() is not const-correct in every version */
    EVP_PKEY *k = x ? X509_get0_pubkey(x) : NULL;
    /* and a key half decoded (an RSA key of 0 bits) when memory ran out */
    if (k && EVP_PKEY_get_bits(k) > 0) return 1;
    ERR_clear_error();
    return 0;
}

int wssec__java_keystore(BIO *bio, const char *path, bool keys, char *why, size_t whylen)
{
    unsigned char magic[4];
    int n = BIO_read(bio, magic, sizeof(magic));
    (void)BIO_reset(bio);
    const char *type = NULL;
    if (n == 4 && memcmp(magic, "\xFE\xED\xFE\xED", 4) == 0) type = "JKS";
    if (n == 4 && memcmp(magic, "\xCE\xCE\xCE\xCE", 4) == 0) type = "JCEKS";
    if (!type) return 0;
    snprintf(why, whylen,
             "%s: a Java keystore (%s), which wssec does not read; convert it to PKCS#12 with "
             "`keytool -importkeystore -srckeystore %s -srcstoretype %s -destkeystore %s.p12 "
             "-deststoretype PKCS12`%s",
             path, type, path, type, path,
             keys ? " and give that file to --pkcs12"
                  : ", then take its certificates out with `openssl pkcs12 -in FILE.p12 -nokeys "
                    "-out certs.pem`");
    return 1;
}

/* The certificates of a PKCS#7 bundle (.p7b/.p7c: a degenerate SignedData,
 * as Windows and keytool export chains), PEM or DER, appended to sk. 1 when
 * the input is one with at least one certificate, 0 when it is not one,
 * or a negative code. */
static int pkcs7_certs(BIO *bio, STACK_OF(X509) *sk)
{
    (void)BIO_reset(bio);
    PKCS7 *p7 = PEM_read_bio_PKCS7(bio, NULL, NULL, NULL);
    if (!p7) {
        ERR_clear_error();
        (void)BIO_reset(bio);
        p7 = d2i_PKCS7_bio(bio, NULL);
    }
    ERR_clear_error();
    if (!p7) return 0;
    STACK_OF(X509) *certs = PKCS7_type_is_signed(p7) && p7->d.sign ? p7->d.sign->cert : NULL;
    int rc = sk_X509_num(certs) > 0 ? 1 : 0;
    for (int i = 0; rc > 0 && i < sk_X509_num(certs); i++) {
        X509 *x = sk_X509_value(certs, i);
        if (!wssec__cert_usable(x)) rc = WSSEC_ECONFIG;
        else if (!X509_up_ref(x) || !sk_X509_push(sk, x)) {
            X509_free(x);
            rc = WSSEC_ENOMEM;
        }
    }
    PKCS7_free(p7);
    return rc;
}

int wssec__load_certs(const char *path, STACK_OF(X509) **out, char *why, size_t whylen)
{
    *out = NULL;
    char reason[200];
    if (wssec__unreadable(path, reason, sizeof(reason))) {
        snprintf(why, whylen, "%s: %s", path, reason);
        return WSSEC_EIO;
    }
    BIO *bio = BIO_new_file(path, "rb");
    if (!bio) {
        snprintf(why, whylen, "%s: cannot be opened", path);
        ERR_clear_error();
        return WSSEC_EIO;
    }
    STACK_OF(X509) *sk = sk_X509_new_null();
    int rc = 0;
    if (!sk) {
        rc = WSSEC_ENOMEM;
        goto done;
    }
    if (wssec__java_keystore(bio, path, false, why, whylen)) {
        rc = WSSEC_ECONFIG;
        goto done;
    }
    X509 *x;
    ERR_clear_error();
    while ((x = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL) {
        if (!wssec__cert_usable(x)) {
            X509_free(x);
            snprintf(why, whylen, "%s: a certificate whose public key cannot be decoded", path);
            rc = WSSEC_ECONFIG;
            goto done;
        }
        if (!sk_X509_push(sk, x)) {
            X509_free(x);
            rc = WSSEC_ENOMEM;
            goto done;
        }
    }
    /* the end of the file, or a certificate that failed to decode (never
     * a list silently cut short) */
    if (sk_X509_num(sk) > 0 && (rc = wssec__pem_read_end())) {
        snprintf(why, whylen, "%s: %s", path,
                 rc == WSSEC_ENOMEM ? "out of memory" : "a certificate cannot be decoded");
        goto done;
    }
    ERR_clear_error();
    if (sk_X509_num(sk) == 0) { /* perhaps a PKCS#7 bundle */
        int p7 = pkcs7_certs(bio, sk);
        if (p7 < 0) {
            snprintf(why, whylen, "%s: %s", path,
                     p7 == WSSEC_ENOMEM ? "out of memory"
                                        : "a certificate of the PKCS#7 bundle cannot be decoded");
            rc = p7;
            goto done;
        }
    }
    if (sk_X509_num(sk) == 0) { /* perhaps one DER certificate */
        (void)BIO_reset(bio);
        x = d2i_X509_bio(bio, NULL);
        if (x && !wssec__cert_usable(x)) {
            X509_free(x);
            x = NULL;
        }
        if (!x || !sk_X509_push(sk, x)) {
            X509_free(x);
            char what[300];
            snprintf(what, sizeof(what),
                     "%s: no certificate (PEM, DER or a PKCS#7 bundle) in it", path);
            wssec__openssl_reason(why, whylen, what);
            rc = WSSEC_ECONFIG;
        }
    }
done:
    BIO_free(bio);
    if (rc) sk_X509_pop_free(sk, X509_free);
    else *out = sk;
    return rc;
}

/* ---- parsed certificates, shared ---- */

/* Decoding a certificate is the dearest step of verifying a small message
 * (OpenSSL 3 sets up a decoder for its public key each time): the same token
 * bytes come again and again, so parsed certificates are kept by the SHA-256
 * of their DER, read-only and reference-counted, for every thread. The
 * table holds half its slots (wssec__hashtab_slots(max) / 2, at least max);
 * when that is full, the pool starts afresh. */
struct wssec_certpool {
    pthread_mutex_t lock;
    wssec_hashtab *tab; /* SHA-256 of the DER -> X509 * (one reference) */
    /* X509v3 tokens by their base64 text: (cheap hash, length) ->
     * wssec_pooledcert * (one reference), the text compared on each hit */
    wssec_hashtab *texts;
    wssec_pooledcert *own; /* the last certificate written as a token (one reference) */
};

/* The key of a token's text in the pool's texts table. */
typedef struct text_key {
    uint64_t hash, len;
} text_key;

int wssec__certpool_new(wssec_certpool **out, size_t max)
{
    *out = NULL;
    if (max == 0) return 0; /* off */
    wssec_certpool *p = wssec__calloc(1, sizeof(*p));
    /* at most max certificates: cert-cache-size as documented */
    int rc = p ? wssec__hashtab_new(&p->tab, max, 32, sizeof(X509 *)) : WSSEC_ENOMEM;
    if (!rc && (rc = wssec__hashtab_new(&p->texts, max, sizeof(text_key),
                                        sizeof(wssec_pooledcert *))))
        wssec__hashtab_free(p->tab);
    if (rc) {
        wssec__free(p);
        return rc == WSSEC_EINVALID ? WSSEC_ENOMEM : rc;
    }
    pthread_mutex_init(&p->lock, NULL);
    *out = p;
    return 0;
}

static void release_cert(void *val)
{
    X509_free(*(X509 **)val);
}

static void pooledcert_free(wssec_pooledcert *e)
{
    X509_free(e->cert);
    wssec__certdesc_clear(&e->desc);
    wssec__free(e->text);
    wssec__free(e);
}

/* The table's reference to an entry; called under the lock. */
static void release_text(void *val)
{
    wssec_pooledcert *e = *(wssec_pooledcert **)val;
    if (--e->refs == 0) pooledcert_free(e);
}

void wssec__certpool_free(wssec_certpool *p)
{
    if (!p) return;
    wssec__hashtab_clear(p->texts, release_text);
    wssec__hashtab_free(p->texts);
    if (p->own) release_text(&p->own);
    wssec__hashtab_clear(p->tab, release_cert);
    pthread_mutex_destroy(&p->lock);
    wssec__hashtab_free(p->tab);
    wssec__free(p);
}

int wssec__cert_parse_der(const unsigned char *der, size_t len, X509 **out)
{
    const unsigned char *q = der;
    *out = NULL;
    if (!der || len == 0 || len > LONG_MAX) return WSSEC_ETOKEN;
    *out = d2i_X509(NULL, &q, (long)len);
    if (!*out || q != der + len || !wssec__cert_usable(*out)) {
        X509_free(*out);
        *out = NULL;
        ERR_clear_error();
        return WSSEC_ETOKEN;
    }
    return 0;
}

/* The pooled certificate of key, with a new reference, or NULL. */
static X509 *pool_get(wssec_certpool *p, const unsigned char key[32])
{
    X509 *x = NULL;
    pthread_mutex_lock(&p->lock);
    X509 **at = wssec__hashtab_get(p->tab, key);
    if (at && X509_up_ref(*at)) x = *at;
    pthread_mutex_unlock(&p->lock);
    return x;
}

/* Keeps x under key (a reference of its own), unless another thread did
 * first; a full pool starts afresh. */
static void pool_put(wssec_certpool *p, const unsigned char key[32], X509 *x)
{
    pthread_mutex_lock(&p->lock);
    if (wssec__hashtab_count(p->tab) + 1 > wssec__hashtab_max(p->tab))
        wssec__hashtab_clear(p->tab, release_cert);
    void *val = NULL;
    if (!wssec__hashtab_get(p->tab, key) && X509_up_ref(x) &&
        wssec__hashtab_put(p->tab, key, &val, NULL) == 0)
        memcpy(val, &x, sizeof(x));
    pthread_mutex_unlock(&p->lock);
}

int wssec__cert_from_der(wssec_certpool *p, const unsigned char *der, size_t len, X509 **out)
{
    *out = NULL;
    unsigned char key[32];
    unsigned int kl = 0;
    if (!p || !EVP_Digest(der, len, key, &kl, EVP_sha256(), NULL)) return wssec__cert_parse_der(der, len, out);
    if ((*out = pool_get(p, key)) != NULL) return 0;
    X509 *x = NULL;
    WSSEC_GUARD(wssec__cert_parse_der(der, len, &x));
    pool_put(p, key, x);
    *out = x;
    return 0;
}

/* A cheap hash of a token's text (64-bit words, multiply and mix): it only
 * picks the entry, whose text is then compared whole, so texts made to
 * collide cost time (each displaces the other), never a wrong certificate;
 * the table's slot function is keyed with its own secret on top. */
uint64_t wssec__cert_text_hash(const char *text, size_t len)
{
    uint64_t h = 0x9E3779B97F4A7C15ULL ^ len;
    size_t i = 0;
    for (; i + 8 <= len; i += 8) {
        uint64_t w;
        memcpy(&w, text + i, 8);
        h = (h ^ w) * 0xFF51AFD7ED558CCDULL;
        h ^= h >> 32;
    }
    uint64_t w = 0;
    memcpy(&w, text + i, len - i);
    h = (h ^ w) * 0xC4CEB9FE1A85EC53ULL;
    return h ^ (h >> 29);
}

/* A new entry for the text (one reference, the caller's). */
static int pooledcert_make(const char *text, size_t len, size_t max, wssec_pooledcert **out)
{
    *out = NULL;
    wssec_pooledcert *e = wssec__calloc(1, sizeof(*e));
    char *copy = e ? wssec__malloc(len + 1) : NULL;
    if (!copy) {
        wssec__free(e);
        return WSSEC_ENOMEM;
    }
    memcpy(copy, text, len);
    copy[len] = '\0';
    e->text = copy;
    e->len = len;
    e->refs = 1;
    unsigned char *der = NULL;
    size_t dlen = 0;
    int rc = wssec_b64_decode(&der, &dlen, copy, max);
    if (!rc && dlen == 0) rc = WSSEC_EINVALID;
    e->der_len = dlen;
    if (!rc) rc = wssec__cert_parse_der(der, dlen, &e->cert);
    wssec_free(der);
    if (!rc) rc = wssec__certdesc_make(e->cert, &e->desc);
    if (rc) {
        pooledcert_free(e);
        return rc;
    }
    *out = e;
    return 0;
}

int wssec__cert_from_b64(wssec_certpool *p, const char *text, size_t len, size_t max,
                         wssec_pooledcert **out)
{
    *out = NULL;
    if (!p) return pooledcert_make(text, len, max, out);
    text_key key = { wssec__cert_text_hash(text, len), len };
    pthread_mutex_lock(&p->lock);
    wssec_pooledcert **at = wssec__hashtab_get(p->texts, &key);
    if (at && (*at)->len == len && memcmp((*at)->text, text, len) == 0) {
        (*at)->refs++;
        *out = *at;
    }
    pthread_mutex_unlock(&p->lock);
    /* pooled under another limit (one pool, one context: not expected) */
    if (*out && (*out)->der_len > max) {
        wssec__pooledcert_release(p, *out);
        *out = NULL;
        return WSSEC_ELIMIT;
    }
    if (*out) return 0;
    wssec_pooledcert *e = NULL;
    WSSEC_GUARD(pooledcert_make(text, len, max, &e));
    /* kept under its key, in place of whatever was there (another text of
     * the same hash, or the same one from another thread); a full table
     * starts afresh */
    pthread_mutex_lock(&p->lock);
    void *val = NULL;
    if ((at = wssec__hashtab_get(p->texts, &key)) != NULL) {
        release_text(at);
        *at = e;
        e->refs++;
    } else {
        if (wssec__hashtab_count(p->texts) + 1 > wssec__hashtab_max(p->texts))
            wssec__hashtab_clear(p->texts, release_text);
        if (wssec__hashtab_put(p->texts, &key, &val, NULL) == 0) {
            memcpy(val, &e, sizeof(e));
            e->refs++;
        }
    }
    pthread_mutex_unlock(&p->lock);
    *out = e;
    return 0;
}

/* A new entry for a certificate to write (one reference, the caller's). */
static int owncert_make(X509 *cert, wssec_pooledcert **out)
{
    *out = NULL;
    unsigned char *der = NULL;
    int n = i2d_X509(cert, &der);
    wssec_pooledcert *e = n > 0 ? wssec__calloc(1, sizeof(*e)) : NULL;
    char *text = e ? wssec_b64_encode(der, (size_t)n) : NULL;
    OPENSSL_free(der);
    if (!text) {
        wssec__free(e);
        return WSSEC_ENOMEM;
    }
    /* the text from xmlsec's allocator, kept in ours */
    e->text = wssec__strdup(text);
    xmlFree(text);
    e->refs = 1;
    if (!e->text || !X509_up_ref(cert)) {
        pooledcert_free(e);
        return WSSEC_ENOMEM;
    }
    e->cert = cert;
    e->len = strlen(e->text);
    e->der_len = (size_t)n;
    if (wssec__certdesc_make(cert, &e->desc)) {
        pooledcert_free(e);
        return WSSEC_ENOMEM;
    }
    *out = e;
    return 0;
}

int wssec__cert_to_b64(wssec_certpool *p, X509 *cert, wssec_pooledcert **out)
{
    *out = NULL;
    if (!p) return owncert_make(cert, out);
    pthread_mutex_lock(&p->lock);
    if (p->own && X509_cmp(p->own->cert, cert) == 0) {
        p->own->refs++;
        *out = p->own;
    }
    pthread_mutex_unlock(&p->lock);
    if (*out) return 0;
    wssec_pooledcert *e = NULL;
    WSSEC_GUARD(owncert_make(cert, &e));
    pthread_mutex_lock(&p->lock);
    if (p->own) release_text(&p->own);
    p->own = e;
    e->refs++;
    pthread_mutex_unlock(&p->lock);
    *out = e;
    return 0;
}

void wssec__pooledcert_release(wssec_certpool *p, wssec_pooledcert *e)
{
    if (!e) return;
    if (p) pthread_mutex_lock(&p->lock);
    bool last = --e->refs == 0;
    if (p) pthread_mutex_unlock(&p->lock);
    if (last) pooledcert_free(e);
}

/* ---- values remembered with a certificate ---- */

/* What is remembered with one certificate object (its ex_data). */
typedef struct cert_memo {
    unsigned char keyhash[32], sha256[32];
    bool has_keyhash, has_sha256;
    unsigned flags; /* WSSEC_CERT_* facts found true */
    char *subject;  /* the subject as wssec__dn_text writes it; set once, freed with the memo */
} cert_memo;

static pthread_once_t memo_once = PTHREAD_ONCE_INIT;
static pthread_mutex_t memo_lock = PTHREAD_MUTEX_INITIALIZER;
static int memo_idx = -1;

static void memo_free(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx, long argl, void *argp)
{
    (void)parent, (void)ad, (void)idx, (void)argl, (void)argp;
    cert_memo *m = ptr;
    if (m) OPENSSL_free(m->subject);
    OPENSSL_free(m);
}

static void memo_init(void)
{
    memo_idx = X509_get_ex_new_index(0, NULL, NULL, NULL, memo_free);
}

/* A copy of the certificate's memo (zeroed when it has none). */
static void memo_get(X509 *cert, cert_memo *out)
{
    memset(out, 0, sizeof(*out));
    pthread_once(&memo_once, memo_init);
    if (memo_idx < 0) return;
    pthread_mutex_lock(&memo_lock);
    const cert_memo *m = X509_get_ex_data(cert, memo_idx);
    if (m) *out = *m;
    out->subject = NULL; /* the memo's own: read under the lock (memo_subject) */
    pthread_mutex_unlock(&memo_lock);
}

/* The memo's subject text into buf: true, or false when it has none. */
static bool memo_subject(X509 *cert, char *buf, size_t size)
{
    pthread_once(&memo_once, memo_init);
    if (memo_idx < 0) return false;
    pthread_mutex_lock(&memo_lock);
    const cert_memo *m = X509_get_ex_data(cert, memo_idx);
    bool have = m && m->subject;
    if (have) snprintf(buf, size, "%s", m->subject);
    pthread_mutex_unlock(&memo_lock);
    return have;
}

/* Adds what `add` has and the memo has not (its subject is taken over or
 * freed); nothing when memory is short. */
static void memo_add(X509 *cert, cert_memo *add)
{
    pthread_once(&memo_once, memo_init);
    if (memo_idx < 0) {
        OPENSSL_free(add->subject);
        return;
    }
    cert_memo *fresh = OPENSSL_zalloc(sizeof(*fresh));
    pthread_mutex_lock(&memo_lock);
    cert_memo *m = X509_get_ex_data(cert, memo_idx);
    if (!m && fresh && X509_set_ex_data(cert, memo_idx, fresh)) {
        m = fresh;
        fresh = NULL;
    }
    if (m && add->has_keyhash && !m->has_keyhash) {
        memcpy(m->keyhash, add->keyhash, 32);
        m->has_keyhash = true;
    }
    if (m && add->has_sha256 && !m->has_sha256) {
        memcpy(m->sha256, add->sha256, 32);
        m->has_sha256 = true;
    }
    if (m && add->subject && !m->subject) {
        m->subject = add->subject;
        add->subject = NULL;
    }
    if (m) m->flags |= add->flags;
    pthread_mutex_unlock(&memo_lock);
    OPENSSL_free(fresh);
    OPENSSL_free(add->subject);
}

int wssec__cert_keyhash_get(X509 *cert, unsigned char out[32])
{
    cert_memo m;
    memo_get(cert, &m);
    if (m.has_keyhash) memcpy(out, m.keyhash, 32);
    return m.has_keyhash ? 0 : -1;
}

void wssec__cert_keyhash_put(X509 *cert, const unsigned char hash[32])
{
    cert_memo m = { .has_keyhash = true };
    memcpy(m.keyhash, hash, 32);
    memo_add(cert, &m);
}

bool wssec__cert_flag(X509 *cert, unsigned flag)
{
    cert_memo m;
    memo_get(cert, &m);
    return (m.flags & flag) == flag;
}

void wssec__cert_flag_put(X509 *cert, unsigned flag)
{
    cert_memo m = { .flags = flag };
    memo_add(cert, &m);
}

int wssec__cert_subject_text(X509 *cert, char *buf, size_t size)
{
    if (memo_subject(cert, buf, size)) return 0;
    char whole[8192];
    int rc = wssec__dn_text(X509_get_subject_name(cert), whole, sizeof(whole));
    if (rc) {
        buf[0] = '\0';
        return rc;
    }
    snprintf(buf, size, "%s", whole);
    cert_memo add = { .subject = OPENSSL_strdup(whole) };
    if (add.subject) memo_add(cert, &add);
    else ERR_clear_error();
    return 0;
}

int wssec__cert_sha256(X509 *cert, unsigned char out[32])
{
    cert_memo m;
    unsigned int n = 0;
    memo_get(cert, &m);
    if (m.has_sha256) {
        memcpy(out, m.sha256, 32);
        return 0;
    }
    if (!X509_digest(cert, EVP_sha256(), m.sha256, &n) || n != 32) return WSSEC_EINTERNAL;
    memcpy(out, m.sha256, 32);
    m.has_sha256 = true;
    m.has_keyhash = false;
    m.flags = 0;
    memo_add(cert, &m);
    return 0;
}

/* ---- describing ---- */

void wssec__certdesc_clear(wssec_certdesc *d)
{
    wssec__free(d->subject);
    wssec__free(d->issuer);
    wssec__free(d->serial);
    wssec__free(d->not_before);
    wssec__free(d->not_after);
    memset(d, 0, sizeof(*d));
}

/* A copy of the time's text, or NULL when OpenSSL cannot read it: 0, or
 * WSSEC_ENOMEM. */
static int time_desc(const ASN1_TIME *t, char **out)
{
    wssec_time tm;
    char text[64];
    *out = NULL;
    if (wssec__asn1_time(t, &tm) != 0 || wssec_time_format(text, sizeof(text), tm, 0) != 0)
        return 0;
    return (*out = wssec__strdup(text)) ? 0 : WSSEC_ENOMEM;
}

int wssec__certdesc_make(const X509 *x, wssec_certdesc *d)
{
    char text[600];
    memset(d, 0, sizeof(*d));
    /* out of memory, never an identity "" */
    if (wssec__dn_text(X509_get_subject_name(x), text, sizeof(text)) ||
        !(d->subject = wssec__strdup(text)) ||
        wssec__dn_text(X509_get_issuer_name(x), text, sizeof(text)) ||
        !(d->issuer = wssec__strdup(text)) || wssec__cert_serial(x, text, sizeof(text)) ||
        !(d->serial = wssec__strdup(text)) || time_desc(X509_get0_notBefore(x), &d->not_before) ||
        time_desc(X509_get0_notAfter(x), &d->not_after)) {
        wssec__certdesc_clear(d);
        return WSSEC_ENOMEM;
    }
    wssec__cert_fingerprint(x, d->sha256);
    return 0;
}

int wssec__asn1_time(const ASN1_TIME *t, wssec_time *out)
{
    struct tm tm;
    if (!t || !ASN1_TIME_to_tm(t, &tm)) return WSSEC_EINVALID;
    time_t secs = timegm(&tm);
    *out = (wssec_time)secs * 1000;
    return 0;
}

void wssec__asn1_time_text(const ASN1_TIME *t, char *buf, size_t size)
{
    wssec_time w;
    if (size < 25 || wssec__asn1_time(t, &w) || wssec_time_format(buf, size, w, 0))
        snprintf(buf, size, "(unreadable time)");
}

int wssec__dn_text(const X509_NAME *name, char *buf, size_t size)
{
    int rc = WSSEC_ENOMEM; /* the memory BIO is all that can fail */
    buf[0] = '\0';
    BIO *b = BIO_new(BIO_s_mem());
    if (!b) return rc;
    if (X509_NAME_print_ex(b, name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) >= 0) {
        char *p;
        long n = BIO_get_mem_data(b, &p);
        if (n >= 0) {
            snprintf(buf, size, "%.*s", (int)n, p);
            rc = 0;
        }
    }
    BIO_free(b);
    if (rc) {
        buf[0] = '\0';
        ERR_clear_error();
    }
    return rc;
}

void wssec__cert_fingerprint(const X509 *cert, char hex[65])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    hex[0] = '\0';
    if (!X509_digest(cert, EVP_sha256(), md, &n)) return;
    for (unsigned int i = 0; i < n && i < 32; i++) snprintf(hex + 2 * i, 3, "%02X", md[i]);
}

/* The one serial number formatter: decimal (as WS-Security's
 * X509SerialNumber carries it), then, with hex, " = 0x" and hex (as
 * openssl x509 -serial prints it). */
static int serial_text(const X509 *cert, bool hex, char *buf, size_t size)
{
    BIGNUM *bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert), NULL);
    char *dec = bn ? BN_bn2dec(bn) : NULL, *hx = bn && hex ? BN_bn2hex(bn) : NULL;
    int rc = dec && (hx || !hex) ? 0 : WSSEC_ENOMEM;
    if (rc) snprintf(buf, size, "?");
    else if (!hex) snprintf(buf, size, "%s", dec);
    else if (hx[0] == '-') snprintf(buf, size, "%s = -0x%s", dec, hx + 1);
    else snprintf(buf, size, "%s = 0x%s", dec, hx);
    OPENSSL_free(dec);
    OPENSSL_free(hx);
    BN_free(bn);
    if (rc) ERR_clear_error();
    return rc;
}

int wssec__cert_serial(const X509 *cert, char *buf, size_t size)
{
    return serial_text(cert, false, buf, size);
}

void wssec__cert_describe(const X509 *cert, char *buf, size_t size)
{
    char subject[300], issuer[300], serial[200], fp[65];
    wssec__dn_text(X509_get_subject_name(cert), subject, sizeof(subject));
    wssec__dn_text(X509_get_issuer_name(cert), issuer, sizeof(issuer));
    serial_text(cert, true, serial, sizeof(serial));
    wssec__cert_fingerprint(cert, fp);
    snprintf(buf, size, "'%s' (issuer '%s', serial %s, SHA-256 %.16s...)", subject, issuer, serial,
             fp);
}

int wssec__cert_thumbprint(const X509 *cert, unsigned char out[20])
{
    unsigned int n = 0;
    return X509_digest(cert, EVP_sha1(), out, &n) && n == 20 ? 0 : WSSEC_EINTERNAL;
}
