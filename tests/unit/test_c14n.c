/*
 * Our exclusive C14N of a subtree (src/c14n.c) against libxml2's
 * xmlC14NExecute, byte for byte: every element of every XML document the
 * project has (samples, interop vectors, the fuzz corpora, the CLI cases,
 * and the field vectors read in place when ../shared has them), each parsed
 * by the safe parser (when it takes it) and by plain libxml2, with several
 * InclusiveNamespaces PrefixLists; then hand-written edge cases, exact
 * outputs, and the failures (a document libxml2 refuses, a sink that
 * refuses).
 */
#include <dirent.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>
#include <libxml/parser.h>

#include "wssec/wssec.h"
#include "wssec/sys/sdk.h"
#include "helpers.h"
#include "c14n_diff.h"

static size_t comparisons, documents, refused_docs;
static int failures;
static wssec_ctx *ctx;

/* a fixed sequence: the same subsets every run */
static uint64_t rng = 0x9E3779B97F4A7C15u;
static uint64_t next_rand(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static void show(const char *what, const unsigned char *p, size_t n, size_t at)
{
    size_t from = at > 60 ? at - 60 : 0, to = at + 60 < n ? at + 60 : n;
    fprintf(stderr, "  %s (%zu bytes) near byte %zu: [%.*s]\n", what, n, at, (int)(to - from),
            p ? (const char *)p + from : "");
}

static void compare_one(const char *doc_name, xmlNodePtr e, xmlChar **prefixes, int comments)
{
    cd_buf ours, lib;
    size_t at = 0;
    int rc = cd_compare(e, prefixes, comments, &ours, &lib, &at);
    comparisons++;
    if (rc != CD_SAME && rc != CD_BOTH_FAIL) {
        char path[512];
        xmlChar *p = xmlGetNodePath(e);
        snprintf(path, sizeof(path), "%s", p ? (const char *)p : "?");
        xmlFree(p);
        fprintf(stderr, "c14n DIFFERS (%d): %s element %s prefixes [", rc, doc_name, path);
        for (size_t i = 0; prefixes && prefixes[i]; i++)
            fprintf(stderr, "%s%s", i ? " " : "", (const char *)prefixes[i]);
        fprintf(stderr, "] comments %d, first differing byte %zu\n", comments, at);
        show("ours", ours.p, ours.n, at);
        show("libxml2", lib.p, lib.n, at);
        failures++;
    }
    free(ours.p);
    free(lib.p);
}

/* Every element of doc, with the prefix lists: none, "#default", every
 * prefix in scope, a random subset (with "xml" and an unknown one
 * sometimes); comments on and off. */
static void compare_doc(const char *name, xmlDocPtr doc)
{
    documents++;
    if (!wssec__c14n_doc_ok(doc)) refused_docs++;
    xmlNodePtr root = xmlDocGetRootElement(doc);
    for (xmlNodePtr e = root; e; e = wssec_xml_next_in(e, root)) {
        if (e->type != XML_ELEMENT_NODE) continue;
        xmlChar *none[] = { NULL };
        xmlChar *dflt[] = { BAD_CAST "#default", NULL };
        compare_one(name, e, NULL, 0);
        compare_one(name, e, none, 1);
        compare_one(name, e, dflt, 0);
        xmlNsPtr *scope = xmlGetNsList(doc, e);
        size_t n = 0;
        while (scope && scope[n]) n++;
        xmlChar **all = calloc(n + 4, sizeof(*all)), **some = calloc(n + 4, sizeof(*some));
        assert_non_null(all);
        assert_non_null(some);
        size_t na = 0, ns = 0;
        for (size_t i = 0; i < n; i++) {
            xmlChar *p = scope[i]->prefix ? (xmlChar *)scope[i]->prefix : BAD_CAST "#default";
            all[na++] = p;
            if (next_rand() & 1) some[ns++] = p;
        }
        uint64_t r = next_rand();
        if (r & 2) some[ns++] = BAD_CAST "xml";
        if (r & 4) some[ns++] = BAD_CAST "nope";
        if (r & 8) some[ns++] = BAD_CAST "#default";
        compare_one(name, e, all, 0);
        compare_one(name, e, some, (int)(r >> 4) & 1);
        free(all);
        free(some);
        xmlFree(scope);
    }
}

static void compare_text(const char *name, const char *data, size_t len)
{
    /* as the library parses a message, when it takes it */
    wssec_msg *msg = NULL;
    if (h_parse_rc(ctx, data, len, &msg) == 0) compare_doc(name, wssec_msg_doc(msg));
    wssec_msg_free(msg);
    /* plain libxml2: comments, PIs, CDATA, DTDs and entity references kept */
    xmlDocPtr doc = xmlReadMemory(data, (int)len, NULL, NULL,
                                  XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    if (doc) compare_doc(name, doc);
    xmlFreeDoc(doc);
}

static int compare_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) return -1;
    char *buf = malloc(1u << 20);
    size_t n = buf ? fread(buf, 1, 1u << 20, f) : 0;
    fclose(f);
    if (!buf) return -1;
    if (n) compare_text(path, buf, n);
    free(buf);
    return 0;
}

/* files under path, recursively; only names ending in suffix (NULL: all) */
static size_t walk(const char *path, const char *suffix)
{
    struct stat st;
    if (stat(path, &st) != 0) return 0;
    if (!S_ISDIR(st.st_mode)) {
        size_t l = strlen(path), s = suffix ? strlen(suffix) : 0;
        if (suffix && (l < s || strcmp(path + l - s, suffix) != 0)) return 0;
        return compare_file(path) == 0;
    }
    DIR *d = opendir(path);
    if (!d) return 0;
    size_t count = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.') continue;
        char full[4096];
        snprintf(full, sizeof(full), "%s/%s", path, e->d_name);
        count += walk(full, suffix);
    }
    closedir(d);
    return count;
}

static int setup(void **state)
{
    (void)state;
    ctx = h_ctx("require", "none", NULL);
    return ctx ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    wssec_ctx_free(ctx);
    return 0;
}

static void test_every_document(void **state)
{
    (void)state;
    size_t before = comparisons, files = 0;
    files += walk(WSSEC_SOURCE_DIR "/samples", ".xml");
    files += walk(WSSEC_SOURCE_DIR "/tests/interop/vectors", NULL);
    files += walk(WSSEC_SOURCE_DIR "/tests/fuzz/corpus", NULL);
    files += walk(WSSEC_SOURCE_DIR "/tests/cli/cases", ".xml");
    const char *fv = WSSEC_SOURCE_DIR "/../shared/field-vectors/vectors";
    struct stat st;
    if (stat(fv, &st) == 0 && S_ISDIR(st.st_mode)) {
        size_t k = walk(fv, NULL);
        printf("field vectors: %zu files compared in place\n", k);
        files += k;
    } else {
        printf("field vectors not present: not compared\n");
    }
    printf("c14n: %zu files, %zu documents (%zu that libxml2 refuses to canonicalize), %zu "
           "(document, element, prefix list) comparisons, %d differences\n",
           files, documents, refused_docs, comparisons - before, failures);
    assert_true(files > 100);
    assert_int_equal(failures, 0);
}

/* ---- hand-written edge cases ---- */

static const char *const edge[] = {
    /* xmlns="" undeclaring, at several depths, with #default */
    "<a xmlns=\"urn:a\"><b xmlns=\"\"><c/><d xmlns=\"urn:d\"><e xmlns=\"\"/></d></b></a>",
    "<a xmlns=\"urn:a\"><p:b xmlns:p=\"urn:p\" xmlns=\"\"><c p:x=\"1\"/></p:b></a>",
    "<a xmlns=\"\"><b/></a>",
    /* prefixes redeclared with other URIs */
    "<p:a xmlns:p=\"urn:1\"><p:b xmlns:p=\"urn:2\"><p:c xmlns:p=\"urn:1\" p:x=\"y\"/></p:b>"
    "<q:d xmlns:q=\"urn:1\"/></p:a>",
    "<p:a xmlns:p=\"urn:1\" xmlns:q=\"urn:1\"><q:b p:x=\"1\"/><p:b q:y=\"2\"/></p:a>",
    /* attributes from two namespaces with the same local name; sort by URI */
    "<a xmlns:z=\"urn:a\" xmlns:a=\"urn:z\" z:n=\"1\" a:n=\"2\" n=\"3\" b=\"4\" z:b=\"5\"/>",
    "<r xmlns=\"urn:d\" xmlns:y=\"urn:y\"><e y:k=\"v\" k=\"w\" xmlns:x=\"urn:x\" x:k=\"u\"/></r>",
    /* xml:lang, xml:space and xml:base: not inherited in exclusive mode */
    "<a xml:lang=\"en\" xml:space=\"preserve\"><b xml:base=\"http://e/\"><c xml:lang=\"fr\"/>"
    "</b></a>",
    "<a xmlns:xml=\"http://www.w3.org/XML/1998/namespace\" xml:lang=\"en\"><b/></a>",
    /* text: \r (as a reference), tabs, < > & ]]> and quotes; attributes likewise */
    "<a t=\"&#9;&#10;&#13;&lt;&gt;&amp;&quot;'\">x&#13;y\tz &lt;&gt;&amp; ]]&gt; \"'</a>",
    "<a><![CDATA[<x> & ]] > \r\n]]><b>&#xD;&#xA;</b></a>",
    /* PIs and comments inside and outside */
    "<?pi before?><!--c0--><a><?pi in side?><!--c1--><b><?empty?><!----></b></a><!--c2--><?pi after?>",
    "<!--x--><a><!-- y\r --><?t  d\r ?></a>",
    /* deep nesting with namespaces at each level */
    "<a xmlns:p=\"urn:p\"><p:b><c xmlns=\"urn:c\"><d><p:e xmlns:p=\"urn:q\"><f xmlns=\"\"><g p:a=\"1\">"
    "<h><i><j><k><l><m><n><o>deep</o></n></m></l></k></j></i></h></g></f></p:e></d></c></p:b></a>",
    /* namespace URIs that need other quotes, and odd characters */
    "<a xmlns:p=\"urn:x'y\" p:b=\"1\"><p:c/></a>",
    "<a xmlns:p=\"http://e/?a=1&amp;b=2\"><p:b/></a>",
    /* the unused and the inclusive */
    "<a xmlns:u=\"urn:unused\" xmlns=\"urn:d\"><b xmlns:v=\"urn:v\"><c/></b></a>",
    /* empty elements, empty attributes, whitespace only text */
    "<a b=\"\"><c></c><d/>  \n  </a>",
    /* an element in the xml namespace */
    "<xml:a xml:b=\"1\"><c/></xml:a>",
};

static void test_edge_cases(void **state)
{
    (void)state;
    size_t before = comparisons;
    for (size_t i = 0; i < WSSEC_ARRAY_LEN(edge); i++) {
        char name[32];
        snprintf(name, sizeof(name), "edge case %zu", i);
        xmlDocPtr doc = xmlReadMemory(edge[i], (int)strlen(edge[i]), NULL, NULL, XML_PARSE_NONET);
        assert_non_null(doc);
        assert_int_equal(wssec__c14n_doc_ok(doc), 1);
        compare_doc(name, doc);
        xmlFreeDoc(doc);
    }
    /* deeper than any stack's first allocation (and than libxml2's default
     * 256, hence XML_PARSE_HUGE): 300 levels, a namespace
     * declared or redeclared on every third, attributes on every fifth */
    size_t cap = 300 * 80 + 64, len = 0;
    char *deep = malloc(cap);
    assert_non_null(deep);
    for (int i = 0; i < 300; i++)
        len += (size_t)snprintf(deep + len, cap - len, "<%s%d%s%s%s>", i % 2 ? "p:e" : "e", i,
                                i % 3 ? "" : i % 2 ? " xmlns:p=\"urn:p\"" : " xmlns:p=\"urn:q\"",
                                i % 5 ? "" : " p:a=\"1\" b=\"2\"", i % 7 ? "" : " xmlns=\"urn:d\"");
    for (int i = 299; i >= 0; i--)
        len += (size_t)snprintf(deep + len, cap - len, "</%s%d>", i % 2 ? "p:e" : "e", i);
    xmlDocPtr doc = xmlReadMemory(deep, (int)len, NULL, NULL, XML_PARSE_NONET | XML_PARSE_HUGE);
    free(deep);
    assert_non_null(doc);
    assert_int_equal(wssec__c14n_doc_ok(doc), 1);
    compare_doc("300 levels", doc);
    xmlFreeDoc(doc);
    printf("c14n edge cases: %zu comparisons\n", comparisons - before);
    assert_int_equal(failures, 0);
}

/* ours alone, for an element named by its local name */
static char *ours(const char *xml, const char *name, xmlChar **prefixes)
{
    xmlDocPtr doc = xmlReadMemory(xml, (int)strlen(xml), NULL, NULL, XML_PARSE_NONET);
    assert_non_null(doc);
    xmlNodePtr root = xmlDocGetRootElement(doc), e = root;
    while (e && !(e->type == XML_ELEMENT_NODE && strcmp((const char *)e->name, name) == 0))
        e = wssec_xml_next_in(e, root);
    assert_non_null(e);
    cd_buf b = { 0 };
    assert_int_equal(wssec__c14n_exc_subtree(e, (const xmlChar *const *)prefixes, 0, cd_sink, &b), 0);
    assert_int_equal(cd_append(&b, (const unsigned char *)"", 1), 0);
    xmlFreeDoc(doc);
    return (char *)b.p;
}

static void test_exact_outputs(void **state)
{
    (void)state;
    xmlChar *dflt[] = { BAD_CAST "#default", NULL };
    xmlChar *q[] = { BAD_CAST "q", NULL };
    struct {
        const char *xml, *name;
        xmlChar **prefixes;
        const char *want;
    } v[] = {
        /* the ancestor's namespace, visibly utilized, rendered on the apex */
        { "<p:a xmlns:p=\"urn:p\" xmlns:q=\"urn:q\"><p:b q:x=\"1\"><c/></p:b></p:a>", "b", NULL,
          "<p:b xmlns:p=\"urn:p\" xmlns:q=\"urn:q\" q:x=\"1\"><c></c></p:b>" },
        /* not utilized: left out unless in the PrefixList */
        { "<a xmlns:q=\"urn:q\"><b/></a>", "b", NULL, "<b></b>" },
        { "<a xmlns:q=\"urn:q\"><b/></a>", "b", q, "<b xmlns:q=\"urn:q\"></b>" },
        /* xmlns="" only under a rendered non-empty default */
        { "<a xmlns=\"urn:a\"><b xmlns=\"\"><c/></b></a>", "b", NULL, "<b><c></c></b>" },
        { "<a xmlns=\"urn:a\"><b xmlns=\"\"><c/></b></a>", "a", NULL,
          "<a xmlns=\"urn:a\"><b xmlns=\"\"><c></c></b></a>" },
        { "<a xmlns=\"urn:a\"><b/></a>", "b", dflt, "<b xmlns=\"urn:a\"></b>" },
        /* attributes: no namespace first, then by URI, then by name */
        { "<a xmlns:z=\"urn:a\" xmlns:b=\"urn:b\" b:n=\"1\" z:n=\"2\" n=\"3\"/>", "a", NULL,
          "<a xmlns:b=\"urn:b\" xmlns:z=\"urn:a\" n=\"3\" z:n=\"2\" b:n=\"1\"></a>" },
        /* escaping */
        { "<a t=\"&#9;&#10;&#13;&lt;&gt;&amp;&quot;\">&#13;&lt;&gt;&amp;\t</a>", "a", NULL,
          "<a t=\"&#x9;&#xA;&#xD;&lt;>&amp;&quot;\">&#xD;&lt;&gt;&amp;\t</a>" },
        /* xml:lang not inherited */
        { "<a xml:lang=\"en\"><b/></a>", "b", NULL, "<b></b>" },
    };
    for (size_t i = 0; i < WSSEC_ARRAY_LEN(v); i++) {
        char *got = ours(v[i].xml, v[i].name, v[i].prefixes);
        assert_string_equal(got, v[i].want);
        free(got);
    }
}

/* What libxml2 refuses anywhere in the document, doc_ok refuses, whatever
 * the element: the caller keeps xmlC14NExecute and its failure. */
static void test_documents_libxml2_refuses(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "<a xmlns:p=\"relative\"><b/></a>",
        "<a><b/><c xmlns=\"rel/ative\"/></a>",
        "<!DOCTYPE a [<!ENTITY e \"text\">]><a><b>&e;</b><c/></a>",
        "<a><b xmlns:p=\"http://e/?a=&lt;2&gt;\"/><c/></a>", /* not a URI */
    };
    for (size_t i = 0; i < WSSEC_ARRAY_LEN(bad); i++) {
        xmlDocPtr doc = xmlReadMemory(bad[i], (int)strlen(bad[i]), NULL, NULL, XML_PARSE_NONET);
        assert_non_null(doc);
        assert_int_equal(wssec__c14n_doc_ok(doc), 0);
        xmlNodePtr root = xmlDocGetRootElement(doc);
        for (xmlNodePtr e = root; e; e = wssec_xml_next_in(e, root)) {
            if (e->type != XML_ELEMENT_NODE) continue;
            cd_buf a, b;
            size_t at;
            assert_int_equal(cd_compare(e, NULL, 0, &a, &b, &at), CD_BOTH_FAIL);
            free(a.p);
            free(b.p);
        }
        xmlFreeDoc(doc);
    }
    /* an entity reference met by ours alone: not handled */
    xmlDocPtr doc = xmlReadMemory(bad[2], (int)strlen(bad[2]), NULL, NULL, XML_PARSE_NONET);
    cd_buf b = { 0 };
    assert_int_equal(
        wssec__c14n_exc_subtree(xmlDocGetRootElement(doc), NULL, 0, cd_sink, &b),
        WSSEC_C14N_UNHANDLED);
    free(b.p);
    /* not an element */
    assert_int_equal(wssec__c14n_exc_subtree((xmlNodePtr)doc, NULL, 0, cd_sink, &b),
                     WSSEC_EINVALID);
    xmlFreeDoc(doc);
}

/* A sink that refuses stops the work: WSSEC_ELIMIT, nothing more written. */
typedef struct capped {
    size_t left, calls;
} capped;

static int capped_sink(void *ud, const unsigned char *p, size_t n)
{
    (void)p;
    capped *c = ud;
    c->calls++;
    if (n > c->left) return -1;
    c->left -= n;
    return 0;
}

static void test_sink_refuses(void **state)
{
    (void)state;
    /* a long text: several 4 KB pieces */
    size_t len = 50000;
    char *xml = malloc(len + 16);
    assert_non_null(xml);
    memcpy(xml, "<a>", 3);
    memset(xml + 3, 'x', len);
    memcpy(xml + 3 + len, "</a>", 5);
    xmlDocPtr doc = xmlReadMemory(xml, (int)strlen(xml), NULL, NULL, XML_PARSE_NONET);
    free(xml);
    capped c = { 10000, 0 };
    assert_int_equal(wssec__c14n_exc_subtree(xmlDocGetRootElement(doc), NULL, 0, capped_sink, &c),
                     WSSEC_ELIMIT);
    assert_int_equal(c.calls, 4); /* "<a>", 4096, 4096, then refused */
    c = (capped){ SIZE_MAX, 0 };
    assert_int_equal(wssec__c14n_exc_subtree(xmlDocGetRootElement(doc), NULL, 0, capped_sink, &c),
                     0);
    assert_int_equal(SIZE_MAX - c.left, len + 7);
    xmlFreeDoc(doc);
}

/* The verify path keeps libxml2's outcome: a message whose document holds
 * a relative namespace URI, even outside what is signed, cannot be
 * canonicalized by libxml2, so it is refused as before, though our C14N of
 * the signed subtrees alone would have had bytes for it. */
static void test_verify_keeps_libxml2_refusal(void **state)
{
    (void)state;
    wssec_ctx *alice = h_signer("alice", NULL);
    wssec_ctx *bob = h_receiver("replay-signatures", "false", NULL);
    char *xml = h_sign_envelope(alice);
    h_expect(bob, xml, 0, NULL, NULL);
    const char *root = strstr(xml, ":Envelope ");
    assert_non_null(root);
    size_t at = (size_t)(root - xml) + strlen(":Envelope ");
    char *bad = h_strf("%.*sxmlns:rel=\"relative\" %s", (int)at, xml, xml + at);
    h_expect(bob, bad, WSSEC_ESIGNATURE, NULL, "SignedInfo cannot be canonicalized");
    /* an absolute one there changes nothing that is signed */
    char *fine = h_strf("%.*sxmlns:abs=\"urn:absolute\" %s", (int)at, xml, xml + at);
    h_expect(bob, fine, 0, NULL, NULL);
    free(fine);
    free(bad);
    free(xml);
    wssec_ctx_free(bob);
    wssec_ctx_free(alice);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_document),
        cmocka_unit_test(test_edge_cases),
        cmocka_unit_test(test_exact_outputs),
        cmocka_unit_test(test_documents_libxml2_refuses),
        cmocka_unit_test(test_sink_refuses),
        cmocka_unit_test(test_verify_keeps_libxml2_refusal),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
