/*
 * Safe parsing (wssec_msg_parse): DTDs, entities, PIs, encodings, limits,
 * and ID registration.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/valid.h>

#include "helpers.h"

#define ENV11_OPEN "<soap:Envelope xmlns:soap=\"" WSSEC_NS_SOAP11 "\">"
#define ENV11_CLOSE "</soap:Envelope>"
#define BODY(x) ENV11_OPEN "<soap:Body>" x "</soap:Body>" ENV11_CLOSE

typedef struct fixture {
    wssec_ctx *ctx;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof(*f));
    if (!f) return -1;
    f->ctx = h_ctx(NULL);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    wssec_ctx_free(f->ctx);
    free(f);
    return 0;
}

typedef struct row {
    const char *name;
    const char *xml;
    int code;
    const char *needle; /* part of the error message, or NULL */
} row;

static const row hostile[] = {
    { "internal DTD subset",
      "<!DOCTYPE soap:Envelope [<!ELEMENT a ANY>]>" BODY("<a/>"), WSSEC_EPARSE, "DTD" },
    { "DTD without subset", "<!DOCTYPE soap:Envelope>" BODY("<a/>"), WSSEC_EPARSE, "DTD" },
    { "external DTD", "<!DOCTYPE soap:Envelope SYSTEM \"http://evil.example/x.dtd\">" BODY("<a/>"),
      WSSEC_EPARSE, "DTD" },
    { "XXE",
      "<!DOCTYPE soap:Envelope [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>" BODY("<a>&xxe;</a>"),
      WSSEC_EPARSE, "DTD" },
    { "billion laughs",
      "<!DOCTYPE soap:Envelope [<!ENTITY lol \"lol\">"
      "<!ENTITY lol2 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">"
      "<!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">]>"
      BODY("<a>&lol3;</a>"),
      WSSEC_EPARSE, "DTD" },
    { "entity reference without DTD", BODY("<a>&foo;</a>"), WSSEC_EPARSE, "entity" },
    { "entity reference in attribute", BODY("<a b=\"&foo;\"/>"), WSSEC_EPARSE, NULL },
    { "processing instruction", BODY("<?evil stuff?><a/>"), WSSEC_EPARSE, "processing instruction" },
    { "PI before the root", "<?xml-stylesheet href=\"x\"?>" BODY("<a/>"), WSSEC_EPARSE,
      "processing instruction" },
    { "not well-formed", BODY("<a><b></a>"), WSSEC_EPARSE, "not well-formed" },
    { "truncated", ENV11_OPEN "<soap:Body>", WSSEC_EPARSE, "not well-formed" },
    { "text only", "hello", WSSEC_EPARSE, "not well-formed" },
    { "ISO-8859-1", "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>" BODY("<a/>"), WSSEC_EPARSE,
      "ISO-8859-1" },
    { "duplicate wsu:Id",
      ENV11_OPEN "<soap:Body xmlns:wsu=\"" WSSEC_NS_WSU "\"><a wsu:Id=\"x\"/><b wsu:Id=\"x\"/>"
                 "</soap:Body>" ENV11_CLOSE,
      WSSEC_EMALFORMED, "duplicate ID 'x'" },
    { "wsu:Id vs unqualified Id",
      ENV11_OPEN "<soap:Body xmlns:wsu=\"" WSSEC_NS_WSU "\"><a wsu:Id=\"x\"/><b Id=\"x\"/>"
                 "</soap:Body>" ENV11_CLOSE,
      WSSEC_EMALFORMED, "duplicate ID 'x'" },
    { "unqualified Id vs wsu:Id (order reversed)",
      ENV11_OPEN "<soap:Body xmlns:wsu=\"" WSSEC_NS_WSU "\"><b Id=\"x\"/><a wsu:Id=\"x\"/>"
                 "</soap:Body>" ENV11_CLOSE,
      WSSEC_EMALFORMED, "duplicate ID 'x'" },
    { "xml:id clash",
      ENV11_OPEN "<soap:Body xmlns:wsu=\"" WSSEC_NS_WSU "\"><a wsu:Id=\"x\"/><b xml:id=\"x\"/>"
                 "</soap:Body>" ENV11_CLOSE,
      WSSEC_EMALFORMED, "duplicate ID" },
    { "look-alike wsu namespace",
      ENV11_OPEN "<soap:Body xmlns:wsu=\"" WSSEC_NS_WSU "\" "
                 "xmlns:fake=\"http://schemas.xmlsoap.org/ws/2002/07/utility\">"
                 "<a wsu:Id=\"x\"/><b fake:Id=\"x\"/></soap:Body>" ENV11_CLOSE,
      WSSEC_EMALFORMED, "duplicate ID" },
    { "ID and id spellings",
      ENV11_OPEN "<soap:Body><a ID=\"x\"/><b id=\"x\"/></soap:Body>" ENV11_CLOSE, WSSEC_EMALFORMED,
      "duplicate ID" },
};

static void test_hostile(void **state)
{
    fixture *f = *state;
    for (size_t i = 0; i < WSSEC_ARRAY_LEN(hostile); i++) {
        wssec_msg *msg = NULL;
        int rc = h_parse_rc(f->ctx, hostile[i].xml, strlen(hostile[i].xml), &msg);
        if (rc != hostile[i].code)
            print_error("row '%s': %s '%s'\n", hostile[i].name, wssec_code_name(rc),
                        wssec_msg_error(msg)->message);
        assert_int_equal(rc, hostile[i].code);
        h_assert_error(wssec_msg_error(msg), hostile[i].code, NULL, hostile[i].needle);
        wssec_msg_free(msg);
    }
}

/* wssec_msg_doc() is documented as "NULL before a successful parse": a
 * document refused after the XML parse (SOAP structure, duplicate ID) must
 * not stay attached, or a caller could verify a refused message. */
static void test_refused_document_not_kept(void **state)
{
    fixture *f = *state;
    static const struct {
        const char *xml;
        int code;
    } rows[] = {
        { BODY("<!-- no DTD --><a/><?pi x?>"), WSSEC_EPARSE },
        { ENV11_OPEN "<soap:Body><a Id=\"x\"/><b Id=\"x\"/></soap:Body>" ENV11_CLOSE,
          WSSEC_EMALFORMED },
        { ENV11_OPEN "<soap:Header/>" ENV11_CLOSE, WSSEC_EPARSE },
    };
    for (size_t i = 0; i < WSSEC_ARRAY_LEN(rows); i++) {
        wssec_msg *msg = NULL;
        int rc = h_parse_rc(f->ctx, rows[i].xml, strlen(rows[i].xml), &msg);
        int kept = wssec_msg_doc(msg) != NULL;
        wssec_result *res = NULL;
        int vrc = wssec_verify(&res, msg);
        int got_res = res != NULL;
        /* free first: a failed assertion must not leak */
        wssec_result_free(res);
        wssec_msg_free(msg);
        assert_int_equal(rc, rows[i].code);
        assert_false(kept);
        assert_int_equal(vrc, WSSEC_EINVALID);
        assert_false(got_res);
    }
}

/* A document that is well-formed XML but not namespace-well-formed (an
 * undeclared prefix) is not an acceptable SOAP message: the element would
 * silently lose its namespace. */
static void test_undeclared_prefix(void **state)
{
    fixture *f = *state;
    static const char *const rows[] = {
        BODY("<x:a/>"),
        BODY("<a x:attr=\"1\"/>"),
    };
    for (size_t i = 0; i < WSSEC_ARRAY_LEN(rows); i++) {
        wssec_msg *msg = NULL;
        int rc = h_parse_rc(f->ctx, rows[i], strlen(rows[i]), &msg);
        wssec_errrec e; /* a copy, so the message can be freed before asserting */
        wssec__err_copy(&e, &msg->err);
        wssec_msg_free(msg);
        assert_int_equal(rc, WSSEC_EPARSE);
        h_assert_error(&e.pub, WSSEC_EPARSE, "soap:Client", "not well-formed");
    }
}

static void test_empty_input(void **state)
{
    fixture *f = *state;
    wssec_msg *msg = NULL;
    assert_int_equal(h_parse_rc(f->ctx, "", 0, &msg), WSSEC_EPARSE);
    h_assert_error(wssec_msg_error(msg), WSSEC_EPARSE, "soap:Client", "empty");
    wssec_msg_free(msg);
}

static void test_benign(void **state)
{
    fixture *f = *state;
    static const char *const ok[] = {
        BODY("<a>&amp;&lt;&gt;&quot;&apos;&#65;&#x42;</a>"),
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>" BODY("<a/>"),
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>" BODY("<a/>"),
        "\xEF\xBB\xBF" BODY("<a/>"),
        "<!-- comment -->" BODY("<!-- c --><a><![CDATA[<x>]]></a>"),
        ENV11_OPEN "<soap:Body xmlns:wsu=\"" WSSEC_NS_WSU "\"><a wsu:Id=\"x\"/><b wsu:Id=\"y\"/>"
                   "</soap:Body>" ENV11_CLOSE,
    };
    for (size_t i = 0; i < WSSEC_ARRAY_LEN(ok); i++) {
        wssec_msg *msg = h_parse(f->ctx, ok[i]);
        assert_non_null(wssec_msg_doc(msg));
        assert_int_equal(wssec_msg_error(msg)->code, 0);
        wssec_msg_free(msg);
    }
    wssec_msg *msg = h_parse(f->ctx, ok[0]);
    xmlChar *text = xmlNodeGetContent(wssec_msg_body(msg));
    assert_string_equal((char *)text, "&<>\"'AB");
    xmlFree(text);
    wssec_msg_free(msg);
}

static void test_utf16(void **state)
{
    fixture *f = *state;
    size_t len = 0;
    char *data = h_utf16le(BODY("<a>hi</a>"), &len);
    wssec_msg *msg = NULL;
    int rc = h_parse_rc(f->ctx, data, len, &msg);
    if (rc) print_error("%s\n", wssec_msg_error(msg)->message);
    assert_int_equal(rc, 0);
    assert_int_equal(wssec_msg_soap_version(msg), WSSEC_SOAP11);
    xmlChar *text = xmlNodeGetContent(wssec_msg_body(msg));
    assert_string_equal((char *)text, "hi");
    xmlFree(text);
    wssec_msg_free(msg);
    free(data);

    char *decl = h_utf16le("<?xml version=\"1.0\" encoding=\"UTF-16\"?>" BODY("<a>hi</a>"), &len);
    assert_int_equal(h_parse_rc(f->ctx, decl, len, &msg), 0);
    wssec_msg_free(msg);
    free(decl);
}

static void test_max_message_size(void **state)
{
    (void)state;
    wssec_ctx *ctx = h_ctx("max-message-size", "256", NULL);
    assert_int_equal(wssec_ctx_max_message_size(ctx), 256);
    char big[300];
    memset(big, 'x', sizeof(big));
    wssec_msg *msg = NULL;
    /* not even XML: the size check comes before parsing */
    assert_int_equal(h_parse_rc(ctx, big, sizeof(big), &msg), WSSEC_ELIMIT);
    h_assert_error(wssec_msg_error(msg), WSSEC_ELIMIT, "soap:Client", "max-message-size");
    h_assert_contains(wssec_msg_error(msg)->message, "300 bytes");
    wssec_msg_free(msg);
    /* 256 bytes exactly is allowed through to the parser */
    char *xml = h_strf(BODY("<a>%*s</a>"), 256 - (int)strlen(BODY("<a></a>")), "y");
    assert_int_equal(strlen(xml), 256);
    assert_int_equal(h_parse_rc(ctx, xml, strlen(xml), &msg), 0);
    wssec_msg_free(msg);
    free(xml);
    wssec_ctx_free(ctx);
}

/* Messages over 10 MB (libxml2's look-ahead limit for one chunk) parse when
 * max-message-size allows them: the parser is fed in chunks. */
static void test_large_message(void **state)
{
    (void)state;
    wssec_ctx *ctx = h_ctx("max-message-size", "16M", "max-nodes", "1000000", NULL);
    const char *item = "<i>0123456789012345678901234567890123456789012345678901234567890</i>";
    size_t n = (11u << 20) / strlen(item);
    char *body = malloc(n * strlen(item) + 1);
    assert_non_null(body);
    for (size_t i = 0; i < n; i++) memcpy(body + i * strlen(item), item, strlen(item));
    body[n * strlen(item)] = '\0';
    char *xml = h_strf(BODY("%s"), body);
    free(body);
    assert_true(strlen(xml) > (10u << 20));
    wssec_msg *msg = NULL;
    int rc = h_parse_rc(ctx, xml, strlen(xml), &msg);
    if (rc) print_error("%s\n", wssec_msg_error(msg)->message);
    assert_int_equal(rc, 0);
    assert_non_null(wssec_msg_body(msg));
    wssec_msg_free(msg);
    free(xml);
    wssec_ctx_free(ctx);
}

static void test_max_depth(void **state)
{
    (void)state;
    wssec_ctx *ctx = h_ctx("max-depth", "8", NULL);
    /* Envelope, Body + 6 = 8: accepted */
    const char *ok = BODY("<a><a><a><a><a><a/></a></a></a></a></a>");
    const char *deep = BODY("<a><a><a><a><a><a><a/></a></a></a></a></a></a>");
    wssec_msg *msg = NULL;
    assert_int_equal(h_parse_rc(ctx, ok, strlen(ok), &msg), 0);
    wssec_msg_free(msg);
    assert_int_equal(h_parse_rc(ctx, deep, strlen(deep), &msg), WSSEC_ELIMIT);
    h_assert_error(wssec_msg_error(msg), WSSEC_ELIMIT, "soap:Client", "max-depth");
    wssec_msg_free(msg);
    wssec_ctx_free(ctx);
}

static void test_max_nodes(void **state)
{
    (void)state;
    wssec_ctx *ctx = h_ctx("max-nodes", "16", NULL);
    /* Envelope(+1 ns) + Body + 10 <a/> = 13 nodes */
    const char *ok = BODY("<a/><a/><a/><a/><a/><a/><a/><a/><a/><a/>");
    const char *many = BODY("<a/><a/><a/><a/><a/><a/><a/><a/><a/><a/><a/><a/><a/><a/><a/><a/>");
    wssec_msg *msg = NULL;
    assert_int_equal(h_parse_rc(ctx, ok, strlen(ok), &msg), 0);
    wssec_msg_free(msg);
    assert_int_equal(h_parse_rc(ctx, many, strlen(many), &msg), WSSEC_ELIMIT);
    h_assert_error(wssec_msg_error(msg), WSSEC_ELIMIT, "soap:Client", "max-nodes");
    wssec_msg_free(msg);
    /* attributes count too */
    const char *attrs = BODY("<a b='1' c='2' d='3' e='4' f='5' g='6' h='7' i='8' j='9' k='0' "
                             "l='1' m='2' n='3' o='4'/>");
    assert_int_equal(h_parse_rc(ctx, attrs, strlen(attrs), &msg), WSSEC_ELIMIT);
    wssec_msg_free(msg);
    wssec_ctx_free(ctx);
}

/* One element with tens of thousands of attributes or namespace
 * declarations: libxml2 2.9 spends seconds on it (a quadratic duplicate
 * check in the start tag, a quadratic property list in the tree builder)
 * unless the parse guard refuses the start tag before libxml2 parses it. */
static char *flood(size_t n, int ns)
{
    size_t cap = n * 32 + 256, len = 0;
    char *attrs = malloc(cap);
    assert_non_null(attrs);
    for (size_t i = 0; i < n; i++)
        len += (size_t)snprintf(attrs + len, cap - len, ns ? " xmlns:p%zu='urn:%zu'" : " a%zu='x'",
                                i, i);
    char *xml = h_strf(BODY("<e%s/>"), attrs);
    free(attrs);
    return xml;
}

static void test_attribute_flood(void **state)
{
    fixture *f = *state;
    static const struct {
        int ns;
        const char *option;
    } rows[] = { { 0, "max-attributes" }, { 1, "max-namespaces" } };
    for (size_t i = 0; i < WSSEC_ARRAY_LEN(rows); i++) {
        char *xml = flood(40000, rows[i].ns);
        wssec_msg *msg = NULL;
        int rc = h_parse_rc(f->ctx, xml, strlen(xml), &msg);
        wssec_errrec e;
        wssec__err_copy(&e, &msg->err);
        wssec_msg_free(msg);
        free(xml);
        assert_int_equal(rc, WSSEC_ELIMIT);
        h_assert_error(&e.pub, WSSEC_ELIMIT, "soap:Client", rows[i].option);
    }
}

/* The pre-scan counts what libxml2 will parse: '=' in values, comments,
 * CDATA and text is not an attribute; namespace declarations count apart;
 * UTF-16 is scanned as UTF-16. */
static char *attrs_tag(size_t nattrs, size_t nns, const char *value)
{
    size_t cap = (nattrs + nns) * (32 + strlen(value)) + 8, len = 0;
    char *out = malloc(cap);
    assert_non_null(out);
    out[0] = '\0';
    for (size_t i = 0; i < nns; i++)
        len += (size_t)snprintf(out + len, cap - len, " xmlns:n%zu=\"urn:%zu\"", i, i);
    for (size_t i = 0; i < nattrs; i++)
        len += (size_t)snprintf(out + len, cap - len, " a%zu = '%s'", i, value);
    return out;
}

static void test_attribute_limits(void **state)
{
    fixture *f = *state;
    char *a64 = attrs_tag(64, 0, "x=y"), *a65 = attrs_tag(65, 0, "x"), *n64 = attrs_tag(64, 64, "x"),
         *n65 = attrs_tag(0, 65, ""), *junk = attrs_tag(200, 0, "x");
    char bad_ns[65 * 24] = "";
    for (size_t i = 0, len = 0; i < 65; i++)
        len += (size_t)snprintf(bad_ns + len, sizeof(bad_ns) - len, " xmlns:%zu='u'", i);
    struct {
        char *xml;
        int code;
        const char *needle;
    } rows[] = {
        { h_strf(BODY("<e%s/>"), a64), 0, NULL },
        { h_strf(BODY("<e%s/>"), a65), WSSEC_ELIMIT, "more than 64 attributes (max-attributes)" },
        { h_strf(BODY("<e%s></e>"), n64), 0, NULL },
        { h_strf(BODY("<e%s/>"), n65), WSSEC_ELIMIT,
          "more than 64 namespace declarations (max-namespaces)" },
        { h_strf(BODY("<!--<e%s/>--><e/>"), junk), 0, NULL },
        { h_strf(BODY("<e><![CDATA[<e%s/>]]></e>"), junk), 0, NULL },
        { h_strf(BODY("<e a=\"%s\"/>text a=b c=d"), "&lt;e b='1' c='2'&gt;"), 0, NULL },
        { h_strf("<?xml version=\"1.0\"?><!-- %s -->" BODY("<e%s/>"), junk, a64), 0, NULL },
        /* names libxml2 takes for attributes though they start with xmlns: */
        { h_strf(BODY("<e%s/>"), bad_ns), WSSEC_ELIMIT, "more than 64" },
    };
    for (size_t i = 0; i < WSSEC_ARRAY_LEN(rows); i++) {
        wssec_msg *msg = NULL;
        int rc = h_parse_rc(f->ctx, rows[i].xml, strlen(rows[i].xml), &msg);
        if (rc != rows[i].code)
            print_error("row %zu: %s '%s'\n", i, wssec_code_name(rc), wssec_msg_error(msg)->message);
        assert_int_equal(rc, rows[i].code);
        if (rc) h_assert_error(wssec_msg_error(msg), rc, "soap:Client", rows[i].needle);
        wssec_msg_free(msg);
    }
    /* UTF-16 is scanned as UTF-16 */
    size_t len = 0;
    char *u16 = h_utf16le(rows[1].xml, &len);
    wssec_msg *msg = NULL;
    assert_int_equal(h_parse_rc(f->ctx, u16, len, &msg), WSSEC_ELIMIT);
    h_assert_error(wssec_msg_error(msg), WSSEC_ELIMIT, "soap:Client", "max-attributes");
    wssec_msg_free(msg);
    free(u16);
    /* the options raise the limits */
    wssec_ctx *ctx = h_ctx("max-attributes", "200", "max-namespaces", "65", NULL);
    char *big = h_strf(BODY("<e%s/><e%s/>"), junk, n65);
    assert_int_equal(h_parse_rc(ctx, big, strlen(big), &msg), 0);
    wssec_msg_free(msg);
    wssec_ctx_free(ctx);
    free(big);
    for (size_t i = 0; i < WSSEC_ARRAY_LEN(rows); i++) free(rows[i].xml);
    free(a64);
    free(a65);
    free(n64);
    free(n65);
    free(junk);
}

/* Namespace declarations in scope: libxml2's tree builder looks each
 * element's prefix up through every declaration in scope (xmlSearchNs), so
 * 250 nested elements with 64 declarations each, then 200,000 prefixed
 * elements, cost 27 s before max-nodes stopped them. */
static char *nested_ns(size_t levels, size_t per_level)
{
    char *decl = attrs_tag(0, per_level, "");
    size_t cap = levels * (strlen(decl) + 16) + 64, len = 0;
    char *out = malloc(cap);
    assert_non_null(out);
    for (size_t i = 0; i < levels; i++) len += (size_t)snprintf(out + len, cap - len, "<l%s>", decl);
    len += (size_t)snprintf(out + len, cap - len, "<n0:x/>");
    for (size_t i = 0; i < levels; i++) len += (size_t)snprintf(out + len, cap - len, "</l>");
    free(decl);
    char *xml = h_strf(BODY("%s"), out);
    free(out);
    return xml;
}

static void test_namespaces_in_scope(void **state)
{
    fixture *f = *state;
    /* 1 (soap) + 15 x 17 = 256 in scope: accepted; one level more is not */
    char *ok = nested_ns(15, 17), *deep = nested_ns(16, 17);
    wssec_msg *msg = NULL;
    int rc = h_parse_rc(f->ctx, ok, strlen(ok), &msg);
    if (rc) print_error("%s\n", wssec_msg_error(msg)->message);
    assert_int_equal(rc, 0);
    wssec_msg_free(msg);
    rc = h_parse_rc(f->ctx, deep, strlen(deep), &msg);
    wssec_errrec e;
    wssec__err_copy(&e, &msg->err);
    wssec_msg_free(msg);
    free(ok);
    free(deep);
    assert_int_equal(rc, WSSEC_ELIMIT);
    h_assert_error(&e.pub, WSSEC_ELIMIT, "soap:Client", "in scope (max-namespaces-in-scope)");
}

/* The scan reads the bytes as libxml2 will decode them, so any other
 * encoding, or a declaration that would switch libxml2's decoder, is
 * refused before parsing. */
static void test_encoding_switch_refused(void **state)
{
    fixture *f = *state;
    static const struct {
        const char *name;
        const char *data;
        size_t len;
        const char *needle;
    } rows[] = {
        { "UCS-4", "\0\0\0<\0\0\0a\0\0\0/\0\0\0>", 16, "UCS-4" },
        { "EBCDIC", "\x4C\x6F\xA7\x94\x93\x40", 6, "EBCDIC" },
        { "UTF-16LE declared in 8-bit", "<?xml version=\"1.0\" encoding=\"UTF-16LE\"?>" BODY("<a/>"),
          0, "UTF-16LE" },
        { "UTF-7", "<?xml version='1.0'   encoding = 'utf-7' ?>" BODY("<a/>"), 0, "utf-7" },
        { "IBM037", "<?xml version=\"1.0\" encoding=\"IBM037\"?>" BODY("<a/>"), 0, "IBM037" },
    };
    for (size_t i = 0; i < WSSEC_ARRAY_LEN(rows); i++) {
        wssec_msg *msg = NULL;
        size_t len = rows[i].len ? rows[i].len : strlen(rows[i].data);
        int rc = h_parse_rc(f->ctx, rows[i].data, len, &msg);
        if (rc != WSSEC_EPARSE)
            print_error("row '%s': %s '%s'\n", rows[i].name, wssec_code_name(rc),
                        wssec_msg_error(msg)->message);
        assert_int_equal(rc, WSSEC_EPARSE);
        h_assert_error(wssec_msg_error(msg), WSSEC_EPARSE, "soap:Client", rows[i].needle);
        wssec_msg_free(msg);
    }
    /* UTF-16 with a BOM that declares the other byte order */
    size_t len = 0;
    char *be = h_utf16le("<?xml version=\"1.0\" encoding=\"UTF-16BE\"?>" BODY("<a/>"), &len);
    wssec_msg *msg = NULL;
    assert_int_equal(h_parse_rc(f->ctx, be, len, &msg), WSSEC_EPARSE);
    h_assert_error(wssec_msg_error(msg), WSSEC_EPARSE, "soap:Client", "UTF-16BE");
    wssec_msg_free(msg);
    free(be);
    /* a whole SOAP envelope in UCS-4: libxml2 decodes it, without a
     * declaration to refuse afterwards */
    const char *ascii = BODY("<a/>");
    size_t n = strlen(ascii);
    char *ucs4 = calloc(n, 4);
    assert_non_null(ucs4);
    for (size_t i = 0; i < n; i++) ucs4[4 * i + 3] = ascii[i];
    int rc = h_parse_rc(f->ctx, ucs4, 4 * n, &msg);
    free(ucs4);
    assert_int_equal(rc, WSSEC_EPARSE);
    h_assert_error(wssec_msg_error(msg), WSSEC_EPARSE, "soap:Client", "UCS-4");
    wssec_msg_free(msg);
    char *le = h_utf16le("<?xml version=\"1.0\" encoding=\"utf-16le\"?>" BODY("<a/>"), &len);
    assert_int_equal(h_parse_rc(f->ctx, le, len, &msg), 0);
    wssec_msg_free(msg);
    free(le);
}

/* The pre-scan never counts fewer attributes or namespace declarations on
 * an element than libxml2 reports to startElementNs: mutated messages
 * (fixed seed), UTF-8 and UTF-16, against libxml2's own counts. */
static int lx_attrs, lx_ns;

static void lx_start(void *c, const xmlChar *l, const xmlChar *p, const xmlChar *u, int nn,
                     const xmlChar **ns, int na, int nd, const xmlChar **a)
{
    (void)c, (void)l, (void)p, (void)u, (void)ns, (void)nd, (void)a;
    if (na > lx_attrs) lx_attrs = na;
    if (nn > lx_ns) lx_ns = nn;
}

static void lx_count(const char *data, size_t len)
{
    xmlSAXHandler h;
    memset(&h, 0, sizeof(h));
    xmlSAXVersion(&h, 2);
    h.startElementNs = lx_start;
    h.internalSubset = NULL;
    h.externalSubset = NULL;
    h.getEntity = NULL;
    h.entityDecl = NULL;
    lx_attrs = lx_ns = 0;
    xmlParserCtxtPtr ctxt = xmlCreatePushParserCtxt(&h, NULL, NULL, 0, NULL);
    assert_non_null(ctxt);
    xmlCtxtUseOptions(ctxt, XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    xmlParseChunk(ctxt, data, (int)len, 1);
    xmlFreeDoc(ctxt->myDoc);
    xmlFreeParserCtxt(ctxt);
}

static void test_prescan_never_undercounts(void **state)
{
    (void)state;
    static const char *const seeds[] = {
        ENV11_OPEN "<soap:Body><e a='1' b=\"2\" c='3'/><f xmlns:p='u' p:x='1'><!-- <g h='1' "
                   "i='2' j='3'> --></f></soap:Body>" ENV11_CLOSE,
        "<?xml version='1.0' encoding='UTF-8'?><r a = '=' b='\"' c=\"'\"><![CDATA[<x a='1' "
        "b='2' c='3'>]]><?pi a='1' b='2' c='3'?></r>",
        "<r xmlns='u' xmlns:a='v' xmlns:b='w' a:x='1' b:x='2'/>",
    };
    static const char *const dict[] = {
        "<", ">", "'", "\"", "=", " ", "a", "b:c", "xmlns", "xmlns:p", ":", "/", "<!--", "-->",
        "-", "<![CDATA[", "]]>", "]", "<?", "?>", "?", "<!DOCTYPE x [", "]>", "[", "&amp;",
        "\n", "x='1'", " y=\"2\"", " xmlns:q='u'", " xmlns='u'", "<e ", "/>", "</e>",
        "<?xml version='1.0'?>", "\xc3\xa9", "<!", "= '", " longattrname='v'", " xmlnsx='1'",
        " xmlns:longprefix='u'", "xmlns:", " a:b:c='1'", "xmlns:a.b-c", "xmlns:9",
    };
    wssec_settings s;
    wssec__settings_init(&s);
    srand(20261205);
    char buf[2048], data[4200];
    size_t undercounts = 0;
    for (int it = 0; it < 30000; it++) {
        const char *seed = seeds[rand() % 3];
        size_t n = strlen(seed);
        memcpy(buf, seed, n);
        for (int m = 1 + rand() % 8; m > 0; m--) {
            size_t pos = (size_t)rand() % (n + 1);
            int op = rand() % 3;
            if (op == 0 && n + 40 < sizeof(buf)) {
                const char *t = dict[(size_t)rand() % WSSEC_ARRAY_LEN(dict)];
                size_t tl = strlen(t);
                memmove(buf + pos + tl, buf + pos, n - pos);
                memcpy(buf + pos, t, tl);
                n += tl;
            } else if (op == 1 && pos < n) {
                size_t dl = 1 + (size_t)rand() % 4;
                if (dl > n - pos) dl = n - pos;
                memmove(buf + pos, buf + pos + dl, n - pos - dl);
                n -= dl;
            } else if (pos < n) {
                buf[pos] = (char)(rand() & 0x7f);
            }
        }
        size_t len = n;
        if (rand() % 4 == 0) {
            data[0] = (char)0xFF;
            data[1] = (char)0xFE;
            for (size_t i = 0; i < n; i++) {
                data[2 + 2 * i] = buf[i];
                data[3 + 2 * i] = 0;
            }
            len = 2 * n + 2;
        } else {
            memcpy(data, buf, n);
        }
        s.max_attributes = (size_t)(rand() % 4);
        s.max_namespaces = (size_t)(rand() % 3);
        wssec_errrec err;
        memset(&err, 0, sizeof(err));
        int rc = wssec__xml_prescan(&err, &s, data, len);
        lx_count(data, len);
        if (rc == 0 && ((size_t)lx_attrs > s.max_attributes || (size_t)lx_ns > s.max_namespaces)) {
            if (undercounts++ < 3)
                print_error("libxml2 saw %d attributes, %d namespaces (max %zu, %zu): %.*s\n",
                            lx_attrs, lx_ns, s.max_attributes, s.max_namespaces, (int)n, buf);
        }
    }
    assert_int_equal(undercounts, 0);
}

static void test_id_registration(void **state)
{
    fixture *f = *state;
    const char *xml =
        ENV11_OPEN "<soap:Body xmlns:wsu=\"" WSSEC_NS_WSU "\" wsu:Id=\"body-1\">"
                   "<plain Id=\"plain-1\"/>"
                   "<ds:Signature xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\" Id=\"sig-1\"/>"
                   "<fake xmlns:f=\"http://schemas.xmlsoap.org/ws/2002/07/utility\" f:Id=\"f-1\"/>"
                   "</soap:Body>" ENV11_CLOSE;
    wssec_msg *msg = h_parse(f->ctx, xml);
    xmlDocPtr doc = wssec_msg_doc(msg);
    xmlAttrPtr a = xmlGetID(doc, BAD_CAST "body-1");
    assert_non_null(a);
    assert_ptr_equal(a->parent, wssec_msg_body(msg));
    assert_string_equal((const char *)a->ns->href, WSSEC_NS_WSU);
    /* an unqualified Id on a plain element is not something a reference may resolve to */
    assert_null(xmlGetID(doc, BAD_CAST "plain-1"));
    /* nor is an Id in a look-alike namespace */
    assert_null(xmlGetID(doc, BAD_CAST "f-1"));
    /* an unqualified Id on an XML Signature element is */
    a = xmlGetID(doc, BAD_CAST "sig-1");
    assert_non_null(a);
    assert_string_equal((const char *)a->parent->name, "Signature");
    wssec_msg_free(msg);
}

static void test_reparse_replaces_document(void **state)
{
    fixture *f = *state;
    wssec_msg *msg = h_parse(f->ctx, BODY("<a/>"));
    const char *bad = BODY("<a>");
    assert_int_equal(wssec_msg_parse(msg, bad, strlen(bad)), WSSEC_EPARSE);
    assert_null(wssec_msg_doc(msg));
    const char *ok = BODY("<b/>");
    assert_int_equal(wssec_msg_parse(msg, ok, strlen(ok)), 0);
    assert_int_equal(wssec_msg_error(msg)->code, 0);
    assert_string_equal((const char *)wssec_xml_first_elem(wssec_msg_body(msg))->name, "b");
    wssec_msg_free(msg);
}

/* ---- what a message's signatures canonicalize (xml.h) ---- */

/* The budget: bytes fit up to max-c14n-bytes exactly; a refusal leaves
 * the count as it was, or, exhausting, puts it past the budget. */
static void test_c14n_budget(void **state)
{
    (void)state;
    wssec_ctx *ctx = h_ctx("max-c14n-bytes", "1024", NULL);
    char *plain = h_envelope_header(11, NULL);
    wssec_msg *msg = h_parse(ctx, plain);
    assert_int_equal(wssec__c14n_take(msg, 1000, false), 0);
    assert_int_equal(wssec__c14n_take(msg, 25, false), WSSEC_ELIMIT);
    assert_int_equal(wssec__c14n_over(msg), 0);
    assert_int_equal(msg->c14n_bytes, 1000);
    assert_int_equal(wssec__c14n_take(msg, 24, false), 0);
    assert_int_equal(wssec__c14n_over(msg), 0);
    assert_int_equal(wssec__c14n_take(msg, 0, true), 0);
    assert_int_equal(wssec__c14n_take(msg, 1, true), WSSEC_ELIMIT);
    assert_int_equal(wssec__c14n_over(msg), 1);
    assert_int_equal(msg->c14n_bytes, 1025);
    assert_int_equal(wssec_msg_error(msg)->code, 0); /* nothing recorded */
    wssec_msg_free(msg);
    free(plain);
    wssec_ctx_free(ctx);
}

typedef struct explained {
    int calls;
    char what[32], alg[32], expected[32], computed[32];
    unsigned char bytes[8];
    size_t len;
} explained;

static void explain_cb(const char *what, const unsigned char *bytes, size_t len,
                       const char *digest_alg, const char *expected, const char *computed,
                       void *ud)
{
    explained *e = ud;
    e->calls++;
    snprintf(e->what, sizeof(e->what), "%s", what);
    snprintf(e->alg, sizeof(e->alg), "%s", digest_alg);
    snprintf(e->expected, sizeof(e->expected), "%s", expected ? expected : "(null)");
    snprintf(e->computed, sizeof(e->computed), "%s", computed);
    e->len = len < sizeof(e->bytes) ? len : sizeof(e->bytes);
    memcpy(e->bytes, bytes, e->len);
}

/* The explain callback: passed every argument as given, with its userdata;
 * without one, nothing is explaining and a call does nothing. */
static void test_explain(void **state)
{
    (void)state;
    explained seen = { 0 };
    wssec_config *cfg = NULL;
    wssec_ctx *with = NULL;
    assert_int_equal(wssec_config_new(&cfg), 0);
    wssec_config_set_explain_cb(cfg, explain_cb, &seen);
    assert_int_equal(wssec_ctx_new(&with, cfg), 0);
    wssec_config_free(cfg);
    wssec_ctx *without = h_ctx(NULL);
    char *plain = h_envelope_header(11, NULL);
    wssec_msg *m1 = h_parse(with, plain), *m0 = h_parse(without, plain);

    assert_int_equal(wssec__explaining(m1), 1);
    wssec__explain(m1, "#Body-1", (const unsigned char *)"<b/>", 4, "sha256", "ZXhw", "Y29t");
    assert_int_equal(seen.calls, 1);
    assert_string_equal(seen.what, "#Body-1");
    assert_int_equal(seen.len, 4);
    assert_memory_equal(seen.bytes, "<b/>", 4);
    assert_string_equal(seen.alg, "sha256");
    assert_string_equal(seen.expected, "ZXhw");
    assert_string_equal(seen.computed, "Y29t");
    wssec__explain(m1, "SignedInfo", (const unsigned char *)"x", 1, "rsa-sha256", NULL, "Yw==");
    assert_int_equal(seen.calls, 2);
    assert_string_equal(seen.expected, "(null)");

    assert_int_equal(wssec__explaining(m0), 0);
    wssec__explain(m0, "#Body-1", (const unsigned char *)"<b/>", 4, "sha256", "ZXhw", "Y29t");
    assert_int_equal(seen.calls, 2);
    wssec_msg_free(m1);
    wssec_msg_free(m0);
    free(plain);
    wssec_ctx_free(with);
    wssec_ctx_free(without);
}

/* Once a reference went over the budget (exhausting it, as under `wssec
 * inspect`, which carries on after a failure), every later take is refused
 * too: the count past the budget must not make "what is left" wrap around
 * to a huge number. */
static void test_c14n_budget_stays_exhausted(void **state)
{
    (void)state;
    wssec_ctx *ctx = h_ctx("max-c14n-bytes", "1024", NULL);
    char *plain = h_envelope_header(11, NULL);
    wssec_msg *msg = h_parse(ctx, plain);
    assert_int_equal(wssec__c14n_take(msg, 2000, true), WSSEC_ELIMIT);
    assert_int_equal(wssec__c14n_over(msg), 1);
    assert_int_equal(wssec__c14n_take(msg, 1, false), WSSEC_ELIMIT);
    assert_int_equal(wssec__c14n_take(msg, 1, true), WSSEC_ELIMIT);
    assert_int_equal(wssec__c14n_take(msg, 5000, true), WSSEC_ELIMIT);
    assert_int_equal(wssec__c14n_take(msg, 0, false), WSSEC_ELIMIT);
    assert_int_equal(wssec__c14n_over(msg), 1);
    assert_int_equal(msg->c14n_bytes, 1025);
    wssec_msg_free(msg);
    free(plain);
    wssec_ctx_free(ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_hostile, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refused_document_not_kept, setup, teardown),
        cmocka_unit_test_setup_teardown(test_undeclared_prefix, setup, teardown),
        cmocka_unit_test_setup_teardown(test_empty_input, setup, teardown),
        cmocka_unit_test_setup_teardown(test_benign, setup, teardown),
        cmocka_unit_test_setup_teardown(test_utf16, setup, teardown),
        cmocka_unit_test(test_max_message_size),
        cmocka_unit_test(test_large_message),
        cmocka_unit_test(test_max_depth),
        cmocka_unit_test(test_max_nodes),
        cmocka_unit_test_setup_teardown(test_attribute_flood, setup, teardown),
        cmocka_unit_test_setup_teardown(test_attribute_limits, setup, teardown),
        cmocka_unit_test_setup_teardown(test_encoding_switch_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_namespaces_in_scope, setup, teardown),
        cmocka_unit_test(test_prescan_never_undercounts),
        cmocka_unit_test_setup_teardown(test_id_registration, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reparse_replaces_document, setup, teardown),
        cmocka_unit_test(test_c14n_budget),
        cmocka_unit_test(test_explain),
        cmocka_unit_test(test_c14n_budget_stays_exhausted),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    xmlCleanupParser();
    return rc;
}
