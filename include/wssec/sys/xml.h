/*
 * wssec module SDK — elements, IDs and base64: the helpers every module
 * that reads or writes a token needs, the same ones the built-in modules
 * use.
 */
#ifndef WSSEC_SYS_XML_H
#define WSSEC_SYS_XML_H

#include <libxml/tree.h>
#include <libxml/xpath.h>

#include "../common.h"
#include "../message.h"

#ifdef __cplusplus
extern "C" {
#endif

/** 1 if @p node is an element with namespace @p ns (NULL: none) and local name @p local. */
WSSEC_API int wssec_xml_is(xmlNodePtr node, const char *ns, const char *local)
    WSSEC_NONNULL(3);

/** The value of an unqualified attribute ("" when empty), or NULL. Borrowed. */
WSSEC_API const char *wssec_xml_attr(xmlNodePtr elem, const char *name) WSSEC_NONNULL(1, 2);

/** The first element child of @p node, or NULL (also for NULL). */
WSSEC_API xmlNodePtr wssec_xml_first_elem(xmlNodePtr node);

/** The next element sibling of @p node, or NULL (also for NULL). */
WSSEC_API xmlNodePtr wssec_xml_next_elem(xmlNodePtr node);

/**
 * The node after @p n in document order within @p top's subtree (children
 * of elements included), or NULL after the last:
 * `for (n = top; n; n = wssec_xml_next_in(n, top))` visits top and
 * everything under it.
 */
WSSEC_API xmlNodePtr wssec_xml_next_in(xmlNodePtr n, xmlNodePtr top) WSSEC_NONNULL(1, 2);

/**
 * wssec_xml_next_in(), keeping @p *depth up to date: the depth of the node
 * returned, counted from @p top (set *depth to 0 at top). @p depth may be NULL.
 */
WSSEC_API xmlNodePtr wssec_xml_next_in_depth(xmlNodePtr n, xmlNodePtr top, size_t *depth)
    WSSEC_NONNULL(1, 2);

/** The content of an element with XML whitespace trimmed; free with xmlFree(). NULL on ENOMEM. */
WSSEC_API char *wssec_xml_text(xmlNodePtr node) WSSEC_NONNULL(1);

/** A path of element names for messages, e.g. "/Envelope/Header/Security/Timestamp". */
WSSEC_API void wssec_xml_path(char *buf, size_t size, xmlNodePtr node) WSSEC_NONNULL(1);

/**
 * Appends an element {ns}local (with @p text, if not NULL) to @p parent,
 * declaring the namespace with @p prefix on it when it is not in scope.
 * NULL on allocation failure.
 */
WSSEC_API xmlNodePtr wssec_msg_add_elem(wssec_msg *msg, xmlNodePtr parent, const char *ns,
                                        const char *prefix, const char *local, const char *text)
    WSSEC_NONNULL(1, 2, 5);

/**
 * Gives an element a fresh wsu:Id ("prefix-" and random hex; NULL: by its
 * kind), registered with the document so references to it resolve.
 * Borrowed; NULL on failure.
 */
WSSEC_API const char *wssec_msg_new_id(wssec_msg *msg, xmlNodePtr elem, const char *prefix)
    WSSEC_NONNULL(1, 2);

/** The element's registered ID (wsu:Id, Id), or a fresh wsu:Id as wssec_msg_new_id() gives. */
WSSEC_API const char *wssec_msg_id_of(wssec_msg *msg, xmlNodePtr elem, const char *prefix)
    WSSEC_NONNULL(1, 2);

/**
 * The base64 content of an element, decoded: at most the context's
 * max-token-size bytes, and not empty. Free @p *out with wssec_free().
 * @return 0, WSSEC_EINVALID (not base64, or empty), WSSEC_ELIMIT or WSSEC_ENOMEM.
 */
WSSEC_API int wssec_msg_b64_elem(unsigned char **out, size_t *len, wssec_msg *msg, xmlNodePtr elem)
    WSSEC_NONNULL(1, 2, 3, 4) WSSEC_WARN_UNUSED;

/**
 * Decodes base64 text (whitespace allowed) of at most @p max decoded bytes,
 * refused before decoding when the text is too long. Free with wssec_free().
 * @return 0, WSSEC_EINVALID, WSSEC_ELIMIT or WSSEC_ENOMEM.
 */
WSSEC_API int wssec_b64_decode(unsigned char **out, size_t *len, const char *text, size_t max)
    WSSEC_NONNULL(1, 2, 3) WSSEC_WARN_UNUSED;

/** Base64 without line breaks; free with xmlFree(). NULL on ENOMEM. */
WSSEC_API char *wssec_b64_encode(const unsigned char *p, size_t n);

/**
 * Evaluates an XPath over the message with the predefined prefixes (soap,
 * wsse, wsu, ds, xenc) and the configured namespaces. Free @p *obj with
 * xmlXPathFreeObject(); @p *set points into it (NULL or empty: nothing).
 * @return 0, WSSEC_ECONFIG (not a node-set expression) or WSSEC_ENOMEM.
 */
WSSEC_API int wssec_msg_select(xmlNodeSetPtr *set, xmlXPathObjectPtr *obj, wssec_msg *msg,
                               const char *expr) WSSEC_NONNULL(1, 2, 3, 4) WSSEC_WARN_UNUSED;

#ifdef __cplusplus
}
#endif

#endif /* WSSEC_SYS_XML_H */
