/*
 * wssec — Timestamps and Nonces inside signed content (a service,
 * embedded.c): WebSphere's "timestamp in other elements" and "nonce in
 * other elements".
 */
#ifndef WSSEC_SRC_EMBEDDED_H
#define WSSEC_SRC_EMBEDDED_H

#include <stddef.h>

#include "wssec/process.h"

/* Most Timestamps and Nonces added to one message, or checked in one. */
#define WSSEC_EMBEDDED_MAX 64

/* What wssec__embedded_insert added, for wssec__embedded_check_signed: the
 * wsu:Id of each Timestamp or Nonce and the XPath that placed it. */
typedef struct wssec_embedded_out {
    size_t n;
    struct {
        char id[48];
        const char *xpath; /* borrowed from the settings */
        const char *what;  /* "timestamp-in" or "nonce-in" */
    } items[WSSEC_EMBEDDED_MAX];
} wssec_embedded_out;

/* Outbound, before the actions run: a wsu:Timestamp as the first child of
 * each element a timestamp-in XPath selects, a wsse:Nonce and a wsu:Created
 * as the first children of each a nonce-in XPath selects. An XPath that
 * selects nothing, or something that is not an element outside the
 * Security header, is WSSEC_ECONFIG. 0 or the code of the error recorded
 * on msg. */
int wssec__embedded_insert(wssec_msg *msg, wssec_embedded_out *out);

/* Outbound, once the (last) signature is made: each thing added is covered
 * by a reference of a Signature of our Security header (the element, or an
 * ancestor, or the whole document); otherwise WSSEC_ECONFIG naming the
 * XPath (a Timestamp nobody signs limits nothing). */
int wssec__embedded_check_signed(wssec_msg *msg, const wssec_embedded_out *out);

/* Inbound, after the signatures are verified: every wsu:Timestamp and
 * wsse:Nonce outside the Security headers. Inside content a verified
 * signature covers whole, a Timestamp is checked like our header's
 * (expired, future, max-age: the same codes, the path in the reason) and a
 * Nonce (with the wsu:Created beside it, fresh) goes through the replay
 * cache keyed by the signer; elsewhere each is warned about, or refused
 * (WSSEC_EUNSIGNED) with unsigned-timestamps refuse. Nonces are recorded
 * only once everything else about them held. 0 or the code of the error
 * recorded on msg. */
int wssec__embedded_verify(wssec_msg *msg);

#endif /* WSSEC_SRC_EMBEDDED_H */
