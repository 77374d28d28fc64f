/*
 * wssec — distinguished names: canonical forms of X509_NAMEs and of RFC 4514
 * text (case, spacing, escapes and attribute order folded), compared for the
 * subject rules, the issuer of a key reference and identity assertion; and
 * a serial number against its decimal text.
 */
#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/x509.h>

#include "wssec/wssec.h"
#include "x509_dn.h"
#include "util.h"

typedef struct ava {
    char *text; /* "type=value", canonical */
} ava;

typedef struct dnbuf {
    wssec_buf b;
} dnbuf;

/* The canonical attribute type for a NID, or for an unknown dotted OID. */
static void canon_type(int nid, const char *oid, char *out, size_t size)
{
    const char *sn = nid != NID_undef ? OBJ_nid2sn(nid) : NULL;
    snprintf(out, size, "%s", sn ? sn : oid);
    for (char *p = out; *p; p++) *p = (char)tolower((unsigned char)*p);
}

/* Appends a value in canonical form: trimmed, spaces folded, ASCII lower
 * case, RFC 4514 specials escaped. A value holding NUL or another control
 * character is refused (WSSEC_EINVALID): compared as a C string
 * "gateway\0.attacker.example" would be "gateway" (the null-prefix attack).
 * In a certificate every C0 control and DEL is refused, tab and line ends
 * included; in text (strict false) those white-space characters are spaces. */
static int canon_value(wssec_buf *b, const unsigned char *v, size_t n, bool strict)
{
    for (size_t i = 0; i < n; i++)
        if ((v[i] < 0x20 || v[i] == 0x7f) && (strict || !v[i] || !isspace(v[i])))
            return WSSEC_EINVALID;
    size_t a = 0;
    while (a < n && isspace(v[a])) a++;
    while (n > a && isspace(v[n - 1])) n--;
    bool space = false;
    for (size_t i = a; i < n; i++) {
        unsigned char c = v[i];
        if (isspace(c)) {
            space = true;
            continue;
        }
        if (space) WSSEC_GUARD(wssec__buf_append(b, " ", 1));
        space = false;
        if (strchr(",+=\\\"<>;#", c) && c) WSSEC_GUARD(wssec__buf_append(b, "\\", 1));
        c = (unsigned char)((c < 0x80) ? tolower(c) : c);
        WSSEC_GUARD(wssec__buf_append(b, &c, 1));
    }
    return 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Joins RDNs (each an array of canonical AVAs) into the canonical DN. */
typedef struct rdn {
    char **avas;
    size_t n;
} rdn;

static void rdns_free(rdn *r, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < r[i].n; j++) wssec__free(r[i].avas[j]);
        wssec__free(r[i].avas);
    }
    wssec__free(r);
}

static int rdns_join(rdn *r, size_t n, bool reverse, char **out)
{
    wssec_buf b = { .max = 64 * 1024 };
    int rc = 0;
    for (size_t k = 0; k < n && !rc; k++) {
        rdn *x = &r[reverse ? n - 1 - k : k];
        qsort(x->avas, x->n, sizeof(*x->avas), cmp_str);
        if (k) rc = wssec__buf_append(&b, ",", 1);
        for (size_t j = 0; j < x->n && !rc; j++) {
            if (j) rc = wssec__buf_append(&b, "+", 1);
            if (!rc) rc = wssec__buf_append(&b, x->avas[j], strlen(x->avas[j]));
        }
    }
    if (!rc) rc = wssec__buf_append(&b, "", 1);
    if (rc) {
        wssec__buf_free(&b);
        return rc;
    }
    *out = (char *)b.data;
    return 0;
}

/* RDNs in a name, and values in an RDN: far more than any certificate has. */
#define DN_MAX_PARTS 4096

static int rdn_add(rdn **rs, size_t *n, bool new_rdn, const char *type, const unsigned char *v,
                   size_t vlen, bool strict)
{
    if (new_rdn || *n == 0) {
        WSSEC_GUARD(wssec__array_grow(rs, *n, sizeof(**rs), DN_MAX_PARTS));
        (*rs)[*n].avas = NULL;
        (*rs)[*n].n = 0;
        (*n)++;
    }
    rdn *r = &(*rs)[*n - 1];
    wssec_buf b = { .max = 16 * 1024 };
    int rc;
    if ((rc = wssec__buf_append(&b, type, strlen(type))) || (rc = wssec__buf_append(&b, "=", 1)) ||
        (rc = canon_value(&b, v, vlen, strict)) || (rc = wssec__buf_append(&b, "", 1))) {
        wssec__buf_free(&b);
        return rc;
    }
    if ((rc = wssec__array_grow(&r->avas, r->n, sizeof(*r->avas), DN_MAX_PARTS))) {
        wssec__buf_free(&b);
        return rc;
    }
    r->avas[r->n++] = (char *)b.data;
    return 0;
}

int wssec__dn_canon_name(const X509_NAME *name, char **out)
{
    *out = NULL;
    rdn *rs = NULL;
    size_t n = 0;
    int rc = 0, last_set = -1;
    /* X509_NAME holds RDNs in DER order (country first): RFC 4514 order is
     * the reverse. */
    for (int i = X509_NAME_entry_count(name) - 1; i >= 0 && !rc; i--) {
        const X509_NAME_ENTRY *e = X509_NAME_get_entry(name, i);
        const ASN1_OBJECT *obj = X509_NAME_ENTRY_get_object(e);
        char oid[80], type[80];
        OBJ_obj2txt(oid, sizeof(oid), obj, 1);
        canon_type(OBJ_obj2nid(obj), oid, type, sizeof(type));
        unsigned char *utf8 = NULL;
        int len = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(e));
        if (len < 0) {
            rc = WSSEC_EINVALID;
            break;
        }
        int set = X509_NAME_ENTRY_set(e);
        rc = rdn_add(&rs, &n, set != last_set, type, utf8, (size_t)len, true);
        last_set = set;
        OPENSSL_free(utf8);
    }
    if (!rc) rc = rdns_join(rs, n, false, out);
    rdns_free(rs, n);
    return rc;
}

/* Attribute type names accepted in text, besides OpenSSL's own short and
 * long names (compared without regard to case). */
static int type_nid(const char *t)
{
    static const struct {
        const char *alias;
        int nid;
    } aliases[] = {
        { "e", NID_pkcs9_emailAddress },  { "email", NID_pkcs9_emailAddress },
        { "s", NID_stateOrProvinceName }, { "street", NID_streetAddress },
        { "uid", NID_userId },            { "dc", NID_domainComponent },
        { "sn", NID_surname },            { "serialnumber", NID_serialNumber },
    };
    for (size_t i = 0; i < WSSEC_ARRAY_LEN(aliases); i++)
        if (strcasecmp(t, aliases[i].alias) == 0) return aliases[i].nid;
    if (strncasecmp(t, "oid.", 4) == 0) t += 4;
    if (isdigit((unsigned char)t[0])) {
        ASN1_OBJECT *o = OBJ_txt2obj(t, 1);
        int nid = o ? OBJ_obj2nid(o) : NID_undef;
        ASN1_OBJECT_free(o);
        return nid;
    }
    char up[80];
    snprintf(up, sizeof(up), "%s", t);
    for (char *p = up; *p; p++) *p = (char)toupper((unsigned char)*p);
    int nid = OBJ_sn2nid(up);
    if (nid == NID_undef) nid = OBJ_ln2nid(t);
    if (nid == NID_undef) { /* long names are mixed case: organizationName */
        for (int n = 1; n < 1200 && nid == NID_undef; n++) {
            const char *ln = OBJ_nid2ln(n), *sn = OBJ_nid2sn(n);
            if ((ln && strcasecmp(ln, t) == 0) || (sn && strcasecmp(sn, t) == 0)) nid = n;
        }
    }
    return nid;
}

static int hexval(int c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

int wssec__dn_canon_text(const char *text, bool reverse, char **out)
{
    return wssec__dn_canon_text_max(text, reverse, 0, out);
}

/* An attribute type and its '=' at *p (spaces around it skipped), into
 * tname. Returns 0 with *p after the '=' and the spaces that follow, or
 * WSSEC_EINVALID. */
static int parse_attr_type(const char **pp, char *tname, size_t size)
{
    const char *p = *pp;
    while (isspace((unsigned char)*p)) p++;
    const char *t = p;
    while (*p && *p != '=' && *p != ',' && *p != ';' && *p != '+') p++;
    if (*p != '=') return WSSEC_EINVALID;
    size_t tl = (size_t)(p - t);
    while (tl && isspace((unsigned char)t[tl - 1])) tl--;
    if (tl == 0 || tl >= size) return WSSEC_EINVALID;
    memcpy(tname, t, tl);
    tname[tl] = '\0';
    p++; /* '=' */
    while (*p == ' ') p++;
    *pp = p;
    return 0;
}

/* An RFC 1779 quoted value at *p ('"' ... '"', backslash escapes), into
 * val; the spaces after it are skipped. Returns 0 or WSSEC_EINVALID. */
static int parse_quoted_value(const char **pp, unsigned char *val, size_t *vl)
{
    const char *p = *pp + 1;
    while (*p && *p != '"') {
        if (*p == '\\' && p[1]) p++;
        val[(*vl)++] = (unsigned char)*p++;
    }
    if (*p != '"') return WSSEC_EINVALID;
    p++;
    while (*p == ' ') p++;
    *pp = p;
    return 0;
}

/* An RFC 4514 value at *p, up to the next separator: \XX and \c escapes
 * decoded, trailing spaces dropped unless escaped. Returns 0 or
 * WSSEC_EINVALID (a backslash at the end). */
static int parse_plain_value(const char **pp, unsigned char *val, size_t *vl)
{
    const char *p = *pp;
    size_t keep = 0; /* length up to the last escaped character */
    while (*p && *p != ',' && *p != ';' && *p != '+') {
        if (*p == '\\') {
            int h1 = hexval((unsigned char)p[1]), h2 = h1 >= 0 ? hexval((unsigned char)p[2]) : -1;
            if (h1 >= 0 && h2 >= 0) {
                val[(*vl)++] = (unsigned char)(h1 * 16 + h2);
                p += 3;
            } else if (p[1]) {
                val[(*vl)++] = (unsigned char)p[1];
                p += 2;
            } else {
                return WSSEC_EINVALID;
            }
            keep = *vl;
        } else {
            val[(*vl)++] = (unsigned char)*p++;
        }
    }
    while (*vl > keep && val[*vl - 1] == ' ') (*vl)--;
    *pp = p;
    return 0;
}

/* One attribute (type=value) at *p: its canonical type (a known type, or a
 * dotted OID) and its value in val. Returns 0 with *p at its separator, or
 * WSSEC_EINVALID. */
static int parse_attr(const char **pp, unsigned char *val, size_t *vl, char *type, size_t size)
{
    char tname[80];
    int rc = parse_attr_type(pp, tname, sizeof(tname));
    if (!rc)
        rc = **pp == '"' ? parse_quoted_value(pp, val, vl) : parse_plain_value(pp, val, vl);
    if (rc) return rc;
    int nid = type_nid(tname);
    canon_type(nid, tname, type, size);
    if (nid == NID_undef && !isdigit((unsigned char)type[0]))
        return WSSEC_EINVALID; /* an attribute type nobody knows */
    return 0;
}

int wssec__dn_canon_text_max(const char *text, bool reverse, size_t max_values, char **out)
{
    *out = NULL;
    rdn *rs = NULL;
    size_t n = 0, values = 0;
    int rc = 0;
    const char *p = text;
    bool new_rdn = true;
    /* a value is never longer than the text it is written in */
    unsigned char *val = wssec__malloc(strlen(text) + 1);
    if (!val) return WSSEC_ENOMEM;
    while (isspace((unsigned char)*p)) p++;
    if (!*p) rc = WSSEC_EINVALID;
    while (*p && !rc) {
        char type[80];
        size_t vl = 0;
        if ((rc = parse_attr(&p, val, &vl, type, sizeof(type)))) break;
        if (max_values && ++values > max_values) {
            rc = WSSEC_ELIMIT;
            break;
        }
        rc = rdn_add(&rs, &n, new_rdn, type, val, vl, false);
        /* '+' joins the next attribute to this RDN; ',' or ';' starts one */
        new_rdn = *p != '+';
        if (*p) {
            p++;
            if (!*p) rc = WSSEC_EINVALID; /* trailing separator */
        }
    }
    wssec__free(val);
    if (!rc) rc = rdns_join(rs, n, reverse, out);
    rdns_free(rs, n);
    return rc;
}

int wssec__dn_equal_text(const X509_NAME *name, const char *text, bool either_order)
{
    char *a = NULL, *b = NULL;
    int eq = 0;
    if (wssec__dn_canon_name(name, &a) == 0 && wssec__dn_canon_text(text, false, &b) == 0)
        eq = strcmp(a, b) == 0;
    wssec__free(b);
    b = NULL;
    if (!eq && either_order && a && wssec__dn_canon_text(text, true, &b) == 0)
        eq = strcmp(a, b) == 0;
    wssec__free(a);
    wssec__free(b);
    return eq;
}

int wssec__serial_equal_text(const X509 *cert, const char *text)
{
    while (isspace((unsigned char)*text)) text++;
    BIGNUM *want = NULL;
    size_t n = strlen(text);
    while (n && isspace((unsigned char)text[n - 1])) n--;
    char digits[200];
    if (n == 0 || n >= sizeof(digits)) return 0;
    memcpy(digits, text, n);
    digits[n] = '\0';
    for (size_t i = 0; i < n; i++)
        if (!isdigit((unsigned char)digits[i]) && !(i == 0 && digits[0] == '-')) return 0;
    if (!BN_dec2bn(&want, digits)) return 0;
    BIGNUM *have = ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert), NULL);
    int eq = have && BN_cmp(want, have) == 0;
    BN_free(want);
    BN_free(have);
    return eq;
}
