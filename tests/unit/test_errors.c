/*
 * Error codes: names, categories, descriptions, default faults, the version
 * check and SOAP fault serialization.
 */
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "helpers.h"

static const struct {
    int code;
    const char *name;
    wssec_category category;
    const char *fault;
} table[] = {
    { WSSEC_OK, "WSSEC_OK", WSSEC_CAT_NONE, "" },
    { WSSEC_EINVALID, "WSSEC_EINVALID", WSSEC_CAT_USAGE, "" },
    { WSSEC_ENOMEM, "WSSEC_ENOMEM", WSSEC_CAT_INTERNAL, "soap:Server" },
    { WSSEC_EIO, "WSSEC_EIO", WSSEC_CAT_INTERNAL, "soap:Server" },
    { WSSEC_ECONFIG, "WSSEC_ECONFIG", WSSEC_CAT_USAGE, "" },
    { WSSEC_EPARSE, "WSSEC_EPARSE", WSSEC_CAT_INPUT, "soap:Client" },
    { WSSEC_ELIMIT, "WSSEC_ELIMIT", WSSEC_CAT_INPUT, "soap:Client" },
    { WSSEC_EMALFORMED, "WSSEC_EMALFORMED", WSSEC_CAT_POLICY, "wsse:InvalidSecurity" },
    { WSSEC_ETOKEN, "WSSEC_ETOKEN", WSSEC_CAT_TRUST, "wsse:InvalidSecurityToken" },
    { WSSEC_EUNSUPPORTED, "WSSEC_EUNSUPPORTED", WSSEC_CAT_TRUST, "wsse:UnsupportedSecurityToken" },
    { WSSEC_EALGORITHM, "WSSEC_EALGORITHM", WSSEC_CAT_CRYPTO, "wsse:UnsupportedAlgorithm" },
    { WSSEC_EAUTH, "WSSEC_EAUTH", WSSEC_CAT_TRUST, "wsse:FailedAuthentication" },
    { WSSEC_EUNTRUSTED, "WSSEC_EUNTRUSTED", WSSEC_CAT_TRUST, "wsse:FailedAuthentication" },
    { WSSEC_ESIGNATURE, "WSSEC_ESIGNATURE", WSSEC_CAT_CRYPTO, "wsse:FailedCheck" },
    { WSSEC_EDIGEST, "WSSEC_EDIGEST", WSSEC_CAT_CRYPTO, "wsse:FailedCheck" },
    { WSSEC_EDECRYPT, "WSSEC_EDECRYPT", WSSEC_CAT_CRYPTO, "wsse:FailedCheck" },
    { WSSEC_EUNAVAILABLE, "WSSEC_EUNAVAILABLE", WSSEC_CAT_TRUST, "wsse:SecurityTokenUnavailable" },
    { WSSEC_EEXPIRED, "WSSEC_EEXPIRED", WSSEC_CAT_POLICY, "wsse:MessageExpired" },
    { WSSEC_EREPLAY, "WSSEC_EREPLAY", WSSEC_CAT_POLICY, "wsse:InvalidSecurity" },
    { WSSEC_EUNSIGNED, "WSSEC_EUNSIGNED", WSSEC_CAT_POLICY, "wsse:InvalidSecurity" },
    { WSSEC_EPOLICY, "WSSEC_EPOLICY", WSSEC_CAT_POLICY, "wsse:InvalidSecurity" },
    { WSSEC_EMUSTUNDERSTAND, "WSSEC_EMUSTUNDERSTAND", WSSEC_CAT_INPUT, "soap:MustUnderstand" },
    { WSSEC_EBACKEND, "WSSEC_EBACKEND", WSSEC_CAT_INTERNAL, "soap:Server" },
    { WSSEC_EINTERNAL, "WSSEC_EINTERNAL", WSSEC_CAT_INTERNAL, "soap:Server" },
};

static void test_table_covers_every_code(void **state)
{
    (void)state;
    assert_int_equal(WSSEC_ARRAY_LEN(table), WSSEC_CODE_COUNT);
    for (size_t i = 0; i < WSSEC_ARRAY_LEN(table); i++) assert_int_equal(table[i].code, -(int)i);
}

static void test_names_categories_descriptions(void **state)
{
    (void)state;
    for (size_t i = 0; i < WSSEC_ARRAY_LEN(table); i++) {
        int c = table[i].code;
        assert_string_equal(wssec_code_name(c), table[i].name);
        assert_int_equal(strncmp(wssec_code_name(c), "WSSEC_", 6), 0);
        assert_int_equal(wssec_code_category(c), table[i].category);
        const char *d = wssec_code_description(c);
        assert_non_null(d);
        assert_true(strlen(d) > 3);
        assert_string_not_equal(d, "unknown error");
        /* descriptions are distinct per code */
        for (size_t j = 0; j < i; j++)
            assert_string_not_equal(d, wssec_code_description(table[j].code));
        assert_string_not_equal(wssec_category_name(table[i].category), "?");
    }
    assert_string_equal(wssec_category_name(WSSEC_CAT_TRUST), "TRUST");
    assert_string_equal(wssec_category_name(WSSEC_CAT_INTERNAL), "INTERNAL");
    assert_string_equal(wssec_category_name((wssec_category)99), "?");
}

static void test_default_faults(void **state)
{
    (void)state;
    for (size_t i = 0; i < WSSEC_ARRAY_LEN(table); i++)
        assert_string_equal(wssec_code_fault(table[i].code), table[i].fault);
    assert_string_equal(wssec_code_fault(WSSEC_EEXPIRED), "wsse:MessageExpired");
    assert_string_equal(wssec_code_fault(WSSEC_ESIGNATURE), "wsse:FailedCheck");
    assert_string_equal(wssec_code_fault(WSSEC_EPARSE), "soap:Client");
    assert_string_equal(wssec_code_fault(WSSEC_ECONFIG), "");
}

static void test_unknown_codes(void **state)
{
    (void)state;
    const int unknown[] = { 1, -WSSEC_CODE_COUNT, -1000, 42 };
    for (size_t i = 0; i < WSSEC_ARRAY_LEN(unknown); i++) {
        assert_string_equal(wssec_code_name(unknown[i]), "WSSEC_E?");
        assert_string_equal(wssec_code_description(unknown[i]), "unknown error");
        assert_int_equal(wssec_code_category(unknown[i]), WSSEC_CAT_INTERNAL);
        assert_string_equal(wssec_code_fault(unknown[i]), "soap:Server");
    }
}

static void test_version(void **state)
{
    (void)state;
    assert_string_equal(wssec_version(), WSSEC_VERSION);
    assert_int_equal(wssec_check_version(WSSEC_VERSION_NUMBER), 0);
    /* an older minor and another patch are compatible */
    assert_int_equal(wssec_check_version((WSSEC_VERSION_MAJOR << 16) | 0), 0);
    assert_int_equal(wssec_check_version(WSSEC_VERSION_NUMBER + 7), 0);
    /* a newer minor or another major is not */
    assert_int_equal(wssec_check_version(WSSEC_VERSION_NUMBER + (1 << 8)), WSSEC_EINVALID);
    assert_int_equal(wssec_check_version(WSSEC_VERSION_NUMBER + (1 << 16)), WSSEC_EINVALID);
}

/* ---- faults ---- */

/* The record holds pointers into itself: it is filled in place, never copied by value. */
static void make_err(wssec_errrec *e, int code, const char *fault)
{
    wssec__err_clear(e);
    wssec__err_set(e, code, fault, "/Envelope/Header", __FILE__, __LINE__,
                   "SECRET-DETAIL user alice digest mismatch at %d", 42);
}

static xmlDocPtr fault_doc(const wssec_error *e, int soap, char **text)
{
    unsigned char *out = NULL;
    size_t len = 0;
    assert_int_equal(wssec_fault_serialize(&out, &len, e, soap), 0);
    assert_non_null(out);
    assert_int_equal(strlen((char *)out), len);
    /* the detailed message never reaches the peer */
    assert_null(strstr((char *)out, "SECRET-DETAIL"));
    assert_null(strstr((char *)out, e->message));
    xmlDocPtr doc = xmlReadMemory((char *)out, (int)len, "fault.xml", NULL, XML_PARSE_NONET);
    assert_non_null(doc);
    if (text) *text = (char *)out;
    else free(out);
    return doc;
}

static xmlNodePtr child(xmlNodePtr parent, const char *ns, const char *local)
{
    for (xmlNodePtr c = parent ? parent->children : NULL; c; c = c->next)
        if (wssec_xml_is(c, ns, local)) return c;
    return NULL;
}

/* Resolves a QName's prefix in the scope of node. */
static const char *qname_ns(xmlDocPtr doc, xmlNodePtr node, const char *qname)
{
    char prefix[32];
    const char *colon = strchr(qname, ':');
    assert_non_null(colon);
    snprintf(prefix, sizeof(prefix), "%.*s", (int)(colon - qname), qname);
    xmlNsPtr ns = xmlSearchNs(doc, node, BAD_CAST prefix);
    return ns ? (const char *)ns->href : NULL;
}

static void test_fault_soap11(void **state)
{
    (void)state;
    static const struct {
        int code;
        const char *faultcode, *ns;
    } rows[] = {
        { WSSEC_ESIGNATURE, "wsse:FailedCheck", WSSEC_NS_WSSE },
        { WSSEC_EEXPIRED, "wsse:MessageExpired", WSSEC_NS_WSSE },
        { WSSEC_EAUTH, "wsse:FailedAuthentication", WSSEC_NS_WSSE },
        { WSSEC_EPARSE, "soap:Client", WSSEC_NS_SOAP11 },
        { WSSEC_EINTERNAL, "soap:Server", WSSEC_NS_SOAP11 },
        { WSSEC_ECONFIG, "soap:Server", WSSEC_NS_SOAP11 }, /* no fault: generic server */
    };
    for (size_t i = 0; i < WSSEC_ARRAY_LEN(rows); i++) {
        wssec_errrec e;
        make_err(&e, rows[i].code, NULL);
        xmlDocPtr doc = fault_doc(&e.pub, WSSEC_SOAP11, NULL);
        xmlNodePtr env = xmlDocGetRootElement(doc);
        assert_true(wssec_xml_is(env, WSSEC_NS_SOAP11, "Envelope"));
        xmlNodePtr fault = child(child(env, WSSEC_NS_SOAP11, "Body"), WSSEC_NS_SOAP11, "Fault");
        assert_non_null(fault);
        xmlNodePtr fc = child(fault, NULL, "faultcode");
        assert_non_null(fc);
        xmlChar *v = xmlNodeGetContent(fc);
        assert_string_equal((char *)v, rows[i].faultcode);
        const char *ns = qname_ns(doc, fc, (char *)v);
        assert_non_null(ns);
        assert_string_equal(ns, rows[i].ns);
        xmlFree(v);
        xmlNodePtr fs = child(fault, NULL, "faultstring");
        assert_non_null(fs);
        v = xmlNodeGetContent(fs);
        assert_true(strlen((char *)v) > 5);
        xmlFree(v);
        xmlFreeDoc(doc);
    }
}

static void test_fault_soap12(void **state)
{
    (void)state;
    static const struct {
        int code;
        const char *value, *subcode;
    } rows[] = {
        { WSSEC_ESIGNATURE, "env:Sender", "wsse:FailedCheck" },
        { WSSEC_EEXPIRED, "env:Sender", "wsse:MessageExpired" },
        { WSSEC_EREPLAY, "env:Sender", "wsse:InvalidSecurity" },
        { WSSEC_EPARSE, "env:Sender", NULL },
        { WSSEC_EBACKEND, "env:Receiver", NULL },
        { WSSEC_EMUSTUNDERSTAND, "env:MustUnderstand", NULL },
    };
    for (size_t i = 0; i < WSSEC_ARRAY_LEN(rows); i++) {
        wssec_errrec e;
        make_err(&e, rows[i].code, NULL);
        xmlDocPtr doc = fault_doc(&e.pub, WSSEC_SOAP12, NULL);
        xmlNodePtr env = xmlDocGetRootElement(doc);
        assert_true(wssec_xml_is(env, WSSEC_NS_SOAP12, "Envelope"));
        xmlNodePtr fault = child(child(env, WSSEC_NS_SOAP12, "Body"), WSSEC_NS_SOAP12, "Fault");
        xmlNodePtr code = child(fault, WSSEC_NS_SOAP12, "Code");
        xmlNodePtr value = child(code, WSSEC_NS_SOAP12, "Value");
        assert_non_null(value);
        xmlChar *v = xmlNodeGetContent(value);
        assert_string_equal((char *)v, rows[i].value);
        assert_string_equal(qname_ns(doc, value, (char *)v), WSSEC_NS_SOAP12);
        xmlFree(v);
        xmlNodePtr sub = child(code, WSSEC_NS_SOAP12, "Subcode");
        if (rows[i].subcode) {
            xmlNodePtr sv = child(sub, WSSEC_NS_SOAP12, "Value");
            assert_non_null(sv);
            v = xmlNodeGetContent(sv);
            assert_string_equal((char *)v, rows[i].subcode);
            assert_string_equal(qname_ns(doc, sv, (char *)v), WSSEC_NS_WSSE);
            xmlFree(v);
        } else {
            assert_null(sub);
        }
        xmlNodePtr text = child(child(fault, WSSEC_NS_SOAP12, "Reason"), WSSEC_NS_SOAP12, "Text");
        assert_non_null(text);
        xmlChar *lang = xmlNodeGetLang(text);
        assert_string_equal((char *)lang, "en");
        xmlFree(lang);
        xmlFreeDoc(doc);
    }
}

static void test_fault_overridden_and_invalid(void **state)
{
    (void)state;
    /* a record's own fault wins over the code's default */
    wssec_errrec e;
    make_err(&e, WSSEC_EREPLAY, "wsse:FailedAuthentication");
    assert_string_equal(e.pub.fault, "wsse:FailedAuthentication");
    assert_string_equal(e.pub.fault_ns, WSSEC_NS_WSSE);
    char *text = NULL;
    xmlDocPtr doc = fault_doc(&e.pub, WSSEC_SOAP11, &text);
    h_assert_contains(text, ">wsse:FailedAuthentication<");
    h_assert_contains(text, "could not be authenticated");
    free(text);
    xmlFreeDoc(doc);

    unsigned char *out = (unsigned char *)"x";
    size_t len = 7;
    assert_int_equal(wssec_fault_serialize(&out, &len, &e.pub, 13), WSSEC_EINVALID);
    assert_null(out);
    assert_int_equal(len, 0);
    wssec_errrec ok;
    wssec__err_clear(&ok);
    assert_int_equal(wssec_fault_serialize(&out, &len, &ok.pub, WSSEC_SOAP11), WSSEC_EINVALID);
    assert_null(out);
}

static void test_error_record(void **state)
{
    (void)state;
    wssec_errrec e;
    wssec__err_clear(&e);
    assert_int_equal(e.pub.code, 0);
    assert_string_equal(e.pub.message, "");
    assert_string_equal(e.pub.fault, "");
    int rc = wssec__err_set(&e, WSSEC_EEXPIRED, NULL, "/a/b", "f.c", 7, "two\nlines\r%s", "x");
    assert_int_equal(rc, WSSEC_EEXPIRED);
    h_assert_error(&e.pub, WSSEC_EEXPIRED, "wsse:MessageExpired", "two lines x");
    assert_null(strchr(e.pub.message, '\n'));
    assert_string_equal(e.pub.fault_ns, WSSEC_NS_WSSE);
    assert_string_equal(e.pub.subject, "/a/b");
    assert_int_equal(e.pub.line, 7);
    wssec_errrec c;
    wssec__err_copy(&c, &e);
    assert_ptr_equal(c.pub.message, c.message);
    assert_string_equal(c.pub.message, e.pub.message);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table_covers_every_code),
        cmocka_unit_test(test_names_categories_descriptions),
        cmocka_unit_test(test_default_faults),
        cmocka_unit_test(test_unknown_codes),
        cmocka_unit_test(test_version),
        cmocka_unit_test(test_fault_soap11),
        cmocka_unit_test(test_fault_soap12),
        cmocka_unit_test(test_fault_overridden_and_invalid),
        cmocka_unit_test(test_error_record),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    xmlCleanupParser();
    return rc;
}
