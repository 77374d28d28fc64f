/*
 * wssec — small utilities: buffers, secrets, numbers, times, nodes, base64.
 */
#include <ctype.h>
#include <fcntl.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <xmlsec/base64.h>

#include "wssec/wssec.h"
#include "wssec/sys/sdk.h"
#include "util.h"

int wssec__struct_init(void *p, const void *tmpl, size_t size, unsigned version,
                       unsigned current)
{
    if (!p || version == 0 || version > current) return WSSEC_EINVALID;
    memcpy(p, tmpl, size);
    memcpy(p, &version, sizeof(version));
    return 0;
}

void wssec__memzero(void *p, size_t n)
{
    if (p && n) OPENSSL_cleanse(p, n);
}

int wssec__ct_equal(const void *a, size_t alen, const void *b, size_t blen)
{
    unsigned char da[32], db[32];
    unsigned int la = 0, lb = 0;
    if (!EVP_Digest(a, alen, da, &la, EVP_sha256(), NULL) ||
        !EVP_Digest(b, blen, db, &lb, EVP_sha256(), NULL))
        return 0;
    int eq = CRYPTO_memcmp(da, db, sizeof(da)) == 0;
    return eq & (alen == blen);
}

/* ---- allocation hooks ---- */

static wssec_alloc_hooks alloc_hooks = { malloc, calloc, realloc, free };

void wssec__set_alloc_hooks(const wssec_alloc_hooks *h)
{
    static const wssec_alloc_hooks libc = { malloc, calloc, realloc, free };
    alloc_hooks = h ? *h : libc;
}

void *wssec__malloc(size_t n)
{
    return alloc_hooks.malloc_fn(n);
}

void *wssec__calloc(size_t n, size_t size)
{
    return alloc_hooks.calloc_fn(n, size);
}

void *wssec__realloc(void *p, size_t n)
{
    return alloc_hooks.realloc_fn(p, n);
}

void wssec__free(void *p)
{
    if (p) alloc_hooks.free_fn(p);
}

char *wssec__strdup(const char *s)
{
    if (!s) return NULL;
    size_t n = strlen(s) + 1;
    char *d = wssec__malloc(n);
    if (d) memcpy(d, s, n);
    return d;
}

int wssec__buf_append(wssec_buf *b, const void *p, size_t n)
{
    if (n > b->max || b->len > b->max - n) return WSSEC_ELIMIT;
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->len + n) {
            if (cap > SIZE_MAX / 2) return WSSEC_ENOMEM;
            cap *= 2;
        }
        if (cap > b->max) cap = b->max;
        unsigned char *d = wssec__malloc(cap ? cap : 1);
        if (!d) return WSSEC_ENOMEM;
        if (b->len) memcpy(d, b->data, b->len);
        wssec__memzero(b->data, b->cap);
        wssec__free(b->data);
        b->data = d;
        b->cap = cap;
    }
    if (n) memcpy(b->data + b->len, p, n);
    b->len += n;
    return 0;
}

void wssec__buf_free(wssec_buf *b)
{
    if (!b) return;
    wssec__memzero(b->data, b->cap);
    wssec__free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

int wssec__parse_size(const char *s, size_t *out)
{
    if (!s || !isdigit((unsigned char)*s)) return WSSEC_EINVALID;
    errno = 0;
    char *end = NULL;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno) return WSSEC_EINVALID;
    unsigned long long mult = 1;
    if (*end == 'K' || *end == 'k') mult = 1024ULL, end++;
    else if (*end == 'M' || *end == 'm') mult = 1024ULL * 1024, end++;
    else if (*end == 'G' || *end == 'g') mult = 1024ULL * 1024 * 1024, end++;
    if (*end != '\0') return WSSEC_EINVALID;
    if (v > (unsigned long long)SIZE_MAX / mult) return WSSEC_EINVALID;
    *out = (size_t)(v * mult);
    return 0;
}

int wssec__parse_seconds(const char *s, int64_t *out_ms)
{
    if (!s || !isdigit((unsigned char)*s)) return WSSEC_EINVALID;
    errno = 0;
    char *end = NULL;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end != '\0' || v > (unsigned long long)(INT64_MAX / 1000 / 4))
        return WSSEC_EINVALID;
    *out_ms = (int64_t)v * 1000;
    return 0;
}

/* ---- times ---- */

static int digits(const char **p, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (!isdigit((unsigned char)(*p)[i])) return -1;
        v = v * 10 + ((*p)[i] - '0');
    }
    *p += n;
    *out = v;
    return 0;
}

static int xml_space(int c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

int wssec_time_parse(wssec_time *out, const char *text)
{
    WSSEC_ARG(out && text);
    const char *p = text;
    int Y, M, D, h, m, s, ms = 0;
    while (xml_space((unsigned char)*p)) p++;
    if (digits(&p, 4, &Y) || *p++ != '-' || digits(&p, 2, &M) || *p++ != '-' ||
        digits(&p, 2, &D) || *p++ != 'T' || digits(&p, 2, &h) || *p++ != ':' ||
        digits(&p, 2, &m) || *p++ != ':' || digits(&p, 2, &s))
        return WSSEC_EINVALID;
    if (*p == '.') {
        p++;
        int n = 0;
        while (isdigit((unsigned char)p[n])) n++;
        if (n < 1 || n > 3) return WSSEC_EINVALID; /* BSP: at most milliseconds */
        int frac = 0;
        if (digits(&p, n, &frac)) return WSSEC_EINVALID;
        ms = n == 1 ? frac * 100 : n == 2 ? frac * 10 : frac;
    }
    if (*p == 'Z') p++;
    else if (strncmp(p, "+00:00", 6) == 0 || strncmp(p, "-00:00", 6) == 0) p += 6;
    else return WSSEC_EINVALID; /* no zone, or not UTC */
    while (xml_space((unsigned char)*p)) p++;
    if (*p) return WSSEC_EINVALID;
    static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    if (Y < 1970 || M < 1 || M > 12 || D < 1 || D > mdays[M - 1] || h > 23 || m > 59 || s > 59)
        return WSSEC_EINVALID;
    int leap = (Y % 4 == 0 && Y % 100 != 0) || Y % 400 == 0;
    if (M == 2 && D == 29 && !leap) return WSSEC_EINVALID;
    struct tm tm = { 0 };
    tm.tm_year = Y - 1900;
    tm.tm_mon = M - 1;
    tm.tm_mday = D;
    tm.tm_hour = h;
    tm.tm_min = m;
    tm.tm_sec = s;
    time_t t = timegm(&tm);
    if (t == (time_t)-1) return WSSEC_EINVALID;
    *out = (wssec_time)t * 1000 + ms;
    return 0;
}

int wssec_time_format(char *buf, size_t size, wssec_time t, int millis)
{
    WSSEC_ARG(buf);
    if (size < 25 || t < 0) return WSSEC_EINVALID;
    time_t secs = (time_t)(t / 1000);
    struct tm tm;
    if (!gmtime_r(&secs, &tm) || tm.tm_year + 1900 > 9999) return WSSEC_EINVALID;
    if (millis)
        snprintf(buf, size, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(t % 1000));
    else
        snprintf(buf, size, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
    return 0;
}

/* ---- base64: strict text by OpenSSL, the rest through xmlsec's codec ---- */

void wssec__b64_init(wssec_b64 *b, wssec_b64_sink sink, void *ud)
{
    b->m = 0;
    b->pad = 0;
    b->ended = 0;
    b->sink = sink;
    b->ud = ud;
}

static int b64_flush(wssec_b64 *b)
{
    unsigned char bin[WSSEC_B64_PIECE / 4 * 3];
    if (!b->m) return 0;
    if (b->m % 4) return -1;
    int n = EVP_DecodeBlock(bin, b->grp, (int)b->m);
    if (n != (int)(b->m / 4 * 3)) return -1;
    if (b->pad) b->ended = 1;
    b->m = 0;
    int rc = b->sink(b->ud, bin, (size_t)n - (size_t)b->pad) ? -2 : 0;
    wssec__memzero(bin, sizeof(bin));
    return rc;
}

enum { B64_BAD, B64_ALPHA, B64_SPACE, B64_PAD };

static unsigned char b64_class(unsigned char c)
{
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
        c == '/')
        return B64_ALPHA;
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') return B64_SPACE;
    return c == '=' ? B64_PAD : B64_BAD;
}

int wssec__b64_update(wssec_b64 *b, const unsigned char *p, size_t n)
{
    size_t m = b->m;
    for (const unsigned char *end = p + n; p < end; p++) {
        unsigned char k = b64_class(*p);
        if (k == B64_ALPHA && !b->pad) {
            b->grp[m++] = *p;
        } else if (k == B64_SPACE) {
            continue;
        } else if (k == B64_PAD && !b->ended && ++b->pad <= 2) {
            b->grp[m++] = *p;
        } else {
            b->m = m;
            return -1; /* not the alphabet, a character after '=', a third '=' */
        }
        if (m == sizeof(b->grp)) {
            b->m = m;
            int rc = b64_flush(b);
            if (rc) return rc;
            m = 0;
        }
    }
    b->m = m;
    return 0;
}

int wssec__b64_final(wssec_b64 *b)
{
    return b64_flush(b);
}

typedef struct b64_out {
    unsigned char *p;
    size_t n, cap;
} b64_out;

static int b64_to_buf(void *ud, const unsigned char *p, size_t n)
{
    b64_out *o = ud;
    if (n > o->cap - o->n) return -2;
    memcpy(o->p + o->n, p, n);
    o->n += n;
    return 0;
}

int wssec_b64_decode(unsigned char **out, size_t *outlen, const char *text, size_t max)
{
    size_t tl = strlen(text);
    /* decoded size is at most 3/4 of the text; refuse before decoding */
    if (tl / 4 * 3 > max + 3) return WSSEC_ELIMIT;
    size_t cap = tl / 4 * 3 + 3;
    unsigned char *buf = wssec__malloc(cap + 1);
    if (!buf) return WSSEC_ENOMEM;
    b64_out o = { buf, 0, cap };
    size_t written = 0;
    /* strict base64 by OpenSSL, else xmlsec's codec */
    wssec_b64 b;
    wssec__b64_init(&b, b64_to_buf, &o);
    int strict = wssec__b64_update(&b, (const unsigned char *)text, tl);
    if (!strict) strict = wssec__b64_final(&b);
    if (!strict) {
        written = o.n;
    } else {
        xmlSecSize w = 0;
        if (cap > UINT_MAX || xmlSecBase64Decode_ex(BAD_CAST text, buf, (xmlSecSize)cap, &w) < 0) {
            wssec__memzero(buf, cap);
            wssec__free(buf);
            return WSSEC_EINVALID;
        }
        written = w;
    }
    if (written > max) {
        wssec__memzero(buf, cap);
        wssec__free(buf);
        return WSSEC_ELIMIT;
    }
    *out = buf;
    *outlen = written;
    return 0;
}

char *wssec_b64_encode(const unsigned char *p, size_t n)
{
    if (n > UINT_MAX) return NULL;
    return (char *)xmlSecBase64Encode(p, (xmlSecSize)n, 0);
}

/* ---- random identifiers ---- */

int wssec__random_id(char *out, size_t size, const char *prefix, size_t nbytes)
{
    static const char digits[] = "0123456789ABCDEF";
    unsigned char r[32];
    size_t pl = prefix && *prefix ? strlen(prefix) + 1 : 0;
    if (size) out[0] = '\0';
    if (nbytes == 0 || nbytes > sizeof(r) || pl >= size || 2 * nbytes >= size - pl)
        return WSSEC_ELIMIT;
    if (RAND_bytes(r, (int)nbytes) != 1) return WSSEC_EINTERNAL;
    if (pl) {
        memcpy(out, prefix, pl - 1);
        out[pl - 1] = '-';
    }
    for (size_t i = 0; i < nbytes; i++) {
        out[pl + 2 * i] = digits[r[i] >> 4];
        out[pl + 2 * i + 1] = digits[r[i] & 15];
    }
    out[pl + 2 * nbytes] = '\0';
    wssec__memzero(r, sizeof(r));
    return 0;
}

/* ---- bounded growable arrays ---- */

int wssec__array_grow(void *arrayp, size_t n, size_t size, size_t max)
{
    void *v;
    if (n >= max) return WSSEC_ELIMIT;
    if (size == 0 || n + 1 > SIZE_MAX / size) return WSSEC_ENOMEM;
    memcpy(&v, arrayp, sizeof(v)); /* arrayp points to a T *, not a void * */
    if (!(v = wssec__realloc(v, (n + 1) * size))) return WSSEC_ENOMEM;
    memcpy(arrayp, &v, sizeof(v));
    return 0;
}

/* ---- string lists ---- */

/* More than any list of the configuration holds (trust anchors, required
 * parts, trusted upstreams). */
#define STRLIST_MAX 65536

int wssec__strlist_add(wssec_strlist *l, const char *s)
{
    WSSEC_GUARD(wssec__array_grow(&l->v, l->n, sizeof(*l->v), STRLIST_MAX));
    if (!(l->v[l->n] = wssec__strdup(s))) return WSSEC_ENOMEM;
    l->n++;
    return 0;
}

void wssec__strlist_clear(wssec_strlist *l)
{
    for (size_t i = 0; i < l->n; i++) wssec__free(l->v[i]);
    wssec__free(l->v);
    l->v = NULL;
    l->n = 0;
}

int wssec__strlist_copy(wssec_strlist *dst, const wssec_strlist *src)
{
    memset(dst, 0, sizeof(*dst));
    for (size_t i = 0; i < src->n; i++) WSSEC_GUARD(wssec__strlist_add(dst, src->v[i]));
    return 0;
}

void wssec_free(void *p)
{
    wssec__free(p);
}

const char *wssec__unreadable(const char *path, char *buf, size_t size)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK); /* a FIFO without a writer too */
    if (fd < 0) {
        snprintf(buf, size, "cannot be opened: %s", strerror(errno));
        return buf;
    }
    struct stat st;
    int dir = fstat(fd, &st) == 0 && S_ISDIR(st.st_mode);
    close(fd);
    if (!dir) return NULL;
    snprintf(buf, size, "is a directory");
    return buf;
}

/* ---- secrets: one rule for every password the library or wssec(1) reads ---- */

/* The first line of an open file into buf: ends at LF, CR or the end of the
 * file; refuses a NUL byte and a line that does not fit (size - 1 bytes). */
static int secret_line(FILE *f, char *buf, size_t size, size_t *len, char *why, size_t whylen)
{
    size_t n = 0;
    int c;
    while ((c = fgetc(f)) != EOF && c != '\n' && c != '\r') {
        if (c == '\0') {
            snprintf(why, whylen, "the first line holds a NUL byte");
            return WSSEC_ECONFIG;
        }
        if (n + 1 >= size) {
            snprintf(why, whylen, "the first line is longer than %zu bytes", size - 1);
            return WSSEC_ELIMIT;
        }
        buf[n++] = (char)c;
    }
    if (ferror(f)) {
        snprintf(why, whylen, "read error: %s", strerror(errno));
        return WSSEC_EIO;
    }
    if (n == 0) {
        snprintf(why, whylen, "the first line is empty");
        return WSSEC_ECONFIG;
    }
    buf[n] = '\0';
    *len = n;
    return 0;
}

/* path opened for reading after wssec__unreadable's checks, or NULL with
 * the reason in why. */
static FILE *open_checked(const char *path, char *why, size_t whylen)
{
    char reason[200];
    if (wssec__unreadable(path, reason, sizeof(reason))) {
        snprintf(why, whylen, "%s", reason);
        return NULL;
    }
    FILE *f = fopen(path, "rb");
    if (!f) snprintf(why, whylen, "cannot be opened: %s", strerror(errno));
    return f;
}

static int secret_from_file(const char *path, char *buf, size_t size, size_t *len, char *why,
                            size_t whylen)
{
    FILE *f = open_checked(path, why, whylen);
    if (!f) return WSSEC_EIO;
    int rc = secret_line(f, buf, size, len, why, whylen);
    fclose(f);
    return rc;
}

/* An empty value is refused: see wssec_secret_read() in wssec/config.h. */
static int secret_from_env(const char *name, char *buf, size_t size, size_t *len, char *why,
                           size_t whylen)
{
    const char *v = getenv(name);
    size_t n = v ? strlen(v) : 0;
    if (!v || n == 0) {
        snprintf(why, whylen, "environment variable %s is %s", name, v ? "empty" : "not set");
        return WSSEC_ECONFIG;
    }
    if (n >= size) {
        snprintf(why, whylen, "environment variable %s is longer than %zu bytes", name, size - 1);
        return WSSEC_ELIMIT;
    }
    memcpy(buf, v, n + 1);
    *len = n;
    return 0;
}

int wssec_secret_read(char *buf, size_t size, size_t *len, const char *file, const char *env,
                      char *why, size_t whylen)
{
    char dummy[1];
    if (!why || !whylen) {
        why = dummy;
        whylen = sizeof(dummy);
    }
    WSSEC_ARG(buf && len && size >= 2);
    *len = 0;
    int rc;
    if (!file == !env) {
        snprintf(why, whylen, "%s", file ? "both a password file and an environment variable given"
                                         : "neither a password file nor an environment variable given");
        rc = WSSEC_EINVALID;
    } else {
        rc = file ? secret_from_file(file, buf, size, len, why, whylen)
                  : secret_from_env(env, buf, size, len, why, whylen);
    }
    if (rc) {
        wssec__memzero(buf, size);
        *len = 0;
    }
    return rc;
}

int wssec__read_file(const char *path, wssec_buf *b, char *why, size_t whylen)
{
    FILE *f = open_checked(path, why, whylen);
    if (!f) return WSSEC_EIO;
    char chunk[8192];
    size_t n;
    int rc = 0;
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
        if ((rc = wssec__buf_append(b, chunk, n)) != 0) break;
    int rerr = ferror(f) ? errno : 0;
    fclose(f);
    if (rc == WSSEC_ELIMIT || rerr) {
        wssec__buf_free(b);
        if (rerr) snprintf(why, whylen, "%s", strerror(rerr));
        else snprintf(why, whylen, "larger than %zu MiB", b->max / (1024 * 1024));
        return rerr ? WSSEC_EIO : WSSEC_ELIMIT;
    }
    if (rc) wssec__buf_free(b);
    return rc;
}
