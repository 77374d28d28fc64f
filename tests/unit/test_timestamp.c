/*
 * The Timestamp module: consumer (through wssec_verify, require=timestamp)
 * and generator (through wssec_secure).
 */
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>

#include "helpers.h"

typedef struct fixture {
    wssec_ctx *ctx; /* require timestamp, clock-skew 60, max-age 300 (defaults) */
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof(*f));
    if (!f) return -1;
    f->ctx = h_ctx("require", "timestamp", NULL);
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

#define CREATED(t) "<wsu:Created>" t "</wsu:Created>"
#define EXPIRES(t) "<wsu:Expires>" t "</wsu:Expires>"
#define TS(inner) "<wsu:Timestamp>" inner "</wsu:Timestamp>"

typedef struct row {
    const char *name;
    const char *security; /* Security header content */
    int code;
    const char *fault;
    const char *needle;
} row;

static const row rows[] = {
    { "valid", TS(CREATED("2025-06-01T11:59:00Z") EXPIRES("2025-06-01T12:04:00Z")), 0, NULL, NULL },
    { "valid with millis", TS(CREATED("2025-06-01T11:59:00.250Z") EXPIRES("2025-06-01T12:04:00.5Z")),
      0, NULL, NULL },
    { "valid without Expires", TS(CREATED("2025-06-01T11:58:00Z")), 0, NULL, NULL },
    { "valid with comments and spaces",
      TS("<!-- c -->\n " CREATED(" 2025-06-01T11:58:00Z ") "\n"), 0, NULL, NULL },
    { "expired", TS(CREATED("2025-06-01T11:50:00Z") EXPIRES("2025-06-01T11:55:00Z")),
      WSSEC_EEXPIRED, "wsse:MessageExpired", "expired at 2025-06-01T11:55:00Z" },
    { "expired just beyond skew", TS(CREATED("2025-06-01T11:50:00Z") EXPIRES("2025-06-01T11:58:59.999Z")),
      WSSEC_EEXPIRED, "wsse:MessageExpired", "expired" },
    { "expired within skew", TS(CREATED("2025-06-01T11:56:00Z") EXPIRES("2025-06-01T11:59:00Z")), 0,
      NULL, NULL },
    { "future beyond skew", TS(CREATED("2025-06-01T12:01:00.001Z") EXPIRES("2025-06-01T12:06:00Z")),
      WSSEC_EEXPIRED, "wsse:MessageExpired", "in the future" },
    { "future within skew", TS(CREATED("2025-06-01T12:01:00Z") EXPIRES("2025-06-01T12:06:00Z")), 0,
      NULL, NULL },
    { "Expires before Created",
      TS(CREATED("2025-06-01T11:59:00Z") EXPIRES("2025-06-01T11:58:00Z")), WSSEC_EMALFORMED,
      "wsse:InvalidSecurity", "is not after Created" },
    { "Expires equal to Created",
      TS(CREATED("2025-06-01T11:59:00Z") EXPIRES("2025-06-01T11:59:00Z")), WSSEC_EMALFORMED,
      "wsse:InvalidSecurity", "is not after Created" },
    { "two Timestamps",
      TS(CREATED("2025-06-01T11:59:00Z")) TS(CREATED("2025-06-01T11:59:00Z")), WSSEC_EMALFORMED,
      "wsse:InvalidSecurity", "more than one Timestamp" },
    { "missing Created", TS(EXPIRES("2025-06-01T12:04:00Z")), WSSEC_EMALFORMED,
      "wsse:InvalidSecurity", "out of place" },
    { "empty Timestamp", TS(""), WSSEC_EMALFORMED, "wsse:InvalidSecurity", "without Created" },
    { "two Created", TS(CREATED("2025-06-01T11:59:00Z") CREATED("2025-06-01T11:59:00Z")),
      WSSEC_EMALFORMED, "wsse:InvalidSecurity", "out of place" },
    { "two Expires",
      TS(CREATED("2025-06-01T11:59:00Z") EXPIRES("2025-06-01T12:04:00Z") EXPIRES("2025-06-01T12:04:00Z")),
      WSSEC_EMALFORMED, "wsse:InvalidSecurity", "out of place" },
    { "Expires before Created in document order",
      TS(EXPIRES("2025-06-01T12:04:00Z") CREATED("2025-06-01T11:59:00Z")), WSSEC_EMALFORMED,
      "wsse:InvalidSecurity", "out of place" },
    { "unknown child", TS(CREATED("2025-06-01T11:59:00Z") "<x:Extra xmlns:x=\"urn:x\"/>"),
      WSSEC_EMALFORMED, "wsse:InvalidSecurity", "{urn:x}Extra" },
    { "Created in wrong namespace", TS("<wsse:Created>2025-06-01T11:59:00Z</wsse:Created>"),
      WSSEC_EMALFORMED, "wsse:InvalidSecurity", "out of place" },
    { "text child", TS(CREATED("2025-06-01T11:59:00Z") "<![CDATA[x]]>"), WSSEC_EMALFORMED,
      "wsse:InvalidSecurity", "out of place" },
    { "malformed Created", TS(CREATED("yesterday")), WSSEC_EMALFORMED, "wsse:InvalidSecurity",
      "'yesterday' is not a UTC time" },
    { "Created with offset", TS(CREATED("2025-06-01T13:59:00+01:00")), WSSEC_EMALFORMED,
      "wsse:InvalidSecurity", "not a UTC time" },
    { "malformed Expires", TS(CREATED("2025-06-01T11:59:00Z") EXPIRES("2025-06-01T12:04:00.1234Z")),
      WSSEC_EMALFORMED, "wsse:InvalidSecurity", "Expires" },
    { "older than max-age without Expires", TS(CREATED("2025-06-01T11:53:59Z")), WSSEC_EEXPIRED,
      "wsse:MessageExpired", "older than max-age 300 s" },
    { "max-age plus skew exactly", TS(CREATED("2025-06-01T11:54:00Z")), 0, NULL, NULL },
    { "older than max-age with a far Expires",
      TS(CREATED("2025-06-01T11:00:00Z") EXPIRES("2025-06-02T00:00:00Z")), WSSEC_EEXPIRED,
      "wsse:MessageExpired", "older than max-age" },
};

static void test_consumer_table(void **state)
{
    fixture *f = *state;
    for (size_t i = 0; i < WSSEC_ARRAY_LEN(rows); i++) {
        char *xml = h_envelope(i % 2 ? 12 : 11, "%s", rows[i].security);
        h_run r;
        int rc = h_verify(&r, f->ctx, xml);
        if (rc != rows[i].code)
            print_error("row '%s': %s '%s'\n", rows[i].name, wssec_code_name(rc),
                        h_run_err(&r)->message);
        assert_int_equal(r.parse_rc, 0);
        assert_int_equal(rc, rows[i].code);
        h_assert_error(wssec_result_error(r.res), rows[i].code, rows[i].fault, rows[i].needle);
        if (rc) {
            /* the failing token is recorded with the same status */
            size_t n = wssec_result_token_count(r.res);
            assert_true(n >= 1);
            const wssec_token *t = wssec_result_token(r.res, n - 1);
            assert_int_equal(wssec_token_status(t), rc);
            assert_string_equal(wssec_token_error(t)->message, wssec_result_error(r.res)->message);
            /* the subject is the element path (a text node has none) */
            if (strcmp(rows[i].name, "text child") != 0)
                h_assert_contains(wssec_result_error(r.res)->subject, "/Envelope/Header/Security/");
        }
        h_run_free(&r);
        free(xml);
    }
}

static void test_token_properties(void **state)
{
    fixture *f = *state;
    char *xml = h_envelope(11, "%s",
                           "<wsu:Timestamp wsu:Id=\"TS-9\">" CREATED("2025-06-01T11:59:00.120Z")
                               EXPIRES("2025-06-01T12:04:00Z") "</wsu:Timestamp>");
    h_run r;
    assert_int_equal(h_verify(&r, f->ctx, xml), 0);
    assert_int_equal(wssec_result_token_count(r.res), 1);
    const wssec_token *t = wssec_result_token(r.res, 0);
    assert_string_equal(wssec_token_type(t), "timestamp");
    assert_int_equal(wssec_token_status(t), 0);
    assert_int_equal(wssec_token_error(t)->code, 0);
    assert_null(wssec_token_identity(t));
    assert_string_equal(wssec_token_get(t, "created"), "2025-06-01T11:59:00.120Z");
    assert_string_equal(wssec_token_get(t, "expires"), "2025-06-01T12:04:00Z");
    assert_null(wssec_token_get(t, "nonce"));
    assert_int_equal(wssec_token_prop_count(t), 2);
    const char *name = NULL, *value = NULL;
    assert_int_equal(wssec_token_prop(&name, &value, t, 0), 0);
    assert_string_equal(name, "created");
    assert_int_equal(wssec_token_prop(&name, &value, t, 2), WSSEC_EINVALID);
    assert_string_equal((const char *)wssec_token_node(t)->name, "Timestamp");
    assert_null(wssec_result_token(r.res, 1));
    assert_null(wssec_result_caller(r.res));
    h_run_free(&r);
    free(xml);
}

static void test_configured_windows(void **state)
{
    (void)state;
    wssec_ctx *ctx = h_ctx("require", "timestamp", "clock-skew", "0", "max-age", "10", NULL);
    char *fresh = h_envelope(11, TS(CREATED("2025-06-01T11:59:50Z")));
    char *stale = h_envelope(11, TS(CREATED("2025-06-01T11:59:49.999Z")));
    char *future = h_envelope(11, TS(CREATED("2025-06-01T12:00:00.001Z")));
    h_run r;
    assert_int_equal(h_verify(&r, ctx, fresh), 0);
    h_run_free(&r);
    assert_int_equal(h_verify(&r, ctx, stale), WSSEC_EEXPIRED);
    h_assert_error(h_run_err(&r), WSSEC_EEXPIRED, "wsse:MessageExpired", "max-age 10 s");
    h_run_free(&r);
    assert_int_equal(h_verify(&r, ctx, future), WSSEC_EEXPIRED);
    h_assert_error(h_run_err(&r), WSSEC_EEXPIRED, "wsse:MessageExpired", "clock-skew 0 s");
    h_run_free(&r);
    free(fresh);
    free(stale);
    free(future);
    wssec_ctx_free(ctx);
}

static void test_policy_without_timestamp(void **state)
{
    fixture *f = *state;
    char *xml = h_envelope(11, "%s", "");
    h_run r;
    assert_int_equal(h_verify(&r, f->ctx, xml), WSSEC_EPOLICY);
    h_assert_error(h_run_err(&r), WSSEC_EPOLICY, "wsse:InvalidSecurity", "requires a Timestamp");
    h_run_free(&r);
    free(xml);
}

/* ---- generator ---- */

static xmlNodePtr find_ts(wssec_msg *msg)
{
    xmlNodePtr sec = wssec_msg_security(msg, 0);
    assert_non_null(sec);
    for (xmlNodePtr e = wssec_xml_first_elem(sec); e; e = wssec_xml_next_elem(e))
        if (wssec_xml_is(e, WSSEC_NS_WSU, "Timestamp")) return e;
    fail_msg("no Timestamp");
    return NULL;
}

static char *child_text(xmlNodePtr ts, const char *local)
{
    for (xmlNodePtr c = wssec_xml_first_elem(ts); c; c = wssec_xml_next_elem(c))
        if (wssec_xml_is(c, WSSEC_NS_WSU, local)) return wssec_xml_text(c);
    return NULL;
}

static void generate_and_check(const char *ttl, const char *millis, const char *created,
                               const char *expires)
{
    wssec_ctx *ctx = h_ctx("require", "timestamp", "timestamp-ttl", ttl, "timestamp-millis",
                           millis, NULL);
    char *plain = h_envelope_header(11, NULL);
    static const char *const actions[] = { "timestamp" };
    char *secured = h_secure(ctx, plain, actions, 1, NULL);
    wssec_msg *msg = h_parse(ctx, secured);
    xmlNodePtr ts = find_ts(msg);
    xmlChar *id = xmlGetNsProp(ts, BAD_CAST "Id", BAD_CAST WSSEC_NS_WSU);
    assert_non_null(id);
    assert_int_equal(strncmp((char *)id, "TS-", 3), 0);
    xmlFree(id);
    char *c = child_text(ts, "Created"), *x = child_text(ts, "Expires");
    assert_string_equal(c, created);
    if (expires) assert_string_equal(x, expires);
    else assert_null(x);
    xmlFree(c);
    xmlFree(x);
    /* the generated message verifies on the same clock */
    wssec_result *res = NULL;
    int rc = wssec_verify(&res, msg);
    if (rc) print_error("%s\n", wssec_result_error(res)->message);
    assert_int_equal(rc, 0);
    assert_int_equal(wssec_result_token_count(res), 1);
    assert_string_equal(wssec_token_get(wssec_result_token(res, 0), "created"), created);
    wssec_result_free(res);
    wssec_msg_free(msg);
    free(secured);
    free(plain);
    wssec_ctx_free(ctx);
}

static void test_generate(void **state)
{
    (void)state;
    generate_and_check("300", "true", "2025-06-01T12:00:00.000Z", "2025-06-01T12:05:00.000Z");
    generate_and_check("60", "false", "2025-06-01T12:00:00Z", "2025-06-01T12:01:00Z");
    generate_and_check("0", "true", "2025-06-01T12:00:00.000Z", NULL);
}

static void test_generate_twice(void **state)
{
    fixture *f = *state;
    char *plain = h_envelope_header(12, NULL);
    wssec_msg *msg = h_parse(f->ctx, plain);
    static const char *const actions[] = { "timestamp", "timestamp" };
    wssec_secure_options o = WSSEC_SECURE_OPTIONS_INIT;
    o.actions = actions;
    o.n_actions = 2;
    assert_int_equal(wssec_secure(msg, &o), WSSEC_ECONFIG);
    h_assert_error(wssec_msg_error(msg), WSSEC_ECONFIG, "", "already has a Timestamp");
    wssec_msg_free(msg);

    /* a message that already carries a Timestamp in our header */
    char *stamped = h_envelope(11, TS(CREATED("2025-06-01T11:59:00Z")));
    msg = h_parse(f->ctx, stamped);
    o.n_actions = 1;
    assert_int_equal(wssec_secure(msg, &o), WSSEC_ECONFIG);
    h_assert_error(wssec_msg_error(msg), WSSEC_ECONFIG, "", "already has a Timestamp");
    wssec_msg_free(msg);
    free(stamped);
    free(plain);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_consumer_table, setup, teardown),
        cmocka_unit_test_setup_teardown(test_token_properties, setup, teardown),
        cmocka_unit_test(test_configured_windows),
        cmocka_unit_test_setup_teardown(test_policy_without_timestamp, setup, teardown),
        cmocka_unit_test(test_generate),
        cmocka_unit_test_setup_teardown(test_generate_twice, setup, teardown),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    xmlCleanupParser();
    return rc;
}
