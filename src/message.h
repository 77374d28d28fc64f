/*
 * wssec — building message content: elements and wsu:Id values (message.c).
 */
#ifndef WSSEC_SRC_MESSAGE_H
#define WSSEC_SRC_MESSAGE_H

#include <libxml/tree.h>

#include "wssec/message.h"

/* Gives an element a fresh, registered wsu:Id; returns it (borrowed) or NULL. */
const char *wssec__new_id(wssec_msg *msg, xmlNodePtr elem, const char *prefix);
/* The element's registered ID, or a fresh wsu:Id (prefix-HEX; NULL: by kind). */
const char *wssec__id_of(wssec_msg *msg, xmlNodePtr e, const char *prefix);
/* Appends an element {ns}local (with text, if not NULL) to parent, declaring
 * the namespace with prefix on it when it is not in scope. NULL on ENOMEM. */
xmlNodePtr wssec__add_elem(wssec_msg *msg, xmlNodePtr parent, const char *ns, const char *prefix,
                           const char *local, const char *text);

#endif /* WSSEC_SRC_MESSAGE_H */
