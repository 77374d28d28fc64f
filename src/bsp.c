/*
 * wssec — the WS-I Basic Security Profile 1.1 rules a peer may be let off by
 * name (bsp-relax): interoperability rules that old peers break without
 * making the message less safe. Every other BSP rule the consumers enforce
 * is a safety rule and is never relaxed (README, "The Basic Security
 * Profile by default").
 */
#include <string.h>

#include "wssec/wssec.h"
#include "wssec/sys/sdk.h"
#include "bsp.h"
#include "settings.h"

/* One row per relaxable rule: its number and the readable alias that names
 * it (an alias may name several rules: inclusive-c14n is R5404 and R5412). */
static const struct {
    const char *rule, *alias;
} rules[WSSEC_BSP_N] = {
    [WSSEC_BSP_R3029] = { "R3029", "bst-without-encoding-type" },
    [WSSEC_BSP_R4201] = { "R4201", "qualified-password-type" },
    [WSSEC_BSP_R4220] = { "R4220", "nonce-without-encoding-type" },
    [WSSEC_BSP_R5404] = { "R5404", "inclusive-c14n" },
    [WSSEC_BSP_R5412] = { "R5412", "inclusive-c14n" },
    [WSSEC_BSP_R5417] = { "R5417", "keyinfo-x509data" },
    [WSSEC_BSP_R5426] = { "R5426", "keyinfo-x509data" },
};

/* The words bsp-relax accepts, for the option table (its error lists them). */
const char *const wssec__bsp_relax_names[] = {
    "R3029", "R4201", "R4220", "R5404", "R5412", "R5417", "R5426",
    "bst-without-encoding-type", "qualified-password-type", "nonce-without-encoding-type",
    "inclusive-c14n", "keyinfo-x509data", NULL,
};

const char *wssec__bsp_rule_name(int rule)
{
    return rule >= 0 && rule < WSSEC_BSP_N ? rules[rule].rule : "?";
}

/* Whether the items of a bsp-relax list name the rule. */
static bool relaxed(const char *const *items, size_t n, int rule)
{
    if (rule < 0 || rule >= WSSEC_BSP_N) return false;
    for (size_t i = 0; i < n; i++)
        if (strcmp(items[i], rules[rule].rule) == 0 || strcmp(items[i], rules[rule].alias) == 0)
            return true;
    return false;
}

bool wssec__bsp_relaxed(const wssec_settings *s, int rule)
{
    return relaxed((const char *const *)s->bsp_relax.v, s->bsp_relax.n, rule);
}

bool wssec__bsp_relaxed_in(const wssec_ctx *ctx, int rule)
{
    const char *const *items = NULL;
    size_t n = 0;
    return wssec_ctx_get_list(&items, &n, ctx, "bsp-relax") == 0 && relaxed(items, n, rule);
}
