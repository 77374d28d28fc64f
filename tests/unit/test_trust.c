/*
 * X.509 trust: CRLs (configured and carried in a PKCS7 token, all/leaf/off,
 * expired), chains in both orders, subject and issuer constraints, anchor
 * directories, the certificate cache (same verdicts on and off, hits
 * recorded), trust reload, the chain shown by inspect; anchors that are
 * not roots (partial chains), pins, and the words of a refusal.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libxml/parser.h>
#include <openssl/pem.h>
#include <openssl/pkcs7.h>

#include "helpers.h"
#include "pkigen.h"

#define PKI WSSEC_SOURCE_DIR "/samples/pki/"

static wssec_ctx *ctx_of(const char *const *pairs)
{
    return h_ctx_pairs(pairs);
}

/* A message signed by a PKI leaf (X509v3 token, or pkipath/pkcs7 with the chain). */
static char *signed_by(const char *who, const char *bst_type)
{
    wssec_ctx *ctx = h_signer(who, "bst-type", bst_type ? bst_type : "x509v3", "sign-chain",
                              PKI "chain.pem", NULL);
    char *out = h_sign_envelope(ctx);
    wssec_ctx_free(ctx);
    return out;
}

static int verify_rc(const wssec_ctx *ctx, const char *xml, char *why, size_t size)
{
    h_run r;
    int rc = h_verify(&r, ctx, xml);
    snprintf(why, size, "%s", rc ? h_run_err(&r)->message : "");
    if (rc) assert_string_equal(h_run_err(&r)->fault, wssec_code_fault(rc));
    h_run_free(&r);
    return rc;
}

static void expect(const wssec_ctx *ctx, const char *xml, int code, const char *needle)
{
    char why[600];
    int rc = verify_rc(ctx, xml, why, sizeof(why));
    if (rc != code || (needle && !strstr(why, needle)))
        print_error("got %s '%s', want %s '%s'\n", wssec_code_name(rc), why, wssec_code_name(code),
                    needle ? needle : "");
    assert_int_equal(rc, code);
    if (needle) h_assert_contains(why, needle);
}

static void test_crls(void **state)
{
    (void)state;
    char *revoked = signed_by("revoked", NULL), *alice = signed_by("alice", NULL);
    const char *all[] = { "trust", PKI "root.crt", "certs", PKI "inter.crt", "crl", PKI "inter.crl",
                          "crl", PKI "root.crl", "replay-signatures", "false", NULL };
    wssec_ctx *ctx = ctx_of(all);
    expect(ctx, revoked, WSSEC_EUNTRUSTED,
           "signer 'CN=revoked,OU=Clients,O=wssec test,C=US' (issuer 'CN=wssec Test Issuing CA,O=wssec "
           "test,C=US', serial 8199");
    expect(ctx, revoked, WSSEC_EUNTRUSTED, "revoked on 2024-06-01T00:00:00Z (reason keyCompromise)");
    expect(ctx, alice, 0, NULL);
    wssec_ctx_free(ctx);

    /* DER CRLs work the same */
    const char *der[] = { "trust", PKI "root.crt", "certs", PKI "inter.crt", "crl", PKI "inter.crl.der",
                          "crl", PKI "root.crl.der", NULL };
    ctx = ctx_of(der);
    expect(ctx, revoked, WSSEC_EUNTRUSTED, "revoked on 2024-06-01");
    wssec_ctx_free(ctx);

    /* all: every CA needs a CRL */
    const char *no_root[] = { "trust", PKI "root.crt", "certs", PKI "inter.crt", "crl", PKI "inter.crl",
                              "replay-signatures", "false", NULL };
    ctx = ctx_of(no_root);
    expect(ctx, alice, WSSEC_EUNTRUSTED,
           "cannot be checked for revocation: no CRL from 'CN=wssec Test Root CA,O=wssec test,C=US'");
    wssec_ctx_free(ctx);
    /* leaf: only the signer's issuer */
    const char *leaf[] = { "trust", PKI "root.crt", "certs", PKI "inter.crt", "crl", PKI "inter.crl",
                           "crl-check", "leaf", "replay-signatures", "false", NULL };
    ctx = ctx_of(leaf);
    expect(ctx, alice, 0, NULL);
    expect(ctx, revoked, WSSEC_EUNTRUSTED, "revoked on 2024-06-01");
    wssec_ctx_free(ctx);
    /* off */
    const char *off[] = { "trust", PKI "root.crt", "certs", PKI "inter.crt", "crl", PKI "inter.crl",
                          "crl-check", "off", NULL };
    ctx = ctx_of(off);
    expect(ctx, revoked, 0, NULL);
    wssec_ctx_free(ctx);
    /* an expired CRL fails closed */
    const char *stale[] = { "trust", PKI "root.crt", "certs", PKI "inter.crt", "crl",
                            PKI "inter-expired.crl", "crl", PKI "root.crl", NULL };
    ctx = ctx_of(stale);
    expect(ctx, alice, WSSEC_EUNTRUSTED,
           "the CRL of 'CN=wssec Test Issuing CA,O=wssec test,C=US' expired on 2024-12-31");
    wssec_ctx_free(ctx);
    free(revoked);
    free(alice);
}

/* A PKCS7 token can carry the CRL with the chain. */
static void test_crl_in_token(void **state)
{
    (void)state;
    /* rebuild the token: revoked's certificate, the intermediate and its CRL */
    X509 *const certs[] = { pg_load_cert(PKI "revoked.crt"), pg_load_cert(PKI "inter.crt"), NULL };
    X509_CRL *const crls[] = { pg_load_crl(PKI "inter.crl"), NULL };
    char *patched = pg_with_pkcs7(signed_by("revoked", "pkcs7"), certs, crls);
    X509_free(certs[0]);
    X509_free(certs[1]);
    X509_CRL_free(crls[0]);

    const char *pairs[] = { "trust", PKI "root.crt", "crl-check", "leaf", NULL };
    wssec_ctx *ctx = ctx_of(pairs);
    expect(ctx, patched, WSSEC_EUNTRUSTED, "signer 'CN=revoked");
    wssec_ctx_free(ctx);
    /* without the CRL from the message, nothing says it is revoked */
    const char *plain[] = { "trust", PKI "root.crt", NULL };
    char *unpatched = signed_by("revoked", "pkcs7");
    ctx = ctx_of(plain);
    expect(ctx, unpatched, 0, NULL);
    wssec_ctx_free(ctx);
    free(unpatched);
    free(patched);
}

/* A CRL from the message adds information, never replaces it: an older,
 * genuine CRL (issued before the signer was revoked) in the token does not
 * shadow the configured newer one; among CRLs of one issuer the newest wins. */
static void test_crl_message_cannot_override(void **state)
{
    (void)state;
    X509 *inter = pg_load_cert(PKI "inter.crt"), *revoked = pg_load_cert(PKI "revoked.crt");
    EVP_PKEY *ikey = pg_load_key(PKI "inter.key");
    long serial = ASN1_INTEGER_get(X509_get0_serialNumber(revoked));
    const long gone[] = { serial, 0 };
    /* CRL1: before the revocation, empty; CRL2: after it */
    X509_CRL *crl1 = pg_crl(inter, ikey, "20240301000000Z", "20351231000000Z", 1, NULL, NULL);
    X509_CRL *crl2 = pg_crl(inter, ikey, "20240701000000Z", "20351231000000Z", 2, gone,
                            "20240601000000Z");
    char *crl2_file = pg_crl_file(crl2);
    X509 *const certs[] = { revoked, inter, NULL };

    /* configured CRL2, the message carries CRL1 */
    X509_CRL *const old_only[] = { crl1, NULL };
    char *xml = pg_with_pkcs7(signed_by("revoked", "pkcs7"), certs, old_only);
    for (int cache = 0; cache <= 1; cache++) {
        const char *pairs[] = { "trust", PKI "root.crt", "crl", crl2_file, "crl-check", "leaf",
                                "cert-cache", cache ? "true" : "false", "replay-signatures",
                                "false", NULL };
        wssec_ctx *ctx = ctx_of(pairs);
        expect(ctx, xml, WSSEC_EUNTRUSTED, "revoked on 2024-06-01T00:00:00Z");
        expect(ctx, xml, WSSEC_EUNTRUSTED, "signer 'CN=revoked");
        wssec_ctx_free(ctx);
    }
    free(xml);

    /* no CRL configured: of the two in the message, the newest is used,
     * whatever their order */
    X509_CRL *const both[][3] = { { crl1, crl2, NULL }, { crl2, crl1, NULL } };
    for (size_t i = 0; i < 2; i++) {
        xml = pg_with_pkcs7(signed_by("revoked", "pkcs7"), certs, both[i]);
        const char *pairs[] = { "trust", PKI "root.crt", "crl-check", "leaf", NULL };
        wssec_ctx *ctx = ctx_of(pairs);
        expect(ctx, xml, WSSEC_EUNTRUSTED, "revoked on 2024-06-01T00:00:00Z");
        wssec_ctx_free(ctx);
        free(xml);
    }
    pg_rm(crl2_file);
    X509_CRL_free(crl1);
    X509_CRL_free(crl2);
    X509_free(inter);
    X509_free(revoked);
    EVP_PKEY_free(ikey);
}

/* The null-prefix attack: a CN "alice\0.attacker.example" is not alice,
 * and such a certificate is refused as a signer, with the reason. */
static void test_nul_in_names(void **state)
{
    (void)state;
    X509 *inter = pg_load_cert(PKI "inter.crt");
    EVP_PKEY *ikey = pg_load_key(PKI "inter.key"), *key = pg_key(2048, NULL);
    pg_spec sp = { .cn = "alice\0.attacker.example", .cn_len = 23, .issuer = inter,
                   .issuer_key = ikey, .key = key };
    X509 *cert = pg_cert(&sp);
    X509 *const chain[] = { inter, NULL };
    char *xml = pg_signed(key, cert, chain, NULL);
    const char *rule[] = { "trust", PKI "root.crt", "certs", PKI "inter.crt", "subject",
                           "CN=alice,OU=Clients,O=wssec test,C=US",
                           "replay-signatures", "false", NULL };
    wssec_ctx *ctx = ctx_of(rule);
    expect(ctx, xml, WSSEC_EUNTRUSTED, "a NUL or control character in its subject");
    wssec_ctx_free(ctx);
    /* refused without any rule too: nothing can use its name */
    const char *none[] = { "trust", PKI "root.crt", "certs", PKI "inter.crt", "replay-signatures",
                           "false", NULL };
    ctx = ctx_of(none);
    expect(ctx, xml, WSSEC_EUNTRUSTED, "signer 'CN=alice\\00.attacker.example,OU=Clients");
    wssec_ctx_free(ctx);
    free(xml);

    /* --issuer: a sub-CA named "wssec Test Issuing CA\0.evil" is not the issuing CA */
    X509 *root = pg_load_cert(PKI "root.crt");
    EVP_PKEY *rkey = pg_load_key(PKI "root.key"), *skey = pg_key(2048, NULL), *lkey = pg_key(2048, NULL);
    pg_spec ss = { .cn = "wssec Test Issuing CA\0.evil", .cn_len = 27, .ou = "", .ca = true,
                   .issuer = root, .issuer_key = rkey, .key = skey };
    X509 *sub = pg_cert(&ss);
    pg_spec ls = { .cn = "alice", .issuer = sub, .issuer_key = skey, .key = lkey };
    X509 *leaf = pg_cert(&ls);
    char *subf = pg_cert_file(sub);
    xml = pg_signed(lkey, leaf, NULL, NULL);
    const char *iss[] = { "trust", PKI "root.crt", "certs", subf, "issuer",
                          "CN=wssec Test Issuing CA,O=wssec test,C=US", "replay-signatures", "false",
                          NULL };
    ctx = ctx_of(iss);
    expect(ctx, xml, WSSEC_EUNTRUSTED, "a NUL or control character in its issuer name");
    wssec_ctx_free(ctx);
    free(xml);
    pg_rm(subf);
    X509_free(leaf);
    X509_free(sub);
    X509_free(root);
    EVP_PKEY_free(rkey);
    EVP_PKEY_free(skey);
    EVP_PKEY_free(lkey);
    X509_free(cert);
    X509_free(inter);
    EVP_PKEY_free(key);
    EVP_PKEY_free(ikey);
}

/* One chain made in the test: root -> sub (issued by the test root) -> leaf.
 * Each row changes one thing; the verdict and a phrase of the reason. */
typedef struct chain_row {
    const char *what;
    unsigned sub_bits;       /* sub-CA RSA key (default 2048) */
    const char *leaf_curve;  /* EC leaf (default RSA 2048) */
    const char *sub_md, *leaf_md; /* "md5", "sha1" (default SHA-256) */
    const char *eku;         /* the leaf's extendedKeyUsage */
    const char *opt, *val;   /* one more receiver option */
    int want;
    const char *needle;
} chain_row;

static void run_chain_row(const chain_row *row, X509 *root, EVP_PKEY *rkey)
{
    EVP_PKEY *skey = pg_key(row->sub_bits ? row->sub_bits : 2048, NULL);
    pg_spec ss = { .cn = "wssec Test Sub CA", .ou = "", .ca = true, .issuer = root, .issuer_key = rkey,
                   .key = skey, .md = row->sub_md ? EVP_get_digestbyname(row->sub_md) : NULL };
    X509 *sub = pg_cert(&ss);
    EVP_PKEY *lkey = pg_key(2048, row->leaf_curve);
    pg_spec ls = { .cn = "chained", .issuer = sub, .issuer_key = skey, .key = lkey, .eku = row->eku,
                   .md = row->leaf_md ? EVP_get_digestbyname(row->leaf_md) : NULL };
    X509 *leaf = pg_cert(&ls);
    const char *more[] = { "sign-alg", row->leaf_curve ? "ecdsa-sha256" : "rsa-sha256", NULL };
    char *xml = pg_signed(lkey, leaf, NULL, more);
    char *subf = pg_cert_file(sub);
    const char *pairs[] = { "trust", PKI "root.crt", "certs", subf, "replay-signatures", "false",
                            row->opt, row->val, NULL };
    wssec_ctx *ctx = ctx_of(pairs);
    char why[600];
    int rc = verify_rc(ctx, xml, why, sizeof(why));
    if (rc != row->want || (row->needle && !strstr(why, row->needle)))
        print_error("%s: got %s '%s', want %s '%s'\n", row->what, wssec_code_name(rc), why,
                    wssec_code_name(row->want), row->needle ? row->needle : "");
    assert_int_equal(rc, row->want);
    if (row->needle) h_assert_contains(why, row->needle);
    wssec_ctx_free(ctx);
    pg_rm(subf);
    free(xml);
    X509_free(leaf);
    X509_free(sub);
    EVP_PKEY_free(lkey);
    EVP_PKEY_free(skey);
}

/* Key sizes, certificate signature digests and extended key usage are
 * checked along the whole chain, not just at the signer's key. */
static void test_chain_strength(void **state)
{
    (void)state;
    X509 *root = pg_load_cert(PKI "root.crt");
    EVP_PKEY *rkey = pg_load_key(PKI "root.key");
    static const chain_row rows[] = {
        { "good", 0, NULL, NULL, NULL, NULL, NULL, NULL, 0, NULL },
        { "512-bit sub-CA", 512, NULL, NULL, NULL, NULL, NULL, NULL, WSSEC_EUNTRUSTED,
          "chain position 1 (0 is the signer), has an RSA key of 512 bits, fewer than min-rsa-bits 2048" },
        { "1024-bit sub-CA", 1024, NULL, NULL, NULL, NULL, NULL, NULL, WSSEC_EUNTRUSTED,
          "'CN=wssec Test Sub CA,O=wssec test,C=US' (issuer 'CN=wssec Test Root CA" },
        { "1024-bit sub-CA, relaxed", 1024, NULL, NULL, NULL, NULL, "min-rsa-bits", "1024", 0, NULL },
        { "MD5-signed leaf", 0, NULL, NULL, "md5", NULL, NULL, NULL, WSSEC_EUNTRUSTED,
          "at the signer certificate, is signed with MD5" },
        { "MD5-signed sub-CA", 0, NULL, "md5", NULL, NULL, NULL, NULL, WSSEC_EUNTRUSTED,
          "at chain position 1 (0 is the signer), is signed with MD5" },
        { "SHA-1-signed sub-CA", 0, NULL, "sha1", NULL, NULL, NULL, NULL, WSSEC_EUNTRUSTED,
          "is signed with SHA-1 (sha1WithRSAEncryption; allow-sha1 accepts it)" },
        { "SHA-1-signed leaf, allowed", 0, NULL, NULL, "sha1", NULL, "allow-sha1", "true", 0, NULL },
        { "P-192 signer", 0, "prime192v1", NULL, NULL, NULL, NULL, NULL, WSSEC_EUNTRUSTED,
          "has an EC key of 192 bits, fewer than min-ec-bits 256" },
        { "P-192 signer, relaxed", 0, "prime192v1", NULL, NULL, NULL, "min-ec-bits", "192", 0, NULL },
        { "P-256 signer", 0, "prime256v1", NULL, NULL, NULL, NULL, NULL, 0, NULL },
        { "serverAuth only", 0, NULL, NULL, NULL, "serverAuth", NULL, NULL, WSSEC_EUNTRUSTED,
          "has an extended key usage that does not allow signing messages (serverAuth)" },
        { "codeSigning and timeStamping", 0, NULL, NULL, NULL, "codeSigning,timeStamping", NULL, NULL,
          WSSEC_EUNTRUSTED, "(codeSigning, timeStamping)" },
        { "clientAuth", 0, NULL, NULL, NULL, "clientAuth", NULL, NULL, 0, NULL },
        { "serverAuth and clientAuth", 0, NULL, NULL, NULL, "serverAuth,clientAuth", NULL, NULL, 0, NULL },
        { "emailProtection", 0, NULL, NULL, NULL, "emailProtection", NULL, NULL, 0, NULL },
        { "anyExtendedKeyUsage", 0, NULL, NULL, NULL, "anyExtendedKeyUsage", NULL, NULL, 0, NULL },
    };
    for (size_t i = 0; i < WSSEC_ARRAY_LEN(rows); i++) run_chain_row(&rows[i], root, rkey);
    X509_free(root);
    EVP_PKEY_free(rkey);
}

/* X509IssuerSerial: the IssuerName is canonicalised once per reference and
 * bounded (4 KiB, 64 RDNs), not re-parsed for every candidate. */
static char *g_issuer_text;
static void s_issuer_name(xmlDocPtr doc)
{
    xmlNodePtr in = h_xp(doc, "//ds:X509IssuerName");
    xmlNodeSetContent(in, BAD_CAST g_issuer_text);
}

static void test_issuer_serial_bounded(void **state)
{
    (void)state;
    wssec_ctx *sctx = h_signer("alice", "key-id", "issuer-serial", NULL);
    char *xml = h_sign_envelope(sctx);
    wssec_ctx_free(sctx);
    const char *recv[] = { "trust", PKI "root.crt", "certs", PKI "inter.crt", "certs", PKI "alice.crt",
                           "certs", PKI "bob.crt", "replay-signatures", "false", NULL };
    wssec_ctx *ctx = ctx_of(recv);
    expect(ctx, xml, 0, NULL);
    /* the reverse RDN order still names alice's issuer */
    g_issuer_text = "C=US, O=wssec test, CN=wssec Test Issuing CA";
    char *rev = h_operate(xml, s_issuer_name, 0);
    expect(ctx, rev, 0, NULL);
    free(rev);
    /* 64 KiB of IssuerName: refused at once */
    size_t big = 64 * 1024;
    char *huge = malloc(big + 1);
    assert_non_null(huge);
    for (size_t i = 0; i < big; i += 8) memcpy(huge + i, "OU=aaaa,", 8);
    memcpy(huge + big - 8, "CN=zzzzz", 8);
    huge[big] = '\0';
    g_issuer_text = huge;
    char *evil = h_operate(xml, s_issuer_name, 0);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    expect(ctx, evil, WSSEC_ELIMIT, "X509IssuerName is longer than 4096 characters");
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    if (secs > 1.0) print_error("refusing took %.3f s\n", secs);
    assert_true(secs <= 1.0);
    free(evil);
    /* short, but 65 RDNs */
    size_t off = 0;
    for (int i = 0; i < 64; i++, off += 5) memcpy(huge + off, "OU=a,", 5);
    snprintf(huge + off, big - off, "CN=wssec Test Issuing CA");
    evil = h_operate(xml, s_issuer_name, 0);
    expect(ctx, evil, WSSEC_ELIMIT, "X509IssuerName has more than 64 attribute values");
    free(evil);
    free(huge);
    wssec_ctx_free(ctx);
    free(xml);
}

/* A PKIPath is root side first; a sender that wrote it leaf first is still
 * understood, and the token says so. */
static void test_pkipath_order(void **state)
{
    (void)state;
    const char *pairs[] = { "trust", PKI "root.crt", NULL };
    wssec_ctx *ctx = ctx_of(pairs);
    char *xml = signed_by("alice", "pkipath");
    expect(ctx, xml, 0, NULL);
    h_run r;
    /* reversed: build a leaf-first path */
    X509 *leaf = pg_load_cert(PKI "alice.crt"), *inter = pg_load_cert(PKI "inter.crt");
    unsigned char *a = NULL, *b = NULL;
    int al = i2d_X509(leaf, &a), bl = i2d_X509(inter, &b);
    int inner = al + bl;
    unsigned char *seq = malloc((size_t)inner + 8), *p = seq;
    ASN1_put_object(&p, 1, inner, V_ASN1_SEQUENCE, V_ASN1_UNIVERSAL);
    memcpy(p, a, (size_t)al);
    memcpy(p + al, b, (size_t)bl);
    size_t total = (size_t)(p - seq) + (size_t)inner;
    char *rev = pg_bst_patch(xml, "#X509PKIPathv1", seq, total);
    free(seq);
    OPENSSL_free(a);
    OPENSSL_free(b);
    X509_free(leaf);
    X509_free(inter);
    wssec_ctx *ctx2 = ctx_of(pairs);
    assert_int_equal(h_verify(&r, ctx2, rev), 0);
    const wssec_token *t = wssec_result_token(r.res, 1);
    assert_string_equal(wssec_token_type(t), "x509-token");
    h_assert_contains(wssec_token_get(t, "order"), "leaf not last");
    assert_string_equal(wssec_token_identity(t), "CN=alice,OU=Clients,O=wssec test,C=US");
    h_run_free(&r);
    free(rev);
    wssec_ctx_free(ctx);
    wssec_ctx_free(ctx2);
}

/* Subject and issuer constraints: RFC 4514 normalised DNs or regular expressions. */
static void test_subject_rules(void **state)
{
    (void)state;
    char *alice = signed_by("alice", NULL), *payments = signed_by("alice-payments", NULL),
         *inject = signed_by("dninject", NULL);
    static const struct {
        const char *rule;
        int alice, payments, inject;
    } rows[] = {
        /* spacing and attribute-type case do not matter, the RDN sequence does */
        { "cn=alice, ou=Clients, o=wssec test, c=US", 0, WSSEC_EUNTRUSTED, WSSEC_EUNTRUSTED },
        { "CN=Alice,OU=CLIENTS,O=WSSEC TEST,C=us", 0, WSSEC_EUNTRUSTED, WSSEC_EUNTRUSTED },
        /* CN-only matching would be a bug: the OU differs */
        { "CN=alice,OU=Payments,O=wssec test,C=US", WSSEC_EUNTRUSTED, 0, WSSEC_EUNTRUSTED },
        /* a regular expression over the RFC 4514 text */
        { "re:^CN=alice,OU=(Clients|Payments),O=wssec test,C=US$", 0, 0, WSSEC_EUNTRUSTED },
    };
    for (size_t i = 0; i < WSSEC_ARRAY_LEN(rows); i++) {
        const char *pairs[] = { "trust", PKI "root.crt", "certs", PKI "inter.crt", "subject",
                                rows[i].rule, "replay-signatures", "false", NULL };
        wssec_ctx *ctx = ctx_of(pairs);
        expect(ctx, alice, rows[i].alice, rows[i].alice ? "does not match the accepted subjects" : NULL);
        expect(ctx, payments, rows[i].payments, NULL);
        /* the CN with commas never passes for alice's DN (ATTACKS 9.9) */
        expect(ctx, inject, rows[i].inject, "subject 'CN=alice\\,OU=Clients\\,O=wssec test\\,C=US");
        wssec_ctx_free(ctx);
    }
    /* issuer rules look at the CAs of the validated chain */
    const char *ok[] = { "trust", PKI "root.crt", "certs", PKI "inter.crt", "issuer",
                         "CN=wssec Test Issuing CA,O=wssec test,C=US", NULL };
    wssec_ctx *ctx = ctx_of(ok);
    expect(ctx, alice, 0, NULL);
    wssec_ctx_free(ctx);
    const char *bad[] = { "trust", PKI "root.crt", "certs", PKI "inter.crt", "issuer",
                          "CN=wssec Test Other CA,O=wssec test,C=US", NULL };
    ctx = ctx_of(bad);
    expect(ctx, payments, WSSEC_EUNTRUSTED,
           "issuer 'CN=wssec Test Issuing CA,O=wssec test,C=US' does not match the accepted issuers");
    wssec_ctx_free(ctx);
    /* a rule that is no DN is a configuration error */
    const char *junk[] = { "subject", "alice", NULL };
    char err[600];
    assert_int_equal(h_ctx_try(&ctx, 0, junk, err, sizeof(err)), WSSEC_ECONFIG);
    h_assert_contains(err, "'alice' is not a distinguished name");
    free(alice);
    free(payments);
    free(inject);
}

/* The cache gives the same verdicts as no cache, and is used. */
static void test_cache(void **state)
{
    (void)state;
    static const char *const who[] = { "alice", "bob", "expired", "notyet", "revoked", "orphan",
                                       "selfsigned", "evil-alice", "wrongku" };
    for (int on = 0; on <= 1; on++) {
        const char *pairs[] = { "trust", PKI "root.crt", "certs", PKI "inter.crt", "crl", PKI "inter.crl",
                                "crl", PKI "root.crl", "cert-cache", on ? "true" : "false",
                                "replay-signatures", "false", NULL };
        wssec_ctx *ctx = ctx_of(pairs);
        for (size_t i = 0; i < WSSEC_ARRAY_LEN(who); i++) {
            char *xml = signed_by(who[i], NULL);
            int want = i < 2 ? 0 : WSSEC_EUNTRUSTED;
            for (int round = 0; round < 2; round++) {
                h_run r;
                int rc = h_verify(&r, ctx, xml);
                if (rc != want) print_error("%s cache %d round %d: %s\n", who[i], on, round,
                                            h_run_err(&r)->message);
                assert_int_equal(rc, want);
                if (want == 0) {
                    const wssec_token *sig = wssec_result_token(r.res, 2);
                    const char *hit = wssec_token_get(sig, "cert-cache");
                    if (on && round == 1) assert_string_equal(hit, "hit");
                    else assert_null(hit);
                }
                h_run_free(&r);
            }
            free(xml);
        }
        wssec_ctx_free(ctx);
    }
}

/* The trust material of the reload tests: the test root and intermediate,
 * with the intermediate's CRL (which revokes "revoked") or without. */
static wssec_config *trust_config(int with_crl)
{
    wssec_config *cfg = NULL;
    assert_int_equal(wssec_config_new(&cfg), 0);
    assert_int_equal(wssec_config_set(cfg, "trust", PKI "root.crt"), 0);
    assert_int_equal(wssec_config_set(cfg, "certs", PKI "inter.crt"), 0);
    if (with_crl) {
        assert_int_equal(wssec_config_set(cfg, "crl", PKI "inter.crl"), 0);
        assert_int_equal(wssec_config_set(cfg, "crl-check", "leaf"), 0);
    }
    return cfg;
}

/* A reload takes effect for every verify that begins after it returns, and
 * empties the cache. The snapshot is taken when a verify (or inspect) pass
 * begins, not when the message is parsed: a gateway that loads a CRL wants
 * no message accepted after the reload returned on a certificate it just
 * revoked, however long the message waited between parse and verify; what a
 * message in flight keeps is one snapshot for its whole pass (next test). */
static void test_reload(void **state)
{
    (void)state;
    const char *before[] = { "trust", PKI "root.crt", "certs", PKI "inter.crt", "replay-signatures",
                             "false", NULL };
    wssec_ctx *ctx = ctx_of(before);
    char *xml = signed_by("revoked", NULL);
    expect(ctx, xml, 0, NULL); /* no CRL yet: accepted, and cached */
    expect(ctx, xml, 0, NULL);
    wssec_config *cfg = trust_config(1);
    /* a message parsed before the reload and verified after it: the new trust */
    h_run early = { 0 };
    assert_int_equal(h_parse_rc(ctx, xml, strlen(xml), &early.msg), 0);
    assert_int_equal(wssec_ctx_reload_trust(ctx, cfg), 0);
    assert_int_equal(wssec_verify(&early.res, early.msg), WSSEC_EUNTRUSTED);
    h_assert_error(h_run_err(&early), WSSEC_EUNTRUSTED, "wsse:FailedAuthentication",
                   "revoked on 2024-06-01");
    assert_null(wssec_result_caller(early.res));
    h_run_free(&early);
    /* and so is one parsed after it (the cache was emptied: the CRL is seen) */
    expect(ctx, xml, WSSEC_EUNTRUSTED, "revoked on 2024-06-01");
    /* a reload that fails keeps the trust in force */
    assert_int_equal(wssec_config_set(cfg, "crl", PKI "no-such.crl"), 0);
    assert_int_equal(wssec_ctx_reload_trust(ctx, cfg), WSSEC_ECONFIG);
    h_assert_contains(wssec_config_error(cfg)->message, "no-such.crl");
    expect(ctx, xml, WSSEC_EUNTRUSTED, "revoked on 2024-06-01");
    wssec_config_free(cfg);
    /* a reload back to the material without the CRL: accepted again */
    cfg = trust_config(0);
    assert_int_equal(wssec_ctx_reload_trust(ctx, cfg), 0);
    expect(ctx, xml, 0, NULL);
    wssec_config_free(cfg);
    wssec_ctx_free(ctx);
    free(xml);
}

/* The password callback of test_reload_in_flight: reloads the context's
 * trust (with the CRL) the first time it is asked, in the middle of a verify. */
typedef struct reloader {
    wssec_ctx *ctx;
    int reloads;
} reloader;

static int reload_then_password(char *buf, size_t size, size_t *len, const char *user,
                                wssec_password_usage usage, void *userdata)
{
    reloader *r = userdata;
    if (r->ctx && r->reloads == 0) {
        wssec_config *cfg = trust_config(1);
        assert_int_equal(wssec_ctx_reload_trust(r->ctx, cfg), 0);
        wssec_config_free(cfg);
        r->reloads++;
    }
    return h_password_cb(buf, size, len, user, usage, NULL);
}

/* A verify in flight when the trust is reloaded finishes with the snapshot
 * it began with: the reload happens while the UsernameToken is checked,
 * before the Signature that follows it, and the revoked signer is still
 * accepted by that pass; the next pass sees the CRL. */
static void test_reload_in_flight(void **state)
{
    (void)state;
    static const char *const actions[] = { "timestamp", "username-token", "signature" };
    wssec_ctx *sctx = h_signer("revoked", NULL);
    char *plain = h_envelope_header(11, NULL);
    char *xml = h_secure(sctx, plain, actions, 3, "alice");
    char *xml2 = h_secure(sctx, plain, actions, 3, "alice");
    free(plain);
    wssec_ctx_free(sctx);

    reloader rl = { 0 };
    wssec_config *cfg = trust_config(0);
    assert_int_equal(wssec_config_set(cfg, "now", H_NOW_TEXT), 0);
    assert_int_equal(wssec_config_set(cfg, "replay-signatures", "false"), 0);
    wssec_config_set_password_cb(cfg, reload_then_password, &rl);
    wssec_ctx *ctx = NULL;
    assert_int_equal(wssec_ctx_new(&ctx, cfg), 0);
    wssec_config_free(cfg);

    /* the UsernameToken comes before the Signature in the Security header */
    wssec_msg *m = h_parse(ctx, xml);
    xmlNodePtr ut = h_xp(wssec_msg_doc(m), "//wsse:Security/wsse:UsernameToken");
    xmlNodePtr sig = h_xp(wssec_msg_doc(m), "//wsse:Security/ds:Signature");
    int ut_first = 0;
    for (xmlNodePtr n = ut; n; n = n->next) ut_first |= n == sig;
    assert_true(ut_first);
    wssec_msg_free(m);

    rl.ctx = ctx;
    h_run r;
    assert_int_equal(h_verify(&r, ctx, xml), 0);
    assert_int_equal(rl.reloads, 1);
    assert_string_equal(wssec_result_caller(r.res), "alice");
    h_run_free(&r);
    /* the pass after it uses the reloaded trust */
    assert_int_equal(h_verify(&r, ctx, xml2), WSSEC_EUNTRUSTED);
    h_assert_error(h_run_err(&r), WSSEC_EUNTRUSTED, "wsse:FailedAuthentication",
                   "revoked on 2024-06-01");
    assert_int_equal(rl.reloads, 1);
    h_run_free(&r);
    wssec_ctx_free(ctx);
    free(xml);
    free(xml2);
}

/* Anchors from a directory; a relaxed key size; the inspect chain. */
static void test_anchor_dir_and_inspect(void **state)
{
    (void)state;
    char dir[] = "/tmp/wssec-anchors-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[300], cmd[700];
    snprintf(path, sizeof(path), "%s/root.pem", dir);
    snprintf(cmd, sizeof(cmd), "cp '%s' '%s'", PKI "root.crt", path);
    assert_int_equal(system(cmd), 0);
    const char *pairs[] = { "trust", dir, "certs", PKI "inter.crt", "min-rsa-bits", "1024", NULL };
    wssec_ctx *ctx = ctx_of(pairs);
    char *weak = signed_by("weak", NULL);
    expect(ctx, weak, 0, NULL);
    h_run r;
    assert_int_equal(h_inspect(&r, ctx, weak), 0);
    const wssec_token *t = wssec_result_token(r.res, 1);
    assert_string_equal(wssec_token_get(t, "chain-0"), "CN=weak,OU=Clients,O=wssec test,C=US: ok");
    assert_string_equal(wssec_token_get(t, "chain-2"),
                        "CN=wssec Test Root CA,O=wssec test,C=US: ok (trust anchor)");
    assert_int_equal(wssec_result_warning_count(r.res), 1);
    h_assert_contains(wssec_result_warning(r.res, 0), "no subject constraint");
    h_run_free(&r);
    free(weak);
    wssec_ctx_free(ctx);
    unlink(path);
    rmdir(dir);
    const char *empty[] = { "trust", "/nonexistent-dir/x.pem", NULL };
    char err[600];
    assert_int_equal(h_ctx_try(&ctx, 0, empty, err, sizeof(err)), WSSEC_ECONFIG);
    h_assert_contains(err, "trust: /nonexistent-dir/x.pem: cannot be opened: No such file or directory");
}

/* What a signature asks of the trust service: whether any certificate the
 * anchors issued is accepted (anchors, no subject rule), and the cache's
 * answer noted on its token once. */
static void test_unconstrained_and_cache_hit(void **state)
{
    (void)state;
    static const struct {
        const char *name, *value;
        int unconstrained;
    } rows[] = {
        { NULL, NULL, 1 },
        { "subject", "CN=alice,OU=Clients,O=wssec test,C=US", 0 },
    };
    for (size_t i = 0; i < WSSEC_ARRAY_LEN(rows); i++) {
        wssec_ctx *ctx = h_receiver(rows[i].name, rows[i].value, NULL);
        char *plain = h_envelope_header(11, NULL);
        wssec_msg *msg = h_parse(ctx, plain);
        msg->trust = wssec__ctx_trust(ctx);
        assert_int_equal(wssec__trust_unconstrained(msg), rows[i].unconstrained);
        wssec_msg_free(msg);
        free(plain);
        wssec_ctx_free(ctx);
    }
    wssec_ctx *bare = h_ctx(NULL); /* no anchors: nothing is accepted at all */
    char *plain = h_envelope_header(11, NULL);
    wssec_msg *msg = h_parse(bare, plain);
    msg->trust = wssec__ctx_trust(bare);
    assert_int_equal(wssec__trust_unconstrained(msg), 0);

    assert_int_equal(wssec__result_new(&msg->res), 0);
    wssec_token *tok = wssec_msg_add_token(msg, "signature", NULL);
    assert_non_null(tok);
    assert_int_equal(wssec__trust_note_cache_hit(msg, tok), 0);
    assert_null(wssec_token_get(tok, "cert-cache"));
    msg->cert_cache_hit = true;
    assert_int_equal(wssec__trust_note_cache_hit(msg, tok), 0);
    assert_string_equal(wssec_token_get(tok, "cert-cache"), "hit");
    assert_false(msg->cert_cache_hit);
    assert_int_equal(wssec_token_prop_count(tok), 1);
    wssec_result_free(msg->res);
    msg->res = NULL;
    wssec_msg_free(msg);
    free(plain);
    wssec_ctx_free(bare);
}

/* cert-cache-size is the number of chains the cache holds: with size 2, a
 * third outcome makes it start afresh (the first two are gone), while two
 * stay side by side. */
static void test_cache_holds_its_size(void **state)
{
    (void)state;
    wssec_trust_cache *c = NULL;
    assert_int_equal(wssec__trust_cache_new(&c, 2, 3600 * H_SEC), 0);
    assert_non_null(c);
    unsigned char k[3][32];
    for (int i = 0; i < 3; i++) memset(k[i], 'a' + i, sizeof(k[i]));
    wssec__trust_cache_store(c, k[0], H_NOW - H_SEC, H_NOW + 100 * H_SEC, H_NOW);
    wssec__trust_cache_store(c, k[1], H_NOW - H_SEC, H_NOW + 100 * H_SEC, H_NOW);
    assert_true(wssec__trust_cache_lookup(c, k[0], H_NOW));
    assert_true(wssec__trust_cache_lookup(c, k[1], H_NOW));
    wssec__trust_cache_store(c, k[2], H_NOW - H_SEC, H_NOW + 100 * H_SEC, H_NOW);
    assert_true(wssec__trust_cache_lookup(c, k[2], H_NOW));
    assert_false(wssec__trust_cache_lookup(c, k[0], H_NOW));
    assert_false(wssec__trust_cache_lookup(c, k[1], H_NOW));
    wssec__trust_cache_free(c);
}

/* ---- anchors that are not roots, pins, and the words of a refusal ---- */

enum { M_ALICE, M_BOB, M_REVOKED, M_CALEAF, M_SELFSIGNED, M_EVIL, M_EVIL_CHAIN, M_PARTNER,
       M_EXPIRED, M_WRONGKU, M_WEAK, M_ORPHAN, M_COUNT };

static char **trust_messages(void)
{
    static const char *const who[M_COUNT] = { "alice", "bob", "revoked", "caleaf", "selfsigned",
                                              "evil-alice", NULL, "partner", "expired", "wrongku",
                                              "weak", "orphan" };
    char **m = calloc(M_COUNT, sizeof(*m));
    assert_non_null(m);
    for (int i = 0; i < M_COUNT; i++)
        if (who[i]) m[i] = signed_by(who[i], NULL);
    /* evil-alice with its own root in the message: a carried root is no anchor
     * (a sender drops roots from its chain: the token is made by hand) */
    X509 *const certs[] = { pg_load_cert(PKI "evil-alice.crt"), pg_load_cert(PKI "evil-root.crt"),
                            NULL };
    m[M_EVIL_CHAIN] = pg_with_pkcs7(signed_by("evil-alice", "pkcs7"), certs, NULL);
    X509_free(certs[0]);
    X509_free(certs[1]);
    return m;
}

static void free_messages(char **m)
{
    for (int i = 0; i < M_COUNT; i++) free(m[i]);
    free(m);
}

typedef struct anchor_row {
    const char *what;
    const char *const opts[9]; /* option pairs, NULL-terminated */
    int msg;
    int want;
    const char *needle;
} anchor_row;

static void run_anchor_rows(const anchor_row *rows, size_t n, char **msgs)
{
    for (size_t i = 0; i < n; i++) {
        const char *pairs[12] = { "replay-signatures", "false" };
        for (size_t j = 0; rows[i].opts[j]; j++) pairs[2 + j] = rows[i].opts[j];
        wssec_ctx *ctx = ctx_of(pairs);
        char why[600];
        int rc = verify_rc(ctx, msgs[rows[i].msg], why, sizeof(why));
        if (rc != rows[i].want || (rows[i].needle && !strstr(why, rows[i].needle)))
            print_error("%s: got %s '%s', want %s '%s'\n", rows[i].what, wssec_code_name(rc), why,
                        wssec_code_name(rows[i].want), rows[i].needle ? rows[i].needle : "");
        assert_int_equal(rc, rows[i].want);
        if (rows[i].needle) h_assert_contains(why, rows[i].needle);
        wssec_ctx_free(ctx);
    }
}

#define ROOT "trust", PKI "root.crt"
#define INTER "trust", PKI "inter.crt"

static void test_partial_anchors(void **state)
{
    (void)state;
    static const anchor_row rows[] = {
        { "issuing CA as the anchor", { INTER, NULL }, M_ALICE, 0, NULL },
        { "the partner's own certificate as the anchor", { "trust", PKI "alice.crt", NULL },
          M_ALICE, 0, NULL },
        { "another partner's certificate", { "trust", PKI "alice.crt", NULL }, M_BOB,
          WSSEC_EUNTRUSTED, "has issuer 'CN=wssec Test Issuing CA,O=wssec test,C=US', found neither" },
        /* CRLs below a non-root anchor; the anchor's own issuer's CRL is not demanded */
        { "inter anchor, inter.crl, crl-check all", { INTER, "crl", PKI "inter.crl", NULL },
          M_ALICE, 0, NULL },
        { "inter anchor, both CRLs", { INTER, "crl", PKI "inter.crl", "crl", PKI "root.crl", NULL },
          M_ALICE, 0, NULL },
        { "inter anchor, revoked", { INTER, "crl", PKI "inter.crl", NULL }, M_REVOKED,
          WSSEC_EUNTRUSTED, "revoked on 2024-06-01T00:00:00Z (reason keyCompromise)" },
        { "inter anchor, expired CRL", { INTER, "crl", PKI "inter-expired.crl", NULL }, M_ALICE,
          WSSEC_EUNTRUSTED, "the CRL of 'CN=wssec Test Issuing CA,O=wssec test,C=US' expired" },
        /* a path to a self-signed anchor is still checked whole: both in one file */
        { "root and inter, inter.crl only", { "trust", PKI "chain.pem", "crl", PKI "inter.crl", NULL },
          M_ALICE, WSSEC_EUNTRUSTED,
          "signer chain: trust anchor (not self-signed) 'CN=wssec Test Issuing CA,O=wssec "
          "test,C=US' (issuer 'CN=wssec Test Root CA,O=wssec test,C=US', serial 4098 = 0x1002" },
        { "root and inter, both CRLs", { "trust", PKI "chain.pem", "crl", PKI "inter.crl", "crl",
          PKI "root.crl", NULL }, M_ALICE, 0, NULL },
        /* hostile: exact certificates only (ATTACKS 9.3, 9.6, 9.11) */
        { "evil-alice, alice anchored", { "trust", PKI "alice.crt", NULL }, M_EVIL,
          WSSEC_EUNTRUSTED, "found neither in the message nor among the trust anchors" },
        { "selfsigned (alice's DN), alice anchored", { "trust", PKI "alice.crt", NULL },
          M_SELFSIGNED, WSSEC_EUNTRUSTED, "is self-signed and not one of the trust anchors" },
        { "evil root carried in the message", { "trust", PKI "alice.crt", NULL }, M_EVIL_CHAIN,
          WSSEC_EUNTRUSTED, "is a self-signed root that is not one of the trust anchors" },
        { "evil root carried, inter anchored", { INTER, NULL }, M_EVIL_CHAIN, WSSEC_EUNTRUSTED,
          "signer chain: root 'CN=wssec Test Root CA,O=wssec test,C=US' (issuer 'CN=wssec Test "
          "Root CA,O=wssec test,C=US', serial 26113 = 0x6601" },
        { "other-inter not configured", { INTER, NULL }, M_ORPHAN, WSSEC_EUNTRUSTED,
          "has issuer 'CN=wssec Test Other CA,O=wssec test,C=US', found neither" },
        /* CA:TRUE: only a self-signed certificate configured itself */
        { "partner anchored", { "trust", PKI "partner.crt", NULL }, M_PARTNER, 0, NULL },
        { "partner not configured", { ROOT, NULL }, M_PARTNER, WSSEC_EUNTRUSTED,
          "is a CA certificate (basicConstraints CA:TRUE), not an end-entity certificate: to trust "
          "this self-signed certificate itself, give it with --trust or --pin sha256:0D:3B:02:6A:" },
        { "caleaf, its issuer anchored", { INTER, NULL }, M_CALEAF, WSSEC_EUNTRUSTED,
          "not an end-entity certificate (only a self-signed certificate configured itself with "
          "--trust or --pin is accepted so)" },
        { "caleaf anchored itself", { "trust", PKI "caleaf.crt", NULL }, M_CALEAF,
          WSSEC_EUNTRUSTED, "is a CA certificate (basicConstraints CA:TRUE)" },
        { "caleaf pinned", { ROOT, "pin", PKI "caleaf.crt", NULL }, M_CALEAF, WSSEC_EUNTRUSTED,
          "is a CA certificate (basicConstraints CA:TRUE)" },
        /* the leaf checks hold for an anchored leaf */
        { "wrongku anchored itself", { "trust", PKI "wrongku.crt", NULL }, M_WRONGKU,
          WSSEC_EUNTRUSTED, "has the wrong key usage" },
        { "expired anchored itself", { "trust", PKI "expired.crt", NULL }, M_EXPIRED,
          WSSEC_EUNTRUSTED, "expired on 2021-01-01T00:00:00Z" },
        /* the issuer rule with a partial chain: the anchor is in the chain */
        { "issuer rule, inter anchored", { INTER, "issuer", "CN=wssec Test Issuing CA,O=wssec test,C=US",
          NULL }, M_ALICE, 0, NULL },
        { "issuer rule of the root, inter anchored", { INTER, "issuer",
          "CN=wssec Test Root CA,O=wssec test,C=US", NULL }, M_ALICE, WSSEC_EUNTRUSTED,
          "does not match the accepted issuers" },
    };
    char **msgs = trust_messages();
    run_anchor_rows(rows, WSSEC_ARRAY_LEN(rows), msgs);
    free_messages(msgs);
}

/* A pin by SHA-256, as openssl prints it (colons, any case), of a file,
 * or of the public key (base64 or hex). */
static char *pin_text(const char *file, int form)
{
    X509 *x = pg_load_cert(file);
    unsigned char d[32];
    unsigned int n = 0;
    if (form >= 3) {
        unsigned char *der = NULL;
        int len = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(x), &der);
        assert_true(len > 0 && EVP_Digest(der, (size_t)len, d, &n, EVP_sha256(), NULL));
        OPENSSL_free(der);
    } else {
        assert_true(X509_digest(x, EVP_sha256(), d, &n));
    }
    X509_free(x);
    assert_int_equal(n, 32);
    if (form == 3) {
        char *b64 = h_b64(d, 32), *out = h_strf("spki-sha256:%s", b64);
        free(b64);
        return out;
    }
    char hex[100] = "";
    for (int i = 0; i < 32; i++)
        snprintf(hex + strlen(hex), sizeof(hex) - strlen(hex),
                 form == 1 ? "%02x" : (i < 31 ? "%02X:" : "%02X"), d[i]);
    if (form == 0) return h_strf("sha256:%s", hex);
    if (form == 1) return h_strf("sha256:%s", hex);
    if (form == 2) return h_strf("SHA256 Fingerprint=%s", hex);
    return h_strf("spki-sha256:%s", hex);
}

static void expect_pinned(const char *pin, const char *more, const char *value, const char *xml,
                          int want, const char *needle)
{
    const char *pairs[] = { "pin", pin, "replay-signatures", "false", more, value, NULL };
    wssec_ctx *ctx = ctx_of(pairs);
    expect(ctx, xml, want, needle);
    wssec_ctx_free(ctx);
}

/* Pins: a signer accepted by its fingerprint alone (no anchor), still
 * within its dates and under the leaf checks and the rules; a certificate
 * with the pinned one's DN and SKI but another key is not it (9.3, 9.6). */
static void test_pins(void **state)
{
    (void)state;
    char **m = trust_messages();
    for (int form = 0; form <= 4; form++) {
        char *pin = pin_text(PKI "alice.crt", form);
        expect_pinned(pin, NULL, NULL, m[M_ALICE], 0, NULL);
        expect_pinned(pin, NULL, NULL, m[M_EVIL], WSSEC_EUNTRUSTED, "matches none of the 1 pins (--pin)");
        expect_pinned(pin, NULL, NULL, m[M_EVIL_CHAIN], WSSEC_EUNTRUSTED, "matches none of the 1 pins");
        expect_pinned(pin, NULL, NULL, m[M_SELFSIGNED], WSSEC_EUNTRUSTED, "matches none of the 1 pins");
        free(pin);
    }
    expect_pinned(PKI "alice.crt", NULL, NULL, m[M_ALICE], 0, NULL);
    /* a key pin fixes no name: the report says so, unless --subject binds it */
    char *spki = pin_text(PKI "alice.crt", 3);
    for (int bound = 0; bound < 2; bound++) {
        const char *pairs[] = { "pin", spki, bound ? "subject" : NULL,
                                "CN=alice,OU=Clients,O=wssec test,C=US", NULL };
        wssec_ctx *c = ctx_of(pairs);
        h_run r;
        assert_int_equal(h_verify(&r, c, m[M_ALICE]), 0);
        assert_int_equal(h_has_warning(r.res, "public-key pin (spki-sha256) names itself"), !bound);
        h_run_free(&r);
        wssec_ctx_free(c);
    }
    free(spki);
    expect_pinned(PKI "bob.crt", NULL, NULL, m[M_ALICE], WSSEC_EUNTRUSTED,
                  "signer 'CN=alice,OU=Clients,O=wssec test,C=US' (issuer 'CN=wssec Test Issuing "
                  "CA,O=wssec test,C=US', serial 8193 = 0x2001");
    expect_pinned(PKI "bob.crt", NULL, NULL, m[M_ALICE], WSSEC_EUNTRUSTED,
                  "to trust this certificate itself, give it with --pin sha256:A7:A5:B9:CB:");
    /* a self-signed CA:TRUE partner pinned; the leaf checks and rules still hold */
    expect_pinned(PKI "partner.crt", NULL, NULL, m[M_PARTNER], 0, NULL);
    expect_pinned(PKI "expired.crt", NULL, NULL, m[M_EXPIRED], WSSEC_EUNTRUSTED,
                  "pinned by --pin " PKI "expired.crt, expired on 2021-01-01T00:00:00Z");
    expect_pinned(PKI "wrongku.crt", NULL, NULL, m[M_WRONGKU], WSSEC_EUNTRUSTED, "has the wrong key usage");
    expect_pinned(PKI "weak.crt", NULL, NULL, m[M_WEAK], WSSEC_EUNTRUSTED,
                  "has an RSA key of 1024 bits, fewer than min-rsa-bits 2048");
    expect_pinned(PKI "alice.crt", "subject", "CN=bob,OU=Clients,O=wssec test,C=US", m[M_ALICE],
                  WSSEC_EUNTRUSTED, "does not match the accepted subjects");
    expect_pinned(PKI "alice.crt", "issuer", "CN=wssec Test Root CA,O=wssec test,C=US", m[M_ALICE],
                  WSSEC_EUNTRUSTED, "issuer 'CN=wssec Test Issuing CA,O=wssec test,C=US' does not match");
    /* beside anchors: a pinned self-signed certificate, and the anchors' own */
    expect_pinned(PKI "selfsigned.crt", "trust", PKI "root.crt", m[M_SELFSIGNED], 0, NULL);
    const char *both[] = { "pin", PKI "selfsigned.crt", ROOT, "certs", PKI "inter.crt", NULL };
    wssec_ctx *ctx = ctx_of(both);
    expect(ctx, m[M_BOB], 0, NULL);
    expect(ctx, m[M_EVIL], WSSEC_EUNTRUSTED, "was not signed by the trusted");
    wssec_ctx_free(ctx);
    /* settings that are no pin */
    static const struct {
        const char *value, *needle;
    } bad[] = {
        { "sha256:A7:A5", "a certificate's SHA-256 is 64 hexadecimal digits" },
        { "sha256:zz", "a certificate's SHA-256 is 64 hexadecimal digits" },
        { "spki-sha256:dz9xbgSz", "spki-sha256: takes a SHA-256 of the public key" },
        { "/nonexistent/pin.crt", "pin: /nonexistent/pin.crt: cannot be opened" },
    };
    for (size_t i = 0; i < WSSEC_ARRAY_LEN(bad); i++) {
        const char *pairs[] = { "pin", bad[i].value, NULL };
        char err[600];
        assert_int_equal(h_ctx_try(&ctx, 0, pairs, err, sizeof(err)), WSSEC_ECONFIG);
        h_assert_contains(err, bad[i].needle);
    }
    free_messages(m);
}

/* A sub-CA of the test root made in the test (name, key, dates). */
static X509 *sub_ca(const char *cn, EVP_PKEY *key, const char *not_before, const char *not_after)
{
    X509 *root = pg_load_cert(PKI "root.crt");
    EVP_PKEY *rkey = pg_load_key(PKI "root.key");
    pg_spec sp = { .cn = cn, .ou = "", .ca = true, .issuer = root, .issuer_key = rkey, .key = key };
    X509 *x = pg_cert(&sp);
    ASN1_TIME *nb = ASN1_TIME_new(), *na = ASN1_TIME_new();
    assert_true(ASN1_TIME_set_string(nb, not_before) && ASN1_TIME_set_string(na, not_after));
    assert_true(X509_set1_notBefore(x, nb) && X509_set1_notAfter(x, na));
    assert_true(X509_sign(x, rkey, EVP_sha256()) > 0);
    ASN1_TIME_free(nb);
    ASN1_TIME_free(na);
    X509_free(root);
    EVP_PKEY_free(rkey);
    return x;
}

/* The words of a refusal: the failing certificate by its role, and why a
 * configured anchor was not used (expired; the issuer's name, another key). */
static void test_anchor_words(void **state)
{
    (void)state;
    char *alice = signed_by("alice", NULL);
    /* inter re-issued with its key but expired, as the only anchor */
    EVP_PKEY *ikey = pg_load_key(PKI "inter.key");
    X509 *old = sub_ca("wssec Test Issuing CA", ikey, "20200101000000Z", "20250101000000Z");
    char *oldf = pg_cert_file(old);
    const char *expired[] = { "trust", oldf, NULL };
    wssec_ctx *ctx = ctx_of(expired);
    expect(ctx, alice, WSSEC_EUNTRUSTED,
           "signer chain: trust anchor (not self-signed) 'CN=wssec Test Issuing CA,O=wssec test,C=US'");
    expect(ctx, alice, WSSEC_EUNTRUSTED, "at chain position 1 (0 is the signer), expired on 2025-01-01");
    wssec_ctx_free(ctx);
    /* beside the root: the path goes to the root and fails at the expired anchor */
    const char *with_root[] = { "trust", oldf, ROOT, NULL };
    ctx = ctx_of(with_root);
    expect(ctx, alice, WSSEC_EUNTRUSTED, "trust anchor (not self-signed) 'CN=wssec Test Issuing CA");
    wssec_ctx_free(ctx);
    /* an anchor with the issuer's name and another key is not used, and says why */
    EVP_PKEY *other = pg_key(2048, NULL);
    X509 *lookalike = sub_ca("wssec Test Issuing CA", other, "20200101000000Z", "20450101000000Z");
    char *likef = pg_cert_file(lookalike);
    const char *like[] = { "trust", likef, NULL };
    ctx = ctx_of(like);
    expect(ctx, alice, WSSEC_EUNTRUSTED,
           "; the trust anchor 'CN=wssec Test Issuing CA,O=wssec test,C=US' has that name but was "
           "not used: authority and subject key identifier mismatch");
    wssec_ctx_free(ctx);
    /* an intermediate's weak key is named as an intermediate */
    EVP_PKEY *weak = pg_key(1024, NULL);
    X509 *wsub = sub_ca("wssec Test Weak CA", weak, "20200101000000Z", "20450101000000Z");
    pg_spec ls = { .cn = "chained", .issuer = wsub, .issuer_key = weak, .key = other };
    X509 *leaf = pg_cert(&ls);
    char *xml = pg_signed(other, leaf, NULL, NULL), *wsubf = pg_cert_file(wsub);
    const char *chain[] = { ROOT, "certs", wsubf, NULL };
    ctx = ctx_of(chain);
    expect(ctx, xml, WSSEC_EUNTRUSTED,
           "signer chain: intermediate 'CN=wssec Test Weak CA,O=wssec test,C=US' (issuer 'CN=wssec "
           "Test Root CA,O=wssec test,C=US', serial ");
    wssec_ctx_free(ctx);
    /* a non-root anchor: its own SHA-1 signature is not relied on, its key
     * still counts, and what it signs with SHA-1 is refused */
    X509 *root = pg_load_cert(PKI "root.crt");
    EVP_PKEY *rkey = pg_load_key(PKI "root.key"), *skey = pg_key(2048, NULL);
    pg_spec ss = { .cn = "wssec Test SHA-1 CA", .ou = "", .ca = true, .issuer = root,
                   .issuer_key = rkey, .key = skey, .md = EVP_sha1() };
    X509 *sha1ca = pg_cert(&ss);
    pg_spec l1 = { .cn = "under-sha1", .issuer = sha1ca, .issuer_key = skey, .key = other };
    pg_spec l2 = { .cn = "sha1-signed", .issuer = sha1ca, .issuer_key = skey, .key = other,
                   .md = EVP_sha1() };
    X509 *good = pg_cert(&l1), *bad = pg_cert(&l2);
    char *goodxml = pg_signed(other, good, NULL, NULL), *badxml = pg_signed(other, bad, NULL, NULL);
    char *sha1f = pg_cert_file(sha1ca), *weakf = pg_cert_file(wsub);
    const char *sha1anchor[] = { "trust", sha1f, NULL };
    ctx = ctx_of(sha1anchor);
    expect(ctx, goodxml, 0, NULL);
    expect(ctx, badxml, WSSEC_EUNTRUSTED, "at the signer certificate, is signed with SHA-1");
    wssec_ctx_free(ctx);
    const char *sha1below[] = { ROOT, "certs", sha1f, NULL };
    ctx = ctx_of(sha1below);
    expect(ctx, goodxml, WSSEC_EUNTRUSTED,
           "signer chain: intermediate 'CN=wssec Test SHA-1 CA,O=wssec test,C=US'");
    wssec_ctx_free(ctx);
    const char *weakanchor[] = { "trust", weakf, NULL };
    ctx = ctx_of(weakanchor);
    expect(ctx, xml, WSSEC_EUNTRUSTED,
           "signer chain: trust anchor (not self-signed) 'CN=wssec Test Weak CA,O=wssec test,C=US'");
    expect(ctx, xml, WSSEC_EUNTRUSTED, "has an RSA key of 1024 bits, fewer than min-rsa-bits 2048");
    wssec_ctx_free(ctx);
    pg_rm(sha1f);
    pg_rm(weakf);
    free(goodxml);
    free(badxml);
    X509_free(good);
    X509_free(bad);
    X509_free(sha1ca);
    X509_free(root);
    EVP_PKEY_free(rkey);
    EVP_PKEY_free(skey);
    /* inspect shows the partial chain ending at its anchor */
    const char *inter[] = { INTER, NULL };
    ctx = ctx_of(inter);
    h_run r;
    assert_int_equal(h_inspect(&r, ctx, alice), 0);
    const wssec_token *t = wssec_result_token(r.res, 1);
    assert_string_equal(wssec_token_get(t, "chain-1"),
                        "CN=wssec Test Issuing CA,O=wssec test,C=US: ok (trust anchor)");
    assert_null(wssec_token_get(t, "chain-2"));
    h_run_free(&r);
    wssec_ctx_free(ctx);
    pg_rm(oldf);
    pg_rm(likef);
    pg_rm(wsubf);
    free(xml);
    free(alice);
    X509_free(old);
    X509_free(lookalike);
    X509_free(wsub);
    X509_free(leaf);
    EVP_PKEY_free(ikey);
    EVP_PKEY_free(other);
    EVP_PKEY_free(weak);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_crls),
        cmocka_unit_test(test_crl_in_token),
        cmocka_unit_test(test_crl_message_cannot_override),
        cmocka_unit_test(test_nul_in_names),
        cmocka_unit_test(test_chain_strength),
        cmocka_unit_test(test_issuer_serial_bounded),
        cmocka_unit_test(test_pkipath_order),
        cmocka_unit_test(test_subject_rules),
        cmocka_unit_test(test_cache),
        cmocka_unit_test(test_reload),
        cmocka_unit_test(test_reload_in_flight),
        cmocka_unit_test(test_anchor_dir_and_inspect),
        cmocka_unit_test(test_unconstrained_and_cache_hit),
        cmocka_unit_test(test_cache_holds_its_size),
        cmocka_unit_test(test_partial_anchors),
        cmocka_unit_test(test_pins),
        cmocka_unit_test(test_anchor_words),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    xmlCleanupParser();
    return rc;
}
