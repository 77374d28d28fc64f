/*
 * wssec — walking and reading elements: the small helpers every part that
 * looks at a document uses.
 */
#include <stdio.h>
#include <string.h>

#include <libxml/tree.h>

#include "wssec/sys/sdk.h"

static int xml_space(int c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

int wssec_xml_is(xmlNodePtr node, const char *ns, const char *local)
{
    if (!node || node->type != XML_ELEMENT_NODE) return 0;
    if (!xmlStrEqual(node->name, BAD_CAST local)) return 0;
    if (!ns) return node->ns == NULL;
    return node->ns && xmlStrEqual(node->ns->href, BAD_CAST ns);
}

xmlNodePtr wssec_xml_first_elem(xmlNodePtr node)
{
    if (!node) return NULL;
    for (xmlNodePtr c = node->children; c; c = c->next)
        if (c->type == XML_ELEMENT_NODE) return c;
    return NULL;
}

xmlNodePtr wssec_xml_next_elem(xmlNodePtr node)
{
    for (xmlNodePtr c = node ? node->next : NULL; c; c = c->next)
        if (c->type == XML_ELEMENT_NODE) return c;
    return NULL;
}

xmlNodePtr wssec_xml_next_in_depth(xmlNodePtr n, xmlNodePtr top, size_t *depth)
{
    if (n->type == XML_ELEMENT_NODE && n->children) {
        if (depth) ++*depth;
        return n->children;
    }
    while (n != top && !n->next) {
        n = n->parent;
        if (depth) --*depth;
    }
    return n == top ? NULL : n->next;
}

xmlNodePtr wssec_xml_next_in(xmlNodePtr n, xmlNodePtr top)
{
    return wssec_xml_next_in_depth(n, top, NULL);
}

const char *wssec_xml_attr(xmlNodePtr e, const char *name)
{
    for (xmlAttrPtr a = e->properties; a; a = a->next)
        if (!a->ns && xmlStrEqual(a->name, BAD_CAST name))
            return a->children ? (const char *)a->children->content : "";
    return NULL;
}

char *wssec_xml_text(xmlNodePtr node)
{
    xmlChar *c = xmlNodeGetContent(node);
    if (!c) return NULL;
    size_t n = strlen((char *)c), a = 0;
    while (a < n && xml_space(c[a])) a++;
    while (n > a && xml_space(c[n - 1])) n--;
    memmove(c, c + a, n - a);
    c[n - a] = '\0';
    return (char *)c;
}

void wssec_xml_path(char *buf, size_t size, xmlNodePtr node)
{
    const char *parts[32];
    size_t n = 0;
    for (xmlNodePtr c = node; c && c->type == XML_ELEMENT_NODE && n < 32; c = c->parent)
        parts[n++] = (const char *)c->name;
    size_t off = 0;
    buf[0] = '\0';
    while (n-- > 0 && off < size) {
        int w = snprintf(buf + off, size - off, "/%s", parts[n]);
        if (w < 0) break;
        off += (size_t)w;
    }
}
