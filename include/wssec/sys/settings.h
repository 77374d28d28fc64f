/*
 * wssec module SDK — the context's settings, read by the names of their
 * options (the names wssec_config_set(), the configuration file and the
 * command line use; `wssec --help` lists them). A module reads what it
 * needs when it runs: the settings of a context never change.
 *
 * Every getter returns 0, or WSSEC_EINVALID when the name is no option or
 * the option is of another kind (a programming error, never a message's
 * fault); the output is left untouched then.
 */
#ifndef WSSEC_SYS_SETTINGS_H
#define WSSEC_SYS_SETTINGS_H

#include <stddef.h>
#include <stdint.h>

#include "../common.h"
#include "../context.h"

#ifdef __cplusplus
extern "C" {
#endif

/** A size or count option ("max-token-size", "max-references", ...). */
WSSEC_API int wssec_ctx_get_size(size_t *out, const wssec_ctx *ctx, const char *name)
    WSSEC_NONNULL(1, 2, 3) WSSEC_WARN_UNUSED;

/** A duration option ("clock-skew", "max-age", "timestamp-ttl"), in milliseconds. */
WSSEC_API int wssec_ctx_get_ms(int64_t *out, const wssec_ctx *ctx, const char *name)
    WSSEC_NONNULL(1, 2, 3) WSSEC_WARN_UNUSED;

/** A true/false option ("allow-sha1", "timestamp-millis", ...): 1 or 0. */
WSSEC_API int wssec_ctx_get_bool(int *out, const wssec_ctx *ctx, const char *name)
    WSSEC_NONNULL(1, 2, 3) WSSEC_WARN_UNUSED;

/** A text option ("actor", "username", "psk-name", ...); NULL when unset. Borrowed. */
WSSEC_API int wssec_ctx_get_string(const char **out, const wssec_ctx *ctx, const char *name)
    WSSEC_NONNULL(1, 2, 3) WSSEC_WARN_UNUSED;

/**
 * An option that names one of a fixed set of words ("sign-alg", "key-id",
 * "password-type", ...): its position among the words the option accepts
 * (as `wssec --help` lists them) and the word itself (borrowed). Either
 * output may be NULL.
 */
WSSEC_API int wssec_ctx_get_choice(int *index, const char **word, const wssec_ctx *ctx,
                                   const char *name) WSSEC_NONNULL(3, 4) WSSEC_WARN_UNUSED;

/**
 * A list or repeatable option ("sign-part", "allow-transforms",
 * "namespace", ...): its items, in order (borrowed; @p *n may be 0).
 */
WSSEC_API int wssec_ctx_get_list(const char *const **items, size_t *n, const wssec_ctx *ctx,
                                 const char *name) WSSEC_NONNULL(1, 2, 3, 4) WSSEC_WARN_UNUSED;

/**
 * Whether the inbound policy requires @p what: "timestamp", "username-token"
 * or "signature" (the words of the "require" option). 1 or 0; 0 for an
 * unknown word.
 */
WSSEC_API int wssec_ctx_requires(const wssec_ctx *ctx, const char *what) WSSEC_NONNULL(1, 2);

#ifdef __cplusplus
}
#endif

#endif /* WSSEC_SYS_SETTINGS_H */
