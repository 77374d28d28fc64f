/*
 * Structure-aware fuzz targets: the shared harness (see fuzz_common.h).
 */
#define _GNU_SOURCE /* memmem */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <libxml/c14n.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlIO.h>

#include "fuzz_common.h"

#define MAX_NODES 4096

void fz_fail(const char *what, const char *detail)
{
    fprintf(stderr, "\n*** %s invariant failed: %s%s%s\n", fz_target_def.name, what,
            detail ? ": " : "", detail ? detail : "");
    abort();
}

/* ---- contexts ---- */

static const char *const users[][2] = { { "alice", "alice-s3cret" }, { "bob", "pw2" } };

const char *fz_password(const char *user)
{
    for (size_t i = 0; i < sizeof(users) / sizeof(users[0]); i++)
        if (strcmp(users[i][0], user) == 0) return users[i][1];
    return NULL;
}

int fz_password_cb(char *buf, size_t size, size_t *len, const char *user,
                   wssec_password_usage usage, void *userdata)
{
    (void)usage;
    (void)userdata;
    const char *pw = fz_password(user);
    if (!pw) return WSSEC_EAUTH;
    size_t n = strlen(pw);
    if (n > size) return WSSEC_ELIMIT;
    memcpy(buf, pw, n);
    *len = n;
    return 0;
}

wssec_ctx *fz_ctx(const char *const *pairs)
{
    wssec_config *cfg = NULL;
    wssec_ctx *ctx = NULL;
    if (wssec_config_new(&cfg)) abort();
    int rc = wssec_config_set(cfg, "now", FZ_NOW);
    for (size_t i = 0; !rc && pairs && pairs[i]; i += 2)
        rc = wssec_config_set(cfg, pairs[i], pairs[i + 1]);
    wssec_config_set_password_cb(cfg, fz_password_cb, NULL);
    if (!rc) rc = wssec_ctx_new(&ctx, cfg);
    if (rc) {
        fprintf(stderr, "fuzz context: %s\n", wssec_config_error(cfg)->message);
        abort();
    }
    wssec_config_free(cfg);
    return ctx;
}

/* ---- the bases, made once ---- */

typedef struct base_state {
    int ready;
    unsigned char *xml;
    size_t len;
    wssec_ctx *rx; /* NULL with FZ_FRESH_CTX */
    char *caller, *asserted_by;
    xmlChar *body; /* exclusive C14N of the verified Body */
    int body_len;
    xmlChar *ts; /* exclusive C14N of the verified Timestamp, or NULL */
    int ts_len;
} base_state;

static base_state *states;

static char *plain_message(int soap)
{
    static const char fmt[] =
        "<soap:Envelope xmlns:soap=\"%s\" xmlns:wsu=\"%s\"><soap:Header>"
        "<h:Route xmlns:h=\"urn:example:route\" wsu:Id=\"route\">gateway-7</h:Route>"
        "</soap:Header><soap:Body><m:Pay xmlns:m=\"urn:example:bank\"><m:To>bob</m:To>"
        "<m:Amount xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" "
        "xmlns:xsd=\"http://www.w3.org/2001/XMLSchema\" xsi:type=\"xsd:int\">10</m:Amount>"
        "<m:Memo>" FZ_MARKER "</m:Memo></m:Pay></soap:Body>"
        "</soap:Envelope>";
    size_t n = sizeof(fmt) + 200;
    char *s = malloc(n);
    if (!s) abort();
    snprintf(s, n, fmt, soap == 12 ? WSSEC_NS_SOAP12 : WSSEC_NS_SOAP11, WSSEC_NS_WSU);
    return s;
}

static int in_subtree(void *ud, xmlNodePtr node, xmlNodePtr parent)
{
    xmlNodePtr top = ud;
    xmlNodePtr n = (node == NULL || node->type == XML_NAMESPACE_DECL) ? parent : node;
    for (; n; n = n->parent)
        if (n == top) return 1;
    return 0;
}

/* Exclusive C14N (without comments) of the subtree at node. */
static xmlChar *c14n_of(xmlNodePtr node, int *len)
{
    xmlOutputBufferPtr out = xmlAllocOutputBuffer(NULL);
    if (!out) abort();
    xmlChar *copy = NULL;
    *len = 0;
    if (xmlC14NExecute(node->doc, in_subtree, node, XML_C14N_EXCLUSIVE_1_0, NULL, 0, out) >= 0) {
        const xmlChar *p = xmlOutputBufferGetContent(out);
        size_t n = xmlOutputBufferGetSize(out);
        copy = xmlStrndup(p ? p : BAD_CAST "", (int)n);
        *len = (int)n;
    }
    xmlOutputBufferClose(out);
    return copy;
}

static char *dup_or_null(const char *s)
{
    return s ? strdup(s) : NULL;
}

static void prepare(size_t i)
{
    const fz_base *b = &fz_target_def.bases[i];
    base_state *st = &states[i];
    wssec_ctx *tx = fz_ctx(b->sender);
    char *plain = plain_message(b->soap);
    wssec_msg *msg = NULL;
    if (wssec_msg_new(&msg, tx) || wssec_msg_parse(msg, plain, strlen(plain))) abort();
    free(plain);
    size_t na = 0;
    while (b->actions[na]) na++;
    wssec_secure_options o = WSSEC_SECURE_OPTIONS_INIT;
    o.actions = b->actions;
    o.n_actions = na;
    o.username = b->user;
    o.assert_user = b->assert_user;
    if (wssec_secure(msg, &o) || wssec_msg_serialize(&st->xml, &st->len, msg)) {
        fprintf(stderr, "base %s: %s\n", b->name, wssec_msg_error(msg)->message);
        abort();
    }
    wssec_msg_free(msg);
    wssec_ctx_free(tx);

    /* the unmutated base must be accepted: otherwise nothing reaches the consumer */
    wssec_ctx *rx = fz_ctx(b->receiver);
    wssec_result *res = NULL;
    if (wssec_msg_new(&msg, rx) || wssec_msg_parse(msg, (const char *)st->xml, st->len)) abort();
    int rc = wssec_verify(&res, msg);
    if (rc) {
        fprintf(stderr, "base %s is refused: %s\n%s\n", b->name, wssec_result_error(res)->message,
                st->xml);
        abort();
    }
    st->caller = dup_or_null(wssec_result_caller(res));
    st->asserted_by = dup_or_null(wssec_result_asserted_by(res));
    st->body = c14n_of(wssec_msg_body(msg), &st->body_len);
    if (!st->body) abort();
    for (size_t t = 0; t < wssec_result_token_count(res); t++) {
        const wssec_token *tok = wssec_result_token(res, t);
        if (strcmp(wssec_token_type(tok), "timestamp") == 0 && wssec_token_node(tok))
            st->ts = c14n_of(wssec_token_node(tok), &st->ts_len);
    }
    wssec_result_free(res);
    wssec_msg_free(msg);
    if (b->flags & FZ_FRESH_CTX) wssec_ctx_free(rx);
    else st->rx = rx;
    st->ready = 1;
}

static void prepare_all(void)
{
    if (states) return;
    states = calloc(fz_target_def.nbases, sizeof(*states));
    if (!states) abort();
    for (size_t i = 0; i < fz_target_def.nbases; i++) prepare(i);
}

#ifndef WSSEC_LIBFUZZER
static void release_all(void)
{
    if (!states) return;
    for (size_t i = 0; i < fz_target_def.nbases; i++) {
        wssec_free(states[i].xml);
        wssec_ctx_free(states[i].rx);
        free(states[i].caller);
        free(states[i].asserted_by);
        xmlFree(states[i].body);
        xmlFree(states[i].ts);
    }
    free(states);
    states = NULL;
}
#endif

/* ---- mutation ---- */

enum fz_op {
    OP_SET_TEXT,   /* element: its content becomes the payload text; attribute/text: value */
    OP_REPLACE,    /* the node becomes the payload parsed as XML in its context */
    OP_DELETE,     /* the node goes */
    OP_DUPLICATE,  /* a deep copy goes after it */
    OP_MOVE,       /* moved under the element payload[0] picks (any in the document) */
    OP_ADD_ATTR,   /* attribute payload[1..] ("name=value") in namespace payload[0] picks */
    OP_POKE,       /* a character of its text/value at payload[0..1] becomes payload[2] */
    OP_APPEND,     /* the payload parsed as XML becomes its last child */
    OP_SWAP,       /* trades places with its next element sibling */
    OP_RENAME,     /* local name payload, namespace payload[0] picks */
    OP_COUNT
};

static const char *const namespaces[][2] = {
    { NULL, NULL },
    { "wsu", WSSEC_NS_WSU },
    { "wsse", WSSEC_NS_WSSE },
    { "ds", "http://www.w3.org/2000/09/xmldsig#" },
    { "xenc", "http://www.w3.org/2001/04/xmlenc#" },
    { "wsse11", WSSEC_NS_WSSE11 },
    { "xml", "http://www.w3.org/XML/1998/namespace" },
    { "soap", WSSEC_NS_SOAP11 },
    { "env", WSSEC_NS_SOAP12 },
    { "wsu2", "http://docs.oasis-open.org/wss/2002/07/oasis-200207-wss-wssecurity-utility-1.0.xsd" },
};
#define NNS (sizeof(namespaces) / sizeof(namespaces[0]))

static int is_focus(xmlNodePtr e)
{
    const fz_target *t = &fz_target_def;
    for (size_t i = 0; i < t->nfocus; i++) {
        const char *ns = t->focus[i][0], *local = t->focus[i][1];
        if (strcmp((const char *)e->name, local) != 0) continue;
        const char *href = e->ns ? (const char *)e->ns->href : "";
        if (ns ? strcmp(href, ns) == 0
               : (strcmp(href, WSSEC_NS_SOAP11) == 0 || strcmp(href, WSSEC_NS_SOAP12) == 0))
            return 1;
    }
    return 0;
}

typedef struct nodes {
    xmlNodePtr focus[MAX_NODES]; /* nodes of the focus subtrees, and their attributes */
    size_t nfocus;
    xmlNodePtr elems[MAX_NODES]; /* every element of the document */
    size_t nelems;
} nodes;

static void add_subtree(nodes *ns, xmlNodePtr n)
{
    for (; n && ns->nfocus < MAX_NODES; n = n->next) {
        ns->focus[ns->nfocus++] = n;
        if (n->type != XML_ELEMENT_NODE) continue;
        for (xmlAttrPtr a = n->properties; a && ns->nfocus < MAX_NODES; a = a->next)
            ns->focus[ns->nfocus++] = (xmlNodePtr)a;
        add_subtree(ns, n->children);
    }
}

static void walk(nodes *ns, xmlNodePtr n)
{
    for (; n; n = n->next) {
        if (n->type != XML_ELEMENT_NODE) continue;
        if (ns->nelems < MAX_NODES) ns->elems[ns->nelems++] = n;
        if (is_focus(n) && ns->nfocus < MAX_NODES) {
            ns->focus[ns->nfocus++] = n;
            for (xmlAttrPtr a = n->properties; a && ns->nfocus < MAX_NODES; a = a->next)
                ns->focus[ns->nfocus++] = (xmlNodePtr)a;
            add_subtree(ns, n->children);
        }
        walk(ns, n->children);
    }
}

static void collect(nodes *ns, xmlDocPtr doc)
{
    ns->nfocus = ns->nelems = 0;
    walk(ns, xmlDocGetRootElement(doc));
    if (ns->nfocus == 0) /* every focus element is gone: anything goes */
        for (size_t i = 0; i < ns->nelems; i++) ns->focus[ns->nfocus++] = ns->elems[i];
}

static int inside(xmlNodePtr n, xmlNodePtr top)
{
    for (; n; n = n->parent)
        if (n == top) return 1;
    return 0;
}

static char *cstr(const unsigned char *p, size_t n)
{
    char *s = malloc(n + 1);
    if (!s) abort();
    memcpy(s, p, n);
    s[n] = '\0';
    return s;
}

/* The payload parsed as a well-balanced XML fragment in the context of
 * ctx_node (whose namespaces it sees); NULL when it does not parse. */
static xmlNodePtr parse_fragment(xmlNodePtr ctx_node, const unsigned char *p, size_t n)
{
    xmlNodePtr list = NULL;
    if (n == 0 || n > 65535) return NULL;
    if (xmlParseInNodeContext(ctx_node, (const char *)p, (int)n, XML_PARSE_NONET, &list) !=
        XML_ERR_OK) {
        xmlFreeNodeList(list);
        return NULL;
    }
    return list;
}

static void set_text(xmlNodePtr n, const unsigned char *p, size_t len)
{
    char *s = cstr(p, len);
    if (n->type == XML_ATTRIBUTE_NODE) {
        xmlAttrPtr a = (xmlAttrPtr)n;
        xmlSetNsProp(a->parent, a->ns, a->name, BAD_CAST s);
    } else if (n->type == XML_ELEMENT_NODE) {
        xmlNodePtr c = n->children;
        while (c) {
            xmlNodePtr next = c->next;
            xmlUnlinkNode(c);
            xmlFreeNode(c);
            c = next;
        }
        xmlAddChild(n, xmlNewDocTextLen(n->doc, BAD_CAST s, (int)strlen(s)));
    } else if (n->type == XML_TEXT_NODE || n->type == XML_COMMENT_NODE ||
               n->type == XML_CDATA_SECTION_NODE) {
        xmlNodeSetContent(n, NULL);
        xmlNodeAddContentLen(n, BAD_CAST s, (int)strlen(s));
    }
    free(s);
}

static void apply(xmlDocPtr doc, nodes *ns, int op, unsigned idx, const unsigned char *p,
                  size_t len)
{
    collect(ns, doc);
    if (ns->nfocus == 0) return;
    xmlNodePtr n = ns->focus[idx % ns->nfocus];
    xmlNodePtr root = xmlDocGetRootElement(doc);
    switch (op) {
    case OP_SET_TEXT:
        set_text(n, p, len);
        break;
    case OP_REPLACE: {
        if (n->type == XML_ATTRIBUTE_NODE || n == root || !n->parent) {
            set_text(n, p, len);
            break;
        }
        xmlNodePtr list = parse_fragment(n->parent, p, len);
        if (!list) {
            set_text(n, p, len);
            break;
        }
        while (list) {
            xmlNodePtr next = list->next;
            xmlUnlinkNode(list);
            xmlAddPrevSibling(n, list);
            list = next;
        }
        xmlUnlinkNode(n);
        xmlFreeNode(n);
        break;
    }
    case OP_DELETE:
        if (n == root) break;
        if (n->type == XML_ATTRIBUTE_NODE) xmlRemoveProp((xmlAttrPtr)n);
        else {
            xmlUnlinkNode(n);
            xmlFreeNode(n);
        }
        break;
    case OP_DUPLICATE:
        if (n == root || n->type == XML_ATTRIBUTE_NODE) break;
        xmlAddNextSibling(n, xmlDocCopyNode(n, doc, 1));
        break;
    case OP_MOVE: {
        if (n == root || n->type == XML_ATTRIBUTE_NODE || len < 1) break;
        xmlNodePtr dest = ns->elems[p[0] % ns->nelems];
        if (inside(dest, n)) break;
        xmlUnlinkNode(n);
        if (len > 1 && (p[1] & 1) && dest != root) xmlAddPrevSibling(dest, n);
        else xmlAddChild(dest, n);
        xmlReconciliateNs(doc, n);
        break;
    }
    case OP_ADD_ATTR: {
        if (n->type != XML_ELEMENT_NODE || len < 2) break;
        char *s = cstr(p + 1, len - 1);
        char *eq = strchr(s, '=');
        const char *value = "";
        if (eq) {
            *eq = '\0';
            value = eq + 1;
        }
        if (*s && xmlValidateNCName(BAD_CAST s, 0) == 0) {
            size_t k = p[0] % NNS;
            xmlNsPtr nsp = NULL;
            if (namespaces[k][1])
                nsp = xmlSearchNsByHref(doc, n, BAD_CAST namespaces[k][1]);
            if (namespaces[k][1] && !nsp && k != 6)
                nsp = xmlNewNs(n, BAD_CAST namespaces[k][1], BAD_CAST namespaces[k][0]);
            if (k == 6) nsp = xmlSearchNs(doc, n, BAD_CAST "xml");
            xmlSetNsProp(n, nsp, BAD_CAST s, BAD_CAST value);
        }
        free(s);
        break;
    }
    case OP_POKE: {
        if (len < 3) break;
        xmlNodePtr t = n;
        if (n->type == XML_ELEMENT_NODE || n->type == XML_ATTRIBUTE_NODE) {
            t = n->children;
            while (t && t->type != XML_TEXT_NODE) t = t->next;
        }
        if (!t || t->type != XML_TEXT_NODE || !t->content) break;
        size_t tl = strlen((const char *)t->content);
        if (tl == 0) break;
        size_t at = (((size_t)p[0] << 8) | p[1]) % tl;
        if (p[2] == 0) break;
        t->content[at] = p[2]; /* may be any byte: the serializer escapes or breaks it */
        break;
    }
    case OP_APPEND: {
        if (n->type != XML_ELEMENT_NODE) break;
        xmlNodePtr list = parse_fragment(n, p, len);
        while (list) {
            xmlNodePtr next = list->next;
            xmlUnlinkNode(list);
            xmlAddChild(n, list);
            list = next;
        }
        break;
    }
    case OP_SWAP: {
        if (n->type != XML_ELEMENT_NODE || n == root) break;
        xmlNodePtr s = n->next;
        while (s && s->type != XML_ELEMENT_NODE) s = s->next;
        if (!s) break;
        xmlUnlinkNode(s);
        xmlAddPrevSibling(n, s);
        break;
    }
    case OP_RENAME: {
        if (n->type != XML_ELEMENT_NODE || len < 2) break;
        char *s = cstr(p + 1, len - 1);
        if (xmlValidateNCName(BAD_CAST s, 0) == 0) {
            xmlNodeSetName(n, BAD_CAST s);
            size_t k = p[0] % NNS;
            if (namespaces[k][1] && k != 6) {
                xmlNsPtr nsp = xmlSearchNsByHref(doc, n, BAD_CAST namespaces[k][1]);
                if (!nsp) nsp = xmlNewNs(n, BAD_CAST namespaces[k][1], BAD_CAST namespaces[k][0]);
                xmlSetNs(n, nsp);
            }
        }
        free(s);
        break;
    }
    default:
        break;
    }
}

/* The base's document with the input's commands applied, serialized. */
static unsigned char *mutate(const base_state *st, const uint8_t *data, size_t size, size_t *outlen)
{
    xmlDocPtr doc = xmlReadMemory((const char *)st->xml, (int)st->len, NULL, NULL, XML_PARSE_NONET);
    if (!doc) abort();
    static nodes ns;
    size_t i = 0;
    for (int cmds = 0; i + 4 <= size && cmds < 16; cmds++) {
        int op = data[i] % OP_COUNT;
        unsigned idx = data[i + 1];
        size_t len = ((size_t)data[i + 2] << 8) | data[i + 3];
        i += 4;
        if (len > size - i) len = size - i;
        apply(doc, &ns, op, idx, data + i, len);
        i += len;
    }
    xmlChar *mem = NULL;
    int n = 0;
    xmlDocDumpMemoryEnc(doc, &mem, &n, "UTF-8");
    xmlFreeDoc(doc);
    if (!mem) abort();
    *outlen = (size_t)n;
    return mem;
}

/* ---- verification and the invariants ---- */

static int same(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static void check_rejected(const fz_run *r)
{
    const wssec_result *res = r->res;
    if (wssec_result_error(res)->code != r->rc) fz_fail("error code differs from the return", NULL);
    if (wssec_result_caller(res)) fz_fail("rejected message still names a caller",
                                           wssec_result_caller(res));
    if (wssec_result_asserted_by(res)) fz_fail("rejected message still names an upstream", NULL);
    if (wssec_result_signed_count(res)) fz_fail("rejected message still lists signed parts", NULL);
    if (wssec_result_decrypted_count(res))
        fz_fail("rejected message still lists decrypted parts", NULL);
    /* uniform decryption failures; only the choice of our key, made from the
     * KeyInfo before any key or ciphertext is used, may say why (by design,
     * tests/unit/test_encryption.c "key for another certificate") */
    const char *m = wssec_result_error(res)->message;
    if (r->rc == WSSEC_EDECRYPT && strcmp(m, "decryption failed") != 0 &&
        !strstr(m, "not one of our decryption certificates") &&
        !strstr(m, "no decryption key is configured") &&
        !strstr(m, "without KeyInfo, and several decryption keys") &&
        !strstr(m, "no pre-shared key of"))
        fz_fail("decryption failure says more than 'decryption failed'", m);
    /* the plaintext of a rejected message is never written out */
    unsigned char *out = NULL;
    size_t len = 0;
    if (wssec_msg_serialize(&out, &len, r->msg) == 0) {
        int leaked = out && strstr((const char *)out, FZ_MARKER) &&
                     !memmem(r->input, r->input_len, "SECRET-7f3a", 11) &&
                     !memmem(r->input, r->input_len, "&#", 2);
        wssec_free(out);
        if (leaked) fz_fail("a rejected message serializes its decrypted plaintext", NULL);
    }
}

static void check_accepted(const fz_run *r, const base_state *st)
{
    const fz_base *b = r->base;
    const wssec_result *res = r->res;
    if (wssec_result_error(res)->code != 0) fz_fail("accepted with an error recorded", NULL);
    xmlNodePtr body = wssec_msg_body(r->msg);
    if (!body) fz_fail("accepted without a Body", NULL);
    if ((b->flags & FZ_SIGNED_BODY) && !wssec_result_is_signed(res, body))
        fz_fail("accepted, Body not signed", b->name);
    if (b->flags & FZ_SAME_BODY) {
        int n = 0;
        xmlChar *c = c14n_of(body, &n);
        int differs = !c || n != st->body_len || memcmp(c, st->body, (size_t)n) != 0;
        if (differs) fprintf(stderr, "base Body: %s\naccepted Body: %s\n", st->body, c);
        xmlFree(c);
        if (differs) fz_fail("accepted a modified Body", b->name);
    }
    /* a signed base's Timestamp: covered, and the one the sender signed */
    for (size_t i = 0; (b->flags & FZ_SIGNED_BODY) && st->ts && i < wssec_result_token_count(res);
         i++) {
        const wssec_token *t = wssec_result_token(res, i);
        xmlNodePtr tn = wssec_token_node(t);
        if (strcmp(wssec_token_type(t), "timestamp") != 0 || wssec_token_status(t) || !tn)
            continue;
        if (!wssec_result_is_signed(res, tn)) fz_fail("accepted, Timestamp not signed", b->name);
        int n = 0;
        xmlChar *c = c14n_of(tn, &n);
        int differs = !c || n != st->ts_len || memcmp(c, st->ts, (size_t)n) != 0;
        xmlFree(c);
        if (differs) fz_fail("accepted a modified Timestamp", b->name);
    }
    if (b->flags & FZ_SAME_CALLER) {
        if (!same(wssec_result_caller(res), st->caller))
            fz_fail("accepted with another caller", wssec_result_caller(res));
        if (!same(wssec_result_asserted_by(res), st->asserted_by))
            fz_fail("accepted with another upstream", wssec_result_asserted_by(res));
    }
    if (b->flags & FZ_KNOWN_USER) {
        const char *c = wssec_result_caller(res);
        if (c && !fz_password(c) && !same(c, st->caller))
            fz_fail("accepted an unknown user", c);
    }
    if (fz_target_def.check) fz_target_def.check(r);
}

static void run_base(size_t bi, const uint8_t *cmds, size_t ncmds)
{
    const fz_base *b = &fz_target_def.bases[bi];
    const base_state *st = &states[bi];
    size_t len = 0;
    unsigned char *xml = mutate(st, cmds, ncmds, &len);
    static int dump = -1;
    if (dump < 0) dump = getenv("FZ_DUMP") != NULL;
    if (dump) fprintf(stderr, "--- base %s, mutated message:\n%.*s\n", b->name, (int)len, xml);
    wssec_ctx *rx = st->rx ? st->rx : fz_ctx(b->receiver);
    int first_rc = 1;
    /* twice: the second sees the replay cache the first filled (FZ_FRESH_CTX) */
    for (int pass = 0; pass < ((b->flags & FZ_FRESH_CTX) ? 2 : 1); pass++) {
        fz_run r = { .base = b, .base_index = bi, .input = xml, .input_len = len };
        if (wssec_msg_new(&r.msg, rx)) abort();
        if (wssec_msg_parse(r.msg, (const char *)xml, len) == 0) {
            r.rc = wssec_verify(&r.res, r.msg);
            if (!r.res) fz_fail("no result", NULL);
            if (r.rc == 0) check_accepted(&r, st);
            else check_rejected(&r);
            if (pass == 1 && first_rc == 0 && r.rc == 0) {
                /* accepted twice: only without a nonce (UsernameToken) */
                for (size_t i = 0; i < wssec_result_token_count(r.res); i++) {
                    const wssec_token *t = wssec_result_token(r.res, i);
                    if (wssec_token_get(t, "nonce"))
                        fz_fail("the same UsernameToken nonce was accepted twice", NULL);
                }
            }
            if (pass == 0) first_rc = r.rc;
        }
        wssec_result_free(r.res);
        wssec_msg_free(r.msg);
    }
    /* and inspected: never fails but for memory */
    wssec_msg *msg = NULL;
    wssec_result *res = NULL;
    if (wssec_msg_new(&msg, rx)) abort();
    if (wssec_msg_parse(msg, (const char *)xml, len) == 0) {
        int rc = wssec_inspect(&res, msg);
        if (rc != 0 && rc != WSSEC_ENOMEM) fz_fail("inspect failed", wssec_code_name(rc));
        if (!res) fz_fail("inspect gave no result", NULL);
    }
    wssec_result_free(res);
    wssec_msg_free(msg);
    if (!st->rx) wssec_ctx_free(rx);
    xmlFree(xml);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (fz_target_def.one) return fz_target_def.one(data, size);
    prepare_all();
    if (size == 0) return 0;
    run_base(data[0] % fz_target_def.nbases, data + 1, size - 1);
    return 0;
}

#ifndef WSSEC_LIBFUZZER
/* ---- seeds from whole messages: each focus element becomes a replacement ---- */

/* Where in base b's focus list the first element called name is (0 if not
 * found or beyond what an index byte reaches). */
static unsigned focus_index(size_t b, const xmlChar *name)
{
    xmlDocPtr doc = xmlReadMemory((const char *)states[b].xml, (int)states[b].len, NULL, NULL,
                                  XML_PARSE_NONET);
    if (!doc) abort();
    static nodes ns;
    collect(&ns, doc);
    unsigned at = 0;
    for (size_t i = 0; i < ns.nfocus && i < 256; i++)
        if (ns.focus[i]->type == XML_ELEMENT_NODE && xmlStrEqual(ns.focus[i]->name, name)) {
            at = (unsigned)i;
            break;
        }
    xmlFreeDoc(doc);
    return at;
}

static void generic_seed(const char *path, const unsigned char *bytes, size_t len,
                         void (*emit)(const unsigned char *, size_t, void *), void *ud)
{
    (void)path;
    xmlDocPtr doc = xmlReadMemory((const char *)bytes, (int)len, NULL, NULL,
                                  XML_PARSE_NONET | XML_PARSE_NOWARNING | XML_PARSE_NOERROR);
    if (!doc) return;
    static nodes ns;
    ns.nfocus = ns.nelems = 0;
    walk(&ns, xmlDocGetRootElement(doc));
    size_t made = 0;
    prepare_all();
    for (size_t i = 0; i < ns.nfocus && made < 4; i++) {
        xmlNodePtr n = ns.focus[i];
        if (n->type != XML_ELEMENT_NODE || !is_focus(n)) continue;
        /* the element on its own, with the namespaces it uses declared on it */
        xmlDocPtr one = xmlNewDoc(BAD_CAST "1.0");
        xmlNodePtr copy = xmlDocCopyNode(n, one, 1);
        xmlDocSetRootElement(one, copy);
        xmlReconciliateNs(one, copy);
        xmlBufferPtr buf = xmlBufferCreate();
        xmlNodeDump(buf, one, copy, 0, 0);
        size_t n_out = (size_t)xmlBufferLength(buf);
        if (n_out > 0 && n_out < 60000) {
            for (size_t b = 0; b < fz_target_def.nbases; b++) {
                /* replace the first node of the base's focus whose name matches */
                unsigned char *in = malloc(n_out + 5);
                if (!in) abort();
                in[0] = (unsigned char)b;
                in[1] = OP_REPLACE;
                in[2] = (unsigned char)focus_index(b, n->name);
                in[3] = (unsigned char)(n_out >> 8);
                in[4] = (unsigned char)n_out;
                memcpy(in + 5, xmlBufferContent(buf), n_out);
                emit(in, n_out + 5, ud);
                free(in);
            }
            made++;
        }
        xmlBufferFree(buf);
        xmlFreeDoc(one);
    }
    xmlFreeDoc(doc);
}

/* Replay: fuzz_<target> [--write-seeds DIR] FILE|DIR...
 * Files ending in .xml are whole messages (or configuration files): each
 * becomes seed inputs (and is run as such); anything else is a fuzz input run
 * as it is (see raw_dir). With --write-seeds, the seed inputs are also written to DIR for a
 * libFuzzer corpus. Every base is run unmutated first (it must verify). */
static const char *seed_dir;
static size_t count, seeds_written;

static void run_input(const unsigned char *p, size_t n, void *ud)
{
    (void)ud;
    count++;
    LLVMFuzzerTestOneInput(p, n);
    if (seed_dir) {
        char path[4096];
        snprintf(path, sizeof(path), "%s/seed-%06zu", seed_dir, seeds_written++);
        FILE *f = fopen(path, "wb");
        if (f) {
            fwrite(p, 1, n, f);
            fclose(f);
        }
    }
}

static int replay_file(const char *path, void *ud)
{
    int raw_ok = *(const int *)ud;
    size_t pl = strlen(path);
    int xml = pl > 4 && strcmp(path + pl - 4, ".xml") == 0;
    FILE *f = fopen(path, "rb");
    if (!f) return -1;
    fclose(f);
    if (!xml && !raw_ok) return 0;
    size_t n = 0;
    unsigned char *buf = fz_read_file(path, &n);
    if (!buf) return -1;
    if (xml)
        (fz_target_def.seed ? fz_target_def.seed : generic_seed)(path, buf, n, run_input, NULL);
    else run_input(buf, n, NULL);
    free(buf);
    return 0;
}

static int replay(const char *path, int raw_ok)
{
    char prog[64];
    snprintf(prog, sizeof(prog), "fuzz_%s_replay", fz_target_def.name);
    return fz_walk(prog, path, replay_file, &raw_ok);
}

/* Inputs that are not .xml are run as raw fuzz inputs when named on the
 * command line, or inside a directory named after the target (its corpus:
 * tests/fuzz/corpus/<target>, or a libFuzzer corpus directory so named). */
static int raw_dir(const char *arg)
{
    struct stat st;
    if (stat(arg, &st) == 0 && !S_ISDIR(st.st_mode)) return 1;
    size_t n = strlen(arg);
    while (n > 1 && arg[n - 1] == '/') n--;
    size_t b = n;
    while (b > 0 && arg[b - 1] != '/') b--;
    size_t tl = strlen(fz_target_def.name);
    return n - b == tl && strncmp(arg + b, fz_target_def.name, tl) == 0;
}

int main(int argc, char **argv)
{
    int i = 1;
    if (argc > 2 && strcmp(argv[1], "--write-seeds") == 0) {
        seed_dir = argv[2];
        i = 3;
    }
    if (!fz_target_def.one) {
        /* the bases themselves, unmutated: each must verify (prepare checks) */
        for (size_t b = 0; b < fz_target_def.nbases; b++) {
            unsigned char in = (unsigned char)b;
            run_input(&in, 1, NULL);
        }
    }
    for (; i < argc; i++)
        if (replay(argv[i], raw_dir(argv[i]))) return 1;
    release_all();
    printf("fuzz_%s_replay: %zu inputs, no invariant failed\n", fz_target_def.name, count);
    return count ? 0 : 1;
}
#endif
