/* api_int.h - handlers shared between the files of src/api/. */
#ifndef EG_API_INT_H
#define EG_API_INT_H

#include "api/api.h"

void eg_api_healthz(struct eg_req *r, void *ctx);
void eg_api_readyz(struct eg_req *r, void *ctx);
void eg_api_metrics(struct eg_req *r, void *ctx);
void eg_api_openapi(struct eg_req *r, void *ctx);
void eg_api_org_units(struct eg_req *r, void *ctx);
void eg_api_org_unit(struct eg_req *r, void *ctx);
void eg_api_agency_codes(struct eg_req *r, void *ctx);

/* Reads a JSON object body; on failure the 400/413 answer is already set. */
EG_WUR enum eg_err eg_api_read_json(struct eg_req *r, json_t **out);
/* An integer query parameter within [min, max], or def when absent; EG_EINVAL answered. */
EG_WUR enum eg_err eg_api_query_int(struct eg_req *r, const char *name, long long min,
                                    long long max, long long def, long long *out);

#endif /* EG_API_INT_H */
