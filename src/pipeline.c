/*
 * wssec — the pipeline: walks our Security header inbound (consumers, then
 * policy) or the action list outbound (generators); results and tokens.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wssec/wssec.h"
#include "wssec/sys/sdk.h"
#include "context.h"
#include "error.h"
#include "global.h"
#include "identity.h"
#include "policy.h"
#include "record.h"
#include "registry.h"
#include "settings.h"
#include "trust.h"
#include "util.h"
#include "xml.h"

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
    wssec_plain *v = wssec__realloc(r->plains, (r->nplains + 1) * sizeof(*v));
    if (!v) return WSSEC_ENOMEM;
    r->plains = v;
    v[r->nplains] = (wssec_plain){ .node = node, .content = content, .first = first, .last = last };
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
    wssec_ref *v = wssec__realloc(r->refs, (r->nrefs + 1) * sizeof(*v));
    if (!v) return WSSEC_ENOMEM;
    r->refs = v;
    wssec_ref *x = &v[r->nrefs];
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
    wssec_token **v = t ? wssec__realloc(r->tokens, (r->ntokens + 1) * sizeof(*v)) : NULL;
    if (v) r->tokens = v; /* the old array may be gone even if what follows fails */
    if (!v || !(t->type = wssec__strdup(type))) {
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
    char **n = wssec__realloc(t->names, (t->nprops + 1) * sizeof(*n));
    if (!n) return WSSEC_ENOMEM;
    t->names = n;
    char **v = wssec__realloc(t->values, (t->nprops + 1) * sizeof(*v));
    if (!v) return WSSEC_ENOMEM;
    t->values = v;
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

int wssec_msg_set_caller(wssec_msg *msg, wssec_token *token)
{
    WSSEC_ARG(msg && token);
    wssec_result *r = msg->res;
    if (!r || !token->identity) return WSSEC_EINVALID;
    /* Two tokens of one kind must agree on the caller. Of different kinds, a
     * UsernameToken names the user, a signature the sending system. */
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

/* ---- inbound ---- */

/* The status of the tokens a consumer added (or of a placeholder for the
 * element when it added none). */
static int mark_tokens(wssec_msg *msg, size_t first, xmlNodePtr elem, const char *type, int rc)
{
    wssec_result *r = msg->res;
    if (r->ntokens == first && !wssec_msg_add_token(msg, type, elem)) return WSSEC_ENOMEM;
    if (rc == 0) return 0;
    /* the consumer's own token: one it consumed ahead (a BinarySecurityToken
     * after the Signature) may have been added after it */
    wssec_token *t = r->tokens[r->ntokens - 1];
    for (size_t i = r->ntokens; i-- > first;)
        if (r->tokens[i]->node == elem) {
            t = r->tokens[i];
            break;
        }
    return wssec__token_fail(t, rc, &msg->err);
}


/* All the text under elem, in characters: what a module reading the token
 * (xmlNodeGetContent) would get, however it is split by comments or CDATA
 * sections. A token's base64 is refused by this size before any module
 * decodes it. Iterative: depth is bounded by the parser, but no recursion. */
static size_t text_size(xmlNodePtr elem)
{
    size_t total = 0;
    for (xmlNodePtr n = elem; n; n = wssec_xml_next_in(n, elem))
        if ((n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE) && n->content)
            total += strlen((const char *)n->content);
    return total;
}

/* Runs the consumer of one child of our Security header and records its
 * tokens' status. */
static int consume_one(wssec_msg *msg, xmlNodePtr e)
{
    size_t before = msg->res->ntokens;
    msg->failed = false;
    const wssec_module *m = wssec__modlist_for_elem(&msg->ctx->modules, e);
    const size_t max_text = msg->ctx->s.max_token_size / 3 * 4 + 1024; /* base64 + line breaks */
    size_t text = text_size(e);
    int rc;
    if (text > max_text) {
        rc = wssec_msg_fail(msg, WSSEC_ELIMIT, "wsse:InvalidSecurityToken", e,
                            "%s holds %zu characters of text, more than max-token-size %zu "
                            "bytes allows; refused before decoding",
                            (const char *)e->name, text, msg->ctx->s.max_token_size);
    } else if (!m) {
        rc = wssec_msg_fail(msg, WSSEC_EUNSUPPORTED, NULL, e,
                            "element {%s}%s in the Security header is not supported",
                            e->ns ? (const char *)e->ns->href : "", (const char *)e->name);
    } else {
        rc = m->consume(msg, e, m->userdata);
        if (rc > 0) rc = WSSEC_EINTERNAL;
        if (rc < 0 && !msg->failed)
            wssec_msg_fail(msg, rc, NULL, e, "%s: %s", m->name, wssec_code_description(rc));
    }
    if (mark_tokens(msg, before, e, m ? m->name : "unknown", rc)) return WSSEC_ENOMEM;
    return rc;
}

static bool consumed_ahead(const wssec_msg *msg, xmlNodePtr e)
{
    for (size_t i = 0; i < msg->nahead; i++)
        if (msg->ahead[i] == e) return true;
    return false;
}

/* A token that a signature or an EncryptedKey references before it appears
 * in our header (zeep puts its BinarySecurityToken after the Signature):
 * consumed now, once, and skipped when the walk reaches it. IDs are unique,
 * so the reference cannot mean another element; only X.509 tokens of our
 * own header qualify. */
static int consume_ahead(wssec_msg *msg, xmlNodePtr e)
{
    if (e->parent != msg->security || consumed_ahead(msg, e) ||
        !wssec_xml_is(e, WSSEC_NS_WSSE, "BinarySecurityToken") ||
        msg->nahead >= WSSEC_ARRAY_LEN(msg->ahead))
        return WSSEC_EUNAVAILABLE;
    bool failed = msg->failed;
    msg->ahead[msg->nahead++] = e;
    int rc = consume_one(msg, e);
    msg->failed = failed;
    return rc;
}

/* ---- decryption between walks ---- */

int wssec__msg_defer(wssec_msg *msg, wssec_token *tok, int (*check)(wssec_msg *, void *),
                     int (*run)(wssec_msg *, void *), void (*free_job)(void *), void *job)
{
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

int wssec__msg_claim(wssec_msg *msg, xmlNodePtr data)
{
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

void wssec__msg_unclaim(wssec_msg *msg, xmlNodePtr data)
{
    for (size_t i = 0; i < msg->nclaimed; i++)
        if (msg->claimed[i] == data) {
            msg->claimed[i] = msg->claimed[--msg->nclaimed];
            return;
        }
}

void wssec__msg_retry_after_decryption(wssec_msg *msg) { msg->retry = true; }

static void free_jobs(wssec_msg *msg)
{
    for (size_t i = 0; i < msg->njobs; i++) msg->jobs[i].free(msg->jobs[i].job);
    msg->njobs = 0;
}

void wssec__msg_clear_inbound(wssec_msg *msg)
{
    free_jobs(msg);
    wssec__free(msg->jobs);
    msg->jobs = NULL;
    msg->jobs_cap = 0;
    wssec__free(msg->claimed);
    msg->claimed = NULL;
    msg->nclaimed = msg->claimed_cap = 0;
    msg->signed_ciphertext = msg->oracle_risk = msg->decrypted = msg->retry = false;
}

/* The walk's result is its first failure, with that failure's error. */
static void keep_first(wssec_msg *msg, int *first_rc, int rc)
{
    if (*first_rc) return;
    *first_rc = rc;
    wssec__err_copy(&msg->res->err, &msg->err);
}

/* Records a job's failure on its token and as the walk's result. */
static int job_failed(wssec_msg *msg, wssec_deferred *j, int rc, int *first_rc)
{
    if (rc > 0) rc = WSSEC_EINTERNAL;
    if (!msg->failed) wssec_msg_fail(msg, rc, NULL, j->token ? j->token->node : NULL, "%s",
                                     wssec_code_description(rc));
    if (j->token && wssec__token_fail(j->token, rc, &msg->err)) rc = WSSEC_ENOMEM;
    keep_first(msg, first_rc, rc);
    return rc;
}

/* Carries out the queued decryptions: every check first (nothing is
 * decrypted if one refuses), then every run; then the document is
 * checked once as if it had just been parsed. */
static int run_jobs(wssec_msg *msg, int *first_rc)
{
    int rc = 0;
    for (size_t i = 0; i < msg->njobs && !rc; i++) {
        msg->failed = false;
        rc = msg->jobs[i].check(msg, msg->jobs[i].job);
        if (rc) job_failed(msg, &msg->jobs[i], rc, first_rc);
    }
    for (size_t i = 0; i < msg->njobs && !rc; i++) {
        msg->failed = false;
        rc = msg->jobs[i].run(msg, msg->jobs[i].job);
        if (rc) job_failed(msg, &msg->jobs[i], rc, first_rc);
    }
    if (!rc && msg->njobs) {
        msg->failed = false;
        rc = wssec__recheck(msg);
        if (rc) keep_first(msg, first_rc, rc);
    }
    free_jobs(msg);
    return rc;
}

/* How many failing consumers `wssec inspect` reports before it stops: its
 * work stays bounded whatever the message holds. */
#define INSPECT_FAILURE_BUDGET 16

/* The walk of our Security header, in rounds. A round consumes, in header
 * order, every child not consumed yet, except ciphertext (xenc:EncryptedData
 * waits for its key). Consumers that find ciphertext queue its decryption;
 * after the round, the queued decryptions are checked and carried out, and
 * the next round consumes what decryption revealed and the consumers that
 * asked to run again (a signature over plaintext, sign-then-encrypt). So
 * every signature that can be verified before any decryption is verified
 * first, whatever the order of the blocks, and decides which ciphertext may
 * be decrypted. */
static int run_consumers(wssec_msg *msg)
{
    int first_rc = 0;
    size_t failures = 0;
    xmlNodePtr seen[512];
    size_t nseen = 0;
    msg->nahead = 0;
    msg->consume_ahead = consume_ahead;
    wssec__msg_clear_inbound(msg);
    for (size_t round = 0; round <= msg->ctx->s.max_encrypted_keys; round++) {
        xmlNodePtr again[64];
        size_t nagain = 0;
        int tentative_rc = 0;
        wssec_errrec tentative;
        bool stop = false;
        for (xmlNodePtr e = wssec_xml_first_elem(msg->security); e && !stop; e = wssec_xml_next_elem(e)) {
            if (consumed_ahead(msg, e) || wssec_xml_is(e, WSSEC_NS_XENC, "EncryptedData")) continue;
            bool done = false;
            for (size_t i = 0; i < nseen && !done; i++) done = seen[i] == e;
            if (done) continue;
            if (nseen == WSSEC_ARRAY_LEN(seen)) {
                int rc = wssec_msg_fail(msg, WSSEC_ELIMIT, "wsse:InvalidSecurity", e,
                                        "more than %zu blocks in the Security header",
                                        WSSEC_ARRAY_LEN(seen));
                keep_first(msg, &first_rc, rc);
                stop = true;
                break;
            }
            msg->retry = false;
            int rc = consume_one(msg, e);
            if (rc < 0 && msg->retry && nagain < WSSEC_ARRAY_LEN(again)) {
                /* decided after this round: retried if it queued decryptions */
                if (!tentative_rc) {
                    tentative_rc = rc;
                    wssec__err_copy(&tentative, &msg->err);
                }
                again[nagain++] = e;
                continue;
            }
            seen[nseen++] = e;
            if (rc < 0) {
                keep_first(msg, &first_rc, rc);
                if (rc == WSSEC_ENOMEM || !msg->inspecting) stop = true;
                if (msg->inspecting && ++failures >= INSPECT_FAILURE_BUDGET) {
                    char w[160];
                    snprintf(w, sizeof(w), "inspect stopped after %d failing blocks: the rest of "
                                           "the Security header was not examined",
                                           INSPECT_FAILURE_BUDGET);
                    if (wssec__result_warn(msg->res, w)) first_rc = WSSEC_ENOMEM;
                    stop = true;
                }
            }
        }
        msg->retry = false;
        if (stop || msg->njobs == 0) {
            /* nothing to decrypt: a request to run again cannot help, the
             * failure stands (its token says so already) */
            if (tentative_rc && !first_rc) {
                wssec__err_copy(&msg->err, &tentative);
                keep_first(msg, &first_rc, tentative_rc);
            }
            break;
        }
        if (first_rc && !msg->inspecting) break;
        /* the attempts to be repeated leave no trace */
        for (size_t i = 0; i < nagain; i++)
            for (size_t t = msg->res->ntokens; t-- > 0;) {
                wssec_token *x = msg->res->tokens[t];
                if (x->node != again[i]) continue;
                if (msg->res->caller == x) msg->res->caller = NULL;
                token_free(x);
                memmove(&msg->res->tokens[t], &msg->res->tokens[t + 1],
                        (msg->res->ntokens - t - 1) * sizeof(*msg->res->tokens));
                msg->res->ntokens--;
            }
        int rc = run_jobs(msg, &first_rc);
        if (rc == WSSEC_ENOMEM || (rc && !msg->inspecting)) break;
    }
    /* ciphertext in our header that nothing decrypted */
    for (xmlNodePtr e = wssec_xml_first_elem(msg->security); e && (!first_rc || msg->inspecting);
         e = wssec_xml_next_elem(e))
        if (wssec_xml_is(e, WSSEC_NS_XENC, "EncryptedData")) {
            size_t before = msg->res->ntokens;
            msg->failed = false;
            int rc = wssec_msg_fail(msg, WSSEC_EMALFORMED, NULL, e,
                                    "EncryptedData in the Security header that no EncryptedKey of "
                                    "ours decrypts");
            if (mark_tokens(msg, before, e, "encrypted-data", rc)) return WSSEC_ENOMEM;
            keep_first(msg, &first_rc, rc);
            break;
        }
    free_jobs(msg);
    msg->consume_ahead = NULL;
    return first_rc;
}

/* The Timestamp of our Security header that signature sig covered whole,
 * or NULL. */
static const wssec_token *signed_timestamp(const wssec_msg *msg, const wssec_token *sig)
{
    const wssec_result *r = msg->res;
    for (size_t i = 0; i < r->ntokens; i++) {
        const wssec_token *t = r->tokens[i];
        if (strcmp(t->type, "timestamp") != 0 || t->status || !t->node ||
            t->node->parent != msg->security)
            continue;
        for (xmlNodePtr n = t->node; n; n = n->parent)
            for (size_t j = 0; j < r->nrefs; j++)
                if (r->refs[j].node == n && r->refs[j].whole && r->refs[j].signature == sig)
                    return t;
    }
    return NULL;
}

/* Signature replay: a signed message accepted once is refused again for as
 * long as it could be accepted. The key is what the signer's key fixes
 * (its public key and the canonical SignedInfo, see
 * tokens/signature.c), so neither another encoding of the SignatureValue
 * (ECDSA's (r, n-s), base64 line breaks) nor another certificate over the
 * same key dodges it. With a Timestamp the signature covers, the entry
 * lives until the Timestamp is stale (Created + max-age, or Expires, plus
 * clock-skew); without one the message stays valid until the signer's
 * certificate expires, and so does the entry. Runs only for an accepted
 * message, so a rejected one never takes a place in the cache. */
static int record_signatures(wssec_msg *msg)
{
    const wssec_settings *s = &msg->ctx->s;
    const wssec_result *r = msg->res;
    if (!s->replay_signatures) return 0;
    for (size_t i = 0; i < r->ntokens; i++) {
        const wssec_token *t = r->tokens[i];
        if (strcmp(t->type, "signature") != 0 || t->status || !t->has_replay_key) continue;
        wssec_time until = msg->now + s->max_age_ms + s->clock_skew_ms;
        const wssec_token *ts = signed_timestamp(msg, t);
        if (ts) {
            const char *c = wssec_token_get(ts, "created"), *x = wssec_token_get(ts, "expires");
            wssec_time ct, xt;
            if (c && wssec_time_parse(&ct, c) == 0) until = ct + s->max_age_ms + s->clock_skew_ms;
            if (x && wssec_time_parse(&xt, x) == 0 && xt + s->clock_skew_ms < until)
                until = xt + s->clock_skew_ms;
        } else if (t->signer_not_after + s->clock_skew_ms > until) {
            until = t->signer_not_after + s->clock_skew_ms;
        }
        msg->failed = false;
        int rc = wssec_msg_replay_check(msg, "wssec:signature", "", t->replay_key,
                                        sizeof(t->replay_key), until);
        if (rc == WSSEC_EREPLAY)
            return wssec_msg_fail(msg, WSSEC_EREPLAY, NULL, t->node,
                                  "this signed message (the same SignedInfo signed by the key "
                                  "of '%s') was already accepted: a replay "
                                  "(--no-replay-signatures turns the check off)",
                                  t->identity ? t->identity : "?");
        if (rc) return rc;
    }
    return 0;
}

static int begin(wssec_result **out, wssec_msg *msg, bool inspecting)
{
    *out = NULL;
    if (!msg->doc || !msg->envelope) return WSSEC_EINVALID;
    WSSEC_GUARD(wssec__result_new(out));
    msg->res = *out;
    msg->now = wssec_ctx_now(msg->ctx);
    msg->inspecting = inspecting;
    msg->c14n_bytes = 0;
    wssec__quiet_libxml();
    wssec__oom_clear();
    wssec__trust_release(msg->trust);
    msg->trust = wssec__ctx_trust(msg->ctx);
    wssec__err_clear(&msg->err);
    return 0;
}

int wssec_verify(wssec_result **out, wssec_msg *msg)
{
    WSSEC_ARG(out);
    *out = NULL;
    WSSEC_ARG(msg);
    WSSEC_GUARD(begin(out, msg, false));
    int rc = run_consumers(msg);
    if (rc == 0) {
        rc = wssec__run_policy(msg);
        if (rc == 0) rc = wssec__identity_run(msg);
        if (rc == 0) rc = wssec__signed_tokens_in_place(msg);
        if (rc == 0) rc = record_signatures(msg);
        if (rc) wssec__err_copy(&msg->res->err, &msg->err);
    }
    /* libxml2 or xmlsec ran out of memory and carried on: whatever was
     * proved rests on a document or a computation that may be damaged */
    if (rc == 0 && wssec__oom_seen()) {
        rc = WSSEC_ERR(&msg->err, WSSEC_ENOMEM, "out of memory");
        wssec__err_copy(&msg->res->err, &msg->err);
    }
    if (rc) {
        /* Ciphertext that no verified signature covered was decrypted in a
         * mode without integrity (CBC): whatever went wrong afterwards, the
         * sender learns only that the message failed, as if decryption had
         * (a padding and well-formedness oracle otherwise). */
        if (msg->oracle_risk && rc != WSSEC_ENOMEM) {
            msg->failed = false;
            rc = wssec_msg_fail(msg, WSSEC_EDECRYPT, NULL, NULL, WSSEC_DECRYPT_FAILED);
            wssec__err_copy(&msg->res->err, &msg->err);
            for (size_t i = 0; i < msg->res->ntokens; i++) {
                wssec_token *t = msg->res->tokens[i];
                if (!t->status) continue;
                /* the whole record: its subject and fault may tell the cause too */
                (void)wssec__token_fail(t, WSSEC_EDECRYPT, &msg->err);
            }
        }
        /* a rejection is final: nothing of what was proved remains, and the
         * plaintext that decryption put in the document is never written */
        wssec__result_reject(msg->res);
        if (msg->decrypted) msg->plaintext_refused = true;
    }
    wssec__msg_clear_inbound(msg);
    msg->res = NULL;
    return rc;
}

int wssec_inspect(wssec_result **out, wssec_msg *msg)
{
    WSSEC_ARG(out);
    *out = NULL;
    WSSEC_ARG(msg);
    WSSEC_GUARD(begin(out, msg, true));
    int rc = run_consumers(msg);
    wssec__msg_clear_inbound(msg);
    msg->res = NULL;
    msg->inspecting = false;
    /* a description made when memory ran out may be wrong: not given as one */
    bool token_oom = false;
    for (size_t i = 0; i < (*out)->ntokens; i++)
        if ((*out)->tokens[i]->status == WSSEC_ENOMEM) token_oom = true;
    if (rc != WSSEC_ENOMEM && (token_oom || wssec__oom_seen())) {
        rc = WSSEC_ERR(&msg->err, WSSEC_ENOMEM, "out of memory");
        wssec__err_copy(&(*out)->err, &msg->err);
    }
    return rc == WSSEC_ENOMEM ? rc : 0;
}

/* ---- outbound ---- */

int wssec_secure_options_init(wssec_secure_options *opts, unsigned version)
{
    static const wssec_secure_options tmpl = WSSEC_SECURE_OPTIONS_INIT;
    size_t size = version == 1 ? offsetof(wssec_secure_options, assert_user) : sizeof(tmpl);
    return wssec__struct_init(opts, &tmpl, size, version, WSSEC_SECURE_OPTIONS_VERSION);
}

int wssec_secure(wssec_msg *msg, const wssec_secure_options *opts)
{
    WSSEC_ARG(msg);
    if (!msg->doc || !msg->envelope) return WSSEC_EINVALID;
    wssec__err_clear(&msg->err);
    if (opts && (opts->version < 1 || opts->version > WSSEC_SECURE_OPTIONS_VERSION))
        return WSSEC_ERR(&msg->err, WSSEC_EINVALID,
                         "wssec_secure_options version %u: this library (%s) accepts versions "
                         "1 to %u",
                         opts->version, WSSEC_VERSION, WSSEC_SECURE_OPTIONS_VERSION);
    wssec__quiet_libxml();
    wssec__oom_clear();
    msg->now = wssec_ctx_now(msg->ctx);
    msg->username = opts && opts->username ? opts->username : msg->ctx->s.username;
    const char *const *actions = (const char *const *)msg->ctx->s.actions.v;
    size_t n = msg->ctx->s.actions.n;
    if (opts && opts->actions) {
        actions = opts->actions;
        n = opts->n_actions;
    }
    if (n == 0)
        return wssec__err_set(&msg->err, WSSEC_ECONFIG, NULL, NULL, __FILE__, __LINE__,
                              "nothing to do: no action (timestamp, username-token, x509-token, "
                              "signature, encrypted-key, identity-assertion) given");
    /* the outbound token store: what generators add, for later ones to use */
    wssec_result *store = NULL;
    WSSEC_GUARD(wssec__result_new(&store));
    msg->res = store;
    int rc = wssec__identity_secure_begin(msg, opts); /* strip-security, assert-user/-dn */
    for (size_t i = 0; i < n && !rc; i++) {
        const wssec_module *m = wssec__modlist_by_name(&msg->ctx->modules, actions[i]);
        msg->failed = false;
        if (!m || !m->generate) {
            rc = wssec_msg_fail(msg, WSSEC_ECONFIG, NULL, NULL, "no module generates '%s'",
                                actions[i]);
            break;
        }
        rc = m->generate(msg, m->userdata);
        if (rc > 0) rc = WSSEC_EINTERNAL;
        if (rc < 0 && !msg->failed)
            wssec_msg_fail(msg, rc, NULL, NULL, "%s: %s", m->name, wssec_code_description(rc));
    }
    wssec__identity_secure_end(msg);
    msg->res = NULL;
    wssec_result_free(store);
    /* libxml2 or xmlsec ran out of memory and carried on: the message may
     * lack a namespace declaration, an attribute, a node */
    if (rc == 0 && wssec__oom_seen()) rc = WSSEC_ERR(&msg->err, WSSEC_ENOMEM, "out of memory");
    return rc;
}
