/*
 * wssec — security contexts (include/wssec/seccontext.h): the resolver an
 * application installs, and the one SDK call that asks it
 * (wssec_msg_resolve_context, for the SecurityContextToken module,
 * tokens/sct.c).
 */
#include <stdio.h>
#include <string.h>

#include "wssec/wssec.h"
#include "wssec/sys/sdk.h"
#include "config.h"
#include "context.h"
#include "error.h"
#include "record.h"
#include "util.h"
#include "validate.h"

int wssec_context_resolver_init(wssec_context_resolver *resolver, unsigned version)
{
    static const wssec_context_resolver tmpl = WSSEC_CONTEXT_RESOLVER_INIT;
    return wssec__struct_init(resolver, &tmpl, sizeof(tmpl), version,
                              WSSEC_CONTEXT_RESOLVER_VERSION);
}

int wssec_config_set_context_resolver(wssec_config *cfg, const wssec_context_resolver *resolver,
                                      void *userdata)
{
    wssec_context_resolver r = WSSEC_CONTEXT_RESOLVER_INIT;
    if (resolver) {
        if (resolver->version < 1 || resolver->version > WSSEC_CONTEXT_RESOLVER_VERSION ||
            !resolver->resolve)
            return WSSEC_ERR(&cfg->err, WSSEC_EINVALID,
                             "context resolver: version %u (1 to %d known) or no callback",
                             resolver->version, WSSEC_CONTEXT_RESOLVER_VERSION);
        r.name = resolver->name;
        r.resolve = resolver->resolve;
    }
    cfg->context_resolver = r;
    cfg->context_resolver_ud = resolver ? userdata : NULL;
    return 0;
}

int wssec_msg_resolve_context(unsigned char *key, size_t *key_len, wssec_msg *msg,
                              const char *identifier, const char *instance, char *why,
                              size_t whylen)
{
    if (!key || !key_len || !msg || !identifier || !why || !whylen) return WSSEC_EINVALID;
    const wssec_ctx *ctx = msg->ctx;
    const char *name = ctx->context_resolver.name ? ctx->context_resolver.name : "custom";
    char said[400] = "";
    *key_len = 0;
    why[0] = '\0';
    if (!ctx->context_resolver.resolve) {
        snprintf(why, whylen,
                 "no security context resolver is installed (wssec_config_set_context_resolver): "
                 "WS-SecureConversation sessions belong to the application");
        return WSSEC_EUNAVAILABLE;
    }
    size_t len = 0;
    int rc = ctx->context_resolver.resolve(key, &len, identifier, instance, said, sizeof(said),
                                           ctx->context_resolver_ud);
    said[sizeof(said) - 1] = '\0';
    rc = wssec__validator_code(rc, WSSEC_EUNAVAILABLE);
    if (rc == 0 && (len < 16 || len > WSSEC_CONTEXT_KEY_MAX)) {
        snprintf(said, sizeof(said), "it answered with a key of %zu bytes (16 to %d)", len,
                 WSSEC_CONTEXT_KEY_MAX);
        rc = WSSEC_EUNAVAILABLE;
    }
    if (rc) {
        wssec__memzero(key, WSSEC_CONTEXT_KEY_MAX);
        snprintf(why, whylen, "the %s context resolver %s%s%s", name,
                 rc == WSSEC_EUNAVAILABLE ? "does not know it" : "failed",
                 said[0] ? ": " : "", said);
        return rc;
    }
    *key_len = len;
    return 0;
}
