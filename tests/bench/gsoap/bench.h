/* gSOAP interface of the benchmark (soapcpp2 input, issue #9): the Body wssec_bench
   generates, b:Payload holding repeated b:Item strings, as a document/literal
   operation without a wrapper element, with WS-Security headers. */

#import "wsse.h"

//gsoap b schema namespace:     urn:wssec:bench
//gsoap b schema elementForm:   qualified
//gsoap b schema attributeForm: unqualified
//gsoap b service name:         bench
//gsoap b service style:        document
//gsoap b service encoding:     literal

struct b__Payload
{
    int __sizeItem;
    char **b__Item;
};

struct b__PayloadResponse
{
    char *b__Status;
};

int __b__Payload(struct b__Payload *b__Payload, struct b__PayloadResponse *b__PayloadResponse);
