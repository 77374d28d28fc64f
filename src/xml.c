/*
 * wssec — safe parsing and ID registration.
 *
 * The parser is libxml2's push parser with its SAX2 tree builder, wrapped so
 * that a DTD, an entity declaration or reference, or a processing
 * instruction stops the parse at once, and so that depth and node count are
 * bounded while parsing, before an oversized tree exists. External loads are
 * refused by the process-wide loader installed in context.c and by
 * XML_PARSE_NONET.
 */
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <libxml/hash.h>
#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/SAX2.h>
#include <libxml/valid.h>

#include "internal.h"

#define NS_DS "http://www.w3.org/2000/09/xmldsig#"
#define NS_XENC "http://www.w3.org/2001/04/xmlenc#"

typedef struct guard {
    const wssec_settings *s;
    size_t depth, nodes;
    int code;        /* first refusal */
    char why[200];
    xmlSAXHandler orig;
} guard;

static void refuse(xmlParserCtxtPtr ctxt, int code, const char *why)
{
    guard *g = ctxt->_private;
    if (!g->code) {
        g->code = code;
        snprintf(g->why, sizeof(g->why), "%s", why);
    }
    xmlStopParser(ctxt);
}

static int count_node(xmlParserCtxtPtr ctxt, size_t n)
{
    guard *g = ctxt->_private;
    g->nodes += n;
    if (g->nodes > g->s->max_nodes) {
        char why[120];
        snprintf(why, sizeof(why), "more than %zu nodes (max-nodes)", g->s->max_nodes);
        refuse(ctxt, WSSEC_ELIMIT, why);
        return -1;
    }
    return 0;
}

static void g_start(void *c, const xmlChar *localname, const xmlChar *prefix, const xmlChar *uri,
                    int nb_namespaces, const xmlChar **namespaces, int nb_attributes,
                    int nb_defaulted, const xmlChar **attributes)
{
    xmlParserCtxtPtr ctxt = c;
    guard *g = ctxt->_private;
    if (++g->depth > g->s->max_depth) {
        char why[120];
        snprintf(why, sizeof(why), "elements nested deeper than %zu (max-depth)", g->s->max_depth);
        refuse(ctxt, WSSEC_ELIMIT, why);
        return;
    }
    if (count_node(ctxt, 1 + (size_t)nb_attributes + (size_t)nb_namespaces)) return;
    g->orig.startElementNs(c, localname, prefix, uri, nb_namespaces, namespaces, nb_attributes,
                           nb_defaulted, attributes);
}

static void g_end(void *c, const xmlChar *localname, const xmlChar *prefix, const xmlChar *uri)
{
    xmlParserCtxtPtr ctxt = c;
    guard *g = ctxt->_private;
    if (g->depth) g->depth--;
    g->orig.endElementNs(c, localname, prefix, uri);
}

static void g_characters(void *c, const xmlChar *ch, int len)
{
    xmlParserCtxtPtr ctxt = c;
    guard *g = ctxt->_private;
    if (count_node(ctxt, 1)) return;
    g->orig.characters(c, ch, len);
}

static void g_cdata(void *c, const xmlChar *ch, int len)
{
    xmlParserCtxtPtr ctxt = c;
    guard *g = ctxt->_private;
    if (count_node(ctxt, 1)) return;
    g->orig.cdataBlock(c, ch, len);
}

static void g_comment(void *c, const xmlChar *value)
{
    xmlParserCtxtPtr ctxt = c;
    guard *g = ctxt->_private;
    if (count_node(ctxt, 1)) return;
    g->orig.comment(c, value);
}

static void g_subset(void *c, const xmlChar *name, const xmlChar *eid, const xmlChar *sid)
{
    (void)name;
    (void)eid;
    (void)sid;
    refuse(c, WSSEC_EPARSE, "a DTD (document type declaration) is not allowed in a SOAP message");
}

static void g_entity_decl(void *c, const xmlChar *name, int type, const xmlChar *pid,
                          const xmlChar *sid, xmlChar *content)
{
    (void)name;
    (void)type;
    (void)pid;
    (void)sid;
    (void)content;
    refuse(c, WSSEC_EPARSE, "an entity declaration is not allowed in a SOAP message");
}

static void g_reference(void *c, const xmlChar *name)
{
    (void)name;
    refuse(c, WSSEC_EPARSE, "an entity reference is not allowed in a SOAP message");
}

static xmlEntityPtr g_get_entity(void *c, const xmlChar *name)
{
    (void)name;
    refuse(c, WSSEC_EPARSE, "an entity reference is not allowed in a SOAP message");
    return NULL;
}

static void g_pi(void *c, const xmlChar *target, const xmlChar *data)
{
    (void)target;
    (void)data;
    refuse(c, WSSEC_EPARSE, "a processing instruction is not allowed in a SOAP message");
}

static int acceptable_encoding(const xmlChar *enc)
{
    if (!enc) return 1;
    static const char *const ok[] = { "UTF-8", "UTF8", "UTF-16", "UTF-16LE", "UTF-16BE" };
    for (size_t i = 0; i < WSSEC_ARRAY_LEN(ok); i++)
        if (strcasecmp((const char *)enc, ok[i]) == 0) return 1;
    return 0;
}

int wssec__xml_parse(wssec_errrec *err, const wssec_settings *s, const char *data, size_t len,
                     xmlDocPtr *out)
{
    *out = NULL;
    if (len > s->max_message_size)
        return WSSEC_ERR(err, WSSEC_ELIMIT, "message of %zu bytes exceeds max-message-size %zu",
                         len, s->max_message_size);
    if (len > INT_MAX) return WSSEC_ERR(err, WSSEC_ELIMIT, "message too large");
    if (len == 0) return WSSEC_ERR(err, WSSEC_EPARSE, "empty input: not XML");

    guard g = { .s = s };
    xmlParserCtxtPtr ctxt = xmlCreatePushParserCtxt(NULL, NULL, NULL, 0, NULL);
    if (!ctxt) return WSSEC_ENOMEM;
    g.orig = *ctxt->sax;
    ctxt->_private = &g;
    ctxt->sax->startElementNs = g_start;
    ctxt->sax->endElementNs = g_end;
    ctxt->sax->characters = g_characters;
    ctxt->sax->ignorableWhitespace = g_characters;
    ctxt->sax->cdataBlock = g_cdata;
    ctxt->sax->comment = g_comment;
    ctxt->sax->internalSubset = g_subset;
    ctxt->sax->externalSubset = g_subset;
    ctxt->sax->entityDecl = g_entity_decl;
    ctxt->sax->reference = g_reference;
    ctxt->sax->getEntity = g_get_entity;
    ctxt->sax->getParameterEntity = g_get_entity;
    ctxt->sax->processingInstruction = g_pi;
    /* libxml2 refuses a text node over 10 MB (a large CipherValue) unless
     * XML_PARSE_HUGE: allowed only when max-message-size is above that, and
     * safe because depth and node count stay bounded by the guard above and
     * no entity can expand */
    int opts = XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING;
    if (s->max_message_size > (size_t)10 * 1000 * 1000) opts |= XML_PARSE_HUGE;
    /* no dictionary in the document: libxml2 2.9's xmlParseInNodeContext
     * (xmlsec's decryption in place) frees the document's dictionary when an
     * allocation fails, and freeing the document then reads freed memory
     * (found by the allocation torture) */
    opts |= XML_PARSE_NODICT;
    xmlCtxtUseOptions(ctxt, opts);

    /* in chunks: libxml2 2.9 refuses more than 10 MB of look-ahead in one
     * chunk without XML_PARSE_HUGE, which would cap messages below
     * max-message-size; chunks also let a refusal stop the parse early */
    int prc = 0;
    const size_t chunk = 64 * 1024;
    for (size_t off = 0; prc == 0 && !g.code; off += chunk) {
        size_t n = len - off < chunk ? len - off : chunk;
        prc = xmlParseChunk(ctxt, data + off, (int)n, off + n == len);
        if (off + n == len) break;
    }
    xmlDocPtr doc = ctxt->myDoc;
    ctxt->myDoc = NULL;
    int rc = 0;
    if (g.code) {
        rc = WSSEC_ERR(err, g.code, "%s", g.why);
    } else if (prc != 0 || !ctxt->wellFormed || !ctxt->nsWellFormed || !doc) {
        xmlErrorPtr e = xmlCtxtGetLastError(ctxt);
        char what[300] = "not well-formed";
        if (e && e->message) {
            snprintf(what, sizeof(what), "%s", e->message);
            size_t n = strlen(what);
            while (n && (what[n - 1] == '\n' || what[n - 1] == ' ')) what[--n] = '\0';
        }
        rc = WSSEC_ERR(err, WSSEC_EPARSE, "not well-formed XML (line %d): %s", e ? e->line : 0,
                       what);
    } else if (doc->intSubset || doc->extSubset) {
        rc = WSSEC_ERR(err, WSSEC_EPARSE, "a DTD is not allowed in a SOAP message");
    } else if (!acceptable_encoding(doc->encoding)) {
        rc = WSSEC_ERR(err, WSSEC_EPARSE, "encoding '%s' is not accepted (UTF-8 or UTF-16 only)",
                       (const char *)doc->encoding);
    }
    xmlFreeParserCtxt(ctxt);
    if (rc) {
        xmlFreeDoc(doc);
        return rc;
    }
    *out = doc;
    return 0;
}

/* ---- IDs ---- */

/* Attributes that take part in ID clash detection: any attribute named Id,
 * ID or id in any namespace, and xml:id. */
static int id_like(xmlAttrPtr a)
{
    return xmlStrEqual(a->name, BAD_CAST "Id") || xmlStrEqual(a->name, BAD_CAST "ID") ||
           xmlStrEqual(a->name, BAD_CAST "id");
}

/* Attributes that are registered as IDs (references may resolve to them). */
static int id_registered(xmlAttrPtr a)
{
    xmlNodePtr e = a->parent;
    if (a->ns) return xmlStrEqual(a->ns->href, BAD_CAST WSSEC_NS_WSU) &&
                      xmlStrEqual(a->name, BAD_CAST "Id");
    if (!xmlStrEqual(a->name, BAD_CAST "Id") || !e->ns) return 0;
    const xmlChar *ns = e->ns->href;
    return xmlStrEqual(ns, BAD_CAST NS_DS) || xmlStrEqual(ns, BAD_CAST NS_XENC) ||
           xmlStrEqual(ns, BAD_CAST WSSEC_NS_WSSE) || xmlStrEqual(ns, BAD_CAST WSSEC_NS_WSSE11);
}

static int is_xml_id(xmlAttrPtr a)
{
    return a->ns && xmlStrEqual(a->ns->href, XML_XML_NAMESPACE) &&
           xmlStrEqual(a->name, BAD_CAST "id");
}

int wssec__xml_register_ids(wssec_errrec *err, xmlDocPtr doc)
{
    int rc = 0;
    xmlHashTablePtr seen = xmlHashCreate(16);
    if (!seen) return WSSEC_ENOMEM;
    xmlNodePtr n = xmlDocGetRootElement(doc);
    while (n && !rc) {
        if (n->type == XML_ELEMENT_NODE) {
            for (xmlAttrPtr a = n->properties; a && !rc; a = a->next) {
                if (!id_like(a)) continue;
                xmlChar *v = xmlNodeGetContent((xmlNodePtr)a);
                if (!v) {
                    rc = WSSEC_ENOMEM;
                    break;
                }
                if (xmlHashLookup(seen, v)) {
                    char path[200];
                    wssec__node_path(n, path, sizeof(path));
                    rc = wssec__err_set(err, WSSEC_EMALFORMED, NULL, path, __FILE__, __LINE__,
                                        "duplicate ID '%.80s' (on %s): IDs must be unique", v,
                                        path);
                } else if (xmlHashAddEntry(seen, v, (void *)1) < 0) {
                    rc = WSSEC_ENOMEM;
                } else if (id_registered(a) && !is_xml_id(a)) {
                    xmlAttrPtr prev = xmlGetID(doc, v);
                    if (prev && prev != a)
                        rc = WSSEC_ERR(err, WSSEC_EMALFORMED, "duplicate ID '%.80s'", v);
                    else if (!prev && !xmlAddID(NULL, doc, v, a))
                        rc = WSSEC_ENOMEM;
                }
                xmlFree(v);
            }
        }
        /* depth-first walk without recursion */
        if (n->children && n->type == XML_ELEMENT_NODE) {
            n = n->children;
            continue;
        }
        while (n && !n->next) {
            n = n->parent;
            if (n && n->type == XML_DOCUMENT_NODE) n = NULL;
        }
        if (n) n = n->next;
    }
    xmlHashFree(seen, NULL);
    return rc;
}

int wssec__recheck(wssec_msg *msg)
{
    /* decrypted plaintext may not bring what the parser refuses */
    for (xmlNodePtr n = xmlDocGetRootElement(msg->doc); n;) {
        if (n->type == XML_PI_NODE || n->type == XML_ENTITY_REF_NODE || n->type == XML_DTD_NODE ||
            n->type == XML_ENTITY_DECL)
            return wssec_msg_fail(msg, WSSEC_EMALFORMED, NULL, n->parent,
                                  "decrypted content holds a processing instruction or an entity "
                                  "reference");
        if (n->children && n->type == XML_ELEMENT_NODE) {
            n = n->children;
            continue;
        }
        while (n && !n->next) n = n->parent && n->parent->type == XML_ELEMENT_NODE ? n->parent : NULL;
        if (n) n = n->next;
    }
    /* the SOAP structure and the IDs, as after parsing: a second Security
     * header or a duplicate ID smuggled in by plaintext is refused */
    xmlNodePtr security = msg->security;
    int rc = wssec__soap_bind(msg);
    if (!rc && msg->security != security)
        rc = wssec__err_set(&msg->err, WSSEC_EMALFORMED, NULL, NULL, __FILE__, __LINE__,
                            "decrypted content changed which Security header is ours");
    if (!rc) rc = wssec__xml_register_ids(&msg->err, msg->doc);
    if (rc) {
        if (rc == WSSEC_EPARSE) {
            char why[sizeof(msg->err.message)];
            snprintf(why, sizeof(why), "%s", msg->err.message);
            rc = wssec__err_set(&msg->err, WSSEC_EMALFORMED, NULL, NULL, __FILE__, __LINE__,
                                "decrypted content breaks the message: %s", why);
        }
        msg->failed = true;
    }
    return rc;
}
