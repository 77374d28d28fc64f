/*
 * wssec — derived keys (derivedkey.c): what the DerivedKeyToken module
 * offers its own tests.
 */
#ifndef WSSEC_SRC_TOKENS_DERIVEDKEY_H
#define WSSEC_SRC_TOKENS_DERIVEDKEY_H

#include <stddef.h>

/* Bytes [offset, offset + len) of P_SHA-1(secret, seed) (RFC 2246 §5's
 * P_hash with HMAC-SHA1, as WS-SecureConversation derives keys) into out.
 * 0, or WSSEC_ENOMEM / WSSEC_EINVALID (an HMAC failure); records no error. */
int wssec__p_sha1(const unsigned char *secret, size_t slen, const unsigned char *seed,
                  size_t seedlen, size_t offset, unsigned char *out, size_t len);

#endif /* WSSEC_SRC_TOKENS_DERIVEDKEY_H */
