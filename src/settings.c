/*
 * wssec — settings: the typed form of the options, their defaults, and the
 * memory they own (copied and freed here; the option table in options.c
 * says which option sets which field).
 */
#include <stddef.h>
#include <string.h>

#include "wssec/wssec.h"
#include "settings.h"
#include "util.h"

#define DEFAULT_REQUIRE (WSSEC_REQ_TIMESTAMP | WSSEC_REQ_SIGNATURE)

void wssec__settings_init(wssec_settings *s)
{
    memset(s, 0, sizeof(*s));
    s->max_message_size = 4u * 1024 * 1024;
    s->max_depth = 256;
    s->max_nodes = 200000;
    s->max_attributes = 64;
    s->max_namespaces = 64;
    s->max_namespaces_in_scope = 256;
    s->max_token_size = 256u * 1024;
    s->clock_skew_ms = 60 * 1000;
    s->max_age_ms = 300 * 1000;
    s->timestamp_ttl_ms = 300 * 1000;
    s->timestamp_millis = true;
    s->password_type = WSSEC_PWTYPE_DIGEST;
    s->require = DEFAULT_REQUIRE;
    s->replay_cache_size = 100000;
    s->redis_connect_timeout_ms = 1000;
    s->redis_command_timeout_ms = 1000;
    s->redis_pool_size = 8;
    s->replay_signatures = true;
    s->max_references = 32;
    s->max_transforms = 4;
    s->max_encrypted_keys = 4;
    s->max_derived_keys = 8;
    s->max_derived_key_length = 64;
    s->max_derived_key_offset = 1024;
    s->max_signatures = 4;
    s->max_c14n_bytes = 16u * 1024 * 1024;
    s->min_rsa_bits = 2048;
    s->min_ec_bits = 256;
    s->max_chain_length = 8;
    s->expiry_warning_days = 30;
    s->cert_cache = true;
    s->cert_cache_size = 10000;
    s->cert_cache_max_age_ms = 3600 * 1000;
    s->ocsp_timeout_ms = 5 * 1000;
    s->ocsp_nonce = true;
    s->ocsp_cache_size = 1000;
    s->enc_key_id = WSSEC_KEYID_ISSUER_SERIAL;
}

/* ---- the memory the settings own ----
 * The strings (which may hold secrets: a replay-cache URL with a password)
 * and the lists. One list of fields, beside the struct: the unit test of the
 * option table checks that every string and list option is on it. */

#define OFF(field) offsetof(wssec_settings, field)

static const size_t owned_strings[] = {
    OFF(actor), OFF(username), OFF(replay_cache), OFF(redis_password_file),
    OFF(redis_password_env), OFF(sign_key), OFF(sign_cert), OFF(sign_chain), OFF(pkcs12),
    OFF(pkcs12_pw_file), OFF(pkcs12_pw_env), OFF(assert_user), OFF(assert_dn), OFF(assert_cert),
    OFF(encrypt_cert), OFF(decrypt_key), OFF(decrypt_cert), OFF(psk_file), OFF(psk_name),
    OFF(pkcs11_module), OFF(pkcs11_pin_file), OFF(pkcs11_pin_env),
    OFF(ocsp_url), OFF(ocsp_responder_cert),
    OFF(pkcs12_alias), OFF(sign_key_pw_file), OFF(sign_key_pw_env), OFF(decrypt_key_pw_file),
    OFF(decrypt_key_pw_env),
};

static const size_t owned_lists[] = {
    OFF(require_signed), OFF(require_signed_by), OFF(require_encrypted), OFF(actions),
    OFF(sign_parts), OFF(namespaces), OFF(trust), OFF(intermediates), OFF(crl), OFF(subjects),
    OFF(issuers), OFF(certs), OFF(allow_transforms), OFF(bsp_relax), OFF(trusted_upstreams),
    OFF(plugins), OFF(encrypt_parts), OFF(pins), OFF(timestamp_in), OFF(nonce_in),
};

int wssec__settings_owns(size_t offset, int list)
{
    const size_t *v = list ? owned_lists : owned_strings;
    size_t n = list ? WSSEC_ARRAY_LEN(owned_lists) : WSSEC_ARRAY_LEN(owned_strings);
    for (size_t i = 0; i < n; i++)
        if (v[i] == offset) return 1;
    return 0;
}

static char **string_at(wssec_settings *s, size_t i)
{
    return (char **)(void *)((char *)s + owned_strings[i]);
}

static wssec_strlist *list_at(wssec_settings *s, size_t i)
{
    return (wssec_strlist *)(void *)((char *)s + owned_lists[i]);
}

int wssec__settings_copy(wssec_settings *dst, const wssec_settings *src)
{
    wssec_settings *from = (wssec_settings *)src; /* read only */
    *dst = *src;
    for (size_t i = 0; i < WSSEC_ARRAY_LEN(owned_strings); i++) *string_at(dst, i) = NULL;
    for (size_t i = 0; i < WSSEC_ARRAY_LEN(owned_lists); i++)
        memset(list_at(dst, i), 0, sizeof(wssec_strlist));
    for (size_t i = 0; i < WSSEC_ARRAY_LEN(owned_strings); i++)
        if (*string_at(from, i) && !(*string_at(dst, i) = wssec__strdup(*string_at(from, i))))
            goto nomem;
    for (size_t i = 0; i < WSSEC_ARRAY_LEN(owned_lists); i++)
        if (wssec__strlist_copy(list_at(dst, i), list_at(from, i))) goto nomem;
    return 0;
nomem:
    wssec__settings_free(dst);
    return WSSEC_ENOMEM;
}

void wssec__settings_free(wssec_settings *s)
{
    /* strings may hold secrets (a replay-cache URL with a password): wiped */
    for (size_t i = 0; i < WSSEC_ARRAY_LEN(owned_strings); i++) {
        char **p = string_at(s, i);
        if (*p) wssec__memzero(*p, strlen(*p));
        wssec__free(*p);
    }
    for (size_t i = 0; i < WSSEC_ARRAY_LEN(owned_lists); i++) wssec__strlist_clear(list_at(s, i));
    memset(s, 0, sizeof(*s));
}
