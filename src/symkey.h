/*
 * wssec — symmetric keys (symkey.c): the EncryptedKey (or the DerivedKeyToken
 * derived from one) a ds:KeyInfo names as the key of a signature or of an
 * EncryptedData (the symmetric binding).
 */
#ifndef WSSEC_SRC_SYMKEY_H
#define WSSEC_SRC_SYMKEY_H

#include <stddef.h>

#include <libxml/tree.h>

#include "wssec/process.h"

/* The value of a wsse:KeyIdentifier naming an EncryptedKey by the SHA-1 of
 * its CipherValue octets (WSS 1.1 §7.3). */
#define WSSEC_VT_ENCRYPTED_KEY_SHA1 \
    "http://docs.oasis-open.org/wss/oasis-wss-soap-message-security-1.1#EncryptedKeySHA1"

/* Resolves a ds:KeyInfo (one wsse:SecurityTokenReference: a Reference to an
 * EncryptedKey's, a SecurityContextToken's or a DerivedKeyToken's Id, or to
 * a SecurityContextToken's Identifier, or a KeyIdentifier of type
 * EncryptedKeySHA1) to an EncryptedKey of this message, found before it and
 * used as a key token (it holds a session key: wssec_token_secret), a
 * resolved SecurityContextToken (its secret is the context's key), or a
 * DerivedKeyToken (its secret is the derived key). what names the user in the
 * error ("HMAC signature", "EncryptedData #x"). *out is borrowed. 0, or the
 * code of the error recorded on msg: WSSEC_EUNAVAILABLE (no such
 * EncryptedKey), WSSEC_ETOKEN (the KeyInfo names another kind of token, or
 * an EncryptedKey that is no key token), WSSEC_ENOMEM. */
int wssec__symkey_resolve(wssec_msg *msg, xmlNodePtr key_info, const char *what,
                          const wssec_token **out);

/* Resolves the wsse:SecurityTokenReference of a DerivedKeyToken to the
 * EncryptedKey or SecurityContextToken key token it derives from (as
 * wssec__symkey_resolve, but never another derived key). */
int wssec__symkey_base(wssec_msg *msg, xmlNodePtr str, const char *what, const wssec_token **out);

/* The SHA-1 of an EncryptedKey's CipherValue octets, base64 (what a
 * KeyIdentifier EncryptedKeySHA1 carries), into out (at least 29 bytes).
 * 0, WSSEC_EINVALID (no base64 CipherValue) or WSSEC_ENOMEM; records no
 * error. */
/* What kind of key token t is, for people: "EncryptedKey",
 * "DerivedKeyToken" or "SecurityContextToken". */
const char *wssec__symkey_kind(const wssec_token *t);

int wssec__symkey_sha1(wssec_msg *msg, xmlNodePtr ek, char *out, size_t size);

#endif /* WSSEC_SRC_SYMKEY_H */
