/*
 * wssec — the token module interface. Kept for plug-ins written against
 * wssec 0.1: the module SDK now lives in include/wssec/sys/.
 */
#ifndef WSSEC_MODULE_H
#define WSSEC_MODULE_H

#include "sys/module.h"

#endif /* WSSEC_MODULE_H */
