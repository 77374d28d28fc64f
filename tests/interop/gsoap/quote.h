/* gSOAP interface of the interop peer (soapcpp2 input): the GetQuote request of
   tests/interop/input/ as a document/literal operation, with WS-Security headers. */

#import "wsse.h"

//gsoap q schema namespace:     urn:example:quotes
//gsoap q schema elementForm:   qualified
//gsoap q schema attributeForm: qualified
//gsoap q service name:         quote
//gsoap q service style:        document
//gsoap q service encoding:     literal

struct q__GetQuoteResponse { char *q__Price; };

int q__GetQuote(char *q__Symbol, char *q__Venue, struct q__GetQuoteResponse *response);
