/*
 * mod_wssec — the replay cache shared by the children of one httpd: an
 * httpd socache (mod_socache_shmcb by default) behind a global mutex,
 * plugged into libwssec as a replay back end (include/wssec/replay.h).
 *
 * Each of httpd's children has its own memory, so libwssec's default
 * in-memory cache would let a message replayed to another child through.
 * The socache is shared memory, and the global mutex makes the look-up and
 * the store of one key a single step for every process and thread.
 *
 * The cache outlives a graceful restart: a cache recreated with each
 * configuration generation would start empty, and a message accepted in the
 * (max-age + clock-skew) before the restart could be replayed once after
 * it. So what holds the keys — the socache instance (its shared memory) and
 * the global mutex — is made once, in the process pool, and found again by
 * each later generation (apr_pool_userdata of that pool), old and new
 * children sharing it while the old ones finish. Only code-bearing parts are
 * per generation (pconf): a graceful restart unloads and reloads every
 * module, the socache provider's code included, so the provider is looked up
 * again and the library's replay-cache object (whose operations are this
 * file's functions) is made again. Nothing of a module's code may run when
 * the process pool goes: the mutex's clean-up is APR's, and the instance
 * lives in an unmanaged pool that is never destroyed (see persist_get). A
 * WSSecReplayCache changed between generations makes a new instance; the
 * old one stays until httpd stops (the old children may still use it).
 *
 * A caveat of shmcb that the size must answer: when a subcache is full,
 * shmcb drops its oldest entries, live or not, to make room. An entry
 * dropped before it expires is a replay window, so the cache must hold
 * every key accepted within (max-age + clock-skew): about two keys per
 * signed message (the signature value, and a nonce when there is one). The
 * default, 16 MiB, holds about 290,000 keys; WSSecReplayCache
 * "shmcb:(BYTES)" sets another size.
 */
#include <string.h>

#include <httpd.h>
#include <http_config.h>
#include <http_log.h>
#include <ap_provider.h>
#include <ap_socache.h>
#include <util_mutex.h>
#include <apr_global_mutex.h>
#include <apr_strings.h>

#include "gateway.h"

APLOG_USE_MODULE(wssec_gateway);

/* shmcb with 16 MiB of anonymous shared memory. */
#define GW_REPLAY_DEFAULT "shmcb:(16777216)"

/* What outlives the configuration: made once, in the process pool. */
typedef struct gw_persist {
    const char *spec;
    ap_socache_instance_t *inst;
    apr_global_mutex_t *mutex;
} gw_persist;

/* The key of the gw_persist in the process pool's userdata. */
#define GW_PERSIST_KEY "mod_wssec:replay-cache"

typedef struct gw_shared {
    const ap_socache_provider_t *prov; /* this generation's provider code */
    gw_persist *ps;
    const char *spec;
    server_rec *s; /* the current generation's main server, for logging */
    wssec_replay_cache *cache;
} gw_shared;

/* The one shared cache of this generation (and of the children it forks). */
static gw_shared *shared;

static apr_status_t shared_cleanup(void *data)
{
    gw_shared *sh = data;
    wssec_replay_cache_release(sh->cache);
    sh->cache = NULL;
    if (shared == sh) shared = NULL;
    return APR_SUCCESS;
}

apr_status_t gw_replay_pre_config(apr_pool_t *pconf)
{
    return ap_mutex_register(pconf, GW_REPLAY_MUTEX, NULL, APR_LOCK_DEFAULT, 0);
}

/*
 * The back end's insert: a live entry for the key means a replay; else the
 * key is stored until it expires. The expiry is the library's (expires -
 * now, from the context's clock) carried over to the real clock, which is
 * what the socache counts in.
 */
static int shared_insert(void *state, const unsigned char key[WSSEC_REPLAY_KEY_LEN],
                         wssec_time expires, wssec_time now, char *errbuf, size_t errlen)
{
    gw_shared *sh = state;
    apr_pool_t *tmp = NULL;
    unsigned char value[8];
    unsigned int vlen = sizeof(value);
    wssec_time ttl_ms = expires > now ? expires - now : 1;
    apr_time_t expiry = apr_time_now() + apr_time_from_msec(ttl_ms);
    apr_status_t rv;
    int rc;

    if (apr_pool_create(&tmp, NULL) != APR_SUCCESS) {
        apr_snprintf(errbuf, errlen, "shared replay cache: no memory");
        return WSSEC_EBACKEND;
    }
    if ((rv = apr_global_mutex_lock(sh->ps->mutex)) != APR_SUCCESS) {
        apr_snprintf(errbuf, errlen, "shared replay cache: mutex lock failed (%d)", rv);
        apr_pool_destroy(tmp);
        return WSSEC_EBACKEND;
    }
    rv = sh->prov->retrieve(sh->ps->inst, sh->s, key, WSSEC_REPLAY_KEY_LEN, value, &vlen, tmp);
    if (rv == APR_SUCCESS) {
        rc = WSSEC_EREPLAY;
    } else if (!APR_STATUS_IS_NOTFOUND(rv)) {
        apr_snprintf(errbuf, errlen, "shared replay cache %s: look-up failed (%d)", sh->spec, rv);
        rc = WSSEC_EBACKEND;
    } else {
        value[0] = 1;
        rv = sh->prov->store(sh->ps->inst, sh->s, key, WSSEC_REPLAY_KEY_LEN, expiry, value, 1, tmp);
        rc = 0;
        if (rv != APR_SUCCESS) {
            apr_snprintf(errbuf, errlen, "shared replay cache %s: store failed (%d)", sh->spec, rv);
            rc = WSSEC_EBACKEND;
        }
    }
    apr_global_mutex_unlock(sh->ps->mutex);
    apr_pool_destroy(tmp);
    gw_stats_replay(rc);
    return rc;
}

static const wssec_replay_ops shared_ops = { WSSEC_REPLAY_OPS_VERSION, "httpd-socache",
                                             shared_insert, NULL };

/*
 * The instance and the mutex of the process pool @p gp for @p spec, made
 * there the first time (or when the spec changed). NULL after logging why.
 */
static gw_persist *persist_get(server_rec *s, const ap_socache_provider_t *prov, const char *spec,
                               const char *args, apr_pool_t *ptemp)
{
    apr_pool_t *gp = s->process->pool, *ip = NULL;
    gw_persist *ps = NULL;
    /* shmcb sizes its index from avg_id_len + avg_obj_size: an entry costs
     * the key, one byte of value, and about 24 bytes of index */
    struct ap_socache_hints hints = { WSSEC_REPLAY_KEY_LEN, 25, apr_time_from_sec(300) };
    const char *err;
    apr_status_t rv;

    apr_pool_userdata_get((void **)&ps, GW_PERSIST_KEY, gp);
    if (ps && !strcmp(ps->spec, spec)) return ps;
    if (ps)
        ap_log_error(APLOG_MARK, APLOG_NOTICE, 0, s,
                     "wssec: WSSecReplayCache changed from '%s' to '%s': a new, empty replay "
                     "cache (the old one stays until httpd stops)",
                     ps->spec, spec);
    /* the provider registers clean-ups of its own code in the pool it is
     * given; by the time the process pool goes, that code has been unloaded
     * with the configuration. So the instance lives in a pool of its own
     * that is never destroyed: it goes with the process (anonymous shared
     * memory; a named shmcb file is removed by the next start's init). */
    if (apr_pool_create_unmanaged_ex(&ip, NULL, NULL) != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_EMERG, 0, s, "wssec: replay cache: no memory");
        return NULL;
    }
    ps = apr_pcalloc(gp, sizeof(*ps));
    ps->spec = apr_pstrdup(gp, spec);
    if ((err = prov->create(&ps->inst, args, ptemp, ip)) != NULL) {
        ap_log_error(APLOG_MARK, APLOG_EMERG, 0, s, "wssec: replay cache '%s': %s", spec, err);
        return NULL;
    }
    rv = ap_global_mutex_create(&ps->mutex, NULL, GW_REPLAY_MUTEX, NULL, s, gp, 0);
    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_EMERG, rv, s, "wssec: replay cache mutex");
        return NULL;
    }
    if ((rv = prov->init(ps->inst, "mod_wssec-replay", &hints, s, ip)) != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_EMERG, rv, s, "wssec: replay cache '%s' init", spec);
        return NULL;
    }
    apr_pool_userdata_set(ps, GW_PERSIST_KEY, apr_pool_cleanup_null, gp);
    return ps;
}

static gw_shared *shared_create(server_rec *s, const char *spec, apr_pool_t *pp, apr_pool_t *ptemp)
{
    gw_shared *sh = apr_pcalloc(pp, sizeof(*sh));
    const char *name = apr_pstrdup(pp, spec), *args = NULL;
    char *colon = strchr(name, ':');

    if (colon) {
        *colon = '\0';
        args = colon + 1;
    }
    sh->spec = apr_pstrdup(pp, spec);
    sh->s = s;
    sh->prov = ap_lookup_provider(AP_SOCACHE_PROVIDER_GROUP, name, AP_SOCACHE_PROVIDER_VERSION);
    if (!sh->prov) {
        ap_log_error(APLOG_MARK, APLOG_EMERG, 0, s,
                     "wssec: the shared replay cache needs the socache provider '%s': "
                     "load mod_socache_%s (a2enmod socache_%s)",
                     name, name, name);
        return NULL;
    }
    if (!(sh->ps = persist_get(s, sh->prov, spec, args, ptemp))) return NULL;
    apr_pool_cleanup_register(pp, sh, shared_cleanup, apr_pool_cleanup_null);
    if (wssec_replay_cache_new(&sh->cache, &shared_ops, sh) != 0) {
        ap_log_error(APLOG_MARK, APLOG_EMERG, 0, s, "wssec: replay cache: no memory");
        return NULL;
    }
    return sh;
}

wssec_replay_cache *gw_replay_shared(server_rec *s, const char *spec, apr_pool_t *pconf,
                                     apr_pool_t *ptemp)
{
    if (!shared) shared = shared_create(s, spec ? spec : GW_REPLAY_DEFAULT, pconf, ptemp);
    return shared ? shared->cache : NULL;
}

void gw_replay_child_init(apr_pool_t *pchild, server_rec *s)
{
    apr_status_t rv;
    if (!shared) return;
    shared->s = s;
    rv = apr_global_mutex_child_init(&shared->ps->mutex, apr_global_mutex_lockfile(shared->ps->mutex),
                                     pchild);
    if (rv != APR_SUCCESS)
        ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s, "wssec: replay cache mutex in the child");
}
