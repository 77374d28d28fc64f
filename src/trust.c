/*
 * wssec — X.509 trust: a snapshot of trust material (anchors, known and
 * intermediate certificates, CRLs, subject and issuer constraints, the
 * certificate cache), path validation with OpenSSL at the message's clock,
 * and diagnostics that name the certificate and the cause.
 *
 * A snapshot is immutable and reference-counted. The context holds the
 * current one; a message takes a reference when its verify or inspect pass
 * begins (not when it is parsed), so a reload (wssec_ctx_reload_trust) swaps
 * the pointer while passes in flight finish with the snapshot they began with.
 */
#include <dirent.h>
#include <errno.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/err.h>
#include <openssl/pem.h>

#include "wssec/wssec.h"
#include "wssec/sys/sdk.h"
#include "trust.h"
#include "algs.h"
#include "context.h"
#include "error.h"
#include "record.h"
#include "settings.h"
#include "util.h"
#include "validate.h"
#include "x509.h"
#include "x509_dn.h"

/* ---- the certificate cache: validated (leaf, chain) pairs ---- */

typedef struct cache_entry {
    unsigned char key[32];
    wssec_time not_before, not_after; /* the window in which the outcome holds */
    wssec_time expires;               /* inserted + cert-cache-max-age */
    bool used;
} cache_entry;

typedef struct subject_rule {
    char *text;  /* as configured, for messages */
    char *canon; /* canonical DN, or NULL for a regular expression */
    regex_t re;
} subject_rule;

struct wssec_trust {
    int refs;
    X509_STORE *store;        /* anchors and CRLs */
    STACK_OF(X509) *anchors;  /* for listing */
    STACK_OF(X509) *known;    /* certs and intermediates: never trusted by themselves */
    STACK_OF(X509_CRL) *crls; /* for diagnostics (revocation dates) */
    int crl_check;            /* WSSEC_CRL_*, in force when there is a CRL to check with */
    subject_rule *subjects, *issuers;
    size_t nsubjects, nissuers;
    size_t max_chain;
    size_t min_rsa_bits, min_ec_bits;
    bool allow_sha1; /* SHA-1-signed certificates below the anchor */
    /* cache */
    bool cache_on;
    wssec_time cache_max_age;
    pthread_mutex_t lock;
    cache_entry *cache;
    size_t cache_cap, cache_used;
};

static void rules_free(subject_rule *r, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        wssec__free(r[i].text);
        if (r[i].canon) wssec__free(r[i].canon);
        else regfree(&r[i].re);
    }
    wssec__free(r);
}

void wssec__trust_release(wssec_trust *t)
{
    if (!t || __atomic_sub_fetch(&t->refs, 1, __ATOMIC_ACQ_REL) != 0) return;
    X509_STORE_free(t->store);
    sk_X509_pop_free(t->anchors, X509_free);
    sk_X509_pop_free(t->known, X509_free);
    sk_X509_CRL_pop_free(t->crls, X509_CRL_free);
    rules_free(t->subjects, t->nsubjects);
    rules_free(t->issuers, t->nissuers);
    pthread_mutex_destroy(&t->lock);
    wssec__free(t->cache);
    wssec__free(t);
}

wssec_trust *wssec__trust_retain(wssec_trust *t)
{
    if (t) __atomic_add_fetch(&t->refs, 1, __ATOMIC_RELAXED);
    return t;
}

int wssec__trust_has_anchors(const wssec_trust *t)
{
    return t && sk_X509_num(t->anchors) > 0;
}

int wssec__trust_has_subject_rules(const wssec_trust *t)
{
    return t && t->nsubjects > 0;
}

static int add_certs(wssec_errrec *err, STACK_OF(X509) *dst, const char *path)
{
    STACK_OF(X509) *sk = NULL;
    char why[400];
    int rc = wssec__load_certs(path, &sk, why, sizeof(why));
    if (rc) return wssec__err_set(err, rc == WSSEC_EIO ? WSSEC_ECONFIG : rc, NULL, path, __FILE__,
                                  __LINE__, "%s", why);
    while (sk_X509_num(sk) > 0) {
        X509 *x = sk_X509_shift(sk);
        if (!sk_X509_push(dst, x)) {
            X509_free(x);
            sk_X509_pop_free(sk, X509_free);
            return WSSEC_ENOMEM;
        }
    }
    sk_X509_free(sk);
    return 0;
}

/* A trust path is a PEM file or a directory of them (*.pem, *.crt, *.cer). */
static int add_anchor_path(wssec_errrec *err, STACK_OF(X509) *dst, const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return WSSEC_ERR(err, WSSEC_ECONFIG, "trust: %s: cannot be opened: %s", path,
                         strerror(errno));
    if (!S_ISDIR(st.st_mode)) return add_certs(err, dst, path);
    DIR *d = opendir(path);
    if (!d) return WSSEC_ERR(err, WSSEC_ECONFIG, "trust: directory %s cannot be read", path);
    int rc = 0;
    size_t found = 0;
    struct dirent *de;
    /* sorted order is not needed: anchors form a set */
    while (!rc && (de = readdir(d)) != NULL) {
        const char *n = de->d_name;
        size_t l = strlen(n);
        if (l < 5 || (strcmp(n + l - 4, ".pem") && strcmp(n + l - 4, ".crt") &&
                      strcmp(n + l - 4, ".cer")))
            continue;
        char full[4096];
        snprintf(full, sizeof(full), "%s/%s", path, n);
        rc = add_certs(err, dst, full);
        found++;
    }
    closedir(d);
    if (!rc && !found)
        rc = WSSEC_ERR(err, WSSEC_ECONFIG, "trust: directory %s holds no .pem, .crt or .cer file",
                       path);
    return rc;
}

static int load_crl(wssec_errrec *err, wssec_trust *t, const char *path)
{
    char reason[200];
    if (wssec__unreadable(path, reason, sizeof(reason)))
        return WSSEC_ERR(err, WSSEC_ECONFIG, "crl: %s: %s", path, reason);
    BIO *bio = BIO_new_file(path, "rb");
    if (!bio) {
        ERR_clear_error();
        return WSSEC_ERR(err, WSSEC_ECONFIG, "crl: %s cannot be opened", path);
    }
    size_t n = 0;
    X509_CRL *c;
    ERR_clear_error();
    while ((c = PEM_read_bio_X509_CRL(bio, NULL, NULL, NULL)) != NULL) {
        if (!sk_X509_CRL_push(t->crls, c)) {
            X509_CRL_free(c);
            BIO_free(bio);
            return WSSEC_ENOMEM;
        }
        n++;
    }
    /* a CRL that failed to decode (no memory, or damaged) is never skipped:
     * that would accept what it revokes */
    int rc = n ? wssec__pem_read_end() : 0;
    if (rc) {
        BIO_free(bio);
        if (rc == WSSEC_ENOMEM) return WSSEC_ENOMEM;
        return WSSEC_ERR(err, WSSEC_ECONFIG, "crl: %s holds a CRL that cannot be decoded", path);
    }
    ERR_clear_error();
    if (n == 0) {
        (void)BIO_reset(bio);
        c = d2i_X509_CRL_bio(bio, NULL);
        if (c && !sk_X509_CRL_push(t->crls, c)) {
            X509_CRL_free(c);
            c = NULL;
        }
        n = c ? 1 : 0;
    }
    BIO_free(bio);
    ERR_clear_error();
    if (n == 0) return WSSEC_ERR(err, WSSEC_ECONFIG, "crl: %s holds no CRL (PEM or DER)", path);
    return 0;
}

static int compile_rules(wssec_errrec *err, const char *what, const wssec_strlist *l,
                         subject_rule **out, size_t *n)
{
    *n = 0;
    *out = l->n ? wssec__calloc(l->n, sizeof(**out)) : NULL;
    if (l->n && !*out) return WSSEC_ENOMEM;
    for (size_t i = 0; i < l->n; i++) {
        subject_rule *r = &(*out)[i];
        const char *v = l->v[i];
        if (!(r->text = wssec__strdup(v))) return WSSEC_ENOMEM;
        (*n)++;
        if (strncmp(v, "re:", 3) == 0) {
            int rrc = regcomp(&r->re, v + 3, REG_EXTENDED | REG_NOSUB);
            if (rrc) {
                char msg[200];
                regerror(rrc, &r->re, msg, sizeof(msg));
                r->canon = wssec__strdup("");
                return WSSEC_ERR(err, WSSEC_ECONFIG, "%s: '%s' is not a valid regular expression: %s",
                                 what, v + 3, msg);
            }
        } else {
            int crc = wssec__dn_canon_text(v, false, &r->canon);
            if (crc == WSSEC_ENOMEM) return crc;
            if (crc) {
                r->canon = wssec__strdup("");
                return WSSEC_ERR(err, WSSEC_ECONFIG,
                                 "%s: '%s' is not a distinguished name like CN=alice,O=Example,C=US "
                                 "(use re:REGEX for a pattern)",
                                 what, v);
            }
        }
    }
    return 0;
}

int wssec__trust_new(wssec_trust **out, const wssec_settings *s, wssec_errrec *err)
{
    *out = NULL;
    wssec_trust *t = wssec__calloc(1, sizeof(*t));
    if (!t) return WSSEC_ENOMEM;
    t->refs = 1;
    pthread_mutex_init(&t->lock, NULL);
    int rc = 0;
    t->anchors = sk_X509_new_null();
    t->known = sk_X509_new_null();
    t->crls = sk_X509_CRL_new_null();
    t->store = X509_STORE_new();
    if (!t->anchors || !t->known || !t->crls || !t->store) {
        rc = WSSEC_ENOMEM;
        goto done;
    }
    for (size_t i = 0; i < s->trust.n && !rc; i++) rc = add_anchor_path(err, t->anchors, s->trust.v[i]);
    for (size_t i = 0; i < s->certs.n && !rc; i++) rc = add_certs(err, t->known, s->certs.v[i]);
    for (size_t i = 0; i < s->intermediates.n && !rc; i++)
        rc = add_certs(err, t->known, s->intermediates.v[i]);
    for (size_t i = 0; i < s->crl.n && !rc; i++) rc = load_crl(err, t, s->crl.v[i]);
    if (rc) goto done;
    /* a duplicate is no error for OpenSSL 3, so a failure is memory: never
     * go on without an anchor, and above all without a CRL (that would
     * accept what it revokes) */
    for (int i = 0; i < sk_X509_num(t->anchors) && !rc; i++)
        if (!X509_STORE_add_cert(t->store, sk_X509_value(t->anchors, i))) rc = WSSEC_ENOMEM;
    for (int i = 0; i < sk_X509_CRL_num(t->crls) && !rc; i++)
        if (!X509_STORE_add_crl(t->store, sk_X509_CRL_value(t->crls, i))) rc = WSSEC_ENOMEM;
    if (rc) {
        ERR_clear_error();
        goto done;
    }
    t->crl_check = s->crl_check;
    if ((rc = compile_rules(err, "subject", &s->subjects, &t->subjects, &t->nsubjects)) ||
        (rc = compile_rules(err, "issuer", &s->issuers, &t->issuers, &t->nissuers)))
        goto done;
    t->max_chain = s->max_chain_length;
    t->min_rsa_bits = s->min_rsa_bits;
    t->min_ec_bits = s->min_ec_bits;
    t->allow_sha1 = s->allow_sha1;
    t->cache_on = s->cert_cache && s->cert_cache_size > 0;
    t->cache_max_age = s->cert_cache_max_age_ms;
    if (t->cache_on) {
        size_t cap = 16;
        while (cap < s->cert_cache_size * 2) cap *= 2;
        t->cache = wssec__calloc(cap, sizeof(*t->cache));
        if (!t->cache) {
            rc = WSSEC_ENOMEM;
            goto done;
        }
        t->cache_cap = cap;
    }
done:
    if (rc) wssec__trust_release(t);
    else *out = t;
    return rc;
}

/* CRL checking is in force when CRLs are configured or the message carries some. */
static unsigned long crl_flags(const wssec_trust *t, STACK_OF(X509_CRL) *crls)
{
    if (sk_X509_CRL_num(t->crls) <= 0 && sk_X509_CRL_num(crls) <= 0) return 0;
    if (t->crl_check == WSSEC_CRL_LEAF) return X509_V_FLAG_CRL_CHECK;
    if (t->crl_check == WSSEC_CRL_ALL) return X509_V_FLAG_CRL_CHECK | X509_V_FLAG_CRL_CHECK_ALL;
    return 0;
}

/* ---- CRLs: those of the configuration, and what a message may add ---- */

/* 1 when a is newer than b: a later thisUpdate, then a higher CRL number. */
static int crl_newer(X509_CRL *a, X509_CRL *b)
{
    int c = ASN1_TIME_compare(X509_CRL_get0_lastUpdate(a), X509_CRL_get0_lastUpdate(b));
    if (c != 0) return c > 0;
    ASN1_INTEGER *na = X509_CRL_get_ext_d2i(a, NID_crl_number, NULL, NULL);
    ASN1_INTEGER *nb = X509_CRL_get_ext_d2i(b, NID_crl_number, NULL, NULL);
    int newer = na && (!nb || ASN1_INTEGER_cmp(na, nb) > 0);
    ASN1_INTEGER_free(na);
    ASN1_INTEGER_free(nb);
    return newer;
}

static int crl_of_issuer(STACK_OF(X509_CRL) *sk, const X509_NAME *issuer)
{
    for (int i = 0; i < sk_X509_CRL_num(sk); i++)
        if (X509_NAME_cmp(X509_CRL_get_issuer(sk_X509_CRL_value(sk, i)), issuer) == 0) return 1;
    return 0;
}

/* The CRLs a check uses when the message carries some (*out NULL when it
 * carries none: the store holds the configured ones). OpenSSL takes the
 * first valid CRL of an issuer it finds, and looks at the CRLs handed to the
 * check before the store's: so a message's CRL is never handed over for an
 * issuer the configuration has a CRL of (it could be an older, genuine one
 * issued before the signer was revoked), and of a message's CRLs of one
 * issuer only the newest is. The configured CRLs come along, so OpenSSL
 * picks among them as it does from the store. Borrowed entries: free the
 * stack with sk_X509_CRL_free. */
static int effective_crls(const wssec_trust *t, STACK_OF(X509_CRL) *carried,
                          STACK_OF(X509_CRL) **out)
{
    *out = NULL;
    if (sk_X509_CRL_num(carried) <= 0) return 0;
    STACK_OF(X509_CRL) *eff = sk_X509_CRL_new_null();
    if (!eff) return WSSEC_ENOMEM;
    for (int i = 0; i < sk_X509_CRL_num(t->crls); i++)
        if (!sk_X509_CRL_push(eff, sk_X509_CRL_value(t->crls, i))) goto nomem;
    for (int i = 0; i < sk_X509_CRL_num(carried); i++) {
        X509_CRL *c = sk_X509_CRL_value(carried, i);
        const X509_NAME *issuer = X509_CRL_get_issuer(c);
        if (crl_of_issuer(t->crls, issuer)) continue; /* the configured one wins */
        bool newest = true;
        for (int j = 0; j < sk_X509_CRL_num(carried) && newest; j++) {
            X509_CRL *o = sk_X509_CRL_value(carried, j);
            if (j == i || X509_NAME_cmp(X509_CRL_get_issuer(o), issuer) != 0) continue;
            /* a newer one, or an equally new one that comes first */
            newest = !(crl_newer(o, c) || (j < i && !crl_newer(c, o)));
        }
        if (newest && !sk_X509_CRL_push(eff, c)) goto nomem;
    }
    *out = eff;
    return 0;
nomem:
    sk_X509_CRL_free(eff);
    return WSSEC_ENOMEM;
}

/* ---- the cache ---- */

static int cache_key(X509 *leaf, STACK_OF(X509) *presented, unsigned char key[32])
{
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    unsigned char d[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    int ok = md && EVP_DigestInit_ex(md, EVP_sha256(), NULL);
    ok = ok && X509_digest(leaf, EVP_sha256(), d, &n) && EVP_DigestUpdate(md, d, n);
    for (int i = 0; ok && i < sk_X509_num(presented); i++)
        ok = X509_digest(sk_X509_value(presented, i), EVP_sha256(), d, &n) &&
             EVP_DigestUpdate(md, d, n);
    ok = ok && EVP_DigestFinal_ex(md, key, &n);
    EVP_MD_CTX_free(md);
    return ok ? 0 : WSSEC_EINTERNAL;
}

static size_t cache_slot(const wssec_trust *t, const unsigned char key[32])
{
    size_t h;
    memcpy(&h, key, sizeof(h));
    return h & (t->cache_cap - 1);
}

static int cache_lookup(wssec_trust *t, const unsigned char key[32], wssec_time now)
{
    int hit = 0;
    pthread_mutex_lock(&t->lock);
    for (size_t i = cache_slot(t, key), probes = 0; probes < t->cache_cap;
         probes++, i = (i + 1) & (t->cache_cap - 1)) {
        cache_entry *e = &t->cache[i];
        if (!e->used) break;
        if (memcmp(e->key, key, 32) == 0) {
            hit = now >= e->not_before && now <= e->not_after && now < e->expires;
            break;
        }
    }
    pthread_mutex_unlock(&t->lock);
    return hit;
}

static void cache_store(wssec_trust *t, const unsigned char key[32], wssec_time nb, wssec_time na,
                        wssec_time now)
{
    pthread_mutex_lock(&t->lock);
    if (t->cache_used + 1 > t->cache_cap / 2) { /* full: start afresh (outcomes are recomputable) */
        memset(t->cache, 0, t->cache_cap * sizeof(*t->cache));
        t->cache_used = 0;
    }
    size_t i = cache_slot(t, key);
    while (t->cache[i].used && memcmp(t->cache[i].key, key, 32) != 0) i = (i + 1) & (t->cache_cap - 1);
    if (!t->cache[i].used) t->cache_used++;
    cache_entry *e = &t->cache[i];
    memcpy(e->key, key, 32);
    e->not_before = nb;
    e->not_after = na;
    e->expires = now + t->cache_max_age;
    e->used = true;
    pthread_mutex_unlock(&t->lock);
}

/* ---- refusals: the default validator words them into a buffer ---- */

/* Where a check's reason goes: the why buffer of the validator call. */
typedef struct verdict {
    char *why;
    size_t whylen;
} verdict;

static int refuse(verdict *v, int code, const char *fmt, ...) WSSEC_PRINTF(3, 4);

/* Words a refusal into v and returns code (the first reason wins). */
static int refuse(verdict *v, int code, const char *fmt, ...)
{
    if (v->whylen && !v->why[0]) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(v->why, v->whylen, fmt, ap);
        va_end(ap);
    }
    return code;
}

/* ---- diagnostics ---- */

static void names_of(STACK_OF(X509) *sk, char *buf, size_t size)
{
    size_t off = 0;
    buf[0] = '\0';
    for (int i = 0; i < sk_X509_num(sk) && off + 4 < size; i++) {
        char dn[256];
        wssec__dn_text(X509_get_subject_name(sk_X509_value(sk, i)), dn, sizeof(dn));
        int w = snprintf(buf + off, size - off, "%s'%s'", i ? ", " : "", dn);
        if (w < 0) break;
        off += (size_t)w;
    }
    if (!buf[0]) snprintf(buf, size, "none");
}

/* The revocation entry of cert in the configured CRLs, for its date and reason. */
static void revocation_words(STACK_OF(X509_CRL) *crls, X509 *cert, char *buf, size_t size)
{
    snprintf(buf, size, "revoked");
    for (int i = 0; i < sk_X509_CRL_num(crls); i++) {
        X509_CRL *crl = sk_X509_CRL_value(crls, i);
        X509_REVOKED *r = NULL;
        if (X509_CRL_get0_by_cert(crl, &r, cert) != 1 || !r) continue;
        char when[40];
        wssec__asn1_time_text(X509_REVOKED_get0_revocationDate(r), when, sizeof(when));
        ASN1_ENUMERATED *reason = X509_REVOKED_get_ext_d2i(r, NID_crl_reason, NULL, NULL);
        static const char *const reasons[] = {
            "unspecified",  "keyCompromise",        "cACompromise", "affiliationChanged",
            "superseded",   "cessationOfOperation", "certificateHold", "(7)",
            "removeFromCRL", "privilegeWithdrawn",  "aACompromise",
        };
        long rv = reason ? ASN1_ENUMERATED_get(reason) : -1;
        ASN1_ENUMERATED_free(reason);
        snprintf(buf, size, "revoked on %s (reason %s)", when,
                 rv >= 0 && rv < (long)WSSEC_ARRAY_LEN(reasons) ? reasons[rv] : "not given");
        return;
    }
}

static void crl_words(const wssec_trust *t, X509 *cert, bool next, char *buf, size_t size)
{
    X509_NAME *issuer = X509_get_issuer_name(cert);
    for (int i = 0; i < sk_X509_CRL_num(t->crls); i++) {
        X509_CRL *crl = sk_X509_CRL_value(t->crls, i);
        if (X509_NAME_cmp(X509_CRL_get_issuer(crl), issuer) != 0) continue;
        char when[40];
        wssec__asn1_time_text(next ? X509_CRL_get0_nextUpdate(crl) : X509_CRL_get0_lastUpdate(crl),
                              when, sizeof(when));
        snprintf(buf, size, "%s", when);
        return;
    }
    snprintf(buf, size, "(unknown)");
}

/* 1 when every certificate of sk is issued by the next one (leaf first). */
static int in_order(X509 *leaf, STACK_OF(X509) *sk)
{
    X509 *prev = leaf;
    for (int i = 0; i < sk_X509_num(sk); i++) {
        X509 *x = sk_X509_value(sk, i);
        if (X509_check_issued(x, prev) != X509_V_OK) return 0;
        prev = x;
    }
    return 1;
}

static int explain(verdict *v, const wssec_trust *t, X509_STORE_CTX *sctx, X509 *leaf,
                   STACK_OF(X509) *presented, STACK_OF(X509_CRL) *used, const char *role)
{
    int e = X509_STORE_CTX_get_error(sctx);
    int depth = X509_STORE_CTX_get_error_depth(sctx);
    X509 *cur = X509_STORE_CTX_get_current_cert(sctx);
    if (!cur) cur = leaf;
    char who[700], where[80], why[1200], dn[300];
    wssec__cert_describe(cur, who, sizeof(who));
    if (depth <= 0) snprintf(where, sizeof(where), "the %s certificate", role);
    else snprintf(where, sizeof(where), "chain position %d (0 is the %s)", depth, role);
    switch (e) {
    case X509_V_ERR_CERT_HAS_EXPIRED: {
        char d[40];
        wssec__asn1_time_text(X509_get0_notAfter(cur), d, sizeof(d));
        snprintf(why, sizeof(why), "expired on %s", d);
        break;
    }
    case X509_V_ERR_CERT_NOT_YET_VALID: {
        char d[40];
        wssec__asn1_time_text(X509_get0_notBefore(cur), d, sizeof(d));
        snprintf(why, sizeof(why), "is not valid before %s", d);
        break;
    }
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE: {
        char have[600];
        names_of(presented, have, sizeof(have));
        wssec__dn_text(X509_get_issuer_name(cur), dn, sizeof(dn));
        snprintf(why, sizeof(why),
                 "has issuer '%.300s', found neither in the message nor among the trust anchors "
                 "and known certificates (the message carried: %.500s)%s",
                 dn, have,
                 presented && sk_X509_num(presented) && !in_order(leaf, presented)
                     ? "; the chain in the message is out of order"
                     : "");
        break;
    }
    case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
        snprintf(why, sizeof(why), "is self-signed and not one of the trust anchors");
        break;
    case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
        snprintf(why, sizeof(why),
                 "is a self-signed root that is not one of the trust anchors (a root with the "
                 "same name as a trusted one is not that root)");
        break;
    case X509_V_ERR_CERT_SIGNATURE_FAILURE:
        wssec__dn_text(X509_get_issuer_name(cur), dn, sizeof(dn));
        snprintf(why, sizeof(why),
                 "was not signed by the trusted '%s' (same name, different key: an impostor "
                 "issuer?)",
                 dn);
        break;
    case X509_V_ERR_CERT_REVOKED:
        revocation_words(used ? used : t->crls, cur, why, sizeof(why));
        break;
    case X509_V_ERR_CRL_HAS_EXPIRED: {
        char d[40];
        crl_words(t, cur, true, d, sizeof(d));
        wssec__dn_text(X509_get_issuer_name(cur), dn, sizeof(dn));
        snprintf(why, sizeof(why), "cannot be checked: the CRL of '%s' expired on %s (load a "
                                   "fresh CRL)",
                 dn, d);
        break;
    }
    case X509_V_ERR_CRL_NOT_YET_VALID: {
        char d[40];
        crl_words(t, cur, false, d, sizeof(d));
        wssec__dn_text(X509_get_issuer_name(cur), dn, sizeof(dn));
        snprintf(why, sizeof(why), "cannot be checked: the CRL of '%s' is not valid before %s", dn,
                 d);
        break;
    }
    case X509_V_ERR_UNABLE_TO_GET_CRL:
        wssec__dn_text(X509_get_issuer_name(cur), dn, sizeof(dn));
        snprintf(why, sizeof(why),
                 "cannot be checked for revocation: no CRL from '%s' is configured (--crl FILE, "
                 "or --crl-check leaf to check only the %s)",
                 dn, role);
        break;
    case X509_V_ERR_CERT_CHAIN_TOO_LONG:
        snprintf(why, sizeof(why), "makes the chain longer than max-chain-length %zu",
                 t->max_chain);
        break;
    case X509_V_ERR_INVALID_CA:
        snprintf(why, sizeof(why), "is used as an issuer but is not a CA (basicConstraints)");
        break;
    default:
        snprintf(why, sizeof(why), "fails path validation: %s", X509_verify_cert_error_string(e));
    }
    if (depth <= 0)
        return refuse(v, WSSEC_EUNTRUSTED, "%s %s, at %s, %s", role, who,
                              where, why);
    /* the certificate that failed is not the signer: named by its own role */
    const char *label = "intermediate";
    if (X509_get_extension_flags(cur) & EXFLAG_SS)
        label = e == X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN ? "root" : "trust anchor";
    return refuse(v, WSSEC_EUNTRUSTED, "%s chain: %s %s, at %s, %s", role,
                          label, who, where, why);
}

/* ---- checks on the end-entity certificate ---- */

static int rule_match(const subject_rule *r, const X509_NAME *name)
{
    if (r->canon) {
        char *c = NULL;
        int eq = wssec__dn_canon_name(name, &c) == 0 && strcmp(c, r->canon) == 0;
        wssec__free(c);
        return eq;
    }
    char text[1024];
    if (wssec__dn_text(name, text, sizeof(text))) return 0; /* no memory: no match */
    return regexec(&r->re, text, 0, NULL, 0) == 0;
}

static int check_rules(verdict *v, const subject_rule *rules, size_t n, const X509_NAME *name,
                       const char *what, const char *role)
{
    if (n == 0) return 0;
    for (size_t i = 0; i < n; i++)
        if (rule_match(&rules[i], name)) return 0;
    char dn[300], list[700];
    size_t off = 0;
    list[0] = '\0';
    for (size_t i = 0; i < n && off + 4 < sizeof(list); i++) {
        int w = snprintf(list + off, sizeof(list) - off, "%s'%s'", i ? ", " : "", rules[i].text);
        if (w < 0) break;
        off += (size_t)w;
    }
    wssec__dn_text(name, dn, sizeof(dn));
    /* a rule pasted from `openssl x509 -subject` lists the RDNs in the reverse order */
    const char *reversed = NULL;
    char *have = NULL;
    if (wssec__dn_canon_name(name, &have) == 0) {
        for (size_t i = 0; i < n && !reversed; i++) {
            char *rev = NULL;
            if (rules[i].canon && wssec__dn_canon_text(rules[i].text, true, &rev) == 0 &&
                strcmp(rev, have) == 0)
                reversed = rules[i].text;
            wssec__free(rev);
        }
    }
    wssec__free(have);
    if (reversed)
        return refuse(v, WSSEC_EUNTRUSTED, "%s certificate %s '%s' does not match the accepted %ss: %s; '%s' "
                              "lists the same names in the reverse order (as openssl prints "
                              "them): write '%s'",
                              role, what, dn, what, list, reversed, dn);
    return refuse(v, WSSEC_EUNTRUSTED, "%s certificate %s '%s' does not match the accepted %ss: %s", role, what,
                          dn, what, list);
}

static int key_strength(verdict *v, const wssec_trust *t, X509 *x, int depth, const char *role);

/* 1 when the extendedKeyUsage extension lists the dotted OID. */
static int eku_has(X509 *x, const char *oid)
{
    EXTENDED_KEY_USAGE *eku = X509_get_ext_d2i(x, NID_ext_key_usage, NULL, NULL);
    int found = 0;
    for (int i = 0; eku && i < sk_ASN1_OBJECT_num(eku) && !found; i++) {
        char txt[80];
        OBJ_obj2txt(txt, sizeof(txt), sk_ASN1_OBJECT_value(eku, i), 1);
        found = strcmp(txt, oid) == 0;
    }
    EXTENDED_KEY_USAGE_free(eku);
    ERR_clear_error();
    return found;
}

static void eku_list(X509 *x, char *buf, size_t size)
{
    EXTENDED_KEY_USAGE *eku = X509_get_ext_d2i(x, NID_ext_key_usage, NULL, NULL);
    size_t off = 0;
    buf[0] = '\0';
    for (int i = 0; eku && i < sk_ASN1_OBJECT_num(eku) && off + 4 < size; i++) {
        char txt[80];
        const ASN1_OBJECT *o = sk_ASN1_OBJECT_value(eku, i);
        int nid = OBJ_obj2nid(o);
        if (nid != NID_undef) snprintf(txt, sizeof(txt), "%s", OBJ_nid2sn(nid));
        else OBJ_obj2txt(txt, sizeof(txt), o, 1);
        int w = snprintf(buf + off, size - off, "%s%s", i ? ", " : "", txt);
        if (w < 0) break;
        off += (size_t)w;
    }
    EXTENDED_KEY_USAGE_free(eku);
    ERR_clear_error();
    if (!buf[0]) snprintf(buf, size, "none readable");
}

/* A name every decision can use: no NUL or control character in a value. */
static int usable_name(const X509_NAME *name)
{
    char *c = NULL;
    int rc = wssec__dn_canon_name(name, &c);
    wssec__free(c);
    return rc;
}

static int check_leaf(verdict *v, const wssec_trust *t, X509 *leaf, int usage, const char *role)
{
    char who[700];
    for (int which = 0; which < 2; which++) {
        const X509_NAME *n = which ? X509_get_issuer_name(leaf) : X509_get_subject_name(leaf);
        int urc = usable_name(n);
        if (urc == WSSEC_ENOMEM) return refuse(v, urc, "out of memory");
        if (urc) {
            wssec__cert_describe(leaf, who, sizeof(who));
            return refuse(v, WSSEC_EUNTRUSTED, "%s %s has a NUL or control character in its %s name: such a "
                                  "name cannot be compared safely and is refused",
                                  role, who, which ? "issuer" : "subject");
        }
    }
    uint32_t flags = X509_get_extension_flags(leaf);
    if (flags & EXFLAG_CA) {
        wssec__cert_describe(leaf, who, sizeof(who));
        return refuse(v, WSSEC_EUNTRUSTED, "%s %s is a CA certificate (basicConstraints CA:TRUE), not an "
                              "end-entity certificate",
                              role, who);
    }
    if (flags & EXFLAG_KUSAGE) {
        uint32_t ku = X509_get_key_usage(leaf);
        uint32_t need = usage == WSSEC_USE_SIGN ? (KU_DIGITAL_SIGNATURE | KU_NON_REPUDIATION)
                                                : KU_KEY_ENCIPHERMENT;
        if (!(ku & need)) {
            wssec__cert_describe(leaf, who, sizeof(who));
            return refuse(v, WSSEC_EUNTRUSTED, "%s %s has the wrong key usage: %s needs %s", role, who,
                                  usage == WSSEC_USE_SIGN ? "signing" : "encryption",
                                  usage == WSSEC_USE_SIGN ? "digitalSignature or nonRepudiation"
                                                          : "keyEncipherment");
        }
    }
    if (usage == WSSEC_USE_SIGN && (flags & EXFLAG_XKUSAGE) &&
        !(X509_get_extended_key_usage(leaf) & (XKU_SSL_CLIENT | XKU_SMIME | XKU_ANYEKU)) &&
        !eku_has(leaf, "1.3.6.1.5.5.7.3.36")) {
        char list[300];
        eku_list(leaf, list, sizeof(list));
        wssec__cert_describe(leaf, who, sizeof(who));
        return refuse(v, WSSEC_EUNTRUSTED, "%s %s has an extended key usage that does not allow signing "
                              "messages (%s): clientAuth, emailProtection, documentSigning or "
                              "anyExtendedKeyUsage does",
                              role, who, list);
    }
    return key_strength(v, t, leaf, 0, role);
}

/* ---- the whole chain: keys and the signatures on certificates ---- */

static void where_in_chain(int depth, const char *role, char *buf, size_t size)
{
    if (depth <= 0) snprintf(buf, size, "the %s certificate", role);
    else snprintf(buf, size, "chain position %d (0 is the %s)", depth, role);
}

/* The key of the certificate at depth: RSA of min-rsa-bits, EC of
 * min-ec-bits or more. */
static int key_strength(verdict *v, const wssec_trust *t, X509 *x, int depth, const char *role)
{
    EVP_PKEY *pk = X509_get0_pubkey(x);
    if (!pk) return 0;
    int type = EVP_PKEY_get_base_id(pk), bits = EVP_PKEY_get_bits(pk);
    const char *kind = NULL, *opt = NULL;
    size_t min = 0;
    if (type == EVP_PKEY_RSA || type == EVP_PKEY_RSA_PSS) {
        kind = "RSA";
        opt = "min-rsa-bits";
        min = t->min_rsa_bits;
    } else if (type == EVP_PKEY_EC) {
        kind = "EC";
        opt = "min-ec-bits";
        min = t->min_ec_bits;
    }
    if (!kind || bits < 0 || (size_t)bits >= min) return 0;
    char who[700], where[80];
    wssec__cert_describe(x, who, sizeof(who));
    if (depth == 0) /* the words the leaf check always used */
        return refuse(v, WSSEC_EUNTRUSTED, "%s %s has an %s key of %d bits, fewer than %s %zu", role, who, kind,
                              bits, opt, min);
    where_in_chain(depth, role, where, sizeof(where));
    return refuse(v, WSSEC_EUNTRUSTED, "%s chain: %s, at %s, has an %s key of %d bits, fewer than %s %zu", role,
                          who, where, kind, bits, opt, min);
}

/* Every key of the validated chain, and every signature on a certificate
 * below the anchor (the anchor's own is not relied on): no MD5 (nor MD2,
 * MD4), no SHA-1 unless allow-sha1. */
static int check_chain(verdict *v, const wssec_trust *t, STACK_OF(X509) *chain,
                       const char *role)
{
    int n = sk_X509_num(chain);
    for (int i = 0; i < n; i++) {
        X509 *x = sk_X509_value(chain, i);
        if (i > 0) WSSEC_GUARD(key_strength(v, t, x, i, role));
        if (i == n - 1) break;
        int md = NID_undef, pk = NID_undef;
        if (!OBJ_find_sigid_algs(X509_get_signature_nid(x), &md, &pk)) md = NID_undef;
        if (md == NID_undef) {
            int secbits = 0;
            uint32_t fl = 0;
            if (!X509_get_signature_info(x, &md, &pk, &secbits, &fl)) md = NID_undef;
            ERR_clear_error();
        }
        const char *bad = NULL, *relax = "";
        if (md == NID_md5 || md == NID_md4 || md == NID_md2 || md == NID_md5_sha1) {
            bad = "MD5";
            relax = "broken, never accepted";
        } else if (md == NID_sha1 && !t->allow_sha1) {
            bad = "SHA-1";
            relax = "allow-sha1 accepts it";
        }
        if (!bad) continue;
        char who[700], where[80];
        wssec__cert_describe(x, who, sizeof(who));
        where_in_chain(i, role, where, sizeof(where));
        return refuse(v, WSSEC_EUNTRUSTED, "%s chain: %s, at %s, is signed with %s (%s; %s)", role, who, where,
                              bad, OBJ_nid2ln(X509_get_signature_nid(x)), relax);
    }
    return 0;
}

/* The default certificate validator: the checks in the order they always
 * ran, its reason in v. */
static int default_validate(wssec_msg *msg, X509 *leaf, STACK_OF(X509) *presented,
                            STACK_OF(X509_CRL) *crls, int usage, const char *role, verdict *v)
{
    const wssec_trust *ct = msg->trust;
    wssec_trust *t = (wssec_trust *)ct;
    char who[700];
    if (!wssec__trust_has_anchors(t)) {
        wssec__cert_describe(leaf, who, sizeof(who));
        return refuse(v, WSSEC_EUNTRUSTED,
                      "%s %s cannot be trusted: no trust anchors are configured (--trust FILE)",
                      role, who);
    }
    WSSEC_GUARD(check_leaf(v, t, leaf, usage, role));
    WSSEC_GUARD(check_rules(v, t->subjects, t->nsubjects, X509_get_subject_name(leaf), "subject",
                            role));

    unsigned char key[32];
    /* The key is the leaf and the certificates presented with it; the
     * configured CRLs belong to the snapshot the cache lives in. CRLs from
     * the message change the outcome: such checks are not cached. */
    bool cacheable = t->cache_on && !crls && cache_key(leaf, presented, key) == 0;
    if (cacheable && cache_lookup(t, key, msg->now)) {
        msg->cert_cache_hit = true;
        return 0;
    }

    int rc = 0;
    STACK_OF(X509_CRL) *eff = NULL;
    STACK_OF(X509) *untrusted = sk_X509_new_null();
    X509_STORE_CTX *sctx = X509_STORE_CTX_new();
    if (!untrusted || !sctx || effective_crls(t, crls, &eff)) {
        rc = refuse(v, WSSEC_ENOMEM, "out of memory");
        goto done;
    }
    for (int i = 0; i < sk_X509_num(presented); i++)
        if (!sk_X509_push(untrusted, sk_X509_value(presented, i))) goto nomem;
    for (int i = 0; i < sk_X509_num(t->known); i++)
        if (!sk_X509_push(untrusted, sk_X509_value(t->known, i))) goto nomem;
    if (!X509_STORE_CTX_init(sctx, t->store, leaf, untrusted)) goto nomem;
    if (eff) X509_STORE_CTX_set0_crls(sctx, eff);
    X509_VERIFY_PARAM *param = X509_STORE_CTX_get0_param(sctx);
    X509_VERIFY_PARAM_set_time(param, (time_t)(msg->now / 1000));
    X509_VERIFY_PARAM_set_depth(param, (int)t->max_chain);
    X509_VERIFY_PARAM_set_flags(param, crl_flags(t, crls));
    if (X509_verify_cert(sctx) != 1) {
        rc = explain(v, t, sctx, leaf, presented, eff, role);
        goto done;
    }
    STACK_OF(X509) *chain = X509_STORE_CTX_get0_chain(sctx);
    if ((rc = check_chain(v, t, chain, role))) goto done;
    if (t->nissuers) {
        /* the issuer rule holds when any CA of the validated chain matches */
        bool ok = false;
        for (int i = 1; i < sk_X509_num(chain) && !ok; i++)
            for (size_t j = 0; j < t->nissuers && !ok; j++)
                ok = rule_match(&t->issuers[j], X509_get_subject_name(sk_X509_value(chain, i)));
        if (!ok) {
            rc = check_rules(v, t->issuers, t->nissuers, X509_get_issuer_name(leaf), "issuer",
                             role);
            goto done;
        }
    }
    if (cacheable) {
        /* the outcome holds while every certificate (and CRL) of the chain is valid */
        wssec_time nb = 0, na = INT64_MAX, tv;
        for (int i = 0; i < sk_X509_num(chain); i++) {
            X509 *x = sk_X509_value(chain, i);
            if (wssec__asn1_time(X509_get0_notBefore(x), &tv) == 0 && tv > nb) nb = tv;
            if (wssec__asn1_time(X509_get0_notAfter(x), &tv) == 0 && tv < na) na = tv;
        }
        for (int i = 0; crl_flags(t, NULL) && i < sk_X509_CRL_num(t->crls); i++) {
            X509_CRL *crl = sk_X509_CRL_value(t->crls, i);
            if (wssec__asn1_time(X509_CRL_get0_nextUpdate(crl), &tv) == 0 && tv < na) na = tv;
            if (wssec__asn1_time(X509_CRL_get0_lastUpdate(crl), &tv) == 0 && tv > nb) nb = tv;
        }
        cache_store(t, key, nb, na, msg->now);
    }
    goto done;
nomem:
    rc = refuse(v, WSSEC_ENOMEM, "out of memory");
done:
    X509_STORE_CTX_free(sctx);
    sk_X509_CRL_free(eff);
    sk_X509_free(untrusted);
    return rc;
}

/* ---- the certificate validator seam (validate.h) ---- */

int wssec_cert_check_init(wssec_cert_check *check, unsigned version)
{
    if (version < 1 || version > WSSEC_CERT_CHECK_VERSION) return WSSEC_EINVALID;
    const wssec_cert_check init = WSSEC_CERT_CHECK_INIT;
    *check = init;
    check->version = version;
    return 0;
}

int wssec_cert_validator_init(wssec_cert_validator *validator, unsigned version)
{
    if (version < 1 || version > WSSEC_CERT_VALIDATOR_VERSION) return WSSEC_EINVALID;
    const wssec_cert_validator init = WSSEC_CERT_VALIDATOR_INIT;
    *validator = init;
    validator->version = version;
    return 0;
}

int wssec_cert_validate_default(const wssec_cert_check *check, char *why, size_t whylen)
{
    if (whylen) why[0] = '\0';
    verdict v = { why, whylen };
    if (check->version < 1 || check->version > WSSEC_CERT_CHECK_VERSION || !check->msg ||
        !check->leaf)
        return refuse(&v, WSSEC_EINVALID,
                      "wssec_cert_validate_default: a check of version 1 to %d, with a message "
                      "and a certificate, is needed",
                      WSSEC_CERT_CHECK_VERSION);
    if (!check->msg->trust) return refuse(&v, WSSEC_EINVALID, "the message is not being verified");
    return default_validate(check->msg, (X509 *)check->leaf, (STACK_OF(X509) *)check->presented,
                            (STACK_OF(X509_CRL) *)check->crls, (int)check->usage,
                            check->role ? check->role : "certificate", &v);
}


int wssec__trust_check(wssec_msg *msg, X509 *leaf, STACK_OF(X509) *presented,
                       STACK_OF(X509_CRL) *crls, int usage, const char *role, xmlNodePtr node)
{
    const wssec_cert_validator *cv = &msg->ctx->cert_validator;
    char why[sizeof(((wssec_errrec *)0)->message)] = "";
    verdict v = { why, sizeof(why) };
    if (!cv->validate) {
        int rc = default_validate(msg, leaf, presented, crls, usage, role, &v);
        return rc ? wssec_msg_fail(msg, rc, NULL, node, "%s", why) : 0;
    }
    wssec_cert_check check = WSSEC_CERT_CHECK_INIT;
    check.leaf = leaf;
    check.presented = presented;
    check.crls = crls;
    check.usage = (wssec_cert_usage)usage;
    check.role = role;
    check.now = msg->now;
    check.msg = msg;
    const char *name = cv->name ? cv->name : "custom";
    int got = cv->validate(&check, why, sizeof(why), msg->ctx->cert_validator_ud);
    why[sizeof(why) - 1] = '\0'; /* whatever the callback did with the buffer */
    int rc = wssec__validator_code(got, WSSEC_EUNTRUSTED);
    if (!rc) return 0;
    char who[700];
    wssec__cert_describe(leaf, who, sizeof(who));
    if (rc != got)
        return wssec_msg_fail(msg, rc, NULL, node,
                              "certificate validator '%s' returned %d, which is neither 0 nor a "
                              "wssec error code: %s %s is refused",
                              name, got, role, who);
    if (!why[0])
        return wssec_msg_fail(msg, rc, NULL, node,
                              "%s %s is refused by certificate validator '%s' (no reason given)",
                              role, who, name);
    return wssec_msg_fail(msg, rc, NULL, node, "%s", why);
}

/* ---- the chain as it would be built, for people ---- */

typedef struct link_errors {
    int err[16]; /* first error per depth */
} link_errors;

static int collect_cb(int ok, X509_STORE_CTX *sctx)
{
    link_errors *le = X509_STORE_CTX_get_app_data(sctx);
    int depth = X509_STORE_CTX_get_error_depth(sctx);
    if (!ok && le && depth >= 0 && depth < 16 && !le->err[depth])
        le->err[depth] = X509_STORE_CTX_get_error(sctx);
    return 1; /* go on: the whole chain is described */
}

int wssec__trust_describe(wssec_msg *msg, wssec_token *tok, STACK_OF(X509_CRL) *crls)
{
    wssec_trust *t = msg->trust;
    if (!tok->cert) return 0;
    if (!wssec__trust_has_anchors(t)) return wssec_token_set(tok, "chain", "not checked: no trust anchors");
    link_errors le;
    memset(&le, 0, sizeof(le));
    STACK_OF(X509_CRL) *eff = NULL;
    STACK_OF(X509) *untrusted = sk_X509_new_null();
    X509_STORE_CTX *sctx = X509_STORE_CTX_new();
    int rc = WSSEC_ENOMEM;
    if (!untrusted || !sctx || effective_crls(t, crls, &eff)) goto done;
    for (int i = 0; i < sk_X509_num(tok->chain); i++)
        if (!sk_X509_push(untrusted, sk_X509_value(tok->chain, i))) goto done;
    for (int i = 0; i < sk_X509_num(t->known); i++)
        if (!sk_X509_push(untrusted, sk_X509_value(t->known, i))) goto done;
    if (!X509_STORE_CTX_init(sctx, t->store, tok->cert, untrusted)) goto done;
    if (eff) X509_STORE_CTX_set0_crls(sctx, eff);
    X509_STORE_CTX_set_app_data(sctx, &le);
    X509_STORE_CTX_set_verify_cb(sctx, collect_cb);
    X509_VERIFY_PARAM *param = X509_STORE_CTX_get0_param(sctx);
    X509_VERIFY_PARAM_set_time(param, (time_t)(msg->now / 1000));
    X509_VERIFY_PARAM_set_flags(param, crl_flags(t, crls));
    (void)X509_verify_cert(sctx);
    ERR_clear_error();
    STACK_OF(X509) *chain = X509_STORE_CTX_get0_chain(sctx);
    rc = 0;
    for (int i = 0; i < sk_X509_num(chain) && i < 16 && !rc; i++) {
        X509 *x = sk_X509_value(chain, i);
        char name[16], dn[300], line[700];
        bool anchor = i == sk_X509_num(chain) - 1 && !le.err[i] &&
                      X509_check_issued(x, x) == X509_V_OK;
        wssec__dn_text(X509_get_subject_name(x), dn, sizeof(dn));
        snprintf(name, sizeof(name), "chain-%d", i);
        snprintf(line, sizeof(line), "%s: %s%s", dn,
                 le.err[i] ? X509_verify_cert_error_string(le.err[i]) : "ok",
                 anchor ? " (trust anchor)" : "");
        rc = wssec_token_set(tok, name, line);
    }
done:
    X509_STORE_CTX_free(sctx);
    sk_X509_CRL_free(eff);
    sk_X509_free(untrusted);
    return rc;
}

/* Certificates the configuration knows (for key references by issuer-serial,
 * SKI or thumbprint): the known certificates. Borrowed. */
STACK_OF(X509) *wssec__trust_known(const wssec_trust *t)
{
    return t ? t->known : NULL;
}

/* The trust anchors (for key references, after the known certificates). Borrowed. */
STACK_OF(X509) *wssec__trust_anchors(const wssec_trust *t)
{
    return t ? t->anchors : NULL;
}

/* 1 when cert chains to an anchor through configured certificates only
 * (none carried in the message), at the message's clock; 0 when not. */
int wssec__trust_configured_chain(wssec_msg *msg, X509 *cert)
{
    wssec_trust *t = msg->trust;
    if (!wssec__trust_has_anchors(t)) return 0;
    X509_STORE_CTX *sctx = X509_STORE_CTX_new();
    if (!sctx) return WSSEC_ENOMEM;
    int ok = X509_STORE_CTX_init(sctx, t->store, cert, t->known);
    if (ok) {
        X509_VERIFY_PARAM *param = X509_STORE_CTX_get0_param(sctx);
        X509_VERIFY_PARAM_set_time(param, (time_t)(msg->now / 1000));
        X509_VERIFY_PARAM_set_depth(param, (int)t->max_chain);
        ok = X509_verify_cert(sctx) == 1;
    }
    X509_STORE_CTX_free(sctx);
    ERR_clear_error();
    return ok ? 1 : 0;
}

wssec_trust *wssec__ctx_trust(const wssec_ctx *ctx)
{
    wssec_ctx *c = (wssec_ctx *)ctx; /* the lock is the one mutable part */
    pthread_mutex_lock(&c->trust_lock);
    wssec_trust *t = wssec__trust_retain(c->trust);
    pthread_mutex_unlock(&c->trust_lock);
    return t;
}

int wssec__trust_unconstrained(const wssec_msg *msg)
{
    return wssec__trust_has_anchors(msg->trust) && !wssec__trust_has_subject_rules(msg->trust);
}

int wssec__trust_note_cache_hit(wssec_msg *msg, wssec_token *tok)
{
    if (msg->cert_cache_hit && wssec_token_set(tok, "cert-cache", "hit")) return WSSEC_ENOMEM;
    msg->cert_cache_hit = false;
    return 0;
}
