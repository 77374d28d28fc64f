/*
 * wssec — the SOAP model: version, Envelope structure, header blocks, the
 * Security header for this node.
 */
#include <stdio.h>
#include <string.h>

#include "wssec/wssec.h"
#include "wssec/sys/sdk.h"
#include "soap.h"
#include "context.h"
#include "error.h"
#include "record.h"
#include "util.h"

#define SOAP11_NEXT WSSEC_ROLE_SOAP11_NEXT
#define SOAP12_NEXT WSSEC_ROLE_SOAP12_NEXT
#define SOAP12_ULTIMATE WSSEC_ROLE_SOAP12_ULTIMATE

static int only_space(const xmlChar *s)
{
    for (; s && *s; s++)
        if (*s != ' ' && *s != '\t' && *s != '\n' && *s != '\r') return 0;
    return 1;
}

static int fail(wssec_msg *msg, int code, xmlNodePtr node, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int fail(wssec_msg *msg, int code, xmlNodePtr node, const char *fmt, ...)
{
    char path[200] = "";
    if (node) wssec_xml_path(path, sizeof(path), node);
    va_list ap;
    va_start(ap, fmt);
    wssec__err_setv(&msg->err, code, NULL, path, __FILE__, __LINE__, fmt, ap);
    va_end(ap);
    return code;
}

/* The actor (SOAP 1.1) or role (SOAP 1.2) of a header block, or NULL. */
static const xmlChar *target_of(const wssec_msg *msg, xmlNodePtr block)
{
    const char *name = msg->soap == WSSEC_SOAP11 ? "actor" : "role";
    for (xmlAttrPtr a = block->properties; a; a = a->next)
        if (a->ns && xmlStrEqual(a->ns->href, BAD_CAST msg->soap_ns) &&
            xmlStrEqual(a->name, BAD_CAST name))
            return a->children ? a->children->content : BAD_CAST "";
    return NULL;
}

int wssec__soap_targets_us(const wssec_msg *msg, xmlNodePtr block)
{
    const xmlChar *t = target_of(msg, block);
    const char *actor = msg->ctx->s.actor;
    const char *next = msg->soap == WSSEC_SOAP11 ? SOAP11_NEXT : SOAP12_NEXT;
    if (t && xmlStrEqual(t, BAD_CAST next)) return 1;
    if (!actor)
        return !t || !*t || (msg->soap == WSSEC_SOAP12 && xmlStrEqual(t, BAD_CAST SOAP12_ULTIMATE));
    return t && xmlStrEqual(t, BAD_CAST actor);
}

/* SOAP attributes on a header block: in the envelope's namespace only, with
 * values of that version. */
static int check_block_attrs(wssec_msg *msg, xmlNodePtr block)
{
    const char *other = msg->soap == WSSEC_SOAP11 ? WSSEC_NS_SOAP12 : WSSEC_NS_SOAP11;
    for (xmlAttrPtr a = block->properties; a; a = a->next) {
        if (!a->ns) continue;
        if (xmlStrEqual(a->ns->href, BAD_CAST other))
            return fail(msg, WSSEC_EPARSE, block,
                        "header attribute %s is in the namespace of the other SOAP version",
                        (const char *)a->name);
        if (!xmlStrEqual(a->ns->href, BAD_CAST msg->soap_ns)) continue;
        const char *v = a->children ? (const char *)a->children->content : "";
        if (xmlStrEqual(a->name, BAD_CAST "mustUnderstand")) {
            int ok = msg->soap == WSSEC_SOAP11
                         ? (!strcmp(v, "0") || !strcmp(v, "1"))
                         : (!strcmp(v, "0") || !strcmp(v, "1") || !strcmp(v, "true") ||
                            !strcmp(v, "false"));
            if (!ok)
                return fail(msg, WSSEC_EPARSE, block,
                            "mustUnderstand='%.40s' is not a valid value for this SOAP version", v);
        } else if (msg->soap == WSSEC_SOAP11 && xmlStrEqual(a->name, BAD_CAST "role")) {
            return fail(msg, WSSEC_EPARSE, block, "SOAP 1.1 has no role attribute (use actor)");
        } else if (msg->soap == WSSEC_SOAP12 && xmlStrEqual(a->name, BAD_CAST "actor")) {
            return fail(msg, WSSEC_EPARSE, block, "SOAP 1.2 has no actor attribute (use role)");
        }
    }
    return 0;
}

int wssec__soap_bind(wssec_msg *msg)
{
    xmlNodePtr env = xmlDocGetRootElement(msg->doc);
    msg->envelope = msg->header = msg->body = msg->security = NULL;
    if (!env) return fail(msg, WSSEC_EPARSE, NULL, "no document element");
    if (wssec_xml_is(env, WSSEC_NS_SOAP11, "Envelope")) {
        msg->soap = WSSEC_SOAP11;
        msg->soap_ns = WSSEC_NS_SOAP11;
    } else if (wssec_xml_is(env, WSSEC_NS_SOAP12, "Envelope")) {
        msg->soap = WSSEC_SOAP12;
        msg->soap_ns = WSSEC_NS_SOAP12;
    } else {
        return fail(msg, WSSEC_EPARSE, env,
                    "document element {%s}%s is not a SOAP 1.1 or 1.2 Envelope",
                    env->ns ? (const char *)env->ns->href : "", (const char *)env->name);
    }
    msg->envelope = env;
    for (xmlNodePtr c = env->children; c; c = c->next) {
        if (c->type == XML_TEXT_NODE && only_space(c->content)) continue;
        if (c->type == XML_COMMENT_NODE) continue;
        if (c->type != XML_ELEMENT_NODE)
            return fail(msg, WSSEC_EPARSE, env, "text in the SOAP Envelope");
        if (wssec_xml_is(c, msg->soap_ns, "Header")) {
            if (msg->header || msg->body)
                return fail(msg, WSSEC_EPARSE, c, "%s: the Header must come once, before the Body",
                            msg->header ? "two SOAP Headers" : "Header after Body");
            msg->header = c;
        } else if (wssec_xml_is(c, msg->soap_ns, "Body")) {
            if (msg->body)
                return fail(msg, WSSEC_EPARSE, c, "two SOAP Bodies");
            msg->body = c;
        } else {
            return fail(msg, WSSEC_EPARSE, c,
                        "element {%s}%s is not allowed as a child of the SOAP Envelope",
                        c->ns ? (const char *)c->ns->href : "", (const char *)c->name);
        }
    }
    if (!msg->body) return fail(msg, WSSEC_EPARSE, env, "the SOAP Envelope has no Body");

    for (xmlNodePtr b = wssec_xml_first_elem(msg->header); b; b = wssec_xml_next_elem(b)) {
        WSSEC_GUARD(check_block_attrs(msg, b));
        if (!wssec_xml_is(b, WSSEC_NS_WSSE, "Security") || !wssec__soap_targets_us(msg, b)) continue;
        if (msg->security)
            return fail(msg, WSSEC_EMALFORMED, b,
                        "two wsse:Security headers target this node (actor '%s')",
                        msg->ctx->s.actor ? msg->ctx->s.actor : "");
        msg->security = b;
    }
    /* Anything else that is not plain text must not hide in the header. */
    for (xmlNodePtr c = msg->header ? msg->header->children : NULL; c; c = c->next)
        if (c->type == XML_TEXT_NODE && !only_space(c->content))
            return fail(msg, WSSEC_EPARSE, msg->header, "text in the SOAP Header");
    return 0;
}
