/*
 * wssec — error codes: names, categories, faults, and the error record.
 */
#include <stdio.h>
#include <string.h>

#include "wssec/wssec.h"
#include "wssec/sys/sdk.h"
#include "error.h"
#include "util.h"

static const struct code_info {
    const char *name;
    const char *description;
    wssec_category category;
    const char *fault;
} codes[WSSEC_CODE_COUNT] = {
    /* index is -code */
    { "WSSEC_OK", "no error", WSSEC_CAT_NONE, "" },
    { "WSSEC_EINVALID", "invalid argument", WSSEC_CAT_USAGE, "" },
    { "WSSEC_ENOMEM", "out of memory", WSSEC_CAT_INTERNAL, "soap:Server" },
    { "WSSEC_EIO", "input/output error", WSSEC_CAT_INTERNAL, "soap:Server" },
    { "WSSEC_ECONFIG", "configuration error", WSSEC_CAT_USAGE, "" },
    { "WSSEC_EPARSE", "not an acceptable SOAP message", WSSEC_CAT_INPUT, "soap:Client" },
    { "WSSEC_ELIMIT", "limit exceeded", WSSEC_CAT_INPUT, "soap:Client" },
    { "WSSEC_EMALFORMED", "invalid Security header", WSSEC_CAT_POLICY, "wsse:InvalidSecurity" },
    { "WSSEC_ETOKEN", "invalid security token", WSSEC_CAT_TRUST, "wsse:InvalidSecurityToken" },
    { "WSSEC_EUNSUPPORTED", "unsupported security token", WSSEC_CAT_TRUST,
      "wsse:UnsupportedSecurityToken" },
    { "WSSEC_EALGORITHM", "algorithm not allowed", WSSEC_CAT_CRYPTO, "wsse:UnsupportedAlgorithm" },
    { "WSSEC_EAUTH", "authentication failed", WSSEC_CAT_TRUST, "wsse:FailedAuthentication" },
    { "WSSEC_EUNTRUSTED", "certificate not trusted", WSSEC_CAT_TRUST,
      "wsse:FailedAuthentication" },
    { "WSSEC_ESIGNATURE", "signature invalid", WSSEC_CAT_CRYPTO, "wsse:FailedCheck" },
    { "WSSEC_EDIGEST", "digest mismatch", WSSEC_CAT_CRYPTO, "wsse:FailedCheck" },
    { "WSSEC_EDECRYPT", "decryption failed", WSSEC_CAT_CRYPTO, "wsse:FailedCheck" },
    { "WSSEC_EUNAVAILABLE", "security token unavailable", WSSEC_CAT_TRUST,
      "wsse:SecurityTokenUnavailable" },
    { "WSSEC_EEXPIRED", "message expired", WSSEC_CAT_POLICY, "wsse:MessageExpired" },
    { "WSSEC_EREPLAY", "replayed message", WSSEC_CAT_POLICY, "wsse:InvalidSecurity" },
    { "WSSEC_EUNSIGNED", "required part not signed", WSSEC_CAT_POLICY, "wsse:InvalidSecurity" },
    { "WSSEC_EPOLICY", "security policy not satisfied", WSSEC_CAT_POLICY,
      "wsse:InvalidSecurity" },
    { "WSSEC_EMUSTUNDERSTAND", "mandatory header not understood", WSSEC_CAT_INPUT,
      "soap:MustUnderstand" },
    { "WSSEC_EBACKEND", "back end unavailable", WSSEC_CAT_INTERNAL, "soap:Server" },
    { "WSSEC_EINTERNAL", "internal error", WSSEC_CAT_INTERNAL, "soap:Server" },
};

static const struct code_info *info(int code)
{
    if (code > 0 || code <= -WSSEC_CODE_COUNT) return NULL;
    return &codes[-code];
}

const char *wssec_code_name(int code)
{
    const struct code_info *i = info(code);
    return i ? i->name : "WSSEC_E?";
}

const char *wssec_code_description(int code)
{
    const struct code_info *i = info(code);
    return i ? i->description : "unknown error";
}

wssec_category wssec_code_category(int code)
{
    const struct code_info *i = info(code);
    return i ? i->category : WSSEC_CAT_INTERNAL;
}

const char *wssec_category_name(wssec_category category)
{
    static const char *const names[] = { "NONE", "USAGE", "INPUT", "CRYPTO",
                                         "TRUST", "POLICY", "INTERNAL" };
    if ((unsigned)category >= WSSEC_ARRAY_LEN(names)) return "?";
    return names[category];
}

const char *wssec_code_fault(int code)
{
    const struct code_info *i = info(code);
    return i ? i->fault : "soap:Server";
}

const char *wssec__fault_ns(const char *fault)
{
    if (strncmp(fault, "wsse:", 5) == 0) return WSSEC_NS_WSSE;
    if (strncmp(fault, "soap:", 5) == 0) return WSSEC_NS_SOAP11;
    return "";
}

static void sync_pub(wssec_errrec *e)
{
    e->pub.message = e->message;
    e->pub.fault = e->fault;
    e->pub.fault_ns = e->fault_ns;
    e->pub.subject = e->subject;
    if (!e->pub.file) e->pub.file = "";
}

void wssec__err_clear(wssec_errrec *e)
{
    memset(e, 0, sizeof(*e));
    sync_pub(e);
}

int wssec__err_setv(wssec_errrec *e, int code, const char *fault, const char *subject,
                    const char *file, int line, const char *fmt, va_list ap)
{
    e->pub.code = code;
    e->pub.category = wssec_code_category(code);
    e->pub.file = file ? file : "";
    e->pub.line = line;
    vsnprintf(e->message, sizeof(e->message), fmt, ap);
    /* one line: a message never carries a newline into a log */
    for (char *p = e->message; *p; p++)
        if (*p == '\n' || *p == '\r') *p = ' ';
    snprintf(e->fault, sizeof(e->fault), "%s", fault ? fault : wssec_code_fault(code));
    snprintf(e->fault_ns, sizeof(e->fault_ns), "%s", wssec__fault_ns(e->fault));
    snprintf(e->subject, sizeof(e->subject), "%s", subject ? subject : "");
    sync_pub(e);
    return code;
}

int wssec__err_set(wssec_errrec *e, int code, const char *fault, const char *subject,
                   const char *file, int line, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    wssec__err_setv(e, code, fault, subject, file, line, fmt, ap);
    va_end(ap);
    return code;
}

const wssec_error *wssec__err_none(void)
{
    static const wssec_error none = { 0, WSSEC_CAT_NONE, "", "", "", "", "", 0 };
    return &none;
}

const wssec_error *wssec__err_null(void)
{
    static const wssec_error null = { WSSEC_EINVALID, WSSEC_CAT_USAGE,
                                      "no object to report on (a NULL pointer was given)",
                                      "", "", "", "", 0 };
    return &null;
}

void wssec__err_copy(wssec_errrec *dst, const wssec_errrec *src)
{
    memcpy(dst, src, sizeof(*dst));
    sync_pub(dst);
}

const char *wssec_version(void)
{
    return WSSEC_VERSION;
}

int wssec_check_version(unsigned long number)
{
    unsigned long major = (number >> 16) & 0xff, minor = (number >> 8) & 0xff;
    if (major != WSSEC_VERSION_MAJOR || minor > WSSEC_VERSION_MINOR) return WSSEC_EINVALID;
    return 0;
}
