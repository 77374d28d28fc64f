/*
 * wssec_bench — throughput and memory per operation (issue #9).
 *
 * In one process and one thread (plus a two-thread scaling case), measures
 * messages per second for each wssec operation on generated SOAP 1.1
 * messages of about 2 KB to 20 MB, next to the limits of the machine
 * measured in the same run (RSA-2048 private and public operations with the
 * same keys, SHA-256 and AES-256-GCM throughput, libxml2 parsing of the same
 * messages), and prints each case's ratio to the bound those limits imply.
 *
 *   wssec_bench [--time S] [--reps N] [--warmup S] [--sizes 2K,20K,...]
 *               [--cases LIST] [--json FILE] [--quick] [--pki DIR]
 *   wssec_bench --dump DIR [--sizes ...]   write the messages the peers use
 *   wssec_bench --list                     the case names
 *
 * Each case (and each limit) runs in its own forked child, so one case's
 * heap does not inflate the next one's peak: the child builds its contexts
 * and inputs, returns what it can to the system, resets its peak resident
 * size (/proc/self/clear_refs 5), warms up, runs --reps repetitions of
 * --time seconds each, and reports the rate of every repetition and its
 * peak resident size (VmHWM). The parent also records the child's whole
 * peak (ru_maxrss from wait4), setup included.
 *
 * Output: a table on standard output; JSON lines (one object per row, the
 * schema shared with the WSS4J and gSOAP benches) with --json.
 *
 * Exit status: 0 when every case that can run ran without error (cases that
 * need encryption report "n/a" while the library has none); 1 when a case
 * failed; 2 for a usage error.
 */
#include <ctype.h>
#include <errno.h>
#include <malloc.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <libxml/parser.h>
#include <libxml/xmlversion.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <wssec/wssec.h>

#ifndef WSSEC_SOURCE_DIR
#define WSSEC_SOURCE_DIR "."
#endif

/* The clock of every wssec context in the timed cases (inside the validity
 * of the test PKI and of the Timestamps the cases write). */
#define BENCH_NOW "2025-06-01T12:00:00Z"
#define BENCH_USER "alice"
#define BENCH_PASSWORD "alice-s3cret"
#define MAX_REPS 64
#define MAX_SIZES 16
#define MAX_THREADS 2

/* ===================================================================== */
/* options                                                                */
/* ===================================================================== */

typedef struct options {
    double time_s, warmup_s;
    int reps;
    size_t sizes[MAX_SIZES];
    size_t nsizes;
    size_t scaling_sizes[MAX_SIZES];
    size_t nscaling;
    const char *cases; /* comma list, NULL: all */
    const char *json;
    const char *pki;
    const char *dump;
    long fixed_ops; /* --ops N: N operations per repetition instead of a time (profiling) */
    bool quick, no_fork;
} options;

static options opt;

static void die_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die_usage(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("wssec_bench: ", stderr);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputs("\n(wssec_bench --help for usage)\n", stderr);
    exit(2);
}

static int parse_size_text(const char *s, size_t *out)
{
    char *end = NULL;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s) return -1;
    unsigned long long mul = 1;
    if (*end == 'K' || *end == 'k') mul = 1024ULL, end++;
    else if (*end == 'M' || *end == 'm') mul = 1024ULL * 1024, end++;
    if (*end == 'B' || *end == 'b') end++;
    if (*end || v == 0 || v > 1024ULL * 1024 * 1024 / mul) return -1;
    *out = (size_t)(v * mul);
    return 0;
}

static void size_label(size_t n, char *buf, size_t len)
{
    if (n % (1024 * 1024) == 0) snprintf(buf, len, "%zuM", n / (1024 * 1024));
    else if (n % 1024 == 0) snprintf(buf, len, "%zuK", n / 1024);
    else snprintf(buf, len, "%zu", n);
}

static size_t parse_size_list(const char *list, size_t *out, size_t max)
{
    size_t n = 0;
    char buf[512];
    snprintf(buf, sizeof(buf), "%s", list);
    for (char *p = buf; p && *p;) {
        char *comma = strchr(p, ',');
        if (comma) *comma = '\0';
        if (n == max || parse_size_text(p, &out[n])) die_usage("bad size '%s'", p);
        n++;
        p = comma ? comma + 1 : NULL;
    }
    if (!n) die_usage("empty size list");
    return n;
}

static double parse_double(const char *s, const char *what)
{
    char *end = NULL;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end || !(v > 0) || v > 3600) die_usage("bad %s '%s'", what, s);
    return v;
}

static long parse_long(const char *s, const char *what, long lo, long hi)
{
    char *end = NULL;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < lo || v > hi) die_usage("bad %s '%s'", what, s);
    return v;
}

static bool in_list(const char *list, const char *word)
{
    if (!list) return true;
    size_t n = strlen(word);
    for (const char *p = list; *p;) {
        const char *e = strchr(p, ',');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (len == n && strncmp(p, word, n) == 0) return true;
        if (!e) break;
        p = e + 1;
    }
    return false;
}

/* ===================================================================== */
/* small helpers                                                          */
/* ===================================================================== */

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static char pki_path_buf[8][1024];
static int pki_path_next;
static const char *pki(const char *file)
{
    char *b = pki_path_buf[pki_path_next++ % 8];
    snprintf(b, sizeof(pki_path_buf[0]), "%s/%s", opt.pki, file);
    return b;
}

/* One field of /proc/self/status, in kB (VmHWM, VmRSS), or -1. */
static long proc_status_kb(const char *field)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long v = -1;
    size_t n = strlen(field);
    if (!f) return -1;
    while (fgets(line, sizeof(line), f))
        if (strncmp(line, field, n) == 0 && line[n] == ':') {
            v = strtol(line + n + 1, NULL, 10);
            break;
        }
    fclose(f);
    return v;
}

/* Resets the peak resident size (Linux >= 4.0). 0 on success. */
static int reset_peak_rss(void)
{
    FILE *f = fopen("/proc/self/clear_refs", "w");
    if (!f) return -1;
    int ok = fputs("5", f) >= 0;
    return fclose(f) == 0 && ok ? 0 : -1;
}

/* ===================================================================== */
/* messages                                                               */
/* ===================================================================== */

#define NS_SOAP11 "http://schemas.xmlsoap.org/soap/envelope/"
#define NS_BENCH "urn:wssec:bench"

/* A SOAP 1.1 envelope of about `size` bytes: an empty Header and a Body
 * holding b:Payload with repeated b:Item children of deterministic text
 * (the same bytes on every run and in every program). */
static char *make_plain(size_t size, size_t *len)
{
    static const char head[] =
        "<soap:Envelope xmlns:soap=\"" NS_SOAP11 "\">\n"
        "  <soap:Header/>\n"
        "  <soap:Body>\n"
        "    <b:Payload xmlns:b=\"" NS_BENCH "\">\n";
    static const char tail[] = "    </b:Payload>\n  </soap:Body>\n</soap:Envelope>\n";
    static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
    size_t cap = size + 256;
    char *p = malloc(cap);
    if (!p) return NULL;
    size_t n = 0;
    memcpy(p, head, sizeof(head) - 1);
    n += sizeof(head) - 1;
    uint32_t x = 2463534242u; /* xorshift32 state */
    const size_t item_overhead = strlen("      <b:Item></b:Item>\n");
    unsigned long i = 0;
    while (n + item_overhead + sizeof(tail) - 1 < size) {
        size_t room = size - (n + item_overhead + sizeof(tail) - 1);
        size_t words = 8;
        char text[160];
        size_t t = 0;
        for (size_t w = 0; w < words && t < sizeof(text) - 12; w++) {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            size_t wl = 3 + x % 7;
            if (t) text[t++] = ' ';
            for (size_t k = 0; k < wl; k++) {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                text[t++] = alphabet[x % (sizeof(alphabet) - 1)];
            }
        }
        if (t > room) t = room;
        if (t == 0) break;
        n += (size_t)snprintf(p + n, cap - n, "      <b:Item>%.*s</b:Item>\n", (int)t, text);
        i++;
    }
    memcpy(p + n, tail, sizeof(tail) - 1);
    n += sizeof(tail) - 1;
    p[n] = '\0';
    *len = n;
    return p;
}

/* ===================================================================== */
/* wssec contexts                                                         */
/* ===================================================================== */

static int password_cb(char *buf, size_t size, size_t *len, const char *user,
                       wssec_password_usage usage, void *userdata)
{
    (void)usage;
    (void)userdata;
    if (strcmp(user, BENCH_USER) != 0) return WSSEC_EAUTH;
    size_t n = strlen(BENCH_PASSWORD);
    if (n > size) return WSSEC_ELIMIT;
    memcpy(buf, BENCH_PASSWORD, n);
    *len = n;
    return 0;
}

/*
 * The replay cache of the benchmark contexts: wssec's in-memory cache, with
 * each key salted by a per-insert counter, so that verifying the same
 * message bytes again is not a replay (each insert is as new as a fresh
 * message's would be: the cost measured is the real one). The inner cache
 * is replaced by an empty one every `max` inserts, so it never fills.
 */
typedef struct salted_cache {
    pthread_mutex_t lock;
    wssec_replay_cache *inner;
    uint64_t counter;
    size_t used, max;
} salted_cache;

static int salted_insert(void *state, const unsigned char key[WSSEC_REPLAY_KEY_LEN],
                         wssec_time expires, wssec_time now, char *errbuf, size_t errlen)
{
    salted_cache *s = state;
    unsigned char k[WSSEC_REPLAY_KEY_LEN];
    memcpy(k, key, sizeof(k));
    pthread_mutex_lock(&s->lock);
    uint64_t c = ++s->counter;
    if (++s->used > s->max) {
        wssec_replay_cache *fresh = NULL;
        if (wssec_replay_cache_memory_new(&fresh, s->max) == 0) {
            wssec_replay_cache_release(s->inner);
            s->inner = fresh;
            s->used = 1;
        }
    }
    wssec_replay_cache *inner = wssec_replay_cache_retain(s->inner);
    pthread_mutex_unlock(&s->lock);
    for (int i = 0; i < 8; i++) k[i] ^= (unsigned char)(c >> (8 * i));
    int rc = wssec_replay_cache_insert(inner, k, expires, now, errbuf, errlen);
    wssec_replay_cache_release(inner);
    return rc;
}

static void salted_destroy(void *state)
{
    salted_cache *s = state;
    wssec_replay_cache_release(s->inner);
    pthread_mutex_destroy(&s->lock);
    free(s);
}

static const wssec_replay_ops salted_ops = { WSSEC_REPLAY_OPS_VERSION, "memory (bench: salted)",
                                             salted_insert, salted_destroy };

static wssec_replay_cache *salted_cache_new(size_t max)
{
    salted_cache *s = calloc(1, sizeof(*s));
    wssec_replay_cache *c = NULL;
    if (!s) return NULL;
    pthread_mutex_init(&s->lock, NULL);
    s->max = max;
    if (wssec_replay_cache_memory_new(&s->inner, max) != 0 ||
        wssec_replay_cache_new(&c, &salted_ops, s) != 0) {
        salted_destroy(s);
        return NULL;
    }
    return c;
}

/* What a context is for. */
enum ctx_kind {
    CK_SECURE,         /* Timestamp + BST + rsa-sha256 over Body and Timestamp */
    CK_VERIFY,         /* full trust validation, certificate cache on */
    CK_VERIFY_NOCACHE, /* the same, cache off */
    CK_ENCRYPT,        /* Timestamp + Body content, aes256-gcm, rsa-oaep to server.crt */
    CK_DECRYPT,        /* require a Timestamp; decrypt with server.key */
    CK_SECURE_ENCRYPT, /* Timestamp, signature, then encryption */
    CK_DECRYPT_VERIFY, /* decrypt, then the default policy (signature over Body + Timestamp) */
    CK_UT_GENERATE,    /* UsernameToken, PasswordDigest */
    CK_UT_VALIDATE     /* require it (nonce replay check on) */
};

/* Set while building a context: "n/a" rather than an error. */
static char na_reason[300];
static const char *encrypt_action = "encrypt";

static bool encryption_built(void)
{
    return wssec_config_has_option("encrypt-cert") != 0;
}

static int set(wssec_config *cfg, const char *name, const char *value, char *err, size_t errlen)
{
    int rc = wssec_config_set(cfg, name, value);
    if (rc) {
        const char *m = wssec_config_error(cfg)->message;
        if (rc == WSSEC_ECONFIG && m && strstr(m, "unknown option") &&
            (!strcmp(name, "encrypt-cert") || !strcmp(name, "enc-alg") ||
             !strcmp(name, "key-transport") || !strcmp(name, "decrypt-key")))
            snprintf(na_reason, sizeof(na_reason), "encryption not built");
        snprintf(err, errlen, "option %s=%s: %s", name, value, m ? m : "?");
    }
    return rc;
}

/* Builds a context; NULL with the reason in err (and na_reason set when the
 * library lacks the feature). `dump` uses the real clock and a day-long
 * Timestamp lifetime, for messages other programs will verify now. */
static wssec_ctx *make_ctx(enum ctx_kind kind, bool dump, char *err, size_t errlen)
{
    wssec_config *cfg = NULL;
    wssec_ctx *ctx = NULL;
    bool sign = false, trust = false, enc = false, dec = false;
    const char *actions = NULL, *require = NULL;
    switch (kind) {
    case CK_SECURE: sign = true, actions = "timestamp,signature"; break;
    case CK_VERIFY:
    case CK_VERIFY_NOCACHE: trust = true; break;
    case CK_ENCRYPT: enc = true, actions = "timestamp,ENC"; break;
    case CK_DECRYPT: dec = true, require = "timestamp"; break;
    case CK_SECURE_ENCRYPT: sign = enc = true, actions = "timestamp,signature,ENC"; break;
    case CK_DECRYPT_VERIFY: trust = dec = true; break;
    case CK_UT_GENERATE: actions = "username-token"; break;
    case CK_UT_VALIDATE: require = "username-token"; break;
    }
    if ((enc || dec) && !encryption_built()) {
        snprintf(na_reason, sizeof(na_reason), "encryption not built");
        snprintf(err, errlen, "encryption not built");
        return NULL;
    }
    if (wssec_config_new(&cfg) != 0) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    char act[200] = "";
    if (actions) {
        /* the action that encrypts: "encrypt" (or what WSSEC_BENCH_ENCRYPT_ACTION says) */
        const char *p = strstr(actions, "ENC");
        if (p) snprintf(act, sizeof(act), "%.*s%s", (int)(p - actions), actions, encrypt_action);
        else snprintf(act, sizeof(act), "%s", actions);
    }
    bool ok = !set(cfg, "max-message-size", "64M", err, errlen) &&
              !set(cfg, "max-nodes", "50000000", err, errlen) &&
              /* the 20 MB message's references canonicalize to about 20 MB */
              !set(cfg, "max-c14n-bytes", "128M", err, errlen) &&
              (dump ? !set(cfg, "timestamp-ttl", "86400", err, errlen)
                    : !set(cfg, "now", BENCH_NOW, err, errlen)) &&
              (!actions || !set(cfg, "actions", act, err, errlen)) &&
              (!require || !set(cfg, "require", require, err, errlen)) &&
              (!sign || (!set(cfg, "sign-key", pki("alice.key"), err, errlen) &&
                         !set(cfg, "sign-cert", pki("alice.crt"), err, errlen))) &&
              (!trust || (!set(cfg, "trust", pki("root.crt"), err, errlen) &&
                          !set(cfg, "certs", pki("inter.crt"), err, errlen) &&
                          /* the same message is verified many times */
                          !set(cfg, "replay-signatures", "false", err, errlen))) &&
              (kind != CK_VERIFY_NOCACHE || !set(cfg, "cert-cache", "false", err, errlen)) &&
              (!enc || (!set(cfg, "encrypt-cert", pki("server.crt"), err, errlen) &&
                        !set(cfg, "enc-alg", "aes256-gcm", err, errlen) &&
                        !set(cfg, "key-transport", "rsa-oaep", err, errlen))) &&
              (!dec || !set(cfg, "decrypt-key", pki("server.key"), err, errlen)) &&
              (kind != CK_UT_GENERATE || !set(cfg, "username", BENCH_USER, err, errlen));
    if (ok) {
        wssec_config_set_password_cb(cfg, password_cb, NULL);
        wssec_replay_cache *rc = salted_cache_new(1 << 16);
        if (!rc) {
            snprintf(err, errlen, "out of memory");
            ok = false;
        } else {
            wssec_config_set_replay_cache(cfg, rc);
            wssec_replay_cache_release(rc);
        }
    }
    if (ok && wssec_ctx_new(&ctx, cfg) != 0) {
        const char *m = wssec_config_error(cfg)->message;
        snprintf(err, errlen, "context: %s", m ? m : "?");
        ctx = NULL;
    }
    wssec_config_free(cfg);
    return ctx;
}

/* parse + secure + serialize. */
static int do_secure(wssec_ctx *ctx, const char *in, size_t len, unsigned char **out,
                     size_t *outlen, char *err, size_t errlen)
{
    wssec_msg *msg = NULL;
    int rc = wssec_msg_new(&msg, ctx);
    if (rc == 0) rc = wssec_msg_parse(msg, in, len);
    if (rc == 0) rc = wssec_secure(msg, NULL);
    if (rc == 0) rc = wssec_msg_serialize(out, outlen, msg);
    if (rc && err) {
        const wssec_error *e = msg ? wssec_msg_error(msg) : NULL;
        snprintf(err, errlen, "secure: %s: %s", wssec_code_name(rc),
                 e && e->message ? e->message : "?");
    }
    wssec_msg_free(msg);
    return rc;
}

/* parse + verify (+ decrypt). */
static int do_verify(wssec_ctx *ctx, const char *in, size_t len, char *err, size_t errlen)
{
    wssec_msg *msg = NULL;
    wssec_result *res = NULL;
    int rc = wssec_msg_new(&msg, ctx);
    const wssec_error *e = NULL;
    if (rc == 0 && (rc = wssec_msg_parse(msg, in, len)) != 0) e = wssec_msg_error(msg);
    if (rc == 0 && (rc = wssec_verify(&res, msg)) != 0)
        e = res ? wssec_result_error(res) : wssec_msg_error(msg);
    if (rc && err)
        snprintf(err, errlen, "verify: %s: %s", wssec_code_name(rc),
                 e && e->message ? e->message : "?");
    wssec_result_free(res);
    wssec_msg_free(msg);
    return rc;
}

/* ===================================================================== */
/* the jobs                                                               */
/* ===================================================================== */

/* Inputs a job runs on. */
enum input_kind { IN_NONE, IN_PLAIN, IN_SIGNED, IN_UT, IN_ENC, IN_ENC_SIGNED };
static const char *const input_names[] = { "-", "plain", "signed", "ut", "encrypted",
                                           "encrypted+signed" };

typedef struct job job;
typedef int (*op_fn)(job *j, char *err, size_t errlen);

struct job {
    /* what */
    const char *name;  /* "verify", "rsa2048-sign", "parse", ... */
    const char *impl;  /* "wssec" or "limit" */
    enum input_kind input;
    size_t size;       /* target size of the plain message; 0 for size-less limits */
    int threads;       /* 1, or 2 for the scaling case (which also runs 1) */
    /* set up in the child */
    wssec_ctx *ctx;
    char *in;
    size_t inlen;
    op_fn op;
    /* crypto limits */
    EVP_PKEY *pkey;
    EVP_PKEY_CTX *pctx;
    unsigned char buf[512], buf2[512];
    size_t buflen, buf2len;
    EVP_CIPHER_CTX *cctx;
    unsigned char *out;
};

/* What a child reports for one measured row. */
typedef struct row {
    char impl[16], name[40], size_label[24], input[24];
    size_t size, bytes;
    int threads, nreps, status; /* 0 ok, 1 n/a, 2 error */
    double rates[MAX_REPS];
    long ops_total;
    long base_kb, peak_kb, total_peak_kb;
    char note[300];
    /* computed by the parent */
    double median, min, max, spread_pct, bound, ratio;
} row;

static int op_secure(job *j, char *err, size_t errlen)
{
    unsigned char *out = NULL;
    size_t n = 0;
    int rc = do_secure(j->ctx, j->in, j->inlen, &out, &n, err, errlen);
    wssec_free(out);
    return rc;
}

static int op_verify(job *j, char *err, size_t errlen)
{
    return do_verify(j->ctx, j->in, j->inlen, err, errlen);
}

/* libxml2's two ways to build a tree from bytes: xmlReadMemory, and the push parser fed in
 * 64 KiB chunks (what wssec does); the faster one on this input is the limit. */
static int op_parse_read(job *j, char *err, size_t errlen)
{
    xmlDocPtr d = xmlReadMemory(j->in, (int)j->inlen, NULL, NULL,
                                XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |
                                    XML_PARSE_HUGE);
    if (!d) {
        snprintf(err, errlen, "libxml2 cannot parse the message");
        return -1;
    }
    xmlFreeDoc(d);
    return 0;
}

static int op_parse_push(job *j, char *err, size_t errlen)
{
    xmlParserCtxtPtr c = xmlCreatePushParserCtxt(NULL, NULL, NULL, 0, NULL);
    if (!c) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    xmlCtxtUseOptions(c, XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |
                             XML_PARSE_HUGE);
    int rc = 0;
    const size_t step = 64 * 1024;
    for (size_t off = 0; rc == 0;) {
        size_t n = j->inlen - off < step ? j->inlen - off : step;
        rc = xmlParseChunk(c, j->in + off, (int)n, off + n == j->inlen);
        off += n;
        if (off == j->inlen) break;
    }
    if (rc || !c->wellFormed || !c->myDoc) {
        snprintf(err, errlen, "libxml2 cannot parse the message");
        rc = -1;
    }
    xmlFreeDoc(c->myDoc);
    c->myDoc = NULL;
    xmlFreeParserCtxt(c);
    return rc;
}

static const char *parse_variant = ""; /* which one the parse limit used */

static int op_sha256(job *j, char *err, size_t errlen)
{
    unsigned char md[32];
    if (!EVP_Digest(j->in, j->inlen, md, NULL, EVP_sha256(), NULL)) {
        snprintf(err, errlen, "SHA-256 failed");
        return -1;
    }
    return 0;
}

static int op_aes_gcm(job *j, char *err, size_t errlen)
{
    static const unsigned char key[32] = { 1 }, iv[12] = { 2 };
    unsigned char tag[16];
    int n = 0, m = 0;
    if (!EVP_EncryptInit_ex(j->cctx, EVP_aes_256_gcm(), NULL, key, iv) ||
        !EVP_EncryptUpdate(j->cctx, j->out, &n, (const unsigned char *)j->in, (int)j->inlen) ||
        !EVP_EncryptFinal_ex(j->cctx, j->out + n, &m) ||
        !EVP_CIPHER_CTX_ctrl(j->cctx, EVP_CTRL_GCM_GET_TAG, 16, tag)) {
        snprintf(err, errlen, "AES-256-GCM failed");
        return -1;
    }
    return 0;
}

static int op_rsa_sign(job *j, char *err, size_t errlen)
{
    size_t n = sizeof(j->buf2);
    if (EVP_PKEY_sign(j->pctx, j->buf2, &n, j->buf, 32) != 1) {
        snprintf(err, errlen, "RSA sign failed");
        return -1;
    }
    return 0;
}

static int op_rsa_verify(job *j, char *err, size_t errlen)
{
    if (EVP_PKEY_verify(j->pctx, j->buf2, j->buf2len, j->buf, 32) != 1) {
        snprintf(err, errlen, "RSA verify failed");
        return -1;
    }
    return 0;
}

static int op_oaep_encrypt(job *j, char *err, size_t errlen)
{
    size_t n = sizeof(j->buf2);
    if (EVP_PKEY_encrypt(j->pctx, j->buf2, &n, j->buf, 32) != 1) {
        snprintf(err, errlen, "RSA-OAEP encrypt failed");
        return -1;
    }
    return 0;
}

static int op_oaep_decrypt(job *j, char *err, size_t errlen)
{
    unsigned char out[512];
    size_t n = sizeof(out);
    if (EVP_PKEY_decrypt(j->pctx, out, &n, j->buf2, j->buf2len) != 1 || n != 32) {
        snprintf(err, errlen, "RSA-OAEP decrypt failed");
        return -1;
    }
    return 0;
}

static EVP_PKEY *read_key(const char *file)
{
    FILE *f = fopen(file, "r");
    EVP_PKEY *k = f ? PEM_read_PrivateKey(f, NULL, NULL, NULL) : NULL;
    if (f) fclose(f);
    return k;
}

static EVP_PKEY *read_cert_key(const char *file)
{
    FILE *f = fopen(file, "r");
    X509 *x = f ? PEM_read_X509(f, NULL, NULL, NULL) : NULL;
    if (f) fclose(f);
    EVP_PKEY *k = x ? X509_get_pubkey(x) : NULL;
    X509_free(x);
    return k;
}

/* Makes the input message of a job. */
static int make_input(job *j, char *err, size_t errlen)
{
    size_t plen = 0;
    char *plain = make_plain(j->size, &plen);
    if (!plain) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    enum ctx_kind producer;
    switch (j->input) {
    case IN_PLAIN:
        j->in = plain;
        j->inlen = plen;
        return 0;
    case IN_SIGNED: producer = CK_SECURE; break;
    case IN_UT: producer = CK_UT_GENERATE; break;
    case IN_ENC: producer = CK_ENCRYPT; break;
    case IN_ENC_SIGNED: producer = CK_SECURE_ENCRYPT; break;
    default: free(plain); snprintf(err, errlen, "no input"); return -1;
    }
    wssec_ctx *p = make_ctx(producer, false, err, errlen);
    unsigned char *out = NULL;
    size_t n = 0;
    int rc = p ? do_secure(p, plain, plen, &out, &n, err, errlen) : -1;
    wssec_ctx_free(p);
    free(plain);
    if (rc) return -1;
    /* a copy from our own allocator, so that the job owns plain malloc'd bytes */
    j->in = malloc(n + 1);
    if (!j->in) {
        wssec_free(out);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    memcpy(j->in, out, n + 1);
    j->inlen = n;
    wssec_free(out);
    return 0;
}

static double timed(job *j, int threads, double seconds, long fixed_ops, long *ops, char *err,
                    size_t errlen);

/* Sets up a job in the child. 0 ok; 1 n/a; -1 error (reason in err). */
static int job_setup(job *j, char *err, size_t errlen)
{
    na_reason[0] = '\0';
    if (!strcmp(j->impl, "limit")) {
        if (!strcmp(j->name, "rsa2048-sign") || !strcmp(j->name, "rsa2048-verify")) {
            /* the RSA operations of an rsa-sha256 signature, with alice's key */
            bool sign = !strcmp(j->name, "rsa2048-sign");
            EVP_PKEY *priv = read_key(pki("alice.key"));
            j->pkey = sign ? priv : read_cert_key(pki("alice.crt"));
            if (!priv || !j->pkey) goto keyfail;
            memset(j->buf, 0x5a, 32);
            EVP_PKEY_CTX *s = EVP_PKEY_CTX_new(priv, NULL);
            j->buf2len = sizeof(j->buf2);
            if (!s || EVP_PKEY_sign_init(s) != 1 ||
                EVP_PKEY_CTX_set_rsa_padding(s, RSA_PKCS1_PADDING) != 1 ||
                EVP_PKEY_CTX_set_signature_md(s, EVP_sha256()) != 1 ||
                EVP_PKEY_sign(s, j->buf2, &j->buf2len, j->buf, 32) != 1) {
                EVP_PKEY_CTX_free(s);
                goto keyfail;
            }
            if (sign) {
                j->pctx = s;
                j->op = op_rsa_sign;
            } else {
                EVP_PKEY_CTX_free(s);
                EVP_PKEY_free(priv);
                j->pctx = EVP_PKEY_CTX_new(j->pkey, NULL);
                if (!j->pctx || EVP_PKEY_verify_init(j->pctx) != 1 ||
                    EVP_PKEY_CTX_set_rsa_padding(j->pctx, RSA_PKCS1_PADDING) != 1 ||
                    EVP_PKEY_CTX_set_signature_md(j->pctx, EVP_sha256()) != 1)
                    goto keyfail;
                j->op = op_rsa_verify;
            }
            return 0;
        }
        if (!strcmp(j->name, "rsa2048-oaep-encrypt") || !strcmp(j->name, "rsa2048-oaep-decrypt")) {
            /* key transport of a 256-bit key to server.crt (RSA-OAEP, SHA-1, MGF1-SHA-1) */
            EVP_PKEY *pub = read_cert_key(pki("server.crt"));
            EVP_PKEY *priv = read_key(pki("server.key"));
            if (!pub || !priv) goto keyfail;
            memset(j->buf, 0x33, 32);
            EVP_PKEY_CTX *e = EVP_PKEY_CTX_new(pub, NULL);
            j->buf2len = sizeof(j->buf2);
            if (!e || EVP_PKEY_encrypt_init(e) != 1 ||
                EVP_PKEY_CTX_set_rsa_padding(e, RSA_PKCS1_OAEP_PADDING) != 1 ||
                EVP_PKEY_encrypt(e, j->buf2, &j->buf2len, j->buf, 32) != 1) {
                EVP_PKEY_CTX_free(e);
                goto keyfail;
            }
            if (!strcmp(j->name, "rsa2048-oaep-encrypt")) {
                j->pctx = e;
                j->pkey = pub;
                EVP_PKEY_free(priv);
                j->op = op_oaep_encrypt;
            } else {
                EVP_PKEY_CTX_free(e);
                EVP_PKEY_free(pub);
                j->pkey = priv;
                j->pctx = EVP_PKEY_CTX_new(priv, NULL);
                if (!j->pctx || EVP_PKEY_decrypt_init(j->pctx) != 1 ||
                    EVP_PKEY_CTX_set_rsa_padding(j->pctx, RSA_PKCS1_OAEP_PADDING) != 1)
                    goto keyfail;
                j->op = op_oaep_decrypt;
            }
            return 0;
        }
        if (!strcmp(j->name, "sha256") || !strcmp(j->name, "aes256-gcm")) {
            j->input = IN_PLAIN;
            if (make_input(j, err, errlen)) return -1;
            if (!strcmp(j->name, "sha256")) {
                j->op = op_sha256;
            } else {
                j->cctx = EVP_CIPHER_CTX_new();
                j->out = malloc(j->inlen + 64);
                if (!j->cctx || !j->out) goto keyfail;
                j->op = op_aes_gcm;
            }
            return 0;
        }
        if (!strcmp(j->name, "parse")) {
            if (make_input(j, err, errlen)) return na_reason[0] ? 1 : -1;
            /* a short calibration picks the faster way for this input */
            double seconds = opt.fixed_ops ? 0.05 : opt.warmup_s < 0.2 ? opt.warmup_s : 0.2;
            j->op = op_parse_read;
            double read = timed(j, 1, seconds, 0, NULL, err, errlen);
            j->op = op_parse_push;
            double push = timed(j, 1, seconds, 0, NULL, err, errlen);
            if (read < 0 || push < 0) return -1;
            if (read > push) j->op = op_parse_read;
            parse_variant = j->op == op_parse_read ? "xmlReadMemory" : "push parser, 64 KiB chunks";
            return 0;
        }
        snprintf(err, errlen, "unknown limit %s", j->name);
        return -1;
    }
    enum ctx_kind k;
    j->op = op_verify;
    if (!strcmp(j->name, "secure")) k = CK_SECURE, j->op = op_secure, j->input = IN_PLAIN;
    else if (!strcmp(j->name, "verify")) k = CK_VERIFY, j->input = IN_SIGNED;
    else if (!strcmp(j->name, "verify-nocache")) k = CK_VERIFY_NOCACHE, j->input = IN_SIGNED;
    else if (!strcmp(j->name, "encrypt")) k = CK_ENCRYPT, j->op = op_secure, j->input = IN_PLAIN;
    else if (!strcmp(j->name, "decrypt")) k = CK_DECRYPT, j->input = IN_ENC;
    else if (!strcmp(j->name, "secure+encrypt"))
        k = CK_SECURE_ENCRYPT, j->op = op_secure, j->input = IN_PLAIN;
    else if (!strcmp(j->name, "decrypt+verify")) k = CK_DECRYPT_VERIFY, j->input = IN_ENC_SIGNED;
    else if (!strcmp(j->name, "ut-generate")) k = CK_UT_GENERATE, j->op = op_secure, j->input = IN_PLAIN;
    else if (!strcmp(j->name, "ut-validate")) k = CK_UT_VALIDATE, j->input = IN_UT;
    else {
        snprintf(err, errlen, "unknown case %s", j->name);
        return -1;
    }
    if (make_input(j, err, errlen)) return na_reason[0] ? 1 : -1;
    if (!(j->ctx = make_ctx(k, false, err, errlen))) return na_reason[0] ? 1 : -1;
    return 0;
keyfail:
    ERR_clear_error();
    snprintf(err, errlen, "%s: key set-up failed (samples/pki readable?)", j->name);
    return -1;
}

/* ---- timing ---- */

typedef struct runner {
    job *j;
    double seconds;
    long fixed_ops;
    long ops;
    double elapsed;
    int rc;
    char err[300];
    pthread_barrier_t *start;
} runner;

static void *run_loop(void *arg)
{
    runner *r = arg;
    if (r->start) pthread_barrier_wait(r->start);
    long n = 0;
    double t0 = now_s(), t = t0;
    for (;;) {
        if ((r->rc = r->j->op(r->j, r->err, sizeof(r->err))) != 0) break;
        n++;
        t = now_s();
        if (r->fixed_ops ? n >= r->fixed_ops : t - t0 >= r->seconds) break;
    }
    r->ops = n;
    r->elapsed = t - t0;
    return NULL;
}

/* Runs op for `seconds` (or fixed_ops operations) on `threads` threads;
 * returns the total rate, or a negative value on error. */
static double timed(job *j, int threads, double seconds, long fixed_ops, long *ops, char *err,
                    size_t errlen)
{
    runner r[MAX_THREADS];
    pthread_t tid[MAX_THREADS];
    pthread_barrier_t bar;
    memset(r, 0, sizeof(r));
    if (threads > 1) pthread_barrier_init(&bar, NULL, (unsigned)threads);
    for (int i = 0; i < threads; i++) {
        r[i].j = j;
        r[i].seconds = seconds;
        r[i].fixed_ops = fixed_ops;
        r[i].start = threads > 1 ? &bar : NULL;
    }
    if (threads == 1) {
        run_loop(&r[0]);
    } else {
        for (int i = 0; i < threads; i++) pthread_create(&tid[i], NULL, run_loop, &r[i]);
        for (int i = 0; i < threads; i++) pthread_join(tid[i], NULL);
        pthread_barrier_destroy(&bar);
    }
    double rate = 0;
    long total = 0;
    for (int i = 0; i < threads; i++) {
        if (r[i].rc) {
            snprintf(err, errlen, "%s", r[i].err);
            return -1;
        }
        rate += (double)r[i].ops / r[i].elapsed;
        total += r[i].ops;
    }
    if (ops) *ops += total;
    return rate;
}

static void row_init(row *r, const job *j, int threads)
{
    memset(r, 0, sizeof(*r));
    snprintf(r->impl, sizeof(r->impl), "%s", j->impl);
    snprintf(r->name, sizeof(r->name), "%s", j->name);
    snprintf(r->input, sizeof(r->input), "%s", input_names[j->input]);
    if (j->size) size_label(j->size, r->size_label, sizeof(r->size_label));
    else snprintf(r->size_label, sizeof(r->size_label), "-");
    r->size = j->size;
    r->threads = threads;
}

/* Runs one job in the current process; writes rows to fd. */
static void job_run(job *j, int fd)
{
    row rows[MAX_THREADS];
    int nrows = j->threads > 1 ? j->threads : 1;
    char err[300] = "";
    for (int t = 0; t < nrows; t++) row_init(&rows[t], j, t + 1);
    if (j->threads <= 1) rows[0].threads = 1;
    int s = job_setup(j, err, sizeof(err));
    if (s) {
        for (int t = 0; t < nrows; t++) {
            rows[t].status = s > 0 ? 1 : 2;
            snprintf(rows[t].note, sizeof(rows[t].note), "%s",
                     s > 0 && na_reason[0] ? na_reason : err);
        }
        goto out;
    }
    for (int t = 0; t < nrows; t++) {
        rows[t].bytes = j->inlen;
        snprintf(rows[t].note, sizeof(rows[t].note), "%s", parse_variant);
    }
    /* one checked operation: a case that fails is an error, not a number */
    if (j->op(j, err, sizeof(err)) != 0) {
        for (int t = 0; t < nrows; t++) {
            rows[t].status = 2;
            snprintf(rows[t].note, sizeof(rows[t].note), "%s", err);
        }
        goto out;
    }
    malloc_trim(0);
    long base = proc_status_kb("VmRSS");
    bool reset = reset_peak_rss() == 0;
    for (int t = 0; t < nrows; t++) {
        int threads = j->threads > 1 ? t + 1 : 1;
        row *r = &rows[t];
        r->base_kb = base;
        if (!opt.fixed_ops && timed(j, threads, opt.warmup_s, 0, NULL, err, sizeof(err)) < 0) {
            r->status = 2;
            snprintf(r->note, sizeof(r->note), "%s", err);
            continue;
        }
        for (int i = 0; i < opt.reps; i++) {
            double rate = timed(j, threads, opt.time_s, opt.fixed_ops, &r->ops_total, err,
                                sizeof(err));
            if (rate < 0) {
                r->status = 2;
                snprintf(r->note, sizeof(r->note), "%s", err);
                break;
            }
            r->rates[r->nreps++] = rate;
        }
        r->peak_kb = reset ? proc_status_kb("VmHWM") : -1;
    }
out:
    /* (a child exits right after; --no-fork runs the next job in this process) */
    wssec_ctx_free(j->ctx);
    free(j->in);
    EVP_PKEY_CTX_free(j->pctx);
    EVP_PKEY_free(j->pkey);
    EVP_CIPHER_CTX_free(j->cctx);
    free(j->out);
    j->ctx = NULL, j->in = NULL, j->pctx = NULL, j->pkey = NULL, j->cctx = NULL, j->out = NULL;
    for (int t = 0; t < nrows; t++) {
        const char *p = (const char *)&rows[t];
        size_t left = sizeof(row);
        while (left) {
            ssize_t w = write(fd, p, left);
            if (w < 0 && errno == EINTR) continue;
            if (w <= 0) break;
            p += w;
            left -= (size_t)w;
        }
    }
}

/* ===================================================================== */
/* the plan and the parent                                                */
/* ===================================================================== */

static row *results;
static size_t nresults, capresults;
static FILE *json_out;

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void row_stats(row *r)
{
    if (r->status || r->nreps == 0) return;
    double v[MAX_REPS];
    memcpy(v, r->rates, sizeof(double) * (size_t)r->nreps);
    qsort(v, (size_t)r->nreps, sizeof(double), cmp_double);
    r->min = v[0];
    r->max = v[r->nreps - 1];
    r->median = r->nreps % 2 ? v[r->nreps / 2] : (v[r->nreps / 2 - 1] + v[r->nreps / 2]) / 2;
    r->spread_pct = r->median > 0 ? 100.0 * (r->max - r->min) / r->median : 0;
}

static row *add_result(const row *r)
{
    if (nresults == capresults) {
        capresults = capresults ? capresults * 2 : 64;
        results = realloc(results, capresults * sizeof(*results));
        if (!results) {
            perror("wssec_bench");
            exit(1);
        }
    }
    results[nresults] = *r;
    return &results[nresults++];
}

static const row *find(const char *impl, const char *name, size_t size, const char *input,
                       int threads)
{
    for (size_t i = 0; i < nresults; i++) {
        const row *r = &results[i];
        if (!strcmp(r->impl, impl) && !strcmp(r->name, name) && r->size == size &&
            (!input || !strcmp(r->input, input)) && r->threads == threads && r->status == 0)
            return r;
    }
    return NULL;
}

static int run_job(job *j)
{
    char label[24];
    size_label(j->size, label, sizeof(label));
    fprintf(stderr, "  %-8s %-22s %-6s %s\n", j->impl, j->name, j->size ? label : "-",
            j->input != IN_NONE && strcmp(j->impl, "wssec") ? input_names[j->input] : "");
    int p[2];
    if (opt.no_fork) {
        char tmpl[] = "/tmp/wssec-bench-XXXXXX";
        int fd = mkstemp(tmpl);
        if (fd < 0) return -1;
        unlink(tmpl);
        job_run(j, fd);
        lseek(fd, 0, SEEK_SET);
        row r;
        int n = 0;
        while (read(fd, &r, sizeof(r)) == (ssize_t)sizeof(r)) {
            struct rusage ru;
            getrusage(RUSAGE_SELF, &ru);
            r.total_peak_kb = ru.ru_maxrss;
            row_stats(&r);
            add_result(&r);
            n++;
        }
        close(fd);
        return n ? 0 : -1;
    }
    if (pipe(p)) return -1;
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) return -1;
    if (pid == 0) {
        close(p[0]);
        job_run(j, p[1]);
        close(p[1]);
        _exit(0);
    }
    close(p[1]);
    row got[MAX_THREADS];
    int n = 0;
    size_t have = 0;
    for (;;) {
        ssize_t r = read(p[0], (char *)got + have, sizeof(got) - have);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) break;
        have += (size_t)r;
        if (have == sizeof(got)) break;
    }
    close(p[0]);
    n = (int)(have / sizeof(row));
    int status = 0;
    struct rusage ru;
    memset(&ru, 0, sizeof(ru));
    while (wait4(pid, &status, 0, &ru) < 0 && errno == EINTR) {}
    if (n == 0) {
        row r;
        row_init(&r, j, j->threads > 1 ? 1 : 1);
        r.status = 2;
        if (WIFSIGNALED(status))
            snprintf(r.note, sizeof(r.note), "the child died of signal %d (%s)", WTERMSIG(status),
                     strsignal(WTERMSIG(status)));
        else
            snprintf(r.note, sizeof(r.note), "the child reported nothing (exit %d)",
                     WEXITSTATUS(status));
        add_result(&r);
        return 0;
    }
    for (int i = 0; i < n; i++) {
        got[i].total_peak_kb = ru.ru_maxrss;
        row_stats(&got[i]);
        add_result(&got[i]);
    }
    return 0;
}

/* ---- bounds ---- */

static double t_of(const row *r) { return r && r->median > 0 ? 1.0 / r->median : NAN; }

/* The time floor of one operation of a case, from the limits measured in
 * this run, or NAN when a needed limit is missing. */
static double floor_time(const row *c)
{
    size_t z = c->size;
    const char *name = c->name;
    double parse_plain = t_of(find("limit", "parse", z, "plain", 1));
    double parse_signed = t_of(find("limit", "parse", z, "signed", 1));
    double parse_ut = t_of(find("limit", "parse", z, "ut", 1));
    double parse_enc = t_of(find("limit", "parse", z, "encrypted", 1));
    double parse_encsig = t_of(find("limit", "parse", z, "encrypted+signed", 1));
    double sha = t_of(find("limit", "sha256", z, NULL, 1));
    double aes = t_of(find("limit", "aes256-gcm", z, NULL, 1));
    double priv = t_of(find("limit", "rsa2048-sign", 0, NULL, 1));
    double pub = t_of(find("limit", "rsa2048-verify", 0, NULL, 1));
    double oenc = t_of(find("limit", "rsa2048-oaep-encrypt", 0, NULL, 1));
    double odec = t_of(find("limit", "rsa2048-oaep-decrypt", 0, NULL, 1));
    if (!strcmp(name, "secure")) return parse_plain + priv + sha;
    if (!strcmp(name, "verify") || !strcmp(name, "verify-nocache") ||
        !strcmp(name, "verify-scaling"))
        return parse_signed + pub + sha;
    if (!strcmp(name, "encrypt")) return parse_plain + oenc + aes;
    if (!strcmp(name, "decrypt")) return parse_enc + odec + aes;
    if (!strcmp(name, "secure+encrypt")) return parse_plain + priv + sha + oenc + aes;
    if (!strcmp(name, "decrypt+verify")) return parse_encsig + odec + aes + pub + sha;
    if (!strcmp(name, "ut-generate")) return parse_plain;
    if (!strcmp(name, "ut-validate")) return parse_ut;
    return NAN;
}

static const char *bound_formula(const char *name)
{
    if (!strcmp(name, "secure")) return "parse(plain) + RSA private + SHA-256(message)";
    if (!strcmp(name, "verify") || !strcmp(name, "verify-nocache"))
        return "parse(signed) + RSA public + SHA-256(message)";
    if (!strcmp(name, "encrypt")) return "parse(plain) + RSA-OAEP encrypt + AES-256-GCM(message)";
    if (!strcmp(name, "decrypt")) return "parse(encrypted) + RSA-OAEP decrypt + AES-256-GCM(message)";
    if (!strcmp(name, "secure+encrypt"))
        return "parse(plain) + RSA private + SHA-256 + RSA-OAEP encrypt + AES-256-GCM";
    if (!strcmp(name, "decrypt+verify"))
        return "parse(encrypted+signed) + RSA-OAEP decrypt + AES-256-GCM + RSA public + SHA-256";
    if (!strcmp(name, "ut-generate")) return "parse(plain)";
    if (!strcmp(name, "ut-validate")) return "parse(ut)";
    return "";
}

/* ---- output ---- */

static void json_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') fprintf(f, "\\%c", c);
        else if (c < 0x20) fprintf(f, "\\u%04x", c);
        else fputc(c, f);
    }
    fputc('"', f);
}

static void json_num(FILE *f, const char *key, double v)
{
    if (isfinite(v)) fprintf(f, ",\"%s\":%.6g", key, v);
    else fprintf(f, ",\"%s\":null", key);
}

static void json_row(const row *r)
{
    if (!json_out) return;
    FILE *f = json_out;
    fprintf(f, "{\"impl\":");
    json_str(f, r->impl);
    fprintf(f, ",\"case\":");
    json_str(f, r->name);
    fprintf(f, ",\"size\":");
    json_str(f, r->size_label);
    fprintf(f, ",\"target_bytes\":%zu,\"bytes\":%zu,\"input\":", r->size, r->bytes);
    json_str(f, r->input);
    fprintf(f, ",\"threads\":%d,\"status\":\"%s\"", r->threads,
            r->status == 0 ? "ok" : r->status == 1 ? "n/a" : "error");
    if (r->status == 0) {
        json_num(f, "ops_per_s", r->median);
        json_num(f, "min", r->min);
        json_num(f, "max", r->max);
        json_num(f, "spread_pct", r->spread_pct);
        json_num(f, "us_per_op", 1e6 / r->median);
        if (r->bytes) json_num(f, "mb_per_s", r->median * (double)r->bytes / 1e6);
        fprintf(f, ",\"reps\":%d,\"rates\":[", r->nreps);
        for (int i = 0; i < r->nreps; i++) fprintf(f, "%s%.6g", i ? "," : "", r->rates[i]);
        fprintf(f, "],\"ops\":%ld", r->ops_total);
        fprintf(f, ",\"base_rss_kb\":%ld,\"peak_rss_kb\":%ld,\"peak_rss_total_kb\":%ld", r->base_kb,
                r->peak_kb, r->total_peak_kb);
        json_num(f, "bound_ops_per_s", r->bound);
        json_num(f, "ratio_to_bound", r->ratio);
    }
    fprintf(f, ",\"note\":");
    json_str(f, r->note);
    fprintf(f, "}\n");
}

static void fmt_rate(double v, char *buf, size_t len)
{
    if (!isfinite(v) || v <= 0) snprintf(buf, len, "-");
    else if (v >= 100) snprintf(buf, len, "%.0f", v);
    else if (v >= 10) snprintf(buf, len, "%.1f", v);
    else snprintf(buf, len, "%.2f", v);
}

static void fmt_kb(long kb, char *buf, size_t len)
{
    if (kb < 0) snprintf(buf, len, "-");
    else if (kb >= 10 * 1024) snprintf(buf, len, "%.0f MB", (double)kb / 1024);
    else snprintf(buf, len, "%.1f MB", (double)kb / 1024);
}

static void fmt_bytes(size_t n, char *buf, size_t len)
{
    if (n >= 1024 * 1024) snprintf(buf, len, "%.1f MB", (double)n / (1024 * 1024));
    else if (n >= 1024) snprintf(buf, len, "%.1f KB", (double)n / 1024);
    else snprintf(buf, len, "%zu B", n);
}

static void machine(char *buf, size_t len)
{
    char model[200] = "?";
    FILE *f = fopen("/proc/cpuinfo", "r");
    char line[512];
    while (f && fgets(line, sizeof(line), f))
        if (!strncmp(line, "model name", 10)) {
            char *c = strchr(line, ':');
            if (c) {
                c++;
                while (*c == ' ') c++;
                snprintf(model, sizeof(model), "%.*s", (int)strcspn(c, "\n"), c);
            }
            break;
        }
    if (f) fclose(f);
    struct utsname u;
    uname(&u);
    snprintf(buf, len, "%s, %ld cores, Linux %s", model, sysconf(_SC_NPROCESSORS_ONLN), u.release);
}

static void loadavg(char *buf, size_t len)
{
    FILE *f = fopen("/proc/loadavg", "r");
    snprintf(buf, len, "?");
    if (f && fgets(buf, (int)len, f)) {
        char *sp = buf;
        for (int i = 0; i < 3 && sp; i++) sp = strchr(sp + 1, ' ');
        if (sp) *sp = '\0';
    }
    if (f) fclose(f);
}

static void print_header(void)
{
    char m[400], date[64], load[64];
    loadavg(load, sizeof(load));
    time_t t = time(NULL);
    strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%SZ", gmtime(&t));
    machine(m, sizeof(m));
    printf("wssec_bench: wssec %s, libxml2 %s, %s\n", wssec_version(), LIBXML_DOTTED_VERSION,
           OpenSSL_version(OPENSSL_VERSION));
    printf("machine: %s\ndate: %s\nload average at start: %s (other work on the machine shows "
           "as spread)\n",
           m, date, load);
    printf("method: one process per case (forked), %d repetitions of %s after %.2g s warm-up; "
           "median, spread = (max-min)/median\n",
           opt.reps, opt.fixed_ops ? "a fixed count" : "a fixed time", opt.warmup_s);
    if (!opt.fixed_ops) printf("time per repetition: %.3g s\n", opt.time_s);
    if (json_out) {
        fprintf(json_out, "{\"impl\":\"meta\",\"tool\":\"wssec_bench\",\"wssec\":\"%s\",\"libxml2\":\"%s\","
                          "\"openssl\":",
                wssec_version(), LIBXML_DOTTED_VERSION);
        json_str(json_out, OpenSSL_version(OPENSSL_VERSION));
        fprintf(json_out, ",\"machine\":");
        json_str(json_out, m);
        fprintf(json_out, ",\"date\":\"%s\",\"loadavg\":\"%s\",\"time_s\":%g,\"reps\":%d,"
                          "\"warmup_s\":%g,\"encryption\":%s}\n",
                date, load, opt.time_s, opt.reps, opt.warmup_s,
                encryption_built() ? "true" : "false");
    }
}

static void print_results(void)
{
    char a[32], b[32], c[32], d[32], e[32], f[32], g[32];
    /* limits without a size */
    printf("\nLimits (OpenSSL %s, one thread)\n", OpenSSL_version(OPENSSL_VERSION_STRING));
    printf("  %-34s %12s %9s\n", "operation", "ops/s", "spread");
    static const struct {
        const char *name, *what;
    } rsa[] = {
        { "rsa2048-sign", "RSA-2048 private (sign, alice.key)" },
        { "rsa2048-verify", "RSA-2048 public (verify, alice.crt)" },
        { "rsa2048-oaep-encrypt", "RSA-2048 OAEP encrypt (server.crt)" },
        { "rsa2048-oaep-decrypt", "RSA-2048 OAEP decrypt (server.key)" },
    };
    for (size_t i = 0; i < sizeof(rsa) / sizeof(rsa[0]); i++) {
        const row *r = find("limit", rsa[i].name, 0, NULL, 1);
        if (!r) continue;
        fmt_rate(r->median, a, sizeof(a));
        printf("  %-34s %12s %8.1f%%\n", rsa[i].what, a, r->spread_pct);
    }
    /* limits by size */
    bool any = false;
    for (size_t s = 0; s < opt.nsizes; s++)
        if (find("limit", "sha256", opt.sizes[s], NULL, 1)) any = true;
    if (any) {
        printf("\n  %-6s %10s %12s %12s  %-40s\n", "size", "bytes", "SHA-256", "AES-256-GCM",
               "libxml2 parse, msgs/s (plain / signed / ut / encrypted / enc+signed)");
        for (size_t s = 0; s < opt.nsizes; s++) {
            size_t z = opt.sizes[s];
            const row *sha = find("limit", "sha256", z, NULL, 1);
            const row *aes = find("limit", "aes256-gcm", z, NULL, 1);
            char label[24];
            size_label(z, label, sizeof(label));
            snprintf(a, sizeof(a), "%s", "-");
            snprintf(b, sizeof(b), "%s", "-");
            if (sha) snprintf(a, sizeof(a), "%.0f MB/s", sha->median * (double)sha->bytes / 1e6);
            if (aes) snprintf(b, sizeof(b), "%.0f MB/s", aes->median * (double)aes->bytes / 1e6);
            const char *inputs[] = { "plain", "signed", "ut", "encrypted", "encrypted+signed" };
            char *outs[] = { c, d, e, f, g };
            for (int i = 0; i < 5; i++) {
                const row *r = find("limit", "parse", z, inputs[i], 1);
                fmt_rate(r ? r->median : NAN, outs[i], 32);
            }
            printf("  %-6s %10zu %12s %12s  %s / %s / %s / %s / %s\n", label,
                   sha ? sha->bytes : (size_t)0, a, b, c, d, e, f, g);
        }
    }
    /* the cases */
    printf("\nwssec (one thread; bound = 1 / the floor named below each case)\n");
    printf("  %-15s %-5s %9s %10s %7s %10s %9s %9s %10s %6s\n", "case", "size", "bytes", "msgs/s",
           "spread", "us/msg", "peak RSS", "RSS/size", "bound/s", "ratio");
    const char *last = "";
    for (size_t i = 0; i < nresults; i++) {
        const row *r = &results[i];
        if (strcmp(r->impl, "wssec") || r->threads != 1 || !strcmp(r->name, "verify-scaling"))
            continue;
        if (strcmp(last, r->name)) {
            if (*last) printf("\n");
            last = r->name;
        }
        if (r->status) {
            printf("  %-15s %-5s %s: %s\n", r->name, r->size_label,
                   r->status == 1 ? "n/a" : "ERROR", r->note);
            continue;
        }
        fmt_rate(r->median, a, sizeof(a));
        fmt_rate(1e6 / r->median, b, sizeof(b));
        fmt_kb(r->peak_kb, c, sizeof(c));
        fmt_rate(r->bound, d, sizeof(d));
        fmt_bytes(r->bytes, e, sizeof(e));
        char ratio[16] = "-", rss[16] = "-";
        if (isfinite(r->ratio)) snprintf(ratio, sizeof(ratio), "%.2f", r->ratio);
        if (r->peak_kb > 0 && r->bytes) snprintf(rss, sizeof(rss), "%.1fx", (double)r->peak_kb * 1024 / (double)r->bytes);
        printf("  %-15s %-5s %9s %10s %6.1f%% %10s %9s %9s %10s %6s\n", r->name, r->size_label, e,
               a, r->spread_pct, b, c, rss, d, ratio);
    }
    printf("\n  bounds: ");
    static const char *const names[] = { "secure", "verify", "encrypt", "decrypt",
                                         "secure+encrypt", "decrypt+verify", "ut-generate",
                                         "ut-validate" };
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        printf("%s%s = %s\n", i ? "          " : "", names[i], bound_formula(names[i]));
    printf("  peak RSS: the case's own high-water mark (reset after set-up); it includes the "
           "input message the case holds.\n");

    /* scaling */
    bool header = false;
    for (size_t i = 0; i < nresults; i++) {
        const row *r = &results[i];
        if (strcmp(r->name, "verify-scaling") || r->threads != 1) continue;
        const row *two = find("wssec", "verify-scaling", r->size, NULL, 2);
        if (!header) {
            printf("\nScaling: verify, one context shared by the threads (%ld cores)\n",
                   sysconf(_SC_NPROCESSORS_ONLN));
            printf("  %-6s %12s %12s %9s\n", "size", "1 thread", "2 threads", "speed-up");
            header = true;
        }
        if (r->status) {
            printf("  %-6s %s\n", r->size_label, r->note);
            continue;
        }
        fmt_rate(r->median, a, sizeof(a));
        fmt_rate(two ? two->median : NAN, b, sizeof(b));
        printf("  %-6s %12s %12s %8.2fx\n", r->size_label, a, b,
               two ? two->median / r->median : NAN);
    }

    /* targets of the issue */
    const row *sign = find("wssec", "secure", 2048, NULL, 1);
    const row *ver = find("wssec", "verify", 2048, NULL, 1);
    const row *dec = find("wssec", "decrypt", 2048, NULL, 1);
    const row *priv = find("limit", "rsa2048-sign", 0, NULL, 1);
    const row *v20 = find("wssec", "verify", 20 * 1024 * 1024, NULL, 1);
    if (sign || ver || dec || v20) printf("\nTargets (2 KB, one thread)\n");
    if (sign && priv)
        printf("  secure >= 0.9 x RSA private rate: %.0f / %.0f = %.2f  %s\n", sign->median,
               priv->median, sign->median / priv->median,
               sign->median >= 0.9 * priv->median ? "met" : "NOT met");
    if (ver && isfinite(ver->ratio))
        printf("  verify >= 0.8 x bound: %.2f  %s\n", ver->ratio, ver->ratio >= 0.8 ? "met" : "NOT met");
    if (dec && isfinite(dec->ratio))
        printf("  decrypt >= 0.8 x bound: %.2f  %s\n", dec->ratio, dec->ratio >= 0.8 ? "met" : "NOT met");
    else if (!dec && find("wssec", "secure", 2048, NULL, 1))
        printf("  decrypt >= 0.8 x bound: n/a (encryption not built)\n");
    if (v20 && v20->peak_kb > 0)
        printf("  verify 20 MB: peak RSS %.0f MB = %.2f x the message  %s\n",
               (double)v20->peak_kb / 1024, (double)v20->peak_kb * 1024 / (double)v20->bytes,
               (double)v20->peak_kb * 1024 < 4.0 * (double)v20->bytes ? "met (< 4x)" : "NOT met (>= 4x)");
    printf("  (the WSS4J and gSOAP ratios come from tests/bench/run.sh)\n");
    fflush(stdout);
}

/* ---- dump: the messages the peers use ---- */

static int write_file(const char *dir, const char *name, const void *p, size_t n)
{
    char path[1200];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(p, 1, n, f) != n) {
        if (f) fclose(f);
        fprintf(stderr, "wssec_bench: cannot write %s: %s\n", path, strerror(errno));
        return -1;
    }
    return fclose(f) ? -1 : 0;
}

static int dump(void)
{
    mkdir(opt.dump, 0755);
    char err[400];
    struct {
        const char *prefix;
        enum ctx_kind kind;
        bool enc;
    } kinds[] = { { "signed", CK_SECURE, false },
                  { "ut", CK_UT_GENERATE, false },
                  { "encrypted", CK_ENCRYPT, true },
                  { "encrypted-signed", CK_SECURE_ENCRYPT, true } };
    int rc = 0;
    for (size_t s = 0; s < opt.nsizes; s++) {
        char label[24], name[64];
        size_label(opt.sizes[s], label, sizeof(label));
        size_t plen = 0;
        char *plain = make_plain(opt.sizes[s], &plen);
        if (!plain) return 1;
        snprintf(name, sizeof(name), "plain-%s.xml", label);
        rc |= write_file(opt.dump, name, plain, plen);
        for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
            if (kinds[k].enc && !encryption_built()) continue;
            wssec_ctx *ctx = make_ctx(kinds[k].kind, true, err, sizeof(err));
            unsigned char *out = NULL;
            size_t n = 0;
            if (!ctx || do_secure(ctx, plain, plen, &out, &n, err, sizeof(err))) {
                fprintf(stderr, "wssec_bench: dump %s %s: %s\n", kinds[k].prefix, label, err);
                rc = 1;
            } else {
                snprintf(name, sizeof(name), "%s-%s.xml", kinds[k].prefix, label);
                rc |= write_file(opt.dump, name, out, n);
            }
            wssec_free(out);
            wssec_ctx_free(ctx);
        }
        free(plain);
    }
    printf("wssec_bench: messages written to %s (real clock, Timestamp TTL 86400 s)%s\n", opt.dump,
           encryption_built() ? "" : "; no encrypted ones: encryption not built");
    return rc ? 1 : 0;
}

/* ---- main ---- */

static const char *const case_names[] = { "secure", "verify", "verify-nocache", "encrypt",
                                          "decrypt", "secure+encrypt", "decrypt+verify",
                                          "ut-generate", "ut-validate" };

static void usage(void)
{
    printf("usage: wssec_bench [options]\n"
           "  --time S        seconds per repetition (default 1)\n"
           "  --reps N        repetitions per case (default 5)\n"
           "  --warmup S      warm-up seconds before the repetitions (default 0.5)\n"
           "  --sizes LIST    message sizes (default 2K,20K,200K,2M,20M)\n"
           "  --scaling LIST  sizes of the 1- and 2-thread verify case (default 2K,200K)\n"
           "  --cases LIST    among: limits, %s, %s, %s, %s, %s, %s, %s, %s, %s, scaling\n"
           "                  (default: all)\n"
           "  --json FILE     JSON lines, one per row, for scripts\n"
           "  --quick         smoke run for CI: 2K only, tiny time\n"
           "  --pki DIR       the test PKI (default %s/samples/pki)\n"
           "  --ops N         N operations per repetition instead of a time (profiling)\n"
           "  --no-fork       run the cases in this process (profiling; peak RSS then shared)\n"
           "  --dump DIR      write the plain and secured messages (real clock) for the peers\n"
           "  --list          the case names\n",
           case_names[0], case_names[1], case_names[2], case_names[3], case_names[4],
           case_names[5], case_names[6], case_names[7], case_names[8], WSSEC_SOURCE_DIR);
}

int main(int argc, char **argv)
{
    static char pki_default[1024];
    snprintf(pki_default, sizeof(pki_default), "%s/samples/pki", WSSEC_SOURCE_DIR);
    opt.time_s = 1.0;
    opt.warmup_s = 0.5;
    opt.reps = 5;
    opt.pki = pki_default;
    bool sizes_given = false, warmup_given = false, time_given = false, reps_given = false;
    bool scaling_given = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
#define NEEDV() do { if (!v) die_usage("%s needs a value", a); i++; } while (0)
        if (!strcmp(a, "--time")) { NEEDV(); opt.time_s = parse_double(v, "--time"); time_given = true; }
        else if (!strcmp(a, "--reps")) { NEEDV(); opt.reps = (int)parse_long(v, "--reps", 1, MAX_REPS); reps_given = true; }
        else if (!strcmp(a, "--warmup")) { NEEDV(); opt.warmup_s = parse_double(v, "--warmup"); warmup_given = true; }
        else if (!strcmp(a, "--sizes")) { NEEDV(); opt.nsizes = parse_size_list(v, opt.sizes, MAX_SIZES); sizes_given = true; }
        else if (!strcmp(a, "--scaling")) { NEEDV(); opt.nscaling = parse_size_list(v, opt.scaling_sizes, MAX_SIZES); scaling_given = true; }
        else if (!strcmp(a, "--cases")) { NEEDV(); opt.cases = v; }
        else if (!strcmp(a, "--json")) { NEEDV(); opt.json = v; }
        else if (!strcmp(a, "--pki")) { NEEDV(); opt.pki = v; }
        else if (!strcmp(a, "--dump")) { NEEDV(); opt.dump = v; }
        else if (!strcmp(a, "--ops")) { NEEDV(); opt.fixed_ops = parse_long(v, "--ops", 1, 1000000000L); }
        else if (!strcmp(a, "--quick")) opt.quick = true;
        else if (!strcmp(a, "--no-fork")) opt.no_fork = true;
        else if (!strcmp(a, "--list")) {
            puts("limits");
            for (size_t k = 0; k < sizeof(case_names) / sizeof(case_names[0]); k++) puts(case_names[k]);
            puts("scaling");
            return 0;
        } else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage();
            return 0;
        } else die_usage("unknown argument %s", a);
#undef NEEDV
    }
    if (opt.cases) {
        char buf[512];
        snprintf(buf, sizeof(buf), "%s", opt.cases);
        for (char *p = buf; p && *p;) {
            char *comma = strchr(p, ',');
            if (comma) *comma = '\0';
            bool known = !strcmp(p, "limits") || !strcmp(p, "scaling");
            for (size_t k = 0; k < sizeof(case_names) / sizeof(case_names[0]); k++)
                if (!strcmp(p, case_names[k])) known = true;
            if (!known) die_usage("unknown case '%s' (--list)", p);
            p = comma ? comma + 1 : NULL;
        }
    }
    if (opt.quick) {
        if (!sizes_given) opt.nsizes = parse_size_list("2K", opt.sizes, MAX_SIZES);
        if (!scaling_given) opt.nscaling = parse_size_list("2K", opt.scaling_sizes, MAX_SIZES);
        if (!time_given) opt.time_s = 0.05;
        if (!reps_given) opt.reps = 2;
        if (!warmup_given) opt.warmup_s = 0.02;
    }
    if (!opt.nsizes) opt.nsizes = parse_size_list("2K,20K,200K,2M,20M", opt.sizes, MAX_SIZES);
    if (!opt.nscaling) opt.nscaling = parse_size_list("2K,200K", opt.scaling_sizes, MAX_SIZES);
    const char *ea = getenv("WSSEC_BENCH_ENCRYPT_ACTION");
    if (ea && *ea) encrypt_action = ea;
    if (wssec_check_version(WSSEC_VERSION_NUMBER) != 0) {
        fprintf(stderr, "wssec_bench: libwssec %s does not match these headers\n", wssec_version());
        return 2;
    }
    if (access(pki("alice.key"), R_OK) != 0)
        die_usage("%s is not readable (--pki DIR)", pki("alice.key"));
    if (opt.dump) return dump();

    if (opt.json && !(json_out = fopen(opt.json, "w"))) {
        fprintf(stderr, "wssec_bench: %s: %s\n", opt.json, strerror(errno));
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    print_header();
    fflush(stdout);
    bool enc = encryption_built();
    fprintf(stderr, "wssec_bench: running (encryption %s)\n",
            enc ? "built" : "not built: those cases report n/a");

    /* the plan: limits first (the bounds need them), then the cases */
    job jobs[512];
    size_t nj = 0;
#define ADD(impl_, name_, input_, size_, threads_)                                              \
    do {                                                                                        \
        memset(&jobs[nj], 0, sizeof(job));                                                      \
        jobs[nj].impl = impl_, jobs[nj].name = name_, jobs[nj].input = input_;                  \
        jobs[nj].size = size_, jobs[nj].threads = threads_;                                     \
        nj++;                                                                                   \
    } while (0)
    if (in_list(opt.cases, "limits")) {
        ADD("limit", "rsa2048-sign", IN_NONE, 0, 1);
        ADD("limit", "rsa2048-verify", IN_NONE, 0, 1);
        ADD("limit", "rsa2048-oaep-encrypt", IN_NONE, 0, 1);
        ADD("limit", "rsa2048-oaep-decrypt", IN_NONE, 0, 1);
        for (size_t s = 0; s < opt.nsizes; s++) {
            ADD("limit", "sha256", IN_PLAIN, opt.sizes[s], 1);
            ADD("limit", "aes256-gcm", IN_PLAIN, opt.sizes[s], 1);
            ADD("limit", "parse", IN_PLAIN, opt.sizes[s], 1);
            ADD("limit", "parse", IN_SIGNED, opt.sizes[s], 1);
            ADD("limit", "parse", IN_UT, opt.sizes[s], 1);
            if (enc) {
                ADD("limit", "parse", IN_ENC, opt.sizes[s], 1);
                ADD("limit", "parse", IN_ENC_SIGNED, opt.sizes[s], 1);
            }
        }
    }
    for (size_t k = 0; k < sizeof(case_names) / sizeof(case_names[0]); k++) {
        if (!in_list(opt.cases, case_names[k])) continue;
        for (size_t s = 0; s < opt.nsizes; s++) ADD("wssec", case_names[k], IN_NONE, opt.sizes[s], 1);
    }
    if (in_list(opt.cases, "scaling"))
        for (size_t s = 0; s < opt.nscaling; s++) {
            ADD("wssec", "verify-scaling", IN_NONE, opt.scaling_sizes[s], 2);
        }
#undef ADD
    for (size_t i = 0; i < nj; i++) {
        if (!strcmp(jobs[i].name, "verify-scaling")) {
            /* the verify case, on 1 and then 2 threads, in one child */
            jobs[i].name = "verify";
            size_t before = nresults;
            if (run_job(&jobs[i])) return 1;
            for (size_t r = before; r < nresults; r++)
                snprintf(results[r].name, sizeof(results[r].name), "verify-scaling");
            continue;
        }
        if (run_job(&jobs[i])) {
            fprintf(stderr, "wssec_bench: cannot run %s\n", jobs[i].name);
            return 1;
        }
    }
    /* bounds and ratios */
    for (size_t i = 0; i < nresults; i++) {
        row *r = &results[i];
        r->bound = r->ratio = NAN;
        if (strcmp(r->impl, "wssec") || r->status) continue;
        double f = floor_time(r);
        if (isfinite(f) && f > 0) {
            r->bound = (double)r->threads / f;
            r->ratio = r->median / r->bound;
        }
    }
    int failed = 0;
    for (size_t i = 0; i < nresults; i++) {
        json_row(&results[i]);
        if (results[i].status == 2) failed = 1;
    }
    print_results();
    char load[64];
    loadavg(load, sizeof(load));
    printf("load average at end: %s\n", load);
    if (json_out) {
        fprintf(json_out, "{\"impl\":\"meta\",\"loadavg_end\":\"%s\"}\n", load);
        fclose(json_out);
    }
    if (failed) fprintf(stderr, "wssec_bench: a case failed (see ERROR above)\n");
    return failed;
}
