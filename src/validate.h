/*
 * wssec — the validators' seams (validate.c): what a custom validator
 * returned, made safe, and the time validator of a message's context.
 */
#ifndef WSSEC_SRC_VALIDATE_H
#define WSSEC_SRC_VALIDATE_H

#include <stdbool.h>
#include <stddef.h>

#include <libxml/tree.h>

#include "wssec/process.h"
#include "wssec/validate.h"

/* The time validator of the message's context (the default one when none
 * is installed) decides whether the times in check are fresh. 0, or the
 * refusal's code with its reason in why and the time it is about in
 * *about; a value that is no wssec code becomes WSSEC_EEXPIRED with a
 * reason naming the validator. */
int wssec__time_validate(const wssec_msg *msg, const wssec_time_check *check,
                         wssec_time_field *about, char *why, size_t whylen);
/* A wsu:Timestamp as read: its times, their text as sent and their nodes. */
typedef struct wssec_ts_times {
    wssec_time created, expires;
    bool has_expires;
    char ctext[64], etext[64];
    xmlNodePtr created_node, expires_node;
} wssec_ts_times;

/* Reads a wsu:Timestamp element: one Created, then at most one Expires,
 * Expires after Created (BSP R3203, R3221, R3224). 0, or the code of the
 * error recorded on msg (WSSEC_EMALFORMED, WSSEC_ENOMEM). */
int wssec__timestamp_read(wssec_msg *msg, xmlNodePtr elem, wssec_ts_times *t);
/* Asks the context's time validator whether the times are fresh (clock-skew
 * and max-age of the context). 0, or its code with the error recorded on
 * msg at the node it is about, the reason after where (NULL: nothing). */
int wssec__timestamp_fresh(wssec_msg *msg, xmlNodePtr elem, const wssec_ts_times *t,
                           const char *where);
/* Normalises what a validator returned: 0, a negative wssec code, or
 * refusal (a value that is no wssec code). */
int wssec__validator_code(int rc, int refusal);

#endif /* WSSEC_SRC_VALIDATE_H */
