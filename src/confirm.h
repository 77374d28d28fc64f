/*
 * wssec — SignatureConfirmation (WSS 1.1 §8.5), the values and the check:
 * what a response confirms (the responder takes the SignatureValues from
 * the request's result) and what a requester expects (the SignatureValues
 * of the request it sent). tokens/confirmation.c writes and reads the
 * elements; the check runs once after the policy, over the record.
 */
#ifndef WSSEC_SRC_CONFIRM_H
#define WSSEC_SRC_CONFIRM_H

#include <stdbool.h>
#include <stddef.h>

#include "wssec/wssec.h"

/* SignatureValues, decoded: at most WSSEC_CONFIRM_MAX of them. */
#define WSSEC_CONFIRM_MAX 64

typedef struct wssec_sigvals {
    unsigned char *v[WSSEC_CONFIRM_MAX];
    size_t len[WSSEC_CONFIRM_MAX];
    size_t n;
} wssec_sigvals;

/* Frees a set of values (NULL: nothing). */
void wssec__sigvals_free(wssec_sigvals *s);

/* Outbound: whether the message confirms a request (wssec_msg_confirm_signatures
 * was called), and how many values (*n; 0: the request was not signed). */
bool wssec__confirming(const wssec_msg *msg, size_t *n);
/* Outbound: value i (borrowed) and its length. */
const unsigned char *wssec__confirm_value(const wssec_msg *msg, size_t i, size_t *len);

/* Inbound, after the policy: with the values of the request sent
 * (wssec_msg_expect_confirmations), every one confirmed exactly once by a
 * SignatureConfirmation a verified signature covers, no other; without
 * them, a warning when the message carries SignatureConfirmations. 0 or
 * the recorded failure. */
int wssec__confirm_check(wssec_msg *msg);

#endif /* WSSEC_SRC_CONFIRM_H */
