/*
 * wssec module SDK — what a consumer proved, recorded on the message: the
 * nodes a verified signature covered, the nodes decryption revealed, and
 * warnings; and the decryptions a consumer queues for the pipeline to run
 * between walks of the Security header (README, "Processing order").
 * Policy runs once over this record after every consumer.
 */
#ifndef WSSEC_SYS_RECORD_H
#define WSSEC_SYS_RECORD_H

#include <libxml/tree.h>

#include "../common.h"
#include "../message.h"
#include "../process.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Adds a warning to the result (the same text twice is kept once). 0 or WSSEC_ENOMEM. */
WSSEC_API int wssec_msg_warn(wssec_msg *msg, const char *text) WSSEC_NONNULL(1, 2);

/**
 * Records that a verified signature reference covered @p node: @p uri as
 * the reference wrote it, @p digest the digest algorithm's name (static),
 * @p signature the signature's token, @p whole 1 when the whole subtree is
 * covered (no XPath or XSLT transform narrowed it).
 * @return 0 or WSSEC_ENOMEM.
 */
WSSEC_API int wssec_msg_add_signed(wssec_msg *msg, xmlNodePtr node, const char *uri,
                                   const char *digest, const wssec_token *signature, int whole)
    WSSEC_NONNULL(1, 2) WSSEC_WARN_UNUSED;

/** 1 when @p node is, or lies inside, a node a verified reference covered whole so far. */
WSSEC_API int wssec_msg_is_covered(const wssec_msg *msg, xmlNodePtr node) WSSEC_NONNULL(1, 2);

/**
 * Records a decrypted part: the element that came out of an EncryptedData,
 * or (@p content) the element whose content did, with @p first .. @p last
 * the nodes decryption inserted there.
 * @return 0 or WSSEC_ENOMEM.
 */
WSSEC_API int wssec_msg_add_decrypted(wssec_msg *msg, xmlNodePtr node, int content,
                                      xmlNodePtr first, xmlNodePtr last) WSSEC_NONNULL(1, 2)
    WSSEC_WARN_UNUSED;

/** 1 when @p node is, or lies inside, a decrypted part. */
WSSEC_API int wssec_msg_is_decrypted(const wssec_msg *msg, xmlNodePtr node) WSSEC_NONNULL(1, 2);

/**
 * Before @p old (and its subtree) leaves the document: every record that
 * names old is re-pointed to @p first .. @p last, the nodes that replace it
 * (a signed EncryptedData's plaintext counts as signed), and every record
 * that names a node inside old is dropped, so nothing points at freed
 * memory.
 * @return 0 or WSSEC_ENOMEM.
 */
WSSEC_API int wssec_msg_replace(wssec_msg *msg, xmlNodePtr old, xmlNodePtr first,
                                xmlNodePtr last) WSSEC_NONNULL(1, 2) WSSEC_WARN_UNUSED;

/**
 * Queues a decryption found during the walk of the header. After the walk
 * the pipeline runs every queued job's @p check (every signature that
 * could be verified before any decryption is known by then, whatever the
 * order of the header's blocks), then every job's @p run; @p free_job
 * frees the job (always, even when queueing fails).
 * @return 0 or WSSEC_ENOMEM.
 */
WSSEC_API int wssec_msg_defer(wssec_msg *msg, wssec_token *token,
                              int (*check)(wssec_msg *msg, void *job),
                              int (*run)(wssec_msg *msg, void *job), void (*free_job)(void *job),
                              void *job) WSSEC_NONNULL(1, 3, 4, 5) WSSEC_WARN_UNUSED;

/**
 * Claims an EncryptedData for decryption: WSSEC_EMALFORMED when a job of
 * this message claimed it already (two keys for one ciphertext).
 */
WSSEC_API int wssec_msg_claim(wssec_msg *msg, xmlNodePtr data) WSSEC_NONNULL(1, 2)
    WSSEC_WARN_UNUSED;

/** Gives up a claim (a job that will not run). */
WSSEC_API void wssec_msg_unclaim(wssec_msg *msg, xmlNodePtr data) WSSEC_NONNULL(1, 2);

/**
 * A consumer whose failure may be due to content still encrypted (a
 * signature over plaintext: sign-then-encrypt) asks to run again after the
 * queued decryptions; granted only when decryptions are queued, else the
 * failure stands.
 */
WSSEC_API void wssec_msg_retry_after_decryption(wssec_msg *msg) WSSEC_NONNULL(1);

/**
 * The number of decryptions queued with wssec_msg_defer() and not yet run
 * (the jobs of the current walk of the header). A consumer that finds
 * ciphertext inside ciphertext asks it: only when decryptions are queued
 * already can the outer part be decrypted and the consumer retried.
 * @return the count; 0 for a NULL @p msg.
 */
WSSEC_API size_t wssec_msg_deferred_count(const wssec_msg *msg) WSSEC_NONNULL(1);

/**
 * Whether the EncryptedData @p data may be decrypted. Once a verified
 * signature covered ciphertext claimed in this message (wssec_msg_claim():
 * encrypt, then sign), only ciphertext a verified signature covered whole
 * may be, so ciphertext moved out of the signed place, redirected or added
 * beside it is never decrypted. A job's check asks it for each of its
 * targets (wssec_msg_defer()).
 * @return 1 when it may; 0 when it may not (the job refuses it with
 *         WSSEC_EUNSIGNED), or for a NULL argument or outside a verify or
 *         inspect pass.
 */
WSSEC_API int wssec_msg_may_decrypt(wssec_msg *msg, xmlNodePtr data) WSSEC_NONNULL(1, 2)
    WSSEC_WARN_UNUSED;

/**
 * Records that a decryption key was applied to this message's ciphertext
 * (a session key unwrapped, successfully or not, or a decryption begun):
 * the document may hold plaintext from now on, so when the verification
 * fails the message is never serialized (wssec_msg_serialize() refuses).
 */
WSSEC_API void wssec_msg_decryption_started(wssec_msg *msg) WSSEC_NONNULL(1);

/**
 * Before @p data is decrypted: with @p integrity 0 (a mode without
 * integrity, AES-CBC) and @p data not covered by a verified signature, any
 * failure of this message's verification from now on reads as the one
 * decryption failure (wssec_msg_decrypt_failed()), whatever its cause, so
 * no later check answers as a padding or well-formedness oracle.
 */
WSSEC_API void wssec_msg_decrypting(wssec_msg *msg, xmlNodePtr data, int integrity)
    WSSEC_NONNULL(1, 2);

/**
 * Records the one error of every decryption failure, whatever its cause
 * (padding, tag, key, plaintext): WSSEC_EDECRYPT, "decryption failed", no
 * node, so a failure tells a sender nothing. As wssec_msg_fail(), it
 * records nothing when an error was recorded for the current step already.
 * @return WSSEC_EDECRYPT (WSSEC_EINVALID for a NULL @p msg).
 */
WSSEC_API int wssec_msg_decrypt_failed(wssec_msg *msg) WSSEC_NONNULL(1);

#ifdef __cplusplus
}
#endif

#endif /* WSSEC_SYS_RECORD_H */
