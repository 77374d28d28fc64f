/*
 * wssec — identity assertion: trusted upstreams, the trusted-ID evaluator,
 * and the identity phase of verify and secure (identity.c).
 */
#ifndef WSSEC_SRC_IDENTITY_H
#define WSSEC_SRC_IDENTITY_H

#include <openssl/x509.h>

#include "wssec/config.h"
#include "wssec/context.h"
#include "wssec/message.h"
#include "wssec/process.h"

/* The token type of an asserted identity (a UsernameToken without Password,
 * an asserted X.509 token); properties "asserted-kind" (username, dn) and
 * "asserted" (the identity). It has no identity until the identity phase
 * accepts it. */
#define WSSEC_TOKEN_ASSERTION "identity-assertion"

/* 1 when inbound identity assertion is configured (a trusted-upstream list or
 * a trusted-ID evaluator). */
int wssec__identity_enabled(const wssec_ctx *ctx);
/* Builds ctx->identity from cfg (checks the options, loads assert-cert). */
int wssec__identity_ctx_init(wssec_ctx *ctx, wssec_config *cfg);
/* Frees ctx->identity (the trusted-ID evaluator may live in a plug-in: call
 * it before the plug-ins are closed). */
void wssec__identity_ctx_free(wssec_ctx *ctx);
/* The certificate of the assert-cert option, or NULL. Borrowed. */
X509 *wssec__identity_assert_cert(const wssec_ctx *ctx);
/* The identity phase of wssec_verify, after the policy: binds an asserted
 * identity to its upstream, asks the evaluator, sets the caller. */
int wssec__identity_run(wssec_msg *msg);
/* wssec_secure: the identity to assert and strip-security, before the
 * generators; and the end of the call (frees what was stripped). */
int wssec__identity_secure_begin(wssec_msg *msg, const wssec_secure_options *opts);
void wssec__identity_secure_end(wssec_msg *msg);

#endif /* WSSEC_SRC_IDENTITY_H */
