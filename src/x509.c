/*
 * wssec — certificates: loading key material, describing certificates for
 * people, and distinguished names compared the way RFC 4514/4518 mean them.
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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>

#include "wssec/wssec.h"
#include "wssec/sys/sdk.h"
#include "x509.h"
#include "util.h"

/* ---- loading ---- */

static void openssl_reason(char *why, size_t size, const char *what)
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
            snprintf(what, sizeof(what), "%s: no certificate (PEM or DER) in it", path);
            openssl_reason(why, whylen, what);
            rc = WSSEC_ECONFIG;
        }
    }
done:
    BIO_free(bio);
    if (rc) sk_X509_pop_free(sk, X509_free);
    else *out = sk;
    return rc;
}

int wssec__load_key(const char *path, EVP_PKEY **out, char *why, size_t whylen)
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
    /* no passphrase callback: an encrypted PEM key needs PKCS#12 instead */
    EVP_PKEY *k = PEM_read_bio_PrivateKey(bio, NULL, NULL, (void *)"");
    if (!k) {
        (void)BIO_reset(bio);
        k = d2i_PrivateKey_bio(bio, NULL);
    }
    BIO_free(bio);
    if (!k) {
        char what[300];
        snprintf(what, sizeof(what), "%s: not an unencrypted private key (PEM or DER)", path);
        openssl_reason(why, whylen, what);
        return WSSEC_ECONFIG;
    }
    *out = k;
    return 0;
}

int wssec__load_pkcs12(const char *path, const char *password, EVP_PKEY **key, X509 **cert,
                       STACK_OF(X509) **chain, char *why, size_t whylen)
{
    *key = NULL;
    *cert = NULL;
    *chain = NULL;
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
    PKCS12 *p12 = d2i_PKCS12_bio(bio, NULL);
    BIO_free(bio);
    if (!p12) {
        char what[300];
        snprintf(what, sizeof(what), "%s: not a PKCS#12 file", path);
        openssl_reason(why, whylen, what);
        return WSSEC_ECONFIG;
    }
    int ok = PKCS12_parse(p12, password, key, cert, chain);
    PKCS12_free(p12);
    if (!ok || !*key || !*cert) {
        EVP_PKEY_free(*key);
        X509_free(*cert);
        sk_X509_pop_free(*chain, X509_free);
        *key = NULL;
        *cert = NULL;
        *chain = NULL;
        char what[300];
        snprintf(what, sizeof(what),
                 "%s: cannot be opened with the password given (or holds no key and certificate)",
                 path);
        openssl_reason(why, whylen, what);
        return WSSEC_ECONFIG;
    }
    return 0;
}

/* ---- parsed certificates, shared ---- */

/* Decoding a certificate is the dearest step of verifying a small message
 * (OpenSSL 3 sets up a decoder for its public key each time): the same token
 * bytes come again and again, so parsed certificates are kept by the SHA-256
 * of their DER, read-only and reference-counted, for every thread. */
struct wssec_certpool {
    pthread_mutex_t lock;
    struct pooled {
        unsigned char key[32];
        X509 *x;
    } *slots;
    size_t cap, used;
};

int wssec__certpool_new(wssec_certpool **out, size_t max)
{
    *out = NULL;
    if (max == 0) return 0; /* off */
    wssec_certpool *p = wssec__calloc(1, sizeof(*p));
    size_t cap = 16;
    while (cap < 2 * max) cap *= 2;
    if (!p || !(p->slots = wssec__calloc(cap, sizeof(*p->slots)))) {
        wssec__free(p);
        return WSSEC_ENOMEM;
    }
    p->cap = cap;
    pthread_mutex_init(&p->lock, NULL);
    *out = p;
    return 0;
}

static void pool_clear(wssec_certpool *p)
{
    for (size_t i = 0; i < p->cap; i++) X509_free(p->slots[i].x);
    memset(p->slots, 0, p->cap * sizeof(*p->slots));
    p->used = 0;
}

void wssec__certpool_free(wssec_certpool *p)
{
    if (!p) return;
    pool_clear(p);
    pthread_mutex_destroy(&p->lock);
    wssec__free(p->slots);
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

int wssec__cert_from_der(wssec_certpool *p, const unsigned char *der, size_t len, X509 **out)
{
    *out = NULL;
    unsigned char key[32];
    unsigned int kl = 0;
    if (!p || !EVP_Digest(der, len, key, &kl, EVP_sha256(), NULL)) return wssec__cert_parse_der(der, len, out);
    size_t h;
    memcpy(&h, key, sizeof(h));
    pthread_mutex_lock(&p->lock);
    size_t i = h & (p->cap - 1);
    while (p->slots[i].x && memcmp(p->slots[i].key, key, 32) != 0) i = (i + 1) & (p->cap - 1);
    if (p->slots[i].x && X509_up_ref(p->slots[i].x)) *out = p->slots[i].x;
    pthread_mutex_unlock(&p->lock);
    if (*out) return 0;
    X509 *x = NULL;
    WSSEC_GUARD(wssec__cert_parse_der(der, len, &x));
    pthread_mutex_lock(&p->lock);
    if (p->used + 1 > p->cap / 2) pool_clear(p); /* full: start afresh */
    i = h & (p->cap - 1);
    while (p->slots[i].x && memcmp(p->slots[i].key, key, 32) != 0) i = (i + 1) & (p->cap - 1);
    if (!p->slots[i].x && X509_up_ref(x)) {
        memcpy(p->slots[i].key, key, 32);
        p->slots[i].x = x;
        p->used++;
    }
    pthread_mutex_unlock(&p->lock);
    *out = x;
    return 0;
}

/* ---- describing ---- */

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

int wssec__cert_serial(const X509 *cert, char *buf, size_t size)
{
    BIGNUM *bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert), NULL);
    char *dec = bn ? BN_bn2dec(bn) : NULL;
    snprintf(buf, size, "%s", dec ? dec : "?");
    int rc = dec ? 0 : WSSEC_ENOMEM;
    OPENSSL_free(dec);
    BN_free(bn);
    if (rc) ERR_clear_error();
    return rc;
}

void wssec__cert_describe(const X509 *cert, char *buf, size_t size)
{
    char subject[300], issuer[300], serial[80], fp[65];
    wssec__dn_text(X509_get_subject_name(cert), subject, sizeof(subject));
    wssec__dn_text(X509_get_issuer_name(cert), issuer, sizeof(issuer));
    wssec__cert_serial(cert, serial, sizeof(serial));
    wssec__cert_fingerprint(cert, fp);
    /* decimal (as WS-Security's X509SerialNumber) and hex (as openssl x509 -serial) */
    BIGNUM *bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert), NULL);
    char *hex = bn ? BN_bn2hex(bn) : NULL;
    snprintf(buf, size, "'%s' (issuer '%s', serial %s = 0x%s, SHA-256 %.16s...)", subject, issuer,
             serial, hex ? hex : "?", fp);
    OPENSSL_free(hex);
    BN_free(bn);
}

int wssec__cert_thumbprint(const X509 *cert, unsigned char out[20])
{
    unsigned int n = 0;
    return X509_digest(cert, EVP_sha1(), out, &n) && n == 20 ? 0 : WSSEC_EINTERNAL;
}

/* ---- distinguished names ---- */

typedef struct ava {
    char *text; /* "type=value", canonical */
} ava;

typedef struct dnbuf {
    wssec_buf b;
} dnbuf;

/* The canonical attribute type for a NID, or for an unknown dotted OID. */
static void canon_type(int nid, const char *oid, char *out, size_t size)
{
    const char *sn = nid != NID_undef ? OBJ_nid2sn(nid) : NULL;
    snprintf(out, size, "%s", sn ? sn : oid);
    for (char *p = out; *p; p++) *p = (char)tolower((unsigned char)*p);
}

/* Appends a value in canonical form: trimmed, spaces folded, ASCII lower
 * case, RFC 4514 specials escaped. A value holding NUL or another control
 * character is refused (WSSEC_EINVALID): compared as a C string
 * "gateway\0.attacker.example" would be "gateway" (the null-prefix attack).
 * In a certificate every C0 control and DEL is refused, tab and line ends
 * included; in text (strict false) those white-space characters are spaces. */
static int canon_value(wssec_buf *b, const unsigned char *v, size_t n, bool strict)
{
    for (size_t i = 0; i < n; i++)
        if ((v[i] < 0x20 || v[i] == 0x7f) && (strict || !v[i] || !isspace(v[i])))
            return WSSEC_EINVALID;
    size_t a = 0;
    while (a < n && isspace(v[a])) a++;
    while (n > a && isspace(v[n - 1])) n--;
    bool space = false;
    for (size_t i = a; i < n; i++) {
        unsigned char c = v[i];
        if (isspace(c)) {
            space = true;
            continue;
        }
        if (space) WSSEC_GUARD(wssec__buf_append(b, " ", 1));
        space = false;
        if (strchr(",+=\\\"<>;#", c) && c) WSSEC_GUARD(wssec__buf_append(b, "\\", 1));
        c = (unsigned char)((c < 0x80) ? tolower(c) : c);
        WSSEC_GUARD(wssec__buf_append(b, &c, 1));
    }
    return 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Joins RDNs (each an array of canonical AVAs) into the canonical DN. */
typedef struct rdn {
    char **avas;
    size_t n;
} rdn;

static void rdns_free(rdn *r, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < r[i].n; j++) wssec__free(r[i].avas[j]);
        wssec__free(r[i].avas);
    }
    wssec__free(r);
}

static int rdns_join(rdn *r, size_t n, bool reverse, char **out)
{
    wssec_buf b = { .max = 64 * 1024 };
    int rc = 0;
    for (size_t k = 0; k < n && !rc; k++) {
        rdn *x = &r[reverse ? n - 1 - k : k];
        qsort(x->avas, x->n, sizeof(*x->avas), cmp_str);
        if (k) rc = wssec__buf_append(&b, ",", 1);
        for (size_t j = 0; j < x->n && !rc; j++) {
            if (j) rc = wssec__buf_append(&b, "+", 1);
            if (!rc) rc = wssec__buf_append(&b, x->avas[j], strlen(x->avas[j]));
        }
    }
    if (!rc) rc = wssec__buf_append(&b, "", 1);
    if (rc) {
        wssec__buf_free(&b);
        return rc;
    }
    *out = (char *)b.data;
    return 0;
}

/* RDNs in a name, and values in an RDN: far more than any certificate has. */
#define DN_MAX_PARTS 4096

static int rdn_add(rdn **rs, size_t *n, bool new_rdn, const char *type, const unsigned char *v,
                   size_t vlen, bool strict)
{
    if (new_rdn || *n == 0) {
        WSSEC_GUARD(wssec__array_grow(rs, *n, sizeof(**rs), DN_MAX_PARTS));
        (*rs)[*n].avas = NULL;
        (*rs)[*n].n = 0;
        (*n)++;
    }
    rdn *r = &(*rs)[*n - 1];
    wssec_buf b = { .max = 16 * 1024 };
    int rc;
    if ((rc = wssec__buf_append(&b, type, strlen(type))) || (rc = wssec__buf_append(&b, "=", 1)) ||
        (rc = canon_value(&b, v, vlen, strict)) || (rc = wssec__buf_append(&b, "", 1))) {
        wssec__buf_free(&b);
        return rc;
    }
    if ((rc = wssec__array_grow(&r->avas, r->n, sizeof(*r->avas), DN_MAX_PARTS))) {
        wssec__buf_free(&b);
        return rc;
    }
    r->avas[r->n++] = (char *)b.data;
    return 0;
}

int wssec__dn_canon_name(const X509_NAME *name, char **out)
{
    *out = NULL;
    rdn *rs = NULL;
    size_t n = 0;
    int rc = 0, last_set = -1;
    /* X509_NAME holds RDNs in DER order (country first): RFC 4514 order is
     * the reverse. */
    for (int i = X509_NAME_entry_count(name) - 1; i >= 0 && !rc; i--) {
        const X509_NAME_ENTRY *e = X509_NAME_get_entry(name, i);
        const ASN1_OBJECT *obj = X509_NAME_ENTRY_get_object(e);
        char oid[80], type[80];
        OBJ_obj2txt(oid, sizeof(oid), obj, 1);
        canon_type(OBJ_obj2nid(obj), oid, type, sizeof(type));
        unsigned char *utf8 = NULL;
        int len = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(e));
        if (len < 0) {
            rc = WSSEC_EINVALID;
            break;
        }
        int set = X509_NAME_ENTRY_set(e);
        rc = rdn_add(&rs, &n, set != last_set, type, utf8, (size_t)len, true);
        last_set = set;
        OPENSSL_free(utf8);
    }
    if (!rc) rc = rdns_join(rs, n, false, out);
    rdns_free(rs, n);
    return rc;
}

/* Attribute type names accepted in text, besides OpenSSL's own short and
 * long names (compared without regard to case). */
static int type_nid(const char *t)
{
    static const struct {
        const char *alias;
        int nid;
    } aliases[] = {
        { "e", NID_pkcs9_emailAddress },  { "email", NID_pkcs9_emailAddress },
        { "s", NID_stateOrProvinceName }, { "street", NID_streetAddress },
        { "uid", NID_userId },            { "dc", NID_domainComponent },
        { "sn", NID_surname },            { "serialnumber", NID_serialNumber },
    };
    for (size_t i = 0; i < WSSEC_ARRAY_LEN(aliases); i++)
        if (strcasecmp(t, aliases[i].alias) == 0) return aliases[i].nid;
    if (strncasecmp(t, "oid.", 4) == 0) t += 4;
    if (isdigit((unsigned char)t[0])) {
        ASN1_OBJECT *o = OBJ_txt2obj(t, 1);
        int nid = o ? OBJ_obj2nid(o) : NID_undef;
        ASN1_OBJECT_free(o);
        return nid;
    }
    char up[80];
    snprintf(up, sizeof(up), "%s", t);
    for (char *p = up; *p; p++) *p = (char)toupper((unsigned char)*p);
    int nid = OBJ_sn2nid(up);
    if (nid == NID_undef) nid = OBJ_ln2nid(t);
    if (nid == NID_undef) { /* long names are mixed case: organizationName */
        for (int n = 1; n < 1200 && nid == NID_undef; n++) {
            const char *ln = OBJ_nid2ln(n), *sn = OBJ_nid2sn(n);
            if ((ln && strcasecmp(ln, t) == 0) || (sn && strcasecmp(sn, t) == 0)) nid = n;
        }
    }
    return nid;
}

static int hexval(int c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

int wssec__dn_canon_text(const char *text, bool reverse, char **out)
{
    return wssec__dn_canon_text_max(text, reverse, 0, out);
}

int wssec__dn_canon_text_max(const char *text, bool reverse, size_t max_values, char **out)
{
    *out = NULL;
    rdn *rs = NULL;
    size_t n = 0, values = 0;
    int rc = 0;
    const char *p = text;
    bool new_rdn = true;
    unsigned char *val = wssec__malloc(strlen(text) + 1);
    if (!val) return WSSEC_ENOMEM;
    while (isspace((unsigned char)*p)) p++;
    if (!*p) rc = WSSEC_EINVALID;
    while (*p && !rc) {
        while (isspace((unsigned char)*p)) p++;
        const char *t = p;
        while (*p && *p != '=' && *p != ',' && *p != ';' && *p != '+') p++;
        if (*p != '=') {
            rc = WSSEC_EINVALID;
            break;
        }
        size_t tl = (size_t)(p - t);
        while (tl && isspace((unsigned char)t[tl - 1])) tl--;
        char tname[80];
        if (tl == 0 || tl >= sizeof(tname)) {
            rc = WSSEC_EINVALID;
            break;
        }
        memcpy(tname, t, tl);
        tname[tl] = '\0';
        p++; /* '=' */
        while (*p == ' ') p++;
        size_t vl = 0;
        if (*p == '"') { /* RFC 1779 quoted value */
            p++;
            while (*p && *p != '"') {
                if (*p == '\\' && p[1]) p++;
                val[vl++] = (unsigned char)*p++;
            }
            if (*p != '"') {
                rc = WSSEC_EINVALID;
                break;
            }
            p++;
            while (*p == ' ') p++;
        } else {
            size_t keep = 0; /* length up to the last escaped character */
            while (*p && *p != ',' && *p != ';' && *p != '+') {
                if (*p == '\\') {
                    int h1 = hexval((unsigned char)p[1]), h2 = h1 >= 0 ? hexval((unsigned char)p[2]) : -1;
                    if (h1 >= 0 && h2 >= 0) {
                        val[vl++] = (unsigned char)(h1 * 16 + h2);
                        p += 3;
                    } else if (p[1]) {
                        val[vl++] = (unsigned char)p[1];
                        p += 2;
                    } else {
                        rc = WSSEC_EINVALID;
                        break;
                    }
                    keep = vl;
                } else {
                    val[vl++] = (unsigned char)*p++;
                }
            }
            while (vl > keep && val[vl - 1] == ' ') vl--;
        }
        if (rc) break;
        int nid = type_nid(tname);
        char type[80];
        canon_type(nid, tname, type, sizeof(type));
        if (nid == NID_undef && !isdigit((unsigned char)type[0])) {
            rc = WSSEC_EINVALID; /* an attribute type nobody knows */
            break;
        }
        if (max_values && ++values > max_values) {
            rc = WSSEC_ELIMIT;
            break;
        }
        rc = rdn_add(&rs, &n, new_rdn, type, val, vl, false);
        if (*p == '+') new_rdn = false;
        else new_rdn = true;
        if (*p) {
            p++;
            if (!*p) rc = WSSEC_EINVALID; /* trailing separator */
        }
    }
    wssec__free(val);
    if (!rc) rc = rdns_join(rs, n, reverse, out);
    rdns_free(rs, n);
    return rc;
}

int wssec__dn_equal_text(const X509_NAME *name, const char *text, bool either_order)
{
    char *a = NULL, *b = NULL;
    int eq = 0;
    if (wssec__dn_canon_name(name, &a) == 0 && wssec__dn_canon_text(text, false, &b) == 0)
        eq = strcmp(a, b) == 0;
    wssec__free(b);
    b = NULL;
    if (!eq && either_order && a && wssec__dn_canon_text(text, true, &b) == 0)
        eq = strcmp(a, b) == 0;
    wssec__free(a);
    wssec__free(b);
    return eq;
}

int wssec__serial_equal_text(const X509 *cert, const char *text)
{
    while (isspace((unsigned char)*text)) text++;
    BIGNUM *want = NULL;
    size_t n = strlen(text);
    while (n && isspace((unsigned char)text[n - 1])) n--;
    char digits[200];
    if (n == 0 || n >= sizeof(digits)) return 0;
    memcpy(digits, text, n);
    digits[n] = '\0';
    for (size_t i = 0; i < n; i++)
        if (!isdigit((unsigned char)digits[i]) && !(i == 0 && digits[0] == '-')) return 0;
    if (!BN_dec2bn(&want, digits)) return 0;
    BIGNUM *have = ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert), NULL);
    int eq = have && BN_cmp(want, have) == 0;
    BN_free(want);
    BN_free(have);
    return eq;
}
