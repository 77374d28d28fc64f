/*
 * wssec — replay caches: the reference-counted wrapper, key derivation, and
 * the in-memory back end.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "wssec/wssec.h"
#include "wssec/sys/sdk.h"
#include "hashtab.h"
#include "util.h"

struct wssec_replay_cache {
    const wssec_replay_ops *ops;
    void *state;
    int refs; /* atomic */
};

int wssec_replay_ops_init(wssec_replay_ops *ops, unsigned version)
{
    static const wssec_replay_ops tmpl = WSSEC_REPLAY_OPS_INIT;
    return wssec__struct_init(ops, &tmpl, sizeof(tmpl), version, WSSEC_REPLAY_OPS_VERSION);
}

int wssec_redis_options_init(wssec_redis_options *opts, unsigned version)
{
    static const wssec_redis_options tmpl = WSSEC_REDIS_OPTIONS_INIT;
    return wssec__struct_init(opts, &tmpl, sizeof(tmpl), version, WSSEC_REDIS_OPTIONS_VERSION);
}

int wssec_replay_cache_new(wssec_replay_cache **out, const wssec_replay_ops *ops, void *state)
{
    WSSEC_ARG(out);
    *out = NULL;
    WSSEC_ARG(ops);
    *out = NULL;
    if (ops->version < 1 || ops->version > WSSEC_REPLAY_OPS_VERSION || !ops->insert || !ops->name)
        return WSSEC_EINVALID;
    wssec_replay_cache *c = wssec__calloc(1, sizeof(*c));
    if (!c) return WSSEC_ENOMEM;
    c->ops = ops;
    c->state = state;
    c->refs = 1;
    *out = c;
    return 0;
}

wssec_replay_cache *wssec_replay_cache_retain(wssec_replay_cache *cache)
{
    WSSEC_ARG_OR(cache, NULL);
    if (cache) __atomic_add_fetch(&cache->refs, 1, __ATOMIC_RELAXED);
    return cache;
}

void wssec_replay_cache_release(wssec_replay_cache *cache)
{
    if (!cache || __atomic_sub_fetch(&cache->refs, 1, __ATOMIC_ACQ_REL) != 0) return;
    if (cache->ops->destroy) cache->ops->destroy(cache->state);
    wssec__free(cache);
}

int wssec_replay_cache_insert(wssec_replay_cache *cache, const unsigned char key[WSSEC_REPLAY_KEY_LEN],
                              wssec_time expires, wssec_time now, char *errbuf, size_t errlen)
{
    WSSEC_ARG(cache && key);
    char dummy[1];
    if (!errbuf || !errlen) {
        errbuf = dummy;
        errlen = sizeof(dummy);
    }
    errbuf[0] = '\0';
    return cache->ops->insert(cache->state, key, expires, now, errbuf, errlen);
}

const char *wssec_replay_cache_name(const wssec_replay_cache *cache)
{
    WSSEC_ARG_OR(cache, NULL);
    return cache->ops->name;
}

static int put_field(EVP_MD_CTX *md, const void *p, size_t n)
{
    unsigned char len[8];
    for (int i = 0; i < 8; i++) len[i] = (unsigned char)((uint64_t)n >> (56 - 8 * i));
    return EVP_DigestUpdate(md, len, sizeof(len)) && EVP_DigestUpdate(md, p, n);
}

int wssec_replay_key(unsigned char key[WSSEC_REPLAY_KEY_LEN], const char *domain,
                     const char *identity, const unsigned char *data, size_t len)
{
    WSSEC_ARG(key && domain && identity && (data || !len));
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    unsigned int outlen = 0;
    int ok = md && EVP_DigestInit_ex(md, EVP_sha256(), NULL) &&
             put_field(md, domain, strlen(domain)) && put_field(md, identity, strlen(identity)) &&
             put_field(md, data, len) && EVP_DigestFinal_ex(md, key, &outlen) &&
             outlen == WSSEC_REPLAY_KEY_LEN;
    EVP_MD_CTX_free(md);
    return ok ? 0 : WSSEC_EINTERNAL;
}

/* ---- in-memory back end: a table (hashtab.h) under one mutex ---- */

typedef struct memcache {
    pthread_mutex_t lock;
    wssec_hashtab *tab; /* key -> expiry (wssec_time); at most max entries, live or expired */
} memcache;

static bool has_expired(void *val, void *now)
{
    return *(wssec_time *)val <= *(const wssec_time *)now;
}

/* A key seen before is a replay while its entry lives; an expired entry is
 * reused in place. A new key needs room: when the table is full, expired
 * entries are dropped; if every entry still lives, the key is refused
 * (never an eviction, which would let a replay through). */
static int mem_insert(void *state, const unsigned char key[WSSEC_REPLAY_KEY_LEN],
                      wssec_time expires, wssec_time now, char *errbuf, size_t errlen)
{
    memcache *m = state;
    int rc = 0;
    pthread_mutex_lock(&m->lock);
    wssec_time *seen = wssec__hashtab_get(m->tab, key);
    if (seen) {
        if (*seen > now) rc = WSSEC_EREPLAY;
        else *seen = expires;
        goto out;
    }
    if (wssec__hashtab_count(m->tab) + 1 > wssec__hashtab_max(m->tab)) {
        wssec__hashtab_drop_if(m->tab, has_expired, &now);
        if (wssec__hashtab_count(m->tab) + 1 > wssec__hashtab_max(m->tab)) {
            snprintf(errbuf, errlen, "%zu live entries", wssec__hashtab_count(m->tab));
            rc = WSSEC_ELIMIT;
            goto out;
        }
    }
    void *val = NULL;
    if (wssec__hashtab_put(m->tab, key, &val, NULL)) {
        snprintf(errbuf, errlen, "no free slot");
        rc = WSSEC_ELIMIT;
        goto out;
    }
    memcpy(val, &expires, sizeof(expires));
out:
    pthread_mutex_unlock(&m->lock);
    return rc;
}

static void mem_destroy(void *state)
{
    memcache *m = state;
    if (!m) return;
    pthread_mutex_destroy(&m->lock);
    wssec__hashtab_free(m->tab);
    wssec__free(m);
}

static const wssec_replay_ops memory_ops = {
    WSSEC_REPLAY_OPS_VERSION, "memory", mem_insert, mem_destroy,
};

int wssec_replay_cache_memory_new(wssec_replay_cache **out, size_t max_entries)
{
    WSSEC_ARG(out);
    *out = NULL;
    *out = NULL;
    if (max_entries == 0) return WSSEC_EINVALID;
    memcache *m = wssec__calloc(1, sizeof(*m));
    if (!m) return WSSEC_ENOMEM;
    /* EINVALID for a size whose slots would not fit in memory */
    int trc = wssec__hashtab_new(&m->tab, max_entries, WSSEC_REPLAY_KEY_LEN, sizeof(wssec_time));
    if (trc || pthread_mutex_init(&m->lock, NULL) != 0) {
        wssec__hashtab_free(m->tab);
        wssec__free(m);
        return trc ? trc : WSSEC_ENOMEM;
    }
    int rc = wssec_replay_cache_new(out, &memory_ops, m);
    if (rc) mem_destroy(m);
    return rc;
}
