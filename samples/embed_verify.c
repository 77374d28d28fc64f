/*
 * embed_verify — how a gateway embeds libwssec: one context shared by all
 * threads, one message object per request, and a password callback.
 *
 *   embed_verify USERS-FILE < message.xml
 *
 * Prints the caller and what the Security header proved, or the fault.
 * Exit code 0 when the message is accepted, 1 otherwise.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <wssec/wssec.h>

/* A password callback: looks the user up in a "user:password" file. A real
 * gateway would ask its directory instead. Must be thread-safe. */
static int lookup(char *buf, size_t size, size_t *len, const char *user,
                  wssec_password_usage usage, void *userdata)
{
    (void)usage;
    FILE *f = fopen((const char *)userdata, "r");
    char line[1100];
    int rc = WSSEC_EAUTH;
    if (!f) return WSSEC_EIO;
    while (fgets(line, sizeof(line), f)) {
        char *colon = strchr(line, ':');
        if (line[0] == '#' || !colon) continue;
        *colon = '\0';
        if (strcmp(line, user) != 0) continue;
        size_t n = strcspn(colon + 1, "\r\n");
        if (n > size) rc = WSSEC_ELIMIT;
        else {
            memcpy(buf, colon + 1, n);
            *len = n;
            rc = 0;
        }
        break;
    }
    memset(line, 0, sizeof(line));
    fclose(f);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: embed_verify USERS-FILE < message.xml\n");
        return 2;
    }
    if (wssec_check_version(WSSEC_VERSION_NUMBER) != 0) {
        fprintf(stderr, "libwssec %s is not compatible with these headers\n", wssec_version());
        return 2;
    }
    static char buf[1 << 20];
    size_t len = fread(buf, 1, sizeof(buf), stdin);

    /* Once, at start-up: the configuration and the shared context. */
    wssec_config *cfg = NULL;
    wssec_ctx *ctx = NULL;
    if (wssec_config_new(&cfg) != 0) return 2;
    if (wssec_config_set(cfg, "require", "timestamp,username-token") != 0) {
        fprintf(stderr, "%s\n", wssec_config_error(cfg)->message);
        return 2;
    }
    wssec_config_set_password_cb(cfg, lookup, argv[1]);
    if (wssec_ctx_new(&ctx, cfg) != 0) {
        fprintf(stderr, "%s\n", wssec_config_error(cfg)->message);
        return 2;
    }
    wssec_config_free(cfg);

    /* Per request (on any thread): parse, verify, use the verdict. */
    wssec_msg *msg = NULL;
    wssec_result *res = NULL;
    int rc = wssec_msg_new(&msg, ctx);
    if (rc == 0) rc = wssec_msg_parse(msg, buf, len);
    if (rc != 0) {
        const wssec_error *e = wssec_msg_error(msg);
        printf("rejected: %s (%s)\n", e->message, e->fault);
    } else if ((rc = wssec_verify(&res, msg)) != 0) {
        const wssec_error *e = res ? wssec_result_error(res) : wssec_msg_error(msg);
        /* The SOAP fault tells the sender only the fault code; the precise
         * reason is for the local log. */
        printf("rejected: %s (%s)\n", e->message, e->fault);
    } else {
        printf("accepted: caller %s\n", wssec_result_caller(res));
        for (size_t i = 0; i < wssec_result_token_count(res); i++) {
            const wssec_token *t = wssec_result_token(res, i);
            printf("  %s%s%s\n", wssec_token_type(t), wssec_token_identity(t) ? " " : "",
                   wssec_token_identity(t) ? wssec_token_identity(t) : "");
        }
    }
    wssec_result_free(res);
    wssec_msg_free(msg);
    wssec_ctx_free(ctx);
    return rc == 0 ? 0 : 1;
}
