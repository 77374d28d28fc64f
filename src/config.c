/*
 * wssec — configuration: the option table shared by the command line, the
 * configuration file and wssec_config_set(), and the module registry.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/xmlschemas.h>

#include "wssec/wssec.h"
#include "wssec/sys/sdk.h"
#include "config.h"
#include "context.h"
#include "error.h"
#include "options.h"
#include "registry.h"
#include "replay_url.h"
#include "settings.h"
#include "util.h"

static const struct {
    const char *name;
    unsigned bit;
} requirements[] = {
    { "timestamp", WSSEC_REQ_TIMESTAMP },
    { "username-token", WSSEC_REQ_USERNAME },
    { "signature", WSSEC_REQ_SIGNATURE },
};

/* The length of the next comma-separated item of a requirement list. Commas
 * inside brackets, parentheses or quotes belong to the item (XPath
 * expressions and regular expressions have them). */
static size_t item_len(const char *p)
{
    int depth = 0;
    char quote = 0;
    size_t n = 0;
    for (; p[n]; n++) {
        char c = p[n];
        if (quote) {
            if (c == quote) quote = 0;
        } else if (c == '\'' || c == '"') {
            quote = c;
        } else if (c == '(' || c == '[' || c == '{') {
            depth++;
        } else if ((c == ')' || c == ']' || c == '}') && depth > 0) {
            depth--;
        } else if (c == ',' && depth == 0) {
            break;
        }
    }
    return n;
}

/* Applies a comma-separated requirement list. The first call replaces the
 * defaults; later calls add to what was set. "none" clears. */
static int set_require(wssec_config *cfg, const char *value, bool *require_set)
{
    if (!*require_set) {
        cfg->s.require = 0;
        wssec__strlist_clear(&cfg->s.require_signed);
        wssec__strlist_clear(&cfg->s.require_signed_by);
        wssec__strlist_clear(&cfg->s.require_encrypted);
    }
    *require_set = true;
    char item[1024];
    const char *p = value;
    while (*p) {
        size_t n = item_len(p);
        if (n >= sizeof(item))
            return WSSEC_ERR(&cfg->err, WSSEC_ECONFIG, "require: item of %zu characters is too long",
                             n);
        memcpy(item, p, n);
        item[n] = '\0';
        char *s = item, *e = item + n;
        while (*s == ' ') s++;
        while (e > s && e[-1] == ' ') *--e = '\0';
        p += n + (p[n] == ',');
        if (!*s) continue;
        if (strcmp(s, "none") == 0) {
            cfg->s.require = 0;
            wssec__strlist_clear(&cfg->s.require_signed);
            wssec__strlist_clear(&cfg->s.require_signed_by);
            wssec__strlist_clear(&cfg->s.require_encrypted);
            continue;
        }
        if (strncmp(s, "encrypted:", 10) == 0) {
            if (!s[10])
                return WSSEC_ERR(&cfg->err, WSSEC_ECONFIG,
                                 "require: '%s' needs an XPath expression after the colon", s);
            WSSEC_GUARD(wssec__strlist_add(&cfg->s.require_encrypted, s + 10));
            continue;
        }
        if (strncmp(s, "signed:", 7) == 0 || strncmp(s, "signed-by:", 10) == 0) {
            bool by = s[6] == '-';
            const char *arg = s + (by ? 10 : 7);
            if (!*arg)
                return WSSEC_ERR(&cfg->err, WSSEC_ECONFIG, "require: '%s' needs %s after the colon",
                                 s, by ? "a regular expression" : "an XPath expression");
            WSSEC_GUARD(wssec__strlist_add(by ? &cfg->s.require_signed_by : &cfg->s.require_signed,
                                           arg));
            continue;
        }
        size_t i;
        for (i = 0; i < WSSEC_ARRAY_LEN(requirements); i++)
            if (strcmp(requirements[i].name, s) == 0) break;
        if (i == WSSEC_ARRAY_LEN(requirements))
            return WSSEC_ERR(&cfg->err, WSSEC_ECONFIG,
                             "require: unknown requirement '%s' (known: timestamp, "
                             "username-token, signature, signed:XPATH, signed-by:REGEX, "
                             "encrypted:XPATH, none)",
                             s);
        cfg->s.require |= requirements[i].bit;
    }
    return 0;
}

static int choice_index(const char *const *choices, const char *word)
{
    for (int i = 0; choices && choices[i]; i++)
        if (strcmp(choices[i], word) == 0) return i;
    return -1;
}

/* "a, b, c" for messages. */
static void join_choices(char *buf, size_t size, const char *const *choices)
{
    size_t off = 0;
    buf[0] = '\0';
    for (int i = 0; choices[i] && off < size; i++) {
        int w = snprintf(buf + off, size - off, "%s%s", i ? ", " : "", choices[i]);
        if (w < 0) break;
        off += (size_t)w;
    }
}

static int set_list(wssec_config *cfg, const wssec_opt *o, wssec_strlist *l, const char *value)
{
    const char *name = o->name;
    if (!*value) {
        wssec__strlist_clear(l);
        return 0;
    }
    char item[128];
    const char *p = value;
    while (*p) {
        size_t n = strcspn(p, ", ");
        if (n >= sizeof(item))
            return WSSEC_ERR(&cfg->err, WSSEC_ECONFIG, "%s: list item of %zu characters is too long",
                             name, n);
        memcpy(item, p, n);
        item[n] = '\0';
        p += n;
        while (*p == ',' || *p == ' ') p++;
        if (n && o->choices && choice_index(o->choices, item) < 0) {
            char known[400];
            join_choices(known, sizeof(known), o->choices);
            return WSSEC_ERR(&cfg->err, WSSEC_ECONFIG, "%s: unknown value '%s' (known: %s)", name,
                             item, known);
        }
        if (n) WSSEC_GUARD(wssec__strlist_add(l, item));
    }
    return 0;
}

/* A size (digits, optional K/M/G) of at least o->min. */
static int set_size(wssec_config *cfg, const wssec_opt *o, size_t *field, const char *value)
{
    size_t v;
    if (wssec__parse_size(value, &v) || v < o->min)
        return WSSEC_ERR(&cfg->err, WSSEC_ECONFIG,
                         "%s: '%s' is not a size of at least %zu (digits, optional K/M/G)",
                         o->name, value, o->min);
    *field = v;
    return 0;
}

/* A number of seconds, kept in milliseconds. */
static int set_seconds(wssec_config *cfg, const wssec_opt *o, int64_t *field, const char *value)
{
    int64_t ms;
    if (wssec__parse_seconds(value, &ms))
        return WSSEC_ERR(&cfg->err, WSSEC_ECONFIG, "%s: '%s' is not a number of seconds",
                         o->name, value);
    *field = ms;
    return 0;
}

/* A switch: true or 1, false or 0. */
static int set_bool(wssec_config *cfg, const wssec_opt *o, bool *field, const char *value)
{
    if (strcmp(value, "true") == 0 || strcmp(value, "1") == 0) *field = true;
    else if (strcmp(value, "false") == 0 || strcmp(value, "0") == 0) *field = false;
    else
        return WSSEC_ERR(&cfg->err, WSSEC_ECONFIG, "%s: '%s' is not true or false", o->name,
                         value);
    return 0;
}

/* A string; the empty string clears it. */
static int set_string(char **field, const char *value)
{
    char *d = NULL;
    if (*value && !(d = wssec__strdup(value))) return WSSEC_ENOMEM;
    wssec__free(*field);
    *field = d;
    return 0;
}

/* password-type: digest, text or any. */
static int set_pwtype(wssec_config *cfg, const char *value)
{
    if (strcmp(value, "digest") == 0) cfg->s.password_type = WSSEC_PWTYPE_DIGEST;
    else if (strcmp(value, "text") == 0) cfg->s.password_type = WSSEC_PWTYPE_TEXT;
    else if (strcmp(value, "any") == 0) cfg->s.password_type = WSSEC_PWTYPE_ANY;
    else
        return WSSEC_ERR(&cfg->err, WSSEC_ECONFIG,
                         "password-type: '%s' is not digest, text or any", value);
    return 0;
}

/* An option given many times adds a value each time; the empty string
 * clears the list. */
static int set_multi(wssec_strlist *field, const char *value)
{
    if (!*value) {
        wssec__strlist_clear(field);
        return 0;
    }
    return wssec__strlist_add(field, value);
}

/* One of o->choices, stored as its index. */
static int set_enum(wssec_config *cfg, const wssec_opt *o, int *field, const char *value)
{
    int i = choice_index(o->choices, value);
    if (i < 0) {
        char known[200];
        join_choices(known, sizeof(known), o->choices);
        return WSSEC_ERR(&cfg->err, WSSEC_ECONFIG, "%s: '%s' is not one of %s", o->name, value,
                         known);
    }
    *field = i;
    return 0;
}

/* now: a fixed clock. */
static int set_now(wssec_config *cfg, const char *value)
{
    if (wssec_time_parse(&cfg->s.now, value))
        return WSSEC_ERR(&cfg->err, WSSEC_ECONFIG,
                         "now: '%s' is not a UTC time like 2025-01-31T12:00:00Z", value);
    cfg->s.have_now = true;
    return 0;
}

/* replay-cache: memory, or a Redis URL. */
static int set_replay(wssec_config *cfg, const char *value)
{
    if (strcmp(value, "memory") != 0) {
        /* a URL: checked now, so a mistake is a configuration error at
         * once (the message never echoes it: it may hold a password) */
        wssec_redis_url u;
        char why[300];
        int rc = wssec__redis_url_parse(&u, value, why, sizeof(why));
        wssec__memzero(&u, sizeof(u));
        if (rc) return WSSEC_ERR(&cfg->err, rc, "replay-cache: %s", why);
    }
    wssec__free(cfg->s.replay_cache);
    if (!(cfg->s.replay_cache = wssec__strdup(value))) return WSSEC_ENOMEM;
    return 0;
}

int wssec_config_set(wssec_config *cfg, const char *name, const char *value)
{
    WSSEC_ARG(cfg);
    if (!name || !value)
        return WSSEC_ERR(&cfg->err, WSSEC_EINVALID, "wssec_config_set: no option name or value");
    wssec__err_clear(&cfg->err);
    const wssec_opt *o = wssec__opt_find(name);
    if (!o) return WSSEC_ERR(&cfg->err, WSSEC_ECONFIG, "unknown option '%s'", name);
    void *field = (char *)&cfg->s + o->offset;
    switch (o->kind) {
    case OPT_SIZE: return set_size(cfg, o, field, value);
    case OPT_SECONDS: return set_seconds(cfg, o, field, value);
    case OPT_BOOL: return set_bool(cfg, o, field, value);
    case OPT_STRING: return set_string(field, value);
    case OPT_PWTYPE: return set_pwtype(cfg, value);
    case OPT_REQUIRE: return set_require(cfg, value, &cfg->require_set);
    case OPT_LIST: return set_list(cfg, o, (wssec_strlist *)field, value);
    case OPT_MULTI: return set_multi(field, value);
    case OPT_ENUM: return set_enum(cfg, o, field, value);
    case OPT_TIME: return set_now(cfg, value);
    case OPT_REPLAY: return set_replay(cfg, value);
    }
    return WSSEC_ERR(&cfg->err, WSSEC_EINTERNAL, "option kind");
}

/* ---- the configuration object ---- */

int wssec_config_new(wssec_config **out)
{
    WSSEC_ARG(out);
    *out = NULL;
    wssec_config *cfg = wssec__calloc(1, sizeof(*cfg));
    if (!cfg) return WSSEC_ENOMEM;
    wssec__settings_init(&cfg->s);
    wssec__err_clear(&cfg->err);
    if (wssec__modlist_builtins(&cfg->modules)) {
        wssec_config_free(cfg);
        return WSSEC_ENOMEM;
    }
    *out = cfg;
    return 0;
}

void wssec_config_free(wssec_config *cfg)
{
    if (!cfg) return;
    wssec__settings_free(&cfg->s);
    wssec__modlist_clear(&cfg->modules);
    wssec_replay_cache_release(cfg->replay);
    wssec__strlist_clear(&cfg->warnings);
    wssec__free(cfg);
}

const wssec_error *wssec_config_error(const wssec_config *cfg)
{
    return cfg ? &cfg->err.pub : wssec__err_null();
}

size_t wssec_config_warning_count(const wssec_config *cfg) { return cfg ? cfg->warnings.n : 0; }

const char *wssec_config_warning(const wssec_config *cfg, size_t i)
{
    return cfg && i < cfg->warnings.n ? cfg->warnings.v[i] : NULL;
}

void wssec_config_set_password_cb(wssec_config *cfg, wssec_password_cb cb, void *userdata)
{
    WSSEC_ARG_VOID(cfg);
    cfg->password_cb = cb;
    cfg->password_ud = userdata;
}

void wssec_config_set_explain_cb(wssec_config *cfg, wssec_explain_cb cb, void *userdata)
{
    WSSEC_ARG_VOID(cfg);
    cfg->explain_cb = cb;
    cfg->explain_ud = userdata;
}

void wssec_config_set_clock(wssec_config *cfg, wssec_clock_cb cb, void *userdata)
{
    WSSEC_ARG_VOID(cfg);
    cfg->clock_cb = cb;
    cfg->clock_ud = userdata;
}

/* Validators are copied into the configuration as the current version of
 * their struct: an older version's fields are the first ones, and the
 * fields it lacks keep their defaults. Only through the API: no option of
 * the configuration file (or command line) installs code. */
int wssec_config_set_cert_validator(wssec_config *cfg, const wssec_cert_validator *validator,
                                    void *userdata)
{
    wssec_cert_validator v = WSSEC_CERT_VALIDATOR_INIT;
    if (validator) {
        if (validator->version < 1 || validator->version > WSSEC_CERT_VALIDATOR_VERSION ||
            !validator->validate)
            return WSSEC_ERR(&cfg->err, WSSEC_EINVALID,
                             "certificate validator: version %u (1 to %d known) or no callback",
                             validator->version, WSSEC_CERT_VALIDATOR_VERSION);
        v.name = validator->name;
        v.validate = validator->validate;
    }
    cfg->cert_validator = v;
    cfg->cert_validator_ud = validator ? userdata : NULL;
    return 0;
}

int wssec_config_set_time_validator(wssec_config *cfg, const wssec_time_validator *validator,
                                    void *userdata)
{
    wssec_time_validator v = WSSEC_TIME_VALIDATOR_INIT;
    if (validator) {
        if (validator->version < 1 || validator->version > WSSEC_TIME_VALIDATOR_VERSION ||
            !validator->validate)
            return WSSEC_ERR(&cfg->err, WSSEC_EINVALID,
                             "time validator: version %u (1 to %d known) or no callback",
                             validator->version, WSSEC_TIME_VALIDATOR_VERSION);
        v.name = validator->name;
        v.validate = validator->validate;
    }
    cfg->time_validator = v;
    cfg->time_validator_ud = validator ? userdata : NULL;
    return 0;
}

void wssec_config_set_replay_cache(wssec_config *cfg, wssec_replay_cache *cache)
{
    WSSEC_ARG_VOID(cfg && cache);
    wssec_replay_cache_retain(cache);
    wssec_replay_cache_release(cfg->replay);
    cfg->replay = cache;
}

int wssec_module_init(wssec_module *module, unsigned version)
{
    static const wssec_module tmpl = WSSEC_MODULE_INIT;
    /* a version-1 struct ends before free_state */
    size_t size = version >= 2 ? sizeof(tmpl) : offsetof(wssec_module, free_state);
    return wssec__struct_init(module, &tmpl, size, version, WSSEC_MODULE_VERSION);
}

int wssec_config_add_module(wssec_config *cfg, const wssec_module *module)
{
    WSSEC_ARG(cfg);
    if (!module) return WSSEC_ERR(&cfg->err, WSSEC_EINVALID, "wssec_config_add_module: no module");
    wssec__err_clear(&cfg->err);
    if (module->version < 1 || module->version > WSSEC_MODULE_VERSION)
        return WSSEC_ERR(&cfg->err, WSSEC_EINVALID,
                         "module '%s': interface version %u; this library (%s) accepts versions "
                         "1 to %u",
                         module->name ? module->name : "?", module->version, WSSEC_VERSION,
                         WSSEC_MODULE_VERSION);
    if (!module->name || !*module->name)
        return WSSEC_ERR(&cfg->err, WSSEC_EINVALID, "a module without a name");
    if ((module->local == NULL) != (module->consume == NULL))
        return WSSEC_ERR(&cfg->err, WSSEC_EINVALID,
                         "module '%s': a consumer needs an element and an element a consumer",
                         module->name);
    return wssec__modlist_add(&cfg->modules, module);
}

/* ---- the context's settings, for modules (sys/settings.h) ---- */

/* The field of ctx's settings the option name stands for, when it is of
 * kind (or of kind2); NULL otherwise. */
static const void *setting(const wssec_ctx *ctx, const char *name, wssec_opt_kind kind, wssec_opt_kind kind2,
                           const wssec_opt **which)
{
    const wssec_opt *o = ctx && name ? wssec__opt_find(name) : NULL;
    if (!o || (o->kind != kind && o->kind != kind2)) return NULL;
    if (which) *which = o;
    return (const char *)&ctx->s + o->offset;
}

int wssec_ctx_get_size(size_t *out, const wssec_ctx *ctx, const char *name)
{
    const size_t *f = setting(ctx, name, OPT_SIZE, OPT_SIZE, NULL);
    WSSEC_ARG(out && f);
    *out = *f;
    return 0;
}

int wssec_ctx_get_ms(int64_t *out, const wssec_ctx *ctx, const char *name)
{
    const int64_t *f = setting(ctx, name, OPT_SECONDS, OPT_SECONDS, NULL);
    WSSEC_ARG(out && f);
    *out = *f;
    return 0;
}

int wssec_ctx_get_bool(int *out, const wssec_ctx *ctx, const char *name)
{
    const bool *f = setting(ctx, name, OPT_BOOL, OPT_BOOL, NULL);
    WSSEC_ARG(out && f);
    *out = *f ? 1 : 0;
    return 0;
}

int wssec_ctx_get_string(const char **out, const wssec_ctx *ctx, const char *name)
{
    const char *const *f = setting(ctx, name, OPT_STRING, OPT_REPLAY, NULL);
    WSSEC_ARG(out && f);
    *out = *f;
    return 0;
}

int wssec_ctx_get_choice(int *index, const char **word, const wssec_ctx *ctx, const char *name)
{
    static const char *const pwtypes[] = { "digest", "text", "any", NULL };
    const wssec_opt *o = NULL;
    const int *f = setting(ctx, name, OPT_ENUM, OPT_PWTYPE, &o);
    WSSEC_ARG(f);
    const char *const *words = o->kind == OPT_PWTYPE ? pwtypes : o->choices;
    if (index) *index = *f;
    if (word) *word = words[*f];
    return 0;
}

int wssec_ctx_get_list(const char *const **items, size_t *n, const wssec_ctx *ctx,
                       const char *name)
{
    const wssec_strlist *f = setting(ctx, name, OPT_LIST, OPT_MULTI, NULL);
    WSSEC_ARG(items && n && f);
    *items = (const char *const *)f->v;
    *n = f->n;
    return 0;
}

int wssec_ctx_requires(const wssec_ctx *ctx, const char *what)
{
    WSSEC_ARG_OR(ctx && what, 0);
    for (size_t i = 0; i < WSSEC_ARRAY_LEN(requirements); i++)
        if (strcmp(requirements[i].name, what) == 0)
            return (ctx->s.require & requirements[i].bit) != 0;
    return 0;
}
