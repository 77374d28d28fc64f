/*
 * wssec(1) — `wssec inspect` of certificates and key stores rather than
 * messages: each end-entity certificate checked against the configured
 * trust (wssec_ctx_check_certs), with the chain it would build and the
 * warnings about dates, so that a partner's chain can be checked before the
 * partner sends anything.
 */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"

bool cli_cert_input(const char *path)
{
    struct stat st;
    if (!strcmp(path, "-") || stat(path, &st) != 0) return false;
    if (S_ISDIR(st.st_mode)) return true;
    FILE *f = fopen(path, "rb");
    if (!f) return false; /* reading the input says why */
    char head[8192];
    size_t n = fread(head, 1, sizeof(head) - 1, f);
    fclose(f);
    head[n] = '\0';
    size_t i = 0;
    while (i < n && head[i] && strchr(" \t\r\n", head[i])) i++;
    /* a message starts with '<' (after a byte order mark, which is not
     * ASCII); a DER certificate, PKCS#7 bundle or PKCS#12 store with a
     * SEQUENCE; PEM may have text before its first block */
    if (i == n || head[i] == '<' || (unsigned char)head[i] == 0xEF) return false;
    /* a Java keystore (JKS 0xFEEDFEED, JCEKS 0xCECECECE): the library names
     * the command that converts it */
    if (n >= 4 && (!memcmp(head, "\xFE\xED\xFE\xED", 4) || !memcmp(head, "\xCE\xCE\xCE\xCE", 4)))
        return true;
    return (unsigned char)head[i] == 0x30 || strstr(head + i, "-----BEGIN ") != NULL;
}

int cli_inspect_certs(const cli *c, wssec_ctx *ctx, const char *file, FILE *json, int *code)
{
    wssec_result *res = NULL;
    int rc = wssec_ctx_check_certs(&res, ctx, file, NULL);
    *code = rc;
    if (!res) {
        fprintf(stderr, "wssec: %s: out of memory\n", file);
        return EXIT_INTERNAL;
    }
    const wssec_error *e = rc ? wssec_result_error(res) : NULL;
    int exit_code = cli_exit_for(rc);
    if (e && wssec_result_token_count(res) == 0)
        fprintf(stderr, "wssec: %s: %s [%s]\n", file, e->message, wssec_code_name(e->code));
    cli_report r = { c->cmd_name, file, exit_code, e, 0, res, NULL, NULL };
    r.clock = c->now_given ? "--now" : "system clock";
    if (c->json) cli_report_json(json, &r);
    else if (wssec_result_token_count(res)) cli_report_certs(stdout, &r, wssec_ctx_now(ctx));
    wssec_result_free(res);
    return exit_code;
}
