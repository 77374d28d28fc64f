/*
 * wssec — process-wide set-up of libxml2, xmlsec and OpenSSL (global.c).
 */
#ifndef WSSEC_SRC_GLOBAL_H
#define WSSEC_SRC_GLOBAL_H

/* Silences libxml2's error output for the calling thread (its handlers are
 * per thread): errors are reported on the message instead. */
void wssec__quiet_libxml(void);

/* Out of memory inside libxml2 or xmlsec, on this thread: libxml2 2.9
 * carries on after some failed allocations and hands back a damaged tree (a
 * namespace declaration without its prefix, a node or attribute missing), so
 * every public call that works on a document clears this first and, when
 * libxml2 or xmlsec reported an allocation failure meanwhile (through the
 * handlers wssec installs), fails with WSSEC_ENOMEM instead of succeeding. */
void wssec__oom_clear(void);
int wssec__oom_seen(void);

/* Process-wide one-time initialisation of libxml2, xmlsec and OpenSSL. */
int wssec__global_init(void);

#endif /* WSSEC_SRC_GLOBAL_H */
