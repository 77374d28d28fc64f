/*
 * wssec — Timestamps and Nonces inside signed content (a service).
 *
 * WebSphere can put a wsu:Timestamp, or a wsse:Nonce with a wsu:Created,
 * into any element it signs, to put a time limit on that element or make it
 * usable once. Outbound, timestamp-in and nonce-in XPaths place them before
 * the signature is made, and the secure call fails unless a signature
 * covers each. Inbound, once the signatures are verified, every one of them
 * outside the Security headers is found: one inside content a verified
 * signature covers whole (node identity, as the policy decides "signed") is
 * checked (a Timestamp like our header's; a Nonce through the replay cache,
 * keyed by the signer, its Created bounding how long the entry lives); one
 * no signature covers proves nothing either way (whoever could change the
 * message could remove it), so it is warned about, or refused with
 * unsigned-timestamps refuse.
 */
#include <stdio.h>
#include <string.h>

#include <openssl/rand.h>

#include "wssec/wssec.h"
#include "wssec/sys/sdk.h"
#include "embedded.h"
#include "context.h"
#include "policy.h"
#include "record.h"
#include "settings.h"
#include "util.h"
#include "validate.h"

#define NONCE_LEN 16
#define MAX_NONCE 64 /* decoded bytes of a Nonce read inbound */

/* ---- outbound ---- */

typedef struct insert_state {
    wssec_embedded_out *out;
    const char *xpath, *what;
} insert_state;

static bool in_security(xmlNodePtr n)
{
    for (; n && n->type == XML_ELEMENT_NODE; n = n->parent)
        if (wssec_xml_is(n, WSSEC_NS_WSSE, "Security")) return true;
    return false;
}

/* Makes node, just appended to parent, parent's child before first (the
 * child that was first before anything was added; NULL: none). */
static void put_before(xmlNodePtr first, xmlNodePtr node)
{
    if (!first) return;
    xmlUnlinkNode(node);
    xmlAddPrevSibling(first, node);
}

static int remember(wssec_msg *msg, insert_state *st, xmlNodePtr node, const char *prefix)
{
    wssec_embedded_out *o = st->out;
    const char *id = wssec_msg_new_id(msg, node, prefix);
    if (!id) return wssec_msg_fail(msg, WSSEC_ENOMEM, NULL, NULL, "out of memory");
    snprintf(o->items[o->n].id, sizeof(o->items[o->n].id), "%s", id);
    o->items[o->n].xpath = st->xpath;
    o->items[o->n].what = st->what;
    o->n++;
    return 0;
}

static int add_timestamp(wssec_msg *msg, xmlNodePtr parent, insert_state *st)
{
    const wssec_settings *s = &msg->ctx->s;
    wssec_time now = wssec_msg_now(msg);
    char created[32], expires[32];
    if (wssec_time_format(created, sizeof(created), now, s->timestamp_millis) ||
        wssec_time_format(expires, sizeof(expires), now + s->timestamp_ttl_ms, s->timestamp_millis))
        return wssec_msg_fail(msg, WSSEC_EINTERNAL, NULL, NULL, "clock out of range");
    xmlNodePtr first = parent->children;
    xmlNodePtr ts = wssec_msg_add_elem(msg, parent, WSSEC_NS_WSU, "wsu", "Timestamp", NULL);
    if (!ts || !wssec_msg_add_elem(msg, ts, WSSEC_NS_WSU, "wsu", "Created", created) ||
        (s->timestamp_ttl_ms > 0 &&
         !wssec_msg_add_elem(msg, ts, WSSEC_NS_WSU, "wsu", "Expires", expires)))
        return wssec_msg_fail(msg, WSSEC_ENOMEM, NULL, NULL, "out of memory");
    put_before(first, ts);
    return remember(msg, st, ts, "TS");
}

static int add_nonce(wssec_msg *msg, xmlNodePtr parent, insert_state *st)
{
    const wssec_settings *s = &msg->ctx->s;
    unsigned char nonce[NONCE_LEN];
    char created[32];
    if (RAND_bytes(nonce, sizeof(nonce)) != 1)
        return wssec_msg_fail(msg, WSSEC_EINTERNAL, NULL, NULL, "no random bytes for a Nonce");
    if (wssec_time_format(created, sizeof(created), wssec_msg_now(msg), s->timestamp_millis))
        return wssec_msg_fail(msg, WSSEC_EINTERNAL, NULL, NULL, "clock out of range");
    char *b64 = wssec_b64_encode(nonce, sizeof(nonce));
    xmlNodePtr first = parent->children, n = NULL, c = NULL;
    if (b64) n = wssec_msg_add_elem(msg, parent, WSSEC_NS_WSSE, "wsse", "Nonce", b64);
    xmlFree(b64);
    if (!n || !xmlSetProp(n, BAD_CAST "EncodingType", BAD_CAST WSSEC_ENC_BASE64) ||
        !(c = wssec_msg_add_elem(msg, parent, WSSEC_NS_WSU, "wsu", "Created", created)))
        return wssec_msg_fail(msg, WSSEC_ENOMEM, NULL, NULL, "out of memory");
    put_before(first, n);
    put_before(first, c);
    return remember(msg, st, n, "Nonce");
}

/* The part selector's callback: one selected node. */
static int add_to(wssec_msg *msg, xmlNodePtr node, void *ud)
{
    insert_state *st = ud;
    char path[200];
    if (node->type != XML_ELEMENT_NODE)
        return wssec_msg_fail(msg, WSSEC_ECONFIG, NULL, NULL,
                              "%s '%s' selects something that is not an element", st->what,
                              st->xpath);
    wssec_xml_path(path, sizeof(path), node);
    if (in_security(node))
        return wssec_msg_fail(msg, WSSEC_ECONFIG, NULL, node,
                              "%s '%s' selects %s, inside a Security header (the header has its "
                              "own Timestamp: --timestamp)",
                              st->what, st->xpath, path);
    if (st->out->n >= WSSEC_EMBEDDED_MAX)
        return wssec_msg_fail(msg, WSSEC_ELIMIT, NULL, node,
                              "%s '%s': more than %d Timestamps and Nonces in one message",
                              st->what, st->xpath, WSSEC_EMBEDDED_MAX);
    return strcmp(st->what, "timestamp-in") == 0 ? add_timestamp(msg, node, st)
                                                 : add_nonce(msg, node, st);
}

static int insert_all(wssec_msg *msg, wssec_embedded_out *out, const wssec_strlist *l,
                      const char *what)
{
    insert_state st = { out, NULL, what };
    for (size_t i = 0; i < l->n; i++) {
        size_t found = 0;
        st.xpath = l->v[i];
        WSSEC_GUARD(wssec__part_select(&found, msg, what, st.xpath, st.xpath, false, add_to, &st));
        if (!found)
            return wssec_msg_fail(msg, WSSEC_ECONFIG, NULL, NULL,
                                  "%s '%s' selects nothing in the message", what, st.xpath);
    }
    return 0;
}

int wssec__embedded_insert(wssec_msg *msg, wssec_embedded_out *out)
{
    out->n = 0;
    const wssec_settings *s = &msg->ctx->s;
    WSSEC_GUARD(insert_all(msg, out, &s->timestamp_in, "timestamp-in"));
    return insert_all(msg, out, &s->nonce_in, "nonce-in");
}

/* 1 when a Reference of a Signature in our Security header covers node
 * (names it, an ancestor of it, or the whole document). */
static bool signed_out(wssec_msg *msg, xmlNodePtr node)
{
    xmlNodePtr sec = wssec_msg_security(msg, 0);
    for (xmlNodePtr sig = sec ? wssec_xml_first_elem(sec) : NULL; sig;
         sig = wssec_xml_next_elem(sig)) {
        if (!wssec_xml_is(sig, WSSEC_NS_DS, "Signature")) continue;
        for (xmlNodePtr r = sig; r; r = wssec_xml_next_in(r, sig)) {
            const char *uri =
                r->type == XML_ELEMENT_NODE && wssec_xml_is(r, WSSEC_NS_DS, "Reference")
                    ? wssec_xml_attr(r, "URI")
                    : NULL;
            if (!uri) continue;
            if (!uri[0]) return true;
            xmlAttrPtr a = uri[0] == '#' ? xmlGetID(msg->doc, BAD_CAST(uri + 1)) : NULL;
            for (xmlNodePtr n = node; a && n; n = n->parent)
                if (n == a->parent) return true;
        }
    }
    return false;
}

int wssec__embedded_check_signed(wssec_msg *msg, const wssec_embedded_out *out)
{
    for (size_t i = 0; i < out->n; i++) {
        xmlAttrPtr a = xmlGetID(msg->doc, BAD_CAST out->items[i].id);
        bool ts = strcmp(out->items[i].what, "timestamp-in") == 0;
        if (a && a->parent && signed_out(msg, a->parent)) continue;
        char path[200] = "(no longer in the message)";
        if (a && a->parent) wssec_xml_path(path, sizeof(path), a->parent->parent);
        return wssec_msg_fail(msg, WSSEC_ECONFIG, NULL, NULL,
                              "%s '%s': the %s added to %s is not covered by the signature: an "
                              "unsigned %s limits nothing; sign the element (--sign-part with "
                              "the same XPath) and sign after adding it",
                              out->items[i].what, out->items[i].xpath, ts ? "Timestamp" : "Nonce",
                              path, ts ? "Timestamp" : "Nonce");
    }
    return 0;
}

/* ---- inbound ---- */

/* The verified signature whose whole-subtree reference covers node (or an
 * ancestor of it), nearest first; NULL when none does. */
static const wssec_token *covering(const wssec_msg *msg, xmlNodePtr node)
{
    const wssec_result *r = msg->res;
    for (xmlNodePtr n = node; n; n = n->parent)
        for (size_t i = 0; i < r->nrefs; i++) {
            const wssec_ref *x = &r->refs[i];
            if (x->node == n && x->whole && x->signature && x->signature->status == 0)
                return x->signature;
        }
    return NULL;
}

static int unsigned_one(wssec_msg *msg, xmlNodePtr n, const char *kind, const char *path)
{
    if (msg->ctx->s.unsigned_timestamps == WSSEC_UNSIGNED_REFUSE)
        return wssec_msg_fail(msg, WSSEC_EUNSIGNED, NULL, n,
                              "%s at %s is in content no verified signature covers: it limits "
                              "nothing, and unsigned-timestamps is refuse",
                              kind, path);
    char w[400];
    snprintf(w, sizeof(w),
             "%s at %s is in content no verified signature covers: not checked, it limits "
             "nothing (unsigned-timestamps refuse refuses such a message)",
             kind, path);
    return wssec_msg_warn(msg, w) ? WSSEC_ENOMEM : 0;
}

static int check_timestamp(wssec_msg *msg, xmlNodePtr n, const char *path)
{
    if (!covering(msg, n)) return unsigned_one(msg, n, "Timestamp", path);
    wssec_ts_times t;
    char where[260];
    snprintf(where, sizeof(where), "Timestamp at %s: ", path);
    WSSEC_GUARD(wssec__timestamp_read(msg, n, &t));
    return wssec__timestamp_fresh(msg, n, &t, where);
}

/* The wsu:Created beside a Nonce: the element after it, or before it. */
static xmlNodePtr created_beside(xmlNodePtr n)
{
    xmlNodePtr next = wssec_xml_next_elem(n), prev = n->prev;
    while (prev && prev->type != XML_ELEMENT_NODE) prev = prev->prev;
    if (next && wssec_xml_is(next, WSSEC_NS_WSU, "Created")) return next;
    if (prev && wssec_xml_is(prev, WSSEC_NS_WSU, "Created")) return prev;
    return NULL;
}

/* A signed Nonce: its encoding, its value, its fresh Created. With record,
 * it goes into the replay cache (the checks of every one passed). */
static int check_nonce(wssec_msg *msg, xmlNodePtr n, const char *path, bool record)
{
    const wssec_token *sig = covering(msg, n);
    if (!sig) return record ? 0 : unsigned_one(msg, n, "Nonce", path);
    const char *enc = wssec_xml_attr(n, "EncodingType");
    if (!enc || strcmp(enc, WSSEC_ENC_BASE64) != 0)
        return wssec_msg_fail(msg, WSSEC_ETOKEN, NULL, n,
                              "Nonce at %s: EncodingType must be Base64Binary (BSP R4220, R4221)",
                              path);
    wssec_ts_times t;
    memset(&t, 0, sizeof(t));
    if (!(t.created_node = created_beside(n)))
        return wssec_msg_fail(msg, WSSEC_ETOKEN, NULL, n,
                              "Nonce at %s without a wsu:Created beside it: it could be replayed "
                              "once the nonce cache forgets it",
                              path);
    char *text = wssec_xml_text(n), *ct = wssec_xml_text(t.created_node);
    unsigned char *nonce = NULL;
    size_t len = 0;
    int rc = 0;
    if (!text || !ct) {
        rc = wssec_msg_fail(msg, WSSEC_ENOMEM, NULL, n, "out of memory");
        goto done;
    }
    snprintf(t.ctext, sizeof(t.ctext), "%s", ct);
    if ((rc = wssec_b64_decode(&nonce, &len, text, MAX_NONCE)) || len == 0) {
        rc = wssec_msg_fail(msg, rc == WSSEC_ENOMEM ? rc : WSSEC_ETOKEN, NULL, n,
                            "Nonce at %s is not base64 of 1 to %d bytes", path, MAX_NONCE);
        goto done;
    }
    if (wssec_time_parse(&t.created, ct)) {
        rc = wssec_msg_fail(msg, WSSEC_EMALFORMED, NULL, t.created_node,
                            "Nonce at %s: Created '%.40s' is not a UTC time like "
                            "2025-01-31T12:00:00Z",
                            path, ct);
        goto done;
    }
    char where[260];
    snprintf(where, sizeof(where), "Nonce at %s: ", path);
    if ((rc = wssec__timestamp_fresh(msg, n, &t, where)) || !record) goto done;
    /* keyed by the signer and the Nonce alone: the same Nonce in another
     * element, or with another Created, is the same Nonce */
    const wssec_settings *s = &msg->ctx->s;
    rc = wssec_msg_replay_check(msg, "wssec:embedded-nonce",
                                sig->identity ? sig->identity : "(anonymous signer)", nonce, len,
                                t.created + s->max_age_ms + s->clock_skew_ms);
    if (rc == WSSEC_EREPLAY)
        rc = wssec_msg_fail(msg, WSSEC_EREPLAY, NULL, n,
                            "Nonce at %s signed by '%s' was already used (replay)", path,
                            sig->identity ? sig->identity : "(anonymous signer)");
done:
    xmlFree(text);
    xmlFree(ct);
    wssec__free(nonce);
    return rc;
}

/* One walk of the document outside the Security headers: checks (record
 * false) or records the Nonces (record true). */
static int walk(wssec_msg *msg, bool record)
{
    xmlNodePtr root = xmlDocGetRootElement(msg->doc);
    size_t count = 0;
    for (xmlNodePtr n = root; n;) {
        bool skip = n->type == XML_ELEMENT_NODE && wssec_xml_is(n, WSSEC_NS_WSSE, "Security");
        bool ts = !skip && wssec_xml_is(n, WSSEC_NS_WSU, "Timestamp");
        bool nonce = !skip && wssec_xml_is(n, WSSEC_NS_WSSE, "Nonce");
        if ((ts && !record) || nonce) {
            char path[200];
            wssec_xml_path(path, sizeof(path), n);
            if (++count > WSSEC_EMBEDDED_MAX)
                return wssec_msg_fail(msg, WSSEC_ELIMIT, NULL, n,
                                      "more than %d Timestamps and Nonces outside the Security "
                                      "header",
                                      WSSEC_EMBEDDED_MAX);
            WSSEC_GUARD(ts ? check_timestamp(msg, n, path) : check_nonce(msg, n, path, record));
        }
        if (!skip) {
            n = wssec_xml_next_in(n, root);
            continue;
        }
        while (n != root && !n->next) n = n->parent;
        n = n == root ? NULL : n->next;
    }
    return 0;
}

int wssec__embedded_verify(wssec_msg *msg)
{
    WSSEC_GUARD(walk(msg, false));
    return walk(msg, true);
}
