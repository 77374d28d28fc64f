/*
 * wssec — WS-Security SOAP message processor. Include this header only.
 *
 * Typical inbound use (errors elided):
 *
 *     wssec_config *cfg; wssec_ctx *ctx;
 *     wssec_config_new(&cfg);
 *     wssec_config_set(cfg, "require", "timestamp,username-token");
 *     wssec_config_set_password_cb(cfg, lookup_password, users);
 *     wssec_ctx_new(&ctx, cfg);            // once; share between threads
 *     wssec_config_free(cfg);
 *
 *     wssec_msg *msg; wssec_result *res;   // per message, per thread
 *     wssec_msg_new(&msg, ctx);
 *     if (wssec_msg_parse(msg, buf, len) == 0 && wssec_verify(&res, msg) == 0)
 *         run_as(wssec_result_caller(res));
 *     wssec_result_free(res);
 *     wssec_msg_free(msg);
 */
#ifndef WSSEC_H
#define WSSEC_H

#include "common.h"
#include "ns.h"
#include "error.h"
#include "config.h"
#include "context.h"
#include "message.h"
#include "process.h"
#include "module.h"
#include "replay.h"
#include "identity.h"
#include "validate.h"
#include "keylocator.h"
#include "seccontext.h"
#include "wspolicy.h"

#endif /* WSSEC_H */
