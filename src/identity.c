/*
 * wssec — identity assertion (a service): the phase after the policy that
 * decides who the caller is when a trusted upstream vouches for it, the
 * trusted-ID evaluator, and the outbound side of strip-security.
 *
 * The identity phase, for a message that carries an asserted identity (a
 * token of type "identity-assertion", recorded by the UsernameToken module
 * for a UsernameToken without Password, or by the assertion module for an
 * asserted X.509 token), in this order:
 *   1. one assertion at most;
 *   2. bound to the upstream's proof. trust-mode signature: the assertion
 *      token, the very Body and the very Timestamp of our header are covered
 *      (by node identity) by verified references of one signer, the
 *      upstream; trust-mode basic: an authenticated UsernameToken with a
 *      password and a Nonce (the upstream's credentials) is in the header;
 *   3. the upstream is trusted: the evaluator (the trusted-upstream list by
 *      default) answers 1;
 *   4. the caller becomes the asserted identity, asserted_by the upstream.
 * Any failure rejects the message with one error naming what failed.
 *
 * A service: it reads the token store and the result, never a token module.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/err.h>

#include "wssec/wssec.h"
#include "wssec/sys/sdk.h"
#include "identity.h"
#include "config.h"
#include "context.h"
#include "error.h"
#include "record.h"
#include "settings.h"
#include "trust.h"
#include "util.h"
#include "x509.h"
#include "x509_dn.h"


/* One trusted-upstream entry of trust-mode signature:
 *   DN[;issuer=ISSUER-DN][;cert-sha256=HEX][;spki-sha256=HEX]
 * The DN is compared after normalisation with the upstream certificate's
 * subject; issuer= with its issuer's name; cert-sha256= pins the certificate
 * (SHA-256 of its DER), spki-sha256= its public key (SHA-256 of the DER
 * SubjectPublicKeyInfo). Without a pin the certificate must chain to an
 * anchor through configured certificates only; with the DN alone a warning
 * says the binding is weak. */
struct upstream_rule {
    char *text;       /* as configured */
    char *canon;      /* the DN, normalised */
    char *issuer;     /* the issuer's DN, normalised, or NULL */
    unsigned char cert_pin[32], spki_pin[32];
    bool has_cert_pin, has_spki_pin;
};

/* What the context keeps for identity assertion. */
struct wssec_idctx {
    wssec_trusted_id_cb cb; /* NULL: the trusted-upstream list */
    void *ud;
    struct upstream_rule *rules; /* trust-mode signature: the trusted upstreams */
    size_t nrules;
    X509 *assert_cert; /* assert-cert */
};

void wssec_config_set_trusted_id_evaluator(wssec_config *cfg, wssec_trusted_id_cb cb,
                                           void *userdata)
{
    WSSEC_ARG_VOID(cfg);
    cfg->trusted_id_cb = cb;
    cfg->trusted_id_ud = cb ? userdata : NULL;
}

int wssec_dn_normalize(char **out, const char *dn)
{
    WSSEC_ARG(out);
    *out = NULL;
    WSSEC_ARG(dn);
    *out = NULL;
    return wssec__dn_canon_text(dn, false, out);
}

const char *wssec_result_asserted_by(const wssec_result *r)
{
    WSSEC_ARG_OR(r, NULL);
    return r->asserted_by ? r->asserted_by->identity : NULL;
}

wssec_upstream_proof wssec_result_assertion_proof(const wssec_result *r)
{
    WSSEC_ARG_OR(r, WSSEC_PROOF_NONE);
    return r->asserted_by ? (wssec_upstream_proof)r->assertion_proof : WSSEC_PROOF_NONE;
}

/* ---- the context ---- */

int wssec_upstream_init(wssec_upstream *upstream, unsigned version)
{
    static const wssec_upstream tmpl = WSSEC_UPSTREAM_INIT;
    return wssec__struct_init(upstream, &tmpl, sizeof(tmpl), version, WSSEC_UPSTREAM_VERSION);
}

int wssec__identity_enabled(const wssec_ctx *ctx)
{
    return ctx->identity && (ctx->identity->cb || ctx->s.trusted_upstreams.n > 0);
}

X509 *wssec__identity_assert_cert(const wssec_ctx *ctx)
{
    return ctx->identity ? ctx->identity->assert_cert : NULL;
}

void wssec__identity_ctx_free(wssec_ctx *ctx)
{
    struct wssec_idctx *id = ctx->identity;
    if (!id) return;
    for (size_t i = 0; i < id->nrules; i++) {
        wssec__free(id->rules[i].text);
        wssec__free(id->rules[i].canon);
        wssec__free(id->rules[i].issuer);
    }
    wssec__free(id->rules);
    X509_free(id->assert_cert);
    wssec__free(id);
    ctx->identity = NULL;
}

/* The outbound options: assert-user or assert-dn (and its certificate). */
static int check_outbound(struct wssec_idctx *id, wssec_config *cfg)
{
    const wssec_settings *s = &cfg->s;
    char why[500], *want = NULL;
    int rc = 0;
    if (s->assert_user && s->assert_dn)
        return WSSEC_ERR(&cfg->err, WSSEC_ECONFIG,
                         "give assert-user or assert-dn, not both: one identity is asserted");
    if (s->assert_dn && (rc = wssec__dn_canon_text(s->assert_dn, false, &want)))
        return rc == WSSEC_ENOMEM ? rc
                                  : WSSEC_ERR(&cfg->err, WSSEC_ECONFIG,
                                              "assert-dn: '%s' is not a distinguished name "
                                              "(RFC 4514, e.g. CN=alice,O=Example)",
                                              s->assert_dn);
    if (s->assert_cert) {
        STACK_OF(X509) *certs = NULL;
        if (wssec__load_certs(s->assert_cert, &certs, why, sizeof(why))) {
            wssec__free(want);
            return WSSEC_ERR(&cfg->err, WSSEC_ECONFIG, "assert-cert: %s", why);
        }
        id->assert_cert = sk_X509_shift(certs);
        sk_X509_pop_free(certs, X509_free);
        char *have = NULL;
        const X509_NAME *subj = X509_get_subject_name(id->assert_cert);
        if (want && (rc = wssec__dn_canon_name(subj, &have)) == 0 && strcmp(have, want) != 0) {
            char subject[400];
            wssec__dn_text(subj, subject, sizeof(subject));
            rc = WSSEC_ERR(&cfg->err, WSSEC_ECONFIG,
                           "assert-cert %s has subject '%s', not the asserted DN '%s'",
                           s->assert_cert, subject, s->assert_dn);
        }
        wssec__free(have);
    }
    wssec__free(want);
    return rc;
}

/* The position of the next constraint (";" then issuer=, cert-sha256= or
 * spki-sha256=) in p, or NULL. */
static const char *next_constraint(const char *p)
{
    static const char *const keys[] = { "issuer=", "cert-sha256=", "spki-sha256=" };
    for (; (p = strchr(p, ';')) != NULL; p++) {
        const char *q = p + 1;
        while (*q == ' ') q++;
        for (size_t k = 0; k < WSSEC_ARRAY_LEN(keys); k++)
            if (strncasecmp(q, keys[k], strlen(keys[k])) == 0) return p;
    }
    return NULL;
}

static int parse_pin(const char *v, size_t n, unsigned char out[32])
{
    size_t got = 0;
    for (size_t i = 0; i < n; i++) {
        if (v[i] == ':' || v[i] == ' ') continue;
        int h = isxdigit((unsigned char)v[i]) ? (isdigit((unsigned char)v[i]) ? v[i] - '0'
                                                 : (tolower((unsigned char)v[i]) - 'a' + 10))
                                              : -1;
        if (h < 0 || got >= 64) return WSSEC_EINVALID;
        if (got % 2 == 0) out[got / 2] = (unsigned char)(h << 4);
        else out[got / 2] |= (unsigned char)h;
        got++;
    }
    return got == 64 ? 0 : WSSEC_EINVALID;
}

static int parse_upstream(struct upstream_rule *r, const char *text, wssec_errrec *err)
{
    if (!(r->text = wssec__strdup(text))) return WSSEC_ENOMEM;
    const char *c = next_constraint(text);
    size_t dn_len = c ? (size_t)(c - text) : strlen(text);
    char *dn = wssec__malloc(dn_len + 1);
    if (!dn) return WSSEC_ENOMEM;
    memcpy(dn, text, dn_len);
    dn[dn_len] = '\0';
    int rc = wssec__dn_canon_text(dn, false, &r->canon);
    wssec__free(dn);
    if (rc == WSSEC_ENOMEM) return rc;
    if (rc)
        return WSSEC_ERR(err, WSSEC_ECONFIG,
                         "trusted-upstream: '%s' is not a distinguished name (trust-mode "
                         "signature compares it with the upstream certificate's subject; "
                         "RFC 4514, e.g. CN=gateway,O=Example, optionally followed by "
                         ";issuer=DN, ;cert-sha256=HEX or ;spki-sha256=HEX; trust-mode basic "
                         "takes user names)",
                         text);
    while (c) {
        const char *k = c + 1;
        while (*k == ' ') k++;
        const char *eq = strchr(k, '=') + 1, *end = next_constraint(eq);
        size_t n = end ? (size_t)(end - eq) : strlen(eq);
        while (n && eq[n - 1] == ' ') n--;
        while (n && *eq == ' ') {
            eq++;
            n--;
        }
        if (strncasecmp(k, "issuer=", 7) == 0) {
            char *v = wssec__malloc(n + 1);
            if (!v) return WSSEC_ENOMEM;
            memcpy(v, eq, n);
            v[n] = '\0';
            wssec__free(r->issuer);
            r->issuer = NULL;
            rc = wssec__dn_canon_text(v, false, &r->issuer);
            wssec__free(v);
            if (rc == WSSEC_ENOMEM) return rc;
            if (rc)
                return WSSEC_ERR(err, WSSEC_ECONFIG,
                                 "trusted-upstream: '%s': issuer= takes a distinguished name", text);
        } else {
            bool cert = strncasecmp(k, "cert-sha256=", 12) == 0;
            if (parse_pin(eq, n, cert ? r->cert_pin : r->spki_pin))
                return WSSEC_ERR(err, WSSEC_ECONFIG,
                                 "trusted-upstream: '%s': %s takes 64 hexadecimal digits (a "
                                 "SHA-256)",
                                 text, cert ? "cert-sha256" : "spki-sha256");
            if (cert) r->has_cert_pin = true;
            else r->has_spki_pin = true;
        }
        c = end;
    }
    return 0;
}

int wssec__identity_ctx_init(wssec_ctx *ctx, wssec_config *cfg)
{
    const wssec_settings *s = &cfg->s;
    struct wssec_idctx *id = wssec__calloc(1, sizeof(*id));
    if (!id) return WSSEC_ENOMEM;
    ctx->identity = id;
    id->cb = cfg->trusted_id_cb;
    id->ud = cfg->trusted_id_ud;
    if (id->cb && s->trusted_upstreams.n)
        return WSSEC_ERR(&cfg->err, WSSEC_ECONFIG,
                         "trusted-upstream and a trusted-ID evaluator are both configured: the "
                         "evaluator replaces the list, so give one or the other");
    bool enabled = id->cb || s->trusted_upstreams.n;
    if (enabled && s->trust_mode == WSSEC_TRUST_SIGNATURE && !s->replay_signatures)
        return WSSEC_ERR(&cfg->err, WSSEC_ECONFIG,
                         "identity assertion in trust-mode signature needs replay-signatures: "
                         "without it a copied message asserts its identity again");
    if (s->trust_mode == WSSEC_TRUST_SIGNATURE && s->trusted_upstreams.n) {
        if (!(id->rules = wssec__calloc(s->trusted_upstreams.n, sizeof(*id->rules)))) return WSSEC_ENOMEM;
        for (size_t i = 0; i < s->trusted_upstreams.n; i++) {
            id->nrules++;
            int rc = parse_upstream(&id->rules[i], s->trusted_upstreams.v[i], &cfg->err);
            if (rc) return rc;
        }
    }
    return check_outbound(id, cfg);
}

/* ---- the identity phase ---- */

/* Two verified signatures come from one signer: the same certificate
 * (subjects alone can be shared by certificates of other keys or CAs). */
static bool same_signer(const wssec_token *a, const wssec_token *b)
{
    if (a == b) return true;
    if (a->signer_cert && b->signer_cert) return X509_cmp(a->signer_cert, b->signer_cert) == 0;
    return a->identity && b->identity && strcmp(a->identity, b->identity) == 0;
}

/* The whole-subtree references of the signer of sig that cover node (or an
 * ancestor of it). */
static int covered_by(const wssec_result *r, xmlNodePtr node, const wssec_token *sig)
{
    for (xmlNodePtr n = node; n; n = n->parent)
        for (size_t i = 0; i < r->nrefs; i++) {
            const wssec_ref *x = &r->refs[i];
            if (x->node == n && x->whole && x->signature && x->signature->status == 0 &&
                x->signature->identity && same_signer(x->signature, sig))
                return 1;
        }
    return 0;
}

static const wssec_token *find_timestamp(const wssec_msg *msg)
{
    const wssec_result *r = msg->res;
    for (size_t i = 0; i < r->ntokens; i++)
        if (r->tokens[i]->status == 0 && strcmp(r->tokens[i]->type, "timestamp") == 0 &&
            r->tokens[i]->node && r->tokens[i]->node->parent == msg->security)
            return r->tokens[i];
    return NULL;
}

/* trust-mode signature: the one signer whose verified references cover the
 * assertion, the Body and the Timestamp. */
static int bind_signature(wssec_msg *msg, const wssec_token *as, const char *asserted,
                          const wssec_token **upstream)
{
    const wssec_result *r = msg->res;
    const wssec_token *sig = NULL;
    for (xmlNodePtr n = as->node; n; n = n->parent)
        for (size_t i = 0; i < r->nrefs; i++) {
            const wssec_ref *x = &r->refs[i];
            if (x->node != n || !x->whole || !x->signature || x->signature->status != 0 ||
                !x->signature->identity)
                continue;
            if (!sig) sig = x->signature;
            else if (!same_signer(sig, x->signature))
                return wssec_msg_fail(msg, WSSEC_EPOLICY, NULL, as->node,
                                      "the asserted identity '%s' is signed by two signers ('%s' "
                                      "and '%s'): which one vouches for it is ambiguous",
                                      asserted, sig->identity, x->signature->identity);
        }
    char path[200];
    if (!sig) {
        wssec_xml_path(path, sizeof(path), as->node);
        return wssec_msg_fail(msg, WSSEC_EUNSIGNED, NULL, as->node,
                              "the asserted identity '%s' (%s) is not covered by a verified "
                              "signature: in trust-mode signature the upstream must sign it "
                              "(sign-part identity-assertion)",
                              asserted, path);
    }
    if (!covered_by(r, msg->body, sig))
        return wssec_msg_fail(msg, WSSEC_EUNSIGNED, NULL, msg->body,
                              "the SOAP Body is not signed by the upstream '%s' that signed the "
                              "asserted identity '%s'",
                              sig->identity, asserted);
    const wssec_token *ts = find_timestamp(msg);
    if (!ts)
        return wssec_msg_fail(msg, WSSEC_EPOLICY, NULL, msg->security,
                              "the asserted identity '%s' comes without a Timestamp: in "
                              "trust-mode signature the upstream signs one, which bounds how long "
                              "the assertion can be replayed",
                              asserted);
    if (!covered_by(r, ts->node, sig))
        return wssec_msg_fail(msg, WSSEC_EUNSIGNED, NULL, ts->node,
                              "the Timestamp is not signed by the upstream '%s' that signed the "
                              "asserted identity '%s'",
                              sig->identity, asserted);
    *upstream = sig;
    return 0;
}

/* upstream-nonce-optional: an upstream UsernameToken without a Nonce is
 * accepted, as WebSphere accepts it, when it has a Created, which the
 * UsernameToken module already found fresh (clock-skew, max-age): the
 * assertion can be replayed within max-age, and a warning says so. */
static bool nonce_optional(wssec_msg *msg, const wssec_token *ut)
{
    if (!msg->ctx->s.upstream_nonce_optional) return false;
    bool created = false;
    for (xmlNodePtr c = wssec_xml_first_elem(ut->node); c && !created; c = wssec_xml_next_elem(c))
        created = wssec_xml_is(c, WSSEC_NS_WSU, "Created");
    if (created &&
        wssec_msg_warn(msg, "the upstream's UsernameToken has no Nonce, only a fresh Created "
                            "(upstream-nonce-optional): its assertion can be replayed within "
                            "max-age"))
        return false;
    return created;
}

/* trust-mode basic: the authenticated UsernameToken with a password. */
static int bind_basic(wssec_msg *msg, const wssec_token *as, const char *asserted,
                      const wssec_token **upstream)
{
    const wssec_result *r = msg->res;
    const wssec_token *ut = NULL;
    for (size_t i = 0; i < r->ntokens; i++) {
        const wssec_token *t = r->tokens[i];
        if (t->status != 0 || strcmp(t->type, "username-token") != 0 || !t->identity) continue;
        if (!ut) ut = t;
        else if (strcmp(ut->identity, t->identity) != 0)
            return wssec_msg_fail(msg, WSSEC_EPOLICY, NULL, t->node,
                                  "two upstream UsernameTokens ('%s' and '%s') for the asserted "
                                  "identity '%s'",
                                  ut->identity, t->identity, asserted);
    }
    if (!ut)
        return wssec_msg_fail(msg, WSSEC_EAUTH, NULL, as->node,
                              "the asserted identity '%s' comes without upstream credentials: "
                              "trust-mode basic needs the upstream's own UsernameToken with a "
                              "password",
                              asserted);
    const unsigned char *nonce = NULL;
    if (wssec_token_nonce(&nonce, ut) == 0 && !nonce_optional(msg, ut))
        return wssec_msg_fail(msg, WSSEC_EPOLICY, NULL, ut->node,
                              "the upstream's UsernameToken ('%s') has no Nonce: its assertion "
                              "of '%s' could be replayed%s",
                              ut->identity, asserted,
                              msg->ctx->s.upstream_nonce_optional
                                  ? " (upstream-nonce-optional needs a Created then)"
                                  : " (upstream-nonce-optional accepts a fresh Created instead)");
    *upstream = ut;
    return 0;
}

/* The certificate whose key verified the upstream's signature, as the
 * signature consumer recorded it (borrowed from the token). */
static int upstream_cert(wssec_msg *msg, const wssec_token *upt, X509 **out)
{
    *out = upt->signer_cert;
    if (!*out)
        return wssec_msg_fail(msg, WSSEC_EUNTRUSTED, NULL, upt->node,
                              "the upstream's signature names no certificate");
    return 0;
}

/* 1 when the rule's constraints hold for the upstream's certificate; else
 * 0 with the reason (or a negative code). */
static int rule_holds(wssec_msg *msg, const struct upstream_rule *r, X509 *cert, char *why,
                      size_t whylen)
{
    unsigned char d[32];
    unsigned int dl = 0;
    if (r->issuer) {
        char *have = NULL;
        int rc = wssec__dn_canon_name(X509_get_issuer_name(cert), &have);
        bool eq = rc == 0 && strcmp(have, r->issuer) == 0;
        wssec__free(have);
        if (rc == WSSEC_ENOMEM) return rc;
        if (!eq) {
            char dn[300];
            wssec__dn_text(X509_get_issuer_name(cert), dn, sizeof(dn));
            snprintf(why, whylen, "its issuer '%.200s' is not the one trusted-upstream names", dn);
            return 0;
        }
    }
    if (r->has_cert_pin &&
        (!X509_digest(cert, EVP_sha256(), d, &dl) || dl != 32 || memcmp(d, r->cert_pin, 32) != 0)) {
        snprintf(why, whylen, "its certificate is not the pinned one (cert-sha256)");
        return 0;
    }
    if (r->has_spki_pin) {
        unsigned char *der = NULL;
        int n = i2d_PUBKEY(X509_get0_pubkey(cert), &der);
        bool eq = n > 0 && EVP_Digest(der, (size_t)n, d, &dl, EVP_sha256(), NULL) && dl == 32 &&
                  memcmp(d, r->spki_pin, 32) == 0;
        OPENSSL_free(der);
        if (!eq) {
            snprintf(why, whylen, "its public key is not the pinned one (spki-sha256)");
            return 0;
        }
    }
    if (!r->has_cert_pin && !r->has_spki_pin) {
        int rc = wssec__trust_configured_chain(msg, cert);
        if (rc < 0) return rc;
        if (rc == 0) {
            snprintf(why, whylen,
                     "it chains only through a CA carried in the message, not through the "
                     "configured certificates (an upstream named without a pin must chain "
                     "through --trust and --certs; add ;cert-sha256= or ;spki-sha256=)");
            return 0;
        }
    }
    if (!r->issuer && !r->has_cert_pin && !r->has_spki_pin) {
        char w[600];
        snprintf(w, sizeof(w),
                 "trusted-upstream '%.300s' is bound by its DN alone: name its issuer "
                 "(;issuer=DN) or pin it (;cert-sha256=HEX or ;spki-sha256=HEX)",
                 r->text);
        if (wssec_msg_warn(msg, w)) return WSSEC_ENOMEM;
    }
    return 1;
}

/* The default evaluator: the trusted-upstream list. */
static int list_evaluator(wssec_msg *msg, const wssec_upstream *up, X509 *cert, char *why,
                          size_t whylen)
{
    const wssec_ctx *ctx = msg->ctx;
    const struct wssec_idctx *id = ctx->identity;
    const wssec_strlist *l = &ctx->s.trusted_upstreams;
    if (up->proof == WSSEC_PROOF_SIGNATURE) {
        bool named = false;
        for (size_t i = 0; i < id->nrules; i++) {
            if (strcmp(id->rules[i].canon, up->normalized) != 0) continue;
            named = true;
            int v = rule_holds(msg, &id->rules[i], cert, why, whylen);
            if (v != 0) return v;
        }
        if (named) return 0;
    } else {
        for (size_t i = 0; i < l->n; i++)
            if (strcmp(l->v[i], up->identity) == 0) return 1;
    }
    snprintf(why, whylen, "not in the trusted-upstream list (%zu entr%s)", l->n,
             l->n == 1 ? "y" : "ies");
    return 0;
}

/* 1 when a signature of the message took its key from t. */
static bool used_as_key(const wssec_result *r, const wssec_token *t)
{
    for (size_t i = 0; i < r->ntokens; i++)
        if (r->tokens[i]->signer_token == t) return true;
    return false;
}

/* 1 when an EncryptedKey of our header names bst (the recipient's own
 * certificate, enc-key-id bst): not an identity. */
static bool named_by_encrypted_key(const wssec_msg *msg, xmlNodePtr bst)
{
    xmlChar *id = xmlGetNsProp(bst, BAD_CAST "Id", BAD_CAST WSSEC_NS_WSU);
    bool found = false;
    for (xmlNodePtr e = id ? wssec_xml_first_elem(msg->security) : NULL; e && !found;
         e = wssec_xml_next_elem(e)) {
        if (!wssec_xml_is(e, WSSEC_NS_XENC, "EncryptedKey")) continue;
        for (xmlNodePtr n = e; n && !found; n = wssec_xml_next_in(n, e)) {
            const char *uri =
                wssec_xml_is(n, WSSEC_NS_WSSE, "Reference") ? wssec_xml_attr(n, "URI") : NULL;
            found = uri && uri[0] == '#' && strcmp(uri + 1, (const char *)id) == 0;
        }
    }
    xmlFree(id);
    return found;
}

/* WebSphere's X.509 identity assertion, in the standard form: the asserted
 * identity is an X509v3 BinarySecurityToken of our header that no
 * signature uses as its key (the upstream's own X.509 token is the one its
 * signature names) and no EncryptedKey names. With identity assertion
 * configured, each such token becomes an asserted DN (bound to the
 * upstream's proof below like any assertion); without, it is ignored as
 * before, with a warning. */
static int adopt_x509(wssec_msg *msg)
{
    wssec_result *r = msg->res;
    bool enabled = wssec__identity_enabled(msg->ctx);
    for (size_t i = 0; i < r->ntokens; i++) {
        wssec_token *t = r->tokens[i];
        const char *vt = t->node ? wssec_xml_attr(t->node, "ValueType") : NULL;
        if (t->status || strcmp(t->type, "x509-token") != 0 || !t->cert ||
            t->node->parent != msg->security || !vt || strcmp(vt, WSSEC_VT_X509V3) != 0 ||
            used_as_key(r, t) || named_by_encrypted_key(msg, t->node))
            continue;
        char dn[600], path[200];
        if (!enabled) {
            char w[900];
            wssec_xml_path(path, sizeof(path), t->node);
            snprintf(w, sizeof(w),
                     "the X.509 token %s ('%.300s') is used by no signature: ignored (with "
                     "trusted-upstream it is an asserted identity)",
                     path, t->identity ? t->identity : "?");
            if (wssec_msg_warn(msg, w)) return WSSEC_ENOMEM;
            continue;
        }
        if (wssec__dn_text(X509_get_subject_name(t->cert), dn, sizeof(dn)))
            return wssec_msg_fail(msg, WSSEC_ENOMEM, NULL, t->node, "out of memory");
        if (!dn[0])
            return wssec_msg_fail(msg, WSSEC_ETOKEN, NULL, t->node,
                                  "asserted X.509 token: the certificate has an empty subject");
        if (wssec_token_set_asserted(t, WSSEC_ASSERTED_DN, dn))
            return wssec_msg_fail(msg, WSSEC_ENOMEM, NULL, t->node, "out of memory");
    }
    return 0;
}

int wssec__identity_run(wssec_msg *msg)
{
    const wssec_ctx *ctx = msg->ctx;
    wssec_result *r = msg->res;
    wssec_token *as = NULL;
    msg->failed = false;
    WSSEC_GUARD(adopt_x509(msg));
    for (size_t i = 0; i < r->ntokens; i++) {
        wssec_token *t = r->tokens[i];
        if (t->status != 0 || strcmp(t->type, WSSEC_TOKEN_IDENTITY_ASSERTION) != 0) continue;
        if (as)
            return wssec_msg_fail(msg, WSSEC_EPOLICY, NULL, t->node,
                                  "two asserted identities ('%s' and '%s'): at most one is "
                                  "accepted",
                                  wssec_token_asserted(NULL, as), wssec_token_asserted(NULL, t));
        as = t;
    }
    if (!as) return 0;
    wssec_asserted_kind kind = WSSEC_ASSERTED_USERNAME;
    const char *asserted = wssec_token_asserted(&kind, as);
    if (!wssec__identity_enabled(ctx) || !asserted) /* the consumers refuse these */
        return wssec_msg_fail(msg, WSSEC_EPOLICY, NULL, as->node,
                              "an asserted identity is accepted only when identity assertion is "
                              "configured (trusted-upstream)");
    bool signature = ctx->s.trust_mode == WSSEC_TRUST_SIGNATURE;
    const wssec_token *upt = NULL;
    int rc = signature ? bind_signature(msg, as, asserted, &upt)
                       : bind_basic(msg, as, asserted, &upt);
    if (rc) return rc;

    char *norm = NULL;
    X509 *up_cert = NULL;
    if (signature) {
        if ((rc = upstream_cert(msg, upt, &up_cert))) return rc;
        /* normalised from the certificate's name, never from display text */
        rc = wssec__dn_canon_name(X509_get_subject_name(up_cert), &norm);
        if (rc) {
            return wssec_msg_fail(msg, rc == WSSEC_ENOMEM ? rc : WSSEC_EUNTRUSTED, NULL, upt->node,
                                  "the upstream's subject '%s' cannot be normalised",
                                  upt->identity);
        }
    }
    wssec_upstream up = {
        .version = WSSEC_UPSTREAM_VERSION,
        .proof = signature ? WSSEC_PROOF_SIGNATURE : WSSEC_PROOF_PASSWORD,
        .identity = upt->identity,
        .normalized = norm ? norm : upt->identity,
        .asserted_kind = kind,
        .asserted = asserted,
    };
    char why[300] = "";
    const struct wssec_idctx *id = ctx->identity;
    int verdict = id->cb ? id->cb(&up, why, sizeof(why), id->ud)
                         : list_evaluator(msg, &up, up_cert, why, sizeof(why));
    why[sizeof(why) - 1] = '\0';
    const char *how = signature ? "signature" : "password";
    if (verdict < 0) {
        int code = verdict >= -(WSSEC_CODE_COUNT - 1) ? verdict : WSSEC_EINTERNAL;
        rc = wssec_msg_fail(msg, code, NULL, upt->node,
                            "the trusted-ID evaluator failed for upstream '%s'%s%s",
                            upt->identity, why[0] ? ": " : "", why);
    } else if (verdict != 1) {
        rc = wssec_msg_fail(msg, WSSEC_EUNTRUSTED, NULL, upt->node,
                            "upstream '%.200s' (proven by %s) is not trusted to assert "
                            "identities%s%s; its assertion of '%.100s' is refused (see "
                            "trusted-upstream)",
                            upt->identity, how, why[0] ? ": " : "", why, asserted);
    }
    wssec__free(norm);
    if (rc) return rc;

    if (wssec_token_set_identity(as, asserted) ||
        wssec_token_set(as, "asserted-by", upt->identity) || wssec_token_set(as, "proof", how))
        return wssec_msg_fail(msg, WSSEC_ENOMEM, NULL, as->node, "out of memory");
    r->caller = as;
    r->asserted_by = upt;
    r->assertion_proof = up.proof;
    return 0;
}

/* ---- outbound ---- */

int wssec__identity_secure_begin(wssec_msg *msg, const wssec_secure_options *opts)
{
    const wssec_settings *s = &msg->ctx->s;
    msg->assert_user = s->assert_user;
    msg->assert_dn = s->assert_dn;
    if (opts && opts->version >= 2 && (opts->assert_user || opts->assert_dn)) {
        msg->assert_user = opts->assert_user;
        msg->assert_dn = opts->assert_dn;
    }
    msg->stripped = NULL;
    /* credentials are not propagated downstream: the header the previous
     * hop targeted at us goes, ours is created afresh */
    if (s->strip_security && msg->security) {
        xmlUnlinkNode(msg->security);
        msg->stripped = msg->security;
        msg->security = NULL;
    }
    return 0;
}

void wssec__identity_secure_end(wssec_msg *msg)
{
    xmlFreeNode(msg->stripped); /* its IDs are unregistered with it */
    msg->stripped = NULL;
    msg->assert_user = msg->assert_dn = NULL;
}

void wssec__identity_asserting(const char **user, const char **dn, const wssec_msg *msg)
{
    *user = msg->assert_user;
    *dn = msg->assert_dn;
}

xmlNodePtr wssec__identity_caller_header(const wssec_msg *msg)
{
    return msg->stripped ? msg->stripped : msg->security;
}
