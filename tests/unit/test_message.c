/*
 * The message (src/message.c): the wssec_msg_* API before and after
 * parsing, the Security header created on demand (SOAP 1.1 and 1.2, with an
 * actor), the first error of a step winning and naming its node, and IDs
 * (fresh wsu:Ids registered and unique, an element never given a second).
 * Faults are serialized in test_errors.c.
 */
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/valid.h>

#include "helpers.h"

static const char *plain11 =
    "<soap:Envelope xmlns:soap=\"" WSSEC_NS_SOAP11 "\"><soap:Body><m:Ping xmlns:m=\"urn:test\"/>"
    "</soap:Body></soap:Envelope>";
static const char *plain12 =
    "<env:Envelope xmlns:env=\"" WSSEC_NS_SOAP12 "\"><env:Header><h:Route xmlns:h=\"urn:r\"/>"
    "</env:Header><env:Body><m:Ping xmlns:m=\"urn:test\"/></env:Body></env:Envelope>";

static void test_accessors(void **state)
{
    (void)state;
    wssec_ctx *ctx = h_ctx(NULL);
    wssec_msg *msg = NULL;
    assert_int_equal(wssec_msg_new(&msg, ctx), 0);
    /* nothing parsed yet */
    assert_null(wssec_msg_doc(msg));
    assert_null(wssec_msg_body(msg));
    assert_null(wssec_msg_header(msg));
    assert_int_equal(wssec_msg_soap_version(msg), 0);
    assert_int_equal(wssec_msg_error(msg)->code, 0);
    assert_ptr_equal(wssec_msg_ctx(msg), ctx);
    assert_int_equal(wssec_msg_inspecting(msg), 0);
    assert_null(wssec_msg_security(msg, 1)); /* no envelope to put it in */
    assert_int_equal(wssec_msg_parse(msg, plain12, strlen(plain12)), 0);
    assert_int_equal(wssec_msg_soap_version(msg), WSSEC_SOAP12);
    xmlNodePtr root = xmlDocGetRootElement(wssec_msg_doc(msg));
    assert_string_equal((const char *)wssec_msg_body(msg)->name, "Body");
    assert_ptr_equal(wssec_msg_body(msg)->parent, root);
    assert_ptr_equal(wssec_msg_header(msg), root->children);
    assert_null(wssec_msg_security(msg, 0));
    wssec_msg_free(msg);
    wssec_msg_free(NULL); /* a no-op */
    wssec_ctx_free(ctx);
}

/* wssec_msg_security(msg, 1): a Header first in the Envelope when there is
 * none, our Security header first in it, mustUnderstand in the SOAP
 * version's form, the actor or role when configured; then always the same. */
static void test_security_created(void **state)
{
    (void)state;
    static const struct {
        const char *actor, *mu, *role_attr;
    } rows[] = {
        { NULL, "1", NULL },          /* SOAP 1.1 */
        { "urn:gateway", "1", "actor" },
        { NULL, "true", NULL },       /* SOAP 1.2 */
        { "urn:gateway", "true", "role" },
    };
    for (size_t i = 0; i < WSSEC_ARRAY_LEN(rows); i++) {
        int v12 = i >= 2;
        wssec_ctx *ctx = rows[i].actor ? h_ctx("actor", rows[i].actor, NULL) : h_ctx(NULL);
        wssec_msg *msg = h_parse(ctx, v12 ? plain12 : plain11);
        xmlNodePtr root = xmlDocGetRootElement(wssec_msg_doc(msg));
        xmlNodePtr sec = wssec_msg_security(msg, 1);
        assert_non_null(sec);
        assert_ptr_equal(wssec_msg_security(msg, 1), sec);
        assert_ptr_equal(wssec_msg_security(msg, 0), sec);
        xmlNodePtr header = wssec_msg_header(msg);
        assert_non_null(header);
        assert_ptr_equal(header, xmlFirstElementChild(root));
        assert_ptr_equal(sec->parent, header);
        assert_ptr_equal(sec, xmlFirstElementChild(header));
        assert_string_equal((const char *)sec->name, "Security");
        assert_string_equal((const char *)sec->ns->href, WSSEC_NS_WSSE);
        const char *soap_ns = v12 ? WSSEC_NS_SOAP12 : WSSEC_NS_SOAP11;
        xmlChar *mu = xmlGetNsProp(sec, BAD_CAST "mustUnderstand", BAD_CAST soap_ns);
        assert_string_equal((const char *)mu, rows[i].mu);
        xmlFree(mu);
        for (int a = 0; a < 2; a++) {
            const char *attr = a ? "role" : "actor";
            xmlChar *v = xmlGetNsProp(sec, BAD_CAST attr, BAD_CAST soap_ns);
            if (rows[i].role_attr && !strcmp(attr, rows[i].role_attr))
                assert_string_equal((const char *)v, rows[i].actor);
            else
                assert_null(v);
            xmlFree(v);
        }
        /* SOAP 1.2's Header was there: its block follows ours */
        if (v12) assert_string_equal((const char *)xmlNextElementSibling(sec)->name, "Route");
        wssec_msg_free(msg);
        wssec_ctx_free(ctx);
    }
}

/* wssec_msg_fail: the first error of a step wins; it names the node's path
 * and where it was raised. */
static void test_fail(void **state)
{
    (void)state;
    wssec_ctx *ctx = h_ctx(NULL);
    wssec_msg *msg = h_parse(ctx, plain11);
    xmlNodePtr ping = xmlFirstElementChild(wssec_msg_body(msg));
    int line = __LINE__ + 1;
    assert_int_equal(wssec_msg_fail(msg, WSSEC_ETOKEN, NULL, ping, "bad %s", "token"), WSSEC_ETOKEN);
    assert_int_equal(wssec_msg_fail(msg, WSSEC_EDIGEST, NULL, NULL, "second"), WSSEC_EDIGEST);
    const wssec_error *e = wssec_msg_error(msg);
    h_assert_error(e, WSSEC_ETOKEN, "wsse:InvalidSecurityToken", NULL);
    assert_string_equal(e->message, "bad token");
    assert_string_equal(e->subject, "/Envelope/Body/Ping");
    h_assert_contains(e->file, "test_message.c");
    assert_int_equal(e->line, line);
    /* an explicit fault overrides the code's */
    wssec_msg_free(msg);
    msg = h_parse(ctx, plain11);
    assert_int_equal(wssec_msg_fail(msg, WSSEC_EPOLICY, "wsse:FailedCheck", NULL, "x"),
                     WSSEC_EPOLICY);
    h_assert_error(wssec_msg_error(msg), WSSEC_EPOLICY, "wsse:FailedCheck", "x");
    assert_string_equal(wssec_msg_error(msg)->subject, "");
    wssec_msg_free(msg);
    wssec_ctx_free(ctx);
}

/* ---- IDs ---- */

static int is_hex16(const char *p)
{
    for (int i = 0; i < 16; i++)
        if (!((p[i] >= '0' && p[i] <= '9') || (p[i] >= 'A' && p[i] <= 'F'))) return 0;
    return p[16] == '\0';
}

static void test_ids(void **state)
{
    (void)state;
    wssec_ctx *ctx = h_ctx(NULL);
    /* the Body has a registered wsu:Id; the Ping an unregistered "Id" */
    char *xml = h_envelope(11, "%s", "");
    wssec_msg *msg = h_parse(ctx, xml);
    free(xml);
    xmlDocPtr doc = wssec_msg_doc(msg);
    xmlNodePtr body = wssec_msg_body(msg);
    assert_string_equal(wssec_msg_id_of(msg, body, NULL), "body");
    assert_string_equal(wssec_msg_id_of(msg, body, "other"), "body"); /* never a second one */

    xmlNodePtr ping = xmlFirstElementChild(body);
    xmlSetProp(ping, BAD_CAST "Id", BAD_CAST "not-registered");
    const char *id = wssec_msg_id_of(msg, ping, NULL);
    assert_non_null(id);
    assert_int_equal(strncmp(id, "id-", 3), 0);
    assert_true(is_hex16(id + 3));
    xmlAttrPtr reg = xmlGetID(doc, BAD_CAST id);
    assert_non_null(reg);
    assert_ptr_equal(reg->parent, ping);
    assert_string_equal((const char *)reg->ns->href, WSSEC_NS_WSU);
    assert_string_equal(wssec_msg_id_of(msg, ping, NULL), id); /* now it has one */

    /* fresh IDs by prefix are unique and registered */
    char seen[32][64];
    xmlNodePtr sec = wssec_msg_security(msg, 1);
    for (int i = 0; i < 32; i++) {
        xmlNodePtr e = wssec_msg_add_elem(msg, sec, WSSEC_NS_WSU, "wsu", "Timestamp", NULL);
        assert_non_null(e);
        const char *fresh = wssec_msg_id_of(msg, e, NULL);
        assert_int_equal(strncmp(fresh, "TS-", 3), 0);
        assert_true(is_hex16(fresh + 3));
        assert_ptr_equal(xmlGetID(doc, BAD_CAST fresh)->parent, e);
        for (int j = 0; j < i; j++) assert_string_not_equal(seen[j], fresh);
        snprintf(seen[i], sizeof(seen[i]), "%s", fresh);
    }
    xmlNodePtr bst = wssec_msg_add_elem(msg, sec, WSSEC_NS_WSSE, "wsse", "BinarySecurityToken", NULL);
    const char *named = wssec_msg_new_id(msg, bst, "X509");
    assert_non_null(named);
    assert_ptr_equal(xmlGetID(doc, BAD_CAST named)->parent, bst);
    assert_int_equal(strncmp(named, "X509-", 5), 0);
    assert_true(is_hex16(named + 5));
    wssec_msg_free(msg);
    wssec_ctx_free(ctx);
}

/* wssec_msg_add_elem: the prefix in scope is reused, else declared on the new
 * element; text is added as a child. */
static void test_add_elem(void **state)
{
    (void)state;
    wssec_ctx *ctx = h_ctx(NULL);
    wssec_msg *msg = h_parse(ctx, plain11);
    xmlNodePtr sec = wssec_msg_security(msg, 1);
    xmlNodePtr u = wssec_msg_add_elem(msg, sec, WSSEC_NS_WSSE, "other", "Username", "alice");
    assert_ptr_equal(u->parent, sec);
    assert_ptr_equal(u->ns, sec->ns); /* the wsse: in scope */
    assert_null(u->nsDef);
    xmlChar *text = xmlNodeGetContent(u);
    assert_string_equal((const char *)text, "alice");
    xmlFree(text);
    xmlNodePtr x = wssec_msg_add_elem(msg, sec, "urn:x", "x", "Thing", NULL);
    assert_non_null(x->nsDef);
    assert_string_equal((const char *)x->ns->prefix, "x");
    assert_string_equal((const char *)x->ns->href, "urn:x");
    assert_null(x->children);
    wssec_msg_free(msg);
    wssec_ctx_free(ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_accessors),
        cmocka_unit_test(test_security_created),
        cmocka_unit_test(test_fail),
        cmocka_unit_test(test_ids),
        cmocka_unit_test(test_add_elem),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    xmlCleanupParser();
    return rc;
}
