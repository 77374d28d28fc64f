/*
 * wssec(1) — the users file: lines "user:password"; '#' starts a comment
 * line. Loaded once; the passwords are wiped when it is freed.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "cli.h"

struct cli_users {
    char **names;
    char **passwords;
    size_t n;
};

void cli_users_free(cli_users *u)
{
    if (!u) return;
    for (size_t i = 0; i < u->n; i++) {
        free(u->names[i]);
        if (u->passwords[i]) OPENSSL_cleanse(u->passwords[i], strlen(u->passwords[i]));
        free(u->passwords[i]);
    }
    free(u->names);
    free(u->passwords);
    free(u);
}

static char *dupn(const char *s, size_t n)
{
    char *d = malloc(n + 1);
    if (d) {
        memcpy(d, s, n);
        d[n] = '\0';
    }
    return d;
}

int cli_users_load(cli_users **out, const char *path, char *why, size_t whylen)
{
    *out = NULL;
    cli_bytes b;
    int rc = cli_read(path, 16u * 1024 * 1024, &b, why, whylen);
    if (rc) return rc;
    cli_users *u = calloc(1, sizeof(*u));
    if (!u) {
        cli_bytes_free(&b);
        return WSSEC_ENOMEM;
    }
    size_t pos = 0, lineno = 0;
    while (pos < b.len && !rc) {
        size_t end = pos;
        while (end < b.len && b.data[end] != '\n') end++;
        const char *line = (const char *)b.data + pos;
        size_t n = end - pos;
        if (n && line[n - 1] == '\r') n--;
        lineno++;
        pos = end + 1;
        if (n == 0 || line[0] == '#') continue;
        const char *colon = memchr(line, ':', n);
        if (!colon || colon == line) {
            snprintf(why, whylen, "line %zu is not user:password", lineno);
            rc = WSSEC_ECONFIG;
            break;
        }
        char **nn = realloc(u->names, (u->n + 1) * sizeof(*nn));
        if (nn) u->names = nn;
        char **pp = nn ? realloc(u->passwords, (u->n + 1) * sizeof(*pp)) : NULL;
        if (pp) u->passwords = pp;
        char *name = pp ? dupn(line, (size_t)(colon - line)) : NULL;
        char *pw = name ? dupn(colon + 1, n - (size_t)(colon - line) - 1) : NULL;
        if (!pw) {
            free(name);
            rc = WSSEC_ENOMEM;
            break;
        }
        u->names[u->n] = name;
        u->passwords[u->n] = pw;
        u->n++;
    }
    OPENSSL_cleanse(b.data, b.len);
    cli_bytes_free(&b);
    if (rc) {
        cli_users_free(u);
        return rc;
    }
    *out = u;
    return 0;
}

int cli_password_cb(char *buf, size_t size, size_t *len, const char *user,
                    wssec_password_usage usage, void *userdata)
{
    cli_secrets *s = userdata;
    const char *pw = NULL;
    size_t n = 0;
    if (usage == WSSEC_PW_GENERATE) {
        if (!s->have_outbound) return WSSEC_EAUTH;
        pw = s->outbound;
        n = s->outbound_len;
    } else {
        for (size_t i = 0; s->users && i < s->users->n; i++) {
            if (strcmp(s->users->names[i], user) == 0) {
                pw = s->users->passwords[i];
                n = strlen(pw);
                break;
            }
        }
        if (!pw) return WSSEC_EAUTH;
    }
    if (n > size) return WSSEC_ELIMIT;
    memcpy(buf, pw, n);
    *len = n;
    return 0;
}
