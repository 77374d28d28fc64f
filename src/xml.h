/*
 * wssec — safe parsing, its limits and the document's IDs; what a message's
 * signatures canonicalize: the max-c14n-bytes budget and the explain
 * callback that receives the canonical bytes (xml.c).
 */
#ifndef WSSEC_SRC_XML_H
#define WSSEC_SRC_XML_H

#include <stdbool.h>
#include <stddef.h>

#include <libxml/tree.h>

#include "wssec/message.h"
#include "error.h"
#include "settings.h"

/* Parses data into a document with the safe settings and limits. */
int wssec__xml_parse(wssec_errrec *err, const wssec_settings *s, const char *data, size_t len,
                     xmlDocPtr *out);
/* The linear scan wssec__xml_parse runs first: encoding, and attributes and
 * namespace declarations per start tag, counted before libxml2 sees them. */
int wssec__xml_prescan(wssec_errrec *err, const wssec_settings *s, const char *data, size_t len);
/* Registers the IDs of the document; a duplicate value fails. */
int wssec__xml_register_ids(wssec_errrec *err, xmlDocPtr doc);
/* Re-checks the document after decryption put new nodes in it: SOAP
 * structure, no PI or entity reference, IDs unique and registered. */
int wssec__recheck(wssec_msg *msg);

/* wssec__xml_prescan with its two limits given by value (max-attributes and
 * max-namespaces per start tag): for decrypted content, checked by a token
 * module that reads the settings through the SDK. */
int wssec__xml_prescan_limits(wssec_errrec *err, size_t max_attributes, size_t max_namespaces,
                              const char *data, size_t len);
/* Counts n more bytes canonicalized for the message's signatures against
 * max-c14n-bytes. 0; or WSSEC_ELIMIT when they do not fit (nothing is
 * recorded on the message): the count is left as it was, or, with
 * exhaust, set past the budget, so wssec__c14n_over() tells afterwards
 * why a transform chain stopped; an exhausted budget refuses every later
 * take (wssec inspect carries on after a failure). */
int wssec__c14n_take(wssec_msg *msg, size_t n, bool exhaust);
/* 1 when the count went past max-c14n-bytes. */
int wssec__c14n_over(const wssec_msg *msg);
/* 1 when the context has an explain callback (wssec_config_set_explain_cb):
 * only then are canonical bytes kept for it. */
int wssec__explaining(const wssec_msg *msg);
/* Calls the explain callback, if any, with these arguments (see
 * wssec_explain_cb). */
void wssec__explain(const wssec_msg *msg, const char *what, const unsigned char *bytes,
                    size_t len, const char *digest_alg, const char *expected,
                    const char *computed);

#endif /* WSSEC_SRC_XML_H */
