/*
 * wssec — replay caches by name: the cache the "replay-cache" setting names
 * (memory, or a Redis URL with the redis-* settings), and the parser of
 * Redis URLs. Needs no hiredis: the back end itself is replay_redis.c,
 * built only with WSSEC_REPLAY_REDIS; without it, a Redis URL is parsed
 * (so a wrong one still says what is wrong) and then refused with
 * WSSEC_ECONFIG, saying that this build has no Redis support.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef WSSEC_REPLAY_REDIS
#include <hiredis/hiredis.h> /* HIREDIS_MAJOR...: whether rediss:// could work */
#endif

#include "wssec/wssec.h"
#include "wssec/sys/sdk.h"
#include "replay_url.h"
#include "error.h"
#include "settings.h"
#include "util.h"

#define MAX_DB 999999999u
#define WSSEC__STR2(x) #x
#define WSSEC__STR(x) WSSEC__STR2(x)
#define NO_REDIS "this build of wssec has no Redis support (built with WSSEC_REPLAY_REDIS=OFF)"

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

/* rediss:// is refused: this build has no TLS to Redis. */
static int no_tls(char *why, size_t whylen)
{
#ifndef WSSEC_REPLAY_REDIS
    snprintf(why, whylen, "rediss:// is not available: %s", NO_REDIS);
#else
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
#endif
    return WSSEC_ECONFIG;
}

/* unix:///path[?db=N]: p is what follows "unix://". */
static int parse_unix(wssec_redis_url *u, const char *p, char *why, size_t whylen)
{
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

/* The [user][:password]@ before the host (the last '@' of the authority
 * [*auth, *auth + *alen)), %-decoded; *auth and *alen then name host[:port]. */
static int parse_userinfo(wssec_redis_url *u, const char **auth, size_t *alen, char *why,
                          size_t whylen)
{
    const char *at = NULL;
    for (size_t i = 0; i < *alen; i++)
        if ((*auth)[i] == '@') at = *auth + i;
    if (!at) return 0;
    size_t ulen = (size_t)(at - *auth);
    const char *colon = memchr(*auth, ':', ulen);
    size_t namelen = colon ? (size_t)(colon - *auth) : ulen;
    if (pct_decode(*auth, namelen, u->user, sizeof(u->user)))
        return bad(why, whylen, "user name too long or badly %-encoded");
    if (colon) {
        if (pct_decode(colon + 1, ulen - namelen - 1, u->password, sizeof(u->password)))
            return bad(why, whylen, "password too long or badly %-encoded");
        u->has_password = 1;
    }
    *alen -= ulen + 1;
    *auth = at + 1;
    return 0;
}

/* What follows host[:port]: an optional /db, nothing else. */
static int parse_db(wssec_redis_url *u, const char *p, char *why, size_t whylen)
{
    if (*p == '/') {
        p++;
        size_t n = strcspn(p, "?#");
        if (n && parse_uint(p, n, 9, MAX_DB, &u->db))
            return bad(why, whylen, "the path is not a database number");
        p += n;
    }
    if (*p) return bad(why, whylen, "a redis:// URL takes no query parameters or fragment");
    return 0;
}

int wssec__redis_url_parse(wssec_redis_url *u, const char *url, char *why, size_t whylen)
{
    memset(u, 0, sizeof(*u));
    why[0] = '\0';
    if (starts(url, "rediss://")) return no_tls(why, whylen);
    if (starts(url, "unix://")) return parse_unix(u, url + 7, why, whylen);
    if (!starts(url, "redis://"))
        return bad(why, whylen,
                   "not a known cache: memory, redis://[[user]:password@]host[:port][/db] or "
                   "unix:///path[?db=N]");
    const char *auth = url + 8;
    size_t alen = strcspn(auth, "/?#");
    int rc;
    if ((rc = parse_userinfo(u, &auth, &alen, why, whylen)) ||
        (rc = parse_host_port(u, auth, alen, why, whylen)) ||
        (rc = parse_db(u, auth + alen, why, whylen))) {
        wssec__memzero(u, sizeof(*u)); /* a password may have been decoded */
        return rc;
    }
    int v6 = strchr(u->host, ':') != NULL;
    snprintf(u->endpoint, sizeof(u->endpoint), "%s%s%s:%u", v6 ? "[" : "", u->host,
             v6 ? "]" : "", u->port);
    snprintf(u->name, sizeof(u->name), "redis://%s/%u", u->endpoint, u->db);
    return 0;
}

#ifndef WSSEC_REPLAY_REDIS
/* A build without hiredis: the URL is checked, then refused. */
int wssec_replay_cache_redis_new(wssec_replay_cache **out, const char *url,
                                 const wssec_redis_options *opts, char *errbuf, size_t errlen)
{
    char dummy[1];
    wssec_redis_url u;
    int status;

    (void)opts;
    *out = NULL;
    if (!errbuf || !errlen) {
        errbuf = dummy;
        errlen = sizeof(dummy);
    }
    if (!(status = wssec__redis_url_parse(&u, url, errbuf, errlen))) {
        snprintf(errbuf, errlen, "%s: " NO_REDIS, u.name);
        status = WSSEC_ECONFIG;
    }
    wssec__memzero(&u, sizeof(u));
    return status;
}
#endif

/* ---- the cache the settings name ---- */

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
    char pw[sizeof(((wssec_redis_url *)0)->password)], why[300] = "";
    int status = 0;
    pw[0] = '\0';
    if ((status = to_unsigned(err, "redis-connect-timeout-ms", s->redis_connect_timeout_ms,
                              WSSEC__REDIS_MAX_TIMEOUT_MS, &o.connect_timeout_ms)) ||
        (status = to_unsigned(err, "redis-command-timeout-ms", s->redis_command_timeout_ms,
                              WSSEC__REDIS_MAX_TIMEOUT_MS, &o.command_timeout_ms)) ||
        (status = to_unsigned(err, "redis-pool-size", s->redis_pool_size, WSSEC__REDIS_MAX_POOL,
                              &o.pool_size)))
        goto done;
    if (s->redis_password_file && s->redis_password_env) {
        status = WSSEC_ERR(err, WSSEC_ECONFIG,
                           "give redis-password-file or redis-password-env, not both");
        goto done;
    }
    if (s->redis_password_file || s->redis_password_env) {
        size_t n = 0;
        if ((status = wssec_secret_read(pw, sizeof(pw), &n, s->redis_password_file,
                                        s->redis_password_env, why, sizeof(why)))) {
            if (s->redis_password_file)
                WSSEC_ERR(err, WSSEC_ECONFIG, "redis-password-file %s: %s",
                          s->redis_password_file, why);
            else
                WSSEC_ERR(err, WSSEC_ECONFIG, "redis-password-env: %s", why);
            status = WSSEC_ECONFIG;
            goto done;
        }
        o.password = pw;
    }
    if ((status = wssec_replay_cache_redis_new(out, s->replay_cache, &o, why, sizeof(why)))) {
        if (status != WSSEC_ENOMEM) status = WSSEC_ECONFIG;
        WSSEC_ERR(err, status, "replay-cache: %s", why);
    }
done:
    wssec__memzero(pw, sizeof(pw));
    return status;
}
