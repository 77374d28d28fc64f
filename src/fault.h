/*
 * wssec — SOAP faults (fault.c): wssec_fault_serialize() of the public API
 * and the generic reason a fault QName is sent with.
 */
#ifndef WSSEC_SRC_FAULT_H
#define WSSEC_SRC_FAULT_H

/* The short, generic English reason for a fault QName ("wsse:FailedCheck"):
 * what a remote sender may be told; never the diagnostic. */
const char *wssec__fault_reason(const char *fault);

#endif /* WSSEC_SRC_FAULT_H */
