/*
 * wssec tests — every private header of the library: white-box tests may
 * reach inside any unit (the library's own files may not; see
 * tests/layering.sh).
 */
#ifndef WSSEC_TEST_PRIVATE_H
#define WSSEC_TEST_PRIVATE_H

#include "wssec/sys/sdk.h"
#include "algs.h"
#include "bsp.h"
#include "config.h"
#include "context.h"
#include "error.h"
#include "global.h"
#include "identity.h"
#include "keyref.h"
#include "keystore.h"
#include "options.h"
#include "plugin.h"
#include "policy.h"
#include "record.h"
#include "registry.h"
#include "replay_url.h"
#include "settings.h"
#include "soap.h"
#include "symkey.h"
#include "tokens/encryption.h"
#include "trust.h"
#include "trust_cache.h"
#include "validate.h"
#include "util.h"
#include "x509.h"
#include "x509_dn.h"
#include "xml.h"

#endif /* WSSEC_TEST_PRIVATE_H */
