/*
 * wssec — the whole module SDK, for a module or plug-in: the module
 * interface and every helper it may use.
 */
#ifndef WSSEC_SYS_SDK_H
#define WSSEC_SYS_SDK_H

#include "keys.h"
#include "module.h"
#include "record.h"
#include "settings.h"
#include "token.h"
#include "xml.h"

#endif /* WSSEC_SYS_SDK_H */
