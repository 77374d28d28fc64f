/*
 * wssec — the validators' common rules and the time validator: the
 * default Timestamp freshness checks and the seam that asks a custom one
 * (include/wssec/validate.h). The certificate validator's default is the
 * trust unit's path validation (trust.c).
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "wssec/wssec.h"
#include "wssec/sys/sdk.h"
#include "validate.h"
#include "util.h"
#include "context.h"
#include "record.h"

int wssec__validator_code(int rc, int refusal)
{
    if (rc == 0) return 0;
    if (rc < 0 && rc > -WSSEC_CODE_COUNT) return rc;
    return refusal; /* fails closed: a value that is no wssec code refuses */
}

int wssec_time_check_init(wssec_time_check *check, unsigned version)
{
    static const wssec_time_check tmpl = WSSEC_TIME_CHECK_INIT;
    return wssec__struct_init(check, &tmpl, sizeof(tmpl), version, WSSEC_TIME_CHECK_VERSION);
}

int wssec_time_validator_init(wssec_time_validator *validator, unsigned version)
{
    static const wssec_time_validator tmpl = WSSEC_TIME_VALIDATOR_INIT;
    return wssec__struct_init(validator, &tmpl, sizeof(tmpl), version, WSSEC_TIME_VALIDATOR_VERSION);
}

static void time_text(char *buf, size_t size, const char *given, wssec_time t, bool millis)
{
    if (given) snprintf(buf, size, "%s", given);
    else if (wssec_time_format(buf, size, t, millis)) snprintf(buf, size, "(out of range)");
}

static int time_refuse(wssec_time_field *about, wssec_time_field which, char *why, size_t whylen,
                       const char *fmt, ...) WSSEC_PRINTF(5, 6);

static int time_refuse(wssec_time_field *about, wssec_time_field which, char *why, size_t whylen,
                       const char *fmt, ...)
{
    if (about) *about = which;
    va_list ap;
    va_start(ap, fmt);
    if (whylen) vsnprintf(why, whylen, fmt, ap);
    va_end(ap);
    return WSSEC_EEXPIRED;
}

/* Today's Timestamp checks, word for word: Created in the future, Expires
 * past, Created older than max-age, each with the clock skew. */
int wssec_time_validate_default(const wssec_time_check *check, wssec_time_field *about, char *why,
                                size_t whylen)
{
    if (whylen) why[0] = '\0';
    if (about) *about = WSSEC_TIME_TIMESTAMP;
    if (check->version < 1 || check->version > WSSEC_TIME_CHECK_VERSION) {
        if (whylen) snprintf(why, whylen, "wssec_time_validate_default: a check of version 1 to %d "
                                          "is needed", WSSEC_TIME_CHECK_VERSION);
        return WSSEC_EINVALID;
    }
    const wssec_time now = check->now, skew = check->clock_skew;
    char ctext[64], etext[64], nowtext[32];
    time_text(ctext, sizeof(ctext), check->created_text, check->created, true);
    time_text(etext, sizeof(etext), check->expires_text, check->expires, true);
    time_text(nowtext, sizeof(nowtext), NULL, now, true);
    if (check->has_created && check->created > now + skew)
        return time_refuse(about, WSSEC_TIME_CREATED, why, whylen,
                           "Timestamp Created %s is in the future (now %s, clock-skew %lld s)",
                           ctext, nowtext, (long long)(skew / 1000));
    if (check->has_expires && check->expires < now - skew)
        return time_refuse(about, WSSEC_TIME_EXPIRES, why, whylen,
                           "Timestamp expired at %s (now %s, clock-skew %lld s)", etext, nowtext,
                           (long long)(skew / 1000));
    if (check->has_created && now - check->created > check->max_age + skew)
        return time_refuse(about, WSSEC_TIME_CREATED, why, whylen,
                           "Timestamp Created %s is older than max-age %lld s (now %s, "
                           "clock-skew %lld s)",
                           ctext, (long long)(check->max_age / 1000), nowtext,
                           (long long)(skew / 1000));
    return 0;
}

int wssec__time_validate(const wssec_msg *msg, const wssec_time_check *check,
                         wssec_time_field *about, char *why, size_t whylen)
{
    const wssec_time_validator *tv = &msg->ctx->time_validator;
    *about = WSSEC_TIME_TIMESTAMP;
    if (whylen) why[0] = '\0';
    if (!tv->validate) return wssec_time_validate_default(check, about, why, whylen);
    int got = tv->validate(check, about, why, whylen, msg->ctx->time_validator_ud);
    if (whylen) why[whylen - 1] = '\0'; /* whatever the callback did with the buffer */
    if (*about != WSSEC_TIME_CREATED && *about != WSSEC_TIME_EXPIRES) *about = WSSEC_TIME_TIMESTAMP;
    int rc = wssec__validator_code(got, WSSEC_EEXPIRED);
    const char *name = tv->name ? tv->name : "custom";
    if (rc && rc != got) {
        *about = WSSEC_TIME_TIMESTAMP;
        snprintf(why, whylen,
                 "time validator '%s' returned %d, which is neither 0 nor a wssec error code: "
                 "the Timestamp is refused",
                 name, got);
    } else if (rc && whylen && !why[0])
        snprintf(why, whylen, "the Timestamp is refused by time validator '%s' (no reason given)",
                 name);
    return rc;
}

/* ---- reading a Timestamp (the Security header's, and those inside
 * signed content, tokens/timestamp.c and embedded.c) ---- */

static int parse_time(wssec_msg *msg, xmlNodePtr e, wssec_time *out, char *text, size_t size)
{
    char *v = wssec_xml_text(e);
    if (!v) return wssec_msg_fail(msg, WSSEC_ENOMEM, NULL, e, "out of memory");
    snprintf(text, size, "%s", v);
    int bad = wssec_time_parse(out, v);
    xmlFree(v);
    if (!bad) return 0;
    int rc = wssec_msg_fail(msg, WSSEC_EMALFORMED, NULL, e,
                            "Timestamp %s '%.40s' is not a UTC time like 2025-01-31T12:00:00Z "
                            "(at most milliseconds)",
                            (const char *)e->name, text);
    text[0] = '\0'; /* not a time: not given as one */
    return rc;
}

int wssec__timestamp_read(wssec_msg *msg, xmlNodePtr elem, wssec_ts_times *t)
{
    memset(t, 0, sizeof(*t));
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
    t->created_node = created;
    t->expires_node = expires;
    WSSEC_GUARD(parse_time(msg, created, &t->created, t->ctext, sizeof(t->ctext)));
    if (expires) {
        WSSEC_GUARD(parse_time(msg, expires, &t->expires, t->etext, sizeof(t->etext)));
        t->has_expires = true;
        if (t->expires <= t->created)
            return wssec_msg_fail(msg, WSSEC_EMALFORMED, NULL, expires,
                                  "Timestamp Expires %s is not after Created %s", t->etext,
                                  t->ctext);
    }
    return 0;
}

int wssec__timestamp_fresh(wssec_msg *msg, xmlNodePtr elem, const wssec_ts_times *t,
                           const char *where)
{
    wssec_time_check check = WSSEC_TIME_CHECK_INIT;
    check.has_created = 1;
    check.created = t->created;
    check.created_text = t->ctext;
    check.has_expires = t->has_expires;
    check.expires = t->expires;
    check.expires_text = t->has_expires ? t->etext : NULL;
    check.now = wssec_msg_now(msg);
    check.clock_skew = msg->ctx->s.clock_skew_ms;
    check.max_age = msg->ctx->s.max_age_ms;
    wssec_time_field about = WSSEC_TIME_TIMESTAMP;
    char why[512];
    int rc = wssec__time_validate(msg, &check, &about, why, sizeof(why));
    if (!rc) return 0;
    xmlNodePtr node = about == WSSEC_TIME_CREATED                      ? t->created_node
                      : about == WSSEC_TIME_EXPIRES && t->expires_node ? t->expires_node
                                                                       : elem;
    return wssec_msg_fail(msg, rc, NULL, node, "%s%s", where ? where : "", why);
}
