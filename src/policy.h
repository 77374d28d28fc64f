/*
 * wssec — the inbound policy: what was required, checked once over the
 * record after every consumer ran; and XPath part selection (policy.c).
 */
#ifndef WSSEC_SRC_POLICY_H
#define WSSEC_SRC_POLICY_H

#include <libxml/xpath.h>

#include "wssec/config.h"
#include "wssec/message.h"

/* Checks the policy options (XPath expressions, regular expressions) once. */
int wssec__policy_check_config(wssec_config *cfg);
/* The policy. */
int wssec__run_policy(wssec_msg *msg);
/* Refuses a signed security token moved out of our Security header. */
int wssec__signed_tokens_in_place(wssec_msg *msg);
int wssec__part_is_xpath(const char *part);
/* A configuration that requires a signature but no Timestamp accepts
 * signed messages that stay valid as long as their signer's certificate:
 * said on the result (once) of every message with a signature. 0 or
 * WSSEC_ENOMEM. */
int wssec__policy_warn_no_timestamp(wssec_msg *msg);

#endif /* WSSEC_SRC_POLICY_H */
