/*
 * wssec — the context: process initialisation, building the immutable
 * context from a configuration, the clock and the module registry.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libxml/parser.h>
#include <openssl/crypto.h>
#include <xmlsec/crypto.h>
#include <xmlsec/xmlsec.h>

#include "internal.h"

/* Refuses every external entity, DTD and schema load: no file, no network. */
static xmlParserInputPtr deny_loader(const char *url, const char *id, xmlParserCtxtPtr ctxt)
{
    (void)url;
    (void)id;
    (void)ctxt;
    return NULL;
}

static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static int init_status = WSSEC_EINTERNAL;

static void global_init(void)
{
    xmlInitParser();
    xmlSetExternalEntityLoader(deny_loader);
    if (xmlSecInit() < 0) return;
    if (xmlSecCheckVersion() != 1) return;
    if (xmlSecCryptoAppInit(NULL) < 0) return;
    if (xmlSecCryptoInit() < 0) return;
    init_status = 0;
}

int wssec__global_init(void)
{
    pthread_once(&init_once, global_init);
    return init_status;
}

int wssec_ctx_new(wssec_ctx **out, wssec_config *cfg)
{
    *out = NULL;
    wssec__err_clear(&cfg->err);
    if (wssec__global_init())
        return WSSEC_ERR(&cfg->err, WSSEC_EINTERNAL, "libxml2/xmlsec/OpenSSL cannot be initialised");
    for (size_t i = 0; i < cfg->s.actions.n; i++) {
        const wssec_module *m = NULL;
        for (size_t j = 0; j < cfg->modules.n; j++)
            if (strcmp(cfg->modules.v[j]->name, cfg->s.actions.v[i]) == 0) m = cfg->modules.v[j];
        if (!m || !m->generate)
            return WSSEC_ERR(&cfg->err, WSSEC_ECONFIG, "actions: no module generates '%s'",
                             cfg->s.actions.v[i]);
    }
    wssec_ctx *ctx = calloc(1, sizeof(*ctx));
    if (!ctx) return WSSEC_ENOMEM;
    int rc = wssec__settings_copy(&ctx->s, &cfg->s);
    if (rc) {
        free(ctx);
        return rc;
    }
    ctx->modules.v = malloc((cfg->modules.n ? cfg->modules.n : 1) * sizeof(*ctx->modules.v));
    if (!ctx->modules.v) {
        wssec_ctx_free(ctx);
        return WSSEC_ENOMEM;
    }
    memcpy(ctx->modules.v, cfg->modules.v, cfg->modules.n * sizeof(*ctx->modules.v));
    ctx->modules.n = cfg->modules.n;
    ctx->password_cb = cfg->password_cb;
    ctx->password_ud = cfg->password_ud;
    ctx->clock_cb = cfg->clock_cb;
    ctx->clock_ud = cfg->clock_ud;
    if (cfg->replay) {
        ctx->replay = wssec_replay_cache_retain(cfg->replay);
    } else if ((rc = wssec_replay_cache_memory_new(&ctx->replay, cfg->s.replay_cache_size))) {
        wssec_ctx_free(ctx);
        return rc;
    }
    *out = ctx;
    return 0;
}

void wssec_ctx_free(wssec_ctx *ctx)
{
    if (!ctx) return;
    wssec__settings_free(&ctx->s);
    free(ctx->modules.v);
    wssec_replay_cache_release(ctx->replay);
    free(ctx);
}

wssec_time wssec_ctx_now(const wssec_ctx *ctx)
{
    if (ctx->s.have_now) return ctx->s.now;
    if (ctx->clock_cb) return ctx->clock_cb(ctx->clock_ud);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (wssec_time)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

size_t wssec_ctx_max_message_size(const wssec_ctx *ctx)
{
    return ctx->s.max_message_size;
}

const char *wssec_ctx_replay_cache_name(const wssec_ctx *ctx)
{
    return wssec_replay_cache_name(ctx->replay);
}

static const xmlChar *attr_value(xmlNodePtr elem, const char *name)
{
    for (xmlAttrPtr a = elem->properties; a; a = a->next)
        if (!a->ns && xmlStrEqual(a->name, BAD_CAST name) && a->children)
            return a->children->content;
    return NULL;
}

const wssec_module *wssec__module_for_elem(const wssec_ctx *ctx, xmlNodePtr elem)
{
    const wssec_module *generic = NULL;
    const xmlChar *vt = NULL;
    for (size_t i = 0; i < ctx->modules.n; i++) {
        const wssec_module *m = ctx->modules.v[i];
        if (!m->local || !wssec__is(elem, m->ns, m->local)) continue;
        if (!m->value_type) {
            generic = m;
            continue;
        }
        if (!vt) vt = attr_value(elem, "ValueType");
        if (vt && xmlStrEqual(vt, BAD_CAST m->value_type)) return m;
    }
    return generic;
}

const wssec_module *wssec__module_by_name(const wssec_ctx *ctx, const char *name)
{
    for (size_t i = 0; i < ctx->modules.n; i++)
        if (strcmp(ctx->modules.v[i]->name, name) == 0) return ctx->modules.v[i];
    return NULL;
}
