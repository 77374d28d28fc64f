/*
 * The pipeline: wssec_secure, wssec_inspect, wssec_verify's policy, and
 * serialization.
 */
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>

#include "helpers.h"

#define S11 WSSEC_NS_SOAP11
#define S12 WSSEC_NS_SOAP12

typedef struct fixture {
    wssec_ctx *ctx; /* default policy: timestamp and username-token */
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof(*f));
    if (!f) return -1;
    f->ctx = h_ctx("require", "timestamp,username-token", NULL);
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

static void test_secure_without_actions(void **state)
{
    fixture *f = *state;
    char *plain = h_envelope_header(11, NULL);
    wssec_msg *msg = h_parse(f->ctx, plain);
    assert_int_equal(wssec_secure(msg, NULL), WSSEC_ECONFIG);
    h_assert_error(wssec_msg_error(msg), WSSEC_ECONFIG, "", "no action");
    wssec_secure_options o = WSSEC_SECURE_OPTIONS_INIT;
    static const char *const none[] = { "timestamp" };
    o.actions = none;
    o.n_actions = 0;
    assert_int_equal(wssec_secure(msg, &o), WSSEC_ECONFIG);
    h_assert_error(wssec_msg_error(msg), WSSEC_ECONFIG, "", "no action");
    /* an unknown action in the options */
    static const char *const bogus[] = { "timestamp", "kerberos" };
    o.actions = bogus;
    o.n_actions = 2;
    assert_int_equal(wssec_secure(msg, &o), WSSEC_ECONFIG);
    h_assert_error(wssec_msg_error(msg), WSSEC_ECONFIG, "", "no module generates 'kerberos'");
    /* a wrong options version */
    o.version = 99;
    assert_int_equal(wssec_secure(msg, &o), WSSEC_EINVALID);
    wssec_msg_free(msg);
    /* an unparsed message */
    assert_int_equal(wssec_msg_new(&msg, f->ctx), 0);
    assert_int_equal(wssec_secure(msg, NULL), WSSEC_EINVALID);
    wssec_result *res = (wssec_result *)1;
    assert_int_equal(wssec_verify(&res, msg), WSSEC_EINVALID);
    assert_null(res);
    unsigned char *out = NULL;
    size_t len = 0;
    assert_int_equal(wssec_msg_serialize(&out, &len, msg), WSSEC_EINVALID);
    wssec_msg_free(msg);
    free(plain);
}

static void test_unknown_action_option(void **state)
{
    (void)state;
    wssec_ctx *ctx = NULL;
    char err[512];
    const char *pairs[] = { "actions", "timestamp,kerberos", NULL };
    assert_int_equal(h_ctx_try(&ctx, 0, pairs, err, sizeof(err)), WSSEC_ECONFIG);
    assert_null(ctx);
    h_assert_contains(err, "no module generates 'kerberos'");
    const char *ok[] = { "actions", "timestamp", NULL };
    assert_int_equal(h_ctx_try(&ctx, 0, ok, err, sizeof(err)), 0);
    wssec_ctx_free(ctx);
}

static xmlNodePtr first_child(xmlNodePtr n)
{
    return wssec_xml_first_elem(n);
}

static void check_created_header(int soap, const char *actor, const char *header_xml)
{
    wssec_ctx *ctx = actor ? h_ctx("actor", actor, "require", "timestamp,username-token", NULL)
                           : h_ctx("require", "timestamp,username-token", NULL);
    char *plain = header_xml ? h_envelope_header(soap, "%s", header_xml)
                             : h_envelope_header(soap, NULL);
    static const char *const actions[] = { "timestamp", "username-token" };
    char *secured = h_secure(ctx, plain, actions, 2, "alice");
    wssec_msg *msg = h_parse(ctx, secured);
    xmlNodePtr env = xmlDocGetRootElement(wssec_msg_doc(msg));
    const char *ns = soap == 12 ? S12 : S11;
    xmlNodePtr header = first_child(env);
    assert_true(wssec_xml_is(header, ns, "Header"));
    assert_ptr_equal(header, wssec_msg_header(msg));
    assert_true(wssec_xml_is(wssec_xml_next_elem(header), ns, "Body"));
    xmlNodePtr sec = first_child(header);
    assert_true(wssec_xml_is(sec, WSSEC_NS_WSSE, "Security"));
    assert_ptr_equal(sec, wssec_msg_security(msg, 0));
    xmlChar *mu = xmlGetNsProp(sec, BAD_CAST "mustUnderstand", BAD_CAST ns);
    assert_non_null(mu);
    assert_string_equal((char *)mu, soap == 12 ? "true" : "1");
    xmlFree(mu);
    xmlChar *a = xmlGetNsProp(sec, BAD_CAST(soap == 12 ? "role" : "actor"), BAD_CAST ns);
    if (actor) {
        assert_non_null(a);
        assert_string_equal((char *)a, actor);
    } else {
        assert_null(a);
    }
    xmlFree(a);
    /* the other version's attribute name is never used */
    assert_null(xmlGetNsProp(sec, BAD_CAST(soap == 12 ? "actor" : "role"), BAD_CAST ns));
    /* Timestamp, then UsernameToken, in action order */
    xmlNodePtr ts = first_child(sec);
    assert_true(wssec_xml_is(ts, WSSEC_NS_WSU, "Timestamp"));
    assert_true(wssec_xml_is(wssec_xml_next_elem(ts), WSSEC_NS_WSSE, "UsernameToken"));
    assert_null(wssec_xml_next_elem(wssec_xml_next_elem(ts)));
    /* an existing header block stays, after ours */
    if (header_xml) assert_non_null(wssec_xml_next_elem(sec));
    /* and the message verifies for the same actor */
    wssec_result *res = NULL;
    int rc = wssec_verify(&res, msg);
    if (rc) print_error("%s\n", wssec_result_error(res)->message);
    assert_int_equal(rc, 0);
    assert_string_equal(wssec_result_caller(res), "alice");
    wssec_result_free(res);
    wssec_msg_free(msg);
    free(secured);
    free(plain);
    wssec_ctx_free(ctx);
}

static void test_secure_creates_header(void **state)
{
    (void)state;
    check_created_header(11, NULL, NULL);
    check_created_header(12, NULL, NULL);
    check_created_header(11, "urn:gateway", NULL);
    check_created_header(12, "urn:gateway", NULL);
    check_created_header(11, NULL, "<h:Other xmlns:h=\"urn:h\"/>");
    check_created_header(12, "urn:gw", "<h:Other xmlns:h=\"urn:h\"/>");
}

static void test_secure_uses_existing_security(void **state)
{
    fixture *f = *state;
    char *plain = h_envelope(11, "<t:Mark xmlns:t=\"urn:t\"/>");
    static const char *const actions[] = { "timestamp" };
    char *secured = h_secure(f->ctx, plain, actions, 1, NULL);
    wssec_msg *msg = h_parse(f->ctx, secured);
    xmlNodePtr sec = wssec_msg_security(msg, 0);
    assert_non_null(sec);
    xmlNodePtr mark = first_child(sec);
    assert_true(wssec_xml_is(mark, "urn:t", "Mark"));
    assert_true(wssec_xml_is(wssec_xml_next_elem(mark), WSSEC_NS_WSU, "Timestamp"));
    /* only one Security header */
    assert_null(wssec_xml_next_elem(sec));
    wssec_msg_free(msg);
    free(secured);
    free(plain);
}

static void test_inspect_continues(void **state)
{
    fixture *f = *state;
    char *ut = h_ut_digest("alice", "wrong", "inspect-1", "2025-06-01T12:00:00Z");
    char *good = h_ut_digest("bob", "pw2", "inspect-2", "2025-06-01T12:00:00Z");
    char *xml = h_envelope(11,
                           "<wsu:Timestamp><wsu:Created>2025-06-01T11:00:00Z</wsu:Created>"
                           "</wsu:Timestamp>%s<x:Unknown xmlns:x=\"urn:x\"/>%s",
                           ut, good);
    h_run r;
    assert_int_equal(h_inspect(&r, f->ctx, xml), 0);
    assert_int_equal(wssec_result_token_count(r.res), 4);
    static const struct {
        const char *type;
        int status;
        const char *needle;
    } want[] = {
        { "timestamp", WSSEC_EEXPIRED, "older than max-age" },
        { "username-token", WSSEC_EAUTH, "wrong password" },
        { "unknown", WSSEC_EUNSUPPORTED, "{urn:x}Unknown" },
        { "username-token", 0, NULL },
    };
    for (size_t i = 0; i < 4; i++) {
        const wssec_token *t = wssec_result_token(r.res, i);
        assert_string_equal(wssec_token_type(t), want[i].type);
        assert_int_equal(wssec_token_status(t), want[i].status);
        assert_int_equal(wssec_token_error(t)->code, want[i].status);
        if (want[i].needle) h_assert_contains(wssec_token_error(t)->message, want[i].needle);
        else assert_string_equal(wssec_token_error(t)->message, "");
    }
    /* the result's error is the first token's */
    h_assert_error(wssec_result_error(r.res), WSSEC_EEXPIRED, "wsse:MessageExpired", "max-age");
    assert_string_equal(wssec_result_caller(r.res), "bob");
    assert_int_equal(wssec_msg_inspecting(r.msg), 0);
    h_run_free(&r);

    /* verify stops at the first failure */
    assert_int_equal(h_verify(&r, f->ctx, xml), WSSEC_EEXPIRED);
    assert_int_equal(wssec_result_token_count(r.res), 1);
    h_run_free(&r);
    free(xml);
    free(ut);
    free(good);
}

/* inspect writes nothing to the replay cache: a recording cache counts
 * every insert, for a UsernameToken nonce and for a signature (the two
 * things verify records), and verify is the control that does write. */
static void test_inspect_does_not_record(void **state)
{
    (void)state;
    h_recorder rec = { 0 };
    wssec_ctx *ctx = h_ctx_recorded(&rec, "require", "timestamp,username-token", NULL);
    char plain_ts[256];
    char c[32];
    snprintf(plain_ts, sizeof(plain_ts),
             "<wsu:Timestamp><wsu:Created>%s</wsu:Created></wsu:Timestamp>", h_time(c, H_NOW, 1));
    char *ut = h_ut_digest("alice", "alice-s3cret", "once-only", "2025-06-01T12:00:00Z");
    char *xml = h_envelope(12, "%s%s", plain_ts, ut);
    h_run r;
    for (int i = 0; i < 2; i++) {
        assert_int_equal(h_inspect(&r, ctx, xml), 0);
        assert_int_equal(wssec_token_status(wssec_result_token(r.res, 1)), 0);
        assert_int_equal(wssec_result_error(r.res)->code, 0);
        h_run_free(&r);
    }
    assert_int_equal(rec.inserts, 0);
    assert_int_equal(h_verify(&r, ctx, xml), 0);
    assert_string_equal(wssec_result_caller(r.res), "alice");
    h_run_free(&r);
    /* verify does record: one insert, the nonce */
    assert_int_equal(rec.inserts, 1);
    assert_int_equal(rec.n, 1);
    assert_int_equal(h_verify(&r, ctx, xml), WSSEC_EREPLAY);
    h_run_free(&r);
    assert_int_equal(rec.inserts, 2);
    assert_int_equal(rec.replays, 1);
    /* and inspect of the replayed message still writes nothing */
    assert_int_equal(h_inspect(&r, ctx, xml), 0);
    assert_int_equal(wssec_token_status(wssec_result_token(r.res, 1)), 0);
    h_run_free(&r);
    assert_int_equal(rec.inserts, 2);
    free(ut);
    free(xml);
    wssec_ctx_free(ctx);
    assert_int_equal(rec.destroyed, 1);

    /* a signed message: verify records the signature, inspect does not */
    static const char *const actions[] = { "timestamp", "signature" };
    wssec_ctx *sender = h_signer("alice", NULL);
    char *plain = h_envelope_header(11, NULL);
    char *signed_xml = h_secure(sender, plain, actions, 2, NULL);
    memset(&rec, 0, sizeof(rec));
    ctx = h_ctx_recorded(&rec, "trust", H_PKI "root.crt", "certs", H_PKI "inter.crt", NULL);
    assert_int_equal(h_inspect(&r, ctx, signed_xml), 0);
    assert_int_equal(wssec_result_error(r.res)->code, 0);
    h_run_free(&r);
    assert_int_equal(rec.inserts, 0);
    assert_int_equal(h_verify(&r, ctx, signed_xml), 0);
    h_run_free(&r);
    assert_int_equal(rec.inserts, 1);
    assert_int_equal(h_verify(&r, ctx, signed_xml), WSSEC_EREPLAY);
    h_run_free(&r);
    assert_int_equal(h_inspect(&r, ctx, signed_xml), 0);
    h_run_free(&r);
    assert_int_equal(rec.inserts, 2);
    wssec_ctx_free(ctx);
    wssec_ctx_free(sender);
    free(plain);
    free(signed_xml);
}

static void test_serialize(void **state)
{
    fixture *f = *state;
    static const struct {
        const char *in;
        int decl;
    } rows[] = {
        { "<soap:Envelope xmlns:soap=\"" S11 "\"><soap:Body>x</soap:Body></soap:Envelope>", 0 },
        { "<?xml version=\"1.0\"?><soap:Envelope xmlns:soap=\"" S11
          "\"><soap:Body>x</soap:Body></soap:Envelope>",
          1 },
        { "\xEF\xBB\xBF<?xml version=\"1.0\" encoding=\"UTF-8\"?><soap:Envelope xmlns:soap=\"" S12
          "\"><soap:Body>x</soap:Body></soap:Envelope>",
          1 },
        { "\n<soap:Envelope xmlns:soap=\"" S12 "\"><soap:Body>x</soap:Body></soap:Envelope>", 0 },
    };
    for (size_t i = 0; i < WSSEC_ARRAY_LEN(rows); i++) {
        wssec_msg *msg = h_parse(f->ctx, rows[i].in);
        unsigned char *out = NULL;
        size_t len = 0;
        assert_int_equal(wssec_msg_serialize(&out, &len, msg), 0);
        assert_int_equal(strlen((char *)out), len);
        if (rows[i].decl) assert_int_equal(strncmp((char *)out, "<?xml", 5), 0);
        else assert_int_equal(strncmp((char *)out, "<soap:Envelope", 14), 0);
        if (!rows[i].decl) assert_null(strstr((char *)out, "<?xml"));
        h_assert_contains((char *)out, "<soap:Body>x</soap:Body>");
        wssec_free(out);
        wssec_msg_free(msg);
    }
}

static void test_policy(void **state)
{
    fixture *f = *state;
    char c[32];
    char *ts = h_timestamp(H_NOW - 1000, H_NOW + 60000);
    char *only_ts = h_envelope(11, "%s", ts);
    h_run r;
    wssec_ctx *dflt = h_ctx(NULL); /* the default: a Timestamp and a signature */
    assert_int_equal(h_verify(&r, dflt, only_ts), WSSEC_EPOLICY);
    wssec_ctx_free(dflt);
    h_assert_error(h_run_err(&r), WSSEC_EPOLICY, "wsse:InvalidSecurity",
                   "requires a trusted X.509 signature");
    assert_int_equal(wssec_result_token_count(r.res), 1); /* the Timestamp was still recorded */
    assert_int_equal(wssec_token_status(wssec_result_token(r.res, 0)), 0);
    assert_null(wssec_result_caller(r.res));
    h_run_free(&r);

    wssec_ctx *ctx = h_ctx("require", "timestamp,username-token", NULL);
    assert_int_equal(h_verify(&r, ctx, only_ts), WSSEC_EPOLICY);
    h_assert_error(h_run_err(&r), WSSEC_EPOLICY, "wsse:InvalidSecurity",
                   "requires an authenticated UsernameToken");
    h_run_free(&r);

    /* a UsernameToken alone, when a Timestamp is required too */
    char *ut = h_ut_digest("alice", "alice-s3cret", "policy-1", h_time(c, H_NOW, 0));
    char *only_ut = h_envelope(11, "%s", ut);
    assert_int_equal(h_verify(&r, ctx, only_ut), WSSEC_EPOLICY);
    h_assert_error(h_run_err(&r), WSSEC_EPOLICY, "wsse:InvalidSecurity", "requires a Timestamp");
    h_run_free(&r);
    wssec_ctx_free(ctx);

    /* no Security header at all */
    char *none = h_envelope_header(12, NULL);
    assert_int_equal(h_verify(&r, f->ctx, none), WSSEC_EPOLICY);
    h_assert_error(h_run_err(&r), WSSEC_EPOLICY, "wsse:InvalidSecurity",
                   "no wsse:Security header targets this node");
    h_assert_contains(h_run_err(&r)->message, "no actor (ultimate receiver)");
    h_run_free(&r);
    ctx = h_ctx("require", "username-token", "actor", "urn:gw", NULL);
    assert_int_equal(h_verify(&r, ctx, none), WSSEC_EPOLICY);
    h_assert_error(h_run_err(&r), WSSEC_EPOLICY, "wsse:InvalidSecurity", "actor 'urn:gw'");
    assert_null(strstr(h_run_err(&r)->message, "a Timestamp"));
    h_run_free(&r);
    wssec_ctx_free(ctx);

    free(none);
    free(ut);
    free(only_ut);
    free(ts);
    free(only_ts);
}

/* ---- max-token-size: token text is refused before any module decodes it ---- */

static int blob_consume(wssec_msg *msg, xmlNodePtr elem, void *userdata)
{
    (void)userdata;
    return wssec_msg_add_token(msg, "blob", elem) ? 0 : WSSEC_ENOMEM;
}

static const wssec_module blob = {
    WSSEC_MODULE_VERSION, "blob", "urn:test", "Blob", NULL, blob_consume, NULL, NULL,
};

static char *repeat(char c, size_t n)
{
    char *s = malloc(n + 1);
    assert_non_null(s);
    memset(s, c, n);
    s[n] = '\0';
    return s;
}

static void test_token_size_limit(void **state)
{
    (void)state;
    wssec_config *cfg = NULL;
    assert_int_equal(wssec_config_new(&cfg), 0);
    assert_int_equal(wssec_config_set(cfg, "require", "none"), 0);
    assert_int_equal(wssec_config_set(cfg, "max-token-size", "64"), 0); /* 1108 characters */
    assert_int_equal(wssec_config_add_module(cfg, &blob), 0);
    wssec_ctx *ctx = NULL;
    assert_int_equal(wssec_ctx_new(&ctx, cfg), 0);
    wssec_config_free(cfg);
    char *small = repeat('A', 1000), *big = repeat('A', 1200), *half = repeat('A', 600);
    static const char *const seps[] = { "<!-- -->", "<![CDATA[]]>", "<![CDATA[A]]>" };
    struct {
        char *content;
        int code;
    } rows[2 + 3];
    rows[0].content = h_strf("<t:Blob xmlns:t=\"urn:test\">%s</t:Blob>", small);
    rows[0].code = 0;
    rows[1].content = h_strf("<t:Blob xmlns:t=\"urn:test\"><t:x>%s</t:x></t:Blob>", big);
    rows[1].code = WSSEC_ELIMIT;
    /* the same text split into pieces under the limit: what a module reads
     * (xmlNodeGetContent) is the whole, so it must be refused all the same */
    for (size_t i = 0; i < 3; i++) {
        rows[2 + i].content =
            h_strf("<t:Blob xmlns:t=\"urn:test\">%s%s%s</t:Blob>", half, seps[i], half);
        rows[2 + i].code = WSSEC_ELIMIT;
    }
    for (size_t i = 0; i < WSSEC_ARRAY_LEN(rows); i++) {
        char *xml = h_envelope(11, "%s", rows[i].content);
        h_run r;
        int rc = h_verify(&r, ctx, xml);
        wssec_errrec e; /* a copy, so everything can be freed before asserting */
        wssec__err_copy(&e, &r.res->err);
        h_run_free(&r);
        free(xml);
        int want = rows[i].code;
        free(rows[i].content);
        rows[i].content = NULL;
        if (i == WSSEC_ARRAY_LEN(rows) - 1 || rc != want) {
            for (size_t j = i + 1; j < WSSEC_ARRAY_LEN(rows); j++) free(rows[j].content);
            free(small);
            free(big);
            free(half);
            wssec_ctx_free(ctx);
        }
        if (rc != want) print_error("row %zu: %s\n", i, wssec_code_name(rc));
        assert_int_equal(rc, want);
        if (rc) h_assert_error(&e.pub, WSSEC_ELIMIT, "wsse:InvalidSecurityToken", "max-token-size 64");
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_secure_without_actions, setup, teardown),
        cmocka_unit_test(test_unknown_action_option),
        cmocka_unit_test(test_secure_creates_header),
        cmocka_unit_test_setup_teardown(test_secure_uses_existing_security, setup, teardown),
        cmocka_unit_test_setup_teardown(test_inspect_continues, setup, teardown),
        cmocka_unit_test(test_inspect_does_not_record),
        cmocka_unit_test_setup_teardown(test_serialize, setup, teardown),
        cmocka_unit_test_setup_teardown(test_policy, setup, teardown),
        cmocka_unit_test(test_token_size_limit),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    xmlCleanupParser();
    return rc;
}
