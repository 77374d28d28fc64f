/*
 * wssec — plug-ins: shared objects named by the "plugin" option
 * ("FILE[:ENTRY[:ARG]]"), loaded with dlopen() when a context is built.
 *
 * Each plug-in's entry point registers what it brings (token modules,
 * a trusted-ID evaluator, options) into a copy of the caller's
 * configuration; the context is built from that copy, so the caller's
 * configuration never points into a shared object that may be unloaded, and
 * two contexts built from one configuration each have their own plug-in
 * state. The context keeps the shared objects loaded until it is freed; then
 * each plug-in's state is freed and its object unloaded, in reverse order.
 *
 * A plug-in that cannot be loaded or refuses to register is a configuration
 * error naming the file and the reason. Code that runs inside the process is
 * loaded only from a path (a bare name would be searched for in the system's
 * library path) and never from a file that every user can change.
 */
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "internal.h"

struct wssec_plugin {
    char *spec;        /* a copy of the option, split in place */
    const char *path;  /* into spec */
    const char *entry; /* into spec, or WSSEC_PLUGIN_ENTRY */
    const char *arg;   /* into spec, or "" */
    void *handle;
    void *state;
    void (*free_state)(void *state);
    char err[400];
};

struct wssec_plugins {
    struct wssec_plugin **v;
    size_t n;
};

void wssec_plugin_set_state(wssec_plugin *plugin, void *state, void (*free_state)(void *state))
{
    plugin->state = state;
    plugin->free_state = free_state;
}

int wssec_plugin_fail(wssec_plugin *plugin, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(plugin->err, sizeof(plugin->err), fmt, ap);
    va_end(ap);
    return code;
}

const char *wssec_plugin_path(const wssec_plugin *plugin)
{
    return plugin->path;
}

static void plugin_free(struct wssec_plugin *pl)
{
    if (!pl) return;
    if (pl->free_state) pl->free_state(pl->state);
    if (pl->handle) dlclose(pl->handle);
    wssec__free(pl->spec);
    wssec__free(pl);
}

void wssec__plugins_close(wssec_plugins *ps)
{
    if (!ps) return;
    for (size_t i = ps->n; i-- > 0;) plugin_free(ps->v[i]);
    wssec__free(ps->v);
    wssec__free(ps);
}

/* "FILE[:ENTRY[:ARG]]": the first colon ends the file, the second the entry
 * point; the argument is the rest, colons included. */
static int parse_spec(wssec_config *cfg, struct wssec_plugin *pl, const char *spec)
{
    if (!(pl->spec = wssec__strdup(spec))) return WSSEC_ENOMEM;
    char *entry = strchr(pl->spec, ':'), *arg = NULL;
    if (entry) {
        *entry++ = '\0';
        if ((arg = strchr(entry, ':'))) *arg++ = '\0';
    }
    pl->path = pl->spec;
    pl->entry = entry && *entry ? entry : WSSEC_PLUGIN_ENTRY;
    pl->arg = arg ? arg : "";
    if (!*pl->path)
        return WSSEC_ERR(&cfg->err, WSSEC_ECONFIG,
                         "plugin: '%s' names no shared object (FILE[:ENTRY[:ARG]])", spec);
    if (!strchr(pl->path, '/'))
        return WSSEC_ERR(&cfg->err, WSSEC_ECONFIG,
                         "plugin %s: give a path (./%s for the current directory): a bare name "
                         "would be searched for in the system's library path",
                         pl->path, pl->path);
    return 0;
}

static int load_one(wssec_config *cfg, wssec_config *into, struct wssec_plugin *pl,
                    const char *spec)
{
    WSSEC_GUARD(parse_spec(cfg, pl, spec));
    struct stat st;
    if (stat(pl->path, &st) != 0)
        return WSSEC_ERR(&cfg->err, WSSEC_ECONFIG, "plugin %s cannot be loaded: %s", pl->path,
                         strerror(errno));
    if (!S_ISREG(st.st_mode))
        return WSSEC_ERR(&cfg->err, WSSEC_ECONFIG, "plugin %s is not a regular file", pl->path);
    if (st.st_mode & S_IWOTH)
        return WSSEC_ERR(&cfg->err, WSSEC_ECONFIG,
                         "plugin %s is writable by every user: code that anyone can change is "
                         "not loaded (chmod o-w)",
                         pl->path);
    dlerror();
    pl->handle = dlopen(pl->path, RTLD_NOW | RTLD_LOCAL);
    if (!pl->handle) {
        const char *why = dlerror();
        return WSSEC_ERR(&cfg->err, WSSEC_ECONFIG, "plugin %s cannot be loaded: %s", pl->path,
                         why ? why : "dlopen failed");
    }
    void *sym = dlsym(pl->handle, pl->entry);
    if (!sym)
        return WSSEC_ERR(&cfg->err, WSSEC_ECONFIG,
                         "plugin %s has no entry point '%s' (FILE:ENTRY names another)", pl->path,
                         pl->entry);
    wssec_plugin_init_fn init;
    memcpy(&init, &sym, sizeof(init));
    wssec__err_clear(&into->err);
    pl->err[0] = '\0';
    int rc = init(pl, into, pl->arg);
    if (rc == 0) return 0;
    const char *why = pl->err[0] ? pl->err
                      : into->err.pub.code ? into->err.message
                                            : wssec_code_description(rc);
    return WSSEC_ERR(&cfg->err, WSSEC_ECONFIG, "plugin %s: %s() refused to register: %s",
                     pl->path, pl->entry, why);
}

/* The configuration the plug-ins register into: a copy of cfg (settings,
 * modules, callbacks, replay cache) without the plugin entries. */
static int copy_config(wssec_config **out, const wssec_config *cfg)
{
    wssec_config *c = wssec__calloc(1, sizeof(*c));
    if (!c) return WSSEC_ENOMEM;
    *c = *cfg; /* callbacks and flags; the owned parts are copied below */
    c->modules.v = NULL;
    c->modules.n = 0;
    c->replay = NULL;
    wssec__err_clear(&c->err);
    if (wssec__settings_copy(&c->s, &cfg->s)) {
        wssec__free(c);
        return WSSEC_ENOMEM;
    }
    wssec__strlist_clear(&c->s.plugins);
    if (cfg->modules.n) {
        if (!(c->modules.v = wssec__malloc(cfg->modules.n * sizeof(*c->modules.v)))) {
            wssec_config_free(c);
            return WSSEC_ENOMEM;
        }
        memcpy(c->modules.v, cfg->modules.v, cfg->modules.n * sizeof(*c->modules.v));
        c->modules.n = cfg->modules.n;
    }
    if (cfg->replay) c->replay = wssec_replay_cache_retain(cfg->replay);
    *out = c;
    return 0;
}

int wssec__ctx_new_with_plugins(wssec_ctx **out, wssec_config *cfg)
{
    *out = NULL;
    wssec_config *into = NULL;
    const wssec_strlist *specs = &cfg->s.plugins;
    wssec_plugins *ps = wssec__calloc(1, sizeof(*ps));
    int rc = ps ? copy_config(&into, cfg) : WSSEC_ENOMEM;
    if (!rc && !(ps->v = wssec__calloc(specs->n, sizeof(*ps->v)))) rc = WSSEC_ENOMEM;
    for (size_t i = 0; !rc && i < specs->n; i++) {
        if (!(ps->v[i] = wssec__calloc(1, sizeof(*ps->v[i])))) {
            rc = WSSEC_ENOMEM;
            break;
        }
        ps->n++;
        rc = load_one(cfg, into, ps->v[i], specs->v[i]);
    }
    if (!rc) {
        wssec__strlist_clear(&into->s.plugins); /* a plug-in cannot load more */
        if ((rc = wssec_ctx_new(out, into))) wssec__err_copy(&cfg->err, &into->err);
    } else if (rc == WSSEC_ENOMEM && !cfg->err.pub.code) {
        WSSEC_ERR(&cfg->err, rc, "out of memory");
    }
    /* before the plug-ins go: it may hold a cache or callbacks of theirs */
    wssec_config_free(into);
    if (rc) {
        wssec__plugins_close(ps);
        return rc;
    }
    wssec__identity_adopt_plugins(*out, ps);
    return 0;
}
