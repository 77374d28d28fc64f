/*
 * wssec — replay caches: the one primitive replay detection needs, an atomic
 * insert-if-absent with an expiry, behind an interface so that a cluster can
 * share one cache.
 */
#ifndef WSSEC_REPLAY_H
#define WSSEC_REPLAY_H

#include "common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct wssec_replay_cache wssec_replay_cache;

/** Length of a replay-cache key: a SHA-256 digest. */
#define WSSEC_REPLAY_KEY_LEN 32

/** A replay cache back end. Every function must be thread-safe. */
typedef struct wssec_replay_ops {
    unsigned version; /**< WSSEC_REPLAY_OPS_VERSION */
    const char *name; /**< "memory", "redis", ... */
    /**
     * Inserts @p key unless a live entry (expiry after @p now) holds it,
     * atomically: two concurrent inserts of one key never both succeed.
     *
     * @param errbuf where to put a one-line reason on failure
     * @return 0 inserted; WSSEC_EREPLAY present; WSSEC_ELIMIT full;
     *         WSSEC_EBACKEND unreachable or failing.
     */
    int (*insert)(void *state, const unsigned char key[WSSEC_REPLAY_KEY_LEN], wssec_time expires,
                  wssec_time now, char *errbuf, size_t errlen);
    /** Frees the back end's state. */
    void (*destroy)(void *state);
} wssec_replay_ops;

#define WSSEC_REPLAY_OPS_VERSION 1

/**
 * Wraps a back end into a reference-counted cache (count 1).
 * @param[out] out the cache; release it with wssec_replay_cache_release()
 * @param ops   the back end's functions (must outlive the cache)
 * @param state the back end's state, destroyed with ops->destroy at the end
 * @return 0, WSSEC_EINVALID, WSSEC_ENOMEM.
 */
WSSEC_API int wssec_replay_cache_new(wssec_replay_cache **out, const wssec_replay_ops *ops,
                                     void *state) WSSEC_NONNULL(1, 2) WSSEC_WARN_UNUSED;

/**
 * An in-memory cache for one process: thread-safe, at most @p max_entries
 * live entries. When full it purges expired entries and, if still full,
 * refuses the insert (WSSEC_ELIMIT) rather than evicting a live entry, which
 * would re-open a replay window.
 *
 * @param[out] out the cache (count 1)
 * @return 0, WSSEC_EINVALID (max_entries 0), WSSEC_ENOMEM.
 */
WSSEC_API int wssec_replay_cache_memory_new(wssec_replay_cache **out, size_t max_entries)
    WSSEC_NONNULL(1) WSSEC_WARN_UNUSED;

/** Takes a reference. Thread-safe. @return @p cache. */
WSSEC_API wssec_replay_cache *wssec_replay_cache_retain(wssec_replay_cache *cache);

/** Drops a reference; the last one frees the cache. NULL is a no-op. Thread-safe. */
WSSEC_API void wssec_replay_cache_release(wssec_replay_cache *cache);

/**
 * Inserts a key directly (what wssec_msg_replay_check() does after deriving
 * the key). Thread-safe. Same returns as wssec_replay_ops.insert.
 */
WSSEC_API int wssec_replay_cache_insert(wssec_replay_cache *cache,
                                        const unsigned char key[WSSEC_REPLAY_KEY_LEN],
                                        wssec_time expires, wssec_time now, char *errbuf,
                                        size_t errlen) WSSEC_NONNULL(1, 2) WSSEC_WARN_UNUSED;

/** The back end's name. Borrowed. */
WSSEC_API const char *wssec_replay_cache_name(const wssec_replay_cache *cache) WSSEC_NONNULL(1);

/**
 * Derives the cache key: SHA-256 over the length-prefixed domain tag,
 * identity and data, so no two distinct triples share an encoding.
 * @return 0 or WSSEC_EINTERNAL.
 */
WSSEC_API int wssec_replay_key(unsigned char key[WSSEC_REPLAY_KEY_LEN], const char *domain,
                               const char *identity, const unsigned char *data, size_t len)
    WSSEC_NONNULL(1, 2, 3, 4);

#ifdef __cplusplus
}
#endif

#endif /* WSSEC_REPLAY_H */
