/*
 * wssec — the pipeline: walks our Security header inbound (consumers, then
 * policy) or the action list outbound (generators); results and tokens.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wssec/wssec.h"
#include "wssec/sys/sdk.h"
#include "confirm.h"
#include "context.h"
#include "embedded.h"
#include "error.h"
#include "global.h"
#include "identity.h"
#include "policy.h"
#include "record.h"
#include "registry.h"
#include "settings.h"
#include "symkey.h"
#include "transport.h"
#include "trust.h"
#include "util.h"
#include "xml.h"

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
    wssec__msg_free_jobs(msg);
    return rc;
}

/* How many failing consumers `wssec inspect` reports before it stops: its
 * work stays bounded whatever the message holds. */
#define INSPECT_FAILURE_BUDGET 16

/* The state of the walk of our Security header. */
typedef struct walk {
    xmlNodePtr seen[512]; /* the blocks consumed for good */
    size_t nseen;
    int first_rc;         /* the first failure, which the walk returns */
    size_t failures;      /* inspect: failing blocks so far */
    /* this round: the attempts that asked to run again after decryption,
     * and the first of their failures with its error */
    xmlNodePtr again[64];
    size_t nagain;
    int tentative_rc;
    wssec_errrec tentative;
} walk;

/* 1 when block e was consumed for good in an earlier round. */
static bool seen_before(const walk *w, xmlNodePtr e)
{
    bool done = false;
    for (size_t i = 0; i < w->nseen && !done; i++) done = w->seen[i] == e;
    return done;
}

/* Consumes block e of the header. Returns true when the walk stops (a
 * failure outside inspect, out of memory, a limit reached). */
static bool consume_block(wssec_msg *msg, walk *w, xmlNodePtr e)
{
    if (w->nseen == WSSEC_ARRAY_LEN(w->seen)) {
        int rc = wssec_msg_fail(msg, WSSEC_ELIMIT, "wsse:InvalidSecurity", e,
                                "more than %zu blocks in the Security header",
                                WSSEC_ARRAY_LEN(w->seen));
        keep_first(msg, &w->first_rc, rc);
        return true;
    }
    msg->retry = false;
    int rc = consume_one(msg, e);
    if (rc < 0 && msg->retry && w->nagain < WSSEC_ARRAY_LEN(w->again)) {
        /* decided after this round: retried if it queued decryptions */
        if (!w->tentative_rc) {
            w->tentative_rc = rc;
            wssec__err_copy(&w->tentative, &msg->err);
        }
        w->again[w->nagain++] = e;
        return false;
    }
    w->seen[w->nseen++] = e;
    if (rc >= 0) return false;
    bool stop = false;
    keep_first(msg, &w->first_rc, rc);
    if (rc == WSSEC_ENOMEM || !msg->inspecting) stop = true;
    if (msg->inspecting && ++w->failures >= INSPECT_FAILURE_BUDGET) {
        char m[160];
        snprintf(m, sizeof(m), "inspect stopped after %d failing blocks: the rest of "
                               "the Security header was not examined",
                 INSPECT_FAILURE_BUDGET);
        if (wssec_msg_warn(msg, m)) w->first_rc = WSSEC_ENOMEM;
        stop = true;
    }
    return stop;
}

/* One round: every child of the header not consumed yet, in header order,
 * except ciphertext. Returns true when the walk stops. */
static bool consume_round(wssec_msg *msg, walk *w)
{
    bool stop = false;
    w->nagain = 0;
    w->tentative_rc = 0;
    for (xmlNodePtr e = wssec_xml_first_elem(msg->security); e && !stop; e = wssec_xml_next_elem(e)) {
        if (consumed_ahead(msg, e) || wssec_xml_is(e, WSSEC_NS_XENC, "EncryptedData")) continue;
        if (seen_before(w, e)) continue;
        stop = consume_block(msg, w, e);
    }
    msg->retry = false;
    return stop;
}

/* Ciphertext in our header that nothing decrypted: the first one fails the
 * message. Returns 0 or WSSEC_ENOMEM. */
static int undecrypted(wssec_msg *msg, int *first_rc)
{
    for (xmlNodePtr e = wssec_xml_first_elem(msg->security); e && (!*first_rc || msg->inspecting);
         e = wssec_xml_next_elem(e))
        if (wssec_xml_is(e, WSSEC_NS_XENC, "EncryptedData")) {
            size_t before = msg->res->ntokens;
            msg->failed = false;
            int rc = wssec_msg_fail(msg, WSSEC_EMALFORMED, NULL, e,
                                    "EncryptedData in the Security header that no EncryptedKey of "
                                    "ours decrypts");
            if (mark_tokens(msg, before, e, "encrypted-data", rc)) return WSSEC_ENOMEM;
            keep_first(msg, first_rc, rc);
            break;
        }
    return 0;
}

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
    walk w;
    w.nseen = 0;
    w.first_rc = 0;
    w.failures = 0;
    msg->nahead = 0;
    msg->consume_ahead = consume_ahead;
    wssec__msg_clear_inbound(msg);
    for (size_t round = 0; round <= msg->ctx->s.max_encrypted_keys; round++) {
        bool stop = consume_round(msg, &w);
        if (stop || msg->njobs == 0) {
            /* nothing to decrypt: a request to run again cannot help, the
             * failure stands (its token says so already) */
            if (w.tentative_rc && !w.first_rc) {
                wssec__err_copy(&msg->err, &w.tentative);
                keep_first(msg, &w.first_rc, w.tentative_rc);
            }
            break;
        }
        if (w.first_rc && !msg->inspecting) break;
        /* the attempts to be repeated leave no trace */
        for (size_t i = 0; i < w.nagain; i++) wssec__result_forget(msg->res, w.again[i]);
        int rc = run_jobs(msg, &w.first_rc);
        if (rc == WSSEC_ENOMEM || (rc && !msg->inspecting)) break;
    }
    if (undecrypted(msg, &w.first_rc)) return WSSEC_ENOMEM;
    wssec__msg_free_jobs(msg);
    msg->consume_ahead = NULL;
    return w.first_rc;
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
            wssec_time ct = 0, xt = 0;
            int has = wssec_token_times(&ct, &xt, ts);
            if (has & 1) until = ct + s->max_age_ms + s->clock_skew_ms;
            if ((has & 2) && xt + s->clock_skew_ms < until) until = xt + s->clock_skew_ms;
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
    wssec_session_key_free(msg->session); /* kept again only if accepted */
    msg->session = NULL;
    int rc = run_consumers(msg);
    if (rc == 0) {
        rc = wssec__transport_run(msg); /* the TLS client certificate, when required */
        if (rc == 0) rc = wssec__run_policy(msg);
        if (rc == 0) rc = wssec__confirm_check(msg);
        if (rc == 0) rc = wssec__identity_run(msg);
        if (rc == 0) rc = wssec__signed_tokens_in_place(msg);
        if (rc == 0) rc = wssec__embedded_verify(msg); /* Timestamps, Nonces in content */
        if (rc == 0) rc = record_signatures(msg);
        if (rc == 0 && wssec__symkey_keep(msg))
            rc = WSSEC_ERR(&msg->err, WSSEC_ENOMEM, "out of memory");
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
        wssec_session_key_free(msg->session);
        msg->session = NULL;
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
    wssec_session_key_free(msg->session); /* the one this run makes, if any */
    msg->session = NULL;
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
    /* timestamp-in, nonce-in: added before anything is signed, and checked
     * signed once the last signature is made */
    wssec_embedded_out *emb = rc ? NULL : wssec__calloc(1, sizeof(*emb));
    if (!rc && !emb) rc = WSSEC_ERR(&msg->err, WSSEC_ENOMEM, "out of memory");
    if (!rc) rc = wssec__embedded_insert(msg, emb);
    size_t last_sig = n;
    for (size_t i = 0; i < n; i++)
        if (strcmp(actions[i], "signature") == 0) last_sig = i;
    if (!rc && emb->n && last_sig == n)
        rc = wssec_msg_fail(msg, WSSEC_ECONFIG, NULL, NULL,
                            "%s '%s' adds content that must be signed, and no signature is made",
                            emb->items[0].what, emb->items[0].xpath);
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
        if (!rc && i == last_sig) rc = wssec__embedded_check_signed(msg, emb);
    }
    wssec__free(emb);
    wssec__identity_secure_end(msg);
    msg->res = NULL;
    wssec_result_free(store);
    /* libxml2 or xmlsec ran out of memory and carried on: the message may
     * lack a namespace declaration, an attribute, a node */
    if (rc == 0 && wssec__oom_seen()) rc = WSSEC_ERR(&msg->err, WSSEC_ENOMEM, "out of memory");
    return rc;
}
