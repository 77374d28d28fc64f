/*
 * wssec — the Timestamp module (WSS 1.1 §10; BSP R3203, R3221, R3224, R3227).
 *
 * Consumer: exactly one wsu:Timestamp in our Security header, with exactly
 * one Created followed by at most one Expires, Expires after Created; then
 * the context's time validator decides freshness (by default: Created not
 * in the future beyond the clock skew, not older than max-age; Expires not
 * past, less the skew). Generator: Created now, Expires now + TTL.
 */
#include <stdio.h>
#include <string.h>

#include "wssec/wssec.h"
#include "wssec/sys/sdk.h"
#include "util.h"
#include "validate.h"

/* The settings a Timestamp depends on, read through the module SDK. */
typedef struct ts_settings {
    int64_t clock_skew, max_age, ttl; /* milliseconds */
    int millis;                       /* timestamp-millis */
} ts_settings;

static int read_settings(wssec_msg *msg, ts_settings *s)
{
    const wssec_ctx *ctx = wssec_msg_ctx(msg);
    if (wssec_ctx_get_ms(&s->clock_skew, ctx, "clock-skew") ||
        wssec_ctx_get_ms(&s->max_age, ctx, "max-age") ||
        wssec_ctx_get_ms(&s->ttl, ctx, "timestamp-ttl") ||
        wssec_ctx_get_bool(&s->millis, ctx, "timestamp-millis"))
        return wssec_msg_fail(msg, WSSEC_EINTERNAL, NULL, NULL, "Timestamp settings unavailable");
    return 0;
}

static int parse_child(wssec_msg *msg, xmlNodePtr e, wssec_time *out, char *text, size_t size)
{
    char *v = wssec_xml_text(e);
    if (!v) return wssec_msg_fail(msg, WSSEC_ENOMEM, NULL, e, "out of memory");
    snprintf(text, size, "%s", v);
    int bad = wssec_time_parse(out, v);
    xmlFree(v);
    if (bad)
        return wssec_msg_fail(msg, WSSEC_EMALFORMED, NULL, e,
                              "Timestamp %s '%.40s' is not a UTC time like 2025-01-31T12:00:00Z "
                              "(at most milliseconds)",
                              (const char *)e->name, text);
    return 0;
}

static int ts_consume(wssec_msg *msg, xmlNodePtr elem, void *ud)
{
    (void)ud;
    ts_settings s;
    WSSEC_GUARD(read_settings(msg, &s));
    for (size_t i = 0; i < wssec_msg_token_count(msg); i++)
        if (strcmp(wssec_token_type(wssec_msg_token(msg, i)), "timestamp") == 0)
            return wssec_msg_fail(msg, WSSEC_EMALFORMED, NULL, elem,
                                  "more than one Timestamp in the Security header (BSP R3227)");
    wssec_token *tok = wssec_msg_add_token(msg, "timestamp", elem);
    if (!tok) return wssec_msg_fail(msg, WSSEC_ENOMEM, NULL, elem, "out of memory");

    xmlNodePtr created = NULL, expires = NULL;
    for (xmlNodePtr c = elem->children; c; c = c->next) {
        if (c->type == XML_TEXT_NODE || c->type == XML_COMMENT_NODE) continue;
        if (wssec_xml_is(c, WSSEC_NS_WSU, "Created") && !created && !expires) created = c;
        else if (wssec_xml_is(c, WSSEC_NS_WSU, "Expires") && created && !expires) expires = c;
        else
            return wssec_msg_fail(msg, WSSEC_EMALFORMED, NULL, c,
                                  "Timestamp child {%s}%s out of place: one Created, then at most "
                                  "one Expires (BSP R3203, R3221, R3224)",
                                  c->ns ? (const char *)c->ns->href : "", (const char *)c->name);
    }
    if (!created)
        return wssec_msg_fail(msg, WSSEC_EMALFORMED, NULL, elem,
                              "Timestamp without Created (BSP R3203)");

    char ctext[64], etext[64];
    wssec_time c = 0, x = 0;
    WSSEC_GUARD(parse_child(msg, created, &c, ctext, sizeof(ctext)));
    if (wssec_token_set(tok, "created", ctext)) return WSSEC_ENOMEM;
    if (expires) {
        WSSEC_GUARD(parse_child(msg, expires, &x, etext, sizeof(etext)));
        if (wssec_token_set(tok, "expires", etext)) return WSSEC_ENOMEM;
        if (x <= c)
            return wssec_msg_fail(msg, WSSEC_EMALFORMED, NULL, expires,
                                  "Timestamp Expires %s is not after Created %s", etext, ctext);
    }
    wssec_token_set_times(tok, &c, expires ? &x : NULL); /* for the pipeline and identity */
    /* freshness is the time validator's decision (validate.h) */
    wssec_time_check check = WSSEC_TIME_CHECK_INIT;
    check.has_created = 1;
    check.created = c;
    check.created_text = ctext;
    check.has_expires = expires != NULL;
    check.expires = x;
    check.expires_text = expires ? etext : NULL;
    check.now = wssec_msg_now(msg);
    check.clock_skew = s.clock_skew;
    check.max_age = s.max_age;
    wssec_time_field about = WSSEC_TIME_TIMESTAMP;
    char why[512];
    int rc = wssec__time_validate(msg, &check, &about, why, sizeof(why));
    if (rc) {
        xmlNodePtr node = about == WSSEC_TIME_CREATED               ? created
                          : about == WSSEC_TIME_EXPIRES && expires ? expires
                                                                   : elem;
        return wssec_msg_fail(msg, rc, NULL, node, "%s", why);
    }
    return 0;
}

static int ts_generate(wssec_msg *msg, void *ud)
{
    (void)ud;
    ts_settings s;
    WSSEC_GUARD(read_settings(msg, &s));
    wssec_time now = wssec_msg_now(msg);
    xmlNodePtr sec = wssec_msg_security(msg, 1);
    if (!sec) return wssec_msg_fail(msg, WSSEC_ENOMEM, NULL, NULL, "out of memory");
    for (xmlNodePtr e = wssec_xml_first_elem(sec); e; e = wssec_xml_next_elem(e))
        if (wssec_xml_is(e, WSSEC_NS_WSU, "Timestamp"))
            return wssec_msg_fail(msg, WSSEC_ECONFIG, NULL, e,
                                  "the Security header already has a Timestamp");
    char created[32], expires[32];
    if (wssec_time_format(created, sizeof(created), now, s.millis) ||
        wssec_time_format(expires, sizeof(expires), now + s.ttl, s.millis))
        return wssec_msg_fail(msg, WSSEC_EINTERNAL, NULL, NULL, "clock out of range");
    xmlNodePtr ts = wssec_msg_add_elem(msg, sec, WSSEC_NS_WSU, "wsu", "Timestamp", NULL);
    xmlNsPtr wsu = ts ? ts->ns : NULL;
    if (!ts || !wssec_msg_new_id(msg, ts, "TS") ||
        !xmlNewTextChild(ts, wsu, BAD_CAST "Created", BAD_CAST created) ||
        (s.ttl > 0 &&
         !xmlNewTextChild(ts, wsu, BAD_CAST "Expires", BAD_CAST expires)))
        return wssec_msg_fail(msg, WSSEC_ENOMEM, NULL, NULL, "out of memory");
    return 0;
}

const wssec_module wssec__module_timestamp = {
    .version = WSSEC_MODULE_VERSION,
    .name = "timestamp",
    .ns = WSSEC_NS_WSU,
    .local = "Timestamp",
    .consume = ts_consume,
    .generate = ts_generate,
};
