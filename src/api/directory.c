/* directory.c - the public directory API: org units and agency codes. */
#include "api_int.h"

#include "directory/directory.h"

#include <string.h>

#define QUERY_MAX_BYTES 200
#define CODES_MAX 100

void
eg_api_org_units(struct eg_req *r, void *ctx)
{
    struct eg_api *api = ctx;
    long long page, per_page;
    if (eg_api_query_int(r, "page", 1, 100000, 1, &page) != EG_OK ||
        eg_api_query_int(r, "per_page", 1, 200, 50, &per_page) != EG_OK)
        return;
    const char *q = eg_req_query(r, "q");
    if (q && strlen(q) > QUERY_MAX_BYTES) {
        eg_resp_error(r, 400, "invalid_argument", "Từ khóa tìm kiếm quá dài (tối đa 200 byte).");
        return;
    }
    const char *closed = eg_req_query(r, "include_closed");
    struct eg_org_query oq = {
        .q = q && *q ? q : NULL,
        .parent = eg_req_query(r, "parent"),
        .include_closed = closed && strcmp(closed, "true") == 0,
        .limit = (int)per_page,
        .offset = (int)((page - 1) * per_page),
    };
    json_t *out;
    enum eg_err rc = eg_org_unit_list(api->db, &oq, &out);
    if (rc != EG_OK) {
        eg_resp_err(r, rc, NULL);
        return;
    }
    json_object_set_new(out, "page", json_integer(page));
    json_object_set_new(out, "per_page", json_integer(per_page));
    eg_resp_json(r, 200, out);
}

void
eg_api_org_unit(struct eg_req *r, void *ctx)
{
    struct eg_api *api = ctx;
    const char *code = eg_req_param(r, "code");
    struct eg_agency_code c;
    struct eg_buf msg = EG_BUF_INIT(256);
    if (eg_agency_code_parse(code, &c, &msg) != EG_OK) {
        eg_resp_error(r, 400, "invalid_argument", eg_arena_strdup(eg_req_arena(r), msg.p));
        eg_buf_release(&msg);
        return;
    }
    eg_buf_release(&msg);
    json_t *out;
    enum eg_err rc = eg_org_unit_get(api->db, code, &out);
    if (rc == EG_ENOTFOUND) {
        eg_resp_error(r, 404, "not_found",
                      strcmp(eg_req_lang(r), "en") == 0
                          ? "No agency has this code."
                          : "Không có cơ quan, đơn vị nào mang mã định danh này.");
        return;
    }
    if (rc != EG_OK) {
        eg_resp_err(r, rc, NULL);
        return;
    }
    eg_resp_json(r, 200, out);
}

static json_t *
parse_one(struct eg_api *api, const char *code)
{
    struct eg_agency_code c;
    struct eg_buf msg = EG_BUF_INIT(256);
    json_t *o;
    if (eg_agency_code_parse(code, &c, &msg) != EG_OK) {
        o = json_pack("{s:s, s:b, s:s}", "code", code, "valid", 0, "message", eg_buf_str(&msg));
        eg_buf_release(&msg);
        return o;
    }
    eg_buf_release(&msg);
    const char *group = eg_agency_group_name(c.group);
    char level1[4] = {c.group, (char)('0' + c.level1 / 10), (char)('0' + c.level1 % 10), 0};
    o = json_pack("{s:s, s:b, s:i, s:s, s:s?, s:i, s:i, s:i, s:s?}", "code", code, "valid", 1,
                  "level", c.depth, "level1", level1, "group", group, "level2", c.level2, "level3",
                  c.level3, "level4", c.level4, "parent", c.parent[0] ? c.parent : NULL);
    json_t *unit = NULL;
    if (o && eg_org_unit_get(api->db, code, &unit) == EG_OK)
        json_object_set_new(o, "org_unit", unit);
    else if (o)
        json_object_set_new(o, "org_unit", json_null());
    return o;
}

void
eg_api_agency_codes(struct eg_req *r, void *ctx)
{
    static const struct eg_json_field fields[] = {
        {"codes", EG_JSON_ARRAY, true, CODES_MAX, 0, 0},
    };
    json_t *in;
    if (eg_api_read_json(r, &in) != EG_OK)
        return;
    struct eg_buf msg = EG_BUF_INIT(512);
    if (eg_json_check(in, fields, EG_ARRAY_LEN(fields), &msg) != EG_OK) {
        eg_resp_error(r, 400, "invalid_argument", eg_arena_strdup(eg_req_arena(r), msg.p));
        goto out;
    }
    json_t *codes = json_object_get(in, "codes");
    json_t *items = json_array();
    size_t i;
    json_t *v;
    json_array_foreach(codes, i, v)
    {
        if (!json_is_string(v) || json_string_length(v) > EG_AGENCY_CODE_MAX) {
            json_decref(items);
            eg_resp_error(r, 400, "invalid_argument",
                          "Mỗi phần tử của \"codes\" phải là chuỗi tối đa 35 ký tự.");
            goto out;
        }
        json_array_append_new(items, parse_one(ctx, json_string_value(v)));
    }
    eg_resp_json(r, 200, json_pack("{s:o}", "items", items));
out:
    eg_buf_release(&msg);
    json_decref(in);
}
