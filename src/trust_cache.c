/*
 * wssec — the certificate cache: validated (leaf, chain) pairs of one trust
 * snapshot, in the one hash table (hashtab.h) under a mutex, shared by the
 * threads verifying against the snapshot.
 */
#include <pthread.h>
#include <stdint.h>
#include <string.h>

#include <openssl/evp.h>

#include "wssec/error.h"
#include "trust_cache.h"
#include "hashtab.h"
#include "util.h"
#include "x509.h"

/* What the cache knows of a validated check. */
typedef struct outcome {
    wssec_time not_before, not_after; /* the window in which the outcome holds */
    wssec_time expires;               /* inserted + cert-cache-max-age */
} outcome;

struct wssec_trust_cache {
    pthread_mutex_t lock;
    wssec_hashtab *tab; /* key -> outcome */
    wssec_time max_age;
};

int wssec__trust_cache_new(wssec_trust_cache **out, size_t size, wssec_time max_age)
{
    *out = NULL;
    if (size == 0) return 0;
    wssec_trust_cache *c = wssec__calloc(1, sizeof(*c));
    /* at most size chains: cert-cache-size as documented */
    int rc = c ? wssec__hashtab_new(&c->tab, size, 32, sizeof(outcome)) : WSSEC_ENOMEM;
    if (rc) {
        wssec__free(c);
        return WSSEC_ENOMEM; /* a size too large for memory, too */
    }
    pthread_mutex_init(&c->lock, NULL);
    c->max_age = max_age;
    *out = c;
    return 0;
}

void wssec__trust_cache_free(wssec_trust_cache *c)
{
    if (!c) return;
    pthread_mutex_destroy(&c->lock);
    wssec__hashtab_free(c->tab);
    wssec__free(c);
}

int wssec__trust_cache_key(X509 *leaf, STACK_OF(X509) *presented, unsigned char key[32])
{
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    unsigned char d[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    int ok = md && EVP_DigestInit_ex(md, EVP_sha256(), NULL);
    /* each certificate's SHA-256 is remembered with it: a pooled one is
     * hashed once */
    ok = ok && wssec__cert_sha256(leaf, d) == 0 && EVP_DigestUpdate(md, d, 32);
    for (int i = 0; ok && i < sk_X509_num(presented); i++)
        ok = wssec__cert_sha256(sk_X509_value(presented, i), d) == 0 &&
             EVP_DigestUpdate(md, d, 32);
    ok = ok && EVP_DigestFinal_ex(md, key, &n);
    EVP_MD_CTX_free(md);
    return ok ? 0 : WSSEC_EINTERNAL;
}

bool wssec__trust_cache_lookup(wssec_trust_cache *c, const unsigned char key[32], wssec_time now)
{
    pthread_mutex_lock(&c->lock);
    const outcome *o = wssec__hashtab_get(c->tab, key);
    bool hit = o && now >= o->not_before && now <= o->not_after && now < o->expires;
    pthread_mutex_unlock(&c->lock);
    return hit;
}

void wssec__trust_cache_window(STACK_OF(X509) *chain, STACK_OF(X509_CRL) *crls, wssec_time *nb,
                               wssec_time *na)
{
    wssec_time tv;
    *nb = 0;
    *na = INT64_MAX;
    for (int i = 0; i < sk_X509_num(chain); i++) {
        X509 *x = sk_X509_value(chain, i);
        if (wssec__asn1_time(X509_get0_notBefore(x), &tv) == 0 && tv > *nb) *nb = tv;
        if (wssec__asn1_time(X509_get0_notAfter(x), &tv) == 0 && tv < *na) *na = tv;
    }
    for (int i = 0; i < sk_X509_CRL_num(crls); i++) {
        X509_CRL *crl = sk_X509_CRL_value(crls, i);
        if (wssec__asn1_time(X509_CRL_get0_nextUpdate(crl), &tv) == 0 && tv < *na) *na = tv;
        if (wssec__asn1_time(X509_CRL_get0_lastUpdate(crl), &tv) == 0 && tv > *nb) *nb = tv;
    }
}

void wssec__trust_cache_store(wssec_trust_cache *c, const unsigned char key[32], wssec_time nb,
                              wssec_time na, wssec_time now)
{
    pthread_mutex_lock(&c->lock);
    /* full: start afresh (outcomes are recomputable) */
    if (wssec__hashtab_count(c->tab) + 1 > wssec__hashtab_max(c->tab))
        wssec__hashtab_clear(c->tab, NULL);
    void *val = NULL;
    if (wssec__hashtab_put(c->tab, key, &val, NULL) == 0) {
        outcome *o = val;
        o->not_before = nb;
        o->not_after = na;
        o->expires = now + c->max_age;
    }
    pthread_mutex_unlock(&c->lock);
}
