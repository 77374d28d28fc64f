/*
 * Ours against xmlsec's: the AES-GCM decryption of one xenc:CipherValue's
 * text by wssec__gcm_decrypt (base64 by EVP_DecodeBlock straight into
 * EVP_DecryptUpdate, tokens/encryption.c) and by xmlSecEncCtxDecryptToBuffer
 * on the same EncryptedData. Shared by tests/unit/test_encryption.c and
 * tests/fuzz/gcm_fuzzer.c.
 *
 * The rule: when ours decrypts, xmlsec decrypts to the same bytes; when
 * ours refuses (a tag or a length that does not check), xmlsec refuses
 * too; when ours declines (text that is not strict base64), xmlsec decides
 * alone, as the module lets it; and what xmlsec decrypts, ours never
 * refuses.
 */
#ifndef WSSEC_TESTS_GCM_DIFF_H
#define WSSEC_TESTS_GCM_DIFF_H

#include <string.h>

#include <libxml/tree.h>
#include <xmlsec/crypto.h>
#include <xmlsec/keys.h>
#include <xmlsec/transforms.h>
#include <xmlsec/xmlenc.h>

#include "wssec/wssec.h"
#include "algs.h"
#include "tokens/encryption.h"
#include "util.h"

#define GD_XENC "http://www.w3.org/2001/04/xmlenc#"

enum {
    GD_SAME = 0,      /* both decrypt to the same bytes */
    GD_BOTH_FAIL,     /* both refuse */
    GD_DECLINED,      /* ours left it to xmlsec */
    GD_DIFFER,        /* both decrypt, to different bytes */
    GD_OURS_ONLY,     /* ours decrypts, xmlsec refuses */
    GD_XMLSEC_ONLY,   /* xmlsec decrypts, ours refuses */
    GD_ERROR          /* the comparison could not run (memory) */
};

/* The text as the CipherValue's children: pieces separated by NUL bytes,
 * alternately text and CDATA nodes. aes256 selects aes256-gcm (key of 32
 * bytes) over aes128-gcm (16). */
static int gd_compare(const unsigned char *text, size_t len, int aes256, const unsigned char *key)
{
    const wssec_alg *alg = &wssec__enc_algs[aes256 ? 0 : 1];
    xmlDocPtr doc = xmlNewDoc(BAD_CAST "1.0");
    xmlNodePtr ed = xmlNewDocNode(doc, NULL, BAD_CAST "EncryptedData", NULL);
    int rc = GD_ERROR;
    if (!doc || !ed) goto out;
    xmlDocSetRootElement(doc, ed);
    xmlNsPtr ns = xmlNewNs(ed, BAD_CAST GD_XENC, BAD_CAST "xenc");
    xmlSetNs(ed, ns);
    xmlNewProp(ed, BAD_CAST "Type", BAD_CAST GD_XENC "Content");
    xmlNodePtr m = xmlNewChild(ed, ns, BAD_CAST "EncryptionMethod", NULL);
    xmlNewProp(m, BAD_CAST "Algorithm", BAD_CAST alg->uri);
    xmlNodePtr cd = xmlNewChild(ed, ns, BAD_CAST "CipherData", NULL);
    xmlNodePtr cv = xmlNewChild(cd, ns, BAD_CAST "CipherValue", NULL);
    if (!m || !cd || !cv) goto out;
    int cdata = 0;
    for (size_t at = 0; at <= len;) {
        const unsigned char *nul = memchr(text + at, 0, len - at);
        size_t n = nul ? (size_t)(nul - (text + at)) : len - at;
        xmlNodePtr t = cdata ? xmlNewCDataBlock(doc, text + at, (int)n)
                             : xmlNewTextLen(text + at, (int)n);
        if (!t || !xmlAddChild(cv, t)) goto out;
        cdata = !cdata;
        at += n + 1;
    }

    unsigned char *ours = NULL;
    size_t ours_len = 0;
    int o = wssec__gcm_decrypt(cv, alg, key, &ours, &ours_len);
    if (o == WSSEC_ENOMEM) goto out;

    xmlSecEncCtxPtr e = xmlSecEncCtxCreate(NULL);
    if (!e) goto free_ours;
    xmlSecTransformId id = xmlSecTransformIdListFindByHref(
        xmlSecTransformIdsGet(), BAD_CAST alg->uri, xmlSecTransformUsageEncryptionMethod);
    e->encKey = xmlSecKeyReadMemory(xmlSecKeyDataAesId, key, aes256 ? 32 : 16);
    e->transformCtx.enabledUris = xmlSecTransformUriTypeNone;
    e->keyInfoReadCtx.maxEncryptedKeyLevel = 0;
    if (id == xmlSecTransformIdUnknown || !e->encKey ||
        xmlSecPtrListAdd(&e->transformCtx.enabledTransforms, (void *)id) < 0) {
        xmlSecEncCtxDestroy(e);
        goto free_ours;
    }
    xmlSecBufferPtr lib = xmlSecEncCtxDecryptToBuffer(e, ed);
    if (o == 1) rc = GD_DECLINED;
    else if (o == 0 && lib)
        rc = xmlSecBufferGetSize(lib) == ours_len &&
                     (ours_len == 0 || memcmp(xmlSecBufferGetData(lib), ours, ours_len) == 0)
                 ? GD_SAME
                 : GD_DIFFER;
    else if (o == 0) rc = GD_OURS_ONLY;
    else rc = lib ? GD_XMLSEC_ONLY : GD_BOTH_FAIL;
    xmlSecEncCtxDestroy(e);
free_ours:
    wssec__free(ours);
out:
    xmlFreeDoc(doc);
    return rc;
}

#endif /* WSSEC_TESTS_GCM_DIFF_H */
