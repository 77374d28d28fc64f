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

/* Version 1 is the only one so far. */
#define WSSEC_REPLAY_OPS_VERSION 1
#define WSSEC_REPLAY_OPS_INIT { WSSEC_REPLAY_OPS_VERSION, NULL, NULL, NULL }

/**
 * Initialises @p ops as WSSEC_REPLAY_OPS_INIT does, writing only the members
 * that @p version has.
 *
 * @param[out] ops the back end's functions
 * @param version  WSSEC_REPLAY_OPS_VERSION as the caller saw it
 * @return 0; WSSEC_EINVALID for a NULL @p ops, version 0, or a version newer
 *         than this library's. Thread-safe.
 */
WSSEC_API int wssec_replay_ops_init(wssec_replay_ops *ops, unsigned version) WSSEC_WARN_UNUSED;

/**
 * Wraps a back end into a reference-counted cache (count 1).
 * @param[out] out the cache; release it with wssec_replay_cache_release()
 * @param ops   the back end's functions (must outlive the cache)
 * @param state the back end's state, destroyed with ops->destroy at the end
 * @return 0; WSSEC_EINVALID for ops of a version this library does not know
 *         (0, or newer than its WSSEC_REPLAY_OPS_VERSION; every older one is
 *         accepted) or without a name or an insert function; WSSEC_ENOMEM.
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

/** Options of a Redis replay cache; start from WSSEC_REDIS_OPTIONS_INIT. */
typedef struct wssec_redis_options {
    unsigned version;            /**< WSSEC_REDIS_OPTIONS_VERSION */
    unsigned connect_timeout_ms; /**< opening a connection, 1..3600000 (default 1000) */
    unsigned command_timeout_ms; /**< each command (AUTH, SELECT, SET), 1..3600000 (default 1000) */
    unsigned pool_size;          /**< most idle connections kept, 1..1024 (default 8) */
    /** The AUTH password, NUL-terminated, or NULL: none, or the URL's. It is
     *  copied (and wiped when the cache is freed); giving one here and in the
     *  URL is an error. */
    const char *password;
} wssec_redis_options;

/* Version 1 is the only one so far. */
#define WSSEC_REDIS_OPTIONS_VERSION 1
#define WSSEC_REDIS_OPTIONS_INIT { WSSEC_REDIS_OPTIONS_VERSION, 1000, 1000, 8, NULL }

/**
 * Initialises @p opts to the defaults, as WSSEC_REDIS_OPTIONS_INIT does,
 * writing only the members that @p version has.
 *
 * @param[out] opts the options
 * @param version   WSSEC_REDIS_OPTIONS_VERSION as the caller saw it
 * @return 0; WSSEC_EINVALID for a NULL @p opts, version 0, or a version
 *         newer than this library's. Thread-safe.
 */
WSSEC_API int wssec_redis_options_init(wssec_redis_options *opts, unsigned version)
    WSSEC_WARN_UNUSED;

/**
 * A cache in Redis, shared by every gateway that names the same server and
 * database: each insert is one `SET wssec:rp:<hex key> <token> NX PX <ttl>`
 * with ttl = expires - now (at least 1 ms), so of two gateways inserting one
 * key at the same time exactly one succeeds.
 *
 * Connections are opened on first use (the constructor does not connect),
 * kept in a pool of at most opts->pool_size idle connections (a caller that
 * finds none idle opens one), and dropped when they fail; the next insert
 * connects afresh, so service resumes by itself when Redis is back. A
 * connection that was idle and turns out broken is retried once on a fresh
 * one (a time-out is not retried). Every failure fails closed: the insert
 * returns WSSEC_EBACKEND with a reason naming the endpoint (host:port or the
 * socket path), never the password.
 *
 * The cache's name (wssec_replay_cache_name()) is the URL without
 * credentials, e.g. "redis://127.0.0.1:6379/0" or "unix:///run/redis.sock?db=0".
 *
 * @param[out] out the cache (count 1); release it with wssec_replay_cache_release()
 * @param url  `redis://[[user]:password@]host[:port][/db]` (port 6379 and db 0
 *             by default; user and password %-encoded; an IPv6 host in
 *             brackets) or `unix:///path/to/socket[?db=N]`. `rediss://`
 *             (TLS) needs a hiredis built with TLS, which this build's is
 *             not: it is refused with WSSEC_ECONFIG.
 * @param opts options, or NULL for the defaults
 * @param errbuf where a one-line reason goes on failure (may be NULL)
 * @param errlen its size
 * @return 0; WSSEC_ECONFIG for a URL that is not valid or not supported, or
 *         a password given twice, and for every valid URL in a build without
 *         Redis support (CMake option WSSEC_REPLAY_REDIS=OFF: the reason
 *         says so); WSSEC_EINVALID for options out of range or
 *         of a version this library does not know (0, or newer than its
 *         WSSEC_REDIS_OPTIONS_VERSION; every older one is accepted), with the
 *         reason in @p errbuf; WSSEC_ENOMEM.
 *
 * Thread safety: the cache may be used from any number of threads. Each
 * insert blocks SIGPIPE in the calling thread for its duration (a write to
 * a closed connection raises it), and consumes a SIGPIPE it caused. After
 * fork(), the child's first insert closes its copies of the inherited idle
 * connections (the parent's stay open) and connects afresh.
 */
WSSEC_API int wssec_replay_cache_redis_new(wssec_replay_cache **out, const char *url,
                                           const wssec_redis_options *opts, char *errbuf,
                                           size_t errlen) WSSEC_NONNULL(1, 2) WSSEC_WARN_UNUSED;

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
    WSSEC_NONNULL(1, 2, 3, 4) WSSEC_WARN_UNUSED;

#ifdef __cplusplus
}
#endif

#endif /* WSSEC_REPLAY_H */
