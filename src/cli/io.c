/*
 * wssec(1) — reading inputs with a limit, writing outputs whole or not at all.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>


#include "cli.h"

void cli_bytes_free(cli_bytes *b)
{
    if (!b) return;
    free(b->data);
    b->data = NULL;
    b->len = 0;
}

int cli_read(const char *path, size_t max, cli_bytes *out, char *why, size_t whylen)
{
    out->data = NULL;
    out->len = 0;
    int fd = strcmp(path, "-") == 0 ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(why, whylen, "cannot be opened: %s", strerror(errno));
        return WSSEC_EIO;
    }
    struct stat st;
    if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
        snprintf(why, whylen, "is a directory");
        if (fd != STDIN_FILENO) close(fd);
        return WSSEC_EIO;
    }
    size_t cap = 65536, len = 0;
    unsigned char *buf = malloc(cap);
    int rc = 0;
    if (!buf) {
        rc = WSSEC_ENOMEM;
        goto done;
    }
    for (;;) {
        if (len == cap) {
            if (cap > max) { /* read one byte past max at most */
                rc = WSSEC_ELIMIT;
                snprintf(why, whylen, "larger than max-message-size %zu bytes", max);
                goto done;
            }
            size_t ncap = cap * 2 > max + 1 ? max + 1 : cap * 2;
            if (ncap <= cap) ncap = cap + 1;
            unsigned char *n = realloc(buf, ncap);
            if (!n) {
                rc = WSSEC_ENOMEM;
                goto done;
            }
            buf = n;
            cap = ncap;
        }
        ssize_t r = read(fd, buf + len, cap - len);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) {
            snprintf(why, whylen, "read error: %s", strerror(errno));
            rc = WSSEC_EIO;
            goto done;
        }
        if (r == 0) break;
        len += (size_t)r;
        if (len > max) {
            rc = WSSEC_ELIMIT;
            snprintf(why, whylen, "larger than max-message-size %zu bytes", max);
            goto done;
        }
    }
done:
    if (fd != STDIN_FILENO) close(fd);
    if (rc) {
        free(buf);
        return rc;
    }
    out->data = buf;
    out->len = len;
    return 0;
}

static int write_all(int fd, const unsigned char *p, size_t len)
{
    while (len) {
        ssize_t w = write(fd, p, len);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return -1;
        p += w;
        len -= (size_t)w;
    }
    return 0;
}

/* ---- durability: once per run (--sync batch), or per file (--sync each) ---- */

/* A written temporary file waiting for the run's one sync, then its rename. */
typedef struct pending {
    char *tmp, *dest;
} pending;

static bool sync_each;
static cli_array pendings = CLI_ARRAY_INIT(pending, 1u << 24);

void cli_sync_each(bool each)
{
    sync_each = each;
}

/* The directory of path, in buf. */
static const char *dir_of(const char *path, char *buf, size_t size)
{
    char tmp[PATH_MAX];
    snprintf(tmp, sizeof(tmp), "%s", path);
    snprintf(buf, size, "%s", dirname(tmp));
    return buf;
}

/* fsync of a directory, so that a rename in it lasts: 0 or errno. */
static int sync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return errno;
    int e = fsync(fd) == 0 || errno == EINVAL ? 0 : errno;
    close(fd);
    return e;
}

int cli_write(const char *path, const void *data, size_t len, bool private_file, char *why,
              size_t whylen)
{
    if (!path || strcmp(path, "-") == 0) {
        if (write_all(STDOUT_FILENO, data, len) != 0) {
            snprintf(why, whylen, "standard output: %s", strerror(errno));
            return WSSEC_EIO;
        }
        return 0;
    }
    struct stat st;
    int exists = stat(path, &st) == 0;
    if (exists && !S_ISREG(st.st_mode)) {
        /* a device or a pipe: there is nothing to rename over */
        int fd = open(path, O_WRONLY | O_CLOEXEC);
        int ok = fd >= 0 && write_all(fd, data, len) == 0;
        int e = errno;
        if (fd >= 0 && close(fd) != 0 && ok) ok = 0, e = errno;
        if (!ok) {
            snprintf(why, whylen, "%s: %s", path, strerror(e));
            return WSSEC_EIO;
        }
        return 0;
    }
    char dirbuf[PATH_MAX], basebuf[PATH_MAX], tmp[PATH_MAX];
    snprintf(dirbuf, sizeof(dirbuf), "%s", path);
    snprintf(basebuf, sizeof(basebuf), "%s", path);
    int n = snprintf(tmp, sizeof(tmp), "%s/.%s.XXXXXX", dirname(dirbuf), basename(basebuf));
    if (n < 0 || (size_t)n >= sizeof(tmp)) {
        snprintf(why, whylen, "%s: path too long", path);
        return WSSEC_EIO;
    }
    pending *p = NULL;
    if (!sync_each && cli_array_push(&pendings, (void **)&p) != 0) {
        snprintf(why, whylen, "%s: out of memory", path);
        return WSSEC_ENOMEM;
    }
    int fd = mkostemp(tmp, O_CLOEXEC);
    if (fd < 0) {
        snprintf(why, whylen, "%s: %s", path, strerror(errno));
        if (p) pendings.n--;
        return WSSEC_EIO;
    }
    /* mkostemp makes 0600: a new file gets the mode the umask gives, a
     * replaced one keeps its mode, a private one stays 0600 */
    mode_t mode = 0600;
    if (!private_file && exists) {
        mode = st.st_mode & 07777;
    } else if (!private_file) {
        mode_t mask = umask(077);
        umask(mask);
        mode = 0666 & ~mask;
    }
    int ok = fchmod(fd, mode) == 0 && write_all(fd, data, len) == 0 &&
             (!sync_each || fsync(fd) == 0);
    int e = errno;
    if (close(fd) != 0 && ok) ok = 0, e = errno;
    if (ok && sync_each) {
        /* the file is durable; its rename, once the directory is */
        if (rename(tmp, path) != 0) ok = 0, e = errno;
        else if ((e = sync_dir(dir_of(path, dirbuf, sizeof(dirbuf)))) != 0) ok = 0;
        if (ok) return 0;
    } else if (ok) {
        /* renamed once the run's sync has made every file durable */
        p->tmp = strdup(tmp);
        p->dest = strdup(path);
        if (p->tmp && p->dest) return 0;
        free(p->tmp);
        free(p->dest);
        e = ENOMEM;
        ok = 0;
    }
    if (p) pendings.n--;
    unlink(tmp);
    snprintf(why, whylen, "%s: %s", path, strerror(e));
    return WSSEC_EIO;
}

int cli_commit_outputs(char *why, size_t whylen)
{
    pending *ps = pendings.items;
    size_t np = pendings.n;
    int rc = 0;
    why[0] = '\0';
    /* one syncfs per file system holding a temporary file: every file's
     * bytes are on disk before any of them takes its name */
    dev_t done[16];
    size_t ndone = 0;
    for (size_t i = 0; i < np && !rc; i++) {
        char dir[PATH_MAX];
        struct stat st;
        if (stat(ps[i].tmp, &st) != 0) {
            snprintf(why, whylen, "%s: %s", ps[i].dest, strerror(errno));
            rc = WSSEC_EIO;
            break;
        }
        bool seen = false;
        for (size_t k = 0; k < ndone && !seen; k++) seen = done[k] == st.st_dev;
        if (seen) continue;
        int fd = open(dir_of(ps[i].tmp, dir, sizeof(dir)), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0 || syncfs(fd) != 0) {
            snprintf(why, whylen, "%s: %s", ps[i].dest, strerror(errno));
            rc = WSSEC_EIO;
        }
        if (fd >= 0) close(fd);
        if (ndone < sizeof(done) / sizeof(done[0])) done[ndone++] = st.st_dev;
    }
    /* then the renames, and each directory once: a file is whole or absent */
    for (size_t i = 0; i < np; i++) {
        if (!rc && rename(ps[i].tmp, ps[i].dest) != 0) {
            snprintf(why, whylen, "%s: %s", ps[i].dest, strerror(errno));
            rc = WSSEC_EIO;
        }
        if (rc) unlink(ps[i].tmp);
    }
    for (size_t i = 0; i < np && !rc; i++) {
        char dir[PATH_MAX], prev[PATH_MAX];
        dir_of(ps[i].dest, dir, sizeof(dir));
        if (i > 0 && strcmp(dir, dir_of(ps[i - 1].dest, prev, sizeof(prev))) == 0) continue;
        int e = sync_dir(dir);
        if (e) {
            snprintf(why, whylen, "%s: %s", dir, strerror(e));
            rc = WSSEC_EIO;
        }
    }
    for (size_t i = 0; i < np; i++) {
        free(ps[i].tmp);
        free(ps[i].dest);
    }
    cli_array_free(&pendings);
    return rc;
}

const char *cli_out_name(const char *dir, const char *input, char *buf, size_t size)
{
    char tmp[PATH_MAX];
    snprintf(tmp, sizeof(tmp), "%s", strcmp(input, "-") ? input : "stdin.xml");
    snprintf(buf, size, "%s/%s", dir, basename(tmp));
    return buf;
}
