/*
 * wssec — safe parsing, its limits and the document's IDs (xml.c).
 */
#ifndef WSSEC_SRC_XML_H
#define WSSEC_SRC_XML_H

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

#endif /* WSSEC_SRC_XML_H */
