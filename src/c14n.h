/*
 * wssec — exclusive XML Canonicalization 1.0 of one element's subtree,
 * written straight into a sink (c14n.c): the bytes are those of libxml2's
 * xmlC14NExecute(doc, a callback selecting the subtree,
 * XML_C14N_EXCLUSIVE_1_0, prefixes, with_comments, out), without its walk
 * of the whole document and without an output buffer of the whole.
 *
 * Equality with libxml2 2.9.14 is what tests/unit/test_c14n.c and
 * tests/fuzz/c14n_fuzzer.c check, byte for byte, for every element of every
 * document the project has and for random ones.
 */
#ifndef WSSEC_SRC_C14N_H
#define WSSEC_SRC_C14N_H

#include <stddef.h>

#include <libxml/tree.h>

/* Where the canonical bytes go, in pieces: 0 taken, anything else refused
 * (the canonicalization stops there). */
typedef int (*wssec_c14n_sink)(void *ud, const unsigned char *p, size_t n);

/* What wssec__c14n_exc_subtree returns when the subtree holds a node it
 * does not render as libxml2 would (never when wssec__c14n_doc_ok(doc)
 * said 1): the caller discards what was written and uses xmlC14NExecute. */
#define WSSEC_C14N_UNHANDLED 1

/* 1 when doc holds nothing that makes xmlC14NExecute fail whatever the
 * node set (an entity reference or another node kind C14N refuses, a
 * namespace URI that is relative or not a URI, anywhere in the document),
 * so that wssec__c14n_exc_subtree gives its bytes for any element of it;
 * 0 otherwise (libxml2 fails there too: the caller keeps its fallback).
 * One walk of the document: once per document state, not per subtree. */
int wssec__c14n_doc_ok(const xmlDoc *doc);

/* Exclusive C14N 1.0 of top's subtree (top, its attributes and namespace
 * nodes and everything under it; nothing else of the document), with the
 * InclusiveNamespaces PrefixList prefixes (NULL-terminated, "#default" for
 * the default namespace; NULL for none), comments only with with_comments,
 * written to sink in pieces of at most 4 KB. Iterative: the depth is the
 * parser's (max-depth), the memory a stack of the namespaces in scope.
 * 0; WSSEC_C14N_UNHANDLED (see above); WSSEC_ELIMIT when the sink refused
 * (its own state says why); WSSEC_ENOMEM; WSSEC_EINVALID for a top that is
 * not an element of a document. */
int wssec__c14n_exc_subtree(const xmlNode *top, const xmlChar *const *prefixes, int with_comments,
                            wssec_c14n_sink sink, void *ud);

#endif
