/*
 * wssec — the configuration object: settings, modules, callbacks (config.c).
 */
#ifndef WSSEC_SRC_CONFIG_H
#define WSSEC_SRC_CONFIG_H

#include <stdbool.h>

#include "wssec/config.h"
#include "wssec/identity.h"
#include "wssec/keylocator.h"
#include "wssec/replay.h"
#include "wssec/seccontext.h"
#include "wssec/validate.h"
#include "error.h"
#include "registry.h"
#include "settings.h"

struct wssec_config {
    wssec_settings s;
    wssec_modlist modules;
    wssec_password_cb password_cb;
    void *password_ud;
    wssec_clock_cb clock_cb;
    void *clock_ud;
    wssec_replay_cache *replay;
    bool require_set; /* "require" was given: it replaces the default */
    wssec_trusted_id_cb trusted_id_cb; /* NULL: the trusted-upstream list */
    void *trusted_id_ud;
    wssec_explain_cb explain_cb; /* NULL: nothing captured */
    void *explain_ud;
    wssec_errrec err;
    wssec_strlist warnings; /* of the last wssec_ctx_new or reload (trust_warn.c) */
    /* validators (validate.h): validate NULL is the default; copied by value */
    wssec_cert_validator cert_validator;
    void *cert_validator_ud;
    wssec_time_validator time_validator;
    void *time_validator_ud;
    /* the key locator (keylocator.h): locate NULL is the default */
    wssec_key_locator key_locator;
    void *key_locator_ud;
    /* the security context resolver (seccontext.h): resolve NULL is none */
    wssec_context_resolver context_resolver;
    void *context_resolver_ud;
};

#endif /* WSSEC_SRC_CONFIG_H */
