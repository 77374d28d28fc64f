/*
 * wssec — one SOAP message being processed.
 *
 * A message is parsed with safe settings (no DTD, no entities, no network,
 * bounded size, depth and node count), its SOAP structure is checked, its IDs
 * are registered (a duplicate rejects it) and its wsse:Security header for
 * this node is located.
 *
 * Thread safety: a message belongs to one thread at a time.
 */
#ifndef WSSEC_MESSAGE_H
#define WSSEC_MESSAGE_H

#include <libxml/tree.h>

#include "common.h"
#include "context.h"
#include "error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct wssec_msg wssec_msg;

/** SOAP versions, as wssec_msg_soap_version() reports them. */
#define WSSEC_SOAP11 11
#define WSSEC_SOAP12 12

/**
 * Creates an empty message bound to a context.
 * @param[out] out the message; free it with wssec_msg_free()
 * @param ctx the context; it must outlive the message
 * @return 0 or WSSEC_ENOMEM.
 */
WSSEC_API int wssec_msg_new(wssec_msg **out, const wssec_ctx *ctx) WSSEC_NONNULL(1, 2)
    WSSEC_WARN_UNUSED;

/** Frees a message and its document. NULL is a no-op. */
WSSEC_API void wssec_msg_free(wssec_msg *msg);

/**
 * Parses @p len bytes as a SOAP message and checks its structure.
 *
 * The size limit ("max-message-size") is checked before any parsing; depth
 * and node-count limits while parsing. A DTD, an entity reference or a
 * processing instruction rejects the message. Only UTF-8 and UTF-16 are
 * accepted.
 *
 * @return 0; WSSEC_EPARSE (not well-formed, DTD, PI, not a SOAP envelope,
 *         bad SOAP structure); WSSEC_ELIMIT (size, depth, node count);
 *         WSSEC_EMALFORMED (two Security headers for this node, a duplicate
 *         ID); WSSEC_ENOMEM. The error is in wssec_msg_error().
 */
WSSEC_API int wssec_msg_parse(wssec_msg *msg, const char *data, size_t len)
    WSSEC_NONNULL(1, 2) WSSEC_WARN_UNUSED;

/**
 * Serializes the message's document (as processed so far) without an added
 * XML declaration when the input had none.
 *
 * @param[out] out the bytes; free them with wssec_free()
 * @param[out] len their number
 * @param msg      the message
 * @return 0, WSSEC_EINVALID when there is no document or when wssec_verify()
 *         refused the message after decrypting part of it (plaintext that
 *         nobody vouched for is never written), WSSEC_ENOMEM.
 */
WSSEC_API int wssec_msg_serialize(unsigned char **out, size_t *len, const wssec_msg *msg)
    WSSEC_NONNULL(1, 2, 3) WSSEC_WARN_UNUSED;

/**
 * Serializes a SOAP Fault for an error: the fault code is the SOAP
 * Client/Sender (or Server/Receiver) code with the error's WS-Security fault
 * QName as subcode (SOAP 1.2) or as the faultcode itself (SOAP 1.1), and a
 * short generic reason: the precise diagnostic is for the local report, not
 * for the remote sender.
 *
 * @param[out] out the bytes; free them with wssec_free()
 * @param[out] len their number
 * @param err the error (code must be non-zero)
 * @param soap_version WSSEC_SOAP11 or WSSEC_SOAP12
 * @return 0, WSSEC_EINVALID, WSSEC_ENOMEM.
 */
WSSEC_API int wssec_fault_serialize(unsigned char **out, size_t *len, const wssec_error *err,
                                    int soap_version) WSSEC_NONNULL(1, 2, 3) WSSEC_WARN_UNUSED;

/** Frees memory that wssec returned to the caller. NULL is a no-op. */
WSSEC_API void wssec_free(void *p);

/** The message's document, or NULL before a successful parse. Borrowed. */
WSSEC_API xmlDocPtr wssec_msg_doc(const wssec_msg *msg) WSSEC_NONNULL(1);

/** WSSEC_SOAP11, WSSEC_SOAP12, or 0 when not yet known. */
WSSEC_API int wssec_msg_soap_version(const wssec_msg *msg) WSSEC_NONNULL(1);

/** The soap:Body element, or NULL. Borrowed. */
WSSEC_API xmlNodePtr wssec_msg_body(const wssec_msg *msg) WSSEC_NONNULL(1);

/** The soap:Header element, or NULL. Borrowed. */
WSSEC_API xmlNodePtr wssec_msg_header(const wssec_msg *msg) WSSEC_NONNULL(1);

/**
 * The last error recorded on the message. One of the error accessors (see
 * error.h): never NULL; code 0 when none; for a NULL @p msg, a static record
 * with code WSSEC_EINVALID. Borrowed; valid until the next call that changes
 * the message.
 */
WSSEC_API const wssec_error *wssec_msg_error(const wssec_msg *msg);

#ifdef __cplusplus
}
#endif

#endif /* WSSEC_MESSAGE_H */
