/*
 * wssec — the Redis replay cache: every check is one
 *
 *     SET wssec:rp:<hex key> <random token> NX PX <ttl>
 *
 * so that all the gateways of a cluster share one exact insert-if-absent.
 * Connections come from a small mutex-protected stack; a broken one is
 * dropped (with every idle one: they are suspect too) and the next call
 * connects afresh, so service resumes by itself when Redis is back. Every
 * failure fails closed with WSSEC_EBACKEND and a reason that names the
 * endpoint, never the password.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include <hiredis/hiredis.h>
#include <openssl/rand.h>

#include "internal.h"

#define KEY_PREFIX "wssec:rp:"
#define MAX_TIMEOUT_MS 3600000u
#define MAX_POOL 1024u
#define MAX_DB 999999999u
#define WSSEC__STR2(x) #x
#define WSSEC__STR(x) WSSEC__STR2(x)

/* ---- URLs ---- */

static int starts(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

static int hexval(int c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Percent-decodes [p, p + n) into out (size bytes with the terminator);
 * -1 when too long, badly encoded or holding a NUL. */
static int pct_decode(const char *p, size_t n, char *out, size_t size)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        int c = (unsigned char)p[i];
        if (c == '%') {
            if (n - i < 3) return -1;
            int h = hexval((unsigned char)p[i + 1]), l = hexval((unsigned char)p[i + 2]);
            if (h < 0 || l < 0) return -1;
            c = h * 16 + l;
            i += 2;
        }
        if (c == 0 || o + 1 >= size) return -1;
        out[o++] = (char)c;
    }
    out[o] = '\0';
    return 0;
}

/* Parses 1..max_digits decimal digits of [p, p + n) into a value <= max. */
static int parse_uint(const char *p, size_t n, size_t max_digits, unsigned max, unsigned *out)
{
    if (n == 0 || n > max_digits) return -1;
    unsigned long v = 0;
    for (size_t i = 0; i < n; i++) {
        if (p[i] < '0' || p[i] > '9') return -1;
        v = v * 10 + (unsigned long)(p[i] - '0');
    }
    if (v > max) return -1;
    *out = (unsigned)v;
    return 0;
}

static int bad(char *why, size_t whylen, const char *what)
{
    snprintf(why, whylen, "%s", what);
    return WSSEC_ECONFIG;
}

static int parse_host_port(wssec_redis_url *u, const char *p, size_t n, char *why, size_t whylen)
{
    const char *port = NULL, *end = p + n;
    size_t hlen;
    if (n && p[0] == '[') {
        const char *close = memchr(p, ']', n);
        if (!close) return bad(why, whylen, "IPv6 address without a closing ']'");
        hlen = (size_t)(close - p) - 1;
        for (size_t i = 1; i <= hlen; i++)
            if (hexval((unsigned char)p[i]) < 0 && p[i] != ':' && p[i] != '.')
                return bad(why, whylen, "invalid character in the IPv6 address");
        if (close + 1 < p + n) {
            if (close[1] != ':') return bad(why, whylen, "unexpected text after the IPv6 address");
            port = close + 2;
        }
        p++;
    } else {
        const char *colon = memchr(p, ':', n);
        hlen = colon ? (size_t)(colon - p) : n;
        for (size_t i = 0; i < hlen; i++) {
            char c = p[i];
            if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '.' || c == '-' || c == '_'))
                return bad(why, whylen, "invalid character in the host name");
        }
        if (colon) port = colon + 1;
    }
    if (hlen == 0) return bad(why, whylen, "no host");
    if (hlen >= sizeof(u->host)) return bad(why, whylen, "host name too long");
    memcpy(u->host, p, hlen);
    u->host[hlen] = '\0';
    u->port = 6379;
    if (port) {
        if (parse_uint(port, (size_t)(end - port), 5, 65535, &u->port) || u->port == 0)
            return bad(why, whylen, "port is not a number from 1 to 65535");
    }
    return 0;
}

int wssec__redis_url_parse(wssec_redis_url *u, const char *url, char *why, size_t whylen)
{
    memset(u, 0, sizeof(*u));
    why[0] = '\0';
    if (starts(url, "rediss://")) {
        snprintf(why, whylen,
                 "rediss:// (TLS) is not available: %s (use redis:// on a trusted network, a "
                 "Unix socket, or a TLS tunnel)",
#if HIREDIS_MAJOR < 1
                 "this build's hiredis " WSSEC__STR(HIREDIS_MAJOR) "." WSSEC__STR(HIREDIS_MINOR)
                     "." WSSEC__STR(HIREDIS_PATCH) " has no TLS support"
#else
                 "this build of wssec does not use hiredis_ssl"
#endif
        );
        return WSSEC_ECONFIG;
    }
    if (starts(url, "unix://")) {
        const char *p = url + 7;
        if (*p != '/')
            return bad(why, whylen,
                       "a unix:// URL names an absolute socket path (unix:///path/to/redis.sock)");
        size_t n = strcspn(p, "?#");
        if (n >= sizeof(u->path)) return bad(why, whylen, "socket path too long");
        memcpy(u->path, p, n);
        u->path[n] = '\0';
        p += n;
        if (*p == '?') {
            if (!starts(p, "?db=") || parse_uint(p + 4, strlen(p + 4), 9, MAX_DB, &u->db))
                return bad(why, whylen,
                           "a unix:// URL takes one query parameter, db=N (a database number)");
        } else if (*p) {
            return bad(why, whylen, "unexpected '#' in the URL");
        }
        u->unix_socket = 1;
        snprintf(u->endpoint, sizeof(u->endpoint), "%s", u->path);
        snprintf(u->name, sizeof(u->name), "unix://%s?db=%u", u->path, u->db);
        return 0;
    }
    if (!starts(url, "redis://"))
        return bad(why, whylen,
                   "not a known cache: memory, redis://[[user]:password@]host[:port][/db] or "
                   "unix:///path[?db=N]");
    const char *auth = url + 8;
    size_t alen = strcspn(auth, "/?#");
    const char *at = NULL;
    for (size_t i = 0; i < alen; i++)
        if (auth[i] == '@') at = auth + i;
    int rc = 0;
    if (at) {
        size_t ulen = (size_t)(at - auth);
        const char *colon = memchr(auth, ':', ulen);
        size_t namelen = colon ? (size_t)(colon - auth) : ulen;
        if (pct_decode(auth, namelen, u->user, sizeof(u->user))) {
            rc = bad(why, whylen, "user name too long or badly %-encoded");
            goto fail;
        }
        if (colon) {
            if (pct_decode(colon + 1, ulen - namelen - 1, u->password, sizeof(u->password))) {
                rc = bad(why, whylen, "password too long or badly %-encoded");
                goto fail;
            }
            u->has_password = 1;
        }
        alen -= ulen + 1;
        auth = at + 1;
    }
    if ((rc = parse_host_port(u, auth, alen, why, whylen))) goto fail;
    const char *p = auth + alen;
    if (*p == '/') {
        p++;
        size_t n = strcspn(p, "?#");
        if (n && parse_uint(p, n, 9, MAX_DB, &u->db)) {
            rc = bad(why, whylen, "the path is not a database number");
            goto fail;
        }
        p += n;
    }
    if (*p) {
        rc = bad(why, whylen, "a redis:// URL takes no query parameters or fragment");
        goto fail;
    }
    int v6 = strchr(u->host, ':') != NULL;
    snprintf(u->endpoint, sizeof(u->endpoint), "%s%s%s:%u", v6 ? "[" : "", u->host,
             v6 ? "]" : "", u->port);
    snprintf(u->name, sizeof(u->name), "redis://%s/%u", u->endpoint, u->db);
    return 0;
fail:
    wssec__memzero(u, sizeof(*u));
    return rc;
}

/* ---- SIGPIPE: hiredis write()s, and a write to a closed socket raises
 * SIGPIPE, which would kill the embedding process. A library must not
 * change the process's signal dispositions, so, as libpq does, each call
 * blocks SIGPIPE in the calling thread and consumes one it caused. ---- */

typedef struct sigpipe_guard {
    sigset_t old;
    int active, was_pending;
} sigpipe_guard;

static void sigpipe_block(sigpipe_guard *g)
{
    sigset_t pipe_set, pending;
    sigemptyset(&pipe_set);
    sigaddset(&pipe_set, SIGPIPE);
    g->active = pthread_sigmask(SIG_BLOCK, &pipe_set, &g->old) == 0;
    g->was_pending = sigpending(&pending) == 0 && sigismember(&pending, SIGPIPE) == 1;
}

static void sigpipe_restore(sigpipe_guard *g)
{
    if (!g->active) return;
    int saved = errno;
    sigset_t pipe_set, pending;
    sigemptyset(&pipe_set);
    sigaddset(&pipe_set, SIGPIPE);
    if (!g->was_pending && sigpending(&pending) == 0 && sigismember(&pending, SIGPIPE) == 1) {
        const struct timespec zero = { 0, 0 };
        while (sigtimedwait(&pipe_set, NULL, &zero) < 0 && errno == EINTR) {
        }
    }
    pthread_sigmask(SIG_SETMASK, &g->old, NULL);
    errno = saved;
}

/* ---- the back end ---- */

typedef struct redis_cache {
    wssec_replay_ops ops; /* per cache: its name is the URL without credentials */
    wssec_redis_url url;  /* holds the password: wiped at the end */
    struct timeval connect_tv, command_tv;
    unsigned command_timeout_ms;
    pthread_mutex_t lock;
    redisContext **idle; /* a stack of idle connections */
    size_t nidle, max_idle;
    pid_t pid; /* the process the idle connections belong to */
} redis_cache;

static struct timeval tv_of(unsigned ms)
{
    struct timeval tv = { (time_t)(ms / 1000), (suseconds_t)(ms % 1000) * 1000 };
    return tv;
}

static int fail(const redis_cache *rc, char *errbuf, size_t errlen, const char *what,
                const char *detail)
{
    snprintf(errbuf, errlen, "%s: %s: %s", rc->url.endpoint, what, detail);
    return WSSEC_EBACKEND;
}

/* The reason of an I/O failure of connection c, a timeout said as such. */
static int fail_io(const redis_cache *rc, const redisContext *c, int err_no, char *errbuf,
                   size_t errlen, const char *what, int *timed_out)
{
    char detail[160];
    *timed_out = c->err == REDIS_ERR_IO && (err_no == EAGAIN || err_no == EWOULDBLOCK);
    if (*timed_out)
        snprintf(detail, sizeof(detail), "no answer within %u ms", rc->command_timeout_ms);
    else if (c->err == REDIS_ERR_EOF)
        snprintf(detail, sizeof(detail), "connection closed by the server");
    else
        snprintf(detail, sizeof(detail), "%s", c->errstr[0] ? c->errstr : "I/O error");
    return fail(rc, errbuf, errlen, what, detail);
}

/* Runs one command. 0 with *reply set (which may be an error reply);
 * WSSEC_EBACKEND with *broken set when the connection is unusable. */
static int command(const redis_cache *rc, redisContext *c, int argc, const char **argv,
                   const size_t *lens, redisReply **reply, int *broken, int *timed_out,
                   char *errbuf, size_t errlen)
{
    errno = 0;
    *reply = redisCommandArgv(c, argc, argv, lens);
    int err_no = errno;
    if (*reply) return 0;
    *broken = 1;
    return fail_io(rc, c, err_no, errbuf, errlen, argv[0], timed_out);
}

/* Runs a command that must answer +OK (AUTH, SELECT). */
static int command_ok(const redis_cache *rc, redisContext *c, int argc, const char **argv,
                      const size_t *lens, int *broken, char *errbuf, size_t errlen)
{
    redisReply *r = NULL;
    int timed_out = 0;
    int status = command(rc, c, argc, argv, lens, &r, broken, &timed_out, errbuf, errlen);
    if (status) return status;
    if (r->type == REDIS_REPLY_ERROR) status = fail(rc, errbuf, errlen, argv[0], r->str);
    else if (r->type != REDIS_REPLY_STATUS || strcmp(r->str, "OK") != 0)
        status = fail(rc, errbuf, errlen, argv[0], "unexpected reply");
    freeReplyObject(r);
    return status;
}

/* A fresh connection: connect (connect time-out), then AUTH and SELECT
 * (command time-out). */
static int connect_one(const redis_cache *rc, redisContext **out, char *errbuf, size_t errlen)
{
    *out = NULL;
    int status = 0, broken = 0;
    const wssec_redis_url *u = &rc->url;
    redisContext *c = u->unix_socket ? redisConnectUnixWithTimeout(u->path, rc->connect_tv)
                                     : redisConnectWithTimeout(u->host, (int)u->port, rc->connect_tv);
    if (!c) {
        status = fail(rc, errbuf, errlen, "connect", "out of memory");
        goto done;
    }
    if (c->err) {
        status = fail(rc, errbuf, errlen, "connect", c->errstr[0] ? c->errstr : "failed");
        goto done;
    }
    if (redisSetTimeout(c, rc->command_tv) != REDIS_OK) {
        status = fail(rc, errbuf, errlen, "connect", "the command time-out cannot be set");
        goto done;
    }
    if (u->has_password) {
        const char *argv[3] = { "AUTH", u->user, u->password };
        size_t lens[3] = { 4, strlen(u->user), strlen(u->password) };
        if (u->user[0]) status = command_ok(rc, c, 3, argv, lens, &broken, errbuf, errlen);
        else {
            argv[1] = u->password;
            lens[1] = lens[2];
            status = command_ok(rc, c, 2, argv, lens, &broken, errbuf, errlen);
        }
        if (status) goto done;
    }
    if (u->db) {
        char db[16];
        snprintf(db, sizeof(db), "%u", u->db);
        const char *argv[2] = { "SELECT", db };
        size_t lens[2] = { 6, strlen(db) };
        if ((status = command_ok(rc, c, 2, argv, lens, &broken, errbuf, errlen))) goto done;
    }
    *out = c;
    c = NULL;
done:
    if (c) redisFree(c);
    return status;
}

/* After a fork the idle connections are shared with the parent: a reply
 * read by the wrong process would be another check's verdict. The child
 * closes its copies (the parent's stay open) and connects afresh. */
static redisContext *pool_get(redis_cache *rc)
{
    redisContext *c = NULL;
    pid_t self = getpid();
    pthread_mutex_lock(&rc->lock);
    if (rc->pid != self) {
        while (rc->nidle) redisFree(rc->idle[--rc->nidle]);
        rc->pid = self;
    }
    if (rc->nidle) c = rc->idle[--rc->nidle];
    pthread_mutex_unlock(&rc->lock);
    return c;
}

static void pool_put(redis_cache *rc, redisContext *c)
{
    pthread_mutex_lock(&rc->lock);
    if (rc->nidle < rc->max_idle) {
        rc->idle[rc->nidle++] = c;
        c = NULL;
    }
    pthread_mutex_unlock(&rc->lock);
    if (c) redisFree(c);
}

/* After a broken connection, the idle ones are suspect too (a restarted
 * server closed them all): drop them, so the next calls connect afresh. */
static void pool_drain(redis_cache *rc)
{
    pthread_mutex_lock(&rc->lock);
    while (rc->nidle) redisFree(rc->idle[--rc->nidle]);
    pthread_mutex_unlock(&rc->lock);
}

static void hex(char *out, const unsigned char *p, size_t n)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[p[i] >> 4];
        out[2 * i + 1] = digits[p[i] & 15];
    }
    out[2 * n] = '\0';
}

/* SET key token NX PX ttl: 0 set, WSSEC_EREPLAY present, WSSEC_EBACKEND. */
static int set_nx(const redis_cache *rc, redisContext *c, const char *key, const char *token,
                  const char *px, int *broken, int *timed_out, char *errbuf, size_t errlen)
{
    const char *argv[6] = { "SET", key, token, "NX", "PX", px };
    size_t lens[6] = { 3, strlen(key), strlen(token), 2, 2, strlen(px) };
    redisReply *r = NULL;
    int status = command(rc, c, 6, argv, lens, &r, broken, timed_out, errbuf, errlen);
    if (status) return status;
    if (r->type == REDIS_REPLY_NIL) status = WSSEC_EREPLAY;
    else if (r->type == REDIS_REPLY_STATUS && strcmp(r->str, "OK") == 0) status = 0;
    else if (r->type == REDIS_REPLY_ERROR) status = fail(rc, errbuf, errlen, "SET", r->str);
    else status = fail(rc, errbuf, errlen, "SET", "unexpected reply");
    freeReplyObject(r);
    return status;
}

/* After a retry found the key present: was it our own first attempt (its
 * reply lost with the connection)? 0 if the key holds our token. */
static int owned(const redis_cache *rc, redisContext *c, const char *key, const char *token,
                 int *broken, char *errbuf, size_t errlen)
{
    const char *argv[2] = { "GET", key };
    size_t lens[2] = { 3, strlen(key) };
    redisReply *r = NULL;
    int timed_out = 0;
    int status = command(rc, c, 2, argv, lens, &r, broken, &timed_out, errbuf, errlen);
    if (status) return status;
    if (r->type == REDIS_REPLY_STRING && r->len == strlen(token) &&
        memcmp(r->str, token, r->len) == 0)
        status = 0;
    else if (r->type == REDIS_REPLY_ERROR) status = fail(rc, errbuf, errlen, "GET", r->str);
    else status = WSSEC_EREPLAY;
    freeReplyObject(r);
    return status;
}

static int redis_insert(void *state, const unsigned char key[WSSEC_REPLAY_KEY_LEN],
                        wssec_time expires, wssec_time now, char *errbuf, size_t errlen)
{
    redis_cache *rc = state;
    char k[sizeof(KEY_PREFIX) + 2 * WSSEC_REPLAY_KEY_LEN], token[33], px[24];
    unsigned char rnd[16];
    int status = 0, broken = 0, timed_out = 0;
    redisContext *c = NULL;
    sigpipe_guard guard;

    memcpy(k, KEY_PREFIX, sizeof(KEY_PREFIX) - 1);
    hex(k + sizeof(KEY_PREFIX) - 1, key, WSSEC_REPLAY_KEY_LEN);
    /* A token of our own as the value: a retry can tell our lost first
     * attempt from another gateway's entry. */
    if (RAND_bytes(rnd, sizeof(rnd)) != 1) {
        snprintf(errbuf, errlen, "no random bytes for the entry token");
        return WSSEC_EINTERNAL;
    }
    hex(token, rnd, sizeof(rnd));
    wssec_time ttl = expires > now ? expires - now : 1;
    snprintf(px, sizeof(px), "%lld", (long long)ttl);

    sigpipe_block(&guard);
    c = pool_get(rc);
    int reused = c != NULL;
    if (!c && (status = connect_one(rc, &c, errbuf, errlen))) goto done;
    status = set_nx(rc, c, k, token, px, &broken, &timed_out, errbuf, errlen);
    if (!broken) goto done;
    redisFree(c);
    c = NULL;
    pool_drain(rc);
    /* An idle connection may have died while idle (a restarted or failed-over
     * server, an idle time-out): try once on a fresh one. A time-out is not
     * retried: the server is there, but slow. */
    if (!reused || timed_out) goto done;
    broken = 0;
    if ((status = connect_one(rc, &c, errbuf, errlen))) goto done;
    status = set_nx(rc, c, k, token, px, &broken, &timed_out, errbuf, errlen);
    if (status == WSSEC_EREPLAY) status = owned(rc, c, k, token, &broken, errbuf, errlen);
    if (broken) {
        redisFree(c);
        c = NULL;
    }
done:
    if (c) pool_put(rc, c);
    sigpipe_restore(&guard);
    if (status == 0 || status == WSSEC_EREPLAY) errbuf[0] = '\0';
    return status;
}

static void redis_destroy(void *state)
{
    redis_cache *rc = state;
    if (!rc) return;
    pool_drain(rc);
    pthread_mutex_destroy(&rc->lock);
    wssec__free(rc->idle);
    wssec__memzero(rc, sizeof(*rc));
    wssec__free(rc);
}

int wssec_replay_cache_redis_new(wssec_replay_cache **out, const char *url,
                                 const wssec_redis_options *opts, char *errbuf, size_t errlen)
{
    WSSEC_ARG(out);
    *out = NULL;
    WSSEC_ARG(url);
    static const wssec_redis_options defaults = WSSEC_REDIS_OPTIONS_INIT;
    char dummy[1];
    redis_cache *rc = NULL;
    int status = 0, have_lock = 0;

    *out = NULL;
    if (!errbuf || !errlen) {
        errbuf = dummy;
        errlen = sizeof(dummy);
    }
    errbuf[0] = '\0';
    if (!opts) opts = &defaults;
    if (opts->version < 1 || opts->version > WSSEC_REDIS_OPTIONS_VERSION) {
        snprintf(errbuf, errlen,
                 "wssec_redis_options version %u: this library (%s) accepts versions 1 to %u",
                 opts->version, WSSEC_VERSION, WSSEC_REDIS_OPTIONS_VERSION);
        return WSSEC_EINVALID;
    }
    if (opts->connect_timeout_ms < 1 || opts->connect_timeout_ms > MAX_TIMEOUT_MS ||
        opts->command_timeout_ms < 1 || opts->command_timeout_ms > MAX_TIMEOUT_MS) {
        snprintf(errbuf, errlen, "time-outs must be from 1 to %u ms", MAX_TIMEOUT_MS);
        return WSSEC_EINVALID;
    }
    if (opts->pool_size < 1 || opts->pool_size > MAX_POOL) {
        snprintf(errbuf, errlen, "pool size must be from 1 to %u", MAX_POOL);
        return WSSEC_EINVALID;
    }
    if (!(rc = wssec__calloc(1, sizeof(*rc)))) return WSSEC_ENOMEM;
    if ((status = wssec__redis_url_parse(&rc->url, url, errbuf, errlen))) goto done;
    if (opts->password) {
        size_t n = strlen(opts->password);
        if (rc->url.has_password) {
            snprintf(errbuf, errlen, "the Redis password is given twice: in the URL and apart");
            status = WSSEC_ECONFIG;
            goto done;
        }
        if (n == 0 || n >= sizeof(rc->url.password)) {
            snprintf(errbuf, errlen, "the Redis password must have 1 to %zu bytes",
                     sizeof(rc->url.password) - 1);
            status = WSSEC_EINVALID;
            goto done;
        }
        memcpy(rc->url.password, opts->password, n + 1);
        rc->url.has_password = 1;
    }
    if (rc->url.user[0] && !rc->url.has_password) {
        snprintf(errbuf, errlen, "a Redis user name needs a password");
        status = WSSEC_ECONFIG;
        goto done;
    }
    rc->connect_tv = tv_of(opts->connect_timeout_ms);
    rc->command_tv = tv_of(opts->command_timeout_ms);
    rc->command_timeout_ms = opts->command_timeout_ms;
    rc->max_idle = opts->pool_size;
    if (!(rc->idle = wssec__calloc(rc->max_idle, sizeof(*rc->idle)))) {
        status = WSSEC_ENOMEM;
        goto done;
    }
    if (pthread_mutex_init(&rc->lock, NULL) != 0) {
        status = WSSEC_ENOMEM;
        goto done;
    }
    have_lock = 1;
    rc->pid = getpid();
    rc->ops = (wssec_replay_ops){ WSSEC_REPLAY_OPS_VERSION, rc->url.name, redis_insert,
                                  redis_destroy };
    if ((status = wssec_replay_cache_new(out, &rc->ops, rc))) goto done;
    rc = NULL; /* the cache owns it */
done:
    if (rc) {
        if (have_lock) pthread_mutex_destroy(&rc->lock);
        wssec__free(rc->idle);
        wssec__memzero(rc, sizeof(*rc));
        wssec__free(rc);
    }
    return status;
}

/* ---- the cache the settings name ---- */

/* The first line of a password file, at most size - 2 bytes. */
static int read_password_file(const char *path, char *buf, size_t size, char *why, size_t whylen)
{
    int status = 0;
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(why, whylen, "cannot be opened: %s", strerror(errno));
        return WSSEC_ECONFIG;
    }
    size_t n = fread(buf, 1, size - 1, f);
    if (ferror(f)) {
        snprintf(why, whylen, "read error");
        status = WSSEC_ECONFIG;
        goto done;
    }
    size_t line = 0;
    while (line < n && buf[line] != '\n' && buf[line] != '\r') {
        if (buf[line] == '\0') {
            snprintf(why, whylen, "holds a NUL byte");
            status = WSSEC_ECONFIG;
            goto done;
        }
        line++;
    }
    if (line > size - 2) {
        snprintf(why, whylen, "first line longer than %zu bytes", size - 2);
        status = WSSEC_ECONFIG;
        goto done;
    }
    wssec__memzero(buf + line, size - line);
    if (line == 0) {
        snprintf(why, whylen, "first line is empty");
        status = WSSEC_ECONFIG;
    }
done:
    fclose(f);
    if (status) wssec__memzero(buf, size);
    return status;
}

static int to_unsigned(wssec_errrec *err, const char *name, size_t v, unsigned max, unsigned *out)
{
    if (v < 1 || v > max)
        return WSSEC_ERR(err, WSSEC_ECONFIG, "%s: %zu is not from 1 to %u", name, v, max);
    *out = (unsigned)v;
    return 0;
}

int wssec__replay_cache_from_settings(wssec_replay_cache **out, const wssec_settings *s,
                                      wssec_errrec *err)
{
    *out = NULL;
    if (!s->replay_cache || strcmp(s->replay_cache, "memory") == 0)
        return wssec_replay_cache_memory_new(out, s->replay_cache_size);
    wssec_redis_options o = WSSEC_REDIS_OPTIONS_INIT;
    char pw[sizeof(((wssec_redis_url *)0)->password) + 1], why[300] = "";
    int status = 0;
    pw[0] = '\0';
    if ((status = to_unsigned(err, "redis-connect-timeout-ms", s->redis_connect_timeout_ms,
                              MAX_TIMEOUT_MS, &o.connect_timeout_ms)) ||
        (status = to_unsigned(err, "redis-command-timeout-ms", s->redis_command_timeout_ms,
                              MAX_TIMEOUT_MS, &o.command_timeout_ms)) ||
        (status = to_unsigned(err, "redis-pool-size", s->redis_pool_size, MAX_POOL,
                              &o.pool_size)))
        goto done;
    if (s->redis_password_file && s->redis_password_env) {
        status = WSSEC_ERR(err, WSSEC_ECONFIG,
                           "give redis-password-file or redis-password-env, not both");
        goto done;
    }
    if (s->redis_password_file) {
        if ((status = read_password_file(s->redis_password_file, pw, sizeof(pw), why,
                                         sizeof(why)))) {
            WSSEC_ERR(err, status, "redis-password-file %s: %s", s->redis_password_file, why);
            goto done;
        }
        o.password = pw;
    } else if (s->redis_password_env) {
        const char *v = getenv(s->redis_password_env);
        if (!v || !*v) {
            status = WSSEC_ERR(err, WSSEC_ECONFIG,
                               "redis-password-env: environment variable %s is %s",
                               s->redis_password_env, v ? "empty" : "not set");
            goto done;
        }
        o.password = v;
    }
    if ((status = wssec_replay_cache_redis_new(out, s->replay_cache, &o, why, sizeof(why)))) {
        if (status != WSSEC_ENOMEM) status = WSSEC_ECONFIG;
        WSSEC_ERR(err, status, "replay-cache: %s", why);
    }
done:
    wssec__memzero(pw, sizeof(pw));
    return status;
}
