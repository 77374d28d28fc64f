/*
 * wssec — identity assertion: trusted upstreams, the trusted-ID evaluator,
 * and the identity phase of verify and secure (identity.c).
 */
#ifndef WSSEC_SRC_IDENTITY_H
#define WSSEC_SRC_IDENTITY_H

#include <openssl/x509.h>
#include <libxml/tree.h>

#include "wssec/config.h"
#include "wssec/context.h"
#include "wssec/message.h"
#include "wssec/process.h"
#include "wssec/sys/token.h"

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
/* During wssec_secure: the user name and the DN to assert (either may be
 * NULL or empty; borrowed), as wssec__identity_secure_begin() chose them. */
void wssec__identity_asserting(const char **user, const char **dn, const wssec_msg *msg);
/* During wssec_secure: the Security header the message arrived with (the
 * one strip-security took out, else our Security header), where the
 * caller's own X.509 token is; NULL when there is none. */
xmlNodePtr wssec__identity_caller_header(const wssec_msg *msg);

#endif /* WSSEC_SRC_IDENTITY_H */
