/*
 * wssec — the OCSP response cache: verified answers of one trust snapshot,
 * in the one hash table (hashtab.h) under a mutex, shared by the threads
 * verifying against the snapshot.
 */
#include <pthread.h>
#include <string.h>

#include <openssl/evp.h>

#include "wssec/error.h"
#include "ocsp_cache.h"
#include "hashtab.h"
#include "util.h"

struct wssec_ocsp_cache {
    pthread_mutex_t lock;
    wssec_hashtab *tab; /* key -> wssec_ocsp_answer */
};

int wssec__ocsp_cache_new(wssec_ocsp_cache **out, size_t size)
{
    *out = NULL;
    if (size == 0) return 0;
    wssec_ocsp_cache *c = wssec__calloc(1, sizeof(*c));
    int rc = c ? wssec__hashtab_new(&c->tab, size, 32, sizeof(wssec_ocsp_answer)) : WSSEC_ENOMEM;
    if (rc) {
        wssec__free(c);
        return WSSEC_ENOMEM; /* a size too large for memory, too */
    }
    pthread_mutex_init(&c->lock, NULL);
    *out = c;
    return 0;
}

void wssec__ocsp_cache_free(wssec_ocsp_cache *c)
{
    if (!c) return;
    pthread_mutex_destroy(&c->lock);
    wssec__hashtab_free(c->tab);
    wssec__free(c);
}

int wssec__ocsp_cache_key(X509 *cert, X509 *issuer, unsigned char key[32])
{
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    unsigned char d[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    int ok = md && EVP_DigestInit_ex(md, EVP_sha256(), NULL);
    ok = ok && X509_digest(cert, EVP_sha256(), d, &n) && EVP_DigestUpdate(md, d, n);
    ok = ok && X509_digest(issuer, EVP_sha256(), d, &n) && EVP_DigestUpdate(md, d, n);
    ok = ok && EVP_DigestFinal_ex(md, key, &n);
    EVP_MD_CTX_free(md);
    return ok ? 0 : WSSEC_EINTERNAL;
}

/* The rule of a fresh response, applied to a remembered one. */
static bool valid_at(const wssec_ocsp_answer *a, wssec_time now, wssec_time skew)
{
    return a->this_update - skew <= now && now <= a->valid_to + skew;
}

bool wssec__ocsp_cache_get(wssec_ocsp_cache *c, const unsigned char key[32], wssec_time now,
                           wssec_time skew, wssec_ocsp_answer *out)
{
    if (!c) return false;
    pthread_mutex_lock(&c->lock);
    const wssec_ocsp_answer *a = wssec__hashtab_get(c->tab, key);
    bool hit = a && valid_at(a, now, skew);
    if (hit) *out = *a;
    pthread_mutex_unlock(&c->lock);
    return hit;
}

typedef struct expiry {
    wssec_time now, skew;
} expiry;

static bool expired(void *val, void *arg)
{
    const expiry *e = arg;
    return !valid_at(val, e->now, e->skew);
}

void wssec__ocsp_cache_put(wssec_ocsp_cache *c, const unsigned char key[32],
                           const wssec_ocsp_answer *a, wssec_time now, wssec_time skew)
{
    if (!c) return;
    pthread_mutex_lock(&c->lock);
    if (wssec__hashtab_count(c->tab) + 1 > wssec__hashtab_max(c->tab)) {
        expiry e = { now, skew };
        if (wssec__hashtab_drop_if(c->tab, expired, &e) == 0) wssec__hashtab_clear(c->tab, NULL);
    }
    void *val = NULL;
    if (wssec__hashtab_put(c->tab, key, &val, NULL) == 0) memcpy(val, a, sizeof(*a));
    pthread_mutex_unlock(&c->lock);
}
