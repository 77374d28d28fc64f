/*
 * wssec — replay caches by name: Redis URLs and the cache the settings name
 * (replay_url.c).
 */
#ifndef WSSEC_SRC_REPLAY_URL_H
#define WSSEC_SRC_REPLAY_URL_H

#include "wssec/replay.h"
#include "error.h"
#include "settings.h"

/* The Redis replay cache's bounds, shared by the back end (replay_redis.c)
 * and the cache chosen by name. */
#define WSSEC__REDIS_MAX_TIMEOUT_MS 3600000u
#define WSSEC__REDIS_MAX_POOL 1024u

/* A parsed Redis URL. The password is a secret: wipe the struct after use. */
typedef struct wssec_redis_url {
    int unix_socket; /* 1: path; 0: host and port */
    char host[256];
    unsigned port;
    char path[108]; /* sun_path */
    unsigned db;
    char user[128];
    char password[513];
    int has_password;
    char endpoint[300]; /* "host:port", "[v6]:port" or the socket path: for reasons */
    char name[420];     /* the URL without credentials: for reports */
} wssec_redis_url;

/* Parses "redis://[[user]:password@]host[:port][/db]" or
 * "unix:///path[?db=N]"; WSSEC_ECONFIG with a reason (never echoing the URL,
 * which may hold a password) for anything else, "rediss://" included. */
int wssec__redis_url_parse(wssec_redis_url *u, const char *url, char *why, size_t whylen);
/* The cache the "replay-cache" option names: memory (sized by
 * replay-cache-size) or a Redis URL (with the redis-* options); errors go
 * to err. */
int wssec__replay_cache_from_settings(wssec_replay_cache **out, const wssec_settings *s,
                                      wssec_errrec *err);

#endif /* WSSEC_SRC_REPLAY_URL_H */
