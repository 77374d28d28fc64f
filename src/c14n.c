/*
 * wssec — exclusive XML C14N 1.0 of one element's subtree into a sink.
 *
 * libxml2 2.9's xmlC14NExecute has no starting node: given a visibility
 * callback that selects one subtree, it still walks the whole document,
 * calling the callback for every node, and builds sorted lists per element.
 * A signature with N references did that N + 1 times. This renders the same
 * node set the same way, visiting only the subtree.
 *
 * It follows libxml2's c14n.c (xmlC14NProcessElementNode,
 * xmlExcC14NProcessNamespacesAxis, xmlC14NProcessAttrsAxis,
 * xmlC11NNormalizeString) for a node set that is "top and everything under
 * it", where every visibility answer is known without asking:
 *
 * - the elements outside the subtree are invisible: in exclusive mode they
 *   render nothing and push nothing on the stack of rendered namespaces;
 * - top is rendered as the document element is (libxml2's parent_is_doc is
 *   still set when it meets the first visible element), so comments and
 *   processing instructions under it get no line feeds;
 * - the stack of rendered namespaces, its "previous element" window that
 *   the inclusive prefixes are looked up in, the sorted insertion of
 *   xmlListInsert (a new entry goes before its equals), the attribute order
 *   (no namespace first, then by namespace URI, then by local name), the
 *   quoting of namespace URIs (xmlBufWriteQuotedString) and the escaping of
 *   text, attribute values, comments and PIs are libxml2's, quirks
 *   included (xmlns="" when an unprefixed element's or "#default"'s
 *   namespace is empty after a non-empty one was rendered; xml:* attributes
 *   not inherited; '>' escaped in text, not in attributes).
 *
 * What makes libxml2 fail anywhere in the document (an entity reference,
 * a relative namespace URI, a node kind it refuses) is found by
 * wssec__c14n_doc_ok, once per document, so that callers keep
 * xmlC14NExecute (and its failure) for such documents.
 *
 * Not a general C14N: inclusive C14N, node sets other than one subtree and
 * XPath are xmlsec's and libxml2's, as before.
 */
#include <stdint.h>
#include <string.h>

#include <libxml/uri.h>
#include <libxml/xmlstring.h>

#include "wssec/wssec.h"
#include "c14n.h"
#include "util.h"

#define OUT_CHUNK 4096

/* The state libxml2 saves and restores around each element
 * (xmlC14NVisibleNsStackSave/Restore). */
typedef struct level {
    size_t cur, prev_start, prev_end;
} level;

typedef struct c14n {
    wssec_c14n_sink sink;
    void *ud;
    const xmlChar *const *prefixes;
    int with_comments;
    int rc; /* first failure */
    /* the namespaces rendered by output ancestors (ns_rendered) */
    const xmlNs **ns;
    size_t ns_cur, ns_prev_start, ns_prev_end, ns_max;
    level *lv;
    size_t nlv, lv_max;
    /* the sorted lists of one element */
    const xmlNs **list;
    size_t nlist, list_max;
    xmlAttr **attrs;
    size_t nattrs, attrs_max;
    size_t outn;
    unsigned char out[OUT_CHUNK];
} c14n;

/* ---- output ---- */

static void flush(c14n *c)
{
    if (!c->rc && c->outn && c->sink(c->ud, c->out, c->outn)) c->rc = WSSEC_ELIMIT;
    c->outn = 0;
}

static void put(c14n *c, const void *p, size_t n)
{
    if (c->rc) return;
    if (n > OUT_CHUNK - c->outn) {
        flush(c);
        if (c->rc) return;
        if (n > OUT_CHUNK) {
            /* a long run: straight through, in chunks of the same size */
            const unsigned char *q = p;
            while (n && !c->rc) {
                size_t k = n < OUT_CHUNK ? n : OUT_CHUNK;
                if (c->sink(c->ud, q, k)) c->rc = WSSEC_ELIMIT;
                q += k;
                n -= k;
            }
            return;
        }
    }
    memcpy(c->out + c->outn, p, n);
    c->outn += n;
}

static void puts_(c14n *c, const char *s)
{
    put(c, s, strlen(s));
}

static void putx(c14n *c, const xmlChar *s)
{
    if (s) put(c, s, strlen((const char *)s));
}

enum { ESC_ATTR, ESC_COMMENT, ESC_PI, ESC_TEXT };

/* xmlC11NNormalizeString: the string up to its NUL, escaped for mode. */
static void put_escaped(c14n *c, const xmlChar *s, int mode)
{
    const xmlChar *run = s;
    for (; *s; s++) {
        const char *e = NULL;
        switch (*s) {
        case '<': e = mode == ESC_ATTR || mode == ESC_TEXT ? "&lt;" : NULL; break;
        case '>': e = mode == ESC_TEXT ? "&gt;" : NULL; break;
        case '&': e = mode == ESC_ATTR || mode == ESC_TEXT ? "&amp;" : NULL; break;
        case '"': e = mode == ESC_ATTR ? "&quot;" : NULL; break;
        case '\t': e = mode == ESC_ATTR ? "&#x9;" : NULL; break;
        case '\n': e = mode == ESC_ATTR ? "&#xA;" : NULL; break;
        case '\r': e = "&#xD;"; break;
        default: break;
        }
        if (!e) continue;
        put(c, run, (size_t)(s - run));
        puts_(c, e);
        run = s + 1;
    }
    put(c, run, (size_t)(s - run));
}

/* xmlBufWriteQuotedString: double quotes, single ones around a string with
 * a double quote, &quot; when it has both. */
static void put_quoted(c14n *c, const xmlChar *s)
{
    const char *str = (const char *)s;
    if (!strchr(str, '"')) {
        puts_(c, "\"");
        puts_(c, str);
        puts_(c, "\"");
    } else if (!strchr(str, '\'')) {
        puts_(c, "'");
        puts_(c, str);
        puts_(c, "'");
    } else {
        puts_(c, "\"");
        for (const char *q; (q = strchr(str, '"')) != NULL; str = q + 1) {
            put(c, str, (size_t)(q - str));
            puts_(c, "&quot;");
        }
        puts_(c, str);
        puts_(c, "\"");
    }
}

/* xmlC14NPrintNamespaces */
static void put_ns(c14n *c, const xmlNs *ns)
{
    if (ns->prefix) {
        puts_(c, " xmlns:");
        putx(c, ns->prefix);
        puts_(c, "=");
    } else {
        puts_(c, " xmlns=");
    }
    if (ns->href) put_quoted(c, ns->href);
    else puts_(c, "\"\"");
}

static void put_qname(c14n *c, const xmlNode *e)
{
    if (e->ns && e->ns->prefix && e->ns->prefix[0]) {
        putx(c, e->ns->prefix);
        puts_(c, ":");
    }
    putx(c, e->name);
}

/* ---- growable arrays ---- */

static int grow(void **p, size_t *max, size_t need, size_t size)
{
    if (need <= *max) return 0;
    size_t n = *max ? *max : 16;
    while (n < need) {
        if (n > SIZE_MAX / 2 / size) return WSSEC_ENOMEM;
        n *= 2;
    }
    void *q = wssec__realloc(*p, n * size);
    if (!q) return WSSEC_ENOMEM;
    *p = q;
    *max = n;
    return 0;
}

/* ---- the stack of rendered namespaces ---- */

/* xmlC14NStrEqual: NULL is the empty string */
static int str_equal(const xmlChar *a, const xmlChar *b)
{
    if (a == b) return 1;
    if (!a) return *b == '\0';
    if (!b) return *a == '\0';
    return strcmp((const char *)a, (const char *)b) == 0;
}

static int is_xml_ns(const xmlNs *ns)
{
    return ns && xmlStrEqual(ns->prefix, BAD_CAST "xml") &&
           xmlStrEqual(ns->href, XML_XML_NAMESPACE);
}

static int empty_ns(const xmlNs *ns)
{
    return (!ns->prefix || !ns->prefix[0]) && (!ns->href || !ns->href[0]);
}

/* xmlC14NVisibleNsStackFind: the inclusive prefixes' test, which looks at
 * the window of the previous visible element only (all of the stack for
 * the empty default namespace). */
static int stack_find(const c14n *c, const xmlNs *ns)
{
    int empty = empty_ns(ns);
    size_t start = empty ? 0 : c->ns_prev_start;
    for (size_t i = c->ns_cur; i > start; i--) {
        const xmlNs *n1 = c->ns[i - 1];
        if (str_equal(ns->prefix, n1->prefix)) return str_equal(ns->href, n1->href);
    }
    return empty;
}

/* xmlExcC14NVisibleNsStackFind, where every stacked namespace is visible:
 * the whole stack. */
static int exc_stack_find(const c14n *c, const xmlNs *ns)
{
    for (size_t i = c->ns_cur; i > 0; i--) {
        const xmlNs *n1 = c->ns[i - 1];
        if (str_equal(ns->prefix, n1->prefix)) return str_equal(ns->href, n1->href);
    }
    return empty_ns(ns);
}

static void stack_add(c14n *c, const xmlNs *ns)
{
    if (c->rc) return;
    if (grow((void **)&c->ns, &c->ns_max, c->ns_cur + 1, sizeof(*c->ns))) {
        c->rc = WSSEC_ENOMEM;
        return;
    }
    c->ns[c->ns_cur++] = ns;
}

/* xmlListInsert with xmlC14NNsCompare: before the first entry not less
 * than it (so before its equals). */
static void list_insert(c14n *c, const xmlNs *ns)
{
    if (c->rc) return;
    if (grow((void **)&c->list, &c->list_max, c->nlist + 1, sizeof(*c->list))) {
        c->rc = WSSEC_ENOMEM;
        return;
    }
    size_t at = 0;
    while (at < c->nlist && c->list[at] != ns && xmlStrcmp(c->list[at]->prefix, ns->prefix) < 0)
        at++;
    memmove(c->list + at + 1, c->list + at, (c->nlist - at) * sizeof(*c->list));
    c->list[at] = ns;
    c->nlist++;
}

/* xmlExcC14NProcessNamespacesAxis for a visible element whose attributes
 * and namespace nodes are all visible. */
static void ns_axis(c14n *c, xmlNode *cur)
{
    int has_empty = 0, utilized_empty = 0, empty_in_list = 0;
    c->nlist = 0;
    for (size_t i = 0; c->prefixes && c->prefixes[i]; i++) {
        const xmlChar *p = c->prefixes[i];
        if (xmlStrEqual(p, BAD_CAST "#default") || !p[0]) {
            p = NULL;
            empty_in_list = 1;
        } else if (xmlStrEqual(p, BAD_CAST "xml")) {
            continue; /* xmlSearchNs answers the xml namespace: never rendered */
        }
        const xmlNs *ns = xmlSearchNs(cur->doc, cur, p);
        if (ns && !is_xml_ns(ns)) {
            int seen = stack_find(c, ns);
            stack_add(c, ns);
            if (!seen) list_insert(c, ns);
            if (!ns->prefix || !ns->prefix[0]) has_empty = 1;
        }
    }
    const xmlNs *ns = cur->ns;
    if (!ns) {
        ns = xmlSearchNs(cur->doc, cur, NULL);
        utilized_empty = 1;
    }
    if (ns && !is_xml_ns(ns)) {
        if (!exc_stack_find(c, ns)) list_insert(c, ns);
        stack_add(c, ns);
        if (!ns->prefix || !ns->prefix[0]) has_empty = 1;
    }
    for (const xmlAttr *a = cur->properties; a; a = a->next) {
        if (a->ns && !is_xml_ns(a->ns)) {
            int seen = exc_stack_find(c, a->ns);
            stack_add(c, a->ns);
            if (!seen) list_insert(c, a->ns);
            if (!a->ns->prefix || !a->ns->prefix[0]) has_empty = 1;
        } else if (a->ns && empty_ns(a->ns)) {
            utilized_empty = 1;
        }
    }
    static const xmlNs ns_default; /* prefix and URI NULL */
    if (utilized_empty && !has_empty && !empty_in_list) {
        if (!exc_stack_find(c, &ns_default)) put_ns(c, &ns_default);
    } else if (!has_empty && empty_in_list) {
        if (!stack_find(c, &ns_default)) put_ns(c, &ns_default);
    }
    for (size_t i = 0; i < c->nlist; i++) put_ns(c, c->list[i]);
}

/* ---- attributes ---- */

/* xmlC14NAttrsCompare */
static int attr_cmp(const xmlAttr *a1, const xmlAttr *a2)
{
    if (a1 == a2) return 0;
    if (a1->ns == a2->ns) return xmlStrcmp(a1->name, a2->name);
    if (!a1->ns) return -1;
    if (!a2->ns) return 1;
    if (!a1->ns->prefix) return -1;
    if (!a2->ns->prefix) return 1;
    int r = xmlStrcmp(a1->ns->href, a2->ns->href);
    return r ? r : xmlStrcmp(a1->name, a2->name);
}

/* xmlC14NProcessAttrsAxis (exclusive) and xmlC14NPrintAttrs */
static void attr_axis(c14n *c, xmlNode *cur)
{
    c->nattrs = 0;
    for (xmlAttr *a = cur->properties; a && !c->rc; a = a->next) {
        if (grow((void **)&c->attrs, &c->attrs_max, c->nattrs + 1, sizeof(*c->attrs))) {
            c->rc = WSSEC_ENOMEM;
            return;
        }
        size_t at = 0;
        while (at < c->nattrs && attr_cmp(c->attrs[at], a) < 0) at++;
        memmove(c->attrs + at + 1, c->attrs + at, (c->nattrs - at) * sizeof(*c->attrs));
        c->attrs[at] = a;
        c->nattrs++;
    }
    for (size_t i = 0; i < c->nattrs && !c->rc; i++) {
        const xmlAttr *a = c->attrs[i];
        puts_(c, " ");
        if (a->ns && a->ns->prefix && a->ns->prefix[0]) {
            putx(c, a->ns->prefix);
            puts_(c, ":");
        }
        putx(c, a->name);
        puts_(c, "=\"");
        const xmlNode *t = a->children;
        if (t && !t->next && (t->type == XML_TEXT_NODE || t->type == XML_CDATA_SECTION_NODE)) {
            if (t->content) put_escaped(c, t->content, ESC_ATTR);
        } else if (t) {
            /* what libxml2 reads: xmlNodeListGetString, entities inline */
            xmlChar *v = xmlNodeListGetString(cur->doc, a->children, 1);
            if (v) put_escaped(c, v, ESC_ATTR);
            xmlFree(v);
        }
        puts_(c, "\"");
    }
}

/* ---- elements ---- */

static void open_element(c14n *c, xmlNode *e)
{
    if (grow((void **)&c->lv, &c->lv_max, c->nlv + 1, sizeof(*c->lv))) {
        c->rc = WSSEC_ENOMEM;
        return;
    }
    c->lv[c->nlv++] = (level){ c->ns_cur, c->ns_prev_start, c->ns_prev_end };
    puts_(c, "<");
    put_qname(c, e);
    ns_axis(c, e);
    c->ns_prev_start = c->ns_prev_end; /* xmlC14NVisibleNsStackShift */
    c->ns_prev_end = c->ns_cur;
    attr_axis(c, e);
    puts_(c, ">");
}

static void close_element(c14n *c, const xmlNode *e)
{
    if (c->rc) return;
    puts_(c, "</");
    put_qname(c, e);
    puts_(c, ">");
    level l = c->lv[--c->nlv];
    c->ns_cur = l.cur;
    c->ns_prev_start = l.prev_start;
    c->ns_prev_end = l.prev_end;
}

/* One node other than an element (xmlC14NProcessNode), in the document
 * element's position: no line feeds around comments and PIs. */
static void leaf(c14n *c, const xmlNode *n)
{
    switch (n->type) {
    case XML_TEXT_NODE:
    case XML_CDATA_SECTION_NODE:
        if (n->content) put_escaped(c, n->content, ESC_TEXT);
        break;
    case XML_PI_NODE:
        puts_(c, "<?");
        putx(c, n->name);
        if (n->content && n->content[0]) {
            puts_(c, " ");
            put_escaped(c, n->content, ESC_PI);
        }
        puts_(c, "?>");
        break;
    case XML_COMMENT_NODE:
        if (!c->with_comments) break;
        puts_(c, "<!--");
        if (n->content) put_escaped(c, n->content, ESC_COMMENT);
        puts_(c, "-->");
        break;
    case XML_DOCUMENT_TYPE_NODE:
    case XML_NOTATION_NODE:
    case XML_DTD_NODE:
    case XML_ELEMENT_DECL:
    case XML_ATTRIBUTE_DECL:
    case XML_ENTITY_DECL:
    case XML_XINCLUDE_START:
    case XML_XINCLUDE_END:
        break; /* ignored, as libxml2 does */
    default:
        /* an entity reference, or a node C14N refuses: libxml2 fails */
        c->rc = WSSEC_C14N_UNHANDLED;
        break;
    }
}

int wssec__c14n_exc_subtree(const xmlNode *top, const xmlChar *const *prefixes, int with_comments,
                            wssec_c14n_sink sink, void *ud)
{
    if (!top || top->type != XML_ELEMENT_NODE || !top->doc || !sink) return WSSEC_EINVALID;
    c14n *c = wssec__calloc(1, sizeof(*c));
    if (!c) return WSSEC_ENOMEM;
    c->sink = sink;
    c->ud = ud;
    c->prefixes = prefixes;
    c->with_comments = with_comments;
    xmlNode *n = (xmlNode *)top;
    while (!c->rc) {
        if (n->type == XML_ELEMENT_NODE) {
            open_element(c, n);
            if (n->children) {
                n = n->children;
                continue;
            }
            close_element(c, n);
        } else {
            leaf(c, n);
        }
        while (n != top && !n->next && !c->rc) {
            n = n->parent;
            close_element(c, n);
        }
        if (n == top) break;
        n = n->next;
    }
    flush(c);
    int rc = c->rc;
    wssec__free(c->ns);
    wssec__free(c->lv);
    wssec__free(c->list);
    wssec__free(c->attrs);
    wssec__free(c);
    return rc;
}

/* ---- the document, once ---- */

/* xmlC14NCheckForRelativeNamespaces: every non-empty namespace URI
 * declared parses as a URI with a scheme. */
static int absolute_namespaces(const xmlNode *e)
{
    for (const xmlNs *ns = e->nsDef; ns; ns = ns->next) {
        if (!ns->href || !ns->href[0]) continue;
        xmlURIPtr uri = xmlParseURI((const char *)ns->href);
        int ok = uri && uri->scheme && uri->scheme[0];
        xmlFreeURI(uri);
        if (!ok) return 0;
    }
    return 1;
}

int wssec__c14n_doc_ok(const xmlDoc *doc)
{
    if (!doc) return 0;
    /* every node xmlC14NProcessNodeList visits, in document order */
    const xmlNode *n = doc->children;
    while (n) {
        switch (n->type) {
        case XML_ELEMENT_NODE:
            if (!absolute_namespaces(n)) return 0;
            if (n->children) {
                n = n->children;
                continue;
            }
            break;
        case XML_TEXT_NODE:
        case XML_CDATA_SECTION_NODE:
        case XML_PI_NODE:
        case XML_COMMENT_NODE:
        case XML_DOCUMENT_TYPE_NODE:
        case XML_NOTATION_NODE:
        case XML_DTD_NODE: /* not entered */
        case XML_ELEMENT_DECL:
        case XML_ATTRIBUTE_DECL:
        case XML_ENTITY_DECL:
        case XML_XINCLUDE_START:
        case XML_XINCLUDE_END:
            break;
        default:
            return 0;
        }
        while (!n->next && n->parent && (const xmlDoc *)n->parent != doc) n = n->parent;
        n = n->next;
    }
    return 1;
}
