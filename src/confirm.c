/*
 * wssec — SignatureConfirmation (WSS 1.1 §8.5): the values a response
 * confirms and the requester's check of a response against the request it
 * sent (confirm.h).
 */
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

#include "wssec/wssec.h"
#include "wssec/sys/sdk.h"
#include "confirm.h"
#include "error.h"
#include "record.h"
#include "util.h"
#include "xml.h"

void wssec__sigvals_free(wssec_sigvals *s)
{
    if (!s) return;
    for (size_t i = 0; i < s->n; i++) wssec__free(s->v[i]);
    wssec__free(s);
}

/* Appends a copy of value to s. 0, WSSEC_ELIMIT or WSSEC_ENOMEM. */
static int sigvals_add(wssec_sigvals *s, const unsigned char *value, size_t len)
{
    if (s->n >= WSSEC_CONFIRM_MAX) return WSSEC_ELIMIT;
    unsigned char *copy = wssec__malloc(len ? len : 1);
    if (!copy) return WSSEC_ENOMEM;
    memcpy(copy, value, len);
    s->v[s->n] = copy;
    s->len[s->n++] = len;
    return 0;
}

static int sigvals_new(wssec_sigvals **out)
{
    *out = wssec__calloc(1, sizeof(**out));
    return *out ? 0 : WSSEC_ENOMEM;
}

int wssec_msg_confirm_signatures(wssec_msg *response, const wssec_result *request)
{
    WSSEC_ARG(response && request);
    wssec__err_clear(&response->err);
    if (request->err.pub.code)
        return WSSEC_ERR(&response->err, WSSEC_EINVALID,
                         "wssec_msg_confirm_signatures: the request was rejected (%s); a "
                         "response confirms only a request that verified",
                         request->err.pub.message);
    wssec_sigvals *s = NULL;
    int rc = sigvals_new(&s);
    for (size_t i = 0; !rc && i < request->ntokens; i++) {
        const wssec_token *t = request->tokens[i];
        if (t->status || strcmp(t->type, "signature") != 0 || !t->sigvalue) continue;
        rc = sigvals_add(s, t->sigvalue, t->sigvalue_len);
    }
    if (rc) {
        wssec__sigvals_free(s);
        return WSSEC_ERR(&response->err, rc,
                         rc == WSSEC_ELIMIT ? "the request has more than %d signatures to confirm"
                                            : "out of memory",
                         WSSEC_CONFIRM_MAX);
    }
    wssec__sigvals_free(response->confirm);
    response->confirm = s;
    return 0;
}

int wssec_msg_expect_confirmations(wssec_msg *response, const wssec_msg *request)
{
    WSSEC_ARG(response && request);
    wssec__err_clear(&response->err);
    wssec_sigvals *s = NULL;
    size_t max = 0;
    int rc = sigvals_new(&s);
    if (!rc && wssec_ctx_get_size(&max, request->ctx, "max-token-size")) rc = WSSEC_EINVALID;
    for (xmlNodePtr e = wssec_xml_first_elem(request->security); e && !rc;
         e = wssec_xml_next_elem(e)) {
        if (!wssec_xml_is(e, WSSEC_NS_DS, "Signature")) continue;
        xmlNodePtr sv = wssec_xml_first_elem(e);
        while (sv && !wssec_xml_is(sv, WSSEC_NS_DS, "SignatureValue")) sv = wssec_xml_next_elem(sv);
        char *text = sv ? wssec_xml_text(sv) : NULL;
        unsigned char *value = NULL;
        size_t len = 0;
        if (!sv) rc = WSSEC_EINVALID;
        else if (!text) rc = WSSEC_ENOMEM;
        else rc = wssec_b64_decode(&value, &len, text, max);
        if (!rc && len == 0) rc = WSSEC_EINVALID;
        if (!rc) rc = sigvals_add(s, value, len);
        wssec__free(value);
        if (text) xmlFree(text);
    }
    if (rc) {
        wssec__sigvals_free(s);
        return WSSEC_ERR(&response->err, rc == WSSEC_ENOMEM ? rc : WSSEC_EINVALID,
                         "wssec_msg_expect_confirmations: %s",
                         rc == WSSEC_ENOMEM   ? "out of memory"
                         : rc == WSSEC_ELIMIT ? "the request has too many signatures"
                                              : "a signature of the request has no base64 "
                                                "SignatureValue");
    }
    wssec__sigvals_free(response->expect);
    response->expect = s;
    return 0;
}

bool wssec__confirming(const wssec_msg *msg, size_t *n)
{
    *n = msg->confirm ? msg->confirm->n : 0;
    return msg->confirm != NULL;
}

const unsigned char *wssec__confirm_value(const wssec_msg *msg, size_t i, size_t *len)
{
    if (!msg->confirm || i >= msg->confirm->n) return NULL;
    *len = msg->confirm->len[i];
    return msg->confirm->v[i];
}

/* The first characters of a value's base64, to name it in a reason. */
static void value_name(char *buf, size_t size, const unsigned char *v, size_t len)
{
    if (!v) {
        snprintf(buf, size, "(no Value: an unsigned request)");
        return;
    }
    char *b = wssec_b64_encode(v, len);
    snprintf(buf, size, "%.24s%s", b ? b : "?", b && strlen(b) > 24 ? "..." : "");
    if (b) xmlFree(b);
}

/* Which expected value a SignatureConfirmation's value (NULL: none) is, or
 * -1. The request with no signature is confirmed by one without a Value. */
static long expected_index(const wssec_sigvals *e, const unsigned char *v, size_t len)
{
    if (!v) return e->n == 0 ? 0 : -1;
    for (size_t i = 0; i < e->n; i++)
        if (e->len[i] == len && CRYPTO_memcmp(e->v[i], v, len) == 0) return (long)i;
    return -1;
}

static int confirm_fail(wssec_msg *msg, xmlNodePtr node, const char *why)
{
    return wssec_msg_fail(msg, WSSEC_ESIGNATURE, "wsse:FailedCheck", node, "%s", why);
}

/* One SignatureConfirmation t against the expected values; seen counts
 * the confirmations of each. */
static int check_one(wssec_msg *msg, const wssec_token *t, unsigned *seen)
{
    const wssec_sigvals *e = msg->expect;
    const unsigned char *v = NULL;
    size_t len = wssec_token_signature_value(&v, t);
    char name[40], path[200];
    value_name(name, sizeof(name), v, len);
    wssec_xml_path(path, sizeof(path), t->node);
    if (!wssec__result_covers(msg->res, t->node))
        return wssec_msg_fail(msg, WSSEC_EUNSIGNED, NULL, t->node,
                              "the SignatureConfirmation %s (%s) is not covered by a verified "
                              "signature of the response: it proves nothing",
                              name, path);
    long i = expected_index(e, v, len);
    char why[600];
    if (i < 0) {
        if (!v)
            snprintf(why, sizeof(why),
                     "the SignatureConfirmation without Value (%s) says the request was not "
                     "signed, but the request sent carried %zu signature(s)",
                     path, e->n);
        else
            snprintf(why, sizeof(why), "the SignatureConfirmation %s (%s) confirms %s", name, path,
                     e->n ? "a SignatureValue the request sent did not carry (another request's)"
                          : "a signature, but the request sent was not signed");
        return confirm_fail(msg, t->node, why);
    }
    if (seen[i]++) {
        snprintf(why, sizeof(why), "the SignatureValue %s is confirmed twice (%s)", name, path);
        return confirm_fail(msg, t->node, why);
    }
    return 0;
}

int wssec__confirm_check(wssec_msg *msg)
{
    const wssec_result *r = msg->res;
    size_t found = 0;
    msg->failed = false;
    if (!msg->expect) {
        for (size_t i = 0; i < r->ntokens; i++)
            found += strcmp(r->tokens[i]->type, "signature-confirmation") == 0;
        if (found && wssec__result_warn(msg->res, "the SignatureConfirmations were not checked: "
                                                  "no sent request was given (--sent-request, "
                                                  "wssec_msg_expect_confirmations)"))
            return WSSEC_ENOMEM;
        return 0;
    }
    unsigned seen[WSSEC_CONFIRM_MAX] = { 0 };
    for (size_t i = 0; i < r->ntokens; i++) {
        const wssec_token *t = r->tokens[i];
        if (t->status || strcmp(t->type, "signature-confirmation") != 0) continue;
        WSSEC_GUARD(check_one(msg, t, seen));
    }
    if (msg->expect->n == 0)
        return seen[0] ? 0
                       : confirm_fail(msg, msg->security,
                                      "the response has no SignatureConfirmation without Value: "
                                      "the request sent was not signed, and the response does "
                                      "not say it saw that");
    for (size_t i = 0; i < msg->expect->n; i++) {
        if (seen[i]) continue;
        char name[40], why[400];
        value_name(name, sizeof(name), msg->expect->v[i], msg->expect->len[i]);
        snprintf(why, sizeof(why),
                 "the response does not confirm the SignatureValue %s of the request sent (no "
                 "SignatureConfirmation with that Value)",
                 name);
        return confirm_fail(msg, msg->security, why);
    }
    return 0;
}
