/*
 * message_fuzzer — feeds arbitrary bytes to wssec_msg_parse, wssec_verify
 * and wssec_inspect with a context that trusts the test root, decrypts as
 * the test server and accepts the relaxed algorithms, so that the signature,
 * encryption and token consumers all see input.
 *
 * Built two ways: with -DWSSEC_BUILD_FUZZERS=ON and clang as a libFuzzer
 * target (wssec_message_fuzzer), and always as a corpus replay program
 * (fuzz_message_replay FILE|DIR...) that CTest runs over the project's
 * messages. Nothing is loaded from the network or the file system beyond the
 * configured PKI files (the parser refuses DTDs and external entities).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <wssec/wssec.h>

#include "fuzz_common.h"

#define PKI FZ_PKI

static wssec_ctx *ctx;

static int setup(void)
{
    static const char *const opts[][2] = {
        { "trust", PKI "root.crt" },
        { "certs", PKI "inter.crt" },
        { "decrypt-key", PKI "server.key" },
        { "decrypt-cert", PKI "server.crt" },
        { "allow-sha1", "true" },
        { "allow-cbc", "true" },
        { "allow-rsa15", "true" },
        { "replay-signatures", "false" },
        { "now", FZ_NOW },
        { "require", "none" },
    };
    wssec_config *cfg = NULL;
    if (wssec_config_new(&cfg)) return -1;
    for (size_t i = 0; i < sizeof(opts) / sizeof(opts[0]); i++)
        if (wssec_config_set(cfg, opts[i][0], opts[i][1])) {
            fprintf(stderr, "%s: %s\n", opts[i][0], wssec_config_error(cfg)->message);
            wssec_config_free(cfg);
            return -1;
        }
    int rc = wssec_ctx_new(&ctx, cfg);
    if (rc) fprintf(stderr, "context: %s\n", wssec_config_error(cfg)->message);
    wssec_config_free(cfg);
    return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!ctx && setup()) abort();
    for (int pass = 0; pass < 2; pass++) {
        wssec_msg *msg = NULL;
        wssec_result *res = NULL;
        if (wssec_msg_new(&msg, ctx)) abort();
        if (wssec_msg_parse(msg, (const char *)data, size) == 0) {
            int rc = pass ? wssec_inspect(&res, msg) : wssec_verify(&res, msg);
            /* a result always comes back, and its error agrees with the code */
            if (!res || (pass == 0 && wssec_result_error(res)->code != rc)) abort();
            if (rc == 0) {
                unsigned char *out = NULL;
                size_t len = 0;
                if (wssec_msg_serialize(&out, &len, msg) == 0) wssec_free(out);
            }
        }
        wssec_result_free(res);
        wssec_msg_free(msg);
    }
    return 0;
}

#ifndef WSSEC_LIBFUZZER
int main(int argc, char **argv)
{
    int rc = fz_replay_main("fuzz_message_replay", "no crash", argc, argv, LLVMFuzzerTestOneInput);
    wssec_ctx_free(ctx);
    return rc;
}
#endif
