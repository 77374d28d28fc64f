/*
 * wssec(1) — the users file: lines "user:password"; '#' starts a comment
 * line. Loaded once; the passwords are wiped when it is freed.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "cli.h"

/* The most users one file may hold. */
#define CLI_USERS_MAX 100000

typedef struct cli_user {
    char *name, *password;
} cli_user;

struct cli_users {
    cli_array list; /* of cli_user */
};

void cli_users_free(cli_users *u)
{
    if (!u) return;
    cli_user *v = u->list.items;
    for (size_t i = 0; i < u->list.n; i++) {
        free(v[i].name);
        if (v[i].password) OPENSSL_cleanse(v[i].password, strlen(v[i].password));
        free(v[i].password);
    }
    cli_array_free(&u->list);
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

/* Appends user name:password. Returns 0, WSSEC_ELIMIT (the file holds
 * CLI_USERS_MAX users already) or WSSEC_ENOMEM. */
static int add_user(cli_users *u, const char *name, size_t nlen, const char *pw, size_t pwlen)
{
    void *slot = NULL;
    int rc = cli_array_push(&u->list, &slot);
    if (rc) return rc;
    cli_user *e = slot;
    e->name = dupn(name, nlen);
    e->password = e->name ? dupn(pw, pwlen) : NULL;
    if (!e->password) {
        free(e->name);
        u->list.n--;
        return WSSEC_ENOMEM;
    }
    return 0;
}

int cli_users_load(cli_users **out, const char *path, char *why, size_t whylen)
{
    *out = NULL;
    cli_bytes b;
    int rc = cli_read(path, 16u * 1024 * 1024, &b, why, whylen);
    if (rc) return rc;
    cli_users *u = calloc(1, sizeof(*u));
    if (u) u->list = (cli_array)CLI_ARRAY_INIT(cli_user, CLI_USERS_MAX);
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
        rc = add_user(u, line, (size_t)(colon - line), colon + 1, n - (size_t)(colon - line) - 1);
        if (rc == WSSEC_ELIMIT)
            snprintf(why, whylen, "line %zu: more than %d users, the most a users file holds",
                     lineno, CLI_USERS_MAX);
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
    /* key passwords come from the --*-password-file/-env options only */
    if (usage == WSSEC_PW_KEY) return WSSEC_EAUTH;
    if (usage == WSSEC_PW_GENERATE) {
        if (!s->have_outbound) return WSSEC_EAUTH;
        pw = s->outbound;
        n = s->outbound_len;
    } else {
        const cli_user *v = s->users ? s->users->list.items : NULL;
        for (size_t i = 0; s->users && i < s->users->list.n; i++) {
            if (strcmp(v[i].name, user) == 0) {
                pw = v[i].password;
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
