/*
 * config_fuzzer — the configuration file parser and the option setter
 * (config.c: wssec_config_load, wssec_config_set, then wssec_ctx_new).
 *
 *   input = mode(1) rest
 *   mode even: rest is a whole configuration file (loaded from a memfd);
 *   mode odd:  structure-aware: rest = option-index(1) value; the value is
 *              set with wssec_config_set and also loaded as the one element
 *              of an otherwise valid configuration file.
 *
 * Options that would make the context read files, load plug-ins or open
 * network connections (FILE arguments, plugin, replay-cache) are parsed but
 * not applied (the load callback takes them), so a fuzz input never reaches
 * the file system or the network. Invariants: a failure returns the code the
 * configuration's error records, with a message; a value that
 * wssec_config_set accepts is accepted by the file parser too, and the other
 * way round.
 */
#define _GNU_SOURCE /* memfd_create */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fuzz_common.h"

static int risky(const char *name)
{
    const char *arg = NULL, *help = NULL, *n = NULL;
    if (strcmp(name, "replay-cache") == 0 || strcmp(name, "plugin") == 0) return 1;
    for (size_t i = 0; wssec_config_option_info(&n, &arg, &help, i) == 0; i++)
        if (strcmp(n, name) == 0) return arg && strstr(arg, "FILE") != NULL;
    return 0;
}

/* the load callback: takes (skips) the risky options and the CLI's "users" */
static int take_risky(const char *name, const char *value, void *ud)
{
    (void)value;
    (void)ud;
    return risky(name) || strcmp(name, "users") == 0 ? 1 : 0;
}

static void check_error(wssec_config *cfg, int rc, const char *what)
{
    const wssec_error *e = wssec_config_error(cfg);
    if (rc > 0) fz_fail(what, "positive return");
    if (rc && rc != WSSEC_ENOMEM && (e->code != rc || !e->message || !*e->message))
        fz_fail(what, "the error record does not match the return");
}

static int load_bytes(wssec_config *cfg, const uint8_t *p, size_t n)
{
    int fd = memfd_create("wssec-fuzz-config", 0);
    if (fd < 0) abort();
    if (n && write(fd, p, n) != (ssize_t)n) abort();
    char path[64];
    snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
    int rc = wssec_config_load(cfg, path, take_risky, NULL);
    close(fd);
    check_error(cfg, rc, "wssec_config_load");
    return rc;
}

static void try_context(wssec_config *cfg)
{
    wssec_ctx *ctx = NULL;
    int rc = wssec_ctx_new(&ctx, cfg);
    check_error(cfg, rc, "wssec_ctx_new");
    if (rc == 0 && !ctx) fz_fail("wssec_ctx_new", "no context");
    wssec_ctx_free(ctx);
}

static size_t option_count(void)
{
    const char *n, *a, *h;
    size_t i = 0;
    while (wssec_config_option_info(&n, &a, &h, i) == 0) i++;
    return i;
}

/* the value as XML character data */
static char *escaped(const char *v)
{
    size_t n = strlen(v);
    char *out = malloc(6 * n + 1), *o = out;
    if (!out) abort();
    for (; *v; v++) {
        const char *rep = *v == '<' ? "&lt;" : *v == '&' ? "&amp;" : *v == '>' ? "&gt;" : NULL;
        if (rep) {
            memcpy(o, rep, strlen(rep));
            o += strlen(rep);
        } else {
            *o++ = *v;
        }
    }
    *o = '\0';
    return out;
}

static int one(const uint8_t *data, size_t size)
{
    if (size == 0) return 0;
    wssec_config *cfg = NULL;
    if (wssec_config_new(&cfg)) abort();
    if ((data[0] & 1) == 0) {
        if (load_bytes(cfg, data + 1, size - 1) == 0) try_context(cfg);
        wssec_config_free(cfg);
        return 0;
    }
    if (size < 2) {
        wssec_config_free(cfg);
        return 0;
    }
    const char *name, *arg, *help;
    if (wssec_config_option_info(&name, &arg, &help, data[1] % option_count())) abort();
    char *value = malloc(size - 1);
    if (!value) abort();
    memcpy(value, data + 2, size - 2);
    value[size - 2] = '\0';
    int set_rc = wssec_config_set(cfg, name, value);
    check_error(cfg, set_rc, "wssec_config_set");
    if (set_rc == 0 && !risky(name)) try_context(cfg);
    wssec_config_free(cfg);

    /* the same through the file parser: it trims nothing the setter keeps */
    size_t vl = strlen(value);
    int plain = vl > 0 && value[0] != ' ' && value[vl - 1] != ' ';
    for (const char *c = value; *c && plain; c++)
        plain = (unsigned char)*c >= 0x20 && (unsigned char)*c < 0x7f;
    char *esc = escaped(value);
    size_t fl = strlen(esc) + 2 * strlen(name) + 128;
    char *file = malloc(fl);
    if (!file) abort();
    snprintf(file, fl, "<wssec xmlns=\"urn:wssec:config:1\"><%s>%s</%s></wssec>", name, esc, name);
    if (wssec_config_new(&cfg)) abort();
    int load_rc = load_bytes(cfg, (const uint8_t *)file, strlen(file));
    /* risky options are skipped by the loader: nothing to compare */
    if (plain && !risky(name) && (set_rc == 0) != (load_rc == 0)) {
        fprintf(stderr, "option %s value '%s': set %d, load %d (%s)\n", name, value, set_rc,
                load_rc, wssec_config_error(cfg)->message);
        /* the schema may restrict a value further than the setter: a
         * refusal by the file parser of what the setter takes is allowed;
         * the other way round is not */
        if (load_rc == 0) fz_fail("the file parser takes a value the setter refuses", name);
    }
    wssec_config_free(cfg);
    free(file);
    free(esc);
    free(value);
    return 0;
}

static void seed(const char *path, const unsigned char *bytes, size_t len,
                 void (*emit)(const unsigned char *, size_t, void *), void *ud)
{
    (void)path;
    static int options_done;
    if (!options_done) {
        /* one seed per option, with a value of its kind */
        options_done = 1;
        const char *name, *arg, *help;
        for (size_t i = 0; wssec_config_option_info(&name, &arg, &help, i) == 0; i++) {
            const char *v = strcmp(arg, "BOOL") == 0      ? "true"
                            : strcmp(arg, "SECONDS") == 0 ? "60"
                            : strcmp(arg, "TIME") == 0    ? "2025-06-01T12:00:00Z"
                            : strcmp(arg, "LIST") == 0    ? "timestamp,signature"
                            : strcmp(arg, "DN") == 0      ? "CN=alice,O=wssec test,C=US"
                                                          : "8";
            unsigned char in[64];
            in[0] = 1;
            in[1] = (unsigned char)i;
            size_t vl = strlen(v);
            memcpy(in + 2, v, vl);
            emit(in, vl + 2, ud);
        }
    }
    if (!memmem(bytes, len, "urn:wssec:config", 16)) return;
    unsigned char *in = malloc(len + 1);
    if (!in) abort();
    in[0] = 0;
    memcpy(in + 1, bytes, len);
    emit(in, len + 1, ud);
    free(in);
}

static const fz_base no_bases[1];

const fz_target fz_target_def = {
    .name = "config",
    .bases = no_bases,
    .nbases = 0,
    .one = one,
    .seed = seed,
};
