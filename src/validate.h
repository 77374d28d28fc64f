/*
 * wssec — the validators' seams (validate.c): what a custom validator
 * returned, made safe, and the time validator of a message's context.
 */
#ifndef WSSEC_SRC_VALIDATE_H
#define WSSEC_SRC_VALIDATE_H

#include <stddef.h>

#include "wssec/process.h"
#include "wssec/validate.h"

/* The time validator of the message's context (the default one when none
 * is installed) decides whether the times in check are fresh. 0, or the
 * refusal's code with its reason in why and the time it is about in
 * *about; a value that is no wssec code becomes WSSEC_EEXPIRED with a
 * reason naming the validator. */
int wssec__time_validate(const wssec_msg *msg, const wssec_time_check *check,
                         wssec_time_field *about, char *why, size_t whylen);
/* Normalises what a validator returned: 0, a negative wssec code, or
 * refusal (a value that is no wssec code). */
int wssec__validator_code(int rc, int refusal);

#endif /* WSSEC_SRC_VALIDATE_H */
