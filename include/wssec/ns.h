/*
 * wssec — namespace URIs and URI constants of the specifications wssec
 * speaks (WS-Security 1.0/1.1, its token profiles, XML Signature, XML
 * Encryption, SOAP 1.1/1.2), in one place. Every other header that needs one
 * includes this one, and the library's sources use these, so a URI is
 * spelled once.
 *
 * Naming: WSSEC_NS_<PREFIX> for an XML namespace (named after the prefix the
 * specifications use), WSSEC_VT_<KIND> for a token ValueType, WSSEC_ENC_<KIND>
 * for an EncodingType, WSSEC_<SPEC>_PROFILE for a token profile's base URI,
 * WSSEC_ROLE_<...> for a SOAP actor/role URI.
 */
#ifndef WSSEC_NS_H
#define WSSEC_NS_H

/* ---- XML namespaces ---- */

/** WS-Security 1.0 secext (the "wsse" prefix; also the namespace of its faults). */
#define WSSEC_NS_WSSE \
    "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
/** WS-Security 1.0 utility (the "wsu" prefix: wsu:Id, wsu:Timestamp). */
#define WSSEC_NS_WSU \
    "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd"
/** WS-Security 1.1 secext (the "wsse11" prefix: SignatureConfirmation, EncryptedHeader). */
#define WSSEC_NS_WSSE11 "http://docs.oasis-open.org/wss/oasis-wss-wssecurity-secext-1.1.xsd"
/** XML Signature (the "ds" prefix). */
#define WSSEC_NS_DS "http://www.w3.org/2000/09/xmldsig#"
/** XML Encryption (the "xenc" prefix). */
#define WSSEC_NS_XENC "http://www.w3.org/2001/04/xmlenc#"
/** WS-SecureConversation: the 2005/02 draft, and 1.3 */
#define WSSEC_NS_WSC_2005 "http://schemas.xmlsoap.org/ws/2005/02/sc"
#define WSSEC_NS_WSC_13 "http://docs.oasis-open.org/ws-sx/ws-secureconversation/200512"
/** SOAP 1.1 envelope. */
#define WSSEC_NS_SOAP11 "http://schemas.xmlsoap.org/soap/envelope/"
/** SOAP 1.2 envelope. */
#define WSSEC_NS_SOAP12 "http://www.w3.org/2003/05/soap-envelope"

/* ---- SOAP actors and roles ---- */

/** SOAP 1.1 actor "next". */
#define WSSEC_ROLE_SOAP11_NEXT "http://schemas.xmlsoap.org/soap/actor/next"
/** SOAP 1.2 role "next". */
#define WSSEC_ROLE_SOAP12_NEXT "http://www.w3.org/2003/05/soap-envelope/role/next"
/** SOAP 1.2 role "ultimateReceiver". */
#define WSSEC_ROLE_SOAP12_ULTIMATE \
    "http://www.w3.org/2003/05/soap-envelope/role/ultimateReceiver"

/* ---- token profiles, value types, encoding types ---- */

/** Base URI of the SOAP Message Security 1.0 specification's fragments. */
#define WSSEC_SMS_PROFILE \
    "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-soap-message-security-1.0"
/** Base URI of the SOAP Message Security 1.1 specification's fragments. */
#define WSSEC_SMS11_PROFILE "http://docs.oasis-open.org/wss/oasis-wss-soap-message-security-1.1"
/** Base URI of the X.509 Token Profile 1.0. */
#define WSSEC_X509_PROFILE \
    "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-x509-token-profile-1.0"
/** Base URI of the Username Token Profile 1.0. */
#define WSSEC_UT_PROFILE \
    "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0"

/** EncodingType Base64Binary. */
#define WSSEC_ENC_BASE64 WSSEC_SMS_PROFILE "#Base64Binary"
/** ValueType of a BinarySecurityToken holding one X.509 v3 certificate. */
#define WSSEC_VT_X509V3 WSSEC_X509_PROFILE "#X509v3"
/** ValueType of a BinarySecurityToken holding a PkiPath certificate chain. */
#define WSSEC_VT_PKIPATH WSSEC_X509_PROFILE "#X509PKIPathv1"
/** ValueType of a BinarySecurityToken holding a PKCS#7 certificate bag. */
#define WSSEC_VT_PKCS7 WSSEC_X509_PROFILE "#PKCS7"
/** ValueType of a KeyIdentifier holding a certificate's subject key identifier. */
#define WSSEC_VT_SKI WSSEC_X509_PROFILE "#X509SubjectKeyIdentifier"
/** ValueType of a KeyIdentifier holding a certificate's SHA-1 thumbprint. */
#define WSSEC_VT_THUMBPRINT WSSEC_SMS11_PROFILE "#ThumbprintSHA1"
/** wsse11:TokenType of a reference to an xenc:EncryptedKey. */
#define WSSEC_VT_ENCRYPTED_KEY WSSEC_SMS11_PROFILE "#EncryptedKey"
/** Password Type of a UsernameToken carrying the password itself. */
#define WSSEC_PW_TYPE_TEXT WSSEC_UT_PROFILE "#PasswordText"
/** Password Type of a UsernameToken carrying a password digest. */
#define WSSEC_PW_TYPE_DIGEST WSSEC_UT_PROFILE "#PasswordDigest"
/** ValueType of the BinarySecurityToken that carries an asserted X.509 identity (wssec's own). */
#define WSSEC_VT_ASSERTED_X509 "urn:wssec:identity-assertion:x509v3"

#endif /* WSSEC_NS_H */
