/*
 * wssec — WS-SecurityPolicy internals (wspolicy.c reads and normalises,
 * wspolicy_map.c translates assertions into options and checks messages).
 */
#ifndef WSSEC_SRC_WSPOLICY_H
#define WSSEC_SRC_WSPOLICY_H

#include <stdbool.h>
#include <stddef.h>

#include <libxml/tree.h>

#include "wssec/wspolicy.h"
#include "error.h"

#define WP_NS_WSP12 "http://schemas.xmlsoap.org/ws/2004/09/policy"
#define WP_NS_WSP15 "http://www.w3.org/ns/ws-policy"
#define WP_NS_SP11 "http://schemas.xmlsoap.org/ws/2005/07/securitypolicy"
#define WP_NS_SP12 "http://docs.oasis-open.org/ws-sx/ws-securitypolicy/200702"

#define WP_MAX_ALTS 16     /* alternatives of one message's policy */
#define WP_MAX_ITEMS 48    /* assertions in one alternative */
#define WP_MAX_DEPTH 16    /* nesting of operators, references and nested policies */
#define WP_MAX_TARGETS 32  /* messages of one document */
#define WP_MAX_SETTINGS 48 /* settings one alternative translates into */
#define WP_MAX_CHECKS 8    /* header checks of one alternative */
#define WP_MAX_REFS 256    /* wsp:PolicyReferences resolved in one document */

/* One alternative before translation: its assertion elements. */
typedef struct wp_alt_nodes {
    xmlNodePtr a[WP_MAX_ITEMS];
    size_t n;
} wp_alt_nodes;

typedef struct wp_set {
    wp_alt_nodes v[WP_MAX_ALTS];
    size_t n;
} wp_set;

typedef struct wp_setting {
    char option[32]; /* "" for a check of wssec_policy_check() */
    char value[480];
    char assertion[128];
    int dir; /* wssec_policy_dir */
} wp_setting;

/* A header SignedParts or EncryptedParts names: signed (encrypted) when
 * present. name "" is every header of the namespace. */
typedef struct wp_check {
    bool encrypted;
    char ns[240], name[120];
    char assertion[128];
} wp_check;

enum { WP_LAYOUT_NONE, WP_LAYOUT_STRICT, WP_LAYOUT_LAX, WP_LAYOUT_TSFIRST, WP_LAYOUT_TSLAST };

/* The protection order checked inbound (a message that signs and encrypts). */
enum { WP_ORDER_NONE, WP_ORDER_SIGN_FIRST, WP_ORDER_ENCRYPT_FIRST };

/* An X.509 token's inclusion checked inbound: whether the signer's
 * certificate must (or must not) travel in a BinarySecurityToken. */
enum { WP_INC_ANY, WP_INC_MUST, WP_INC_MUST_NOT };

/* One inclusion check: the sender's signature (0) or the endorsing one (1). */
typedef struct wp_inclusion {
    int rule;           /* WP_INC_... */
    char mode[24];      /* "Never", "Always", "AlwaysToRecipient" ... */
    char assertion[80]; /* "sp:InitiatorToken/sp:X509Token" */
    char profile[12];      /* the token profile's BST value type ("x509v3"); "" any */
    char profile_name[40]; /* its assertion, "sp:WssX509V3Token10" */
} wp_inclusion;

typedef struct wp_alt {
    char why[600];   /* not supported: why (names the assertion); "" supported */
    wp_setting *set; /* WP_MAX_SETTINGS of them */
    size_t nset;
    wp_check checks[WP_MAX_CHECKS];
    size_t nchecks;
    int layout;
    bool only_entire; /* OnlySignEntireHeadersAndBody */
    char layout_assertion[64];
    bool encsig;       /* EncryptSignature: no Signature in the clear */
    char why_out[200]; /* cannot be applied outbound: why; "" when it can */
    bool symmetric;    /* SymmetricBinding: signed with a session key (HMAC) */
    char endorse[80];  /* the endorsing X509Token's assertion; "" when none */
    bool derived;      /* RequireDerivedKeys: the HMAC keyed by a derived key */
    int order;         /* WP_ORDER_...: which comes first, signing or encrypting */
    char order_assertion[64];
    wp_inclusion inc[2]; /* the sender's signing token, the endorsing token */
} wp_alt;

typedef struct wp_target {
    char binding[128], operation[128], message[16];
    wp_alt *alts;
    size_t nalts;
} wp_target;

struct wssec_policy {
    wssec_errrec err;
    char name[256];
    xmlDocPtr doc;
    xmlNodePtr chain[WP_MAX_DEPTH]; /* the policies being expanded (cycles) */
    size_t nchain;
    size_t nrefs;
    wp_target t[WP_MAX_TARGETS];
    size_t nt;
};

bool wp_is_wsp(xmlNodePtr e);
bool wp_attr_true(xmlNodePtr e, const char *name);
/* The single alternative of the policy nested in an assertion (none: an
 * empty one); more than one is refused. 0 or an error recorded on p. */
int wp_nested(wssec_policy *p, xmlNodePtr assertion, wp_alt_nodes *out);
/* Translates one alternative for a message ("input", "output" or "");
 * an unsupported or unknown assertion makes x->why. 0, WSSEC_ENOMEM or
 * WSSEC_ELIMIT. */
int wp_translate(wssec_policy *p, wp_alt *x, const wp_alt_nodes *nodes, const char *message);

#endif /* WSSEC_SRC_WSPOLICY_H */
