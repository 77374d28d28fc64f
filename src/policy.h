/*
 * wssec — the inbound policy: what was required, checked once over the
 * record after every consumer ran; and XPath part selection (policy.c).
 */
#ifndef WSSEC_SRC_POLICY_H
#define WSSEC_SRC_POLICY_H

#include <stdbool.h>
#include <stddef.h>

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

/* ---- the part selector: what a sign-part or encrypt-part value names ---- */

/* An encrypt-part value's optional suffix: part without ":content" or
 * ":element" in buf (cut to size), and 1 (":content"), 0 (":element") or
 * -1 (no suffix: by the kind of element). */
int wssec__part_mode(char *buf, size_t size, const char *part);
/* Takes one selected node (of any type: the callee refuses what is not an
 * element); 0, or the code of the error it recorded on msg. */
typedef int (*wssec_part_add_fn)(wssec_msg *msg, xmlNodePtr node, void *ud);
/* The nodes a {NS}LOCAL or XPath part selects in the message, each given to
 * add in document order: for {NS}LOCAL every element of that name (with
 * outermost, none inside one already selected); for anything else, the
 * XPath's nodes (wssec_msg_select()). Keyword parts (body, timestamp, ...)
 * are the caller's. *found counts the nodes given to add. what names the
 * option and shown the value as given, in the errors recorded on msg:
 * "<what> '<shown>' is not a QName", "... cannot be evaluated" (both
 * WSSEC_ECONFIG, or WSSEC_ENOMEM); an error of add stops the selection.
 * Whether selecting nothing is an error, and its words, are the caller's. */
int wssec__part_select(size_t *found, wssec_msg *msg, const char *what, const char *part,
                       const char *shown, bool outermost, wssec_part_add_fn add, void *ud);
/* A configuration that requires a signature but no Timestamp accepts
 * signed messages that stay valid as long as their signer's certificate:
 * said on the result (once) of every message with a signature. 0 or
 * WSSEC_ENOMEM. */
int wssec__policy_warn_no_timestamp(wssec_msg *msg);

#endif /* WSSEC_SRC_POLICY_H */
