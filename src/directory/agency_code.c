/* agency_code.c - QCVN 102 agency identifier codes (DOMAIN-VN §1.2). */
#include "directory.h"

#include <string.h>

static bool
digits(const char *s, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return true;
}

static enum eg_err
bad(struct eg_buf *msg, const char *why)
{
    if (msg) {
        eg_buf_reset(msg);
        if (eg_buf_adds(msg, why) != EG_OK)
            eg_buf_reset(msg);
    }
    return EG_EINVAL;
}

enum eg_err
eg_agency_code_parse(const char *code, struct eg_agency_code *out, struct eg_buf *msg)
{
    memset(out, 0, sizeof(*out));
    if (!code || strlen(code) != 13)
        return bad(msg, "mã định danh phải có dạng 000.00.00.H41 (13 ký tự)");
    if (code[3] != '.' || code[6] != '.' || code[9] != '.')
        return bad(msg,
                   "mã định danh phải có dạng 000.00.00.H41: các nhóm cách nhau bằng dấu chấm");
    if (!digits(code, 3, &out->level4) || !digits(code + 4, 2, &out->level3) ||
        !digits(code + 7, 2, &out->level2))
        return bad(msg, "ba nhóm đầu của mã định danh chỉ gồm chữ số");
    if (code[10] < 'A' || code[10] > 'Z' || !digits(code + 11, 2, &out->level1))
        return bad(msg,
                   "nhóm cấp 1 của mã định danh là một chữ cái in hoa và hai chữ số, ví dụ H41");
    out->group = code[10];
    if ((out->level2 == 0 && (out->level3 || out->level4)) || (out->level3 == 0 && out->level4))
        return bad(msg, "mã định danh có cấp dưới nhưng thiếu cấp trên");
    out->depth = out->level4 ? 4 : out->level3 ? 3 : out->level2 ? 2 : 1;
    if (out->depth > 1) {
        memcpy(out->parent, code, 14);
        if (out->depth == 4)
            memcpy(out->parent, "000", 3);
        else if (out->depth == 3)
            memcpy(out->parent + 4, "00", 2);
        else
            memcpy(out->parent + 7, "00", 2);
    }
    return EG_OK;
}

const char *
eg_agency_group_name(char group)
{
    switch (group) {
    case 'G':
        return "Bộ, cơ quan ngang bộ, cơ quan thuộc Chính phủ";
    case 'H':
        return "Ủy ban nhân dân tỉnh, thành phố trực thuộc trung ương";
    case 'K':
        return "Hội đồng nhân dân tỉnh, thành phố trực thuộc trung ương";
    default:
        return NULL;
    }
}

static const char *const kinds[] = {
    [EG_ORG_PROVINCE_COMMITTEE] = "province_committee", [EG_ORG_DEPARTMENT] = "department",
    [EG_ORG_SERVICE_CENTER] = "service_center",         [EG_ORG_SUB_UNIT] = "sub_unit",
    [EG_ORG_COMMUNE_COMMITTEE] = "commune_committee",
};

const char *
eg_org_kind_str(enum eg_org_kind k)
{
    if ((unsigned)k >= EG_ARRAY_LEN(kinds))
        return "unknown";
    return kinds[k];
}

enum eg_err
eg_org_kind_parse(const char *s, enum eg_org_kind *out)
{
    for (size_t i = 0; i < EG_ARRAY_LEN(kinds); i++) {
        if (strcmp(s, kinds[i]) == 0) {
            *out = (enum eg_org_kind)i;
            return EG_OK;
        }
    }
    return EG_EINVAL;
}
