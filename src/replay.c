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

/* ---- in-memory back end: an open-addressing table under one mutex ---- */

typedef struct slot {
    unsigned char key[WSSEC_REPLAY_KEY_LEN];
    wssec_time expires;
    unsigned char used; /* 0 empty, 1 holds an entry (live or expired) */
} slot;

typedef struct memcache {
    pthread_mutex_t lock;
    slot *slots;
    size_t cap;   /* power of two, at least 2 * max */
    size_t max;   /* most live entries */
    size_t used;  /* slots holding an entry (live or expired) */
} memcache;

static size_t slot_index(const unsigned char *key, size_t cap)
{
    size_t h;
    memcpy(&h, key, sizeof(h)); /* the key is a SHA-256 digest: uniform already */
    return h & (cap - 1);
}

/* Drops expired entries by rebuilding the table (entries are never deleted
 * one by one, so probing needs no tombstones). */
static void sweep(memcache *m, wssec_time now)
{
    slot *old = m->slots;
    slot *fresh = wssec__calloc(m->cap, sizeof(*fresh));
    if (!fresh) return;
    size_t used = 0;
    for (size_t i = 0; i < m->cap; i++) {
        if (old[i].used != 1 || old[i].expires <= now) continue;
        size_t j = slot_index(old[i].key, m->cap);
        while (fresh[j].used) j = (j + 1) & (m->cap - 1);
        fresh[j] = old[i];
        used++;
    }
    wssec__free(old);
    m->slots = fresh;
    m->used = used;
}

static int mem_insert(void *state, const unsigned char key[WSSEC_REPLAY_KEY_LEN],
                      wssec_time expires, wssec_time now, char *errbuf, size_t errlen)
{
    memcache *m = state;
    int rc = 0;
    pthread_mutex_lock(&m->lock);
    size_t i = slot_index(key, m->cap), free_at = SIZE_MAX;
    for (size_t probes = 0; probes < m->cap; probes++, i = (i + 1) & (m->cap - 1)) {
        slot *s = &m->slots[i];
        if (s->used == 0) {
            free_at = i;
            break;
        }
        if (memcmp(s->key, key, WSSEC_REPLAY_KEY_LEN) == 0) {
            if (s->expires > now) {
                rc = WSSEC_EREPLAY;
            } else { /* expired: reuse in place */
                s->expires = expires;
            }
            goto out;
        }
    }
    if (m->used + 1 > m->max) {
        sweep(m, now);
        if (m->used + 1 > m->max) {
            snprintf(errbuf, errlen, "%zu live entries", m->used);
            rc = WSSEC_ELIMIT;
            goto out;
        }
        /* the table changed: find the free slot again */
        i = slot_index(key, m->cap);
        while (m->slots[i].used) i = (i + 1) & (m->cap - 1);
        free_at = i;
    }
    if (free_at == SIZE_MAX) {
        snprintf(errbuf, errlen, "no free slot");
        rc = WSSEC_ELIMIT;
        goto out;
    }
    memcpy(m->slots[free_at].key, key, WSSEC_REPLAY_KEY_LEN);
    m->slots[free_at].expires = expires;
    m->slots[free_at].used = 1;
    m->used++;
out:
    pthread_mutex_unlock(&m->lock);
    return rc;
}

static void mem_destroy(void *state)
{
    memcache *m = state;
    if (!m) return;
    pthread_mutex_destroy(&m->lock);
    wssec__free(m->slots);
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
    if (max_entries == 0 || max_entries > SIZE_MAX / 4 / sizeof(slot)) return WSSEC_EINVALID;
    memcache *m = wssec__calloc(1, sizeof(*m));
    if (!m) return WSSEC_ENOMEM;
    size_t cap = 16;
    while (cap < max_entries * 2) cap *= 2;
    m->cap = cap;
    m->max = max_entries;
    m->slots = wssec__calloc(cap, sizeof(*m->slots));
    if (!m->slots || pthread_mutex_init(&m->lock, NULL) != 0) {
        wssec__free(m->slots);
        wssec__free(m);
        return WSSEC_ENOMEM;
    }
    int rc = wssec_replay_cache_new(out, &memory_ops, m);
    if (rc) mem_destroy(m);
    return rc;
}
