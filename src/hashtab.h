/*
 * wssec — one open-addressing hash table of fixed capacity (hashtab.c):
 * the parsed-certificate pool (x509.c), the certificate cache
 * (trust_cache.c) and the in-memory replay cache (replay.c).
 *
 * Keys have one length (at most 64 bytes), given at creation, and are
 * digests of what a sender chose: the slot is a keyed mix of the whole key
 * with the table's random secret, so a sender cannot choose keys that
 * collide (hashtab.c, home()). Values
 * have one size, given at creation, and live in the table (a pointer to one
 * is valid until the table next changes). The table never grows: it has
 * wssec__hashtab_slots(max) slots and holds at most max entries, so at
 * least half the slots are always empty and every probe ends; a put past
 * max is refused (WSSEC_ELIMIT) and the caller decides what gives way
 * (start afresh, drop what expired, or refuse). Linear probing; removal
 * moves the rest of the cluster back, so there are no tombstones.
 *
 * Not thread-safe: each user holds its own lock around every call.
 */
#ifndef WSSEC_SRC_HASHTAB_H
#define WSSEC_SRC_HASHTAB_H

#include <stdbool.h>
#include <stddef.h>

typedef struct wssec_hashtab wssec_hashtab;

/* The slots a table of at most max entries has: the power of two at least
 * 16 and at least 2 * max (0 when that does not fit in a size_t). */
size_t wssec__hashtab_slots(size_t max);

/* A table of at most max entries (max >= 1), keys of key_len bytes (1 to
 * 64), values of val_size bytes (0 allowed). 0, WSSEC_ENOMEM,
 * WSSEC_EINTERNAL (no random secret), or WSSEC_EINVALID (nothing in *out)
 * when a size is 0 or too large. */
int wssec__hashtab_new(wssec_hashtab **out, size_t max, size_t key_len, size_t val_size);
/* NULL is a no-op. The values are not looked at: free what they own first
 * (wssec__hashtab_clear). */
void wssec__hashtab_free(wssec_hashtab *t);

size_t wssec__hashtab_count(const wssec_hashtab *t);
size_t wssec__hashtab_max(const wssec_hashtab *t);

/* The slot a probe for key starts at: for tests, which make keys collide on
 * purpose by searching for them. */
size_t wssec__hashtab_home(const wssec_hashtab *t, const void *key);

/* The value stored under key, or NULL. */
void *wssec__hashtab_get(const wssec_hashtab *t, const void *key);

/* The value under key, added (zeroed) when absent: 0 with *val set and
 * *added true when it is new; WSSEC_ELIMIT (*val NULL) when key is absent
 * and the table already holds max entries. added may be NULL. */
int wssec__hashtab_put(wssec_hashtab *t, const void *key, void **val, bool *added);

/* Removes key: true when it was there. */
bool wssec__hashtab_remove(wssec_hashtab *t, const void *key);

/* Removes every entry for which drop(value, arg) is true (expiry); drop may
 * release what the value owns. Allocates nothing. Returns how many went. */
size_t wssec__hashtab_drop_if(wssec_hashtab *t, bool (*drop)(void *val, void *arg), void *arg);

/* Removes every entry, calling each(value) first when each is not NULL. */
void wssec__hashtab_clear(wssec_hashtab *t, void (*each)(void *val));

#endif /* WSSEC_SRC_HASHTAB_H */
