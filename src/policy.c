/*
 * wssec — the inbound policy: runs once, after every consumer, over what
 * they proved (tokens, signed nodes, the caller), so "what is required"
 * lives in one place.
 *
 * "Signed" means node identity: a requirement holds when the node the
 * application will read (the Body that is the Envelope's child, the
 * Timestamp that is our Security header's child, what an XPath selects in
 * the document) is, or lies inside, a node that a verified signature
 * reference covered. A signed element moved elsewhere and replaced by an
 * unsigned one (signature wrapping) fails this, whatever the names say.
 */
#include <regex.h>
#include <stdio.h>
#include <string.h>

#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>

#include "wssec/wssec.h"
#include "wssec/sys/sdk.h"
#include "policy.h"
#include "config.h"
#include "context.h"
#include "error.h"
#include "record.h"
#include "settings.h"
#include "soap.h"
#include "util.h"

static const struct {
    const char *prefix, *uri;
} builtin_ns[] = {
    { "soap11", WSSEC_NS_SOAP11 }, { "soap12", WSSEC_NS_SOAP12 },  { "wsse", WSSEC_NS_WSSE },
    { "wsse11", WSSEC_NS_WSSE11 }, { "wsu", WSSEC_NS_WSU },        { "ds", WSSEC_NS_DS },
    { "xenc", WSSEC_NS_XENC },
};

/* Registers the predefined prefixes ("soap" is the message's own SOAP
 * version) and the configured ones ("namespace" option, prefix=uri). */
static int register_ns(xmlXPathContextPtr x, const wssec_settings *s, const char *soap_ns)
{
    if (xmlXPathRegisterNs(x, BAD_CAST "soap", BAD_CAST soap_ns) != 0) return WSSEC_ENOMEM;
    for (size_t i = 0; i < WSSEC_ARRAY_LEN(builtin_ns); i++)
        if (xmlXPathRegisterNs(x, BAD_CAST builtin_ns[i].prefix, BAD_CAST builtin_ns[i].uri) != 0)
            return WSSEC_ENOMEM;
    for (size_t i = 0; i < s->namespaces.n; i++) {
        const char *v = s->namespaces.v[i], *eq = strchr(v, '=');
        char prefix[64];
        if (!eq || eq == v || (size_t)(eq - v) >= sizeof(prefix)) return WSSEC_ECONFIG;
        memcpy(prefix, v, (size_t)(eq - v));
        prefix[eq - v] = '\0';
        if (xmlXPathRegisterNs(x, BAD_CAST prefix, BAD_CAST(eq + 1)) != 0) return WSSEC_ENOMEM;
    }
    return 0;
}

static void silent(void *ud, xmlErrorPtr e)
{
    (void)ud;
    (void)e;
}

int wssec_msg_select(xmlNodeSetPtr *out, xmlXPathObjectPtr *obj, wssec_msg *msg, const char *expr)
{
    *out = NULL;
    *obj = NULL;
    xmlXPathContextPtr x = xmlXPathNewContext(msg->doc);
    if (!x) return WSSEC_ENOMEM;
    x->error = silent;
    int rc = register_ns(x, &msg->ctx->s, msg->soap_ns ? msg->soap_ns : WSSEC_NS_SOAP11);
    if (!rc) {
        *obj = xmlXPathEvalExpression(BAD_CAST expr, x);
        if (!*obj || (*obj)->type != XPATH_NODESET) {
            xmlXPathFreeObject(*obj);
            *obj = NULL;
            rc = WSSEC_ECONFIG;
        } else {
            *out = (*obj)->nodesetval;
        }
    }
    xmlXPathFreeContext(x);
    return rc;
}

/* Checks every XPath the configuration holds against an empty document, so
 * a syntax error or an unknown prefix is a configuration error, not a
 * per-message one. */
static int check_xpath(wssec_config *cfg, const char *what, const char *expr)
{
    xmlDocPtr doc = xmlReadMemory("<x/>", 4, NULL, NULL, XML_PARSE_NONET);
    xmlXPathContextPtr x = doc ? xmlXPathNewContext(doc) : NULL;
    int rc = 0;
    if (!x) {
        rc = WSSEC_ENOMEM;
        goto done;
    }
    x->error = silent;
    if ((rc = register_ns(x, &cfg->s, WSSEC_NS_SOAP11))) {
        if (rc == WSSEC_ECONFIG)
            WSSEC_ERR(&cfg->err, rc, "namespace: each value must be PREFIX=URI");
        goto done;
    }
    xmlXPathObjectPtr o = xmlXPathEvalExpression(BAD_CAST expr, x);
    if (!o || o->type != XPATH_NODESET)
        rc = WSSEC_ERR(&cfg->err, WSSEC_ECONFIG,
                       "%s: '%s' is not an XPath expression selecting nodes (or uses a prefix not "
                       "declared with --namespace PREFIX=URI)",
                       what, expr);
    xmlXPathFreeObject(o);
done:
    xmlXPathFreeContext(x);
    xmlFreeDoc(doc);
    return rc;
}

/* A sign/encrypt part is a keyword, a {namespace}local QName, or an XPath. */
int wssec__part_is_xpath(const char *part)
{
    static const char *const words[] = { "body", "timestamp", "token", "token-str", "username-token",
                                         "signature", "identity-assertion" };
    for (size_t i = 0; i < WSSEC_ARRAY_LEN(words); i++)
        if (strcmp(part, words[i]) == 0) return 0;
    return part[0] != '{';
}

int wssec__part_mode(char *buf, size_t size, const char *part)
{
    snprintf(buf, size, "%s", part);
    size_t l = strlen(buf);
    if (l > 8 && strcmp(buf + l - 8, ":content") == 0) {
        buf[l - 8] = '\0';
        return 1;
    }
    if (l > 8 && strcmp(buf + l - 8, ":element") == 0) {
        buf[l - 8] = '\0';
        return 0;
    }
    return -1;
}

/* The node after n in document order within top's subtree, n's own
 * subtree skipped when skip. */
static xmlNodePtr next_in(xmlNodePtr n, xmlNodePtr top, bool skip)
{
    if (!skip) return wssec_xml_next_in(n, top);
    while (n != top && !n->next) n = n->parent;
    return n == top ? NULL : n->next;
}

/* {NS}LOCAL: every element of that name, in document order. */
static int part_qname(size_t *found, wssec_msg *msg, const char *what, const char *part,
                      const char *shown, bool outermost, wssec_part_add_fn add, void *ud)
{
    const char *close = strchr(part, '}');
    char ns[512];
    size_t nl = close ? (size_t)(close - part - 1) : 0;
    if (!close || nl >= sizeof(ns))
        return wssec_msg_fail(msg, WSSEC_ECONFIG, NULL, NULL, "%s '%s' is not a QName", what,
                              shown);
    memcpy(ns, part + 1, nl);
    ns[nl] = '\0';
    xmlNodePtr root = xmlDocGetRootElement(msg->doc);
    for (xmlNodePtr n = root; n;) {
        bool match = wssec_xml_is(n, ns, close + 1);
        if (match) {
            WSSEC_GUARD(add(msg, n, ud));
            (*found)++;
        }
        n = next_in(n, root, match && outermost);
    }
    return 0;
}

/* An XPath: every node it selects. */
static int part_xpath(size_t *found, wssec_msg *msg, const char *what, const char *part,
                      const char *shown, wssec_part_add_fn add, void *ud)
{
    xmlNodeSetPtr set = NULL;
    xmlXPathObjectPtr obj = NULL;
    int rc = wssec_msg_select(&set, &obj, msg, part);
    if (rc)
        rc = wssec_msg_fail(msg, rc == WSSEC_ENOMEM ? rc : WSSEC_ECONFIG, NULL, NULL,
                            "%s '%s' cannot be evaluated", what, shown);
    for (int i = 0; !rc && set && i < set->nodeNr; i++) {
        rc = add(msg, set->nodeTab[i], ud);
        if (!rc) (*found)++;
    }
    xmlXPathFreeObject(obj);
    return rc;
}

int wssec__part_select(size_t *found, wssec_msg *msg, const char *what, const char *part,
                       const char *shown, bool outermost, wssec_part_add_fn add, void *ud)
{
    *found = 0;
    if (part[0] == '{') return part_qname(found, msg, what, part, shown, outermost, add, ud);
    return part_xpath(found, msg, what, part, shown, add, ud);
}

int wssec__policy_check_config(wssec_config *cfg)
{
    const wssec_settings *s = &cfg->s;
    for (size_t i = 0; i < s->require_signed.n; i++)
        WSSEC_GUARD(check_xpath(cfg, "require signed", s->require_signed.v[i]));
    for (size_t i = 0; i < s->sign_parts.n; i++) {
        const char *p = s->sign_parts.v[i];
        if (p[0] == '{' && (!strchr(p, '}') || !strchr(p, '}')[1]))
            return WSSEC_ERR(&cfg->err, WSSEC_ECONFIG,
                             "sign-part: '%s' is not a QName like {urn:ns}local", p);
        if (wssec__part_is_xpath(p)) WSSEC_GUARD(check_xpath(cfg, "sign-part", p));
    }
    for (size_t i = 0; i < s->timestamp_in.n; i++)
        if (s->timestamp_in.v[i][0] != '{')
            WSSEC_GUARD(check_xpath(cfg, "timestamp-in", s->timestamp_in.v[i]));
    for (size_t i = 0; i < s->nonce_in.n; i++)
        if (s->nonce_in.v[i][0] != '{') WSSEC_GUARD(check_xpath(cfg, "nonce-in", s->nonce_in.v[i]));
    for (size_t i = 0; i < s->require_encrypted.n; i++)
        WSSEC_GUARD(check_xpath(cfg, "require encrypted", s->require_encrypted.v[i]));
    for (size_t i = 0; i < s->encrypt_parts.n; i++) {
        char part[1024];
        (void)wssec__part_mode(part, sizeof(part), s->encrypt_parts.v[i]);
        if (wssec__part_is_xpath(part)) WSSEC_GUARD(check_xpath(cfg, "encrypt-part", part));
    }
    for (size_t i = 0; i < s->require_signed_by.n; i++) {
        regex_t re;
        int rrc = regcomp(&re, s->require_signed_by.v[i], REG_EXTENDED | REG_NOSUB);
        if (rrc) {
            char msg[200];
            regerror(rrc, &re, msg, sizeof(msg));
            return WSSEC_ERR(&cfg->err, WSSEC_ECONFIG,
                             "require signed-by: '%s' is not a regular expression: %s",
                             s->require_signed_by.v[i], msg);
        }
        regfree(&re);
    }
    return 0;
}

/* ---- coverage ---- */


static const wssec_token *find_ok(const wssec_result *r, const char *type)
{
    for (size_t i = 0; i < r->ntokens; i++)
        if (r->tokens[i]->status == 0 && strcmp(r->tokens[i]->type, type) == 0) return r->tokens[i];
    return NULL;
}

/* A verified signature by a certificate's key: an HMAC signature (by an
 * EncryptedKey's session key, which anyone can make for us) proves no
 * sender and never satisfies a signature requirement. */
static const wssec_token *find_x509_signature(const wssec_result *r)
{
    for (size_t i = 0; i < r->ntokens; i++)
        if (r->tokens[i]->status == 0 && strcmp(r->tokens[i]->type, "signature") == 0 &&
            r->tokens[i]->signer_cert)
            return r->tokens[i];
    return NULL;
}

/* What the verified references did cover, for the message of a failure. */
static void covered_list(const wssec_msg *msg, char *buf, size_t size)
{
    const wssec_result *r = msg->res;
    size_t off = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < r->nrefs && off + 8 < size; i++) {
        char path[200];
        wssec_xml_path(path, sizeof(path), r->refs[i].node);
        int w = snprintf(buf + off, size - off, "%s%s -> %s", i ? ", " : "", r->refs[i].uri, path);
        if (w < 0) break;
        off += (size_t)w;
    }
    if (!buf[0]) snprintf(buf, size, "nothing");
}

static int require_covered(wssec_msg *msg, xmlNodePtr node, const char *what)
{
    if (wssec_msg_is_covered(msg, node)) return 0;
    char path[200], covered[700];
    wssec_xml_path(path, sizeof(path), node);
    covered_list(msg, covered, sizeof(covered));
    return wssec_msg_fail(msg, WSSEC_EUNSIGNED, NULL, node,
                          "%s (%s) is not covered by a verified signature reference; the "
                          "references covered: %s",
                          what, path, covered);
}

/* A security token that a verified signature covers is one the signer put in
 * the Security header for the receiver to process. Moved anywhere else (an
 * other header block, the Body, a wrapper), the reference still finds it by
 * its Id and the digest still matches, but no consumer sees it: a signed
 * identity assertion or UsernameToken stops naming the caller (the signer
 * becomes the caller instead), a signed Timestamp stops being checked. So
 * each one must still be a child of our Security header. Runs after the
 * policy and the identity phase (whose own refusals are more telling), for
 * every message a signature verified. */
int wssec__signed_tokens_in_place(wssec_msg *msg)
{
    static const char *const tokens[][2] = {
        { WSSEC_NS_WSSE, "BinarySecurityToken" },
        { WSSEC_NS_WSSE, "UsernameToken" },
        { WSSEC_NS_WSU, "Timestamp" },
    };
    const wssec_result *r = msg->res;
    msg->failed = false;
    for (size_t i = 0; i < r->nrefs; i++) {
        xmlNodePtr n = r->refs[i].node;
        if (!n || n->type != XML_ELEMENT_NODE || (msg->security && n->parent == msg->security))
            continue;
        for (size_t k = 0; k < WSSEC_ARRAY_LEN(tokens); k++) {
            if (!wssec_xml_is(n, tokens[k][0], tokens[k][1])) continue;
            char path[200];
            wssec_xml_path(path, sizeof(path), n);
            return wssec_msg_fail(msg, WSSEC_EMALFORMED, NULL, n,
                                  "signed %s %s lies outside our Security header (%s): moved "
                                  "after signing, it would not be processed",
                                  tokens[k][1], r->refs[i].uri, path);
        }
    }
    return 0;
}

static const char *describe_target(const wssec_msg *msg, char *buf, size_t size)
{
    if (msg->ctx->s.actor) snprintf(buf, size, "actor '%s'", msg->ctx->s.actor);
    else snprintf(buf, size, "no actor (ultimate receiver)");
    return buf;
}

/* Whether the policy requires a signature: --require signature, signed:
 * or signed-by:. */
static bool needs_signature(const wssec_settings *s)
{
    return (s->require & WSSEC_REQ_SIGNATURE) || s->require_signed.n || s->require_signed_by.n;
}

int wssec__policy_warn_no_timestamp(wssec_msg *msg)
{
    const wssec_settings *s = &msg->ctx->s;
    if (!needs_signature(s) || (s->require & WSSEC_REQ_TIMESTAMP)) return 0;
    if (wssec__result_warn(msg->res,
                           "the configuration requires a signature but no Timestamp (--require): "
                           "a signed message without a signed Timestamp stays valid until its "
                           "signer's certificate expires, and its replay entry is kept that long"))
        return WSSEC_ENOMEM;
    return 0;
}

/* --require: a Security header for this node, a Timestamp, an authenticated
 * UsernameToken, a trusted signature over the Body and the Timestamp. */
static int check_required(wssec_msg *msg)
{
    const wssec_settings *s = &msg->ctx->s;
    const wssec_result *r = msg->res;
    char who[300];
    bool need_any = s->require || s->require_signed.n || s->require_signed_by.n ||
                    s->require_encrypted.n;
    if (need_any && !msg->security)
        return wssec_msg_fail(msg, WSSEC_EPOLICY, NULL, msg->header,
                              "no wsse:Security header targets this node (%s); the policy "
                              "requires one (--require none accepts unsecured messages)",
                              describe_target(msg, who, sizeof(who)));
    const wssec_token *ts = find_ok(r, "timestamp");
    if ((s->require & WSSEC_REQ_TIMESTAMP) && !ts)
        return wssec_msg_fail(msg, WSSEC_EPOLICY, NULL, msg->security,
                              "policy requires a Timestamp in the Security header; there is none "
                              "(see --require)");
    if ((s->require & WSSEC_REQ_USERNAME) &&
        !(r->caller && strcmp(r->caller->type, "username-token") == 0))
        return wssec_msg_fail(msg, WSSEC_EPOLICY, NULL, msg->security,
                              "policy requires an authenticated UsernameToken; there is none "
                              "(see --require)");
    if (needs_signature(s) && !find_x509_signature(r))
        return wssec_msg_fail(msg, WSSEC_EPOLICY, NULL, msg->security,
                              "policy requires a trusted X.509 signature; the message has none%s "
                              "(see --require)",
                              find_ok(r, "signature") ? " (an HMAC signature by an EncryptedKey's "
                                                        "session key proves no sender)"
                                                      : "");
    if (s->require & WSSEC_REQ_SIGNATURE) {
        WSSEC_GUARD(require_covered(msg, msg->body, "the SOAP Body"));
        if (ts) WSSEC_GUARD(require_covered(msg, ts->node, "the Timestamp"));
    }
    return 0;
}

/* --require-signed: every node each expression selects (at least one) was
 * covered by a verified reference. */
static int check_signed_parts(wssec_msg *msg)
{
    const wssec_settings *s = &msg->ctx->s;
    for (size_t i = 0; i < s->require_signed.n; i++) {
        const char *expr = s->require_signed.v[i];
        xmlNodeSetPtr set = NULL;
        xmlXPathObjectPtr obj = NULL;
        int rc = wssec_msg_select(&set, &obj, msg, expr);
        if (rc == 0 && (!set || set->nodeNr == 0))
            rc = wssec_msg_fail(msg, WSSEC_EUNSIGNED, NULL, msg->body,
                                "required signed part '%s' selects nothing in the message", expr);
        else if (rc)
            rc = wssec_msg_fail(msg, rc == WSSEC_ENOMEM ? rc : WSSEC_EINTERNAL, NULL, NULL,
                                "required signed part '%s' cannot be evaluated", expr);
        for (int j = 0; rc == 0 && set && j < set->nodeNr; j++) {
            char what[300];
            snprintf(what, sizeof(what), "required signed part '%s'", expr);
            rc = require_covered(msg, set->nodeTab[j], what);
        }
        xmlXPathFreeObject(obj);
        if (rc) return rc;
    }
    return 0;
}

/* Ciphertext nobody decrypted, in the Body or a header for this node: the
 * application cannot read it. */
static int check_undecrypted(wssec_msg *msg)
{
    for (xmlNodePtr n = msg->body ? msg->body->children : NULL; n; n = n->next)
        if (wssec_xml_is(n, WSSEC_NS_XENC, "EncryptedData"))
            return wssec_msg_fail(msg, WSSEC_EPOLICY, NULL, n,
                                  "the Body holds an EncryptedData that no EncryptedKey of ours "
                                  "references: it cannot be decrypted");
    for (xmlNodePtr b = wssec_xml_first_elem(msg->header); b; b = wssec_xml_next_elem(b))
        if (wssec_xml_is(b, WSSEC_NS_WSSE11, "EncryptedHeader") && wssec__soap_targets_us(msg, b))
            return wssec_msg_fail(msg, WSSEC_EPOLICY, NULL, b,
                                  "an EncryptedHeader for this node was not decrypted: no "
                                  "EncryptedKey of ours references it");
    return 0;
}

/* --require-encrypted: every node each expression selects (at least one)
 * came from an EncryptedData. */
static int check_encrypted_parts(wssec_msg *msg)
{
    const wssec_settings *s = &msg->ctx->s;
    for (size_t i = 0; i < s->require_encrypted.n; i++) {
        const char *expr = s->require_encrypted.v[i];
        xmlNodeSetPtr set = NULL;
        xmlXPathObjectPtr obj = NULL;
        int rc = wssec_msg_select(&set, &obj, msg, expr);
        if (rc == 0 && (!set || set->nodeNr == 0))
            rc = wssec_msg_fail(msg, WSSEC_EPOLICY, NULL, msg->body,
                                "required encrypted part '%s' selects nothing in the message", expr);
        else if (rc)
            rc = wssec_msg_fail(msg, rc == WSSEC_ENOMEM ? rc : WSSEC_EINTERNAL, NULL, NULL,
                                "required encrypted part '%s' cannot be evaluated", expr);
        for (int j = 0; rc == 0 && set && j < set->nodeNr; j++)
            if (!wssec__result_decrypted(msg->res, set->nodeTab[j])) {
                char path[200];
                wssec_xml_path(path, sizeof(path), set->nodeTab[j]);
                rc = wssec_msg_fail(msg, WSSEC_EPOLICY, NULL, set->nodeTab[j],
                                    "required encrypted part '%s' (%s) did not come from an "
                                    "EncryptedData",
                                    expr, path);
            }
        xmlXPathFreeObject(obj);
        if (rc) return rc;
    }
    return 0;
}

/* --require-signed-by: every verified signer matches one of the patterns. */
static int check_signed_by(wssec_msg *msg)
{
    const wssec_settings *s = &msg->ctx->s;
    const wssec_result *r = msg->res;
    for (size_t i = 0; i < r->ntokens && s->require_signed_by.n; i++) {
        const wssec_token *t = r->tokens[i];
        if (t->status != 0 || strcmp(t->type, "signature") != 0 || !t->identity) continue;
        bool ok = false;
        for (size_t j = 0; j < s->require_signed_by.n && !ok; j++) {
            regex_t re;
            if (regcomp(&re, s->require_signed_by.v[j], REG_EXTENDED | REG_NOSUB) != 0) continue;
            ok = regexec(&re, t->identity, 0, NULL, 0) == 0;
            regfree(&re);
        }
        if (!ok)
            return wssec_msg_fail(msg, WSSEC_EUNTRUSTED, NULL, t->node,
                                  "signer '%s' does not match the required signed-by pattern(s)",
                                  t->identity);
    }
    return 0;
}

int wssec__run_policy(wssec_msg *msg)
{
    int rc;
    msg->failed = false;
    if ((rc = check_required(msg)) || (rc = check_signed_parts(msg)) ||
        (rc = check_undecrypted(msg)) || (rc = check_encrypted_parts(msg)))
        return rc;
    return check_signed_by(msg);
}
