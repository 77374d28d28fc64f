/*
 * wssec — the SOAP model: envelope, header, body and our Security header
 * (soap.c).
 */
#ifndef WSSEC_SRC_SOAP_H
#define WSSEC_SRC_SOAP_H

#include <libxml/tree.h>

#include "wssec/message.h"

/* Checks the envelope and fills msg->soap, header, body, security. */
int wssec__soap_bind(wssec_msg *msg);
/* 1 if a header block is targeted at this node given the configured actor. */
int wssec__soap_targets_us(const wssec_msg *msg, xmlNodePtr block);

#endif /* WSSEC_SRC_SOAP_H */
