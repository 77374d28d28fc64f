/*
 * Corpus replay for the fuzz targets' CTest programs: reading an input file,
 * walking the files and directories named on the command line, and the
 * replay main of the targets without the structure-aware harness (message,
 * c14n, gcm). Shared with fuzz_common.c (declared in fuzz_common.h).
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "fuzz_common.h"

unsigned char *fz_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    unsigned char *buf = malloc(FZ_MAX_INPUT);
    *len = buf ? fread(buf, 1, FZ_MAX_INPUT, f) : 0;
    fclose(f);
    return buf;
}

int fz_walk(const char *prog, const char *path, int (*file)(const char *path, void *ud), void *ud)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        fprintf(stderr, "%s: %s: not found\n", prog, path);
        return -1;
    }
    if (!S_ISDIR(st.st_mode)) return file(path, ud);
    DIR *d = opendir(path);
    if (!d) return -1;
    struct dirent *e;
    int rc = 0;
    while (!rc && (e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.') continue;
        char full[4096];
        snprintf(full, sizeof(full), "%s/%s", path, e->d_name);
        rc = fz_walk(prog, full, file, ud);
    }
    closedir(d);
    return rc;
}

typedef struct replay {
    int (*one)(const uint8_t *data, size_t size);
    size_t count;
} replay;

static int replay_file(const char *path, void *ud)
{
    replay *r = ud;
    size_t n = 0;
    unsigned char *buf = fz_read_file(path, &n);
    if (!buf) return -1;
    r->count++;
    r->one(buf, n);
    free(buf);
    return 0;
}

int fz_replay_main(const char *prog, const char *what, int argc, char **argv,
                   int (*one)(const uint8_t *data, size_t size))
{
    replay r = { one, 0 };
    for (int i = 1; i < argc; i++)
        if (fz_walk(prog, argv[i], replay_file, &r)) return 1;
    printf("%s: %zu inputs, %s\n", prog, r.count, what);
    return r.count ? 0 : 1;
}
