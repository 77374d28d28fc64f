/*
 * wssec — security contexts: wsc:SecurityContextToken (WS-SecureConversation,
 * the 2005/02 draft and 1.3), consumed in document order.
 *
 * The token names a session by its wsc:Identifier (and wsc:Instance); its
 * key comes from the application's context resolver (seccontext.h), never
 * from the message. Resolved, the token is a key token (its secret is the
 * context's key): an HMAC signature, a DerivedKeyToken or an EncryptedData
 * whose KeyInfo names it uses that key (symkey.c), by a Reference to its
 * Id or to its Identifier (ValueType .../sct). Like an EncryptedKey's key,
 * it gives the message no caller (the application knows who holds its
 * context). A token the resolver does not know, or any token when no
 * resolver is installed, refuses the message: wsse:SecurityTokenUnavailable.
 */
#include <stdio.h>
#include <string.h>

#include "wssec/wssec.h"
#include "wssec/sys/sdk.h"
#include "../util.h"

/* The longest Identifier or Instance (an absolute URI). */
#define SCT_URI_MAX 1024

/* The one child ns:local of sct into *out (NULL when absent), or refusal
 * of a second one. */
static int one_child(wssec_msg *msg, xmlNodePtr sct, const char *local, xmlNodePtr *out)
{
    *out = NULL;
    for (xmlNodePtr c = wssec_xml_first_elem(sct); c; c = wssec_xml_next_elem(c)) {
        if (!c->ns || !xmlStrEqual(c->ns->href, sct->ns->href) ||
            !xmlStrEqual(c->name, BAD_CAST local))
            continue;
        if (*out)
            return wssec_msg_fail(msg, WSSEC_EMALFORMED, NULL, c,
                                  "SecurityContextToken holds more than one wsc:%s", local);
        *out = c;
    }
    return 0;
}

/* The text of e (trimmed), bounded. */
static int uri_text(wssec_msg *msg, xmlNodePtr e, const char *what, char **out)
{
    char *t = wssec_xml_text(e);
    if (!t) return wssec_msg_fail(msg, WSSEC_ENOMEM, NULL, e, "out of memory");
    size_t n = strlen(t);
    int rc = 0;
    if (n == 0)
        rc = wssec_msg_fail(msg, WSSEC_EMALFORMED, NULL, e, "SecurityContextToken: empty wsc:%s",
                            what);
    else if (n > SCT_URI_MAX)
        rc = wssec_msg_fail(msg, WSSEC_ELIMIT, NULL, e,
                            "SecurityContextToken: wsc:%s of %zu bytes (at most %d)", what, n,
                            SCT_URI_MAX);
    if (rc)
        xmlFree(t);
    else
        *out = t;
    return rc;
}

static int sct_consume(wssec_msg *msg, xmlNodePtr sct, void *ud)
{
    (void)ud;
    wssec_token *tok = wssec_msg_add_token(msg, "security-context-token", sct);
    if (!tok) return wssec_msg_fail(msg, WSSEC_ENOMEM, NULL, sct, "out of memory");
    xmlNodePtr ide = NULL, ine = NULL;
    char *identifier = NULL, *instance = NULL, why[512];
    unsigned char key[WSSEC_CONTEXT_KEY_MAX];
    size_t klen = 0;
    int rc = one_child(msg, sct, "Identifier", &ide);
    if (!rc) rc = one_child(msg, sct, "Instance", &ine);
    if (!rc && !ide)
        rc = wssec_msg_fail(msg, WSSEC_EMALFORMED, NULL, sct,
                            "SecurityContextToken without a wsc:Identifier");
    if (!rc) rc = uri_text(msg, ide, "Identifier", &identifier);
    if (!rc && ine) rc = uri_text(msg, ine, "Instance", &instance);
    if (!rc && wssec_token_set(tok, "identifier", identifier))
        rc = wssec_msg_fail(msg, WSSEC_ENOMEM, NULL, sct, "out of memory");
    if (!rc) {
        rc = wssec_msg_resolve_context(key, &klen, msg, identifier, instance, why, sizeof(why));
        if (rc)
            rc = wssec_msg_fail(msg, rc, NULL, sct, "SecurityContextToken %.200s%s%.200s: %s",
                                identifier, instance ? " instance " : "", instance ? instance : "",
                                why);
    }
    char bits[32];
    snprintf(bits, sizeof(bits), "%zu", klen * 8);
    if (!rc && (wssec_token_set_secret(tok, key, klen) ||
                wssec_token_set(tok, "context-key-bits", bits) ||
                wssec_token_set(tok, "key-token", "security context (from the application)")))
        rc = wssec_msg_fail(msg, WSSEC_ENOMEM, NULL, sct, "out of memory");
    wssec__memzero(key, sizeof(key));
    if (identifier) xmlFree(identifier);
    if (instance) xmlFree(instance);
    return rc;
}

const wssec_module wssec__module_sct = {
    .version = WSSEC_MODULE_VERSION,
    .name = "security-context-token",
    .ns = WSSEC_NS_WSC_2005,
    .local = "SecurityContextToken",
    .consume = sct_consume,
};

const wssec_module wssec__module_sct_13 = {
    .version = WSSEC_MODULE_VERSION,
    .name = "security-context-token-1.3",
    .ns = WSSEC_NS_WSC_13,
    .local = "SecurityContextToken",
    .consume = sct_consume,
};
