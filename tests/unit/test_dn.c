/*
 * Distinguished names: RFC 4514 normalisation (wssec_dn_normalize(), the
 * canonical forms of x509.c) as the trusted-upstream list, --subject and
 * --issuer compare them: spacing, the case of attribute types and values,
 * escaped characters, multi-valued RDNs, RDN order, and the DN injection
 * certificate of the test PKI.
 */
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <openssl/pem.h>

#include "helpers.h"

#define PKI WSSEC_SOURCE_DIR "/samples/pki/"

static char *norm(const char *dn)
{
    char *out = NULL;
    int rc = wssec_dn_normalize(&out, dn);
    if (rc) print_error("'%s' does not normalise: %s\n", dn, wssec_code_name(rc));
    assert_int_equal(rc, 0);
    assert_non_null(out);
    return out;
}

static void assert_norm(const char *dn, const char *want)
{
    char *got = norm(dn);
    if (strcmp(got, want) != 0) print_error("'%s' -> '%s', expected '%s'\n", dn, got, want);
    assert_string_equal(got, want);
    wssec_free(got);
}

static void assert_same(const char *a, const char *b, int same)
{
    char *x = norm(a), *y = norm(b);
    if ((strcmp(x, y) == 0) != same)
        print_error("'%s' (%s) and '%s' (%s) should %sbe equal\n", a, x, b, y, same ? "" : "not ");
    assert_int_equal(strcmp(x, y) == 0, same);
    wssec_free(x);
    wssec_free(y);
}

static X509 *load(const char *name)
{
    char path[512];
    snprintf(path, sizeof(path), PKI "%s.crt", name);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    X509 *x = PEM_read_X509(f, NULL, NULL, NULL);
    fclose(f);
    assert_non_null(x);
    return x;
}

static void test_spacing(void **state)
{
    (void)state;
    assert_norm("CN=alice,O=Acme", "cn=alice,o=acme");
    assert_same("CN=alice,O=Acme", "CN = alice , O = Acme", 1);
    assert_same("CN=alice,O=Acme", "  CN=alice,   O=Acme  ", 1);
    assert_same("CN=Alice Smith", "CN=Alice    Smith", 1);       /* runs folded to one */
    assert_same("CN=Alice Smith", "CN=  Alice\tSmith  ", 1);     /* any white space */
    assert_same("CN=Alice Smith", "CN=AliceSmith", 0);           /* but not removed */
    assert_same("CN=alice", "CN=alice\\ ", 1);                   /* an escaped trailing space too */
    assert_same("O=wssec test", "O=wssec  test", 1);
}

static void test_attribute_types(void **state)
{
    (void)state;
    assert_norm("commonName=a,organizationName=b,C=US", "cn=a,o=b,c=us");
    assert_same("CN=a", "cn=a", 1);
    assert_same("CN=a", "commonname=a", 1);
    assert_same("CN=a", "2.5.4.3=a", 1);         /* the OID */
    assert_same("CN=a", "OID.2.5.4.3=a", 1);     /* RFC 1779's OID. prefix */
    assert_same("OU=x", "organizationalUnitName=x", 1);
    assert_same("E=a@b", "emailAddress=a@b", 1); /* aliases */
    assert_same("UID=a", "userId=a", 1);
    assert_same("CN=a", "OU=a", 0);              /* the type counts */
    /* values: ASCII letters fold, other letters do not */
    assert_same("CN=ALICE", "CN=alice", 1);
    assert_same("CN=\xc3\x84rger", "CN=\xc3\xa4rger", 0);
}

static void test_escapes(void **state)
{
    (void)state;
    assert_same("CN=a\\,b", "CN=a\\2Cb", 1);     /* \, and \2C are one comma */
    assert_same("CN=a\\,b", "CN=a\\2cb", 1);
    assert_same("CN=\\41lice", "CN=alice", 1);   /* hex pairs */
    assert_same("CN=\"a,b\"", "CN=a\\,b", 1);    /* RFC 1779 quoting */
    assert_norm("CN=a\\+b\\;c\\=d", "cn=a\\+b\\;c\\=d");
    /* one RDN holding a comma is never two RDNs */
    assert_same("CN=alice\\,OU=Clients", "CN=alice,OU=Clients", 0);
    assert_same("CN=a\\+OU=b", "CN=a+OU=b", 0);
    /* ';' separates RDNs as ',' does (RFC 1779) */
    assert_same("CN=a;O=b", "CN=a,O=b", 1);
}

static void test_multi_valued(void **state)
{
    (void)state;
    assert_norm("UID=a1+CN=alice,O=Acme", "cn=alice+uid=a1,o=acme");
    assert_same("CN=alice+UID=a1,O=Acme", "UID=a1+CN=alice,O=Acme", 1); /* AVAs sorted */
    assert_same("CN=alice + UID=a1,O=Acme", "UID=a1+CN=alice,O=Acme", 1);
    assert_same("CN=alice+UID=a1,O=Acme", "CN=alice,UID=a1,O=Acme", 0); /* not two RDNs */
    assert_same("CN=alice+UID=a1,O=Acme", "CN=alice,O=Acme", 0);

    /* a certificate name with a multi-valued RDN equals its text */
    X509_NAME *n = X509_NAME_new();
    assert_non_null(n);
    assert_true(X509_NAME_add_entry_by_txt(n, "C", MBSTRING_ASC, (const unsigned char *)"US", -1,
                                           -1, 0));
    assert_true(X509_NAME_add_entry_by_txt(n, "O", MBSTRING_ASC,
                                           (const unsigned char *)"wssec test", -1, -1, 0));
    assert_true(X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const unsigned char *)"alice",
                                           -1, -1, 0));
    assert_true(X509_NAME_add_entry_by_txt(n, "UID", MBSTRING_ASC, (const unsigned char *)"a1", -1,
                                           -1, -1)); /* into the CN's RDN */
    assert_int_equal(wssec__dn_equal_text(n, "UID=a1+CN=alice,O=wssec test,C=US", false), 1);
    assert_int_equal(wssec__dn_equal_text(n, "CN=alice,UID=a1,O=wssec test,C=US", false), 0);
    char *c = NULL;
    assert_int_equal(wssec__dn_canon_name(n, &c), 0);
    assert_string_equal(c, "cn=alice+uid=a1,o=wssec test,c=us");
    free(c);
    X509_NAME_free(n);
}

static void test_order_and_certificates(void **state)
{
    (void)state;
    X509 *alice = load("alice"), *inject = load("dninject");
    const X509_NAME *an = X509_get_subject_name(alice), *in = X509_get_subject_name(inject);
    /* RFC 4514 order (most specific first); the reverse only when allowed */
    assert_int_equal(wssec__dn_equal_text(an, "CN=alice,OU=Clients,O=wssec test,C=US", false), 1);
    assert_int_equal(wssec__dn_equal_text(an, "cn=ALICE, ou=clients, o=WSSEC TEST, c=us", false), 1);
    assert_int_equal(wssec__dn_equal_text(an, "C=US,O=wssec test,OU=Clients,CN=alice", false), 0);
    assert_int_equal(wssec__dn_equal_text(an, "C=US,O=wssec test,OU=Clients,CN=alice", true), 1);
    /* the text wssec reports for a name normalises to the name's own form */
    char text[600], *from_text = NULL, *from_name = NULL;
    wssec__dn_text(in, text, sizeof(text));
    assert_int_equal(wssec_dn_normalize(&from_text, text), 0);
    assert_int_equal(wssec__dn_canon_name(in, &from_name), 0);
    assert_string_equal(from_text, from_name);
    /* DN injection: a CN holding "alice,OU=Clients,O=wssec test,C=US" is not alice */
    assert_int_equal(wssec__dn_equal_text(in, "CN=alice,OU=Clients,O=wssec test,C=US", true), 0);
    assert_int_equal(wssec__dn_equal_text(in, text, false), 1);
    wssec_free(from_text);
    free(from_name);
    X509_free(alice);
    X509_free(inject);
}

static void test_invalid(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "",           "   ",        "alice",        "CN=alice,",    "=alice",
        "CN",         "CN=a,O",     "NOSUCHTYPE=x", "CN=a\\",       "CN=\"unterminated",
        "CN=a,,O=b",  "CN=a++O=b",
    };
    for (size_t i = 0; i < WSSEC_ARRAY_LEN(bad); i++) {
        char *out = (char *)1;
        int rc = wssec_dn_normalize(&out, bad[i]);
        if (rc != WSSEC_EINVALID) print_error("'%s' normalised\n", bad[i]);
        assert_int_equal(rc, WSSEC_EINVALID);
        assert_null(out);
    }
}

/* NUL and control characters: a name holding them is no name a decision
 * can use (the null-prefix attack: "gateway\0.attacker.example" must never
 * compare equal to "gateway"). */
static void test_nul_and_controls(void **state)
{
    (void)state;
    static const struct {
        const char *cn;
        size_t len;
    } rows[] = {
        { "gateway\0.attacker.example", 26 },
        { "gateway\0", 8 },
        { "gate\x01way", 8 },
        { "gateway\x7f", 8 },
        { "gateway\n", 8 },
    };
    for (size_t i = 0; i < WSSEC_ARRAY_LEN(rows); i++) {
        X509_NAME *n = X509_NAME_new();
        assert_non_null(n);
        assert_true(X509_NAME_add_entry_by_txt(n, "C", MBSTRING_ASC, (const unsigned char *)"US", -1, -1, 0));
        assert_true(X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const unsigned char *)rows[i].cn,
                                               (int)rows[i].len, -1, 0));
        char *c = (char *)1;
        assert_int_equal(wssec__dn_canon_name(n, &c), WSSEC_EINVALID);
        assert_null(c);
        assert_int_equal(wssec__dn_equal_text(n, "CN=gateway,C=US", true), 0);
        X509_NAME_free(n);
    }
    /* the same in text: an escaped NUL or control character is refused */
    static const char *const bad[] = { "CN=gateway\\00.attacker.example,C=US", "CN=gateway\\00",
                                       "CN=gate\\01way", "CN=\"gateway\x01\"" };
    for (size_t i = 0; i < WSSEC_ARRAY_LEN(bad); i++) {
        char *out = (char *)1;
        int rc = wssec_dn_normalize(&out, bad[i]);
        if (rc != WSSEC_EINVALID) print_error("'%s' normalised to '%s'\n", bad[i], rc ? "" : out);
        assert_int_equal(rc, WSSEC_EINVALID);
        assert_null(out);
    }
    /* white space in text is still white space */
    assert_same("CN=a b", "CN=a\tb", 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_spacing),
        cmocka_unit_test(test_attribute_types),
        cmocka_unit_test(test_escapes),
        cmocka_unit_test(test_multi_valued),
        cmocka_unit_test(test_order_and_certificates),
        cmocka_unit_test(test_invalid),
        cmocka_unit_test(test_nul_and_controls),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    xmlCleanupParser();
    return rc;
}
