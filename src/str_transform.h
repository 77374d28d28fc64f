/*
 * wssec — the STR Dereference Transform (WSS 1.1 SOAP Message Security
 * §8.3), for the signature consumer (str_transform.c).
 */
#ifndef WSSEC_SRC_STR_TRANSFORM_H
#define WSSEC_SRC_STR_TRANSFORM_H

#include <stddef.h>

#include <libxml/tree.h>
#include <openssl/x509.h>

#include "wssec/process.h"
#include "util.h"

#define WSSEC_URI_STR_TRANSFORM                                                                   \
    "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-soap-message-security-1.0#STR-"     \
    "Transform"

/* Checks the Transform element tr of Reference uri, an STR-Transform: its
 * wsse:TransformationParameters hold one ds:CanonicalizationMethod, exclusive
 * C14N without comments and without children. 0 or the failure recorded on
 * msg (WSSEC_EMALFORMED, WSSEC_EALGORITHM). */
int wssec__str_transform_params(wssec_msg *msg, xmlNodePtr tr, const char *uri);

/* One Reference that uses the STR-Transform. */
typedef struct wssec_str_ref {
    xmlNodePtr ref;        /* the ds:Reference */
    xmlNodePtr str;        /* the element its URI names */
    const char *uri;       /* its URI, for messages */
    const char *md;        /* its digest's OpenSSL name ("sha256") */
    X509 *signer;          /* the certificate whose key verified SignedInfo */
    size_t max_c14n_bytes; /* the setting, for the message when over it */
    int own_c14n;          /* whether wssec__c14n_doc_ok said the document is fit for our
                            * C14N: 0 not asked (asked here), 1 yes, 2 no */
    xmlNodePtr token;      /* out: the token element digested; NULL when synthesized */
    wssec_buf bytes;       /* out: what was digested (the caller frees it) */
} wssec_str_ref;

/* Verifies s->ref: s->str is a wsse:SecurityTokenReference, resolved by the
 * key-reference service (tokens of this message by Id, the configured
 * certificates by issuer-serial, SKI or thumbprint; nothing fetched) to the
 * signer's own certificate (any other is refused: the transform protects the
 * signing token, never another one); its output is that token element (a
 * Reference to a token of the message) or a wsse:BinarySecurityToken made
 * from the certificate (other references), as WSS4J writes it, canonicalized
 * with exclusive C14N (#default inclusive, then xmlns="" on the apex when it
 * has no default namespace); its digest must be the DigestValue. Counts the
 * bytes against max-c14n-bytes. 0, or the failure recorded on msg
 * (WSSEC_EMALFORMED, WSSEC_EUNAVAILABLE and the other key-reference codes,
 * WSSEC_ESIGNATURE for another token, WSSEC_ELIMIT, WSSEC_EDIGEST,
 * WSSEC_ENOMEM). */
int wssec__str_transform_verify(wssec_msg *msg, wssec_str_ref *s);

/* The transform's output for s->str alone (s->ref, s->md unused; the
 * signature generator digests it): the same resolution, signer check and
 * canonical bytes as wssec__str_transform_verify, into s->bytes (the caller
 * frees it). 0 or the failure recorded on msg. */
int wssec__str_transform_output(wssec_msg *msg, wssec_str_ref *s);

#endif /* WSSEC_SRC_STR_TRANSFORM_H */
