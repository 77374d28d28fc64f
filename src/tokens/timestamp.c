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

/* The settings the generator depends on, read through the module SDK. */
typedef struct ts_settings {
    int64_t ttl; /* milliseconds */
    int millis;  /* timestamp-millis */
} ts_settings;

static int read_settings(wssec_msg *msg, ts_settings *s)
{
    const wssec_ctx *ctx = wssec_msg_ctx(msg);
    if (wssec_ctx_get_ms(&s->ttl, ctx, "timestamp-ttl") ||
        wssec_ctx_get_bool(&s->millis, ctx, "timestamp-millis"))
        return wssec_msg_fail(msg, WSSEC_EINTERNAL, NULL, NULL, "Timestamp settings unavailable");
    return 0;
}

static int ts_consume(wssec_msg *msg, xmlNodePtr elem, void *ud)
{
    (void)ud;
    for (size_t i = 0; i < wssec_msg_token_count(msg); i++)
        if (strcmp(wssec_token_type(wssec_msg_token(msg, i)), "timestamp") == 0)
            return wssec_msg_fail(msg, WSSEC_EMALFORMED, NULL, elem,
                                  "more than one Timestamp in the Security header (BSP R3227)");
    wssec_token *tok = wssec_msg_add_token(msg, "timestamp", elem);
    if (!tok) return wssec_msg_fail(msg, WSSEC_ENOMEM, NULL, elem, "out of memory");
    /* the reading and the freshness check are shared with the Timestamps
     * inside signed content (validate.c, embedded.c) */
    wssec_ts_times t;
    int rc = wssec__timestamp_read(msg, elem, &t);
    if (t.ctext[0] && wssec_token_set(tok, "created", t.ctext)) return WSSEC_ENOMEM;
    if (t.has_expires && wssec_token_set(tok, "expires", t.etext)) return WSSEC_ENOMEM;
    if (rc) return rc;
    /* for the pipeline and identity */
    wssec_token_set_times(tok, &t.created, t.has_expires ? &t.expires : NULL);
    /* freshness is the time validator's decision (validate.h) */
    return wssec__timestamp_fresh(msg, elem, &t, NULL);
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
