/*
 * wssec — one open-addressing hash table of fixed capacity (see hashtab.h).
 *
 * A slot is the value (first, so it is aligned like any allocation), the
 * key, then a byte that says whether the slot is in use; slots are `stride`
 * bytes apart. One slot past the last is scratch space for moving an entry.
 */
#include <stdalign.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <openssl/rand.h>

#include "wssec/error.h"
#include "hashtab.h"
#include "util.h"

/* The longest key, in 32-bit words (an even number: they are mixed in pairs). */
#define MAX_WORDS 16

struct wssec_hashtab {
    unsigned char *slots; /* cap + 1 slots of stride bytes */
    size_t cap;           /* a power of two, at least 2 * max */
    unsigned bits;        /* log2(cap) */
    size_t max, count;
    size_t key_len, val_size, stride;
    size_t words;               /* key_len in 32-bit words, rounded up to an even number */
    uint64_t seed[MAX_WORDS + 1]; /* this table's secret: the slot function's key */
};

size_t wssec__hashtab_slots(size_t max)
{
    if (max > SIZE_MAX / 2) return 0;
    size_t cap = 16;
    while (cap < 2 * max) {
        if (cap > SIZE_MAX / 2) return 0;
        cap *= 2;
    }
    return cap;
}

static unsigned char *slot_at(const wssec_hashtab *t, size_t i)
{
    return t->slots + i * t->stride;
}

static unsigned char *key_of(const wssec_hashtab *t, unsigned char *slot)
{
    return slot + t->val_size;
}

static bool in_use(const wssec_hashtab *t, const unsigned char *slot)
{
    return slot[t->val_size + t->key_len] != 0;
}

/* The i-th 32-bit word of a key, zero past its end. */
static uint64_t word(const wssec_hashtab *t, const unsigned char *key, size_t i)
{
    uint32_t w = 0;
    size_t at = i * 4;
    if (at < t->key_len) memcpy(&w, key + at, t->key_len - at < 4 ? t->key_len - at : 4);
    return w;
}

/* The slot a key probes first. Keys are digests of what a sender chose (a
 * nonce, a certificate): a slot taken from their leading bytes would let a
 * sender grind keys that share them and pile entries into one cluster, so
 * that every probe scans it. The slot is a keyed mix of the whole key with
 * this table's random secret (pair-multiply-shift over 32-bit words with
 * 64-bit arithmetic, a universal family: two keys share a slot with
 * probability about 2/slots whatever they are): without the secret, which
 * keys collide cannot be chosen. */
static size_t home(const wssec_hashtab *t, const void *key)
{
    uint64_t h = t->seed[MAX_WORDS];
    for (size_t i = 0; i < t->words; i += 2)
        h += (word(t, key, i) + t->seed[i]) * (word(t, key, i + 1) + t->seed[i + 1]);
    return (size_t)(h >> (64 - t->bits));
}

size_t wssec__hashtab_home(const wssec_hashtab *t, const void *key)
{
    return home(t, key);
}

int wssec__hashtab_new(wssec_hashtab **out, size_t max, size_t key_len, size_t val_size)
{
    *out = NULL;
    const size_t align = alignof(max_align_t);
    if (max == 0 || key_len == 0 || key_len > MAX_WORDS * 4 || val_size > SIZE_MAX / 4)
        return WSSEC_EINVALID;
    size_t stride = (val_size + key_len + 1 + align - 1) / align * align;
    /* cap <= 4 * max (max >= 8) or 16: (cap + 1) * stride fits */
    if (max > SIZE_MAX / 4 / stride - 1) return WSSEC_EINVALID;
    size_t cap = wssec__hashtab_slots(max);
    wssec_hashtab *t = wssec__calloc(1, sizeof(*t));
    if (!t) return WSSEC_ENOMEM;
    t->slots = wssec__calloc(cap + 1, stride);
    if (!t->slots) {
        wssec__free(t);
        return WSSEC_ENOMEM;
    }
    if (RAND_bytes((unsigned char *)t->seed, (int)sizeof(t->seed)) != 1) {
        wssec__free(t->slots);
        wssec__free(t);
        return WSSEC_EINTERNAL;
    }
    t->cap = cap;
    for (t->bits = 0; ((size_t)1 << t->bits) < cap; t->bits++) continue;
    t->words = (key_len + 7) / 8 * 2;
    t->max = max;
    t->key_len = key_len;
    t->val_size = val_size;
    t->stride = stride;
    *out = t;
    return 0;
}

void wssec__hashtab_free(wssec_hashtab *t)
{
    if (!t) return;
    wssec__free(t->slots);
    wssec__free(t);
}

size_t wssec__hashtab_count(const wssec_hashtab *t)
{
    return t->count;
}

size_t wssec__hashtab_max(const wssec_hashtab *t)
{
    return t->max;
}

/* The slot holding key, or the empty slot where its probe ends. The table
 * is never more than half full, so there is one; the bound is a guard. */
static size_t find(const wssec_hashtab *t, const void *key, bool *found)
{
    size_t i = home(t, key);
    for (size_t probes = 0; probes < t->cap; probes++, i = (i + 1) & (t->cap - 1)) {
        unsigned char *s = slot_at(t, i);
        if (!in_use(t, s)) break;
        if (memcmp(key_of(t, s), key, t->key_len) == 0) {
            *found = true;
            return i;
        }
    }
    *found = false;
    return i;
}

void *wssec__hashtab_get(const wssec_hashtab *t, const void *key)
{
    bool found;
    size_t i = find(t, key, &found);
    return found ? slot_at(t, i) : NULL;
}

int wssec__hashtab_put(wssec_hashtab *t, const void *key, void **val, bool *added)
{
    bool found;
    size_t i = find(t, key, &found);
    *val = NULL;
    if (added) *added = false;
    if (!found) {
        if (t->count >= t->max) return WSSEC_ELIMIT;
        unsigned char *s = slot_at(t, i);
        memset(s, 0, t->stride);
        memcpy(key_of(t, s), key, t->key_len);
        s[t->val_size + t->key_len] = 1;
        t->count++;
        if (added) *added = true;
    }
    *val = slot_at(t, i);
    return 0;
}

/* Puts the entry in slot i where a probe for its key now ends (at i or
 * before it in probe order): after a slot of its cluster was emptied. */
static void reseat(wssec_hashtab *t, size_t i)
{
    unsigned char *scratch = slot_at(t, t->cap), *s = slot_at(t, i);
    memcpy(scratch, s, t->stride);
    s[t->val_size + t->key_len] = 0;
    bool found;
    size_t j = find(t, key_of(t, scratch), &found);
    memcpy(slot_at(t, j), scratch, t->stride);
}

/* After slot i was emptied: every later entry of its cluster is reseated,
 * so no probe stops early at the hole. */
static void close_gap(wssec_hashtab *t, size_t i)
{
    for (size_t j = (i + 1) & (t->cap - 1); in_use(t, slot_at(t, j)); j = (j + 1) & (t->cap - 1))
        reseat(t, j);
}

bool wssec__hashtab_remove(wssec_hashtab *t, const void *key)
{
    bool found;
    size_t i = find(t, key, &found);
    if (!found) return false;
    slot_at(t, i)[t->val_size + t->key_len] = 0;
    t->count--;
    close_gap(t, i);
    return true;
}

size_t wssec__hashtab_drop_if(wssec_hashtab *t, bool (*drop)(void *val, void *arg), void *arg)
{
    /* a slot empty before anything goes: no cluster spans it (there is
     * one, the table being at most half full) */
    size_t start = 0;
    while (in_use(t, slot_at(t, start))) start++;
    size_t gone = 0;
    for (size_t i = 0; i < t->cap; i++) {
        unsigned char *s = slot_at(t, i);
        if (in_use(t, s) && drop(s, arg)) {
            s[t->val_size + t->key_len] = 0;
            gone++;
        }
    }
    t->count -= gone;
    if (!gone) return gone;
    /* Reseat every entry in probe order from there: each lands where its
     * probe now ends, at or before its slot (never past start, where no
     * probe went), and the entries before it are already in place. */
    for (size_t k = 1; k < t->cap; k++) {
        size_t i = (start + k) & (t->cap - 1);
        if (in_use(t, slot_at(t, i))) reseat(t, i);
    }
    return gone;
}

void wssec__hashtab_clear(wssec_hashtab *t, void (*each)(void *val))
{
    for (size_t i = 0; each && i < t->cap; i++)
        if (in_use(t, slot_at(t, i))) each(slot_at(t, i));
    memset(t->slots, 0, t->cap * t->stride);
    t->count = 0;
}
