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
 * endpoint, never the password. Built only with WSSEC_REPLAY_REDIS; the URL
 * parser and the choice of a cache by name are replay_url.c.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include <hiredis/hiredis.h>

#include "wssec/wssec.h"
#include "wssec/sys/sdk.h"
#include "replay_url.h"
#include "util.h"

#define KEY_PREFIX "wssec:rp:"
#define MAX_TIMEOUT_MS WSSEC__REDIS_MAX_TIMEOUT_MS
#define MAX_POOL WSSEC__REDIS_MAX_POOL

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
    int status = 0, broken = 0, timed_out = 0;
    redisContext *c = NULL;
    sigpipe_guard guard;

    memcpy(k, KEY_PREFIX, sizeof(KEY_PREFIX) - 1);
    hex(k + sizeof(KEY_PREFIX) - 1, key, WSSEC_REPLAY_KEY_LEN);
    /* A token of our own as the value: a retry can tell our lost first
     * attempt from another gateway's entry. */
    if (wssec__random_id(token, sizeof(token), NULL, 16)) {
        snprintf(errbuf, errlen, "no random bytes for the entry token");
        return WSSEC_EINTERNAL;
    }
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

/* The options' version, time-outs and pool size, within their bounds.
 * Returns 0 or WSSEC_EINVALID (errbuf says why). */
static int check_options(const wssec_redis_options *opts, char *errbuf, size_t errlen)
{
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
    return 0;
}

/* The password given apart from the URL (never both), and a user name only
 * with a password. Returns 0, WSSEC_ECONFIG or WSSEC_EINVALID (errbuf says
 * why). */
static int take_password(wssec_redis_url *url, const wssec_redis_options *opts, char *errbuf,
                         size_t errlen)
{
    if (opts->password) {
        size_t n = strlen(opts->password);
        if (url->has_password) {
            snprintf(errbuf, errlen, "the Redis password is given twice: in the URL and apart");
            return WSSEC_ECONFIG;
        }
        if (n == 0 || n >= sizeof(url->password)) {
            snprintf(errbuf, errlen, "the Redis password must have 1 to %zu bytes",
                     sizeof(url->password) - 1);
            return WSSEC_EINVALID;
        }
        memcpy(url->password, opts->password, n + 1);
        url->has_password = 1;
    }
    if (url->user[0] && !url->has_password) {
        snprintf(errbuf, errlen, "a Redis user name needs a password");
        return WSSEC_ECONFIG;
    }
    return 0;
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
    if ((status = check_options(opts, errbuf, errlen))) return status;
    if (!(rc = wssec__calloc(1, sizeof(*rc)))) return WSSEC_ENOMEM;
    if ((status = wssec__redis_url_parse(&rc->url, url, errbuf, errlen))) goto done;
    if ((status = take_password(&rc->url, opts, errbuf, errlen))) goto done;
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

