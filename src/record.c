/*
 * wssec — the per-message record: the result an inbound pass builds (the
 * tokens found, the nodes signatures covered and decryption revealed, the
 * warnings, the one error), the token records, and the decryptions queued
 * between walks of the header. Consumers write into it; the policy and the
 * identity phase read it; the caller gets the result.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wssec/wssec.h"
#include "wssec/sys/sdk.h"
#include "record.h"
#include "error.h"
#include "util.h"
#include "x509.h"

/* Entries of one result's arrays (decrypted parts, references, tokens, a
 * token's properties): beyond what the message limits let through. */
#define RECORD_MAX (1u << 20)

/* ---- results and tokens ---- */

int wssec__result_new(wssec_result **out)
{
    *out = wssec__calloc(1, sizeof(**out));
    if (!*out) return WSSEC_ENOMEM;
    wssec__err_clear(&(*out)->err);
    return 0;
}

static void token_free(wssec_token *t)
{
    if (!t) return;
    X509_free(t->cert);
    X509_free(t->signer_cert);
    sk_X509_pop_free(t->chain, X509_free);
    sk_X509_CRL_pop_free(t->crls, X509_CRL_free);
    wssec__free(t->type);
    wssec__free(t->identity);
    wssec__free(t->err);
    wssec__free(t->asserted);
    wssec__free(t->nonce);
    wssec__free(t->sigvalue);
    if (t->secret) wssec__memzero(t->secret, t->secret_len);
    wssec__free(t->secret);
    for (size_t i = 0; i < t->nprops; i++) {
        wssec__free(t->names[i]);
        wssec__free(t->values[i]);
    }
    wssec__free(t->names);
    wssec__free(t->values);
    wssec__free(t);
}

void wssec_result_free(wssec_result *r)
{
    if (!r) return;
    for (size_t i = 0; i < r->ntokens; i++) token_free(r->tokens[i]);
    wssec__free(r->tokens);
    for (size_t i = 0; i < r->nrefs; i++) wssec__free(r->refs[i].uri);
    wssec__free(r->refs);
    wssec__strlist_clear(&r->warnings);
    wssec__free(r->plains);
    wssec__free(r);
}

int wssec__result_add_plain(wssec_result *r, xmlNodePtr node, bool content, xmlNodePtr first,
                            xmlNodePtr last)
{
    WSSEC_GUARD(wssec__array_grow(&r->plains, r->nplains, sizeof(*r->plains), RECORD_MAX));
    r->plains[r->nplains] = (wssec_plain){ .node = node, .content = content, .first = first, .last = last };
    r->nplains++;
    return 0;
}

/* 1 when n is one of the siblings first..last. */
static int in_range(xmlNodePtr n, xmlNodePtr first, xmlNodePtr last)
{
    for (xmlNodePtr c = first; c; c = c->next) {
        if (c == n) return 1;
        if (c == last) break;
    }
    return 0;
}

int wssec__result_decrypted(const wssec_result *r, xmlNodePtr node)
{
    for (xmlNodePtr n = node; n; n = n->parent)
        for (size_t i = 0; i < r->nplains; i++) {
            const wssec_plain *p = &r->plains[i];
            if (!p->content ? p->node == n
                            : (n == p->node && node == p->node) || /* the part itself */
                                  (n->parent == p->node && in_range(n, p->first, p->last)))
                return 1;
        }
    return 0;
}

/* 1 when n is old or lies inside it. */
static int within(xmlNodePtr n, xmlNodePtr old)
{
    for (; n; n = n->parent)
        if (n == old) return 1;
    return 0;
}

int wssec__result_replace(wssec_result *r, xmlNodePtr old, xmlNodePtr first, xmlNodePtr last)
{
    /* the elements that take old's place */
    xmlNodePtr elems[64];
    size_t ne = 0;
    for (xmlNodePtr c = first; c && ne < WSSEC_ARRAY_LEN(elems); c = c->next) {
        if (c->type == XML_ELEMENT_NODE) elems[ne++] = c;
        if (c == last) break;
    }
    /* references: old itself -> each element that replaced it; inside old -> dropped */
    size_t keep = 0, n = r->nrefs;
    for (size_t i = 0; i < n; i++) {
        wssec_ref x = r->refs[i];
        if (x.node == old && ne > 0) {
            x.node = elems[0];
            for (size_t j = 1; j < ne; j++)
                if (wssec__result_add_ref(r, elems[j], x.uri, x.digest, x.signature, x.whole))
                    return WSSEC_ENOMEM;
        } else if (within(x.node, old)) {
            wssec__free(x.uri);
            continue;
        }
        r->refs[keep++] = x;
    }
    /* records appended above sit after the old count: move them down */
    for (size_t i = n; i < r->nrefs; i++) r->refs[keep++] = r->refs[i];
    r->nrefs = keep;
    /* decrypted parts: likewise (a part decrypted twice: nested ciphertext) */
    keep = 0;
    for (size_t i = 0; i < r->nplains; i++) {
        wssec_plain p = r->plains[i];
        if (p.content && (p.first == old || p.last == old)) {
            if (!first) continue;
            if (p.first == old) p.first = first;
            if (p.last == old) p.last = last;
        } else if (within(p.node, old)) {
            if (p.node != old || ne == 0) continue;
            p.node = elems[0];
        }
        r->plains[keep++] = p;
    }
    r->nplains = keep;
    /* tokens are listed for people even when their element is gone: never
     * left pointing at freed memory */
    for (size_t i = 0; i < r->ntokens; i++)
        if (within(r->tokens[i]->node, old)) r->tokens[i]->node = ne ? elems[0] : old->parent;
    return 0;
}

void wssec__result_reject(wssec_result *r)
{
    r->caller = NULL;
    r->asserted_by = NULL;
    for (size_t i = 0; i < r->nrefs; i++) wssec__free(r->refs[i].uri);
    r->nrefs = 0;
    r->nplains = 0;
    for (size_t i = 0; i < r->ntokens; i++) {
        wssec__free(r->tokens[i]->identity);
        r->tokens[i]->identity = NULL;
    }
}

size_t wssec_result_decrypted_count(const wssec_result *r) { return r ? r->nplains : 0; }

int wssec_result_decrypted(xmlNodePtr *node, int *content, const wssec_result *r, size_t i)
{
    WSSEC_ARG(node);
    *node = NULL;
    WSSEC_ARG(r);
    if (i >= r->nplains) return WSSEC_EINVALID;
    *node = r->plains[i].node;
    if (content) *content = r->plains[i].content;
    return 0;
}

int wssec_result_is_decrypted(const wssec_result *r, xmlNodePtr node)
{
    WSSEC_ARG_OR(r && node, 0);
    return wssec__result_decrypted(r, node);
}

void wssec__result_forget(wssec_result *r, xmlNodePtr elem)
{
    for (size_t t = r->ntokens; t-- > 0;) {
        wssec_token *x = r->tokens[t];
        if (x->node != elem) continue;
        if (r->caller == x) r->caller = NULL;
        token_free(x);
        memmove(&r->tokens[t], &r->tokens[t + 1], (r->ntokens - t - 1) * sizeof(*r->tokens));
        r->ntokens--;
    }
}

int wssec__result_warn(wssec_result *r, const char *text)
{
    for (size_t i = 0; i < r->warnings.n; i++)
        if (strcmp(r->warnings.v[i], text) == 0) return 0;
    return wssec__strlist_add(&r->warnings, text);
}

size_t wssec_result_warning_count(const wssec_result *r) { return r ? r->warnings.n : 0; }

const char *wssec_result_warning(const wssec_result *r, size_t i)
{
    WSSEC_ARG_OR(r, NULL);
    return i < r->warnings.n ? r->warnings.v[i] : NULL;
}

int wssec__result_add_ref(wssec_result *r, xmlNodePtr node, const char *uri, const char *digest,
                          const wssec_token *signature, bool whole)
{
    WSSEC_GUARD(wssec__array_grow(&r->refs, r->nrefs, sizeof(*r->refs), RECORD_MAX));
    wssec_ref *x = &r->refs[r->nrefs];
    if (!(x->uri = wssec__strdup(uri))) return WSSEC_ENOMEM;
    x->node = node;
    x->digest = digest;
    x->signature = signature;
    x->whole = whole;
    r->nrefs++;
    return 0;
}

size_t wssec_result_signed_count(const wssec_result *r) { return r ? r->nrefs : 0; }

int wssec_result_signed(xmlNodePtr *node, const char **uri, const char **digest_alg,
                        const wssec_token **signature, const wssec_result *r, size_t i)
{
    WSSEC_ARG(node);
    *node = NULL;
    WSSEC_ARG(r);
    if (i >= r->nrefs) return WSSEC_EINVALID;
    *node = r->refs[i].node;
    if (uri) *uri = r->refs[i].uri;
    if (digest_alg) *digest_alg = r->refs[i].digest;
    if (signature) *signature = r->refs[i].signature;
    return 0;
}

int wssec_result_is_signed(const wssec_result *r, xmlNodePtr node)
{
    WSSEC_ARG_OR(r && node, 0);
    return wssec__result_covers(r, node);
}

wssec_token *wssec__token_by_id(const wssec_msg *msg, const char *id)
{
    if (!msg->res || !msg->doc) return NULL;
    xmlAttrPtr a = xmlGetID(msg->doc, BAD_CAST id);
    if (!a || !a->parent) return NULL;
    for (size_t i = 0; i < msg->res->ntokens; i++)
        if (msg->res->tokens[i]->node == a->parent) return msg->res->tokens[i];
    return NULL;
}

const wssec_error *wssec_result_error(const wssec_result *r)
{
    return r ? &r->err.pub : wssec__err_null();
}

const char *wssec_result_caller(const wssec_result *r)
{
    WSSEC_ARG_OR(r, NULL);
    return r->caller ? r->caller->identity : NULL;
}

X509 *wssec_result_caller_cert(const wssec_result *r)
{
    WSSEC_ARG_OR(r, NULL);
    const wssec_token *c = r->caller;
    if (!c || r->asserted_by) return NULL;
    if (!strcmp(c->type, "signature")) return c->signer_cert;
    if (!strcmp(c->type, WSSEC_TRANSPORT_TOKEN_TYPE)) return c->cert;
    return NULL;
}

size_t wssec_result_token_count(const wssec_result *r) { return r ? r->ntokens : 0; }

const wssec_token *wssec_result_token(const wssec_result *r, size_t i)
{
    WSSEC_ARG_OR(r, NULL);
    return i < r->ntokens ? r->tokens[i] : NULL;
}

const char *wssec_token_type(const wssec_token *t) { return t ? t->type : NULL; }
xmlNodePtr wssec_token_node(const wssec_token *t) { return t ? t->node : NULL; }
const char *wssec_token_identity(const wssec_token *t) { return t ? t->identity : NULL; }
int wssec_token_status(const wssec_token *t) { return t ? t->status : WSSEC_EINVALID; }
const wssec_error *wssec_token_error(const wssec_token *t)
{
    if (!t) return wssec__err_null();
    return t->err ? &t->err->pub : wssec__err_none();
}

int wssec__token_fail(wssec_token *t, int code, const wssec_errrec *from)
{
    t->status = code;
    if (!t->err && !(t->err = wssec__malloc(sizeof(*t->err)))) return WSSEC_ENOMEM;
    if (from && from->pub.code) {
        wssec__err_copy(t->err, from);
        t->err->pub.code = code;
        t->err->pub.category = wssec_code_category(code);
    } else {
        WSSEC_ERR(t->err, code, "%s", wssec_code_description(code));
    }
    return 0;
}
size_t wssec_token_prop_count(const wssec_token *t) { return t ? t->nprops : 0; }

int wssec_token_prop(const char **name, const char **value, const wssec_token *t, size_t i)
{
    WSSEC_ARG(name && value);
    *name = *value = NULL;
    WSSEC_ARG(t);
    if (i >= t->nprops) return WSSEC_EINVALID;
    *name = t->names[i];
    *value = t->values[i];
    return 0;
}

const char *wssec_token_get(const wssec_token *t, const char *name)
{
    WSSEC_ARG_OR(t && name, NULL);
    for (size_t i = 0; i < t->nprops; i++)
        if (strcmp(t->names[i], name) == 0) return t->values[i];
    return NULL;
}

wssec_token *wssec_msg_add_token(wssec_msg *msg, const char *type, xmlNodePtr node)
{
    WSSEC_ARG_OR(msg && type, NULL);
    wssec_result *r = msg->res;
    if (!r) return NULL;
    wssec_token *t = wssec__calloc(1, sizeof(*t));
    if (!t || wssec__array_grow(&r->tokens, r->ntokens, sizeof(*r->tokens), RECORD_MAX) ||
        !(t->type = wssec__strdup(type))) {
        token_free(t);
        return NULL;
    }
    t->node = node;
    r->tokens[r->ntokens++] = t;
    return t;
}

int wssec_token_set_identity(wssec_token *t, const char *identity)
{
    WSSEC_ARG(t && identity);
    char *d = wssec__strdup(identity);
    if (!d) return WSSEC_ENOMEM;
    wssec__free(t->identity);
    t->identity = d;
    return 0;
}

int wssec_token_set(wssec_token *t, const char *name, const char *value)
{
    WSSEC_ARG(t && name && value);
    WSSEC_GUARD(wssec__array_grow(&t->names, t->nprops, sizeof(*t->names), RECORD_MAX));
    WSSEC_GUARD(wssec__array_grow(&t->values, t->nprops, sizeof(*t->values), RECORD_MAX));
    char *dn = wssec__strdup(name), *dv = wssec__strdup(value);
    if (!dn || !dv) {
        wssec__free(dn);
        wssec__free(dv);
        return WSSEC_ENOMEM;
    }
    t->names[t->nprops] = dn;
    t->values[t->nprops] = dv;
    t->nprops++;
    return 0;
}

static bool endorses(const wssec_result *r, const wssec_token *e, const wssec_token *sig);

int wssec_msg_set_caller(wssec_msg *msg, wssec_token *token)
{
    WSSEC_ARG(msg && token);
    wssec_result *r = msg->res;
    if (!r || !token->identity) return WSSEC_EINVALID;
    /* Two tokens of one kind must agree on the caller. Of different kinds, a
     * UsernameToken names the user, a signature the sending system. */
    /* An X.509 signature that endorses another signature speaks for the
     * message: its signer is the caller, whoever signed the endorsed one. */
    if (r->caller && strcmp(r->caller->type, "signature") == 0 && endorses(r, token, r->caller)) {
        r->caller = token;
        return 0;
    }
    if (r->caller && endorses(r, r->caller, token)) return 0;
    if (r->caller && r->caller != token && strcmp(r->caller->type, token->type) == 0 &&
        strcmp(r->caller->identity, token->identity) != 0)
        return wssec_msg_fail(msg, WSSEC_EPOLICY, NULL, token->node,
                              "two tokens authenticate different callers ('%s' and '%s')",
                              r->caller->identity, token->identity);
    if (r->caller && strcmp(r->caller->type, "username-token") == 0 &&
        strcmp(token->type, "username-token") != 0)
        return 0;
    r->caller = token;
    return 0;
}

/* A signature verified with a symmetric key from an EncryptedKey (an HMAC
 * signature): anyone can make such a key for us, so what it covers is
 * intact but signed by nobody in particular, unless a verified X.509
 * signature endorses it. */
static bool by_symmetric_key(const wssec_result *r, const wssec_token *sig)
{
    return sig && !sig->signer_cert && sig->signer_token && sig->signer_token->secret &&
           !wssec__result_endorser(r, sig);
}

int wssec__result_covers(const wssec_result *r, xmlNodePtr node)
{
    for (xmlNodePtr n = node; n; n = n->parent)
        for (size_t i = 0; i < r->nrefs; i++)
            if (r->refs[i].node == n && r->refs[i].whole &&
                !by_symmetric_key(r, r->refs[i].signature))
                return 1;
    return 0;
}

/* 1 when a verified reference of signature e covered the element of
 * signature sig itself, whole: by node identity, never by name or Id (a
 * signed UsernameToken or Timestamp is covered, not endorsed). */
static bool endorses(const wssec_result *r, const wssec_token *e, const wssec_token *sig)
{
    if (!e || !sig || e == sig || !sig->node || strcmp(sig->type, "signature") != 0) return false;
    for (size_t i = 0; i < r->nrefs; i++)
        if (r->refs[i].signature == e && r->refs[i].node == sig->node && r->refs[i].whole)
            return true;
    return false;
}

const wssec_token *wssec__result_endorser(const wssec_result *r, const wssec_token *sig)
{
    if (!r || !sig || strcmp(sig->type, "signature") != 0) return NULL;
    for (size_t i = 0; i < r->nrefs; i++) {
        const wssec_token *e = r->refs[i].signature;
        if (e && e->status == 0 && e->signer_cert && strcmp(e->type, "signature") == 0 &&
            endorses(r, e, sig))
            return e;
    }
    return NULL;
}

/* ---- decryption between walks ---- */

int wssec_msg_defer(wssec_msg *msg, wssec_token *tok, int (*check)(wssec_msg *, void *),
                     int (*run)(wssec_msg *, void *), void (*free_job)(void *), void *job)
{
    if (!msg || !check || !run || !free_job) {
        if (free_job) free_job(job); /* owned from the call on, even when refused */
        return WSSEC_EINVALID;
    }
    if (msg->njobs == msg->jobs_cap) {
        size_t cap = msg->jobs_cap ? msg->jobs_cap * 2 : 4;
        wssec_deferred *v = wssec__realloc(msg->jobs, cap * sizeof(*v));
        if (!v) {
            free_job(job);
            return WSSEC_ENOMEM;
        }
        msg->jobs = v;
        msg->jobs_cap = cap;
    }
    msg->jobs[msg->njobs++] =
        (wssec_deferred){ .token = tok, .check = check, .run = run, .free = free_job, .job = job };
    return 0;
}

int wssec_msg_claim(wssec_msg *msg, xmlNodePtr data)
{
    WSSEC_ARG(msg && data);
    for (size_t i = 0; i < msg->nclaimed; i++)
        if (msg->claimed[i] == data)
            return wssec_msg_fail(msg, WSSEC_EMALFORMED, NULL, data,
                                  "two EncryptedKeys reference one EncryptedData");
    if (msg->nclaimed == msg->claimed_cap) {
        size_t cap = msg->claimed_cap ? msg->claimed_cap * 2 : 8;
        xmlNodePtr *v = wssec__realloc(msg->claimed, cap * sizeof(*v));
        if (!v) return WSSEC_ENOMEM;
        msg->claimed = v;
        msg->claimed_cap = cap;
    }
    msg->claimed[msg->nclaimed++] = data;
    return 0;
}

void wssec_msg_unclaim(wssec_msg *msg, xmlNodePtr data)
{
    WSSEC_ARG_VOID(msg && data);
    for (size_t i = 0; i < msg->nclaimed; i++)
        if (msg->claimed[i] == data) {
            msg->claimed[i] = msg->claimed[--msg->nclaimed];
            return;
        }
}

void wssec_msg_retry_after_decryption(wssec_msg *msg)
{
    WSSEC_ARG_VOID(msg);
    msg->retry = true;
}

void wssec__msg_free_jobs(wssec_msg *msg)
{
    for (size_t i = 0; i < msg->njobs; i++) msg->jobs[i].free(msg->jobs[i].job);
    msg->njobs = 0;
}

void wssec__msg_clear_inbound(wssec_msg *msg)
{
    wssec__msg_free_jobs(msg);
    wssec__free(msg->jobs);
    msg->jobs = NULL;
    msg->jobs_cap = 0;
    wssec__free(msg->claimed);
    msg->claimed = NULL;
    msg->nclaimed = msg->claimed_cap = 0;
    msg->signed_ciphertext = msg->oracle_risk = msg->decrypted = msg->retry = false;
}

/* The walk's result is its first failure, with that failure's error. */

/* ---- the tokens found so far and their typed facts (sys/token.h) ---- */

size_t wssec_msg_token_count(const wssec_msg *msg)
{
    return msg && msg->res ? msg->res->ntokens : 0;
}

wssec_token *wssec_msg_token(const wssec_msg *msg, size_t i)
{
    return i < wssec_msg_token_count(msg) ? msg->res->tokens[i] : NULL;
}

wssec_token *wssec_msg_token_by_id(const wssec_msg *msg, const char *id)
{
    WSSEC_ARG_OR(msg && id, NULL);
    return wssec__token_by_id(msg, id);
}

int wssec__token_set_cert_desc(wssec_token *tok, X509 *leaf, STACK_OF(X509) *others,
                               const wssec_certdesc *d)
{
    if (!tok || !leaf || !d) {
        X509_free(leaf);
        sk_X509_pop_free(others, X509_free);
        return WSSEC_EINVALID;
    }
    char text[16];
    X509_free(tok->cert);
    sk_X509_pop_free(tok->chain, X509_free);
    tok->cert = leaf;
    tok->chain = others;
    if (wssec_token_set_identity(tok, d->subject) || wssec_token_set(tok, "subject", d->subject) ||
        wssec_token_set(tok, "issuer", d->issuer) || wssec_token_set(tok, "serial", d->serial) ||
        (d->not_before && wssec_token_set(tok, "not-before", d->not_before)) ||
        (d->not_after && wssec_token_set(tok, "not-after", d->not_after)) ||
        wssec_token_set(tok, "sha256", d->sha256))
        return WSSEC_ENOMEM;
    snprintf(text, sizeof(text), "%d", others ? sk_X509_num(others) : 0);
    if (wssec_token_set(tok, "chain-certificates", text)) return WSSEC_ENOMEM;
    return 0;
}

int wssec_token_set_cert(wssec_token *tok, X509 *leaf, STACK_OF(X509) *others)
{
    wssec_certdesc d;
    if (!tok || !leaf || wssec__certdesc_make(leaf, &d)) {
        X509_free(leaf);
        sk_X509_pop_free(others, X509_free);
        return tok && leaf ? WSSEC_ENOMEM : WSSEC_EINVALID;
    }
    int rc = wssec__token_set_cert_desc(tok, leaf, others, &d);
    wssec__certdesc_clear(&d);
    return rc;
}

X509 *wssec_token_cert(const wssec_token *t) { return t ? t->cert : NULL; }

STACK_OF(X509) *wssec_token_chain(const wssec_token *t) { return t ? t->chain : NULL; }

void wssec_token_set_crls(wssec_token *t, STACK_OF(X509_CRL) *crls)
{
    if (!t) {
        sk_X509_CRL_pop_free(crls, X509_CRL_free);
        return;
    }
    sk_X509_CRL_pop_free(t->crls, X509_CRL_free);
    t->crls = crls;
}

STACK_OF(X509_CRL) *wssec_token_crls(const wssec_token *t) { return t ? t->crls : NULL; }

void wssec_token_set_times(wssec_token *t, const wssec_time *created, const wssec_time *expires)
{
    WSSEC_ARG_VOID(t);
    t->has_times = 0;
    if (created) {
        t->created = *created;
        t->has_times |= 1;
    }
    if (expires) {
        t->expires = *expires;
        t->has_times |= 2;
    }
}

int wssec_token_times(wssec_time *created, wssec_time *expires, const wssec_token *t)
{
    WSSEC_ARG_OR(created && expires && t, 0);
    if (t->has_times & 1) *created = t->created;
    if (t->has_times & 2) *expires = t->expires;
    return t->has_times;
}

int wssec_token_set_signer(wssec_token *sig, const wssec_token *key_token, X509 *cert)
{
    WSSEC_ARG(sig);
    if (cert && !X509_up_ref(cert)) return WSSEC_ENOMEM;
    X509_free(sig->signer_cert);
    sig->signer_cert = cert;
    sig->signer_token = key_token;
    return 0;
}

const wssec_token *wssec_token_signer(const wssec_token *sig) { return sig ? sig->signer_token : NULL; }

X509 *wssec_token_signer_cert(const wssec_token *sig) { return sig ? sig->signer_cert : NULL; }

void wssec_token_set_replay(wssec_token *sig, const unsigned char key[32], wssec_time horizon)
{
    WSSEC_ARG_VOID(sig && key);
    memcpy(sig->replay_key, key, sizeof(sig->replay_key));
    sig->has_replay_key = true;
    sig->signer_not_after = horizon;
}

/* ---- what a consumer proved (sys/record.h) ---- */

int wssec_msg_warn(wssec_msg *msg, const char *text)
{
    WSSEC_ARG(msg && msg->res && text);
    return wssec__result_warn(msg->res, text);
}

int wssec_msg_add_signed(wssec_msg *msg, xmlNodePtr node, const char *uri, const char *digest,
                         const wssec_token *signature, int whole)
{
    WSSEC_ARG(msg && msg->res && node);
    return wssec__result_add_ref(msg->res, node, uri, digest, signature, whole != 0);
}

int wssec_msg_is_covered(const wssec_msg *msg, xmlNodePtr node)
{
    WSSEC_ARG_OR(msg && msg->res && node, 0);
    return wssec__result_covers(msg->res, node);
}

int wssec_msg_add_decrypted(wssec_msg *msg, xmlNodePtr node, int content, xmlNodePtr first,
                            xmlNodePtr last)
{
    WSSEC_ARG(msg && msg->res && node);
    return wssec__result_add_plain(msg->res, node, content != 0, first, last);
}

int wssec_msg_is_decrypted(const wssec_msg *msg, xmlNodePtr node)
{
    WSSEC_ARG_OR(msg && msg->res && node, 0);
    return wssec__result_decrypted(msg->res, node);
}

int wssec_msg_replace(wssec_msg *msg, xmlNodePtr old, xmlNodePtr first, xmlNodePtr last)
{
    WSSEC_ARG(msg && msg->res && old);
    return wssec__result_replace(msg->res, old, first, last);
}

/* ---- identity assertion and UsernameTokens (sys/token.h) ---- */

int wssec_token_set_asserted(wssec_token *t, wssec_asserted_kind kind, const char *identity)
{
    WSSEC_ARG(t && identity && *identity);
    WSSEC_ARG(kind == WSSEC_ASSERTED_USERNAME || kind == WSSEC_ASSERTED_DN);
    char *type = wssec__strdup(WSSEC_TOKEN_IDENTITY_ASSERTION), *who = wssec__strdup(identity);
    if (!type || !who) {
        wssec__free(type);
        wssec__free(who);
        return WSSEC_ENOMEM;
    }
    wssec__free(t->type);
    t->type = type;
    wssec__free(t->asserted);
    t->asserted = who;
    t->asserted_kind = kind;
    /* for reports */
    if (wssec_token_set(t, "asserted-kind", kind == WSSEC_ASSERTED_DN ? "dn" : "username") ||
        wssec_token_set(t, "asserted", identity))
        return WSSEC_ENOMEM;
    return 0;
}

const char *wssec_token_asserted(wssec_asserted_kind *kind, const wssec_token *t)
{
    WSSEC_ARG_OR(t && t->asserted, NULL);
    if (kind) *kind = (wssec_asserted_kind)t->asserted_kind;
    return t->asserted;
}

/* Replaces a token's byte field with a copy of p (n > 0 bytes). */
static int set_bytes(unsigned char **field, size_t *field_len, const unsigned char *p, size_t n)
{
    unsigned char *copy = wssec__malloc(n);
    if (!copy) return WSSEC_ENOMEM;
    memcpy(copy, p, n);
    wssec__free(*field);
    *field = copy;
    *field_len = n;
    return 0;
}

int wssec_token_set_nonce(wssec_token *t, const unsigned char *nonce, size_t len)
{
    WSSEC_ARG(t && nonce && len > 0);
    return set_bytes(&t->nonce, &t->nonce_len, nonce, len);
}

size_t wssec_token_nonce(const unsigned char **nonce, const wssec_token *t)
{
    WSSEC_ARG_OR(nonce, 0);
    *nonce = t ? t->nonce : NULL;
    return *nonce ? t->nonce_len : 0;
}

/* ---- the message, for generators (sys/module.h) ---- */

const char *wssec_msg_username(const wssec_msg *msg) { return msg ? msg->username : NULL; }

/* ---- the decryption protocol, for the modules that decrypt (sys/record.h) ---- */

size_t wssec_msg_deferred_count(const wssec_msg *msg) { return msg ? msg->njobs : 0; }

int wssec_msg_may_decrypt(wssec_msg *msg, xmlNodePtr data)
{
    WSSEC_ARG_OR(msg && msg->res && data, 0);
    /* once true, true for the rest of the pass (wssec__msg_clear_inbound) */
    for (size_t i = 0; i < msg->nclaimed && !msg->signed_ciphertext; i++)
        msg->signed_ciphertext = wssec__result_covers(msg->res, msg->claimed[i]);
    return !msg->signed_ciphertext || wssec__result_covers(msg->res, data);
}

void wssec_msg_decryption_started(wssec_msg *msg)
{
    WSSEC_ARG_VOID(msg);
    msg->decrypted = true;
}

void wssec_msg_decrypting(wssec_msg *msg, xmlNodePtr data, int integrity)
{
    WSSEC_ARG_VOID(msg && data);
    /* without a result to ask, nothing is known covered: the rule holds */
    if (!integrity && !(msg->res && wssec__result_covers(msg->res, data))) msg->oracle_risk = true;
}

int wssec_msg_decrypt_failed(wssec_msg *msg)
{
    WSSEC_ARG(msg);
    return wssec_msg_fail(msg, WSSEC_EDECRYPT, NULL, NULL, WSSEC_DECRYPT_FAILED);
}

int wssec_token_set_signature_value(wssec_token *t, const unsigned char *value, size_t len)
{
    WSSEC_ARG(t && value && len > 0);
    return set_bytes(&t->sigvalue, &t->sigvalue_len, value, len);
}

size_t wssec_token_signature_value(const unsigned char **value, const wssec_token *t)
{
    WSSEC_ARG_OR(value, 0);
    *value = t ? t->sigvalue : NULL;
    return *value ? t->sigvalue_len : 0;
}

int wssec_token_set_secret(wssec_token *t, const unsigned char *key, size_t len)
{
    WSSEC_ARG(t && key && len > 0);
    if (t->secret) wssec__memzero(t->secret, t->secret_len);
    return set_bytes(&t->secret, &t->secret_len, key, len);
}

size_t wssec_token_secret(const unsigned char **key, const wssec_token *t)
{
    WSSEC_ARG_OR(key, 0);
    *key = t ? t->secret : NULL;
    return *key ? t->secret_len : 0;
}
