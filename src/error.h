/*
 * wssec — one error record, owning its strings (error.c).
 */
#ifndef WSSEC_SRC_ERROR_H
#define WSSEC_SRC_ERROR_H

#include <stdarg.h>

#include "wssec/error.h"

typedef struct wssec_errrec {
    wssec_error pub;
    char message[512];
    char fault[64];
    char fault_ns[128];
    char subject[256];
} wssec_errrec;

void wssec__err_clear(wssec_errrec *e);
/* Records an error; returns code. fault NULL: the code's default. */
int wssec__err_set(wssec_errrec *e, int code, const char *fault, const char *subject,
                   const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 7, 8)));
int wssec__err_setv(wssec_errrec *e, int code, const char *fault, const char *subject,
                    const char *file, int line, const char *fmt, va_list ap)
    __attribute__((format(printf, 7, 0)));
void wssec__err_copy(wssec_errrec *dst, const wssec_errrec *src);
/* The error record an object without an error reports (code 0, every string
 * ""), and the one the error accessors return for a NULL object
 * (WSSEC_EINVALID): the accessors never return NULL. */
const wssec_error *wssec__err_none(void);
const wssec_error *wssec__err_null(void);
/* The namespace a "prefix:local" fault lives in (wsse, soap ...). */
const char *wssec__fault_ns(const char *fault);

#define WSSEC_ERR(e, code, ...) wssec__err_set((e), (code), NULL, NULL, __FILE__, __LINE__, __VA_ARGS__)

#endif /* WSSEC_SRC_ERROR_H */
