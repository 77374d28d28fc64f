/*
 * wssec — WS-SecurityPolicy assertions in wssec's words: one alternative
 * translated into options (wssec_config_set names and values) and the few
 * checks no option expresses (Layout, headers signed or encrypted when
 * present, OnlySignEntireHeadersAndBody); and which assertion an inbound
 * error shows was not met.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "wssec/wssec.h"
#include "wssec/wspolicy.h"
#include "wssec/sys/module.h"
#include "wssec/sys/record.h"
#include "wssec/sys/token.h"
#include "wssec/sys/xml.h"
#include "wspolicy.h"
#include "error.h"
#include "util.h"

#define XP_BODY "/soap:Envelope/soap:Body"
#define XP_SEC "/soap:Envelope/soap:Header/wsse:Security"

/* An algorithm suite in wssec's option values; NULL sign_alg: recognised,
 * not supported (no such algorithm in wssec). */
typedef struct suite {
    const char *name, *sign_alg, *digest, *enc, *kt;
} suite;

static const suite suites[] = {
    { "Basic256", "rsa-sha1", "sha1", "aes256-cbc", "rsa-oaep" },
    { "Basic192", NULL, NULL, NULL, NULL },
    { "Basic128", "rsa-sha1", "sha1", "aes128-cbc", "rsa-oaep" },
    { "TripleDes", "rsa-sha1", "sha1", "tripledes-cbc", "rsa-oaep" },
    { "Basic256Rsa15", "rsa-sha1", "sha1", "aes256-cbc", "rsa-1_5" },
    { "Basic192Rsa15", NULL, NULL, NULL, NULL },
    { "Basic128Rsa15", "rsa-sha1", "sha1", "aes128-cbc", "rsa-1_5" },
    { "TripleDesRsa15", "rsa-sha1", "sha1", "tripledes-cbc", "rsa-1_5" },
    { "Basic256Sha256", "rsa-sha256", "sha256", "aes256-cbc", "rsa-oaep" },
    { "Basic192Sha256", NULL, NULL, NULL, NULL },
    { "Basic128Sha256", "rsa-sha256", "sha256", "aes128-cbc", "rsa-oaep" },
    { "TripleDesSha256", "rsa-sha256", "sha256", "tripledes-cbc", "rsa-oaep" },
    { "Basic256Sha256Rsa15", "rsa-sha256", "sha256", "aes256-cbc", "rsa-1_5" },
    { "Basic192Sha256Rsa15", NULL, NULL, NULL, NULL },
    { "Basic128Sha256Rsa15", "rsa-sha256", "sha256", "aes128-cbc", "rsa-1_5" },
    { "TripleDesSha256Rsa15", "rsa-sha256", "sha256", "tripledes-cbc", "rsa-1_5" },
};

enum { INC_UNSPEC, INC_ALWAYS, INC_NEVER, INC_ONCE, INC_TO_RECIPIENT, INC_TO_INITIATOR };
enum { BIND_NONE, BIND_TRANSPORT, BIND_ASYM, BIND_SYM };

typedef struct tok {
    bool present;
    int include;             /* INC_... */
    const char *keyid, *bst; /* a Require...Reference and the profile; NULL: the default */
    const char *profile;     /* the profile's assertion ("WssX509V3Token10"), or NULL */
    bool derived;            /* RequireDerivedKeys (the symmetric ProtectionToken only) */
} tok;

typedef struct part {
    char out[480], req[480], label[128];
    bool header; /* a header: checked when present, not required */
    char ns[240], name[120];
} part;

/* What one alternative says, gathered before anything is emitted. */
typedef struct st {
    wssec_policy *p;
    wp_alt *x;
    int binding;
    const suite *suite;
    bool ts, ebs, ebs_given, encsig, protect, https, client_cert;
    tok init, recip;
    tok prot;    /* SymmetricBinding's ProtectionToken */
    tok endorse; /* an X509Token of (Signed)EndorsingSupportingTokens */
    tok sup;     /* an X509Token of SignedSupportingTokens: the sender's certificate, signed */
    char endorse_label[80];
    bool endorse_signed; /* SignedEndorsingSupportingTokens: the token signed too */
    bool dk13; /* derived keys in WS-SecureConversation 1.3 (SP 1.2) */
    bool ut, ut_signed, ut_hash;
    bool sigconf; /* Wss11 RequireSignatureConfirmation */
    part sign[8], enc[8];
    size_t nsign, nenc;
    char ns_decl[4][300];
    size_t nns;
} st;

static bool is_sp(xmlNodePtr e)
{
    return e && e->ns &&
           (!strcmp((const char *)e->ns->href, WP_NS_SP11) ||
            !strcmp((const char *)e->ns->href, WP_NS_SP12));
}

static bool sp(xmlNodePtr e, const char *local)
{
    return is_sp(e) && !strcmp((const char *)e->name, local);
}

/* The alternative cannot be applied: the first reason wins. Returns 0 (the
 * translation goes on only to find nothing worse). */
static int refuse(st *s, xmlNodePtr e, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int refuse(st *s, xmlNodePtr e, const char *fmt, ...)
{
    if (s->x->why[0]) return 0;
    char msg[300];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    snprintf(s->x->why, sizeof(s->x->why), "%.200s: line %ld: %s", s->p->name, xmlGetLineNo(e),
             msg);
    return 0;
}

/* "{ns}local" of an unknown assertion, with the sp: prefix for ours. */
static void qname(char *buf, size_t size, xmlNodePtr e)
{
    if (is_sp(e)) snprintf(buf, size, "sp:%s", (const char *)e->name);
    else
        snprintf(buf, size, "{%s}%s", e->ns ? (const char *)e->ns->href : "",
                 (const char *)e->name);
}

static int unknown(st *s, xmlNodePtr e, const char *where)
{
    if (wp_attr_true(e, "Ignorable")) return 0;
    char q[300];
    qname(q, sizeof(q), e);
    return refuse(s, e,
                  "unknown assertion %s in %s (wssec neither knows nor may ignore it; "
                  "mark it wsp:Ignorable=\"true\" or wsp:Optional=\"true\" if the service "
                  "does)",
                  q, where);
}

static int not_yet(st *s, xmlNodePtr e, const char *what)
{
    return refuse(s, e, "sp:%s is recognised but not supported yet: %s", (const char *)e->name,
                  what);
}

static int emit(st *s, int dir, const char *option, const char *label, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static int emit(st *s, int dir, const char *option, const char *label, const char *fmt, ...)
{
    wp_alt *x = s->x;
    if (x->nset >= WP_MAX_SETTINGS)
        return WSSEC_ERR(&s->p->err, WSSEC_ELIMIT,
                         "%s: a policy alternative needs more than %d "
                         "settings",
                         s->p->name, WP_MAX_SETTINGS);
    wp_setting *w = &x->set[x->nset++];
    snprintf(w->option, sizeof(w->option), "%s", option);
    snprintf(w->assertion, sizeof(w->assertion), "%s", label);
    w->dir = dir;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(w->value, sizeof(w->value), fmt, ap);
    va_end(ap);
    return 0;
}

/* The nested alternative of e; a refusal (several alternatives) makes the
 * alternative unsupported. 0, or WSSEC_ELIMIT / WSSEC_ENOMEM. */
static int nested(st *s, xmlNodePtr e, wp_alt_nodes *out)
{
    int rc = wp_nested(s->p, e, out);
    if (rc == WSSEC_ECONFIG) {
        if (!s->x->why[0]) snprintf(s->x->why, sizeof(s->x->why), "%s", s->p->err.message);
        wssec__err_clear(&s->p->err);
        out->n = 0;
        return 0;
    }
    return rc;
}

/* ---- tokens ---- */

static int include_mode(xmlNodePtr e)
{
    xmlChar *v = NULL;
    for (xmlAttrPtr a = e->properties; a && !v; a = a->next)
        if (!strcmp((const char *)a->name, "IncludeToken")) v = xmlNodeGetContent((xmlNodePtr)a);
    if (!v) return INC_UNSPEC;
    const char *t = strrchr((const char *)v, '/');
    t = t ? t + 1 : (const char *)v;
    int m = !strcmp(t, "Always")              ? INC_ALWAYS
            : !strcmp(t, "Never")             ? INC_NEVER
            : !strcmp(t, "Once")              ? INC_ONCE
            : !strcmp(t, "AlwaysToRecipient") ? INC_TO_RECIPIENT
            : !strcmp(t, "AlwaysToInitiator") ? INC_TO_INITIATOR
                                              : INC_UNSPEC;
    xmlFree(v);
    return m;
}

/* sp:X509Token (inside InitiatorToken, RecipientToken ...). */
static int x509_token(st *s, xmlNodePtr e, tok *t)
{
    t->present = true;
    t->include = include_mode(e);
    wp_alt_nodes n;
    WSSEC_GUARD(nested(s, e, &n));
    for (size_t i = 0; i < n.n; i++) {
        xmlNodePtr a = n.a[i];
        const char *l = (const char *)a->name;
        if (sp(a, "WssX509V3Token10") || sp(a, "WssX509V3Token11")) t->bst = "x509v3";
        else if (sp(a, "WssX509Pkcs7Token10") || sp(a, "WssX509Pkcs7Token11")) t->bst = "pkcs7";
        else if (sp(a, "WssX509PkiPathV1Token10") || sp(a, "WssX509PkiPathV1Token11"))
            t->bst = "pkipath";
        if (t->bst && !t->profile) t->profile = l;
        else if (sp(a, "RequireIssuerSerialReference")) t->keyid = "issuer-serial";
        else if (sp(a, "RequireThumbprintReference")) t->keyid = "thumbprint";
        else if (sp(a, "RequireKeyIdentifierReference")) t->keyid = "ski";
        else if (sp(a, "RequireEmbeddedTokenReference")) t->keyid = "bst";
        else if (sp(a, "RequireDerivedKeys") || sp(a, "RequireExplicitDerivedKeys")) {
            t->derived = true;
            s->dk13 = !strcmp((const char *)a->ns->href, WP_NS_SP12);
        } else if (sp(a, "WssX509V1Token11") || sp(a, "RequireImpliedDerivedKeys"))
            not_yet(s, a, "an X.509 token of this profile or with implied derived keys");
        else if (is_sp(a) && strstr(l, "Token1") != NULL) not_yet(s, a, "this X.509 token profile");
        else unknown(s, a, "sp:X509Token");
    }
    return 0;
}

/* InitiatorToken, RecipientToken (and their Signature/Encryption forms):
 * a policy holding one X509Token. */
static int binding_token(st *s, xmlNodePtr e, tok *t)
{
    wp_alt_nodes n;
    WSSEC_GUARD(nested(s, e, &n));
    for (size_t i = 0; i < n.n; i++) {
        if (sp(n.a[i], "X509Token")) WSSEC_GUARD(x509_token(s, n.a[i], t));
        else if (is_sp(n.a[i]))
            not_yet(s, n.a[i], "wssec's bindings use X.509 tokens (sp:X509Token)");
        else unknown(s, n.a[i], (const char *)e->name);
    }
    return 0;
}

/* ---- the bindings' nested assertions ---- */

static int algorithm_suite(st *s, xmlNodePtr e)
{
    wp_alt_nodes n;
    WSSEC_GUARD(nested(s, e, &n));
    for (size_t i = 0; i < n.n; i++) {
        xmlNodePtr a = n.a[i];
        size_t k;
        for (k = 0; k < WSSEC_ARRAY_LEN(suites); k++)
            if (sp(a, suites[k].name)) break;
        if (k < WSSEC_ARRAY_LEN(suites)) {
            if (!suites[k].sign_alg) not_yet(s, a, "wssec has no 192-bit AES");
            else s->suite = &suites[k];
        } else if (sp(a, "InclusiveC14N") || sp(a, "InclusiveC14N11") ||
                   sp(a, "SOAPNormalization10") || sp(a, "STRTransform10") || sp(a, "XPath10") ||
                   sp(a, "XPathFilter20") || sp(a, "AbsXPath")) {
            not_yet(s, a, "wssec signs with exclusive C14N and the suite's default transforms");
        } else {
            unknown(s, a, "sp:AlgorithmSuite");
        }
    }
    return 0;
}

static int layout(st *s, xmlNodePtr e)
{
    wp_alt_nodes n;
    WSSEC_GUARD(nested(s, e, &n));
    for (size_t i = 0; i < n.n; i++) {
        xmlNodePtr a = n.a[i];
        int l = sp(a, "Strict")       ? WP_LAYOUT_STRICT
                : sp(a, "Lax")        ? WP_LAYOUT_LAX
                : sp(a, "LaxTsFirst") ? WP_LAYOUT_TSFIRST
                : sp(a, "LaxTsLast")  ? WP_LAYOUT_TSLAST
                                      : WP_LAYOUT_NONE;
        if (l == WP_LAYOUT_NONE) {
            unknown(s, a, "sp:Layout");
            continue;
        }
        s->x->layout = l;
        snprintf(s->x->layout_assertion, sizeof(s->x->layout_assertion), "sp:Layout/sp:%s",
                 (const char *)a->name);
    }
    return 0;
}

/* The assertions both bindings share: 1 when a was one of them, 0 when
 * not, or a negative code. */
static int common_binding_item(st *s, xmlNodePtr a)
{
    int rc;
    if (sp(a, "AlgorithmSuite")) return (rc = algorithm_suite(s, a)) ? rc : 1;
    if (sp(a, "Layout")) return (rc = layout(s, a)) ? rc : 1;
    if (sp(a, "IncludeTimestamp")) {
        s->ts = true;
        return 1;
    }
    return 0;
}

static int https_token(st *s, xmlNodePtr e)
{
    s->https = true;
    const char *rcc = wssec_xml_attr(e, "RequireClientCertificate"); /* SP 1.1 */
    if (rcc && (!strcmp(rcc, "true") || !strcmp(rcc, "1"))) s->client_cert = true;
    wp_alt_nodes n;
    WSSEC_GUARD(nested(s, e, &n));
    for (size_t i = 0; i < n.n; i++) {
        if (sp(n.a[i], "RequireClientCertificate")) s->client_cert = true;
        else if (sp(n.a[i], "HttpBasicAuthentication") || sp(n.a[i], "HttpDigestAuthentication"))
            not_yet(s, n.a[i], "HTTP authentication is the transport's, outside the message");
        else unknown(s, n.a[i], "sp:HttpsToken");
    }
    return 0;
}

/* One assertion nested in the transport binding that the two bindings do
 * not share. */
static int transport_item(st *s, xmlNodePtr a)
{
    if (!sp(a, "TransportToken")) return unknown(s, a, "sp:TransportBinding");
    wp_alt_nodes t;
    WSSEC_GUARD(nested(s, a, &t));
    for (size_t j = 0; j < t.n; j++) {
        if (sp(t.a[j], "HttpsToken")) WSSEC_GUARD(https_token(s, t.a[j]));
        else if (is_sp(t.a[j])) not_yet(s, t.a[j], "the transport token must be HTTPS");
        else unknown(s, t.a[j], "sp:TransportToken");
    }
    return 0;
}

static int asymmetric_item(st *s, xmlNodePtr a)
{
    if (sp(a, "InitiatorToken") || sp(a, "InitiatorSignatureToken"))
        return binding_token(s, a, &s->init);
    if (sp(a, "RecipientToken") || sp(a, "RecipientEncryptionToken"))
        return binding_token(s, a, &s->recip);
    if (sp(a, "InitiatorEncryptionToken") || sp(a, "RecipientSignatureToken"))
        return not_yet(s, a,
                       "the initiator's encryption token and the recipient's signature "
                       "token are the same as InitiatorToken and RecipientToken in wssec");
    if (sp(a, "EncryptBeforeSigning") || sp(a, "SignBeforeEncrypting")) {
        s->ebs = sp(a, "EncryptBeforeSigning");
        s->ebs_given = true;
    } else if (sp(a, "EncryptSignature")) s->encsig = true;
    else if (sp(a, "ProtectTokens")) s->protect = true;
    else if (sp(a, "OnlySignEntireHeadersAndBody")) s->x->only_entire = true;
    else return unknown(s, a, "sp:AsymmetricBinding");
    return 0;
}

/* One assertion nested in the symmetric binding that the bindings do not
 * share: the ProtectionToken (the recipient's certificate wraps the session
 * key), the order, OnlySignEntireHeadersAndBody. */
static int symmetric_item(st *s, xmlNodePtr a)
{
    if (sp(a, "ProtectionToken")) return binding_token(s, a, &s->prot);
    if (sp(a, "EncryptionToken") || sp(a, "SignatureToken"))
        return not_yet(s, a,
                       "wssec's symmetric binding keys signature and encryption with one "
                       "session key (sp:ProtectionToken)");
    if (sp(a, "EncryptBeforeSigning") || sp(a, "SignBeforeEncrypting")) {
        s->ebs = sp(a, "EncryptBeforeSigning");
        s->ebs_given = true;
    } else if (sp(a, "OnlySignEntireHeadersAndBody")) s->x->only_entire = true;
    else if (sp(a, "EncryptSignature") || sp(a, "ProtectTokens"))
        return not_yet(s, a, "under the symmetric binding");
    else return unknown(s, a, "sp:SymmetricBinding");
    return 0;
}

/* sp:TransportBinding, sp:AsymmetricBinding or sp:SymmetricBinding: what they share, then
 * their own assertions. */
static int binding(st *s, xmlNodePtr e, int kind, int (*own)(st *, xmlNodePtr))
{
    s->binding = kind;
    wp_alt_nodes n;
    WSSEC_GUARD(nested(s, e, &n));
    for (size_t i = 0; i < n.n; i++) {
        int c = common_binding_item(s, n.a[i]);
        if (c < 0) return c;
        if (!c) WSSEC_GUARD(own(s, n.a[i]));
    }
    if (kind == BIND_ASYM && !s->init.present && !s->x->why[0])
        refuse(s, e, "sp:AsymmetricBinding without an sp:InitiatorToken");
    if (kind == BIND_SYM && !s->prot.present && !s->x->why[0])
        refuse(s, e, "sp:SymmetricBinding without an sp:ProtectionToken");
    if (kind == BIND_ASYM && (s->init.derived || s->recip.derived) && !s->x->why[0])
        refuse(s, e,
               "sp:RequireDerivedKeys under sp:AsymmetricBinding: wssec derives keys from "
               "the symmetric binding's session key only");
    return 0;
}

/* ---- parts ---- */

static part *new_part(st *s, bool enc, xmlNodePtr e)
{
    size_t *np = enc ? &s->nenc : &s->nsign;
    if (*np >= 8) {
        refuse(s, e, "more than 8 %s parts", enc ? "encrypted" : "signed");
        return NULL;
    }
    part *pt = &(enc ? s->enc : s->sign)[(*np)++];
    memset(pt, 0, sizeof(*pt));
    return pt;
}

/* The prefixes an XPath uses, declared for wssec (namespace PREFIX=URI). */
static void xpath_namespaces(st *s, xmlNodePtr e, const char *expr)
{
    xmlNsPtr *list = xmlGetNsList(e->doc, e);
    for (size_t i = 0; list && list[i]; i++) {
        const char *pfx = (const char *)list[i]->prefix;
        if (!pfx) continue;
        static const char *const predefined[] = { "soap", "wsse", "wsu", "ds", "xenc" };
        bool skip = false;
        for (size_t k = 0; k < WSSEC_ARRAY_LEN(predefined); k++)
            if (!strcmp(pfx, predefined[k])) skip = true;
        char pat[80];
        snprintf(pat, sizeof(pat), "%s:", pfx);
        if (skip || !strstr(expr, pat) || s->nns >= 4) continue;
        snprintf(s->ns_decl[s->nns++], sizeof(s->ns_decl[0]), "%s=%s", pfx,
                 (const char *)list[i]->href);
    }
    xmlFree(list);
}

/* SignedParts, EncryptedParts: Body, Header (Name, Namespace). */
static int parts(st *s, xmlNodePtr e, bool enc)
{
    const char *what = enc ? "EncryptedParts" : "SignedParts";
    for (xmlNodePtr a = wssec_xml_first_elem(e); a; a = wssec_xml_next_elem(a)) {
        part *pt = NULL;
        if (sp(a, "Body")) {
            if (!(pt = new_part(s, enc, a))) continue;
            snprintf(pt->out, sizeof(pt->out), "body");
            snprintf(pt->req, sizeof(pt->req), "%s", XP_BODY);
            snprintf(pt->label, sizeof(pt->label), "sp:%s/sp:Body", what);
        } else if (sp(a, "Header")) {
            const char *ns = wssec_xml_attr(a, "Namespace"), *name = wssec_xml_attr(a, "Name");
            if (!ns || !*ns) {
                refuse(s, a, "sp:%s/sp:Header without a Namespace", what);
                continue;
            }
            if (!(pt = new_part(s, enc, a))) continue;
            pt->header = true;
            snprintf(pt->ns, sizeof(pt->ns), "%s", ns);
            snprintf(pt->name, sizeof(pt->name), "%s", name ? name : "");
            if (name && *name)
                snprintf(pt->out, sizeof(pt->out), "{%s}%s%s", ns, name, enc ? ":element" : "");
            else
                snprintf(pt->out, sizeof(pt->out),
                         "/soap:Envelope/soap:Header/*[namespace-uri()='%s']%s", ns,
                         enc ? ":element" : "");
            snprintf(pt->label, sizeof(pt->label), "sp:%s/sp:Header {%s}%s", what, ns,
                     name ? name : "*");
        } else if (sp(a, "Attachments")) {
            not_yet(s, a, "wssec does not process SOAP attachments");
        } else {
            unknown(s, a, what);
        }
    }
    return 0;
}

/* SignedElements, EncryptedElements, ContentEncryptedElements: sp:XPath. */
static int elements(st *s, xmlNodePtr e, bool enc, const char *suffix)
{
    for (xmlNodePtr a = wssec_xml_first_elem(e); a; a = wssec_xml_next_elem(a)) {
        if (!sp(a, "XPath")) {
            unknown(s, a, (const char *)e->name);
            continue;
        }
        char *x = wssec_xml_text(a);
        if (!x) return WSSEC_ENOMEM;
        part *pt = *x ? new_part(s, enc, a) : NULL;
        if (!*x) refuse(s, a, "an empty sp:XPath in sp:%s", (const char *)e->name);
        if (pt) {
            snprintf(pt->out, sizeof(pt->out), "%s%s", x, suffix);
            snprintf(pt->req, sizeof(pt->req), "%s", x);
            snprintf(pt->label, sizeof(pt->label), "sp:%s/sp:XPath %s", (const char *)e->name, x);
            xpath_namespaces(s, a, x);
        }
        xmlFree(x);
    }
    return 0;
}

/* ---- supporting tokens ---- */

static int username_token(st *s, xmlNodePtr e, bool is_signed)
{
    if (s->ut) return refuse(s, e, "more than one sp:UsernameToken");
    s->ut = true;
    s->ut_signed = is_signed;
    wp_alt_nodes n;
    WSSEC_GUARD(nested(s, e, &n));
    for (size_t i = 0; i < n.n; i++) {
        xmlNodePtr a = n.a[i];
        if (sp(a, "WssUsernameToken10") || sp(a, "WssUsernameToken11")) continue;
        if (sp(a, "HashPassword")) s->ut_hash = true;
        else if (sp(a, "NoPassword"))
            not_yet(s, a, "wssec sends and checks UsernameTokens with a password");
        else if (sp(a, "RequireDerivedKeys") || sp(a, "RequireImpliedDerivedKeys") ||
                 sp(a, "RequireExplicitDerivedKeys"))
            not_yet(s, a, "keys derived from a password");
        else unknown(s, a, "sp:UsernameToken");
    }
    return 0;
}

/* (Signed)EndorsingSupportingTokens: one sp:X509Token, the endorse action. */
static int endorsing(st *s, xmlNodePtr e)
{
    wp_alt_nodes n;
    WSSEC_GUARD(nested(s, e, &n));
    for (size_t i = 0; i < n.n; i++) {
        xmlNodePtr a = n.a[i];
        if (sp(a, "X509Token")) {
            if (s->endorse.present) return refuse(s, a, "more than one endorsing sp:X509Token");
            snprintf(s->endorse_label, sizeof(s->endorse_label), "sp:%s/sp:X509Token",
                     (const char *)e->name);
            s->endorse_signed = sp(e, "SignedEndorsingSupportingTokens");
            WSSEC_GUARD(x509_token(s, a, &s->endorse));
            if (s->endorse.derived)
                refuse(s, a,
                       "sp:RequireDerivedKeys in an endorsing sp:X509Token: wssec endorses "
                       "with the certificate's key");
        } else if (is_sp(a) && strstr((const char *)a->name, "Token"))
            not_yet(s, a, "wssec's endorsing supporting tokens are X.509 tokens (sp:X509Token)");
        else if (is_sp(a)) not_yet(s, a, "inside endorsing supporting tokens");
        else unknown(s, a, (const char *)e->name);
    }
    return 0;
}

/* SignedSupportingTokens/X509Token: the sender's own certificate in a
 * BinarySecurityToken that the message signature covers (as CXF includes
 * the signature user's certificate). */
static int signed_x509(st *s, xmlNodePtr a)
{
    if (s->sup.present) return refuse(s, a, "more than one signed supporting sp:X509Token");
    WSSEC_GUARD(x509_token(s, a, &s->sup));
    if (s->sup.derived) return not_yet(s, a, "derived keys in a signed supporting sp:X509Token");
    if (s->sup.include == INC_NEVER)
        return refuse(s, a,
                      "sp:SignedSupportingTokens/sp:X509Token with IncludeToken Never: a "
                      "supporting token that is not in the message cannot be signed");
    if (s->sup.bst && strcmp(s->sup.bst, "x509v3") != 0)
        return not_yet(s, a,
                       "a signed supporting sp:X509Token other than an X509v3 token (wssec "
                       "writes it in the profile of the signature's own token)");
    return 0;
}

static int supporting(st *s, xmlNodePtr e, bool is_signed)
{
    wp_alt_nodes n;
    WSSEC_GUARD(nested(s, e, &n));
    for (size_t i = 0; i < n.n; i++) {
        xmlNodePtr a = n.a[i];
        if (sp(a, "UsernameToken")) WSSEC_GUARD(username_token(s, a, is_signed));
        else if (sp(a, "X509Token") && is_signed) WSSEC_GUARD(signed_x509(s, a));
        else if (sp(a, "X509Token"))
            not_yet(s, a,
                    "an X.509 supporting token that is not signed (sp:SupportingTokens): wssec "
                    "includes one signed (sp:SignedSupportingTokens) or endorsing");
        else if (is_sp(a) && strstr((const char *)a->name, "Token"))
            not_yet(s, a,
                    "wssec's supporting tokens are UsernameTokens; X.509 and issued "
                    "supporting tokens need endorsing signatures (--endorse)");
        else if (is_sp(a)) not_yet(s, a, "inside supporting tokens");
        else unknown(s, a, (const char *)e->name);
    }
    return 0;
}

static int wss(st *s, xmlNodePtr e)
{
    wp_alt_nodes n;
    WSSEC_GUARD(nested(s, e, &n));
    for (size_t i = 0; i < n.n; i++) {
        xmlNodePtr a = n.a[i];
        if (is_sp(a) && !strncmp((const char *)a->name, "MustSupportRef", 14)) continue;
        if (sp(a, "RequireSignatureConfirmation")) s->sigconf = true;
        else unknown(s, a, (const char *)e->name);
    }
    return 0;
}

/* One top-level assertion of the alternative. */
static int top(st *s, xmlNodePtr a)
{
    if (sp(a, "TransportBinding") || sp(a, "AsymmetricBinding") || sp(a, "SymmetricBinding")) {
        if (s->binding != BIND_NONE) return refuse(s, a, "more than one security binding");
        return sp(a, "TransportBinding")    ? binding(s, a, BIND_TRANSPORT, transport_item)
               : sp(a, "AsymmetricBinding") ? binding(s, a, BIND_ASYM, asymmetric_item)
                                            : binding(s, a, BIND_SYM, symmetric_item);
    }
    if (sp(a, "SignedParts")) return parts(s, a, false);
    if (sp(a, "EncryptedParts")) return parts(s, a, true);
    if (sp(a, "SignedElements")) return elements(s, a, false, "");
    if (sp(a, "EncryptedElements")) return elements(s, a, true, ":element");
    if (sp(a, "ContentEncryptedElements")) return elements(s, a, true, ":content");
    if (sp(a, "SupportingTokens")) return supporting(s, a, false);
    if (sp(a, "SignedSupportingTokens")) return supporting(s, a, true);
    if (sp(a, "EndorsingSupportingTokens") || sp(a, "SignedEndorsingSupportingTokens"))
        return endorsing(s, a);
    if (sp(a, "EndorsingEncryptedSupportingTokens") ||
        sp(a, "SignedEndorsingEncryptedSupportingTokens"))
        return not_yet(s, a, "wssec does not encrypt supporting tokens");
    if (sp(a, "EncryptedSupportingTokens") || sp(a, "SignedEncryptedSupportingTokens"))
        return not_yet(s, a, "wssec does not encrypt supporting tokens");
    if (sp(a, "Wss10") || sp(a, "Wss11")) return wss(s, a);
    if (sp(a, "Trust10") || sp(a, "Trust13"))
        return not_yet(s, a, "WS-Trust exchanges are outside wssec");
    if (sp(a, "RequiredElements") || sp(a, "RequiredParts"))
        return not_yet(s, a, "required (unprotected) headers are not checked");
    return unknown(s, a, "the policy");
}

/* ---- emitting: what the alternative means in wssec's options ---- */

static bool included(const tok *t, bool sender_is_initiator)
{
    switch (t->include) {
    case INC_NEVER: return false;
    case INC_TO_RECIPIENT: return sender_is_initiator;
    case INC_TO_INITIATOR: return !sender_is_initiator;
    default: return true;
    }
}

static const char *token_label(bool initiator)
{
    return initiator ? "sp:InitiatorToken/sp:X509Token" : "sp:RecipientToken/sp:X509Token";
}

/* The symmetric binding's options: the session key, derived keys, and the
 * endorsing signature's certificate (the only X.509 signature). */
static int emit_symmetric(st *s, bool signs, bool initiator)
{
    WSSEC_GUARD(emit(s, WSSEC_POLICY_OUTBOUND, "symmetric", "sp:SymmetricBinding", "true"));
    if (s->prot.derived) {
        WSSEC_GUARD(emit(s, WSSEC_POLICY_OUTBOUND, "derived-keys",
                         "sp:ProtectionToken/sp:RequireDerivedKeys", "true"));
        WSSEC_GUARD(emit(s, WSSEC_POLICY_OUTBOUND, "derived-key-ns",
                         "sp:ProtectionToken/sp:RequireDerivedKeys", "%s",
                         s->dk13 ? "1.3" : "2005-02"));
    }
    if (!signs || !s->endorse.present) return 0;
    bool inc = included(&s->endorse, initiator);
    const char *kid = inc                                                   ? "bst"
                      : s->endorse.keyid && strcmp(s->endorse.keyid, "bst") ? s->endorse.keyid
                                                                            : "issuer-serial";
    return emit(s, WSSEC_POLICY_OUTBOUND, "key-id", s->endorse_label, "%s", kid);
}

/* The key transport to the recipient's token rcv: the suite's algorithms
 * and how the EncryptedKey names the certificate. */
static int emit_key_transport(st *s, const tok *rcv, bool initiator)
{
    char suite_lbl[80];
    snprintf(suite_lbl, sizeof(suite_lbl), "sp:AlgorithmSuite/sp:%s", s->suite->name);
    WSSEC_GUARD(emit(s, WSSEC_POLICY_OUTBOUND, "enc-alg", suite_lbl, "%s", s->suite->enc));
    WSSEC_GUARD(emit(s, WSSEC_POLICY_OUTBOUND, "key-transport", suite_lbl, "%s", s->suite->kt));
    const char *ekid = included(rcv, initiator) && rcv->include != INC_UNSPEC ? "bst"
                       : rcv->keyid && strcmp(rcv->keyid, "bst")              ? rcv->keyid
                                                                              : "issuer-serial";
    return emit(s, WSSEC_POLICY_OUTBOUND, "enc-key-id",
                s->binding == BIND_SYM ? "sp:ProtectionToken/sp:X509Token"
                                       : token_label(!initiator),
                "%s", ekid);
}

/* Who signs the BinarySecurityToken the message carries, and why: the
 * ProtectTokens of the sender's included token, a signed supporting X.509
 * token, or an included signed endorsing token (its certificate is the
 * signer's own in wssec). NULL when none is signed. */
static const char *signed_token_label(const st *s, bool initiator)
{
    const tok *snd = initiator ? &s->init : &s->recip;
    if (s->binding == BIND_ASYM && s->protect && included(snd, initiator))
        return "sp:ProtectTokens";
    if (s->sup.present) return "sp:SignedSupportingTokens/sp:X509Token";
    if (s->endorse.present && s->endorse_signed && included(&s->endorse, initiator))
        return s->endorse_label;
    return NULL;
}

/* Whether the x509-token action must write our certificate before the
 * signature (a token no signature's own key reference writes). */
static bool own_token_action(const st *s, bool initiator)
{
    const tok *snd = initiator ? &s->init : &s->recip;
    if (s->sup.present) return true;
    return s->endorse.present && s->endorse_signed && included(&s->endorse, initiator) &&
           (s->binding == BIND_SYM || !included(snd, initiator));
}

/* The outbound actions and what they sign and encrypt. */
static int emit_outbound(st *s, bool signs, bool encrypts, bool initiator)
{
    char actions[200] = "";
    size_t l = 0;
#define ACT(name) \
    l += (size_t)snprintf(actions + l, sizeof(actions) - l, "%s%s", l ? "," : "", name)
    if (s->ts) ACT("timestamp");
    if (s->ut) ACT("username-token");
    if (signs && own_token_action(s, initiator)) ACT("x509-token");
    if (s->sigconf && signs && !initiator) ACT("signature-confirmation");
    if (encrypts && s->ebs) ACT("encrypted-key");
    if (signs) ACT("signature");
    if (encrypts && !s->ebs) ACT("encrypted-key");
    if (s->endorse.present && signs) ACT("endorse");
#undef ACT
    bool sym = s->binding == BIND_SYM;
    if (l) {
        const char *lbl = s->binding == BIND_ASYM        ? "sp:AsymmetricBinding"
                          : sym                          ? "sp:SymmetricBinding"
                          : s->binding == BIND_TRANSPORT ? "sp:TransportBinding"
                                                         : "the policy";
        WSSEC_GUARD(emit(s, WSSEC_POLICY_OUTBOUND, "actions", lbl, "%s", actions));
    }
    const tok *snd = initiator ? &s->init : &s->recip, *rcv = initiator ? &s->recip : &s->init;
    if (sym) {
        snd = &s->endorse;
        rcv = &s->prot;
        WSSEC_GUARD(emit_symmetric(s, signs, initiator));
    }
    if (signs) {
        bool inc = included(snd, initiator);
        const char *kid = inc                                       ? "bst"
                          : snd->keyid && strcmp(snd->keyid, "bst") ? snd->keyid
                                                                    : "issuer-serial";
        if (!sym)
            WSSEC_GUARD(
                emit(s, WSSEC_POLICY_OUTBOUND, "key-id", token_label(initiator), "%s", kid));
        if (inc && snd->bst && strcmp(snd->bst, "x509v3") != 0)
            WSSEC_GUARD(emit(s, WSSEC_POLICY_OUTBOUND, "bst-type",
                             sym ? s->endorse_label : token_label(initiator), "%s", snd->bst));
        char suite_lbl[80];
        snprintf(suite_lbl, sizeof(suite_lbl), "sp:AlgorithmSuite/sp:%s", s->suite->name);
        WSSEC_GUARD(
            emit(s, WSSEC_POLICY_OUTBOUND, "sign-alg", suite_lbl, "%s", s->suite->sign_alg));
        WSSEC_GUARD(
            emit(s, WSSEC_POLICY_OUTBOUND, "digest-alg", suite_lbl, "%s", s->suite->digest));
        for (size_t i = 0; i < s->nsign; i++)
            WSSEC_GUARD(emit(s, WSSEC_POLICY_OUTBOUND, "sign-part", s->sign[i].label, "%s",
                             s->sign[i].out));
        if (s->ts)
            WSSEC_GUARD(
                emit(s, WSSEC_POLICY_OUTBOUND, "sign-part", "sp:IncludeTimestamp", "timestamp"));
        if (s->ut && s->ut_signed)
            WSSEC_GUARD(emit(s, WSSEC_POLICY_OUTBOUND, "sign-part",
                             "sp:SignedSupportingTokens/sp:UsernameToken", "username-token"));
        const char *tl = signed_token_label(s, initiator);
        if (tl) WSSEC_GUARD(emit(s, WSSEC_POLICY_OUTBOUND, "sign-part", tl, "token"));
        if (s->sigconf && !initiator)
            WSSEC_GUARD(emit(s, WSSEC_POLICY_OUTBOUND, "sign-part",
                             "sp:Wss11/sp:RequireSignatureConfirmation",
                             "{" WSSEC_NS_WSSE11 "}SignatureConfirmation"));
    }
    /* under the symmetric binding the session key is wrapped even when
     * nothing is encrypted */
    if (encrypts || (sym && signs)) WSSEC_GUARD(emit_key_transport(s, rcv, initiator));
    if (encrypts) {
        for (size_t i = 0; i < s->nenc; i++)
            WSSEC_GUARD(emit(s, WSSEC_POLICY_OUTBOUND, "encrypt-part", s->enc[i].label, "%s",
                             s->enc[i].out));
        if (s->encsig && signs)
            WSSEC_GUARD(
                emit(s, WSSEC_POLICY_OUTBOUND, "encrypt-part", "sp:EncryptSignature", "signature"));
    }
    return 0;
}

/* What an inbound message must show. */
static int emit_inbound(st *s, bool signs, bool encrypts, bool initiator)
{
    size_t before = s->x->nset;
    if (s->ts)
        WSSEC_GUARD(emit(s, WSSEC_POLICY_INBOUND, "require", "sp:IncludeTimestamp", "timestamp"));
    if (s->ut)
        WSSEC_GUARD(emit(s, WSSEC_POLICY_INBOUND, "require",
                         s->ut_signed ? "sp:SignedSupportingTokens/sp:UsernameToken"
                                      : "sp:SupportingTokens/sp:UsernameToken",
                         "username-token"));
    if (signs) {
        for (size_t i = 0; i < s->nsign; i++)
            if (!s->sign[i].header)
                WSSEC_GUARD(emit(s, WSSEC_POLICY_INBOUND, "require", s->sign[i].label, "signed:%s",
                                 s->sign[i].req));
        if (s->ts)
            WSSEC_GUARD(emit(s, WSSEC_POLICY_INBOUND, "require", "sp:IncludeTimestamp",
                             "signed:" XP_SEC "/wsu:Timestamp"));
        if (s->ut && s->ut_signed)
            WSSEC_GUARD(emit(s, WSSEC_POLICY_INBOUND, "require",
                             "sp:SignedSupportingTokens/sp:UsernameToken",
                             "signed:" XP_SEC "/wsse:UsernameToken"));
        const char *tl = signed_token_label(s, initiator);
        if (tl)
            WSSEC_GUARD(emit(s, WSSEC_POLICY_INBOUND, "require", tl,
                             "signed:" XP_SEC "/wsse:BinarySecurityToken"));
    }
    if (encrypts)
        for (size_t i = 0; i < s->nenc; i++)
            if (!s->enc[i].header)
                WSSEC_GUARD(emit(s, WSSEC_POLICY_INBOUND, "require", s->enc[i].label,
                                 "encrypted:%s", s->enc[i].req));
    if (s->x->nset == before)
        WSSEC_GUARD(emit(s, WSSEC_POLICY_INBOUND, "require", "the policy", "none"));
    if (s->ut)
        WSSEC_GUARD(emit(s, WSSEC_POLICY_BOTH, "password-type",
                         s->ut_hash ? "sp:UsernameToken/sp:HashPassword" : "sp:UsernameToken", "%s",
                         s->ut_hash ? "digest" : "text"));
    char suite_lbl[80];
    snprintf(suite_lbl, sizeof(suite_lbl), "sp:AlgorithmSuite/sp:%s",
             s->suite ? s->suite->name : "");
    if (signs && !strcmp(s->suite->digest, "sha1"))
        WSSEC_GUARD(emit(s, WSSEC_POLICY_INBOUND, "allow-sha1", suite_lbl, "true"));
    if (encrypts) {
        WSSEC_GUARD(emit(s, WSSEC_POLICY_INBOUND, "allow-cbc", suite_lbl, "true"));
        if (!strcmp(s->suite->enc, "tripledes-cbc"))
            WSSEC_GUARD(emit(s, WSSEC_POLICY_BOTH, "allow-3des", suite_lbl, "true"));
        if (!strcmp(s->suite->kt, "rsa-1_5"))
            WSSEC_GUARD(emit(s, WSSEC_POLICY_INBOUND, "allow-rsa15", suite_lbl, "true"));
    }
    for (size_t i = 0; i < s->nns; i++)
        WSSEC_GUARD(emit(s, WSSEC_POLICY_BOTH, "namespace", "sp:XPath", "%s", s->ns_decl[i]));
    return 0;
}

/* The checks of wssec_policy_check() and what the transport does, as
 * settings without an option (for the explanation). */
static int emit_checks(st *s, bool signs, bool encrypts)
{
    if (s->https)
        WSSEC_GUARD(emit(s, WSSEC_POLICY_BOTH, "", "sp:TransportBinding/sp:HttpsToken",
                         s->client_cert
                             ? "the transport must be HTTPS with a client certificate; wssec "
                               "does not see the TLS, only the certificate the gateway passes "
                               "(transport-client-cert)"
                             : "the transport must be HTTPS; wssec does not see it (the TLS of "
                               "the gateway or the server in front)"));
    /* the client certificate is the embedding server's to pass on
     * (wssec_msg_set_transport_cert): checked as a signer's, the caller of
     * a message without a signature */
    if (s->https && s->client_cert)
        WSSEC_GUARD(emit(s, WSSEC_POLICY_INBOUND, "transport-client-cert",
                         "sp:HttpsToken/sp:RequireClientCertificate", "required"));
    if (s->binding == BIND_TRANSPORT && (s->nsign || s->nenc))
        WSSEC_GUARD(emit(s, WSSEC_POLICY_BOTH, "", "sp:TransportBinding",
                         "the signed and encrypted parts are protected by the transport (TLS), "
                         "not in the message"));
    static const char *const layouts[] = { "",
                                           "strict: every token and signed element of the "
                                           "Security header before what uses it",
                                           "lax: any order", "lax, the Timestamp first",
                                           "lax, the Timestamp last" };
    if (s->x->layout != WP_LAYOUT_NONE)
        WSSEC_GUARD(emit(s, WSSEC_POLICY_INBOUND, "", s->x->layout_assertion,
                         "Security header layout %s", layouts[s->x->layout]));
    for (size_t i = 0; i < s->nsign && signs; i++)
        if (s->sign[i].header)
            WSSEC_GUARD(emit(s, WSSEC_POLICY_INBOUND, "", s->sign[i].label,
                             "the header, when present, is signed"));
    for (size_t i = 0; i < s->nenc && encrypts; i++)
        if (s->enc[i].header)
            WSSEC_GUARD(emit(s, WSSEC_POLICY_INBOUND, "", s->enc[i].label,
                             "the header, when present, is encrypted"));
    if (s->encsig && signs)
        WSSEC_GUARD(emit(s, WSSEC_POLICY_INBOUND, "", "sp:EncryptSignature",
                         "no ds:Signature in the clear in the Security header"));
    if (s->sigconf)
        WSSEC_GUARD(emit(s, WSSEC_POLICY_BOTH, "", "sp:Wss11/sp:RequireSignatureConfirmation",
                         "a response confirms the request's signatures: secure needs "
                         "--confirm-request REQ, verify --sent-request REQ"));
    if (s->binding == BIND_SYM && signs)
        WSSEC_GUARD(emit(s, WSSEC_POLICY_INBOUND, "", "sp:SymmetricBinding",
                         "the message is signed with a session key (HMAC, an EncryptedKey for "
                         "--decrypt-key); an X.509 signature only endorses"));
    if (s->endorse.present && signs)
        WSSEC_GUARD(emit(s, WSSEC_POLICY_INBOUND, "", s->endorse_label,
                         "a trusted X.509 signature endorses the message signature"));
    if (s->x->only_entire)
        WSSEC_GUARD(emit(s, WSSEC_POLICY_INBOUND, "", "sp:OnlySignEntireHeadersAndBody",
                         "every signed element is the Body, a header or a Security header "
                         "child"));
    return 0;
}

/* What IncludeToken asks of the certificate of a signature a message sent
 * by the initiator (initiator_sends) or the recipient carries, as CXF's
 * token validators read it (Once: required at the recipient, as
 * AlwaysToRecipient), and what WS-SecurityPolicy forbids (Never; the
 * AlwaysTo... modes in the other direction). No IncludeToken: not checked. */
static int inclusion_rule(const tok *t, bool initiator_sends)
{
    switch (t->include) {
    case INC_NEVER: return WP_INC_MUST_NOT;
    case INC_ALWAYS: return WP_INC_MUST;
    case INC_ONCE: return initiator_sends ? WP_INC_MUST : WP_INC_ANY;
    case INC_TO_RECIPIENT: return initiator_sends ? WP_INC_MUST : WP_INC_MUST_NOT;
    case INC_TO_INITIATOR: return initiator_sends ? WP_INC_MUST_NOT : WP_INC_MUST;
    default: return WP_INC_ANY;
    }
}

static const char *const inc_names[] = {
    "", "Always", "Never", "Once", "AlwaysToRecipient", "AlwaysToInitiator"
};

static int inclusion(st *s, wp_inclusion *w, const tok *t, bool initiator, const char *label)
{
    snprintf(w->assertion, sizeof(w->assertion), "%s", label);
    if (t->bst && t->profile) {
        snprintf(w->profile, sizeof(w->profile), "%s", t->bst);
        snprintf(w->profile_name, sizeof(w->profile_name), "sp:%s", t->profile);
        WSSEC_GUARD(emit(s, WSSEC_POLICY_INBOUND, "", label,
                         "%s: the signer's certificate, when the message carries it, in a "
                         "BinarySecurityToken of that profile (ValueType %s)",
                         w->profile_name, t->bst));
    }
    w->rule = inclusion_rule(t, initiator);
    if (w->rule == WP_INC_ANY) return 0;
    snprintf(w->mode, sizeof(w->mode), "%s", inc_names[t->include]);
    return emit(s, WSSEC_POLICY_INBOUND, "", label,
                "IncludeToken %s: the signer's certificate %s in a BinarySecurityToken", w->mode,
                w->rule == WP_INC_MUST ? "included" : "not included");
}

/* The inbound rules no option expresses that need the verified signatures:
 * the protection order and the tokens' inclusion. */
static int emit_rules(st *s, bool signs, bool encrypts, bool initiator)
{
    wp_alt *x = s->x;
    if (signs && encrypts) {
        x->order = s->ebs ? WP_ORDER_ENCRYPT_FIRST : WP_ORDER_SIGN_FIRST;
        snprintf(x->order_assertion, sizeof(x->order_assertion), "sp:%s",
                 s->ebs ? "EncryptBeforeSigning" : "SignBeforeEncrypting");
        WSSEC_GUARD(emit(s, WSSEC_POLICY_INBOUND, "", x->order_assertion, "%s%s",
                         s->ebs ? "no signature over plaintext that was encrypted after it "
                                  "(a signature covers the ciphertext)"
                                : "no signature covers ciphertext (the parts are signed, "
                                  "then encrypted)",
                         s->ebs_given ? "" : "; the binding's default order"));
    }
    if (!signs) return 0;
    if (s->binding == BIND_SYM && s->prot.derived) {
        x->derived = true;
        WSSEC_GUARD(emit(s, WSSEC_POLICY_INBOUND, "", "sp:ProtectionToken/sp:RequireDerivedKeys",
                         "the message signature keyed by a key derived from the session key (a "
                         "DerivedKeyToken)"));
    }
    if (s->binding == BIND_ASYM)
        WSSEC_GUARD(inclusion(s, &x->inc[0], initiator ? &s->init : &s->recip, initiator,
                              token_label(initiator)));
    if (s->endorse.present)
        WSSEC_GUARD(inclusion(s, &x->inc[1], &s->endorse, initiator, s->endorse_label));
    return 0;
}

/* The header checks of wssec_policy_check() after verify. */
static void header_checks(st *s, bool signs, bool encrypts)
{
    for (size_t k = 0; k < 2; k++) {
        const part *v = k ? s->enc : s->sign;
        size_t n = k ? s->nenc : s->nsign;
        if (!(k ? encrypts : signs)) continue;
        for (size_t i = 0; i < n && s->x->nchecks < WP_MAX_CHECKS; i++) {
            if (!v[i].header) continue;
            wp_check *c = &s->x->checks[s->x->nchecks++];
            c->encrypted = k == 1;
            snprintf(c->ns, sizeof(c->ns), "%s", v[i].ns);
            snprintf(c->name, sizeof(c->name), "%s", v[i].name);
            snprintf(c->assertion, sizeof(c->assertion), "%s", v[i].label);
        }
    }
}

int wp_translate(wssec_policy *p, wp_alt *x, const wp_alt_nodes *nodes, const char *message)
{
    st *s = wssec__calloc(1, sizeof(*s));
    x->set = wssec__calloc(WP_MAX_SETTINGS, sizeof(*x->set));
    if (!s || !x->set) {
        wssec__free(s);
        return WSSEC_ERR(&p->err, WSSEC_ENOMEM, "out of memory");
    }
    s->p = p;
    s->x = x;
    int rc = 0;
    for (size_t i = 0; i < nodes->n && !rc; i++) rc = top(s, nodes->a[i]);
    bool initiator = strcmp(message, "output") != 0;
    bool sym = s->binding == BIND_SYM;
    bool asym = s->binding == BIND_ASYM || sym;
    bool signs = asym && (s->nsign || s->ts || (s->ut && s->ut_signed) || s->protect ||
                          s->endorse.present || s->sup.present);
    bool encrypts = asym && (s->nenc || (s->encsig && signs));
    if (!rc && !x->why[0] && asym && !s->suite)
        refuse(s, nodes->a[0], "sp:%s without an sp:AlgorithmSuite",
               sym ? "SymmetricBinding" : "AsymmetricBinding");
    if (!rc && !x->why[0] && s->sup.present && s->binding != BIND_ASYM)
        refuse(s, nodes->a[0],
               "sp:SignedSupportingTokens/sp:X509Token without sp:AsymmetricBinding: wssec "
               "includes the signer's own certificate, signed by the message signature");
    if (!rc && !x->why[0] && s->endorse.present && !asym)
        refuse(s, nodes->a[0],
               "%s without sp:AsymmetricBinding or sp:SymmetricBinding: an endorsing signature "
               "endorses the message signature",
               s->endorse_label);
    if (!rc && !x->why[0] && sym && signs && !s->endorse.present)
        refuse(s, nodes->a[0],
               "sp:SymmetricBinding with sp:SignedParts, sp:SignedElements or "
               "sp:IncludeTimestamp needs sp:EndorsingSupportingTokens or "
               "sp:SignedEndorsingSupportingTokens with an sp:X509Token: an HMAC signature by "
               "a session key proves no sender, so wssec cannot enforce what it signs");
    if (!rc && !x->why[0] && sym && s->suite &&
        (!strcmp(s->suite->enc, "tripledes-cbc") || !strcmp(s->suite->kt, "rsa-1_5")))
        refuse(s, nodes->a[0],
               "sp:SymmetricBinding with sp:AlgorithmSuite/sp:%s: wssec's session key is "
               "neither 3DES nor wrapped with RSA-1.5",
               s->suite->name);
    if (!rc && !x->why[0] && s->binding == BIND_NONE && (s->nsign || s->nenc))
        refuse(s, nodes->a[0],
               "signed or encrypted parts without a security binding "
               "(sp:AsymmetricBinding or sp:TransportBinding)");
    if (!rc && !x->why[0] && x->layout == WP_LAYOUT_TSLAST)
        snprintf(x->why_out, sizeof(x->why_out),
                 "sp:Layout/sp:LaxTsLast cannot be met outbound: wssec writes the Timestamp "
                 "first");
    if (!rc && !x->why[0]) rc = emit_outbound(s, signs, encrypts, initiator);
    if (!rc && !x->why[0]) rc = emit_inbound(s, signs, encrypts, initiator);
    if (!rc && !x->why[0]) rc = emit_checks(s, signs, encrypts);
    if (!rc && !x->why[0]) rc = emit_rules(s, signs, encrypts, initiator);
    if (!rc && !x->why[0]) header_checks(s, signs, encrypts);
    x->encsig = s->encsig && signs;
    x->symmetric = sym && signs;
    if (s->endorse.present && signs)
        snprintf(x->endorse, sizeof(x->endorse), "%s", s->endorse_label);
    if (x->why[0]) x->nset = 0;
    wssec__free(s);
    return rc;
}

/* ---- checking a message ---- */

static const char *elem_id(xmlNodePtr e)
{
    const char *id = NULL;
    for (xmlAttrPtr a = e->properties; a && !id; a = a->next)
        if (!strcmp((const char *)a->name, "Id") && a->children && a->children->content)
            id = (const char *)a->children->content;
    return id;
}

/* The index among the Security header's children of the one with this ID
 * (-1 when none). */
static int child_with_id(xmlNodePtr sec, const char *id)
{
    int i = 0;
    for (xmlNodePtr c = wssec_xml_first_elem(sec); c; c = wssec_xml_next_elem(c), i++) {
        const char *cid = elem_id(c);
        if (cid && !strcmp(cid, id)) return i;
    }
    return -1;
}

/* Strict: nothing in a child of the Security header references (ds:Reference,
 * wsse:Reference) a later child. */
static int check_strict(wssec_msg *msg, xmlNodePtr sec, const wp_alt *x)
{
    int i = 0;
    for (xmlNodePtr c = wssec_xml_first_elem(sec); c; c = wssec_xml_next_elem(c), i++) {
        size_t depth = 0;
        for (xmlNodePtr n = c; n; n = wssec_xml_next_in_depth(n, c, &depth)) {
            if (!wssec_xml_is(n, WSSEC_NS_DS, "Reference") &&
                !wssec_xml_is(n, WSSEC_NS_WSSE, "Reference"))
                continue;
            const char *uri = wssec_xml_attr(n, "URI");
            if (!uri || uri[0] != '#') continue;
            int j = child_with_id(sec, uri + 1);
            if (j > i)
                return wssec_msg_fail(msg, WSSEC_EPOLICY, NULL, c,
                                      "policy assertion %s: the Security header's %s uses '%s', "
                                      "which comes after it",
                                      x->layout_assertion, (const char *)c->name, uri);
        }
    }
    return 0;
}

static int check_layout(wssec_msg *msg, const wp_alt *x)
{
    xmlNodePtr sec = wssec_msg_security(msg, 0);
    if (!sec) return 0; /* the requirements refuse a message without one */
    if (x->encsig)
        for (xmlNodePtr c = wssec_xml_first_elem(sec); c; c = wssec_xml_next_elem(c))
            if (wssec_xml_is(c, WSSEC_NS_DS, "Signature"))
                return wssec_msg_fail(msg, WSSEC_EPOLICY, NULL, c,
                                      "policy assertion sp:EncryptSignature: the Security "
                                      "header holds a ds:Signature in the clear");
    xmlNodePtr first = wssec_xml_first_elem(sec), last = NULL;
    for (xmlNodePtr c = first; c; c = wssec_xml_next_elem(c)) last = c;
    switch (x->layout) {
    case WP_LAYOUT_STRICT: return check_strict(msg, sec, x);
    case WP_LAYOUT_TSFIRST:
        if (!first || !wssec_xml_is(first, WSSEC_NS_WSU, "Timestamp"))
            return wssec_msg_fail(msg, WSSEC_EPOLICY, NULL, first ? first : sec,
                                  "policy assertion %s: the Security header's first child is "
                                  "not a wsu:Timestamp",
                                  x->layout_assertion);
        return 0;
    case WP_LAYOUT_TSLAST:
        if (!last || !wssec_xml_is(last, WSSEC_NS_WSU, "Timestamp"))
            return wssec_msg_fail(msg, WSSEC_EPOLICY, NULL, last ? last : sec,
                                  "policy assertion %s: the Security header's last child is "
                                  "not a wsu:Timestamp",
                                  x->layout_assertion);
        return 0;
    default: return 0;
    }
}

/* A property of a token, or NULL. */
static const char *token_prop(const wssec_token *t, const char *name)
{
    for (size_t i = 0; i < wssec_token_prop_count(t); i++) {
        const char *n = NULL, *v = NULL;
        if (!wssec_token_prop(&n, &v, t, i) && n && !strcmp(n, name)) return v;
    }
    return NULL;
}

/* After verify, the signatures: under the symmetric binding, every verified
 * signature is an HMAC (by the session key) or endorses one; with an
 * endorsing X509Token, a verified X.509 signature endorses another. */
static int check_signatures(wssec_msg *msg, const wssec_result *res, const wp_alt *x)
{
    bool hmac = false, endorsed = false;
    xmlNodePtr plain = NULL;
    for (size_t i = 0; i < wssec_result_token_count(res); i++) {
        const wssec_token *t = wssec_result_token(res, i);
        if (t && x->derived && !strcmp(wssec_token_type(t), "reference-list") &&
            !wssec_token_status(t)) {
            const char *kt = token_prop(t, "key-token");
            if (!kt || strcmp(kt, "derived-key") != 0)
                return wssec_msg_fail(msg, WSSEC_EPOLICY, NULL, wssec_token_node(t),
                                      "policy assertion sp:ProtectionToken/sp:RequireDerivedKeys: "
                                      "the encrypted parts are keyed by the %s itself, not by a "
                                      "key derived from it (a DerivedKeyToken)",
                                      kt ? kt : "session key");
        }
        if (!t || strcmp(wssec_token_type(t), "signature") != 0 || wssec_token_status(t) != 0)
            continue;
        const char *method = token_prop(t, "signature-method");
        bool is_hmac = method && !strncmp(method, "hmac-", 5);
        bool endorses = token_prop(t, "endorses") != NULL;
        hmac |= is_hmac;
        const char *key = token_prop(t, "key-reference");
        if (is_hmac && x->derived && (!key || strcmp(key, "derived-key") != 0))
            return wssec_msg_fail(msg, WSSEC_EPOLICY, NULL, wssec_token_node(t),
                                  "policy assertion sp:ProtectionToken/sp:RequireDerivedKeys: the "
                                  "message signature is keyed by the %s itself, not by a key "
                                  "derived from it (a DerivedKeyToken)",
                                  key ? key : "session key");
        endorsed |= endorses && !is_hmac && token_prop(t, "signer") != NULL;
        if (!is_hmac && !endorses && !plain) plain = wssec_token_node(t);
    }
    if (x->symmetric && plain)
        return wssec_msg_fail(msg, WSSEC_EPOLICY, NULL, plain,
                              "policy assertion sp:SymmetricBinding: an X.509 signature signs "
                              "the message instead of the session key (HMAC)");
    if (x->symmetric && !hmac)
        return wssec_msg_fail(msg, WSSEC_EPOLICY, NULL, wssec_msg_security(msg, 0),
                              "policy assertion sp:SymmetricBinding: no signature by a session "
                              "key (HMAC)");
    if (x->endorse[0] && !endorsed)
        return wssec_msg_fail(msg, WSSEC_EPOLICY, NULL, wssec_msg_security(msg, 0),
                              "policy assertion %s: no trusted X.509 signature endorses the "
                              "message signature",
                              x->endorse);
    return 0;
}

/* After verify: the protection order, by the verified signatures other
 * than endorsements: one that covered ciphertext (encrypt, then sign), or
 * one that covers a part decrypted after it (sign, then encrypt). */
static int check_order(wssec_msg *msg, const wssec_result *res, const wp_alt *x)
{
    for (size_t i = 0; i < wssec_result_token_count(res); i++) {
        const wssec_token *t = wssec_result_token(res, i);
        if (!t || strcmp(wssec_token_type(t), "signature") != 0 || wssec_token_status(t) != 0 ||
            token_prop(t, "endorses"))
            continue;
        const char *over = token_prop(t, "covers-ciphertext");
        if (over && x->order == WP_ORDER_SIGN_FIRST)
            return wssec_msg_fail(msg, WSSEC_EPOLICY, NULL, wssec_token_node(t),
                                  "policy assertion %s: the signature's reference %s covers "
                                  "ciphertext: the message was encrypted, then signed",
                                  x->order_assertion, over);
        if (over || x->order != WP_ORDER_ENCRYPT_FIRST) continue;
        for (size_t k = 0; k < wssec_result_signed_count(res); k++) {
            xmlNodePtr n = NULL;
            const char *uri = NULL, *alg = NULL;
            const wssec_token *by = NULL;
            if (wssec_result_signed(&n, &uri, &alg, &by, res, k) != 0 || by != t || !n ||
                wssec_result_is_decrypted(res, n) != 1)
                continue;
            return wssec_msg_fail(msg, WSSEC_EPOLICY, NULL, n,
                                  "policy assertion %s: the signature's reference %s covers "
                                  "plaintext that was encrypted after it was signed: the "
                                  "message was signed, then encrypted",
                                  x->order_assertion, uri ? uri : "");
        }
    }
    return 0;
}

/* The token of the result res whose element the verified signature sig
 * names by an STR Reference ("#id"), or NULL. */
static const wssec_token *signing_bst(wssec_msg *msg, const wssec_result *res,
                                      const wssec_token *sig)
{
    xmlNodePtr ki = wssec_xml_first_elem(wssec_token_node(sig));
    while (ki && !wssec_xml_is(ki, WSSEC_NS_DS, "KeyInfo")) ki = wssec_xml_next_elem(ki);
    xmlNodePtr str = wssec_xml_first_elem(ki);
    if (!wssec_xml_is(str, WSSEC_NS_WSSE, "SecurityTokenReference")) return NULL;
    xmlNodePtr ref = wssec_xml_first_elem(str);
    const char *uri = wssec_xml_is(ref, WSSEC_NS_WSSE, "Reference") ? wssec_xml_attr(ref, "URI")
                                                                    : NULL;
    xmlAttrPtr id = uri && uri[0] == '#' && uri[1]
                        ? xmlGetID(wssec_msg_doc(msg), BAD_CAST(uri + 1))
                        : NULL;
    for (size_t i = 0; id && i < wssec_result_token_count(res); i++) {
        const wssec_token *t = wssec_result_token(res, i);
        if (t && wssec_token_node(t) == id->parent) return t;
    }
    return NULL;
}

/* The token profile (sp:WssX509V3Token10 ...): the signer's certificate,
 * carried in a BinarySecurityToken, must have that profile's ValueType. */
static int check_profile(wssec_msg *msg, const wssec_result *res, const wssec_token *sig,
                         const wp_inclusion *w)
{
    const wssec_token *bst = signing_bst(msg, res, sig);
    const char *vt = bst ? token_prop(bst, "value-type") : NULL;
    if (vt && !strcmp(vt, w->profile)) return 0;
    return wssec_msg_fail(msg, WSSEC_EPOLICY, NULL, wssec_token_node(sig),
                          "policy assertion %s/%s: the signer's certificate is %s%s, not the "
                          "profile's %s",
                          w->assertion, w->profile_name,
                          vt ? "a BinarySecurityToken of ValueType "
                             : "not in a BinarySecurityToken the signature names by Reference",
                          vt ? vt : "", w->profile);
}

/* After verify: IncludeToken, by the key reference of the verified X.509
 * signatures (the sender's own, w 0; the endorsing one, w 1). */
static int check_inclusion(wssec_msg *msg, const wssec_result *res, const wp_alt *x)
{
    for (size_t i = 0; i < wssec_result_token_count(res); i++) {
        const wssec_token *t = wssec_result_token(res, i);
        if (!t || strcmp(wssec_token_type(t), "signature") != 0 || wssec_token_status(t) != 0 ||
            !token_prop(t, "signer"))
            continue;
        const wp_inclusion *w = &x->inc[token_prop(t, "endorses") ? 1 : 0];
        const char *how = token_prop(t, "key-reference");
        bool in = how && !strcmp(how, "bst");
        if (w->rule == WP_INC_MUST && !in)
            return wssec_msg_fail(msg, WSSEC_EPOLICY, NULL, wssec_token_node(t),
                                  "policy assertion %s: IncludeToken %s: the signer's certificate "
                                  "is not in the message (a BinarySecurityToken); the signature "
                                  "names it by %s",
                                  w->assertion, w->mode, how ? how : "an unknown reference");
        if (w->rule == WP_INC_MUST_NOT && in)
            return wssec_msg_fail(msg, WSSEC_EPOLICY, NULL, wssec_token_node(t),
                                  "policy assertion %s: IncludeToken %s: the message carries the "
                                  "signer's certificate in a BinarySecurityToken",
                                  w->assertion, w->mode);
        if (in && w->profile[0]) WSSEC_GUARD(check_profile(msg, res, t, w));
    }
    return 0;
}

/* After verify: the headers named by parts, signed or encrypted when
 * present; only whole headers and the Body signed. */
static int check_after(wssec_msg *msg, const wssec_result *res, const wp_alt *x)
{
    xmlNodePtr header = wssec_msg_header(msg), body = wssec_msg_body(msg);
    xmlNodePtr sec = wssec_msg_security(msg, 0);
    if (x->symmetric || x->endorse[0]) WSSEC_GUARD(check_signatures(msg, res, x));
    if (x->inc[0].rule || x->inc[1].rule || x->inc[0].profile[0] || x->inc[1].profile[0])
        WSSEC_GUARD(check_inclusion(msg, res, x));
    if (x->order) WSSEC_GUARD(check_order(msg, res, x));
    for (size_t i = 0; i < x->nchecks; i++) {
        const wp_check *c = &x->checks[i];
        for (xmlNodePtr h = header ? wssec_xml_first_elem(header) : NULL; h;
             h = wssec_xml_next_elem(h)) {
            if (h == sec || !h->ns || strcmp((const char *)h->ns->href, c->ns) != 0) continue;
            if (c->name[0] && strcmp((const char *)h->name, c->name) != 0) continue;
            bool ok = c->encrypted ? wssec_result_is_decrypted(res, h) == 1
                                   : wssec_result_is_signed(res, h) == 1;
            if (!ok)
                return wssec_msg_fail(msg, c->encrypted ? WSSEC_EPOLICY : WSSEC_EUNSIGNED, NULL, h,
                                      "policy assertion %s: the header %s is not %s", c->assertion,
                                      (const char *)h->name, c->encrypted ? "encrypted" : "signed");
        }
    }
    if (!x->only_entire) return 0;
    for (size_t i = 0; i < wssec_result_signed_count(res); i++) {
        xmlNodePtr n = NULL;
        const char *uri = NULL, *alg = NULL;
        if (wssec_result_signed(&n, &uri, &alg, NULL, res, i) != 0 || !n) continue;
        if (n == body || (n->parent && (n->parent == header || n->parent == sec))) continue;
        return wssec_msg_fail(msg, WSSEC_EPOLICY, NULL, n,
                              "policy assertion sp:OnlySignEntireHeadersAndBody: a signature "
                              "covers %s, which is neither the Body nor a whole header",
                              (const char *)n->name);
    }
    return 0;
}

int wssec_policy_check(wssec_msg *msg, const wssec_result *res, const wssec_policy *p, size_t t,
                       size_t a)
{
    WSSEC_ARG(msg && p);
    if (t >= p->nt || a >= p->t[t].nalts) return WSSEC_EINVALID;
    const wp_alt *x = &p->t[t].alts[a];
    return res ? check_after(msg, res, x) : check_layout(msg, x);
}

/* ---- which assertion an error shows was not met ---- */

static const char *label_of(const wp_alt *x, const char *option, const char *value)
{
    for (size_t i = 0; i < x->nset; i++)
        if (!strcmp(x->set[i].option, option) && (!value || !strcmp(x->set[i].value, value)))
            return x->set[i].assertion;
    return NULL;
}

/* The assertion of the first setting whose assertion contains piece. */
static const char *label_like(const wp_alt *x, const char *piece)
{
    for (size_t i = 0; i < x->nset; i++)
        if (strstr(x->set[i].assertion, piece)) return x->set[i].assertion;
    return NULL;
}

const char *wssec_policy_blame(const wssec_policy *p, size_t t, size_t a, const wssec_error *err)
{
    if (!p || !err || t >= p->nt || a >= p->t[t].nalts || !err->message) return NULL;
    const wp_alt *x = &p->t[t].alts[a];
    const char *m = err->message;
    /* under the symmetric binding only the endorsement makes parts signed */
    if (x->symmetric && x->endorse[0] &&
        (strstr(m, "required signed part '") || strstr(m, "requires a trusted X.509 signature")))
        return x->endorse;
    if (strstr(m, "requires a Timestamp")) return label_of(x, "require", "timestamp");
    /* a response that does not confirm the request's signatures */
    if (strstr(m, "SignatureConfirmation")) return label_like(x, "RequireSignatureConfirmation");
    if (strstr(m, "requires an authenticated UsernameToken"))
        return label_of(x, "require", "username-token");
    const char *q = strstr(m, "required signed part '");
    const char *kind = "signed:";
    if (!q) {
        q = strstr(m, "required encrypted part '");
        kind = "encrypted:";
    }
    if (q) {
        q = strchr(q, '\'') + 1;
        const char *end = strchr(q, '\'');
        char want[520];
        if (end && (size_t)(end - q) < sizeof(want) - 12) {
            snprintf(want, sizeof(want), "%s%.*s", kind, (int)(end - q), q);
            return label_of(x, "require", want);
        }
    }
    if (strstr(m, "requires a trusted X.509 signature")) {
        for (size_t i = 0; i < x->nset; i++)
            if (!strcmp(x->set[i].option, "require") && !strncmp(x->set[i].value, "signed:", 7))
                return x->set[i].assertion;
    }
    if (err->code == WSSEC_EALGORITHM) {
        const char *l = label_of(x, "allow-sha1", NULL);
        if (!l) l = label_of(x, "sign-alg", NULL);
        if (!l) l = label_of(x, "allow-cbc", NULL);
        return l;
    }
    if (strstr(m, "password") && (strstr(m, "text") || strstr(m, "digest")))
        return label_of(x, "password-type", NULL);
    return NULL;
}

const char *wssec_policy_outbound_refusal(const wssec_policy *p, size_t t, size_t a)
{
    if (!p || t >= p->nt || a >= p->t[t].nalts) return "";
    return p->t[t].alts[a].why_out;
}
