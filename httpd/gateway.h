/*
 * mod_wssec — what the module's files share: the shared replay cache
 * (replay_socache.c), the counters and the status handler (status.c), used
 * by the module proper (mod_wssec.c).
 *
 * mod_wssec is a client of libwssec's public API (include/wssec) and of
 * httpd's, nothing more.
 */
#ifndef WSSEC_HTTPD_GATEWAY_H
#define WSSEC_HTTPD_GATEWAY_H

#include <httpd.h>
#include <http_config.h>
#include <apr_pools.h>

#include <wssec/wssec.h>

/* The name the global mutex of the shared replay cache is configured by
 * (Mutex wssec-replay ...). */
#define GW_REPLAY_MUTEX "wssec-replay"

/* Registers the mutex type; in pre_config, every generation. */
apr_status_t gw_replay_pre_config(apr_pool_t *pconf);

/*
 * The replay cache shared by every child of this httpd: an httpd socache
 * (SPEC "provider[:args]", NULL for "shmcb:(16777216)") behind a global
 * mutex, so that the look-up and the store of one key are one step for
 * every process and thread. Made once per configuration generation (in
 * @p pconf, like mod_ssl's session cache): later calls of the generation
 * return the same cache. @p s is the main server (for logging).
 *
 * @return the cache (borrowed: it lives as long as @p pconf), or NULL after
 *         logging why (provider not loaded, shared memory, mutex).
 */
wssec_replay_cache *gw_replay_shared(server_rec *s, const char *spec, apr_pool_t *pconf,
                                     apr_pool_t *ptemp);

/* In child_init: re-opens the global mutex in the child. */
void gw_replay_child_init(apr_pool_t *pchild, server_rec *s);

/* Refusals that are not a wssec code, for gw_stats_verdict(). */
#define GW_REJECT_METHOD 1
#define GW_REJECT_READ 2

/* The counters (status.c): made in post_config, in shared memory. */
int gw_stats_init(server_rec *s, apr_pool_t *pconf);

/* Counts a verdict: 0 accepted, a negative wssec code, or GW_REJECT_*;
 * @p us the time taken (microseconds), or -1 when nothing was verified. */
void gw_stats_verdict(int code, apr_interval_time_t us);

/* Counts the outcome of one insert into the shared replay cache. */
void gw_stats_replay(int rc);

/* The handler of SetHandler wssec-status: the counters, Prometheus text. */
int gw_status_handler(request_rec *r);

#endif /* WSSEC_HTTPD_GATEWAY_H */
