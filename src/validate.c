/*
 * wssec — the validators' common rules and the time validator: the
 * default Timestamp freshness checks and the seam that asks a custom one
 * (include/wssec/validate.h). The certificate validator's default is the
 * trust unit's path validation (trust.c).
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>

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

