/*
 * wssec — walking and reading elements (node.c).
 */
#ifndef WSSEC_SRC_NODE_H
#define WSSEC_SRC_NODE_H

#include <stddef.h>

#include <libxml/tree.h>

/* The XML whitespace-trimmed content of an element; caller frees with xmlFree. */
char *wssec__node_text(xmlNodePtr node);
/* An XPath-like path of a node for messages, e.g. /Envelope/Header/Security/Timestamp[1]. */
void wssec__node_path(xmlNodePtr node, char *buf, size_t size);
/* 1 if node is an element with this namespace and local name. */
int wssec__is(xmlNodePtr node, const char *ns, const char *local);
/* The value of an unqualified attribute ("" when empty), or NULL. Borrowed. */
const char *wssec__attr(xmlNodePtr e, const char *name);
/* The first element child, next element sibling. */
xmlNodePtr wssec__first_elem(xmlNodePtr node);
xmlNodePtr wssec__next_elem(xmlNodePtr node);
/* The node after n in document order within top's subtree (elements'
 * children included), or NULL after the last: for (n = top; n; n =
 * wssec__next_in(n, top)) visits top and everything under it. */
xmlNodePtr wssec__next_in(xmlNodePtr n, xmlNodePtr top);

#endif /* WSSEC_SRC_NODE_H */
