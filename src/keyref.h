/*
 * wssec — key references: resolving a ds:KeyInfo to a certificate, and
 * writing a SecurityTokenReference (keyref.c).
 */
#ifndef WSSEC_SRC_KEYREF_H
#define WSSEC_SRC_KEYREF_H

#include <stdbool.h>
#include <stddef.h>

#include <openssl/x509.h>
#include <libxml/tree.h>

#include "wssec/process.h"

/* Where a key's certificate came from. */
typedef struct wssec_key_source {
    X509 *cert;                /* borrowed, or owned when own_cert */
    STACK_OF(X509) *presented; /* certificates the message carried with it */
    const wssec_token *token;  /* the token it came from, or NULL */
    const char *how;           /* "bst", "issuer-serial", "ski", "thumbprint", "x509", ... */
    bool own_cert, own_presented;
} wssec_key_source;

/* Resolves a ds:KeyInfo (one SecurityTokenReference or X509Data); candidates
 * (may be NULL) are searched first, then the message's tokens, then the
 * known certificates. */
int wssec__key_resolve(wssec_msg *msg, xmlNodePtr key_info, STACK_OF(X509) *candidates,
                       wssec_key_source *k);
void wssec__key_source_free(wssec_key_source *k);
/* Resolves one wsse:SecurityTokenReference, str, as wssec__key_resolve
 * resolves the one in a KeyInfo (no candidates): the STR-Transform's
 * dereference. 0 or the failure recorded on msg. */
int wssec__key_resolve_str(wssec_msg *msg, xmlNodePtr str, wssec_key_source *k);
/* Writes a SecurityTokenReference naming cert under parent: key_id is a
 * WSSEC_KEYID_*; for WSSEC_KEYID_BST, bst is the token element. */
int wssec__str_write(wssec_msg *msg, xmlNodePtr parent, X509 *cert, int key_id, xmlNodePtr bst,
                     int bst_type);
/* Writes a wsse:BinarySecurityToken for cert at the end of our Security
 * header (created when missing), with a fresh wsu:Id: bst_type is a
 * WSSEC_BST_* (the setting bst-type), and the chain types (pkipath,
 * pkcs7) carry chain too (may be NULL). With token, the token is also
 * recorded in the message's token store as an "x509-token" holding cert
 * and chain (new references), so that a SecurityTokenReference can name it
 * (*token, borrowed). *out is the element (borrowed); move it where it
 * belongs (before an EncryptedKey, ...). what names the caller in the
 * error ("x509-token"). 0, or the code of the error recorded on msg
 * (WSSEC_ENOMEM; WSSEC_EINTERNAL when a certificate cannot be encoded;
 * WSSEC_EINVALID for an unknown bst_type); a failure may leave the element
 * in the document, partly written. */
int wssec__bst_write(xmlNodePtr *out, wssec_token **token, wssec_msg *msg, const char *what,
                     X509 *cert, STACK_OF(X509) *chain, int bst_type);

/* Forgets the error wssec__key_resolve() recorded on msg for the current
 * step, so that a caller which handles the failure (a fallback key, or its
 * own wording of the refusal) records its own. */
void wssec__key_error_forget(wssec_msg *msg);

#endif /* WSSEC_SRC_KEYREF_H */
