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
 * library path) and only from a file nobody but root and the current user
 * can change: see open_checked().
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "wssec/wssec.h"
#include "wssec/sys/sdk.h"
#include "plugin.h"
#include "config.h"
#include "context.h"
#include "error.h"
#include "registry.h"
#include "settings.h"
#include "util.h"

struct wssec_plugin {
    char *spec;        /* a copy of the option, split in place */
    const char *path;  /* into spec */
    const char *entry; /* into spec, or WSSEC_PLUGIN_ENTRY */
    const char *arg;   /* into spec, or "" */
    void *handle;
    void *state;
    void (*free_state)(void *state);
    wssec_errrec err; /* what wssec_plugin_fail() recorded */
};

struct wssec_plugins {
    struct wssec_plugin **v;
    size_t n;
};

void wssec_plugin_set_state(wssec_plugin *plugin, void *state, void (*free_state)(void *state))
{
    WSSEC_ARG_VOID(plugin);
    plugin->state = state;
    plugin->free_state = free_state;
}

int wssec_plugin_fail(wssec_plugin *plugin, int code, const char *fmt, ...)
{
    if (!plugin || !fmt) return code;
    va_list ap;
    va_start(ap, fmt);
    /* a refusal is recorded as one even when code is not a wssec code */
    wssec__err_setv(&plugin->err, code < 0 ? code : WSSEC_ECONFIG, NULL, plugin->path, NULL, 0,
                    fmt, ap);
    va_end(ap);
    return code;
}

const wssec_error *wssec_plugin_error(const wssec_plugin *plugin)
{
    return plugin ? &plugin->err.pub : wssec__err_null();
}

const char *wssec_plugin_path(const wssec_plugin *plugin)
{
    WSSEC_ARG_OR(plugin, NULL);
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

/* Who may change a file or directory: only root and the current user. A
 * directory writable by group or others is accepted only when it is owned
 * by root and sticky (/tmp): there nobody else can rename or remove what
 * root or the current user own, and what lies below it is checked too. */
static int owner_ok(const struct stat *st)
{
    return st->st_uid == 0 || st->st_uid == geteuid();
}

static int check_dir(wssec_config *cfg, const char *plugin, const char *dir, const struct stat *st)
{
    if (!owner_ok(st))
        return WSSEC_ERR(&cfg->err, WSSEC_ECONFIG,
                         "plugin %s: directory %s is owned by uid %u, neither root nor the "
                         "current user: its owner could replace the plug-in",
                         plugin, dir, (unsigned)st->st_uid);
    if ((st->st_mode & (S_IWGRP | S_IWOTH)) && !(st->st_uid == 0 && (st->st_mode & S_ISVTX)))
        return WSSEC_ERR(&cfg->err, WSSEC_ECONFIG,
                         "plugin %s: directory %s is writable by other users (mode %04o): they "
                         "could replace the plug-in (chmod go-w)",
                         plugin, dir, (unsigned)(st->st_mode & 07777));
    return 0;
}

/* The directory part of path (everything before its last slash, "/" for
 * a file at the root), resolved once by realpath. Returns 0 (*real, freed
 * with free) or an error recorded in cfg. */
static int real_dir(wssec_config *cfg, const char *path, const char *slash, char **real)
{
    char dirpart[PATH_MAX];
    size_t dlen = slash == path ? 1 : (size_t)(slash - path);
    if (dlen >= sizeof(dirpart))
        return WSSEC_ERR(&cfg->err, WSSEC_ECONFIG, "plugin %s: path too long", path);
    memcpy(dirpart, path, dlen);
    dirpart[dlen] = '\0';
    *real = realpath(dirpart, NULL);
    if (!*real)
        return WSSEC_ERR(&cfg->err, WSSEC_ECONFIG, "plugin %s cannot be loaded: %s", path,
                         strerror(errno));
    return 0;
}

/* Walks real (an absolute path, modified) from "/" one component at a time
 * with openat(O_NOFOLLOW), each directory checked on its descriptor before
 * the next is opened from it. Returns 0 with *fd the last directory, or an
 * error recorded in cfg (*fd, when not -1, is still to be closed). */
static int walk_dirs(wssec_config *cfg, const char *path, char *real, int *fd)
{
    struct stat st;
    char walked[PATH_MAX] = "/";
    size_t wlen = 1;
    int rc;
    *fd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (*fd < 0 || fstat(*fd, &st) != 0)
        return WSSEC_ERR(&cfg->err, WSSEC_ECONFIG, "plugin %s: / cannot be opened: %s", path,
                         strerror(errno));
    if ((rc = check_dir(cfg, path, "/", &st))) return rc;
    for (char *c = real, *end; *c; c = end ? end + 1 : c + strlen(c)) {
        while (*c == '/') c++;
        if (!*c) break;
        if ((end = strchr(c, '/'))) *end = '\0';
        int next = openat(*fd, c, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (next < 0)
            return WSSEC_ERR(&cfg->err, WSSEC_ECONFIG,
                             "plugin %s: directory %s%s%s cannot be opened without following a "
                             "link: %s",
                             path, walked, wlen > 1 ? "/" : "", c, strerror(errno));
        close(*fd);
        *fd = next;
        int n = snprintf(walked + wlen, sizeof(walked) - wlen, "%s%s", wlen > 1 ? "/" : "", c);
        if (n > 0) wlen = strlen(walked);
        if (fstat(*fd, &st) != 0)
            return WSSEC_ERR(&cfg->err, WSSEC_ECONFIG, "plugin %s: %s: %s", path, walked,
                             strerror(errno));
        if ((rc = check_dir(cfg, path, walked, &st))) return rc;
    }
    return 0;
}

/* Opens base in directory dir without following a link. Returns 0 (*file)
 * or an error recorded in cfg. */
static int open_file(wssec_config *cfg, const char *path, int dir, const char *base, int *file)
{
    /* O_NONBLOCK: opening a FIFO must not hang; a regular file ignores it */
    *file = openat(dir, base, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
    if (*file >= 0) return 0;
    if (errno == ELOOP)
        return WSSEC_ERR(&cfg->err, WSSEC_ECONFIG,
                         "plugin %s is a symbolic link: name the file itself (a link can be "
                         "changed between the check and the load)",
                         path);
    return WSSEC_ERR(&cfg->err, WSSEC_ECONFIG, "plugin %s cannot be loaded: %s", path,
                     strerror(errno));
}

/* The opened file, checked on its descriptor: a regular file, owned by root
 * or the current user, writable by nobody else. Returns 0 or the error. */
static int check_file(wssec_config *cfg, const char *path, int file)
{
    struct stat st;
    if (fstat(file, &st) != 0)
        return WSSEC_ERR(&cfg->err, WSSEC_ECONFIG, "plugin %s: %s", path, strerror(errno));
    if (!S_ISREG(st.st_mode))
        return WSSEC_ERR(&cfg->err, WSSEC_ECONFIG, "plugin %s is not a regular file", path);
    if (!owner_ok(&st))
        return WSSEC_ERR(&cfg->err, WSSEC_ECONFIG,
                         "plugin %s is owned by uid %u, neither root nor the current user: code "
                         "that another user can change is not loaded",
                         path, (unsigned)st.st_uid);
    if (st.st_mode & S_IWOTH)
        return WSSEC_ERR(&cfg->err, WSSEC_ECONFIG,
                         "plugin %s is writable by every user: code that anyone can change is "
                         "not loaded (chmod go-w)",
                         path);
    if (st.st_mode & S_IWGRP)
        return WSSEC_ERR(&cfg->err, WSSEC_ECONFIG,
                         "plugin %s is writable by its group: code that others can change is not "
                         "loaded (chmod go-w)",
                         path);
    return 0;
}

/* Opens the plug-in so that the file checked is the file loaded: the
 * directory part is resolved once (realpath), then walked from "/" one
 * component at a time with openat(O_NOFOLLOW), each directory checked on
 * its descriptor before the next is opened from it; the file itself is
 * opened with O_NOFOLLOW (no symbolic link), checked with fstat, and
 * loaded through /proc/self/fd. Nothing is looked up by name twice. */
static int open_checked(wssec_config *cfg, const char *path, int *out)
{
    *out = -1;
    const char *slash = strrchr(path, '/'); /* parse_spec: there is one */
    const char *base = slash + 1;
    if (!*base)
        return WSSEC_ERR(&cfg->err, WSSEC_ECONFIG, "plugin %s is not a regular file", path);
    char *real = NULL;
    int rc = real_dir(cfg, path, slash, &real), fd = -1, file = -1;
    if (rc) return rc;
    rc = walk_dirs(cfg, path, real, &fd);
    if (!rc) rc = open_file(cfg, path, fd, base, &file);
    if (!rc) rc = check_file(cfg, path, file);
    if (fd >= 0) close(fd);
    free(real);
    if (rc) {
        if (file >= 0) close(file);
        return rc;
    }
    *out = file;
    return 0;
}

static int load_one(wssec_config *cfg, wssec_config *into, struct wssec_plugin *pl,
                    const char *spec)
{
    WSSEC_GUARD(parse_spec(cfg, pl, spec));
    int fd = -1;
    WSSEC_GUARD(open_checked(cfg, pl->path, &fd));
    char self[64];
    snprintf(self, sizeof(self), "/proc/self/fd/%d", fd);
    dlerror();
    pl->handle = dlopen(self, RTLD_NOW | RTLD_LOCAL);
    if (!pl->handle) {
        const char *why = dlerror();
        size_t n = strlen(self);
        if (why && strncmp(why, self, n) == 0 && why[n] == ':') why += n + 1 + (why[n + 1] == ' ');
        int no_proc = access(self, R_OK) != 0;
        close(fd);
        return WSSEC_ERR(&cfg->err, WSSEC_ECONFIG, "plugin %s cannot be loaded: %s%s", pl->path,
                         why ? why : "dlopen failed",
                         no_proc ? " (plug-ins are loaded through /proc/self/fd: is /proc "
                                   "mounted?)"
                                 : "");
    }
    close(fd);
    void *sym = dlsym(pl->handle, pl->entry);
    if (!sym)
        return WSSEC_ERR(&cfg->err, WSSEC_ECONFIG,
                         "plugin %s has no entry point '%s' (FILE:ENTRY names another)", pl->path,
                         pl->entry);
    wssec_plugin_init_fn init;
    memcpy(&init, &sym, sizeof(init));
    wssec__err_clear(&into->err);
    wssec__err_clear(&pl->err);
    int rc = init(pl, into, pl->arg);
    if (rc == 0) return 0;
    const char *why = pl->err.pub.code ? pl->err.message
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
    c->warnings = (wssec_strlist){ NULL, 0 }; /* the copy's own, handed back on success */
    if (wssec__settings_copy(&c->s, &cfg->s)) {
        wssec__free(c);
        return WSSEC_ENOMEM;
    }
    wssec__strlist_clear(&c->s.plugins);
    if (wssec__modlist_copy(&c->modules, &cfg->modules)) {
        wssec_config_free(c);
        return WSSEC_ENOMEM;
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
        if ((rc = wssec_ctx_new(out, into))) {
            wssec__err_copy(&cfg->err, &into->err);
        } else { /* the warnings of the build are the caller's */
            wssec_strlist w = cfg->warnings;
            cfg->warnings = into->warnings;
            into->warnings = w;
        }
    } else if (rc == WSSEC_ENOMEM && !cfg->err.pub.code) {
        WSSEC_ERR(&cfg->err, rc, "out of memory");
    }
    /* before the plug-ins go: it may hold a cache or callbacks of theirs */
    wssec_config_free(into);
    if (rc) {
        wssec__plugins_close(ps);
        return rc;
    }
    (*out)->plugins = ps; /* closed by wssec_ctx_free, last */
    return 0;
}
