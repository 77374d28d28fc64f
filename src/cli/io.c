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
    int fd = mkostemp(tmp, O_CLOEXEC);
    if (fd < 0) {
        snprintf(why, whylen, "%s: %s", path, strerror(errno));
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
    int ok = fchmod(fd, mode) == 0 && write_all(fd, data, len) == 0 && fsync(fd) == 0;
    int e = errno;
    if (close(fd) != 0 && ok) ok = 0, e = errno;
    if (ok && rename(tmp, path) != 0) ok = 0, e = errno;
    if (!ok) {
        unlink(tmp);
        snprintf(why, whylen, "%s: %s", path, strerror(e));
        return WSSEC_EIO;
    }
    return 0;
}

const char *cli_out_name(const char *dir, const char *input, char *buf, size_t size)
{
    char tmp[PATH_MAX];
    snprintf(tmp, sizeof(tmp), "%s", strcmp(input, "-") ? input : "stdin.xml");
    snprintf(buf, size, "%s/%s", dir, basename(tmp));
    return buf;
}
