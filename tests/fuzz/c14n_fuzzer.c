/*
 * Differential fuzz target: our exclusive C14N of a subtree (src/c14n.c)
 * against libxml2's xmlC14NExecute with a callback selecting the same
 * subtree (tests/unit/c14n_diff.h). abort() on any byte of difference, on
 * either failing where the other does not, and on a document that
 * wssec__c14n_doc_ok refuses while libxml2 canonicalizes it (a "not
 * handled" the document did not warrant).
 *
 * Input: a document, then optionally a NUL byte and a trailer: one byte
 * selecting the element (its index among the elements in document order,
 * modulo their count), one byte of flags (bit 0 comments; bits 1-2 the
 * prefix list: 0 none, 1 the trailer's text, 2 every prefix in scope, 3
 * the trailer's text and "#default") and the PrefixList text, split at
 * whitespace. Without a NUL the input is a document (the project's
 * messages are seeds as they are) and its root element is taken.
 *
 * Each input is parsed twice: by the library's safe parser (as a message
 * is; when it takes it) and by plain libxml2 (comments, PIs, CDATA and
 * entity references kept, for the "not handled" side).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>

#include <wssec/wssec.h>
#include <wssec/sys/sdk.h>

#include "fuzz_common.h"
#include "../unit/c14n_diff.h"

#define MAX_PREFIXES 16

static wssec_ctx *ctx;

static int setup(void)
{
    wssec_config *cfg = NULL;
    if (wssec_config_new(&cfg)) return -1;
    int rc = wssec_config_set(cfg, "require", "none") || wssec_ctx_new(&ctx, cfg);
    wssec_config_free(cfg);
    return rc;
}

static void run(xmlDocPtr doc, unsigned sel, unsigned flags, xmlChar **list)
{
    xmlNodePtr root = xmlDocGetRootElement(doc), e = NULL;
    size_t count = 0;
    for (xmlNodePtr n = root; n; n = wssec_xml_next_in(n, root))
        if (n->type == XML_ELEMENT_NODE) count++;
    if (!count) return;
    size_t want = sel % count;
    for (xmlNodePtr n = root; n; n = wssec_xml_next_in(n, root))
        if (n->type == XML_ELEMENT_NODE && want-- == 0) {
            e = n;
            break;
        }
    xmlChar *prefixes[MAX_PREFIXES + 2];
    size_t np = 0;
    xmlNsPtr *scope = NULL;
    switch ((flags >> 1) & 3) {
    case 1:
    case 3:
        for (size_t i = 0; list[i] && np < MAX_PREFIXES; i++) prefixes[np++] = list[i];
        if (((flags >> 1) & 3) == 3) prefixes[np++] = BAD_CAST "#default";
        break;
    case 2:
        scope = xmlGetNsList(doc, e);
        for (size_t i = 0; scope && scope[i] && np < MAX_PREFIXES; i++)
            prefixes[np++] = scope[i]->prefix ? (xmlChar *)scope[i]->prefix : BAD_CAST "#default";
        break;
    default: break;
    }
    prefixes[np] = NULL;
    cd_buf ours, lib;
    size_t at = 0;
    int rc = cd_compare(e, ((flags >> 1) & 3) ? prefixes : NULL, flags & 1, &ours, &lib, &at);
    if (rc != CD_SAME && rc != CD_BOTH_FAIL) {
        fprintf(stderr, "c14n differs (%d) at byte %zu\nours:    %.*s\nlibxml2: %.*s\n", rc, at,
                (int)ours.n, ours.p ? (const char *)ours.p : "", (int)lib.n,
                lib.p ? (const char *)lib.p : "");
        abort();
    }
    free(ours.p);
    free(lib.p);
    xmlFree(scope);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!ctx && setup()) abort();
    const uint8_t *nul = memchr(data, 0, size);
    size_t doclen = nul ? (size_t)(nul - data) : size;
    unsigned sel = 0, flags = 0;
    char text[256] = "";
    if (nul) {
        size_t rest = size - doclen - 1;
        const uint8_t *t = nul + 1;
        if (rest > 0) sel = t[0];
        if (rest > 1) flags = t[1];
        if (rest > 2) {
            size_t n = rest - 2 < sizeof(text) - 1 ? rest - 2 : sizeof(text) - 1;
            memcpy(text, t + 2, n);
            text[n] = '\0';
        }
    }
    xmlChar *list[MAX_PREFIXES + 1];
    size_t nl = 0;
    for (char *p = text; *p && nl < MAX_PREFIXES;) {
        while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r') *p++ = '\0';
        if (!*p) break;
        list[nl++] = BAD_CAST p;
        while (*p && *p != ' ' && *p != '\t' && *p != '\n' && *p != '\r') p++;
    }
    list[nl] = NULL;

    wssec_msg *msg = NULL;
    if (wssec_msg_new(&msg, ctx)) abort();
    if (wssec_msg_parse(msg, (const char *)data, doclen) == 0)
        run(wssec_msg_doc(msg), sel, flags, list);
    wssec_msg_free(msg);
    if (doclen < 1u << 20) {
        xmlDocPtr doc = xmlReadMemory((const char *)data, (int)doclen, NULL, NULL,
                                      XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
        if (doc) run(doc, sel, flags, list);
        xmlFreeDoc(doc);
    }
    return 0;
}

#ifndef WSSEC_LIBFUZZER
int main(int argc, char **argv)
{
    int rc = fz_replay_main("fuzz_c14n_replay", "no difference from xmlC14NExecute", argc, argv, LLVMFuzzerTestOneInput);
    wssec_ctx_free(ctx);
    return rc;
}
#endif
