/*
 * wssec — the option table (options.c): what each option is and which field
 * of the settings it sets.
 */
#ifndef WSSEC_SRC_OPTIONS_H
#define WSSEC_SRC_OPTIONS_H

#include <stddef.h>

typedef enum wssec_opt_kind {
    OPT_SIZE,
    OPT_SECONDS,
    OPT_BOOL,
    OPT_STRING,
    OPT_PWTYPE,
    OPT_REQUIRE,
    OPT_LIST,
    OPT_TIME,
    OPT_REPLAY,
    OPT_MULTI, /* repeatable: each setting appends the whole value; "" clears */
    OPT_ENUM   /* one of choices; stored as its index */
} wssec_opt_kind;

typedef struct wssec_opt {
    const char *name;
    wssec_opt_kind kind;
    size_t offset;
    size_t min; /* OPT_SIZE: smallest accepted value */
    const char *arg;
    const char *help;
    const char *const *choices; /* OPT_ENUM, OPT_LIST: the accepted words, NULL-terminated */
} wssec_opt;

/* The option of that name, or NULL; a binary search over the table sorted
 * once (thread-safe). */
const wssec_opt *wssec__opt_find(const char *name);
/* The table in its order (help texts, tests). */
size_t wssec__opt_count(void);
const wssec_opt *wssec__opt_at(size_t i);

#endif /* WSSEC_SRC_OPTIONS_H */
