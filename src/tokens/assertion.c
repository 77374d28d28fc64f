/*
 * wssec — the identity-assertion module: the token a trusted upstream (a
 * front gateway) adds to say on whose behalf it calls.
 *
 * Generator ("identity-assertion" action), for the assert-user or assert-dn
 * option (or wssec_secure_options.assert_user / .assert_dn):
 *   - a user name: a wsse:UsernameToken with a Username and nothing else
 *     (no Password: the upstream vouches, the user does not prove);
 *   - a DN: a standard wsse:BinarySecurityToken of ValueType X509v3
 *     holding a certificate whose subject is that DN: the assert-cert one,
 *     or the caller's own X509v3 token found in the Security header the
 *     message arrived with (the one strip-security takes out). As in
 *     WebSphere, what makes it the asserted one is that no signature uses
 *     it as its key (the identity phase, identity.c, decides inbound).
 * Either goes into the outbound token store as an "identity-assertion"
 * token, which the signature generator signs by default.
 *
 * Consumer of the old private ValueType WSSEC_VT_ASSERTED_X509, accepted
 * for one more release with a warning (the UsernameToken module records a
 * user; the identity phase the standard X509v3 form): the certificate is
 * decoded and its subject recorded as the asserted identity.
 * It proves nothing and is not trust-validated (it signs nothing, and the
 * upstream vouches for it); the identity phase (identity.c) accepts it only
 * when a trusted upstream's proof covers it.
 */
#include <stdio.h>
#include <string.h>

#include "wssec/wssec.h"
#include "wssec/sys/sdk.h"
#include "identity.h"
#include "util.h"
#include "x509.h"
#include "x509_dn.h"

/* ---- consumer ---- */

static int ia_consume(wssec_msg *msg, xmlNodePtr elem, void *ud)
{
    (void)ud;
    const wssec_ctx *ctx = wssec_msg_ctx(msg);
    wssec_token *tok = wssec_msg_add_token(msg, WSSEC_TOKEN_IDENTITY_ASSERTION, elem);
    if (!tok) return wssec_msg_fail(msg, WSSEC_ENOMEM, NULL, elem, "out of memory");
    if (!wssec__identity_enabled(ctx))
        return wssec_msg_fail(msg, WSSEC_EUNSUPPORTED, NULL, elem,
                              "an asserted X.509 identity is accepted only when identity "
                              "assertion is configured (trusted-upstream)");
    if (wssec_msg_warn(msg,
                       "an asserted X.509 identity of the private ValueType " WSSEC_VT_ASSERTED_X509
                       " is accepted until the next release: the "
                       "standard form is an X509v3 BinarySecurityToken (wssec secure "
                       "--assert-dn sends it)"))
        return wssec_msg_fail(msg, WSSEC_ENOMEM, NULL, elem, "out of memory");
    const char *enc = wssec_xml_attr(elem, "EncodingType");
    if (!enc || strcmp(enc, WSSEC_ENC_BASE64) != 0)
        return wssec_msg_fail(msg, WSSEC_ETOKEN, NULL, elem,
                              "asserted X.509 token: EncodingType must be Base64Binary");
    unsigned char *der = NULL;
    size_t len = 0;
    int rc = wssec_msg_b64_elem(&der, &len, msg, elem);
    if (rc == WSSEC_ENOMEM) return wssec_msg_fail(msg, rc, NULL, elem, "out of memory");
    if (rc == WSSEC_ELIMIT) {
        size_t max = 0;
        if (wssec_ctx_get_size(&max, ctx, "max-token-size")) max = 0;
        return wssec_msg_fail(msg, rc, "wsse:InvalidSecurityToken", elem,
                              "asserted X.509 token larger than max-token-size %zu bytes", max);
    }
    X509 *x = NULL;
    if (!rc) rc = wssec__cert_parse_der(der, len, &x);
    wssec__free(der);
    if (!x)
        return wssec_msg_fail(msg, WSSEC_ETOKEN, NULL, elem,
                              "asserted X.509 token does not hold one DER certificate");
    char text[600], fp[65];
    rc = 0;
    if (wssec__dn_text(X509_get_subject_name(x), text, sizeof(text))) goto nomem;
    if (!text[0]) {
        rc = wssec_msg_fail(msg, WSSEC_ETOKEN, NULL, elem,
                            "asserted X.509 token: the certificate has an empty subject");
        goto done;
    }
    if (wssec_token_set_asserted(tok, WSSEC_ASSERTED_DN, text) ||
        wssec_token_set(tok, "subject", text))
        goto nomem;
    if (wssec__dn_text(X509_get_issuer_name(x), text, sizeof(text)) ||
        wssec_token_set(tok, "issuer", text))
        goto nomem;
    if (wssec__cert_serial(x, text, sizeof(text)) || wssec_token_set(tok, "serial", text))
        goto nomem;
    wssec__cert_fingerprint(x, fp);
    if (wssec_token_set(tok, "sha256", fp)) goto nomem;
    goto done;
nomem:
    rc = wssec_msg_fail(msg, WSSEC_ENOMEM, NULL, elem, "out of memory");
done:
    X509_free(x);
    return rc;
}

/* ---- generator ---- */

/* Adds what was generated to the outbound token store, for the signature. */
static int store(wssec_msg *msg, xmlNodePtr node, wssec_asserted_kind kind, const char *asserted)
{
    wssec_token *t = wssec_msg_add_token(msg, WSSEC_TOKEN_IDENTITY_ASSERTION, node);
    if (!t || wssec_token_set_asserted(t, kind, asserted))
        return wssec_msg_fail(msg, WSSEC_ENOMEM, NULL, NULL, "out of memory");
    return 0;
}

static int gen_user(wssec_msg *msg, const char *user)
{
    for (const char *p = user; *p; p++)
        if ((unsigned char)*p < 0x20)
            return wssec_msg_fail(msg, WSSEC_ECONFIG, NULL, NULL,
                                  "identity-assertion: the user name holds a control character");
    xmlNodePtr sec = wssec_msg_security(msg, 1);
    xmlNodePtr ut = sec ? wssec_msg_add_elem(msg, sec, WSSEC_NS_WSSE, "wsse", "UsernameToken", NULL)
                        : NULL;
    if (!ut || !wssec_msg_new_id(msg, ut, "IdentityAssertion") ||
        !wssec_msg_add_elem(msg, ut, WSSEC_NS_WSSE, "wsse", "Username", user))
        return wssec_msg_fail(msg, WSSEC_ENOMEM, NULL, NULL, "out of memory");
    return store(msg, ut, WSSEC_ASSERTED_USERNAME, user);
}

/* The caller's certificate among the X509v3 tokens of a Security header. */
static X509 *cert_in_header(wssec_msg *msg, xmlNodePtr sec, const char *want)
{
    for (xmlNodePtr e = wssec_xml_first_elem(sec); e; e = wssec_xml_next_elem(e)) {
        const char *vt = wssec_xml_attr(e, "ValueType");
        if (!wssec_xml_is(e, WSSEC_NS_WSSE, "BinarySecurityToken") || !vt ||
            strcmp(vt, WSSEC_VT_X509V3) != 0)
            continue;
        unsigned char *der = NULL;
        size_t len = 0;
        X509 *x = NULL;
        if (wssec_msg_b64_elem(&der, &len, msg, e) == 0) (void)wssec__cert_parse_der(der, len, &x);
        wssec__free(der);
        char *have = NULL;
        bool match = x && wssec__dn_canon_name(X509_get_subject_name(x), &have) == 0 &&
                     strcmp(have, want) == 0;
        wssec__free(have);
        if (match) return x;
        X509_free(x);
    }
    return NULL;
}

static int gen_dn(wssec_msg *msg, const char *dn)
{
    char *want = NULL, *have = NULL, *b64 = NULL;
    unsigned char *der = NULL;
    X509 *own = NULL, *cert = wssec__identity_assert_cert(wssec_msg_ctx(msg));
    int rc = wssec__dn_canon_text(dn, false, &want);
    if (rc)
        return wssec_msg_fail(msg, rc == WSSEC_ENOMEM ? rc : WSSEC_ECONFIG, NULL, NULL,
                              "identity-assertion: '%s' is not a distinguished name", dn);
    if (!cert) {
        xmlNodePtr sec = wssec__identity_caller_header(msg);
        cert = own = sec ? cert_in_header(msg, sec, want) : NULL;
    }
    if (!cert) {
        rc = wssec_msg_fail(msg, WSSEC_ECONFIG, NULL, NULL,
                            "identity-assertion: no certificate with subject '%s': give "
                            "assert-cert FILE, or secure a message whose Security header "
                            "carries the caller's X509v3 token",
                            dn);
        goto done;
    }
    if ((rc = wssec__dn_canon_name(X509_get_subject_name(cert), &have)) == WSSEC_ENOMEM) goto nomem;
    if (rc || strcmp(have, want) != 0) {
        char subject[400];
        wssec__dn_text(X509_get_subject_name(cert), subject, sizeof(subject));
        rc = wssec_msg_fail(msg, WSSEC_ECONFIG, NULL, NULL,
                            "identity-assertion: assert-cert has subject '%s', not the asserted "
                            "DN '%s'",
                            subject, dn);
        goto done;
    }
    int n = i2d_X509(cert, NULL);
    unsigned char *p = n > 0 ? wssec__malloc((size_t)n) : NULL;
    if (!p) goto nomem;
    der = p;
    i2d_X509(cert, &p);
    if (!(b64 = wssec_b64_encode(der, (size_t)n))) goto nomem;
    xmlNodePtr sec = wssec_msg_security(msg, 1);
    xmlNodePtr bst = sec ? wssec_msg_add_elem(msg, sec, WSSEC_NS_WSSE, "wsse", "BinarySecurityToken",
                                           NULL)
                         : NULL;
    xmlNodePtr text = NULL;
    if (!bst || !wssec_msg_new_id(msg, bst, "IdentityAssertion") ||
        !xmlSetProp(bst, BAD_CAST "EncodingType", BAD_CAST WSSEC_ENC_BASE64) ||
        !xmlSetProp(bst, BAD_CAST "ValueType", BAD_CAST WSSEC_VT_X509V3) ||
        !(text = xmlNewDocText(bst->doc, BAD_CAST b64)) || !xmlAddChild(bst, text)) {
        if (text && !text->parent) xmlFreeNode(text);
        goto nomem;
    }
    char asserted[600];
    if (wssec__dn_text(X509_get_subject_name(cert), asserted, sizeof(asserted))) goto nomem;
    rc = store(msg, bst, WSSEC_ASSERTED_DN, asserted);
    goto done;
nomem:
    rc = wssec_msg_fail(msg, WSSEC_ENOMEM, NULL, NULL, "out of memory");
done:
    X509_free(own);
    wssec__free(der);
    xmlFree(b64);
    wssec__free(want);
    wssec__free(have);
    return rc;
}

static int ia_generate(wssec_msg *msg, void *ud)
{
    (void)ud;
    const char *user = NULL, *dn = NULL;
    wssec__identity_asserting(&user, &dn, msg);
    if (user && *user && dn && *dn)
        return wssec_msg_fail(msg, WSSEC_ECONFIG, NULL, NULL,
                              "identity-assertion: a user name and a DN are both given; one "
                              "identity is asserted");
    if (user && *user) return gen_user(msg, user);
    if (dn && *dn) return gen_dn(msg, dn);
    return wssec_msg_fail(msg, WSSEC_ECONFIG, NULL, NULL,
                          "identity-assertion: no identity to assert (assert-user or assert-dn)");
}

const wssec_module wssec__module_assertion = {
    .version = WSSEC_MODULE_VERSION,
    .name = "identity-assertion",
    .ns = WSSEC_NS_WSSE,
    .local = "BinarySecurityToken",
    .value_type = WSSEC_VT_ASSERTED_X509,
    .consume = ia_consume,
    .generate = ia_generate,
};
