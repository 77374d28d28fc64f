/*
 * wssec — plug-ins: shared objects named in the configuration (plugin.c).
 */
#ifndef WSSEC_SRC_PLUGIN_H
#define WSSEC_SRC_PLUGIN_H

#include "wssec/config.h"
#include "wssec/context.h"

typedef struct wssec_plugins wssec_plugins;
/* wssec_ctx_new() for a configuration with "plugin" entries (loads them into
 * a copy of cfg, builds the context from it). */
int wssec__ctx_new_with_plugins(wssec_ctx **out, wssec_config *cfg);
void wssec__plugins_close(wssec_plugins *p);

#endif /* WSSEC_SRC_PLUGIN_H */
