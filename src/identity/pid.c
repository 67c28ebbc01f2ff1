/* pid.c - personal identification numbers, tax codes and login names. */
#include "identity_int.h"

#include <string.h>

static const char *const kinds[] = {"citizen", "business", "staff"};

const char *
eg_account_kind_str(enum eg_account_kind k)
{
    return (unsigned)k < EG_ARRAY_LEN(kinds) ? kinds[k] : "unknown";
}

enum eg_err
eg_account_kind_parse(const char *s, enum eg_account_kind *out)
{
    for (size_t i = 0; s && i < EG_ARRAY_LEN(kinds); i++) {
        if (strcmp(s, kinds[i]) == 0) {
            *out = (enum eg_account_kind)i;
            return EG_OK;
        }
    }
    return EG_EINVAL;
}

/*
 * The first three digits name where the birth was registered, by the codes of
 * the 63 provinces before 2025 (DOMAIN-VN §6.2): numbers already issued never
 * change, so this table does not follow the 2025 merger.
 */
static const struct {
    int code;
    const char *name;
} birth_provinces[] = {
    {1, "Hà Nội"},
    {2, "Hà Giang"},
    {4, "Cao Bằng"},
    {6, "Bắc Kạn"},
    {8, "Tuyên Quang"},
    {10, "Lào Cai"},
    {11, "Điện Biên"},
    {12, "Lai Châu"},
    {14, "Sơn La"},
    {15, "Yên Bái"},
    {17, "Hòa Bình"},
    {19, "Thái Nguyên"},
    {20, "Lạng Sơn"},
    {22, "Quảng Ninh"},
    {24, "Bắc Giang"},
    {25, "Phú Thọ"},
    {26, "Vĩnh Phúc"},
    {27, "Bắc Ninh"},
    {30, "Hải Dương"},
    {31, "Hải Phòng"},
    {33, "Hưng Yên"},
    {34, "Thái Bình"},
    {35, "Hà Nam"},
    {36, "Nam Định"},
    {37, "Ninh Bình"},
    {38, "Thanh Hóa"},
    {40, "Nghệ An"},
    {42, "Hà Tĩnh"},
    {44, "Quảng Bình"},
    {45, "Quảng Trị"},
    {46, "Thừa Thiên Huế"},
    {48, "Đà Nẵng"},
    {49, "Quảng Nam"},
    {51, "Quảng Ngãi"},
    {52, "Bình Định"},
    {54, "Phú Yên"},
    {56, "Khánh Hòa"},
    {58, "Ninh Thuận"},
    {60, "Bình Thuận"},
    {62, "Kon Tum"},
    {64, "Gia Lai"},
    {66, "Đắk Lắk"},
    {67, "Đắk Nông"},
    {68, "Lâm Đồng"},
    {70, "Bình Phước"},
    {72, "Tây Ninh"},
    {74, "Bình Dương"},
    {75, "Đồng Nai"},
    {77, "Bà Rịa - Vũng Tàu"},
    {79, "Thành phố Hồ Chí Minh"},
    {80, "Long An"},
    {82, "Tiền Giang"},
    {83, "Bến Tre"},
    {84, "Trà Vinh"},
    {86, "Vĩnh Long"},
    {87, "Đồng Tháp"},
    {89, "An Giang"},
    {91, "Kiên Giang"},
    {92, "Cần Thơ"},
    {93, "Hậu Giang"},
    {94, "Sóc Trăng"},
    {95, "Bạc Liêu"},
    {96, "Cà Mau"},
};

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

/* Copies the digits of s into out (at most max), allowing ' ' and '.' between them. */
static size_t
digits_of(const char *s, char *out, size_t max, bool *other)
{
    size_t n = 0;
    *other = false;
    for (; *s; s++) {
        if (*s >= '0' && *s <= '9') {
            if (n < max)
                out[n] = *s;
            n++;
        } else if (*s != ' ' && *s != '.') {
            *other = true;
        }
    }
    return n;
}

enum eg_err
eg_pid_parse(const char *s, int current_year, struct eg_pid *out, struct eg_buf *msg)
{
    memset(out, 0, sizeof(*out));
    bool other;
    if (!s || strlen(s) > 32)
        return bad(msg, "Số định danh cá nhân gồm đúng 12 chữ số.");
    size_t n = digits_of(s, out->digits, 12, &other);
    if (other || n != 12)
        return bad(msg, "Số định danh cá nhân gồm đúng 12 chữ số.");
    out->digits[12] = '\0';
    const char *d = out->digits;
    int g = d[3] - '0';
    int yy = (d[4] - '0') * 10 + (d[5] - '0');
    out->birth_year = 1900 + 100 * (g / 2) + yy;
    out->female = g % 2 == 1;
    if (out->birth_year > current_year)
        return bad(msg, "Số định danh cá nhân không hợp lệ: năm sinh mã hóa trong số ở tương lai.");
    int prov = (d[0] - '0') * 100 + (d[1] - '0') * 10 + (d[2] - '0');
    for (size_t i = 0; i < EG_ARRAY_LEN(birth_provinces); i++)
        if (birth_provinces[i].code == prov)
            out->birth_province = birth_provinces[i].name;
    return EG_OK;
}

void
eg_pid_mask(const char *digits, char *out)
{
    for (int i = 0; i < 12; i++)
        out[i] = (i < 3 || i >= 9) ? digits[i] : '*';
    out[12] = '\0';
}

enum eg_err
eg_tax_code_parse(const char *s, char out[16], struct eg_buf *msg)
{
    if (!s)
        return bad(msg, "Mã số thuế gồm 10 chữ số, hoặc 13 chữ số với đơn vị phụ thuộc.");
    char d[16];
    size_t n = 0;
    for (const char *p = s; *p; p++) {
        if (*p >= '0' && *p <= '9') {
            if (n == 13)
                return bad(msg, "Mã số thuế gồm 10 chữ số, hoặc 13 chữ số với đơn vị phụ thuộc.");
            d[n++] = *p;
        } else if (!(*p == '-' && n == 10) && *p != ' ') {
            return bad(msg, "Mã số thuế chỉ gồm chữ số (và dấu - trước 3 số cuối).");
        }
    }
    if (n == 10) {
        memcpy(out, d, 10);
        out[10] = '\0';
        return EG_OK;
    }
    if (n == 13) {
        memcpy(out, d, 10);
        out[10] = '-';
        memcpy(out + 11, d + 10, 3);
        out[14] = '\0';
        return EG_OK;
    }
    return bad(msg, "Mã số thuế gồm 10 chữ số, hoặc 13 chữ số với đơn vị phụ thuộc.");
}

enum eg_err
eg_login_name_check(const char *s, struct eg_buf *msg)
{
    size_t n = s ? strlen(s) : 0;
    if (n < 3 || n > 64 || s[0] < 'a' || s[0] > 'z')
        return bad(msg, "Tên đăng nhập dài 3–64 ký tự, bắt đầu bằng chữ cái thường.");
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-'))
            return bad(msg, "Tên đăng nhập chỉ gồm chữ thường không dấu, chữ số và . _ -");
    }
    return EG_OK;
}
