/*
 * wssec — the message object: parse, serialize, and what modules use of it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/valid.h>
#include <libxml/xmlsave.h>

#include "wssec/wssec.h"
#include "wssec/sys/sdk.h"
#include "confirm.h"
#include "context.h"
#include "error.h"
#include "global.h"
#include "record.h"
#include "soap.h"
#include "trust.h"
#include "util.h"
#include "xml.h"

int wssec_msg_new(wssec_msg **out, const wssec_ctx *ctx)
{
    WSSEC_ARG(out);
    *out = NULL;
    WSSEC_ARG(ctx);
    *out = NULL;
    wssec_msg *msg = wssec__calloc(1, sizeof(*msg));
    if (!msg) return WSSEC_ENOMEM;
    msg->ctx = ctx;
    wssec__err_clear(&msg->err);
    *out = msg;
    return 0;
}

/* A version-1 module has no free_state field: only version 2 on is read. */
static void free_state(const wssec_module *m, void *state)
{
    if (state && m->version >= 2 && m->free_state) m->free_state(state);
}

static struct wssec_modstate *state_slot(const wssec_msg *msg, const wssec_module *m)
{
    for (size_t i = 0; i < msg->nstates; i++)
        if (msg->states[i].module == m) return &msg->states[i];
    return NULL;
}

/* Per-message state slots, one a module: more than any registry holds. */
#define STATES_MAX 1024

int wssec_msg_set_state(wssec_msg *msg, const wssec_module *module, void *state)
{
    struct wssec_modstate *slot = state_slot(msg, module);
    if (!slot) {
        /* one slot a module: no more than the registry holds */
        int rc = wssec__array_grow(&msg->states, msg->nstates, sizeof(*msg->states),
                                   STATES_MAX);
        if (rc) {
            free_state(module, state);
            return rc;
        }
        slot = &msg->states[msg->nstates++];
        slot->module = module;
        slot->state = NULL;
    }
    if (slot->state != state) free_state(module, slot->state);
    slot->state = state;
    return 0;
}

void *wssec_msg_state(const wssec_msg *msg, const wssec_module *module)
{
    const struct wssec_modstate *slot = state_slot(msg, module);
    return slot ? slot->state : NULL;
}

xmlNodePtr wssec_msg_envelope(const wssec_msg *msg) { return msg->envelope; }

const char *wssec_msg_soap_ns(const wssec_msg *msg) { return msg->soap_ns; }

void wssec_msg_free(wssec_msg *msg)
{
    if (!msg) return;
    for (size_t i = 0; i < msg->nstates; i++)
        free_state(msg->states[i].module, msg->states[i].state);
    wssec__free(msg->states);
    wssec__sigvals_free(msg->confirm);
    wssec__sigvals_free(msg->expect);
    wssec_session_key_free(msg->session);
    wssec_session_key_free(msg->use_session);
    X509_free(msg->recipient);
    X509_free(msg->transport_cert);
    sk_X509_pop_free(msg->transport_chain, X509_free);
    wssec__msg_clear_inbound(msg);
    wssec__trust_release(msg->trust);
    sk_X509_pop_free(msg->ocsp_chain, X509_free);
    xmlFreeDoc(msg->doc);
    wssec__free(msg);
}

static int has_xmldecl(const char *data, size_t len)
{
    if (len >= 3 && (unsigned char)data[0] == 0xEF && (unsigned char)data[1] == 0xBB &&
        (unsigned char)data[2] == 0xBF) {
        data += 3;
        len -= 3;
    }
    return len >= 5 && memcmp(data, "<?xml", 5) == 0;
}

int wssec_msg_parse(wssec_msg *msg, const char *data, size_t len)
{
    WSSEC_ARG(msg);
    if (!data) return WSSEC_ERR(&msg->err, WSSEC_EINVALID, "wssec_msg_parse: no data");
    wssec__err_clear(&msg->err);
    msg->plaintext_refused = false;
    if (msg->doc) {
        xmlFreeDoc(msg->doc);
        msg->doc = NULL;
    }
    wssec__quiet_libxml();
    wssec__oom_clear();
    int rc = wssec__xml_parse(&msg->err, &msg->ctx->s, data, len, &msg->doc);
    if (!rc && wssec__oom_seen()) { /* parsed, but perhaps not as written */
        xmlFreeDoc(msg->doc);
        msg->doc = NULL;
        rc = WSSEC_ERR(&msg->err, WSSEC_ENOMEM, "out of memory");
    }
    if (rc) return rc;
    msg->had_xmldecl = has_xmldecl(data, len);
    if ((rc = wssec__soap_bind(msg)) || (rc = wssec__xml_register_ids(&msg->err, msg->doc)) ||
        (wssec__oom_seen() && (rc = WSSEC_ENOMEM))) {
        if (rc == WSSEC_ENOMEM && !msg->err.pub.code) WSSEC_ERR(&msg->err, rc, "out of memory");
        /* A refused document is not kept: nothing may verify or secure it.
         * The SOAP version stays known, so a fault can be written in it. */
        xmlFreeDoc(msg->doc);
        msg->doc = NULL;
        msg->envelope = msg->header = msg->body = msg->security = NULL;
        return rc;
    }
    return 0;
}

int wssec_msg_serialize(unsigned char **out, size_t *len, const wssec_msg *msg)
{
    WSSEC_ARG(out && len);
    *out = NULL;
    *len = 0;
    WSSEC_ARG(msg);
    *out = NULL;
    *len = 0;
    /* a message refused after decryption holds plaintext nobody vouched for */
    if (!msg->doc || msg->plaintext_refused) return WSSEC_EINVALID;
    wssec__quiet_libxml();
    wssec__oom_clear();
    xmlBufferPtr buf = xmlBufferCreate();
    if (!buf) return WSSEC_ENOMEM;
    xmlSaveCtxtPtr save = xmlSaveToBuffer(buf, "UTF-8", msg->had_xmldecl ? 0 : XML_SAVE_NO_DECL);
    if (!save) {
        xmlBufferFree(buf);
        return WSSEC_ENOMEM;
    }
    long w = xmlSaveDoc(save, msg->doc);
    xmlSaveClose(save);
    int rc = 0;
    if (w < 0 || wssec__oom_seen()) { /* never a partly written message */
        rc = WSSEC_ENOMEM;
    } else {
        size_t n = (size_t)xmlBufferLength(buf);
        unsigned char *p = wssec__malloc(n + 1);
        if (!p) {
            rc = WSSEC_ENOMEM;
        } else {
            memcpy(p, xmlBufferContent(buf), n);
            p[n] = '\0';
            *out = p;
            *len = n;
        }
    }
    xmlBufferFree(buf);
    return rc;
}

xmlDocPtr wssec_msg_doc(const wssec_msg *msg) { return msg ? msg->doc : NULL; }
int wssec_msg_soap_version(const wssec_msg *msg) { return msg ? msg->soap : 0; }
xmlNodePtr wssec_msg_body(const wssec_msg *msg) { return msg ? msg->body : NULL; }
xmlNodePtr wssec_msg_header(const wssec_msg *msg) { return msg ? msg->header : NULL; }
const wssec_error *wssec_msg_error(const wssec_msg *msg)
{
    return msg ? &msg->err.pub : wssec__err_null();
}
const wssec_ctx *wssec_msg_ctx(const wssec_msg *msg) { return msg ? msg->ctx : NULL; }
wssec_time wssec_msg_now(const wssec_msg *msg) { return msg ? msg->now : 0; }
int wssec_msg_inspecting(const wssec_msg *msg) { return msg ? msg->inspecting : 0; }

xmlNodePtr wssec_msg_security(wssec_msg *msg, int create)
{
    WSSEC_ARG_OR(msg, NULL);
    if (msg->security || !create || !msg->envelope) return msg->security;
    xmlNsPtr soapns = msg->envelope->ns;
    if (!msg->header) {
        xmlNodePtr h = xmlNewDocNode(msg->doc, soapns, BAD_CAST "Header", NULL);
        if (!h) return NULL;
        xmlNodePtr first = wssec_xml_first_elem(msg->envelope);
        if (first) xmlAddPrevSibling(first, h);
        else xmlAddChild(msg->envelope, h);
        msg->header = h;
    }
    xmlNodePtr sec = xmlNewDocNode(msg->doc, NULL, BAD_CAST "Security", NULL);
    if (!sec) return NULL;
    xmlNsPtr wsse = xmlNewNs(sec, BAD_CAST WSSEC_NS_WSSE, BAD_CAST "wsse");
    xmlNewNs(sec, BAD_CAST WSSEC_NS_WSU, BAD_CAST "wsu");
    xmlSetNs(sec, wsse);
    xmlSetNsProp(sec, soapns, BAD_CAST "mustUnderstand",
                 BAD_CAST(msg->soap == WSSEC_SOAP11 ? "1" : "true"));
    if (msg->ctx->s.actor)
        xmlSetNsProp(sec, soapns, BAD_CAST(msg->soap == WSSEC_SOAP11 ? "actor" : "role"),
                     BAD_CAST msg->ctx->s.actor);
    xmlNodePtr first = wssec_xml_first_elem(msg->header);
    if (first) xmlAddPrevSibling(first, sec);
    else xmlAddChild(msg->header, sec);
    msg->security = sec;
    return sec;
}

int wssec_msg_fail_at(wssec_msg *msg, int code, const char *fault, xmlNodePtr node,
                      const char *file, int line, const char *fmt, ...)
{
    if (!msg || !fmt) return code;
    if (msg->failed) return code; /* the first error of a step wins */
    char path[200] = "";
    if (node) wssec_xml_path(path, sizeof(path), node);
    va_list ap;
    va_start(ap, fmt);
    wssec__err_setv(&msg->err, code, fault, path, file, line, fmt, ap);
    va_end(ap);
    msg->failed = true;
    return code;
}

int wssec_msg_password(char *buf, size_t size, size_t *len, wssec_msg *msg, const char *user,
                       wssec_password_usage usage)
{
    WSSEC_ARG(buf && len && msg && user);
    *len = 0;
    if (!msg->ctx->password_cb) return WSSEC_EAUTH;
    int rc = msg->ctx->password_cb(buf, size, len, user, usage, msg->ctx->password_ud);
    if (rc == 0 && *len > size) rc = WSSEC_ELIMIT;
    if (rc) {
        wssec__memzero(buf, size);
        *len = 0;
    }
    return rc;
}

int wssec_msg_replay_check(wssec_msg *msg, const char *domain, const char *identity,
                           const unsigned char *data, size_t len, wssec_time expires)
{
    WSSEC_ARG(msg && domain && identity && (data || !len));
    if (msg->inspecting) return 0;
    unsigned char key[WSSEC_REPLAY_KEY_LEN];
    if (wssec_replay_key(key, domain, identity, data, len))
        return wssec_msg_fail(msg, WSSEC_EINTERNAL, NULL, NULL, "replay key derivation");
    char why[256] = "";
    int rc = wssec_replay_cache_insert(msg->ctx->replay, key, expires, msg->now, why, sizeof(why));
    if (rc == WSSEC_ELIMIT)
        return wssec_msg_fail(msg, rc, "wsse:InvalidSecurity", NULL,
                              "replay cache full (%s): message refused rather than evicting a "
                              "live entry (raise replay-cache-size)",
                              why);
    if (rc && rc != WSSEC_EREPLAY)
        return wssec_msg_fail(msg, rc, NULL, NULL, "replay cache %s unavailable: %s",
                              wssec_replay_cache_name(msg->ctx->replay), why);
    return rc;
}

/* Gives an element a fresh wsu:Id (prefix-<16 hex digits>) and registers it.
 * Returns the attribute value (borrowed from the tree) or NULL. */
const char *wssec_msg_new_id(wssec_msg *msg, xmlNodePtr elem, const char *prefix)
{
    xmlNsPtr wsu = xmlSearchNsByHref(msg->doc, elem, BAD_CAST WSSEC_NS_WSU);
    if (!wsu && !(wsu = xmlNewNs(elem, BAD_CAST WSSEC_NS_WSU, BAD_CAST "wsu"))) return NULL;
    char id[64];
    for (int tries = 0; tries < 8; tries++) {
        if (wssec__random_id(id, sizeof(id), prefix, 8)) return NULL;
        if (xmlGetID(msg->doc, BAD_CAST id)) continue;
        xmlAttrPtr a = xmlSetNsProp(elem, wsu, BAD_CAST "Id", BAD_CAST id);
        /* out of memory, libxml2 may give back an attribute without its value */
        if (!a || !a->children || !a->children->content || !xmlAddID(NULL, msg->doc, BAD_CAST id, a))
            return NULL;
        return (const char *)a->children->content;
    }
    return NULL;
}

xmlNodePtr wssec_msg_add_elem(wssec_msg *msg, xmlNodePtr parent, const char *ns, const char *prefix,
                           const char *local, const char *text)
{
    xmlNodePtr e = xmlNewDocNode(msg->doc, NULL, BAD_CAST local, NULL);
    if (!e) return NULL;
    if (!xmlAddChild(parent, e)) {
        xmlFreeNode(e);
        return NULL;
    }
    xmlNsPtr n = xmlSearchNsByHref(msg->doc, parent, BAD_CAST ns);
    if (!n && !(n = xmlNewNs(e, BAD_CAST ns, BAD_CAST prefix))) return NULL;
    xmlSetNs(e, n);
    if (text) {
        xmlNodePtr t = xmlNewDocText(msg->doc, BAD_CAST text);
        if (!t || !xmlAddChild(e, t)) {
            xmlFreeNode(t);
            return NULL;
        }
    }
    return e;
}

/* The element's existing ID (wsu:Id, or the Id of a ds/xenc/wsse element),
 * or a fresh wsu:Id: an element is never given a second ID. */
const char *wssec_msg_id_of(wssec_msg *msg, xmlNodePtr e, const char *prefix)
{
    for (xmlAttrPtr a = e->properties; a; a = a->next) {
        if (!xmlStrEqual(a->name, BAD_CAST "Id") || !a->children) continue;
        xmlAttrPtr reg = xmlGetID(msg->doc, a->children->content);
        if (reg == a) return (const char *)a->children->content;
    }
    if (!prefix)
        prefix = wssec_xml_is(e, msg->soap_ns, "Body")         ? "Body"
                 : wssec_xml_is(e, WSSEC_NS_WSU, "Timestamp") ? "TS"
                                                           : "id";
    return wssec_msg_new_id(msg, e, prefix);
}

