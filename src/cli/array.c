/*
 * wssec(1) — a growable array with a bound: the program's lists (users,
 * --explain pieces) grow by doubling up to a maximum they never pass.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

int cli_array_push(cli_array *a, void **slot)
{
    if (a->n >= a->max) return WSSEC_ELIMIT;
    if (a->n == a->cap) {
        size_t cap = a->cap ? a->cap * 2 : 8;
        if (cap > a->max) cap = a->max;
        if (cap > SIZE_MAX / a->size) return WSSEC_ENOMEM;
        void *items = realloc(a->items, cap * a->size);
        if (!items) return WSSEC_ENOMEM;
        a->items = items;
        a->cap = cap;
    }
    *slot = (unsigned char *)a->items + a->n * a->size;
    memset(*slot, 0, a->size);
    a->n++;
    return 0;
}

void cli_array_free(cli_array *a)
{
    free(a->items);
    a->items = NULL;
    a->n = a->cap = 0;
}
