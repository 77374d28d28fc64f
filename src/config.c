/*
 * wssec — configuration: the option table shared by the command line, the
 * configuration file and wssec_config_set(), and the module registry.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/xmlschemas.h>

#include "internal.h"

/* The configuration schema, built into the library (generated from schemas/). */
extern const unsigned char wssec__config_xsd[];
extern const size_t wssec__config_xsd_len;

#define DEFAULT_REQUIRE (WSSEC_REQ_TIMESTAMP | WSSEC_REQ_USERNAME)

void wssec__settings_init(wssec_settings *s)
{
    memset(s, 0, sizeof(*s));
    s->max_message_size = 4u * 1024 * 1024;
    s->max_depth = 256;
    s->max_nodes = 200000;
    s->max_token_size = 256u * 1024;
    s->clock_skew_ms = 60 * 1000;
    s->max_age_ms = 300 * 1000;
    s->timestamp_ttl_ms = 300 * 1000;
    s->timestamp_millis = true;
    s->password_type = WSSEC_PWTYPE_DIGEST;
    s->require = DEFAULT_REQUIRE;
    s->replay_cache_size = 100000;
}

static int dup_str(char **dst, const char *src)
{
    *dst = NULL;
    if (src && !(*dst = wssec__strdup(src))) return WSSEC_ENOMEM;
    return 0;
}

int wssec__settings_copy(wssec_settings *dst, const wssec_settings *src)
{
    *dst = *src;
    dst->actor = dst->username = dst->replay_cache = NULL;
    memset(&dst->actions, 0, sizeof(dst->actions));
    int rc;
    if ((rc = dup_str(&dst->actor, src->actor)) || (rc = dup_str(&dst->username, src->username)) ||
        (rc = dup_str(&dst->replay_cache, src->replay_cache)) ||
        (rc = wssec__strlist_copy(&dst->actions, &src->actions))) {
        wssec__settings_free(dst);
        return rc;
    }
    return 0;
}

void wssec__settings_free(wssec_settings *s)
{
    free(s->actor);
    free(s->username);
    free(s->replay_cache);
    wssec__strlist_clear(&s->actions);
    memset(s, 0, sizeof(*s));
}

/* ---- the option table ---- */

typedef enum opt_kind {
    OPT_SIZE,
    OPT_SECONDS,
    OPT_BOOL,
    OPT_STRING,
    OPT_PWTYPE,
    OPT_REQUIRE,
    OPT_LIST,
    OPT_TIME,
    OPT_REPLAY
} opt_kind;

typedef struct opt {
    const char *name;
    opt_kind kind;
    size_t offset;
    size_t min; /* OPT_SIZE: smallest accepted value */
    const char *arg;
    const char *help;
} opt;

#define OFF(field) offsetof(wssec_settings, field)

static const opt options[] = {
    { "max-message-size", OPT_SIZE, OFF(max_message_size), 256, "BYTES",
      "largest message accepted, checked while reading (default 4M)" },
    { "max-depth", OPT_SIZE, OFF(max_depth), 4, "N", "deepest element nesting (default 256)" },
    { "max-nodes", OPT_SIZE, OFF(max_nodes), 16, "N",
      "most nodes (elements, attributes, text) in a message (default 200000)" },
    { "max-token-size", OPT_SIZE, OFF(max_token_size), 64, "BYTES",
      "largest decoded base64 token (default 256K)" },
    { "clock-skew", OPT_SECONDS, OFF(clock_skew_ms), 0, "SECONDS",
      "tolerated clock difference with senders (default 60)" },
    { "max-age", OPT_SECONDS, OFF(max_age_ms), 0, "SECONDS",
      "oldest Created accepted, Timestamp and UsernameToken (default 300)" },
    { "timestamp-ttl", OPT_SECONDS, OFF(timestamp_ttl_ms), 0, "SECONDS",
      "outbound Timestamp lifetime; 0 omits Expires (default 300)" },
    { "timestamp-millis", OPT_BOOL, OFF(timestamp_millis), 0, "BOOL",
      "outbound times with milliseconds (default true)" },
    { "actor", OPT_STRING, OFF(actor), 0, "URI",
      "the actor/role whose Security header is ours (default: none, the ultimate receiver)" },
    { "password-type", OPT_PWTYPE, OFF(password_type), 0, "TYPE",
      "UsernameToken password: digest or text outbound; digest, text or any inbound "
      "(default digest)" },
    { "require", OPT_REQUIRE, OFF(require), 0, "LIST",
      "inbound requirements: timestamp, username-token, none (default "
      "timestamp,username-token)" },
    { "username", OPT_STRING, OFF(username), 0, "USER", "outbound UsernameToken user" },
    { "actions", OPT_LIST, OFF(actions), 0, "LIST",
      "outbound actions in order, e.g. timestamp,username-token" },
    { "now", OPT_TIME, OFF(now), 0, "TIME",
      "the clock for every time check, e.g. 2025-01-31T12:00:00Z (default: system clock)" },
    { "replay-cache", OPT_REPLAY, OFF(replay_cache), 0, "KIND",
      "replay cache back end: memory (default memory)" },
    { "replay-cache-size", OPT_SIZE, OFF(replay_cache_size), 1, "N",
      "most live entries in the in-memory replay cache (default 100000)" },
};

int wssec_config_option_info(size_t i, const char **name, const char **arg, const char **help)
{
    if (i >= WSSEC_ARRAY_LEN(options)) return WSSEC_EINVALID;
    *name = options[i].name;
    *arg = options[i].arg;
    *help = options[i].help;
    return 0;
}

static const opt *find_opt(const char *name)
{
    for (size_t i = 0; i < WSSEC_ARRAY_LEN(options); i++)
        if (strcmp(options[i].name, name) == 0) return &options[i];
    return NULL;
}

int wssec_config_has_option(const char *name)
{
    return find_opt(name) != NULL;
}

static const struct {
    const char *name;
    unsigned bit;
} requirements[] = {
    { "timestamp", WSSEC_REQ_TIMESTAMP },
    { "username-token", WSSEC_REQ_USERNAME },
};

/* Applies a comma-separated requirement list. The first call replaces the
 * defaults; later calls add to what was set. "none" clears. */
static int set_require(wssec_config *cfg, const char *value, bool *require_set)
{
    unsigned bits = *require_set ? cfg->s.require : 0;
    char item[128];
    const char *p = value;
    while (*p) {
        size_t n = strcspn(p, ",");
        if (n >= sizeof(item))
            return WSSEC_ERR(&cfg->err, WSSEC_ECONFIG, "require: item too long");
        memcpy(item, p, n);
        item[n] = '\0';
        char *s = item, *e = item + n;
        while (*s == ' ') s++;
        while (e > s && e[-1] == ' ') *--e = '\0';
        p += n + (p[n] == ',');
        if (!*s) continue;
        if (strcmp(s, "none") == 0) {
            bits = 0;
            continue;
        }
        size_t i;
        for (i = 0; i < WSSEC_ARRAY_LEN(requirements); i++)
            if (strcmp(requirements[i].name, s) == 0) break;
        if (i == WSSEC_ARRAY_LEN(requirements))
            return WSSEC_ERR(&cfg->err, WSSEC_ECONFIG,
                             "require: unknown requirement '%s' (known: timestamp, "
                             "username-token, none)",
                             s);
        bits |= requirements[i].bit;
    }
    cfg->s.require = bits;
    *require_set = true;
    return 0;
}

static int set_list(wssec_config *cfg, const char *name, wssec_strlist *l, const char *value)
{
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
        if (n) WSSEC_GUARD(wssec__strlist_add(l, item));
    }
    return 0;
}

int wssec_config_set(wssec_config *cfg, const char *name, const char *value)
{
    wssec__err_clear(&cfg->err);
    const opt *o = find_opt(name);
    if (!o) return WSSEC_ERR(&cfg->err, WSSEC_ECONFIG, "unknown option '%s'", name);
    void *field = (char *)&cfg->s + o->offset;
    switch (o->kind) {
    case OPT_SIZE: {
        size_t v;
        if (wssec__parse_size(value, &v) || v < o->min)
            return WSSEC_ERR(&cfg->err, WSSEC_ECONFIG,
                             "%s: '%s' is not a size of at least %zu (digits, optional K/M/G)",
                             name, value, o->min);
        *(size_t *)field = v;
        return 0;
    }
    case OPT_SECONDS: {
        int64_t ms;
        if (wssec__parse_seconds(value, &ms))
            return WSSEC_ERR(&cfg->err, WSSEC_ECONFIG, "%s: '%s' is not a number of seconds",
                             name, value);
        *(int64_t *)field = ms;
        return 0;
    }
    case OPT_BOOL:
        if (strcmp(value, "true") == 0 || strcmp(value, "1") == 0) *(bool *)field = true;
        else if (strcmp(value, "false") == 0 || strcmp(value, "0") == 0) *(bool *)field = false;
        else
            return WSSEC_ERR(&cfg->err, WSSEC_ECONFIG, "%s: '%s' is not true or false", name,
                             value);
        return 0;
    case OPT_STRING: {
        char *d = NULL;
        if (*value && !(d = wssec__strdup(value))) return WSSEC_ENOMEM;
        free(*(char **)field);
        *(char **)field = d;
        return 0;
    }
    case OPT_PWTYPE:
        if (strcmp(value, "digest") == 0) cfg->s.password_type = WSSEC_PWTYPE_DIGEST;
        else if (strcmp(value, "text") == 0) cfg->s.password_type = WSSEC_PWTYPE_TEXT;
        else if (strcmp(value, "any") == 0) cfg->s.password_type = WSSEC_PWTYPE_ANY;
        else
            return WSSEC_ERR(&cfg->err, WSSEC_ECONFIG,
                             "password-type: '%s' is not digest, text or any", value);
        return 0;
    case OPT_REQUIRE:
        return set_require(cfg, value, &cfg->require_set);
    case OPT_LIST:
        return set_list(cfg, name, (wssec_strlist *)field, value);
    case OPT_TIME:
        if (wssec_time_parse(&cfg->s.now, value))
            return WSSEC_ERR(&cfg->err, WSSEC_ECONFIG,
                             "now: '%s' is not a UTC time like 2025-01-31T12:00:00Z", value);
        cfg->s.have_now = true;
        return 0;
    case OPT_REPLAY:
        if (strcmp(value, "memory") != 0)
            return WSSEC_ERR(&cfg->err, WSSEC_ECONFIG,
                             "replay-cache: '%s' is not a known cache (known: memory)", value);
        free(cfg->s.replay_cache);
        if (!(cfg->s.replay_cache = wssec__strdup(value))) return WSSEC_ENOMEM;
        return 0;
    }
    return WSSEC_ERR(&cfg->err, WSSEC_EINTERNAL, "option kind");
}

/* ---- the configuration object ---- */

int wssec_config_new(wssec_config **out)
{
    *out = NULL;
    wssec_config *cfg = calloc(1, sizeof(*cfg));
    if (!cfg) return WSSEC_ENOMEM;
    wssec__settings_init(&cfg->s);
    wssec__err_clear(&cfg->err);
    if (wssec_config_add_module(cfg, &wssec__module_timestamp) ||
        wssec_config_add_module(cfg, &wssec__module_username)) {
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
    free(cfg->modules.v);
    wssec_replay_cache_release(cfg->replay);
    free(cfg);
}

const wssec_error *wssec_config_error(const wssec_config *cfg)
{
    return &cfg->err.pub;
}

void wssec_config_set_password_cb(wssec_config *cfg, wssec_password_cb cb, void *userdata)
{
    cfg->password_cb = cb;
    cfg->password_ud = userdata;
}

void wssec_config_set_clock(wssec_config *cfg, wssec_clock_cb cb, void *userdata)
{
    cfg->clock_cb = cb;
    cfg->clock_ud = userdata;
}

void wssec_config_set_replay_cache(wssec_config *cfg, wssec_replay_cache *cache)
{
    wssec_replay_cache_retain(cache);
    wssec_replay_cache_release(cfg->replay);
    cfg->replay = cache;
}

static int same_slot(const wssec_module *a, const wssec_module *b)
{
    if (strcmp(a->name, b->name) == 0) return 1;
    if (!a->local || !b->local) return 0;
    return strcmp(a->local, b->local) == 0 && strcmp(a->ns ? a->ns : "", b->ns ? b->ns : "") == 0 &&
           strcmp(a->value_type ? a->value_type : "", b->value_type ? b->value_type : "") == 0;
}

int wssec_config_add_module(wssec_config *cfg, const wssec_module *module)
{
    wssec__err_clear(&cfg->err);
    if (module->version != WSSEC_MODULE_VERSION || !module->name || !*module->name)
        return WSSEC_ERR(&cfg->err, WSSEC_EINVALID,
                         "module '%s': interface version %u, expected %u, or no name",
                         module->name ? module->name : "?", module->version,
                         WSSEC_MODULE_VERSION);
    if ((module->local == NULL) != (module->consume == NULL))
        return WSSEC_ERR(&cfg->err, WSSEC_EINVALID,
                         "module '%s': a consumer needs an element and an element a consumer",
                         module->name);
    for (size_t i = 0; i < cfg->modules.n; i++) {
        if (same_slot(cfg->modules.v[i], module)) {
            cfg->modules.v[i] = module;
            return 0;
        }
    }
    const wssec_module **v = realloc(cfg->modules.v, (cfg->modules.n + 1) * sizeof(*v));
    if (!v) return WSSEC_ENOMEM;
    v[cfg->modules.n++] = module;
    cfg->modules.v = v;
    return 0;
}

/* ---- the configuration file ---- */

typedef struct schema_errors {
    char first[400];
} schema_errors;

static void schema_error(void *ud, xmlErrorPtr e)
{
    schema_errors *se = ud;
    if (se->first[0] || !e || !e->message) return;
    snprintf(se->first, sizeof(se->first), "line %d: %s", e->line, e->message);
    size_t n = strlen(se->first);
    while (n && (se->first[n - 1] == '\n' || se->first[n - 1] == ' ')) se->first[--n] = '\0';
}

static int validate(wssec_config *cfg, xmlDocPtr doc, const char *path)
{
    int rc = 0;
    schema_errors se = { { 0 } };
    xmlSchemaParserCtxtPtr pctx =
        xmlSchemaNewMemParserCtxt((const char *)wssec__config_xsd, (int)wssec__config_xsd_len);
    xmlSchemaPtr schema = pctx ? xmlSchemaParse(pctx) : NULL;
    xmlSchemaValidCtxtPtr vctx = schema ? xmlSchemaNewValidCtxt(schema) : NULL;
    if (!vctx) {
        rc = WSSEC_ERR(&cfg->err, WSSEC_EINTERNAL, "configuration schema cannot be loaded");
        goto done;
    }
    xmlSchemaSetValidStructuredErrors(vctx, schema_error, &se);
    if (xmlSchemaValidateDoc(vctx, doc) != 0)
        rc = WSSEC_ERR(&cfg->err, WSSEC_ECONFIG, "%s: not a valid wssec configuration: %s", path,
                       se.first[0] ? se.first : "schema validation failed");
done:
    xmlSchemaFreeValidCtxt(vctx);
    xmlSchemaFree(schema);
    xmlSchemaFreeParserCtxt(pctx);
    return rc;
}

int wssec_config_load(wssec_config *cfg, const char *path, wssec_config_option_cb cb,
                      void *userdata)
{
    wssec__err_clear(&cfg->err);
    WSSEC_GUARD(wssec__global_init());
    FILE *f = fopen(path, "rb");
    if (!f) return WSSEC_ERR(&cfg->err, WSSEC_EIO, "%s: cannot be opened", path);
    wssec_buf b = { .max = 1024 * 1024 };
    char chunk[8192];
    size_t n;
    int rc = 0;
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
        if ((rc = wssec__buf_append(&b, chunk, n)) != 0) break;
    int rerr = ferror(f);
    fclose(f);
    if (rc == WSSEC_ELIMIT || rerr) {
        wssec__buf_free(&b);
        return WSSEC_ERR(&cfg->err, rerr ? WSSEC_EIO : WSSEC_ECONFIG, "%s: %s", path,
                         rerr ? "read error" : "larger than 1 MiB");
    }
    if (rc) {
        wssec__buf_free(&b);
        return rc;
    }
    wssec_settings limits;
    wssec__settings_init(&limits);
    xmlDocPtr doc = NULL;
    wssec_errrec perr;
    wssec__err_clear(&perr);
    rc = wssec__xml_parse(&perr, &limits, b.len ? (const char *)b.data : "", b.len, &doc);
    wssec__buf_free(&b);
    if (rc) return WSSEC_ERR(&cfg->err, WSSEC_ECONFIG, "%s: %s", path, perr.message);
    if ((rc = validate(cfg, doc, path)) != 0) goto done;
    for (xmlNodePtr e = wssec__first_elem(xmlDocGetRootElement(doc)); e; e = wssec__next_elem(e)) {
        char *value = wssec__node_text(e);
        if (!value) {
            rc = WSSEC_ENOMEM;
            goto done;
        }
        const char *name = (const char *)e->name;
        rc = cb ? cb(name, value, userdata) : 0;
        if (rc < 0) {
            if (!cfg->err.pub.code)
                WSSEC_ERR(&cfg->err, rc, "%s: line %ld: bad value for %s", path, xmlGetLineNo(e),
                          name);
        } else if (rc == 0 && find_opt(name)) {
            rc = wssec_config_set(cfg, name, value);
            if (rc) {
                char msg[sizeof(cfg->err.message)];
                snprintf(msg, sizeof(msg), "%s", cfg->err.message);
                WSSEC_ERR(&cfg->err, rc, "%s: line %ld: %s", path, xmlGetLineNo(e), msg);
            }
        } else if (rc == 0) {
            rc = WSSEC_ERR(&cfg->err, WSSEC_ECONFIG, "%s: line %ld: unknown option '%s'", path,
                           xmlGetLineNo(e), name);
        } else {
            rc = 0;
        }
        xmlFree(value);
        if (rc) goto done;
    }
done:
    xmlFreeDoc(doc);
    return rc;
}
