/*
 * mod_wssec — counters shared by the children, and the handler that prints
 * them in the Prometheus text format (SetHandler wssec-status).
 *
 * The counters live in anonymous shared memory made in post_config, so they
 * count for every child of the generation; a graceful restart starts them
 * at zero again (a counter reset, which Prometheus's rate() takes in its
 * stride). They are updated with atomic operations, without a lock.
 */
#include <string.h>

#include <httpd.h>
#include <http_config.h>
#include <http_log.h>
#include <http_protocol.h>
#include <apr_atomic.h>
#include <apr_shm.h>

#include "gateway.h"

APLOG_USE_MODULE(wssec_gateway);

/* Upper bounds of the latency histogram's buckets, in microseconds. */
static const apr_uint64_t bucket_us[] = { 500,   1000,  2000,   5000,   10000,
                                          25000, 50000, 100000, 250000, 1000000 };
static const char *const bucket_le[] = { "0.0005", "0.001", "0.002", "0.005", "0.01",
                                         "0.025",  "0.05",  "0.1",   "0.25",  "1" };
#define GW_BUCKETS (sizeof(bucket_us) / sizeof(bucket_us[0]))

typedef struct gw_stats {
    volatile apr_uint64_t accepted;
    volatile apr_uint64_t rejected[WSSEC_CODE_COUNT]; /* by -code */
    volatile apr_uint64_t rejected_method, rejected_read;
    volatile apr_uint64_t bucket[GW_BUCKETS + 1]; /* the last: +Inf */
    volatile apr_uint64_t latency_us_sum;
    volatile apr_uint64_t replay_inserts, replay_replays, replay_failures;
} gw_stats;

static gw_stats *stats;

int gw_stats_init(server_rec *s, apr_pool_t *pconf)
{
    apr_shm_t *shm = NULL;
    apr_status_t rv = apr_shm_create(&shm, sizeof(gw_stats), NULL, pconf);
    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_EMERG, rv, s, "wssec: shared memory for the counters");
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    stats = apr_shm_baseaddr_get(shm);
    memset((void *)stats, 0, sizeof(*stats));
    return OK;
}

void gw_stats_verdict(int code, apr_interval_time_t us)
{
    size_t b = 0;
    if (!stats) return;
    if (code == 0) apr_atomic_inc64(&stats->accepted);
    else if (code == GW_REJECT_METHOD) apr_atomic_inc64(&stats->rejected_method);
    else if (code == GW_REJECT_READ) apr_atomic_inc64(&stats->rejected_read);
    else if (code < 0 && -code < WSSEC_CODE_COUNT) apr_atomic_inc64(&stats->rejected[-code]);
    if (us < 0) return; /* no message was verified */
    while (b < GW_BUCKETS && (apr_uint64_t)us > bucket_us[b]) b++;
    apr_atomic_inc64(&stats->bucket[b]);
    apr_atomic_add64(&stats->latency_us_sum, (apr_uint64_t)us);
}

void gw_stats_replay(int rc)
{
    if (!stats) return;
    if (rc == 0) apr_atomic_inc64(&stats->replay_inserts);
    else if (rc == WSSEC_EREPLAY) apr_atomic_inc64(&stats->replay_replays);
    else apr_atomic_inc64(&stats->replay_failures);
}

static apr_uint64_t rd(volatile apr_uint64_t *v) { return apr_atomic_read64(v); }

static void counter(request_rec *r, const char *name, const char *help, apr_uint64_t v)
{
    ap_rprintf(r, "# HELP %s %s\n# TYPE %s counter\n%s %" APR_UINT64_T_FMT "\n", name, help, name,
               name, v);
}

static void print_histogram(request_rec *r)
{
    apr_uint64_t cum = 0;
    ap_rputs("# HELP wssec_verify_seconds Time from the start of the request to the verdict "
             "(reading the body included), for every request whose body was checked.\n"
             "# TYPE wssec_verify_seconds histogram\n",
             r);
    for (size_t b = 0; b < GW_BUCKETS; b++) {
        cum += rd(&stats->bucket[b]);
        ap_rprintf(r, "wssec_verify_seconds_bucket{le=\"%s\"} %" APR_UINT64_T_FMT "\n",
                   bucket_le[b], cum);
    }
    cum += rd(&stats->bucket[GW_BUCKETS]);
    ap_rprintf(r, "wssec_verify_seconds_bucket{le=\"+Inf\"} %" APR_UINT64_T_FMT "\n", cum);
    ap_rprintf(r, "wssec_verify_seconds_sum %.6f\n", (double)rd(&stats->latency_us_sum) / 1e6);
    ap_rprintf(r, "wssec_verify_seconds_count %" APR_UINT64_T_FMT "\n", cum);
}

int gw_status_handler(request_rec *r)
{
    if (!r->handler || strcmp(r->handler, "wssec-status") != 0) return DECLINED;
    if (r->method_number != M_GET) return HTTP_METHOD_NOT_ALLOWED;
    if (!stats) return HTTP_SERVICE_UNAVAILABLE;
    ap_set_content_type(r, "text/plain; version=0.0.4; charset=utf-8");
    if (r->header_only) return OK;
    counter(r, "wssec_messages_accepted_total", "Messages accepted and handed on.",
            rd(&stats->accepted));
    ap_rputs("# HELP wssec_messages_rejected_total Requests refused, by wssec error code (method: "
             "not a POST; read: the body could not be read).\n"
             "# TYPE wssec_messages_rejected_total counter\n",
             r);
    for (int i = 1; i < WSSEC_CODE_COUNT; i++)
        ap_rprintf(r, "wssec_messages_rejected_total{code=\"%s\"} %" APR_UINT64_T_FMT "\n",
                   wssec_code_name(-i), rd(&stats->rejected[i]));
    ap_rprintf(r, "wssec_messages_rejected_total{code=\"method\"} %" APR_UINT64_T_FMT "\n",
               rd(&stats->rejected_method));
    ap_rprintf(r, "wssec_messages_rejected_total{code=\"read\"} %" APR_UINT64_T_FMT "\n",
               rd(&stats->rejected_read));
    print_histogram(r);
    counter(r, "wssec_replay_cache_inserts_total", "Keys stored in the shared replay cache.",
            rd(&stats->replay_inserts));
    counter(r, "wssec_replay_cache_replays_total",
            "Keys the shared replay cache already held: replays refused.",
            rd(&stats->replay_replays));
    counter(r, "wssec_replay_cache_failures_total",
            "Shared replay cache errors (the message was refused).", rd(&stats->replay_failures));
    return OK;
}
