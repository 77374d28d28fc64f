/*
 * wssec — security contexts (WS-SecureConversation): the keys of
 * wsc:SecurityContextToken sessions, which the application holds.
 *
 * A SecurityContextToken carries no key: it names, by its wsc:Identifier
 * (and wsc:Instance, after a renewal), a session that the two parties
 * established beforehand (typically by a WS-Trust exchange that the
 * application ran itself). wssec never fetches or establishes a context: an
 * application that has contexts installs a resolver with
 * wssec_config_set_context_resolver(), which answers with the context's key.
 * A SecurityContextToken in our Security header then becomes a key token: an
 * HMAC signature, a DerivedKeyToken or an EncryptedData may use its key,
 * exactly as they use an EncryptedKey's session key. Without a resolver, or
 * when the resolver does not know the context, the message is refused with
 * wsse:SecurityTokenUnavailable.
 *
 * What it proves: the key is as good as the application's context. wssec
 * gives such a message no caller (as for an EncryptedKey; see README, "The
 * symmetric binding"): the application, which knows who established the
 * context, asks wssec_result_token() for the "security-context-token"
 * token's "identifier" property and maps it to its peer itself.
 *
 * Thread safety: the resolver is called from every thread that verifies a
 * message with a context built from the configuration, concurrently: it must
 * be thread-safe, and its userdata must outlive those contexts. It is called
 * once per SecurityContextToken; it should answer from memory.
 */
#ifndef WSSEC_SECCONTEXT_H
#define WSSEC_SECCONTEXT_H

#include <stddef.h>

#include "common.h"
#include "config.h"

#ifdef __cplusplus
extern "C" {
#endif

/** The largest context key, in bytes. */
#define WSSEC_CONTEXT_KEY_MAX 64

/** A security context resolver. */
typedef struct wssec_context_resolver {
    unsigned version; /**< WSSEC_CONTEXT_RESOLVER_VERSION */
    const char *name; /**< for reasons ("sts", "session store", ...); NULL: "custom" */
    /**
     * Finds the key of the context @p identifier names.
     *
     * @param key        [out] where the key goes (WSSEC_CONTEXT_KEY_MAX bytes)
     * @param key_len    [out] its length: 16 to WSSEC_CONTEXT_KEY_MAX bytes
     * @param identifier the wsc:Identifier, as received (an absolute URI,
     *                   at most 1024 bytes)
     * @param instance   the wsc:Instance, as received, or NULL when the
     *                   token has none
     * @param why        where the reason for "no such context" goes, one
     *                   line (it becomes part of the error's message, never
     *                   of a fault)
     * @param whylen     its size
     * @param userdata   the pointer given to wssec_config_set_context_resolver()
     * @return 0 with the key; WSSEC_EUNAVAILABLE when the context is unknown
     *         or has ended; another negative wssec code when the resolver
     *         itself failed (WSSEC_EBACKEND: its store is down;
     *         WSSEC_ENOMEM): the message is refused with that code. Any
     *         other value, or a key length out of range, counts as
     *         WSSEC_EUNAVAILABLE.
     */
    int (*resolve)(unsigned char *key, size_t *key_len, const char *identifier,
                   const char *instance, char *why, size_t whylen, void *userdata);
} wssec_context_resolver;

#define WSSEC_CONTEXT_RESOLVER_VERSION 1
#define WSSEC_CONTEXT_RESOLVER_INIT                \
    {                                              \
        WSSEC_CONTEXT_RESOLVER_VERSION, NULL, NULL \
    }

/**
 * Initialises a resolver to the defaults of @p version (no callback).
 * @return 0, or WSSEC_EINVALID for a version this library does not know.
 */
WSSEC_API int wssec_context_resolver_init(wssec_context_resolver *resolver, unsigned version)
    WSSEC_NONNULL(1);

/**
 * Installs a security context resolver, or removes it with NULL (then every
 * SecurityContextToken is refused). The resolver is copied (its name must
 * outlive the contexts built from @p cfg, as must @p userdata). Never from a
 * configuration file: a resolver is code.
 * @return 0; WSSEC_EINVALID for an unknown version or no callback (the
 *         configuration's error says which).
 */
WSSEC_API int wssec_config_set_context_resolver(wssec_config *cfg,
                                                const wssec_context_resolver *resolver,
                                                void *userdata) WSSEC_NONNULL(1);

#ifdef __cplusplus
}
#endif

#endif /* WSSEC_SECCONTEXT_H */
