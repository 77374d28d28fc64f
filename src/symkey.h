/*
 * wssec — symmetric keys (symkey.c): the EncryptedKey (or the DerivedKeyToken
 * derived from one) a ds:KeyInfo names as the key of a signature or of an
 * EncryptedData (the symmetric binding).
 */
#ifndef WSSEC_SRC_SYMKEY_H
#define WSSEC_SRC_SYMKEY_H

#include <stddef.h>

#include <stdbool.h>

#include <libxml/tree.h>
#include <openssl/x509.h>

#include "wssec/process.h"
#include "algs.h"

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

/* Bytes [offset, offset + len) of P_SHA-1(secret, seed) (RFC 2246 §5's
 * P_hash with HMAC-SHA1, as WS-SecureConversation derives keys) into out.
 * 0, or WSSEC_ENOMEM / WSSEC_EINVALID (an HMAC failure); records no error. */
int wssec__p_sha1(const unsigned char *secret, size_t slen, const unsigned char *seed,
                  size_t seedlen, size_t offset, unsigned char *out, size_t len);

/* ---- outbound ---- */

/* How an outbound EncryptedKey wraps its key, from the settings
 * (key-transport, enc-key-id, psk-name, encrypt-cert, psk-file). */
typedef struct wssec_key_wrap {
    const wssec_alg *kt; /* key transport */
    int ktn;             /* WSSEC_KT_* */
    bool kw;             /* AES key wrap with the pre-shared key */
    int key_id;          /* how the EncryptedKey names the recipient: WSSEC_KEYID_* */
    const char *psk_name;
    X509 *recipient; /* borrowed from the context */
    const unsigned char *psk;
    size_t psk_len;
} wssec_key_wrap;

/* Reads the key wrap's settings and keys: the recipient's certificate, or a
 * pre-shared key of the key wrap's size. 0, or the code of the error
 * recorded on msg (WSSEC_ECONFIG naming the missing option). */
int wssec__key_wrap_read(wssec_msg *msg, wssec_key_wrap *w);

/* Fills an empty xenc:EncryptedKey: a fresh Id (registered), the
 * EncryptionMethod, the KeyInfo naming the recipient (or the pre-shared
 * key), and key wrapped in its CipherData. No ReferenceList. 0, or the code
 * of the error recorded on msg. */
int wssec__ek_fill(wssec_msg *msg, const wssec_key_wrap *w, xmlNodePtr ek, const unsigned char *key,
                   size_t keylen);

/* The symmetric binding, outbound (the symmetric option): the session key of
 * this message, an EncryptedKey key token (no ReferenceList) in the token
 * store, its key the token's secret. The first action that needs it makes
 * it (a fresh random key of the enc-alg's size, wrapped for the recipient)
 * and appends it to our Security header, before anything that uses it.
 * With a request's session key given (wssec_msg_use_session_key), no
 * EncryptedKey: *out is NULL and the uses name that key. *out is borrowed.
 * 0, or the code of the error recorded on msg. */
int wssec__symkey_session(wssec_msg *msg, const wssec_token **out);

/* How a use names the key it took from the session key. */
typedef struct wssec_symkey_ref {
    xmlNodePtr dk; /* the DerivedKeyToken written for it, or NULL: the session key itself */
    xmlNodePtr ek; /* the EncryptedKey, or NULL: the request's session key */
    char sha1[32]; /* non-empty: the EncryptedKey named by this EncryptedKeySHA1 */
} wssec_symkey_ref;

/* The key one use (a signature, the encryption of the parts) takes from the
 * session key token ek (NULL: the request's key, wssec_msg_use_session_key):
 * the session key itself, or, with derived-keys, a key of len bytes
 * derived in a fresh wsc:DerivedKeyToken (its own random Nonce, P_SHA-1)
 * written just before the element before. len 0: the session key's length.
 * key receives it (wipe it after use), *keylen its length, *ref how to name
 * it (wssec__symkey_ref_write): the DerivedKeyToken, or the EncryptedKey
 * (by Reference, or by KeyIdentifier EncryptedKeySHA1 with session-key-id
 * encrypted-key-sha1, and always for the request's key). 0, or the code of
 * the error recorded on msg. */
int wssec__symkey_use(wssec_msg *msg, const wssec_token *ek, xmlNodePtr before, size_t len,
                      unsigned char key[64], size_t *keylen, wssec_symkey_ref *ref);

/* Writes the wsse:SecurityTokenReference that names a key (ref, from
 * wssec__symkey_use) into key_info. 0, or WSSEC_ENOMEM recorded on msg. */
int wssec__symkey_ref_write(wssec_msg *msg, xmlNodePtr key_info, const wssec_symkey_ref *ref);

/* After wssec_verify accepted msg: keeps the session key of its first
 * EncryptedKey key token, for wssec_msg_session_key (a responder answers
 * with it). 0 or WSSEC_ENOMEM. */
int wssec__symkey_keep(wssec_msg *msg);

#endif /* WSSEC_SRC_SYMKEY_H */
