/*
 * The Redis replay cache: the URL parser (no server needed), then the back
 * end against live servers started by tests/redis/run.sh:
 *
 *   WSSEC_TEST_REDIS_PORT      a redis-server on 127.0.0.1, no password
 *   WSSEC_TEST_REDIS_SOCK      a redis-server on a Unix socket, with requirepass
 *   WSSEC_TEST_REDIS_PASSWORD  that server's password
 *
 * Without them the live tests FAIL (never skip): run this through
 * tests/redis/run.sh (ctest test "redis").
 */
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <hiredis/hiredis.h>
#include <libxml/parser.h>

#include "helpers.h"

/* ---- the live servers ---- */

static const char *env_or_fail(const char *name)
{
    const char *v = getenv(name);
    if (!v || !*v)
        fail_msg("%s is not set: the live Redis tests need the servers that tests/redis/run.sh "
                 "starts (ctest -R redis); they are never skipped",
                 name);
    return v;
}

static unsigned tcp_port(void)
{
    const char *v = env_or_fail("WSSEC_TEST_REDIS_PORT");
    char *end = NULL;
    long p = strtol(v, &end, 10);
    if (*end || p < 1 || p > 65535) fail_msg("WSSEC_TEST_REDIS_PORT=%s is not a port", v);
    return (unsigned)p;
}

static char *tcp_url(unsigned db)
{
    return h_strf("redis://127.0.0.1:%u/%u", tcp_port(), db);
}

/* A plain hiredis connection for looking at what the cache wrote. */
static redisContext *peek_tcp(unsigned db)
{
    redisContext *c = redisConnect("127.0.0.1", (int)tcp_port());
    if (!c || c->err)
        fail_msg("redis-server on 127.0.0.1:%u does not answer: %s", tcp_port(),
                 c ? c->errstr : "no memory");
    if (db) {
        redisReply *r = redisCommand(c, "SELECT %u", db);
        assert_non_null(r);
        assert_int_equal(r->type, REDIS_REPLY_STATUS);
        freeReplyObject(r);
    }
    return c;
}

static redisContext *peek_unix(void)
{
    redisContext *c = redisConnectUnix(env_or_fail("WSSEC_TEST_REDIS_SOCK"));
    if (!c || c->err)
        fail_msg("redis-server on %s does not answer: %s", getenv("WSSEC_TEST_REDIS_SOCK"),
                 c ? c->errstr : "no memory");
    redisReply *r = redisCommand(c, "AUTH %s", env_or_fail("WSSEC_TEST_REDIS_PASSWORD"));
    assert_non_null(r);
    assert_int_equal(r->type, REDIS_REPLY_STATUS);
    freeReplyObject(r);
    return c;
}

static long long peek_int(redisContext *c, const char *fmt, const char *arg)
{
    redisReply *r = redisCommand(c, fmt, arg);
    assert_non_null(r);
    if (r->type != REDIS_REPLY_INTEGER) fail_msg("%s: not an integer reply (%d)", fmt, r->type);
    long long v = r->integer;
    freeReplyObject(r);
    return v;
}

/* "total_connections_received" from INFO stats. */
static long long connections_received(redisContext *c)
{
    redisReply *r = redisCommand(c, "INFO stats");
    assert_non_null(r);
    assert_int_equal(r->type, REDIS_REPLY_STRING);
    const char *p = strstr(r->str, "total_connections_received:");
    assert_non_null(p);
    long long v = strtoll(p + strlen("total_connections_received:"), NULL, 10);
    freeReplyObject(r);
    return v;
}

static void kill_normal_clients(redisContext *c)
{
    redisReply *r = redisCommand(c, "CLIENT KILL TYPE normal SKIPME yes");
    assert_non_null(r);
    assert_int_equal(r->type, REDIS_REPLY_INTEGER);
    assert_true(r->integer >= 1);
    freeReplyObject(r);
}

static void key_of(unsigned char key[WSSEC_REPLAY_KEY_LEN], const char *s)
{
    assert_int_equal(wssec_replay_key(key, "test-redis", "id", (const unsigned char *)s, strlen(s)),
                     0);
}

/* A key unique to this run, so reruns against one server never collide. */
static void fresh_key(unsigned char key[WSSEC_REPLAY_KEY_LEN], const char *tag)
{
    static unsigned n;
    char s[128];
    snprintf(s, sizeof(s), "%s-%ld-%d-%u", tag, (long)time(NULL), (int)getpid(), n++);
    key_of(key, s);
}

/* "wssec:rp:" and the key in hex: what the cache stores. */
static void redis_key(char out[80], const unsigned char key[WSSEC_REPLAY_KEY_LEN])
{
    int n = snprintf(out, 80, "wssec:rp:");
    for (int i = 0; i < WSSEC_REPLAY_KEY_LEN; i++) n += snprintf(out + n, (size_t)(80 - n), "%02x", key[i]);
}

static void sleep_ms(long ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

/* ---- the URL parser ---- */

static void test_url_valid(void **state)
{
    (void)state;
    static const struct {
        const char *url;
        int unix_socket;
        const char *host;
        unsigned port;
        const char *path;
        unsigned db;
        const char *user, *password;
        int has_password;
        const char *endpoint, *name;
    } rows[] = {
        { "redis://127.0.0.1:6390/0", 0, "127.0.0.1", 6390, "", 0, "", "", 0, "127.0.0.1:6390",
          "redis://127.0.0.1:6390/0" },
        { "redis://cache.example", 0, "cache.example", 6379, "", 0, "", "", 0, "cache.example:6379",
          "redis://cache.example:6379/0" },
        { "redis://h/", 0, "h", 6379, "", 0, "", "", 0, "h:6379", "redis://h:6379/0" },
        { "redis://h:1/15", 0, "h", 1, "", 15, "", "", 0, "h:1", "redis://h:1/15" },
        { "redis://:s3cret@10.0.0.7:6380/2", 0, "10.0.0.7", 6380, "", 2, "", "s3cret", 1,
          "10.0.0.7:6380", "redis://10.0.0.7:6380/2" },
        { "redis://gw:p%40ss%3Aw%2Frd@h:7000", 0, "h", 7000, "", 0, "gw", "p@ss:w/rd", 1, "h:7000",
          "redis://h:7000/0" },
        { "redis://a@b@h:7000/1", 0, "h", 7000, "", 1, "a@b", "", 0, "h:7000", "redis://h:7000/1" },
        { "redis://gw@h", 0, "h", 6379, "", 0, "gw", "", 0, "h:6379", "redis://h:6379/0" },
        { "redis://[::1]:6390/3", 0, "::1", 6390, "", 3, "", "", 0, "[::1]:6390",
          "redis://[::1]:6390/3" },
        { "redis://[fe80::1]", 0, "fe80::1", 6379, "", 0, "", "", 0, "[fe80::1]:6379",
          "redis://[fe80::1]:6379/0" },
        { "unix:///run/redis/redis.sock", 1, "", 0, "/run/redis/redis.sock", 0, "", "", 0,
          "/run/redis/redis.sock", "unix:///run/redis/redis.sock?db=0" },
        { "unix:///tmp/r.sock?db=7", 1, "", 0, "/tmp/r.sock", 7, "", "", 0, "/tmp/r.sock",
          "unix:///tmp/r.sock?db=7" },
    };
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        wssec_redis_url u;
        char why[200] = "x";
        int rc = wssec__redis_url_parse(&u, rows[i].url, why, sizeof(why));
        if (rc) fail_msg("%s: %s", rows[i].url, why);
        assert_string_equal(why, "");
        assert_int_equal(u.unix_socket, rows[i].unix_socket);
        assert_string_equal(u.host, rows[i].host);
        assert_int_equal(u.port, rows[i].port);
        assert_string_equal(u.path, rows[i].path);
        assert_int_equal(u.db, rows[i].db);
        assert_string_equal(u.user, rows[i].user);
        assert_string_equal(u.password, rows[i].password);
        assert_int_equal(u.has_password, rows[i].has_password);
        assert_string_equal(u.endpoint, rows[i].endpoint);
        assert_string_equal(u.name, rows[i].name);
    }
}

static void test_url_invalid(void **state)
{
    (void)state;
    static const struct {
        const char *url, *needle;
    } rows[] = {
        { "memcached://h", "not a known cache" },
        { "redis", "not a known cache" },
        { "", "not a known cache" },
        { "rediss://h:6380/0", "no TLS support" },
        { "rediss://:hunter2@h", "TLS" },
        { "redis://", "no host" },
        { "redis:///0", "no host" },
        { "redis://:pw@", "no host" },
        { "redis://h:", "port" },
        { "redis://h:0", "port" },
        { "redis://h:65536", "port" },
        { "redis://h:123456", "port" },
        { "redis://h:63x9", "port" },
        { "redis://h:-1", "port" },
        { "redis://h/x", "database number" },
        { "redis://h/1/2", "database number" },
        { "redis://h/1234567890", "database number" },
        { "redis://h?db=1", "no query" },
        { "redis://h/1#frag", "no query" },
        { "redis://h o/", "host name" },
        { "redis://[::1", "closing" },
        { "redis://[::1]x", "after the IPv6" },
        { "redis://[zz::1]", "IPv6" },
        { "redis://:hunter%2@h", "badly" },
        { "redis://:hunter%zz@h", "badly" },
        { "redis://:hunter%00@h", "badly" },
        { "redis://%GGuser:x@h", "user name" },
        { "unix://tmp/r.sock", "absolute" },
        { "unix://", "absolute" },
        { "unix:///tmp/r.sock?database=1", "db=N" },
        { "unix:///tmp/r.sock?db=", "db=N" },
        { "unix:///tmp/r.sock?db=1&x=2", "db=N" },
        { "unix:///tmp/r.sock#x", "'#'" },
    };
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        wssec_redis_url u;
        char why[300] = "";
        int rc = wssec__redis_url_parse(&u, rows[i].url, why, sizeof(why));
        if (rc != WSSEC_ECONFIG) fail_msg("%s: accepted, or %s", rows[i].url, wssec_code_name(rc));
        h_assert_contains(why, rows[i].needle);
        /* the reason never echoes a password */
        assert_null(strstr(why, "hunter"));
        assert_int_equal(u.has_password, 0);
        assert_string_equal(u.password, "");
    }
    /* too long: host, path, user, password */
    char big[1200];
    memset(big, 'a', sizeof(big));
    big[sizeof(big) - 1] = '\0';
    char *u1 = h_strf("redis://%s:1/0", big), *u2 = h_strf("unix:///%s", big);
    char *u3 = h_strf("redis://%.200s:x@h", big), *u4 = h_strf("redis://:%.600s@h", big);
    const char *longs[] = { u1, u2, u3, u4 };
    for (size_t i = 0; i < 4; i++) {
        wssec_redis_url u;
        char why[300] = "";
        assert_int_equal(wssec__redis_url_parse(&u, longs[i], why, sizeof(why)), WSSEC_ECONFIG);
        h_assert_contains(why, "too long");
    }
    free(u1);
    free(u2);
    free(u3);
    free(u4);
}

static void test_constructor_errors(void **state)
{
    (void)state;
    wssec_replay_cache *c = (wssec_replay_cache *)&c;
    char why[300];
    assert_int_equal(wssec_replay_cache_redis_new(&c, "rediss://h", NULL, why, sizeof(why)),
                     WSSEC_ECONFIG);
    assert_null(c);
    h_assert_contains(why, "TLS");
    assert_int_equal(wssec_replay_cache_redis_new(&c, "redis://h:99999", NULL, NULL, 0),
                     WSSEC_ECONFIG);
    assert_null(c);

    wssec_redis_options o = WSSEC_REDIS_OPTIONS_INIT;
    o.version = 2;
    assert_int_equal(wssec_replay_cache_redis_new(&c, "redis://h", &o, why, sizeof(why)),
                     WSSEC_EINVALID);
    h_assert_contains(why, "version");
    static const struct {
        unsigned connect, command, pool;
    } bad[] = { { 0, 1000, 8 }, { 1000, 0, 8 }, { 3600001, 1000, 8 }, { 1000, 3600001, 8 },
                { 1000, 1000, 0 }, { 1000, 1000, 1025 } };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        wssec_redis_options b = WSSEC_REDIS_OPTIONS_INIT;
        b.connect_timeout_ms = bad[i].connect;
        b.command_timeout_ms = bad[i].command;
        b.pool_size = bad[i].pool;
        assert_int_equal(wssec_replay_cache_redis_new(&c, "redis://h", &b, why, sizeof(why)),
                         WSSEC_EINVALID);
        assert_null(c);
    }
    /* the password once: in the URL or apart */
    wssec_redis_options p = WSSEC_REDIS_OPTIONS_INIT;
    p.password = "apart-pw";
    assert_int_equal(wssec_replay_cache_redis_new(&c, "redis://:url-pw@h", &p, why, sizeof(why)),
                     WSSEC_ECONFIG);
    h_assert_contains(why, "twice");
    assert_null(strstr(why, "pw"));
    p.password = "";
    assert_int_equal(wssec_replay_cache_redis_new(&c, "redis://h", &p, why, sizeof(why)),
                     WSSEC_EINVALID);
    assert_int_equal(wssec_replay_cache_redis_new(&c, "redis://gw@h", NULL, why, sizeof(why)),
                     WSSEC_ECONFIG);
    h_assert_contains(why, "user name needs a password");
    assert_null(c);

    /* the constructor does not connect: an unreachable server is fine here */
    assert_int_equal(wssec_replay_cache_redis_new(&c, "redis://[::1]:1/4", NULL, why, sizeof(why)),
                     0);
    assert_string_equal(wssec_replay_cache_name(c), "redis://[::1]:1/4");
    wssec_replay_cache_release(c);
    p.password = "pw";
    assert_int_equal(wssec_replay_cache_redis_new(&c, "unix:///nonexistent/r.sock", &p, NULL, 0), 0);
    assert_string_equal(wssec_replay_cache_name(c), "unix:///nonexistent/r.sock?db=0");
    wssec_replay_cache_release(c);
}

/* ---- the back end against the live servers ---- */

static void test_live_insert(void **state)
{
    (void)state;
    char *url = tcp_url(0), why[256];
    wssec_replay_cache *c = NULL;
    assert_int_equal(wssec_replay_cache_redis_new(&c, url, NULL, why, sizeof(why)), 0);
    assert_string_equal(wssec_replay_cache_name(c), url);
    redisContext *peek = peek_tcp(0);

    unsigned char k[WSSEC_REPLAY_KEY_LEN];
    char rk[80];
    fresh_key(k, "insert");
    redis_key(rk, k);
    assert_int_equal(peek_int(peek, "EXISTS %s", rk), 0);
    why[0] = 'x';
    assert_int_equal(wssec_replay_cache_insert(c, k, H_NOW + 5000, H_NOW, why, sizeof(why)), 0);
    assert_string_equal(why, "");
    /* stored under wssec:rp:<hex>, with PX = expires - now */
    assert_int_equal(peek_int(peek, "EXISTS %s", rk), 1);
    long long pttl = peek_int(peek, "PTTL %s", rk);
    assert_in_range(pttl, 4000, 5000);
    redisReply *r = redisCommand(peek, "GET %s", rk);
    assert_non_null(r);
    assert_int_equal(r->type, REDIS_REPLY_STRING);
    assert_int_equal(r->len, 32);
    freeReplyObject(r);
    /* present: a replay, whatever the expiry asked for */
    assert_int_equal(wssec_replay_cache_insert(c, k, H_NOW + 9000, H_NOW + 10, why, sizeof(why)),
                     WSSEC_EREPLAY);
    assert_string_equal(why, "");
    assert_in_range(peek_int(peek, "PTTL %s", rk), 3000, 5000); /* unchanged by the refusal */

    /* an expiry at or before now: PX 1, gone at once */
    unsigned char k2[WSSEC_REPLAY_KEY_LEN];
    char rk2[80];
    fresh_key(k2, "expired");
    redis_key(rk2, k2);
    assert_int_equal(wssec_replay_cache_insert(c, k2, H_NOW, H_NOW, why, sizeof(why)), 0);
    sleep_ms(5);
    assert_int_equal(peek_int(peek, "EXISTS %s", rk2), 0);
    assert_int_equal(wssec_replay_cache_insert(c, k2, H_NOW + 60000, H_NOW, why, sizeof(why)), 0);
    assert_int_equal(wssec_replay_cache_insert(c, k2, H_NOW + 60000, H_NOW, why, sizeof(why)),
                     WSSEC_EREPLAY);

    /* another cache object on the same server (another gateway) sees it */
    wssec_replay_cache *other = NULL;
    assert_int_equal(wssec_replay_cache_redis_new(&other, url, NULL, why, sizeof(why)), 0);
    assert_int_equal(wssec_replay_cache_insert(other, k, H_NOW + 5000, H_NOW, why, sizeof(why)),
                     WSSEC_EREPLAY);
    wssec_replay_cache_release(other);

    /* a database of its own: /5 holds it, /0 does not */
    char *url5 = tcp_url(5);
    assert_int_equal(wssec_replay_cache_redis_new(&other, url5, NULL, why, sizeof(why)), 0);
    unsigned char k5[WSSEC_REPLAY_KEY_LEN];
    char rk5[80];
    fresh_key(k5, "db5");
    redis_key(rk5, k5);
    assert_int_equal(wssec_replay_cache_insert(other, k5, H_NOW + 5000, H_NOW, why, sizeof(why)), 0);
    assert_int_equal(peek_int(peek, "EXISTS %s", rk5), 0);
    redisContext *peek5 = peek_tcp(5);
    assert_int_equal(peek_int(peek5, "EXISTS %s", rk5), 1);
    redisFree(peek5);
    assert_int_equal(wssec_replay_cache_insert(c, k5, H_NOW + 5000, H_NOW, why, sizeof(why)), 0);
    wssec_replay_cache_release(other);

    redisFree(peek);
    wssec_replay_cache_release(c);
    free(url);
    free(url5);
}

/* ---- many threads on two caches (two gateways), one key set ---- */

#define THREADS 8
#define KEYS 200

typedef struct race {
    wssec_replay_cache *cache;
    unsigned char (*keys)[WSSEC_REPLAY_KEY_LEN];
    int offset;
    int wins[KEYS];
    int replays, others;
} race;

static void *race_thread(void *arg)
{
    race *r = arg;
    for (int i = 0; i < KEYS; i++) {
        int k = (i + r->offset) % KEYS;
        char why[256];
        int rc = wssec_replay_cache_insert(r->cache, r->keys[k], H_NOW + 60000, H_NOW, why,
                                           sizeof(why));
        if (rc == 0) r->wins[k]++;
        else if (rc == WSSEC_EREPLAY) r->replays++;
        else r->others++;
    }
    return NULL;
}

static void test_live_threads(void **state)
{
    (void)state;
    char *url = tcp_url(0), why[256];
    wssec_redis_options o = WSSEC_REDIS_OPTIONS_INIT;
    o.pool_size = 2; /* fewer idle slots than threads: connections come and go */
    wssec_replay_cache *caches[2] = { NULL, NULL };
    for (int i = 0; i < 2; i++)
        assert_int_equal(wssec_replay_cache_redis_new(&caches[i], url, &o, why, sizeof(why)), 0);
    unsigned char(*keys)[WSSEC_REPLAY_KEY_LEN] = calloc(KEYS, WSSEC_REPLAY_KEY_LEN);
    assert_non_null(keys);
    for (int i = 0; i < KEYS; i++) fresh_key(keys[i], "race");
    race *rs = calloc(THREADS, sizeof(*rs));
    pthread_t t[THREADS];
    for (int i = 0; i < THREADS; i++) {
        rs[i].cache = caches[i % 2];
        rs[i].keys = keys;
        rs[i].offset = (i / 2) * 7; /* pairs start on the same key: real contention */
        assert_int_equal(pthread_create(&t[i], NULL, race_thread, &rs[i]), 0);
    }
    for (int i = 0; i < THREADS; i++) assert_int_equal(pthread_join(t[i], NULL), 0);
    int replays = 0;
    for (int i = 0; i < THREADS; i++) {
        assert_int_equal(rs[i].others, 0);
        replays += rs[i].replays;
    }
    for (int k = 0; k < KEYS; k++) {
        int wins = 0;
        for (int i = 0; i < THREADS; i++) wins += rs[i].wins[k];
        if (wins != 1) fail_msg("key %d inserted %d times", k, wins);
    }
    assert_int_equal(replays, (THREADS - 1) * KEYS);
    free(rs);
    free(keys);
    wssec_replay_cache_release(caches[0]);
    wssec_replay_cache_release(caches[1]);
    free(url);
}

/* ---- failures: fail closed, name the endpoint, recover ---- */

static void test_live_unreachable(void **state)
{
    (void)state;
    /* a loopback port nobody listens on */
    int s = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(s >= 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    assert_int_equal(bind(s, (struct sockaddr *)&a, sizeof(a)), 0);
    socklen_t alen = sizeof(a);
    assert_int_equal(getsockname(s, (struct sockaddr *)&a, &alen), 0);
    unsigned port = ntohs(a.sin_port);
    close(s);

    char *url = h_strf("redis://:never-shown@127.0.0.1:%u/0", port), why[256];
    char *endpoint = h_strf("127.0.0.1:%u", port);
    wssec_replay_cache *c = NULL;
    assert_int_equal(wssec_replay_cache_redis_new(&c, url, NULL, why, sizeof(why)), 0);
    unsigned char k[WSSEC_REPLAY_KEY_LEN];
    fresh_key(k, "unreachable");
    for (int i = 0; i < 3; i++) {
        assert_int_equal(wssec_replay_cache_insert(c, k, H_NOW + 5000, H_NOW, why, sizeof(why)),
                         WSSEC_EBACKEND);
        h_assert_contains(why, endpoint);
        h_assert_contains(why, "connect");
        assert_null(strstr(why, "never-shown"));
    }
    wssec_replay_cache_release(c);

    assert_int_equal(wssec_replay_cache_redis_new(&c, "unix:///nonexistent/wssec/r.sock", NULL,
                                                  why, sizeof(why)),
                     0);
    assert_int_equal(wssec_replay_cache_insert(c, k, H_NOW + 5000, H_NOW, why, sizeof(why)),
                     WSSEC_EBACKEND);
    h_assert_contains(why, "/nonexistent/wssec/r.sock: connect:");
    wssec_replay_cache_release(c);
    free(url);
    free(endpoint);
}

static void test_live_command_timeout(void **state)
{
    (void)state;
    /* a listener that never accepts: the kernel completes the connection, the
     * command gets no answer */
    int s = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(s >= 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    assert_int_equal(bind(s, (struct sockaddr *)&a, sizeof(a)), 0);
    assert_int_equal(listen(s, 8), 0);
    socklen_t alen = sizeof(a);
    assert_int_equal(getsockname(s, (struct sockaddr *)&a, &alen), 0);
    char *url = h_strf("redis://127.0.0.1:%u/0", ntohs(a.sin_port)), why[256];
    wssec_redis_options o = WSSEC_REDIS_OPTIONS_INIT;
    o.command_timeout_ms = 200;
    wssec_replay_cache *c = NULL;
    assert_int_equal(wssec_replay_cache_redis_new(&c, url, &o, why, sizeof(why)), 0);
    unsigned char k[WSSEC_REPLAY_KEY_LEN];
    fresh_key(k, "timeout");
    double t0 = now_ms();
    assert_int_equal(wssec_replay_cache_insert(c, k, H_NOW + 5000, H_NOW, why, sizeof(why)),
                     WSSEC_EBACKEND);
    double took = now_ms() - t0;
    h_assert_contains(why, "SET: no answer within 200 ms");
    assert_true(took >= 150 && took < 2000);
    wssec_replay_cache_release(c);
    close(s);
    free(url);
}

static void test_live_error_reply(void **state)
{
    (void)state;
    /* the server has 16 databases: SELECT 999 is refused */
    char *url = tcp_url(999), why[256];
    wssec_replay_cache *c = NULL;
    assert_int_equal(wssec_replay_cache_redis_new(&c, url, NULL, why, sizeof(why)), 0);
    unsigned char k[WSSEC_REPLAY_KEY_LEN];
    fresh_key(k, "select");
    assert_int_equal(wssec_replay_cache_insert(c, k, H_NOW + 5000, H_NOW, why, sizeof(why)),
                     WSSEC_EBACKEND);
    h_assert_contains(why, "SELECT: ERR DB index is out of range");
    wssec_replay_cache_release(c);
    free(url);

    /* a password for a server that has none */
    url = tcp_url(0);
    wssec_redis_options o = WSSEC_REDIS_OPTIONS_INIT;
    o.password = "not-configured-pw";
    assert_int_equal(wssec_replay_cache_redis_new(&c, url, &o, why, sizeof(why)), 0);
    assert_int_equal(wssec_replay_cache_insert(c, k, H_NOW + 5000, H_NOW, why, sizeof(why)),
                     WSSEC_EBACKEND);
    h_assert_contains(why, "AUTH: ");
    assert_null(strstr(why, "not-configured-pw"));
    wssec_replay_cache_release(c);
    free(url);
}

static void test_live_auth(void **state)
{
    (void)state;
    const char *sock = env_or_fail("WSSEC_TEST_REDIS_SOCK");
    const char *pw = env_or_fail("WSSEC_TEST_REDIS_PASSWORD");
    char *url = h_strf("unix://%s?db=1", sock), *name = h_strf("unix://%s?db=1", sock), why[256];
    unsigned char k[WSSEC_REPLAY_KEY_LEN];
    fresh_key(k, "auth");
    wssec_replay_cache *c = NULL;

    /* no password: the server says NOAUTH */
    assert_int_equal(wssec_replay_cache_redis_new(&c, url, NULL, why, sizeof(why)), 0);
    assert_string_equal(wssec_replay_cache_name(c), name);
    assert_int_equal(wssec_replay_cache_insert(c, k, H_NOW + 5000, H_NOW, why, sizeof(why)),
                     WSSEC_EBACKEND);
    h_assert_contains(why, sock);
    h_assert_contains(why, "NOAUTH");
    wssec_replay_cache_release(c);

    /* a wrong one: refused, and not repeated in the reason */
    wssec_redis_options o = WSSEC_REDIS_OPTIONS_INIT;
    o.password = "wrong-pw-1234";
    assert_int_equal(wssec_replay_cache_redis_new(&c, url, &o, why, sizeof(why)), 0);
    assert_int_equal(wssec_replay_cache_insert(c, k, H_NOW + 5000, H_NOW, why, sizeof(why)),
                     WSSEC_EBACKEND);
    h_assert_contains(why, "AUTH: WRONGPASS");
    assert_null(strstr(why, "wrong-pw-1234"));
    wssec_replay_cache_release(c);

    /* the right one */
    o.password = pw;
    assert_int_equal(wssec_replay_cache_redis_new(&c, url, &o, why, sizeof(why)), 0);
    assert_int_equal(wssec_replay_cache_insert(c, k, H_NOW + 5000, H_NOW, why, sizeof(why)), 0);
    assert_int_equal(wssec_replay_cache_insert(c, k, H_NOW + 5000, H_NOW, why, sizeof(why)),
                     WSSEC_EREPLAY);
    wssec_replay_cache_release(c);
    free(url);
    free(name);
}

/* A pooled connection killed by the server: the next insert reconnects
 * (retrying once on a fresh connection) and succeeds. */
static void test_live_reconnect_tcp(void **state)
{
    (void)state;
    char *url = tcp_url(0), why[256];
    wssec_replay_cache *c = NULL;
    assert_int_equal(wssec_replay_cache_redis_new(&c, url, NULL, why, sizeof(why)), 0);
    redisContext *peek = peek_tcp(0);
    unsigned char k[WSSEC_REPLAY_KEY_LEN];
    char rk[80];
    for (int round = 0; round < 3; round++) {
        fresh_key(k, "reconnect");
        redis_key(rk, k);
        assert_int_equal(wssec_replay_cache_insert(c, k, H_NOW + 5000, H_NOW, why, sizeof(why)), 0);
        kill_normal_clients(peek);
        sleep_ms(20); /* let the close reach our end */
        long long before = connections_received(peek);
        fresh_key(k, "reconnect-after");
        redis_key(rk, k);
        assert_int_equal(wssec_replay_cache_insert(c, k, H_NOW + 5000, H_NOW, why, sizeof(why)), 0);
        assert_int_equal(peek_int(peek, "EXISTS %s", rk), 1);
        assert_int_equal(connections_received(peek) - before, 1); /* exactly one fresh connection */
        assert_int_equal(wssec_replay_cache_insert(c, k, H_NOW + 5000, H_NOW, why, sizeof(why)),
                         WSSEC_EREPLAY);
    }
    redisFree(peek);
    wssec_replay_cache_release(c);
    free(url);
}

/* The same over a Unix socket, where writing to a connection the server
 * closed raises SIGPIPE at once: with the default disposition that would
 * kill this process unless the back end guards against it. */
static void test_live_reconnect_unix_sigpipe(void **state)
{
    (void)state;
    struct sigaction dfl = { .sa_handler = SIG_DFL }, old;
    sigemptyset(&dfl.sa_mask);
    assert_int_equal(sigaction(SIGPIPE, &dfl, &old), 0);
    char *url = h_strf("unix://%s", env_or_fail("WSSEC_TEST_REDIS_SOCK")), why[256];
    wssec_redis_options o = WSSEC_REDIS_OPTIONS_INIT;
    o.password = env_or_fail("WSSEC_TEST_REDIS_PASSWORD");
    wssec_replay_cache *c = NULL;
    assert_int_equal(wssec_replay_cache_redis_new(&c, url, &o, why, sizeof(why)), 0);
    redisContext *peek = peek_unix();
    unsigned char k[WSSEC_REPLAY_KEY_LEN];
    for (int round = 0; round < 3; round++) {
        fresh_key(k, "sigpipe");
        assert_int_equal(wssec_replay_cache_insert(c, k, H_NOW + 5000, H_NOW, why, sizeof(why)), 0);
        kill_normal_clients(peek);
        sleep_ms(20);
        long long before = connections_received(peek);
        fresh_key(k, "sigpipe-after");
        int rc = wssec_replay_cache_insert(c, k, H_NOW + 5000, H_NOW, why, sizeof(why));
        if (rc) fail_msg("after the kill: %s: %s", wssec_code_name(rc), why);
        assert_int_equal(connections_received(peek) - before, 1);
    }
    /* nothing pending, and the signal mask is as it was */
    sigset_t pending, mask;
    assert_int_equal(sigpending(&pending), 0);
    assert_int_equal(sigismember(&pending, SIGPIPE), 0);
    assert_int_equal(pthread_sigmask(SIG_SETMASK, NULL, &mask), 0);
    assert_int_equal(sigismember(&mask, SIGPIPE), 0);
    redisFree(peek);
    wssec_replay_cache_release(c);
    assert_int_equal(sigaction(SIGPIPE, &old, NULL), 0);
    free(url);
}

/* A cache used before fork(): the child must not talk over the parent's
 * pooled connection (replies could reach the wrong process). */
static void test_live_fork(void **state)
{
    (void)state;
    char *url = tcp_url(0), why[256];
    wssec_replay_cache *c = NULL;
    assert_int_equal(wssec_replay_cache_redis_new(&c, url, NULL, why, sizeof(why)), 0);
    redisContext *peek = peek_tcp(0);
    unsigned char k[WSSEC_REPLAY_KEY_LEN], kc[WSSEC_REPLAY_KEY_LEN], kp[WSSEC_REPLAY_KEY_LEN];
    fresh_key(k, "fork-parent-1");
    fresh_key(kc, "fork-child");
    fresh_key(kp, "fork-parent-2");
    assert_int_equal(wssec_replay_cache_insert(c, k, H_NOW + 5000, H_NOW, why, sizeof(why)), 0);
    long long before = connections_received(peek);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        /* the child: its own connection; exit 0 when all is as expected */
        int rc = wssec_replay_cache_insert(c, kc, H_NOW + 5000, H_NOW, why, sizeof(why));
        _exit(rc == 0 ? 0 : 10 + (-rc));
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    assert_int_equal(connections_received(peek) - before, 1); /* the child connected afresh */
    /* the parent's pooled connection is still sound: no reconnection */
    assert_int_equal(wssec_replay_cache_insert(c, kp, H_NOW + 5000, H_NOW, why, sizeof(why)), 0);
    assert_int_equal(wssec_replay_cache_insert(c, kc, H_NOW + 5000, H_NOW, why, sizeof(why)),
                     WSSEC_EREPLAY);
    assert_int_equal(connections_received(peek) - before, 1);
    redisFree(peek);
    wssec_replay_cache_release(c);
    free(url);
}

/* ---- a lost reply: a proxy between the cache and Redis that forwards every
 * command and reply, except that it closes the connection instead of
 * forwarding command number drop_at (drop_request) or its reply ---- */

typedef struct proxy {
    int listen_fd;
    unsigned port, upstream;
    int drop_at, drop_request;
    int commands, connections;
} proxy;

static void *proxy_main(void *arg)
{
    proxy *p = arg;
    int c;
    while ((c = accept(p->listen_fd, NULL, NULL)) >= 0) {
        p->connections++;
        int u = socket(AF_INET, SOCK_STREAM, 0);
        struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)p->upstream),
                                 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
        if (u >= 0 && connect(u, (struct sockaddr *)&a, sizeof(a)) == 0) {
            char buf[4096];
            ssize_t n;
            /* one command, one reply: small enough to move in one read each */
            while ((n = read(c, buf, sizeof(buf))) > 0) {
                int drop = ++p->commands == p->drop_at;
                if (drop && p->drop_request) break;
                if (write(u, buf, (size_t)n) != n) break;
                if ((n = read(u, buf, sizeof(buf))) <= 0) break;
                if (drop) break;
                if (write(c, buf, (size_t)n) != n) break;
            }
        }
        if (u >= 0) close(u);
        close(c);
    }
    return NULL;
}

static void proxy_start(proxy *p, pthread_t *t, int drop_at, int drop_request)
{
    memset(p, 0, sizeof(*p));
    p->upstream = tcp_port();
    p->drop_at = drop_at;
    p->drop_request = drop_request;
    p->listen_fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(p->listen_fd >= 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    assert_int_equal(bind(p->listen_fd, (struct sockaddr *)&a, sizeof(a)), 0);
    assert_int_equal(listen(p->listen_fd, 8), 0);
    socklen_t alen = sizeof(a);
    assert_int_equal(getsockname(p->listen_fd, (struct sockaddr *)&a, &alen), 0);
    p->port = ntohs(a.sin_port);
    assert_int_equal(pthread_create(t, NULL, proxy_main, p), 0);
}

static void proxy_stop(proxy *p, pthread_t t)
{
    shutdown(p->listen_fd, SHUT_RDWR); /* accept() fails: the thread ends */
    assert_int_equal(pthread_join(t, NULL), 0);
    close(p->listen_fd);
}

static void test_live_lost_reply(void **state)
{
    (void)state;
    proxy p;
    pthread_t t;
    char why[256];
    unsigned char k1[WSSEC_REPLAY_KEY_LEN], k2[WSSEC_REPLAY_KEY_LEN];
    fresh_key(k1, "lost-1");
    fresh_key(k2, "lost-2");

    /* The reply to the second SET is lost with its (pooled) connection,
     * though Redis executed it. The retry finds the key present, and its
     * value is this insert's own token: inserted, not a replay. */
    proxy_start(&p, &t, 2, 0);
    char *url = h_strf("redis://127.0.0.1:%u/0", p.port);
    wssec_replay_cache *c = NULL;
    assert_int_equal(wssec_replay_cache_redis_new(&c, url, NULL, why, sizeof(why)), 0);
    assert_int_equal(wssec_replay_cache_insert(c, k1, H_NOW + 5000, H_NOW, why, sizeof(why)), 0);
    int rc = wssec_replay_cache_insert(c, k2, H_NOW + 5000, H_NOW, why, sizeof(why));
    if (rc) fail_msg("lost reply: %s: %s", wssec_code_name(rc), why);
    assert_int_equal(p.connections, 2);
    assert_int_equal(p.commands, 4); /* SET k1; SET k2 (reply lost); SET k2 again; GET k2 */
    assert_int_equal(wssec_replay_cache_insert(c, k2, H_NOW + 5000, H_NOW, why, sizeof(why)),
                     WSSEC_EREPLAY);
    wssec_replay_cache_release(c);
    proxy_stop(&p, t);
    free(url);

    /* The second SET is lost before Redis sees it, and meanwhile another
     * gateway inserted the key: the retry's GET finds its token, not ours. */
    fresh_key(k1, "lost-3");
    fresh_key(k2, "lost-4");
    proxy_start(&p, &t, 2, 1);
    url = h_strf("redis://127.0.0.1:%u/0", p.port);
    char *direct = tcp_url(0);
    wssec_replay_cache *other = NULL;
    assert_int_equal(wssec_replay_cache_redis_new(&c, url, NULL, why, sizeof(why)), 0);
    assert_int_equal(wssec_replay_cache_redis_new(&other, direct, NULL, why, sizeof(why)), 0);
    assert_int_equal(wssec_replay_cache_insert(c, k1, H_NOW + 5000, H_NOW, why, sizeof(why)), 0);
    assert_int_equal(wssec_replay_cache_insert(other, k2, H_NOW + 5000, H_NOW, why, sizeof(why)),
                     0);
    assert_int_equal(wssec_replay_cache_insert(c, k2, H_NOW + 5000, H_NOW, why, sizeof(why)),
                     WSSEC_EREPLAY);
    assert_int_equal(p.connections, 2);
    assert_int_equal(p.commands, 4);
    wssec_replay_cache_release(c);
    wssec_replay_cache_release(other);
    proxy_stop(&p, t);
    free(url);
    free(direct);
}

/* ---- through the configuration and a message, as a gateway uses it ---- */

static char *nonce_msg(const char *tag)
{
    char nonce[64];
    snprintf(nonce, sizeof(nonce), "%s-%ld-%d", tag, (long)time(NULL), (int)getpid());
    char *ut = h_ut_digest("alice", "alice-s3cret", nonce, H_NOW_TEXT);
    char *xml = h_envelope(11, "%s", ut);
    free(ut);
    return xml;
}

static void test_live_messages(void **state)
{
    (void)state;
    char *url = tcp_url(0), err[512];
    wssec_ctx *a = NULL, *b = NULL, *down = NULL;
    const char *pairs_a[] = { "require", "username-token", "replay-cache", url, NULL };
    assert_int_equal(h_ctx_try(&a, 0, pairs_a, err, sizeof(err)), 0);
    assert_int_equal(h_ctx_try(&b, 0, pairs_a, err, sizeof(err)), 0);
    assert_string_equal(wssec_ctx_replay_cache_name(a), url);

    char *xml = nonce_msg("msg");
    h_run r;
    assert_int_equal(h_verify(&r, a, xml), 0);
    h_run_free(&r);
    /* another gateway of the cluster: a replay */
    assert_int_equal(h_verify(&r, b, xml), WSSEC_EREPLAY);
    h_assert_error(h_run_err(&r), WSSEC_EREPLAY, "wsse:FailedAuthentication", "already used");
    h_run_free(&r);

    /* Redis unreachable: fail closed, not a replay verdict */
    const char *pairs_down[] = { "require", "username-token", "replay-cache",
                                 "redis://127.0.0.1:1/0", "redis-connect-timeout-ms", "300", NULL };
    assert_int_equal(h_ctx_try(&down, 0, pairs_down, err, sizeof(err)), 0);
    char *xml2 = nonce_msg("down");
    assert_int_equal(h_verify(&r, down, xml2), WSSEC_EBACKEND);
    const wssec_error *e = h_run_err(&r);
    h_assert_error(e, WSSEC_EBACKEND, "soap:Server", "127.0.0.1:1");
    assert_int_equal(e->category, WSSEC_CAT_INTERNAL);
    assert_null(wssec_result_caller(r.res));
    h_run_free(&r);
    /* and the same message through a reachable cache is fine: nothing was recorded */
    assert_int_equal(h_verify(&r, a, xml2), 0);
    h_run_free(&r);

    wssec_ctx_free(a);
    wssec_ctx_free(b);
    wssec_ctx_free(down);
    free(xml);
    free(xml2);
    free(url);
}

static void test_config_options(void **state)
{
    (void)state;
    const char *sock = env_or_fail("WSSEC_TEST_REDIS_SOCK");
    const char *pw = env_or_fail("WSSEC_TEST_REDIS_PASSWORD");
    char *url = h_strf("unix://%s", sock), *pwline = h_strf("%s\nsecond line ignored\n", pw);
    char *pwfile = h_tempfile(pwline), *empty = h_tempfile("\n"), err[512];
    wssec_ctx *ctx = NULL;

    /* the password from a file */
    const char *p1[] = { "require", "username-token", "replay-cache", url,
                         "redis-password-file", pwfile, NULL };
    assert_int_equal(h_ctx_try(&ctx, 0, p1, err, sizeof(err)), 0);
    char *xml = nonce_msg("pwfile");
    h_run r;
    assert_int_equal(h_verify(&r, ctx, xml), 0);
    h_run_free(&r);
    wssec_ctx_free(ctx);

    /* from the environment */
    assert_int_equal(setenv("WSSEC_TEST_RPW", pw, 1), 0);
    const char *p2[] = { "require", "username-token", "replay-cache", url,
                         "redis-password-env", "WSSEC_TEST_RPW", NULL };
    assert_int_equal(h_ctx_try(&ctx, 0, p2, err, sizeof(err)), 0);
    assert_int_equal(h_verify(&r, ctx, xml), WSSEC_EREPLAY);
    h_run_free(&r);
    wssec_ctx_free(ctx);
    unsetenv("WSSEC_TEST_RPW");

    /* configuration errors, each named */
    static const struct {
        const char *name1, *value1, *name2, *value2, *needle;
    } rows[] = {
        { "redis-password-file", "/nonexistent/pw", NULL, NULL,
          "redis-password-file /nonexistent/pw: cannot be opened" },
        { "redis-password-env", "WSSEC_TEST_UNSET_VAR", NULL, NULL,
          "WSSEC_TEST_UNSET_VAR is not set" },
        { "redis-password-file", "PWFILE", "redis-password-env", "HOME",
          "not both" },
        { "redis-password-file", "EMPTY", NULL, NULL, "first line is empty" },
        { "redis-password-env", "WSSEC_TEST_EMPTY_VAR", NULL, NULL,
          "redis-password-env: environment variable WSSEC_TEST_EMPTY_VAR is empty" },
        { "redis-connect-timeout-ms", "3600001", NULL, NULL,
          "redis-connect-timeout-ms: 3600001 is not from 1 to 3600000" },
        { "redis-pool-size", "2000", NULL, NULL, "redis-pool-size: 2000 is not from 1 to 1024" },
    };
    unsetenv("WSSEC_TEST_UNSET_VAR");
    assert_int_equal(setenv("WSSEC_TEST_EMPTY_VAR", "", 1), 0);
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        const char *v1 = !strcmp(rows[i].value1, "PWFILE") ? pwfile
                         : !strcmp(rows[i].value1, "EMPTY") ? empty
                                                            : rows[i].value1;
        const char *p[] = { "replay-cache", url, rows[i].name1, v1, rows[i].name2, rows[i].value2,
                            NULL };
        int rc = h_ctx_try(&ctx, 0, p, err, sizeof(err));
        if (rc != WSSEC_ECONFIG) fail_msg("row %zu: %s", i, wssec_code_name(rc));
        assert_null(ctx);
        h_assert_contains(err, rows[i].needle);
        assert_null(strstr(err, pw));
    }
    /* the password in the URL and apart */
    char *tcp = h_strf("redis://:x@127.0.0.1:%u/0", tcp_port());
    const char *p3[] = { "replay-cache", tcp, "redis-password-file", pwfile, NULL };
    assert_int_equal(h_ctx_try(&ctx, 0, p3, err, sizeof(err)), WSSEC_ECONFIG);
    h_assert_contains(err, "given twice");
    /* the password options are ignored by the memory cache */
    const char *p4[] = { "redis-password-env", "WSSEC_TEST_UNSET_VAR", NULL };
    assert_int_equal(h_ctx_try(&ctx, 0, p4, err, sizeof(err)), 0);
    assert_string_equal(wssec_ctx_replay_cache_name(ctx), "memory");
    wssec_ctx_free(ctx);

    /* bad URLs are refused when set, without echoing them */
    wssec_config *cfg = NULL;
    assert_int_equal(wssec_config_new(&cfg), 0);
    assert_int_equal(wssec_config_set(cfg, "replay-cache", "rediss://:hunter2@h"), WSSEC_ECONFIG);
    h_assert_error(wssec_config_error(cfg), WSSEC_ECONFIG, "", "replay-cache: rediss:// (TLS)");
    assert_null(strstr(wssec_config_error(cfg)->message, "hunter2"));
    assert_int_equal(wssec_config_set(cfg, "replay-cache", "redis://:hunter2@h:0"), WSSEC_ECONFIG);
    h_assert_contains(wssec_config_error(cfg)->message, "port");
    assert_null(strstr(wssec_config_error(cfg)->message, "hunter2"));
    assert_int_equal(wssec_config_set(cfg, "replay-cache", "memory"), 0);
    wssec_config_free(cfg);

    unlink(pwfile);
    unlink(empty);
    free(pwfile);
    free(empty);
    free(pwline);
    free(xml);
    free(url);
    free(tcp);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_url_valid),
        cmocka_unit_test(test_url_invalid),
        cmocka_unit_test(test_constructor_errors),
        cmocka_unit_test(test_live_insert),
        cmocka_unit_test(test_live_threads),
        cmocka_unit_test(test_live_unreachable),
        cmocka_unit_test(test_live_command_timeout),
        cmocka_unit_test(test_live_error_reply),
        cmocka_unit_test(test_live_auth),
        cmocka_unit_test(test_live_reconnect_tcp),
        cmocka_unit_test(test_live_reconnect_unix_sigpipe),
        cmocka_unit_test(test_live_lost_reply),
        cmocka_unit_test(test_live_fork),
        cmocka_unit_test(test_live_messages),
        cmocka_unit_test(test_config_options),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    xmlCleanupParser();
    return rc;
}
