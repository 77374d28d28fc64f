/*
 * wssec — the SignatureConfirmation module (WSS 1.1 §8.5).
 *
 * Consumer: a wsse11:SignatureConfirmation in our Security header, empty,
 * with an optional base64 Value (the SignatureValue of a request signature
 * it confirms), recorded as a token whose signature value is that Value;
 * whether the response confirms the request sent is checked after the
 * policy (confirm.c), when the application gave that request. Generator:
 * one SignatureConfirmation per SignatureValue the response confirms
 * (wssec_msg_confirm_signatures), each with a wsu:Id, or one without Value
 * when the request had no signature.
 */
#include <stdio.h>
#include <string.h>

#include "wssec/wssec.h"
#include "wssec/sys/sdk.h"
#include "confirm.h"
#include "util.h"

static int sc_consume(wssec_msg *msg, xmlNodePtr elem, void *ud)
{
    (void)ud;
    wssec_token *tok = wssec_msg_add_token(msg, "signature-confirmation", elem);
    if (!tok) return wssec_msg_fail(msg, WSSEC_ENOMEM, NULL, elem, "out of memory");
    for (xmlNodePtr c = elem->children; c; c = c->next)
        if (c->type == XML_ELEMENT_NODE || (c->type == XML_TEXT_NODE && !xmlIsBlankNode(c)))
            return wssec_msg_fail(msg, WSSEC_EMALFORMED, NULL, elem,
                                  "a SignatureConfirmation holds no content (Id and Value "
                                  "attributes only)");
    const char *value = wssec_xml_attr(elem, "Value");
    if (!value) return wssec_token_set(tok, "value", "(none: the request was not signed)");
    unsigned char *v = NULL;
    size_t len = 0;
    size_t max = 0;
    if (wssec_ctx_get_size(&max, wssec_msg_ctx(msg), "max-token-size"))
        return wssec_msg_fail(msg, WSSEC_EINTERNAL, NULL, elem, "settings unavailable");
    int rc = wssec_b64_decode(&v, &len, value, max);
    if (rc == WSSEC_ENOMEM) return wssec_msg_fail(msg, rc, NULL, elem, "out of memory");
    if (rc || len == 0) {
        wssec_free(v);
        return wssec_msg_fail(msg, WSSEC_ETOKEN, NULL, elem,
                              "SignatureConfirmation Value is not base64");
    }
    rc = wssec_token_set_signature_value(tok, v, len);
    wssec_free(v);
    if (rc || wssec_token_set(tok, "value", value))
        return wssec_msg_fail(msg, WSSEC_ENOMEM, NULL, elem, "out of memory");
    return 0;
}

/* One SignatureConfirmation in our Security header: with Value the base64
 * of v (len bytes), without when v is NULL. */
static int add_confirmation(wssec_msg *msg, xmlNodePtr sec, const unsigned char *v, size_t len)
{
    xmlNodePtr e =
        wssec_msg_add_elem(msg, sec, WSSEC_NS_WSSE11, "wsse11", "SignatureConfirmation", NULL);
    char *b = v ? wssec_b64_encode(v, len) : NULL;
    int ok = e && wssec_msg_new_id(msg, e, "SC") &&
             (!v || (b && xmlSetProp(e, BAD_CAST "Value", BAD_CAST b)));
    if (b) xmlFree(b);
    return ok ? 0 : wssec_msg_fail(msg, WSSEC_ENOMEM, NULL, NULL, "out of memory");
}

static int sc_generate(wssec_msg *msg, void *ud)
{
    (void)ud;
    size_t n = 0;
    if (!wssec__confirming(msg, &n))
        return wssec_msg_fail(msg, WSSEC_ECONFIG, NULL, NULL,
                              "signature-confirmation: no request to confirm "
                              "(wssec_msg_confirm_signatures, --confirm-request REQ.xml)");
    xmlNodePtr sec = wssec_msg_security(msg, 1);
    if (!sec) return wssec_msg_fail(msg, WSSEC_ENOMEM, NULL, NULL, "out of memory");
    for (xmlNodePtr e = wssec_xml_first_elem(sec); e; e = wssec_xml_next_elem(e))
        if (wssec_xml_is(e, WSSEC_NS_WSSE11, "SignatureConfirmation"))
            return wssec_msg_fail(msg, WSSEC_ECONFIG, NULL, e,
                                  "the Security header already has SignatureConfirmations");
    if (n == 0) return add_confirmation(msg, sec, NULL, 0);
    for (size_t i = 0; i < n; i++) {
        size_t len = 0;
        const unsigned char *v = wssec__confirm_value(msg, i, &len);
        WSSEC_GUARD(add_confirmation(msg, sec, v, len));
    }
    return 0;
}

const wssec_module wssec__module_confirmation = {
    .version = WSSEC_MODULE_VERSION,
    .name = "signature-confirmation",
    .ns = WSSEC_NS_WSSE11,
    .local = "SignatureConfirmation",
    .consume = sc_consume,
    .generate = sc_generate,
};
