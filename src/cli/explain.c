/*
 * wssec(1) — --explain DIR: what the signatures of a verified message
 * digested (canonical bytes, expected and computed digests), written beside
 * an account of the verdict.
 */
#define _GNU_SOURCE
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "cli.h"

static char *dup_or_null(const char *s)
{
    return s ? strdup(s) : NULL;
}

static void item_free(cli_explain_item *it)
{
    if (it->bytes) OPENSSL_cleanse(it->bytes, it->len);
    free(it->what), free(it->alg), free(it->expected), free(it->computed), free(it->bytes);
}

void cli_explain_cb(const char *what, const unsigned char *bytes, size_t len,
                    const char *digest_alg, const char *expected, const char *computed,
                    void *userdata)
{
    cli *c = userdata;
    cli_explain_log *l = c->explain;
    if (!l || l->oom || l->full) return;
    void *slot = NULL;
    int rc = cli_array_push(&l->items, &slot);
    if (rc) {
        if (rc == WSSEC_ELIMIT) l->full = true;
        else l->oom = true;
        return;
    }
    cli_explain_item *it = slot;
    *it = (cli_explain_item){ dup_or_null(what), dup_or_null(digest_alg), dup_or_null(expected),
                              dup_or_null(computed), malloc(len ? len : 1), len };
    if (!it->what || !it->alg || !it->computed || !it->bytes || (expected && !it->expected)) {
        it->len = 0;
        item_free(it);
        l->items.n--;
        l->oom = true;
        return;
    }
    if (len) memcpy(it->bytes, bytes, len);
}

void cli_explain_clear(cli_explain_log *l)
{
    cli_explain_item *v = l->items.items;
    for (size_t i = 0; i < l->items.n; i++) item_free(&v[i]);
    cli_array_free(&l->items);
    l->oom = l->full = false;
}

/* The account of one piece in the text, and its bytes in DIR/<input>.N.c14n.
 * Returns 0, or EXIT_INTERNAL with the reason on standard error. */
static int explain_piece(const cli *c, const char *file, const char *base, size_t i,
                         const cli_explain_item *it, FILE *t)
{
    char path[PATH_MAX + 160], why[700], name[80];
    snprintf(name, sizeof(name), "%zu.%s.c14n", i + 1,
             strcmp(it->what, "SignedInfo") == 0 ? "SignedInfo" : "reference");
    const char *slash = strrchr(base, '/');
    snprintf(path, sizeof(path), "%s.%s", base, name);
    if (!strcmp(it->what, "SignedInfo"))
        fprintf(t, "  SignedInfo, %s: %s.%s (%zu bytes), digest %s; the SignatureValue is "
                   "checked over these bytes\n",
                it->alg, slash ? slash + 1 : base, name, it->len, it->computed);
    else
        fprintf(t, "  Reference %s, %s: %s.%s (%zu bytes), expected %s, computed %s: %s\n",
                it->what, it->alg, slash ? slash + 1 : base, name, it->len,
                it->expected ? it->expected : "(none)", it->computed,
                it->expected && !strcmp(it->expected, it->computed) ? "match" : "MISMATCH");
    if (cli_write(path, it->bytes, it->len, c->private_output, why, sizeof(why))) {
        fprintf(stderr, "wssec: %s: explain: %s\n", file, why);
        return EXIT_INTERNAL;
    }
    return 0;
}

int cli_explain_write(const cli *c, const char *file, const cli_explain_log *l,
                      const wssec_error *err)
{
    char base[PATH_MAX + 64], path[PATH_MAX + 160], why[700];
    cli_out_name(c->explain_dir, file, base, sizeof(base));
    if (l->full) {
        fprintf(stderr, "wssec: %s: explain: more than %d digested pieces, the most one message "
                        "may explain; nothing written\n",
                file, CLI_EXPLAIN_MAX);
        return EXIT_INTERNAL;
    }
    char *text = NULL;
    size_t tlen = 0;
    FILE *t = open_memstream(&text, &tlen);
    if (!t || l->oom) {
        if (t) fclose(t);
        free(text);
        fprintf(stderr, "wssec: %s: explain: out of memory\n", file);
        return EXIT_INTERNAL;
    }
    fprintf(t, "%s: %s\n", file, err ? "rejected" : "accepted");
    if (err) fprintf(t, "  %s [%s]\n", err->message, wssec_code_name(err->code));
    if (l->items.n == 0) fprintf(t, "  nothing was digested (no signature got that far)\n");
    const cli_explain_item *v = l->items.items;
    int rc = 0;
    for (size_t i = 0; i < l->items.n && !rc; i++) rc = explain_piece(c, file, base, i, &v[i], t);
    fclose(t);
    snprintf(path, sizeof(path), "%s.explain.txt", base);
    if (!rc && cli_write(path, text, tlen, c->private_output, why, sizeof(why))) {
        fprintf(stderr, "wssec: %s: explain: %s\n", file, why);
        rc = EXIT_INTERNAL;
    }
    free(text);
    return rc;
}
