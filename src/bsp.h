/*
 * wssec — the Basic Security Profile rules a peer may be let off (bsp.c).
 */
#ifndef WSSEC_SRC_BSP_H
#define WSSEC_SRC_BSP_H

#include <stdbool.h>

#include "wssec/context.h"
#include "settings.h"

enum wssec_bsp_rule {
    WSSEC_BSP_R3029 = 0, /* BinarySecurityToken EncodingType: a token without one read as base64 */
    WSSEC_BSP_R4201,     /* Password Type attribute: a namespace-qualified wsse:Type accepted */
    WSSEC_BSP_R4220,     /* Nonce EncodingType: a Nonce without one read as base64 */
    WSSEC_BSP_R5404,     /* SignedInfo CanonicalizationMethod: inclusive C14N accepted */
    WSSEC_BSP_R5412,     /* a Reference's last transform: inclusive C14N accepted */
    WSSEC_BSP_R5417,     /* a Signature's KeyInfo: ds:X509Data accepted in place of an STR */
    WSSEC_BSP_R5426,     /* an EncryptedKey's KeyInfo: ds:X509Data accepted in place of an STR */
    WSSEC_BSP_N
};
/* The rule names and aliases bsp-relax accepts (NULL-terminated). */
extern const char *const wssec__bsp_relax_names[];
/* Whether bsp-relax names the rule (by its number or an alias). */
bool wssec__bsp_relaxed(const wssec_settings *s, int rule);
/* The same for the context's bsp-relax setting, read through the SDK: what
 * token modules call. */
bool wssec__bsp_relaxed_in(const wssec_ctx *ctx, int rule);
/* "R4220" */
const char *wssec__bsp_rule_name(int rule);

#endif /* WSSEC_SRC_BSP_H */
