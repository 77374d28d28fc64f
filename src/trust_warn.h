/*
 * wssec — warnings before things break (trust_warn.c): certificates and
 * CRLs that expire soon, already expired, are not valid yet, or are past
 * their nextUpdate, in words that name them. At a context's load and trust
 * reload (the configuration's warnings), for a message's signer (the
 * result's warnings), and for the chains of an offline check.
 */
#ifndef WSSEC_SRC_TRUST_WARN_H
#define WSSEC_SRC_TRUST_WARN_H

#include <stddef.h>

#include <openssl/x509.h>

#include "wssec/common.h"
#include "wssec/context.h"
#include "wssec/message.h"
#include "trust_store.h"
#include "util.h"

/* The date warnings of a context being built or reloaded, added to out: the
 * anchors, known certificates and CRLs of snapshot t and the context's own
 * certificates (signing certificate and chain, decrypt-cert, encrypt-cert),
 * at the context's clock, within its expiry-warning-days (0: none).
 * 0 or WSSEC_ENOMEM. */
int wssec__trust_warn_load(wssec_strlist *out, const wssec_ctx *ctx, const wssec_trust *t);
/* A signer certificate that expires within expiry-warning-days of the
 * message's clock: a warning on the message's result. 0 or WSSEC_ENOMEM. */
int wssec__trust_warn_signer(wssec_msg *msg, X509 *cert);
/* The warning about certificate x, which is what (e.g. "trust anchor"), at
 * now with a window of days (0: none), in buf: 1 when there is one, else 0. */
int wssec__trust_warn_cert(X509 *x, const char *what, wssec_time now, size_t days, char *buf,
                           size_t size);
/* The same about a CRL: not valid yet, past its nextUpdate, or reaching it
 * within days. */
int wssec__trust_warn_crl(X509_CRL *crl, wssec_time now, size_t days, char *buf, size_t size);

#endif /* WSSEC_SRC_TRUST_WARN_H */
