/*
 * Ours against libxml2's: the exclusive C14N of one element's subtree by
 * wssec__c14n_exc_subtree and by xmlC14NExecute with a callback selecting
 * the same subtree (as signature.c and str_transform.c call it). Shared by
 * tests/unit/test_c14n.c and tests/fuzz/c14n_fuzzer.c.
 */
#ifndef WSSEC_TESTS_C14N_DIFF_H
#define WSSEC_TESTS_C14N_DIFF_H

#include <stdlib.h>
#include <string.h>

#include <libxml/c14n.h>
#include <libxml/tree.h>

#include "c14n.h"

typedef struct cd_buf {
    unsigned char *p;
    size_t n, cap;
} cd_buf;

static int cd_append(cd_buf *b, const unsigned char *p, size_t n)
{
    if (b->n + n > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->n + n) cap *= 2;
        unsigned char *q = realloc(b->p, cap);
        if (!q) return -1;
        b->p = q;
        b->cap = cap;
    }
    if (n) memcpy(b->p + b->n, p, n);
    b->n += n;
    return 0;
}

static int cd_sink(void *ud, const unsigned char *p, size_t n)
{
    return cd_append(ud, p, n);
}

static int cd_ob_write(void *ud, const char *p, int n)
{
    return n < 0 || cd_append(ud, (const unsigned char *)p, (size_t)n) ? -1 : n;
}

/* signature.c's in_subtree, without its memo */
static int cd_in_subtree(void *ud, xmlNodePtr node, xmlNodePtr parent)
{
    xmlNodePtr top = ud;
    for (xmlNodePtr n = node && node->type == XML_NAMESPACE_DECL ? parent : node; n; n = n->parent)
        if (n == top) return 1;
    return 0;
}

enum {
    CD_SAME = 0,    /* the same bytes */
    CD_BOTH_FAIL,   /* the document is not ours (doc_ok 0) and libxml2 fails on it */
    CD_DIFFER,      /* different bytes: *at is the first differing offset */
    CD_OURS_FAILED, /* doc_ok said 1 but ours failed */
    CD_LIB_FAILED,  /* doc_ok said 1 but libxml2 failed */
    CD_UNWARRANTED, /* doc_ok said 0 but libxml2 succeeded */
};

/* Compares the two for e and prefixes; ours and lib keep the bytes (the
 * caller frees their p). */
static int cd_compare(xmlNodePtr e, xmlChar **prefixes, int with_comments, cd_buf *ours,
                      cd_buf *lib, size_t *at)
{
    memset(ours, 0, sizeof(*ours));
    memset(lib, 0, sizeof(*lib));
    *at = 0;
    int ok = wssec__c14n_doc_ok(e->doc);
    xmlOutputBufferPtr ob = xmlOutputBufferCreateIO(cd_ob_write, NULL, lib, NULL);
    int n = ob ? xmlC14NExecute(e->doc, cd_in_subtree, e, XML_C14N_EXCLUSIVE_1_0, prefixes,
                                with_comments, ob)
               : -1;
    if (ob && xmlOutputBufferClose(ob) < 0) n = -1;
    if (!ok) return n < 0 ? CD_BOTH_FAIL : CD_UNWARRANTED;
    if (n < 0) return CD_LIB_FAILED;
    int rc = wssec__c14n_exc_subtree(e, (const xmlChar *const *)prefixes, with_comments, cd_sink,
                                     ours);
    if (rc) return CD_OURS_FAILED;
    size_t i = 0;
    while (i < ours->n && i < lib->n && ours->p[i] == lib->p[i]) i++;
    *at = i;
    return i == ours->n && i == lib->n ? CD_SAME : CD_DIFFER;
}

#endif
