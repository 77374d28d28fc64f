/*
 * wssec — small utilities: safety macros, bounded buffers, allocation hooks,
 * secrets, sizes, base64, string lists (util.c).
 */
#ifndef WSSEC_SRC_UTIL_H
#define WSSEC_SRC_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- safety macros (s2n-tls style); every one records file:line ---- */

/* Propagate a negative status unchanged. */
#define WSSEC_GUARD(expr)                 \
    do {                                  \
        int wssec__rc = (expr);           \
        if (wssec__rc < 0) return wssec__rc; \
    } while (0)

#define WSSEC_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* Argument checks of the public entry points: a NULL where the prototype
 * wants an object fails cleanly (WSSEC_EINVALID, or NULL/0/no-op as each
 * function documents) instead of crashing. The headers' WSSEC_NONNULL is
 * compiled out inside the library (WSSEC_BUILDING), so the compiler cannot
 * assume these pointers non-NULL and drop the checks. */
#define WSSEC_ARG(cond)                     \
    do {                                    \
        if (!(cond)) return WSSEC_EINVALID; \
    } while (0)
#define WSSEC_ARG_OR(cond, value)     \
    do {                              \
        if (!(cond)) return (value);  \
    } while (0)
#define WSSEC_ARG_VOID(cond) \
    do {                     \
        if (!(cond)) return; \
    } while (0)

/* The body of every wssec_<struct>_init(): refuses version 0 and versions
 * newer than current (WSSEC_EINVALID), else zeroes the size bytes the
 * caller's version has and copies them from tmpl (the struct's *_INIT),
 * then sets the version (the struct's first member). */
int wssec__struct_init(void *p, const void *tmpl, size_t size, unsigned version,
                       unsigned current);

/* ---- bounded buffer: every growable buffer has a max ---- */

typedef struct wssec_buf {
    unsigned char *data;
    size_t len, cap, max;
} wssec_buf;

int wssec__buf_append(wssec_buf *b, const void *p, size_t n); /* ELIMIT past max */
void wssec__buf_free(wssec_buf *b);                          /* wipes, then frees */

/* ---- strict base64, decoded a piece at a time ----
 * The alphabet, the four XML white spaces anywhere, one or two '=' only at
 * the very end of a whole number of groups: the base64 every peer writes.
 * The characters are gathered into whole groups and decoded by OpenSSL
 * (EVP_DecodeBlock), WSSEC_B64_PIECE characters at a time, into the sink.
 * Text that is not such base64 is declined (-1): callers hand it to
 * xmlsec's decoder, which decides as it always has, so this path only ever
 * accepts what xmlsec accepts, with the same bytes (tests/unit/gcm_diff.h,
 * test_util's differential test). */
#define WSSEC_B64_PIECE 4096

typedef int (*wssec_b64_sink)(void *ud, const unsigned char *p, size_t n); /* 0 or -2 */

typedef struct wssec_b64 {
    unsigned char grp[WSSEC_B64_PIECE];
    size_t m;   /* characters in grp */
    int pad;    /* '=' seen */
    int ended;  /* a piece with '=' was decoded: nothing may follow */
    wssec_b64_sink sink;
    void *ud;
} wssec_b64;

void wssec__b64_init(wssec_b64 *b, wssec_b64_sink sink, void *ud);
/* 0; -1 when the text is not strict base64; -2 when the sink failed */
int wssec__b64_update(wssec_b64 *b, const unsigned char *p, size_t n);
int wssec__b64_final(wssec_b64 *b); /* as update: the last group */

/* ---- small utilities ---- */

/* Wipes secrets; not optimised away. */
void wssec__memzero(void *p, size_t n);
/* Constant-time equality of two byte strings of possibly different lengths
 * (compares SHA-256 digests, so the time does not depend on where they differ). */
int wssec__ct_equal(const void *a, size_t alen, const void *b, size_t blen);
char *wssec__strdup(const char *s);

/* ---- the library's own allocations ----
 * Every malloc/calloc/realloc/free of src/ (not libxml2's, xmlsec's or
 * OpenSSL's, which have their own process-wide hooks: xmlMemSetup,
 * CRYPTO_set_mem_functions) goes through these, so that a test can make any
 * one of them fail (tests/oom/torture.c). Memory handed to the caller is
 * freed with wssec_free(), which goes through them too. */
void *wssec__malloc(size_t n);
void *wssec__calloc(size_t n, size_t size);
void *wssec__realloc(void *p, size_t n);
void wssec__free(void *p);

typedef struct wssec_alloc_hooks {
    void *(*malloc_fn)(size_t n);
    void *(*calloc_fn)(size_t n, size_t size);
    void *(*realloc_fn)(void *p, size_t n);
    void (*free_fn)(void *p);
} wssec_alloc_hooks;
/* Test harnesses only: replaces the hooks (NULL: the C library's). Not
 * thread-safe; call before any wssec, libxml2 or OpenSSL use, and never
 * after memory was allocated through the previous hooks unless the two
 * free functions are compatible. */
void wssec__set_alloc_hooks(const wssec_alloc_hooks *h);
/* Parses a non-negative decimal with an optional K/M/G suffix (binary). */
int wssec__parse_size(const char *s, size_t *out);
/* Parses a non-negative decimal number of seconds. */
int wssec__parse_seconds(const char *s, int64_t *out_ms);

/* ---- settings: the typed form of the options; the context holds a copy ---- */

typedef struct wssec_strlist {
    char **v;
    size_t n;
} wssec_strlist;

int wssec__strlist_add(wssec_strlist *l, const char *s);
void wssec__strlist_clear(wssec_strlist *l);
int wssec__strlist_copy(wssec_strlist *dst, const wssec_strlist *src);

/* NULL when path can be opened for reading and is not a directory; otherwise
 * the reason ("cannot be opened: <system reason>", "is a directory") in buf. */
const char *wssec__unreadable(const char *path, char *buf, size_t size);
/* The bytes of a file, at most b->max (a configuration or policy document).
 * Returns 0 (b holds them), WSSEC_EIO or WSSEC_ELIMIT with the reason in why
 * (b then empty), or WSSEC_ENOMEM. */
int wssec__read_file(const char *path, wssec_buf *b, char *why, size_t whylen);
/* Secrets from a file or the environment: wssec_secret_read() (public, in
 * wssec/config.h, so that the wssec program applies the same rule). */

/* A fresh random identifier: "<prefix>-<2 * nbytes upper-case hex digits>",
 * or the digits alone with prefix NULL or "" (wsu:Id and xenc Id values, the
 * Redis entry token). 0; WSSEC_ELIMIT when it does not fit in size bytes;
 * WSSEC_EINTERNAL when the random generator fails. */
int wssec__random_id(char *out, size_t size, const char *prefix, size_t nbytes);

/* ---- bounded growable arrays ----
 * Makes room for element n of the array *arrayp (a pointer to the array's
 * pointer) of n elements of size bytes each: reallocates it to n + 1
 * elements. The caller then fills element n and counts it. Refuses to hold
 * more than max elements (WSSEC_ELIMIT) and overflowing sizes
 * (WSSEC_ENOMEM); on failure the array is unchanged. */
int wssec__array_grow(void *arrayp, size_t n, size_t size, size_t max);

#endif /* WSSEC_SRC_UTIL_H */
