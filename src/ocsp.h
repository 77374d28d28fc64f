/*
 * wssec — revocation by OCSP (ocsp.c): the settings of a trust snapshot's
 * OCSP checks, and the checks themselves, asked by the default certificate
 * validator (trust.c) once a certificate's path is validated. Each asks the
 * responder that the certificate names (authorityInfoAccess) or ocsp-url,
 * with OpenSSL's HTTP client (a timeout, a bounded response), and accepts
 * only a response signed by the issuer, by a responder the issuer certified
 * for OCSPSigning or by an ocsp-responder-cert, for exactly this
 * certificate, valid at the message's clock, with the request's nonce when
 * it carries one. Verified answers are cached with the snapshot
 * (ocsp_cache.h).
 *
 * No I/O for an unauthenticated message: while the signature module checks
 * a signer (between wssec__ocsp_arm and wssec__ocsp_disarm), the validator
 * only notes the chain, and the query runs in wssec__ocsp_settle, after
 * the SignatureValue and every digest verified. Outside that window (an
 * application's validator calling wssec_cert_validate_default on its own)
 * the check runs at once.
 */
#ifndef WSSEC_SRC_OCSP_H
#define WSSEC_SRC_OCSP_H

#include <stdbool.h>
#include <stddef.h>

#include <openssl/x509.h>
#include <libxml/tree.h>

#include "wssec/process.h"
#include "error.h"
#include "settings.h"

/* ocsp: which certificates are checked. */
enum { WSSEC_OCSP_OFF = 0, WSSEC_OCSP_SIGNER = 1, WSSEC_OCSP_CHAIN = 2 };
extern const char *const wssec__ocsp_mode_names[];

typedef struct wssec_ocsp wssec_ocsp;

/* The OCSP settings of a snapshot (*out NULL when ocsp is off): reads
 * ocsp-responder-cert, checks ocsp-url (http:// only) and ocsp-timeout,
 * makes the response cache. 0, WSSEC_ECONFIG (recorded on err) or
 * WSSEC_ENOMEM. */
int wssec__ocsp_new(wssec_ocsp **out, const wssec_settings *s, wssec_errrec *err);
/* NULL is a no-op. */
void wssec__ocsp_free(wssec_ocsp *o);

/* The OCSP checks of a validated chain (leaf first, anchor last) for role
 * ("signer"): 0 when o is NULL, when every certificate the mode names is
 * good, or when the checks wait for the signature (armed: noted on msg);
 * otherwise WSSEC_EUNTRUSTED with the reason in why (or WSSEC_ENOMEM). A
 * responder that gives no usable answer under ocsp-soft-fail is a warning
 * on msg, not a refusal. */
int wssec__ocsp_check(wssec_msg *msg, const wssec_ocsp *o, STACK_OF(X509) *chain, const char *role,
                      char *why, size_t whylen);

/* The signature module, around a signature: arm before its signer's trust
 * check; settle once its SignatureValue and digests verified (runs the
 * noted checks; 0, or the refusal recorded on msg at node, the outcome as
 * tok's property "ocsp"); disarm whatever happened (forgets what was noted,
 * never queried). */
void wssec__ocsp_arm(wssec_msg *msg);
int wssec__ocsp_settle(wssec_msg *msg, wssec_token *tok, xmlNodePtr node);
void wssec__ocsp_disarm(wssec_msg *msg);

#endif /* WSSEC_SRC_OCSP_H */
