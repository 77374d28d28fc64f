/*
 * wssec — the built-in token modules. Only the registry includes this.
 */
#ifndef WSSEC_SRC_TOKENS_H
#define WSSEC_SRC_TOKENS_H

#include "wssec/module.h"

extern const wssec_module wssec__module_timestamp;
extern const wssec_module wssec__module_username;
extern const wssec_module wssec__module_bst;
extern const wssec_module wssec__module_signature;
extern const wssec_module wssec__module_encryption;
extern const wssec_module wssec__module_assertion;
extern const wssec_module wssec__module_reference_list;
extern const wssec_module wssec__module_derived_key;
extern const wssec_module wssec__module_derived_key_13;
extern const wssec_module wssec__module_sct;
extern const wssec_module wssec__module_sct_13;
extern const wssec_module wssec__module_endorse;
extern const wssec_module wssec__module_confirmation;

#endif /* WSSEC_SRC_TOKENS_H */
