/*
 * assertion_fuzzer — identity assertion (tokens/assertion.c, identity.c,
 * the UsernameToken module's assertion path): messages from a trusted
 * gateway asserting a user name or alice's DN under its signature
 * (trust-mode signature), and from an upstream that proves itself with a
 * UsernameToken (trust-mode basic). The input mutates the asserted tokens
 * (UsernameToken, BinarySecurityToken) and the gateway's own. Signed bases:
 * an accepted message has the same caller and upstream as the base, and
 * the gateway's Body. Basic: the upstream is the base's (bob) or none, and
 * without an upstream the caller is a user of the password table.
 */
#include <string.h>

#include "fuzz_pairs.h"

#define GW_DN "CN=gateway,OU=Gateways,O=wssec test,C=US"
#define ALICE_DN "CN=alice,OU=Clients,O=wssec test,C=US"

static const char *const gw_acts[] = { "timestamp", "identity-assertion", "signature", NULL };
static const char *const basic_acts[] = { "timestamp", "username-token", "identity-assertion",
                                          NULL };

#define GATEWAY "sign-key", FZ_PKI "gateway.key", "sign-cert", FZ_PKI "gateway.crt"
static const char *const s_user[] = { GATEWAY, NULL };
static const char *const s_dn[] = { GATEWAY, "assert-cert", FZ_PKI "alice.crt", "assert-dn",
                                    ALICE_DN, NULL };
static const char *const s_basic[] = { NULL };

/* identity assertion needs signature replay on: a fresh context per input */
static const char *const r_sig[] = { RX, "replay-signatures", "true", "trusted-upstream", GW_DN, NULL };
static const char *const r_basic[] = { "trust-mode", "basic", "trusted-upstream", "bob", "require",
                                       "timestamp,username-token", NULL };

#define INTEGRITY (FZ_SIGNED_BODY | FZ_SAME_BODY | FZ_SAME_CALLER)

static const fz_base bases[] = {
    { "signature-user", 11, s_user, gw_acts, NULL, "carol", r_sig, INTEGRITY | FZ_FRESH_CTX },
    { "signature-dn", 11, s_dn, gw_acts, NULL, NULL, r_sig, INTEGRITY | FZ_FRESH_CTX },
    { "basic", 11, s_basic, basic_acts, "bob", "carol", r_basic, FZ_FRESH_CTX },
};

static const char *const focus[][2] = {
    { WSSEC_NS_WSSE, "UsernameToken" },
    { WSSEC_NS_WSSE, "BinarySecurityToken" },
};

static void check(const fz_run *r)
{
    if (strcmp(r->base->name, "basic") != 0) return;
    const char *by = wssec_result_asserted_by(r->res);
    const char *caller = wssec_result_caller(r->res);
    if (by && strcmp(by, "bob") != 0) fz_fail("accepted an assertion by another upstream", by);
    if (!by && caller && !fz_password(caller))
        fz_fail("accepted an unproved caller without an upstream", caller);
}

const fz_target fz_target_def = {
    .name = "assertion",
    .bases = bases,
    .nbases = sizeof(bases) / sizeof(bases[0]),
    .focus = focus,
    .nfocus = sizeof(focus) / sizeof(focus[0]),
    .check = check,
};
