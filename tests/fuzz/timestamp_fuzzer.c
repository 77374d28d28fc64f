/*
 * timestamp_fuzzer — the wsu:Timestamp consumer (tokens/timestamp.c) on
 * Timestamps wssec_secure made (with and without Expires, with and without
 * milliseconds, SOAP 1.1 and 1.2). The input mutates the Timestamp. An
 * accepted message has exactly one Timestamp token, a direct child of the
 * Security header, whose Created (as the document has it) is within
 * [now - max-age - skew, now + skew] and whose Expires, if any, is after
 * Created and not before now - skew (defaults: skew 60 s, max-age 300 s).
 */
#include <string.h>

#include <libxml/tree.h>

#include "fuzz_pairs.h"

static const char *const ts[] = { "timestamp", NULL };

static const char *const s_default[] = { NULL };
static const char *const s_noexp[] = { "timestamp-ttl", "0", "timestamp-millis", "false", NULL };

static const char *const r_ts[] = { "require", "timestamp", NULL };

static const fz_base bases[] = {
    { "created-expires", 11, s_default, ts, NULL, NULL, r_ts, 0 },
    { "created-only-soap12", 12, s_noexp, ts, NULL, NULL, r_ts, 0 },
};

static const char *const focus[][2] = {
    { WSSEC_NS_WSU, "Timestamp" },
};

#define SEC 1000
#define SKEW (60 * SEC)
#define MAX_AGE (300 * SEC)

static xmlNodePtr first_child(xmlNodePtr e)
{
    for (xmlNodePtr c = e->children; c; c = c->next)
        if (c->type == XML_ELEMENT_NODE) return c;
    return NULL;
}

static void check(const fz_run *r)
{
    wssec_time now = 0;
    if (wssec_time_parse(&now, FZ_NOW)) abort();
    size_t found = 0;
    for (size_t i = 0; i < wssec_result_token_count(r->res); i++) {
        const wssec_token *t = wssec_result_token(r->res, i);
        if (strcmp(wssec_token_type(t), "timestamp") != 0) continue;
        found++;
        if (wssec_token_status(t) != 0) fz_fail("accepted with a failed Timestamp", NULL);
        xmlNodePtr e = wssec_token_node(t);
        if (!e || !e->parent || !xmlStrEqual(e->parent->name, BAD_CAST "Security") ||
            !e->parent->parent || !xmlStrEqual(e->parent->parent->name, BAD_CAST "Header"))
            fz_fail("accepted Timestamp is not a child of the Security header", NULL);
        const char *c = wssec_token_get(t, "created"), *x = wssec_token_get(t, "expires");
        wssec_time ct, xt;
        if (!c || wssec_time_parse(&ct, c)) fz_fail("accepted Timestamp without a Created time", c);
        /* the Created the consumer read is the document's first child */
        xmlNodePtr ce = first_child(e);
        char *text = ce ? (char *)xmlNodeGetContent(ce) : NULL;
        /* XML Schema whitespace around a dateTime is collapsed */
        char *s = text;
        while (s && (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')) s++;
        size_t sl = s ? strlen(s) : 0;
        while (sl && (s[sl - 1] == ' ' || s[sl - 1] == '\t' || s[sl - 1] == '\r' ||
                      s[sl - 1] == '\n'))
            sl--;
        if (!ce || !xmlStrEqual(ce->name, BAD_CAST "Created") || !text ||
            (sl < 60 && (strlen(c) != sl || strncmp(s, c, sl) != 0)))
            fz_fail("the Created read is not the Timestamp's first child", c);
        xmlFree(text);
        if (ct > now + SKEW) fz_fail("accepted a Created in the future", c);
        if (now - ct > MAX_AGE + SKEW) fz_fail("accepted a Created older than max-age", c);
        if (x) {
            if (wssec_time_parse(&xt, x)) fz_fail("accepted an unreadable Expires", x);
            if (xt <= ct) fz_fail("accepted Expires not after Created", x);
            if (xt < now - SKEW) fz_fail("accepted an expired Timestamp", x);
        }
    }
    if (found != 1) fz_fail("accepted without exactly one Timestamp token", NULL);
}

const fz_target fz_target_def = {
    .name = "timestamp",
    .bases = bases,
    .nbases = sizeof(bases) / sizeof(bases[0]),
    .focus = focus,
    .nfocus = sizeof(focus) / sizeof(focus[0]),
    .check = check,
};
