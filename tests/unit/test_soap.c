/*
 * The SOAP model: versions, Envelope structure, header block attributes, and
 * which wsse:Security header is ours.
 */
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>

#include "helpers.h"

#define S11 WSSEC_NS_SOAP11
#define S12 WSSEC_NS_SOAP12
#define NEXT11 "http://schemas.xmlsoap.org/soap/actor/next"
#define NEXT12 "http://www.w3.org/2003/05/soap-envelope/role/next"
#define ULTIMATE12 "http://www.w3.org/2003/05/soap-envelope/role/ultimateReceiver"

#define ENV(ns, inner) "<soap:Envelope xmlns:soap=\"" ns "\">" inner "</soap:Envelope>"
#define SEC_NS " xmlns:wsse=\"" WSSEC_NS_WSSE "\""

typedef struct fixture {
    wssec_ctx *ctx;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof(*f));
    if (!f) return -1;
    f->ctx = h_ctx("require", "none", NULL);
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

static void test_versions(void **state)
{
    fixture *f = *state;
    wssec_msg *msg = h_parse(f->ctx, ENV(S11, "<soap:Header/><soap:Body/>"));
    assert_int_equal(wssec_msg_soap_version(msg), WSSEC_SOAP11);
    assert_non_null(wssec_msg_header(msg));
    assert_string_equal((const char *)wssec_msg_body(msg)->name, "Body");
    wssec_msg_free(msg);
    msg = h_parse(f->ctx, ENV(S12, "<soap:Body/>"));
    assert_int_equal(wssec_msg_soap_version(msg), WSSEC_SOAP12);
    assert_null(wssec_msg_header(msg));
    assert_non_null(wssec_msg_body(msg));
    wssec_msg_free(msg);
    /* before any parse the version is unknown */
    assert_int_equal(wssec_msg_new(&msg, f->ctx), 0);
    assert_int_equal(wssec_msg_soap_version(msg), 0);
    assert_null(wssec_msg_doc(msg));
    wssec_msg_free(msg);
}

typedef struct row {
    const char *name;
    const char *xml;
    int code;
    const char *needle;
} row;

static const row structure[] = {
    { "not an Envelope", "<Envelope xmlns=\"urn:other\"><Body/></Envelope>", WSSEC_EPARSE,
      "not a SOAP 1.1 or 1.2 Envelope" },
    { "Envelope without namespace", "<Envelope><Body/></Envelope>", WSSEC_EPARSE,
      "not a SOAP 1.1 or 1.2 Envelope" },
    { "two Headers", ENV(S11, "<soap:Header/><soap:Header/><soap:Body/>"), WSSEC_EPARSE,
      "two SOAP Headers" },
    { "Header after Body", ENV(S11, "<soap:Body/><soap:Header/>"), WSSEC_EPARSE,
      "Header after Body" },
    { "two Bodies", ENV(S12, "<soap:Body/><soap:Body/>"), WSSEC_EPARSE, "two SOAP Bodies" },
    { "element after Body", ENV(S11, "<soap:Body/><x/>"), WSSEC_EPARSE,
      "not allowed as a child of the SOAP Envelope" },
    { "no Body", ENV(S11, "<soap:Header/>"), WSSEC_EPARSE, "no Body" },
    { "empty Envelope", ENV(S11, ""), WSSEC_EPARSE, "no Body" },
    { "text in Envelope", ENV(S11, "junk<soap:Body/>"), WSSEC_EPARSE, "text in the SOAP Envelope" },
    { "CDATA in Envelope", ENV(S11, "<![CDATA[x]]><soap:Body/>"), WSSEC_EPARSE,
      "text in the SOAP Envelope" },
    { "text in Header", ENV(S11, "<soap:Header>junk</soap:Header><soap:Body/>"), WSSEC_EPARSE,
      "text in the SOAP Header" },
    { "1.2 envelope with 1.1 Header",
      "<e:Envelope xmlns:e=\"" S12 "\" xmlns:o=\"" S11 "\"><o:Header/><e:Body/></e:Envelope>",
      WSSEC_EPARSE, "not allowed as a child" },
    { "1.1 envelope with 1.2 Body",
      "<e:Envelope xmlns:e=\"" S11 "\" xmlns:o=\"" S12 "\"><o:Body/></e:Envelope>", WSSEC_EPARSE,
      "not allowed as a child" },
    /* header block attributes */
    { "1.1 mustUnderstand=true",
      ENV(S11, "<soap:Header><h:x xmlns:h=\"urn:h\" soap:mustUnderstand=\"true\"/></soap:Header>"
               "<soap:Body/>"),
      WSSEC_EPARSE, "mustUnderstand='true'" },
    { "1.1 mustUnderstand=yes",
      ENV(S11, "<soap:Header><h:x xmlns:h=\"urn:h\" soap:mustUnderstand=\"yes\"/></soap:Header>"
               "<soap:Body/>"),
      WSSEC_EPARSE, "mustUnderstand" },
    { "1.2 mustUnderstand=2",
      ENV(S12, "<soap:Header><h:x xmlns:h=\"urn:h\" soap:mustUnderstand=\"2\"/></soap:Header>"
               "<soap:Body/>"),
      WSSEC_EPARSE, "mustUnderstand='2'" },
    { "1.2 mustUnderstand empty",
      ENV(S12, "<soap:Header><h:x xmlns:h=\"urn:h\" soap:mustUnderstand=\"\"/></soap:Header>"
               "<soap:Body/>"),
      WSSEC_EPARSE, "mustUnderstand" },
    { "1.1 role attribute",
      ENV(S11, "<soap:Header><h:x xmlns:h=\"urn:h\" soap:role=\"urn:r\"/></soap:Header>"
               "<soap:Body/>"),
      WSSEC_EPARSE, "no role attribute" },
    { "1.2 actor attribute",
      ENV(S12, "<soap:Header><h:x xmlns:h=\"urn:h\" soap:actor=\"urn:r\"/></soap:Header>"
               "<soap:Body/>"),
      WSSEC_EPARSE, "no actor attribute" },
    { "1.1 block with 1.2 attribute",
      ENV(S11, "<soap:Header><h:x xmlns:h=\"urn:h\" xmlns:o=\"" S12 "\" o:mustUnderstand=\"true\"/>"
               "</soap:Header><soap:Body/>"),
      WSSEC_EPARSE, "other SOAP version" },
    { "1.2 block with 1.1 attribute",
      ENV(S12, "<soap:Header><h:x xmlns:h=\"urn:h\" xmlns:o=\"" S11 "\" o:actor=\"urn:r\"/>"
               "</soap:Header><soap:Body/>"),
      WSSEC_EPARSE, "other SOAP version" },
    /* our Security header */
    { "two Security, no actor",
      ENV(S11, "<soap:Header><wsse:Security" SEC_NS "/><wsse:Security" SEC_NS "/></soap:Header>"
               "<soap:Body/>"),
      WSSEC_EMALFORMED, "two wsse:Security headers" },
    { "second Security for next",
      ENV(S11, "<soap:Header><wsse:Security" SEC_NS "/><wsse:Security" SEC_NS
               " soap:actor=\"" NEXT11 "\"/></soap:Header><soap:Body/>"),
      WSSEC_EMALFORMED, "two wsse:Security headers" },
    { "1.2 ultimateReceiver and no role",
      ENV(S12, "<soap:Header><wsse:Security" SEC_NS " soap:role=\"" ULTIMATE12
               "\"/><wsse:Security" SEC_NS "/></soap:Header><soap:Body/>"),
      WSSEC_EMALFORMED, "two wsse:Security headers" },
    { "1.1 empty actor and no actor",
      ENV(S11, "<soap:Header><wsse:Security" SEC_NS " soap:actor=\"\"/><wsse:Security" SEC_NS
               "/></soap:Header><soap:Body/>"),
      WSSEC_EMALFORMED, "two wsse:Security headers" },
};

static void test_structure(void **state)
{
    fixture *f = *state;
    for (size_t i = 0; i < WSSEC_ARRAY_LEN(structure); i++) {
        wssec_msg *msg = NULL;
        int rc = h_parse_rc(f->ctx, structure[i].xml, strlen(structure[i].xml), &msg);
        if (rc != structure[i].code)
            print_error("row '%s': %s '%s'\n", structure[i].name, wssec_code_name(rc),
                        wssec_msg_error(msg)->message);
        assert_int_equal(rc, structure[i].code);
        h_assert_error(wssec_msg_error(msg), structure[i].code, NULL, structure[i].needle);
        wssec_msg_free(msg);
    }
}

static const char *const acceptable[] = {
    ENV(S11, "<!-- c --><soap:Header><h:x xmlns:h=\"urn:h\" soap:mustUnderstand=\"1\"/>"
             "</soap:Header>\n<soap:Body/>\n"),
    ENV(S11, "<soap:Header><h:x xmlns:h=\"urn:h\" soap:mustUnderstand=\"0\" soap:actor=\"urn:a\"/>"
             "</soap:Header><soap:Body/>"),
    ENV(S12, "<soap:Header><h:x xmlns:h=\"urn:h\" soap:mustUnderstand=\"true\"/>"
             "<h:y xmlns:h=\"urn:h\" soap:mustUnderstand=\"false\" soap:role=\"urn:r\"/>"
             "<h:z xmlns:h=\"urn:h\" soap:mustUnderstand=\"1\"/></soap:Header><soap:Body/>"),
    /* the SOAP attributes of a Body child are not checked as header attributes */
    ENV(S11, "<soap:Body><a soap:role=\"x\"/></soap:Body>"),
};

static void test_acceptable(void **state)
{
    fixture *f = *state;
    for (size_t i = 0; i < WSSEC_ARRAY_LEN(acceptable); i++) {
        wssec_msg *msg = h_parse(f->ctx, acceptable[i]);
        assert_int_equal(wssec_msg_error(msg)->code, 0);
        wssec_msg_free(msg);
    }
}

/* The Security header for another actor is not ours. */
#define OTHER_ACTOR11                                                                          \
    ENV(S11, "<soap:Header><wsse:Security" SEC_NS " soap:actor=\"urn:other\">"                   \
             "<wsu:Timestamp xmlns:wsu=\"" WSSEC_NS_WSU "\"><wsu:Created>2025-06-01T12:00:00Z" \
             "</wsu:Created></wsu:Timestamp></wsse:Security></soap:Header><soap:Body/>")

static void test_other_actor_not_ours(void **state)
{
    fixture *f = *state;
    h_run r;
    assert_int_equal(h_verify(&r, f->ctx, OTHER_ACTOR11), 0);
    assert_int_equal(wssec_result_token_count(r.res), 0);
    assert_int_equal(wssec_result_error(r.res)->code, 0);
    assert_null(wssec_result_caller(r.res));
    h_run_free(&r);

    wssec_ctx *ctx = h_ctx("require", "timestamp", NULL);
    assert_int_equal(h_verify(&r, ctx, OTHER_ACTOR11), WSSEC_EPOLICY);
    h_assert_error(h_run_err(&r), WSSEC_EPOLICY, "wsse:InvalidSecurity",
                   "no wsse:Security header targets this node");
    h_assert_contains(h_run_err(&r)->message, "no actor (ultimate receiver)");
    assert_int_equal(wssec_result_token_count(r.res), 0);
    h_run_free(&r);
    wssec_ctx_free(ctx);

    /* with the actor option, that header is ours */
    ctx = h_ctx("require", "timestamp", "actor", "urn:other", NULL);
    int rc = h_verify(&r, ctx, OTHER_ACTOR11);
    if (rc) print_error("%s\n", h_run_err(&r)->message);
    assert_int_equal(rc, 0);
    assert_int_equal(wssec_result_token_count(r.res), 1);
    assert_string_equal(wssec_token_type(wssec_result_token(r.res, 0)), "timestamp");
    h_run_free(&r);
    wssec_ctx_free(ctx);
}

static void test_actor_selects_header(void **state)
{
    (void)state;
    const char *xml =
        ENV(S11, "<soap:Header><wsse:Security" SEC_NS "><a:Mine xmlns:a=\"urn:a\"/></wsse:Security>"
                 "<wsse:Security" SEC_NS " soap:actor=\"urn:gw\"/></soap:Header><soap:Body/>");
    wssec_ctx *ctx = h_ctx("require", "none", "actor", "urn:gw", NULL);
    wssec_msg *msg = h_parse(ctx, xml);
    xmlNodePtr sec = wssec_msg_security(msg, 0);
    assert_non_null(sec);
    assert_null(wssec_xml_first_elem(sec)); /* the empty one, for urn:gw */
    /* the unsupported child of the other header does not matter */
    wssec_result *res = NULL;
    assert_int_equal(wssec_verify(&res, msg), 0);
    wssec_result_free(res);
    wssec_msg_free(msg);
    wssec_ctx_free(ctx);

    /* without the actor option, the one without an actor is ours, and its child is refused */
    ctx = h_ctx("require", "none", NULL);
    h_run r;
    assert_int_equal(h_verify(&r, ctx, xml), WSSEC_EUNSUPPORTED);
    h_assert_error(h_run_err(&r), WSSEC_EUNSUPPORTED, "wsse:UnsupportedSecurityToken", "urn:a");
    h_run_free(&r);
    wssec_ctx_free(ctx);

    /* with an actor, a header for "next" is ours too, and two are too many */
    const char *both = ENV(S11, "<soap:Header><wsse:Security" SEC_NS " soap:actor=\"" NEXT11
                                "\"/><wsse:Security" SEC_NS " soap:actor=\"urn:gw\"/>"
                                "</soap:Header><soap:Body/>");
    ctx = h_ctx("actor", "urn:gw", NULL);
    assert_int_equal(h_parse_rc(ctx, both, strlen(both), &msg), WSSEC_EMALFORMED);
    h_assert_error(wssec_msg_error(msg), WSSEC_EMALFORMED, "wsse:InvalidSecurity", "urn:gw");
    wssec_msg_free(msg);
    wssec_ctx_free(ctx);
}

static void test_soap12_roles(void **state)
{
    fixture *f = *state;
    static const struct {
        const char *role;
        int ours;
    } rows[] = {
        { ULTIMATE12, 1 },
        { NEXT12, 1 },
        { "", 1 },
        { "urn:someone-else", 0 },
        { NEXT11, 0 }, /* the SOAP 1.1 URI means nothing in 1.2 */
    };
    for (size_t i = 0; i < WSSEC_ARRAY_LEN(rows); i++) {
        char *xml = h_strf("<soap:Envelope xmlns:soap=\"%s\"><soap:Header><wsse:Security" SEC_NS
                           " soap:role=\"%s\"/></soap:Header><soap:Body/></soap:Envelope>",
                           S12, rows[i].role);
        wssec_msg *msg = h_parse(f->ctx, xml);
        if (rows[i].ours) assert_non_null(wssec_msg_security(msg, 0));
        else assert_null(wssec_msg_security(msg, 0));
        wssec_msg_free(msg);
        free(xml);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_versions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_structure, setup, teardown),
        cmocka_unit_test_setup_teardown(test_acceptable, setup, teardown),
        cmocka_unit_test_setup_teardown(test_other_actor_not_ours, setup, teardown),
        cmocka_unit_test(test_actor_selects_header),
        cmocka_unit_test_setup_teardown(test_soap12_roles, setup, teardown),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    xmlCleanupParser();
    return rc;
}
