/* account.c - creating, finding, reading and changing accounts. */
#include "identity_int.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#define FIELD_MAX 300

static enum eg_err
say(struct eg_buf *msg, enum eg_err rc, const char *why)
{
    if (msg) {
        eg_buf_reset(msg);
        if (eg_buf_adds(msg, why) != EG_OK)
            eg_buf_reset(msg);
    }
    return rc;
}

static int
year_of(int64_t now_ms)
{
    time_t t = (time_t)(now_ms / 1000 + 7LL * 3600);
    struct tm tm;
    gmtime_r(&t, &tm);
    return tm.tm_year + 1900;
}

static bool
text_ok(const char *s, size_t max)
{
    if (!s)
        return true;
    size_t n = strlen(s);
    if (n > max || !eg_utf8_valid(s, n) || !eg_text_is_nfc(s, n))
        return false;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
            return false;
    return true;
}

/* Lower-case, trimmed, one '@', a dot in the domain, no spaces: enough to send a link to. */
static enum eg_err
email_norm(const char *s, char *out, size_t n)
{
    if (!s)
        return EG_EINVAL;
    while (*s == ' ')
        s++;
    size_t len = strlen(s);
    while (len > 0 && s[len - 1] == ' ')
        len--;
    if (len < 3 || len >= n || len > 254)
        return EG_EINVAL;
    int at = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c <= 0x20 || c == 0x7f || c == '<' || c == '>' || c == ',' || c == ';' || c == '"')
            return EG_EINVAL;
        at += c == '@';
        out[i] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : (char)c;
    }
    out[len] = '\0';
    const char *a = strchr(out, '@');
    if (at != 1 || a == out || !strchr(a, '.') || a[1] == '.' || out[len - 1] == '.')
        return EG_EINVAL;
    return EG_OK;
}

static bool
date_ok(const char *s)
{
    if (!s)
        return true;
    if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
        return false;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
            return false;
    int m = (s[5] - '0') * 10 + (s[6] - '0'), d = (s[8] - '0') * 10 + (s[9] - '0');
    return m >= 1 && m <= 12 && d >= 1 && d <= 31 && strncmp(s, "1900", 4) >= 0;
}

static enum eg_err
bind_opt(struct eg_stmt *st, int i, const char *s)
{
    return s && *s ? eg_stmt_bind_text(st, i, s, SIZE_MAX) : eg_stmt_bind_null(st, i);
}

/* The identifiers an account is stored under, checked and normalised. */
struct ident {
    char login[80];
    char tax[16];
    unsigned char pid_hash[EG_PII_HASH_LEN];
    struct eg_pid pid;
    bool citizen;
};

static enum eg_err
identify(const struct eg_identity *id, const struct eg_account_new *a, int64_t now_ms,
         struct ident *out, struct eg_buf *msg)
{
    memset(out, 0, sizeof(*out));
    enum eg_err rc = EG_OK;
    if (a->login && *a->login) {
        rc = eg_login_name_check(a->login, msg);
        if (rc != EG_OK)
            return rc;
        snprintf(out->login, sizeof(out->login), "%s", a->login);
    }
    switch (a->kind) {
    case EG_ACCOUNT_CITIZEN:
        rc = eg_pid_parse(a->personal_id, year_of(now_ms), &out->pid, msg);
        if (rc == EG_OK) {
            out->citizen = true;
            eg_identity_pii_hash(id, out->pid.digits, 12, out->pid_hash);
        }
        return rc;
    case EG_ACCOUNT_BUSINESS:
        return eg_tax_code_parse(a->tax_code, out->tax, msg);
    case EG_ACCOUNT_STAFF:
        if (!out->login[0])
            return say(msg, EG_EINVAL, "Tài khoản cán bộ cần tên đăng nhập.");
        return EG_OK;
    }
    return EG_EINVAL;
}

enum eg_err
eg_account_create(const struct eg_identity *id, struct eg_tx *tx, const struct eg_account_new *a,
                  const char *actor, int64_t now_ms, int64_t *out_id, struct eg_buf *msg)
{
    *out_id = 0;
    struct ident who;
    enum eg_err rc = identify(id, a, now_ms, &who, msg);
    if (rc != EG_OK)
        return rc;
    if (!a->name || !*a->name || !text_ok(a->name, FIELD_MAX))
        return say(msg, EG_EINVAL, "Họ và tên là bắt buộc, tối đa 300 byte, dạng Unicode NFC.");
    if (!text_ok(a->phone, 32) || !text_ok(a->address, FIELD_MAX) ||
        !text_ok(a->admin_unit, FIELD_MAX))
        return say(msg, EG_EINVAL, "Thông tin liên hệ quá dài hoặc chứa ký tự không hợp lệ.");
    if (!date_ok(a->birth_date))
        return say(msg, EG_EINVAL, "Ngày sinh phải có dạng YYYY-MM-DD.");
    char email[256] = "";
    if (a->email && *a->email && email_norm(a->email, email, sizeof(email)) != EG_OK)
        return say(msg, EG_EINVAL, "Địa chỉ thư điện tử không hợp lệ.");
    if (!email[0] && a->kind != EG_ACCOUNT_STAFF)
        return say(msg, EG_EINVAL,
                   "Cần địa chỉ thư điện tử để xác minh tài khoản và lấy lại mật khẩu.");
    if (!a->password_hash && !a->ldap && !a->password_later)
        return say(msg, EG_EINVAL, "Tài khoản cần mật khẩu.");
    struct eg_buf sealed = EG_BUF_INIT(256);
    if (who.citizen)
        rc = eg_identity_seal(id, who.pid.digits, 12, &sealed);
    struct eg_stmt *st = NULL;
    bool row = false;
    if (rc == EG_OK)
        rc = eg_tx_prepare(tx,
                           "INSERT INTO account (kind, login, pid_hash, pid_enc, email, name, "
                           "birth_date, sex, address, admin_unit, phone, password_hash, "
                           "auth_source, status, created_at, updated_at, tax_code, name_fold) "
                           "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                           "RETURNING id",
                           &st);
    if (rc == EG_OK)
        rc = eg_stmt_bind_text(st, 1, eg_account_kind_str(a->kind), SIZE_MAX);
    if (rc == EG_OK)
        rc = bind_opt(st, 2, who.login);
    if (rc == EG_OK)
        rc = who.citizen ? eg_stmt_bind_blob(st, 3, who.pid_hash, sizeof(who.pid_hash))
                         : eg_stmt_bind_null(st, 3);
    if (rc == EG_OK)
        rc =
            who.citizen ? eg_stmt_bind_blob(st, 4, sealed.p, sealed.len) : eg_stmt_bind_null(st, 4);
    if (rc == EG_OK)
        rc = bind_opt(st, 5, email);
    if (rc == EG_OK)
        rc = eg_stmt_bind_text(st, 6, a->name, SIZE_MAX);
    if (rc == EG_OK)
        rc = bind_opt(st, 7, a->birth_date);
    /* A citizen's sex is part of the number itself (DOMAIN-VN §6.2). */
    if (rc == EG_OK)
        rc = bind_opt(st, 8, who.citizen ? (who.pid.female ? "female" : "male") : NULL);
    if (rc == EG_OK)
        rc = bind_opt(st, 9, a->address);
    if (rc == EG_OK)
        rc = bind_opt(st, 10, a->admin_unit);
    if (rc == EG_OK)
        rc = bind_opt(st, 11, a->phone);
    if (rc == EG_OK)
        rc = bind_opt(st, 12, a->password_hash);
    if (rc == EG_OK)
        rc = eg_stmt_bind_text(st, 13, a->ldap ? "ldap" : "local", SIZE_MAX);
    if (rc == EG_OK)
        rc = eg_stmt_bind_text(st, 14, a->active ? "active" : "pending", SIZE_MAX);
    if (rc == EG_OK)
        rc = eg_stmt_bind_i64(st, 15, now_ms);
    if (rc == EG_OK)
        rc = eg_stmt_bind_i64(st, 16, now_ms);
    if (rc == EG_OK)
        rc = bind_opt(st, 17, who.tax);
    struct eg_buf fold = EG_BUF_INIT(2048);
    if (rc == EG_OK)
        rc = eg_text_fold(a->name, strlen(a->name), &fold);
    if (rc == EG_OK)
        rc = eg_stmt_bind_text(st, 18, eg_buf_str(&fold), fold.len);
    eg_buf_release(&fold);
    if (rc == EG_OK)
        rc = eg_stmt_step(st, &row);
    if (rc == EG_OK && row)
        *out_id = eg_stmt_i64(st, 0);
    if (rc == EG_OK && row)
        rc = eg_stmt_step(st, &row);
    eg_buf_release(&sealed);
    if (rc == EG_ECONFLICT)
        return say(msg, rc,
                   "Tên đăng nhập, số định danh cá nhân, mã số thuế hoặc thư điện tử này đã có "
                   "tài khoản.");
    if (rc != EG_OK)
        return rc;
    char object[32];
    return eg_identity_audit(tx, actor, "account.create",
                             eg_actor_of(*out_id, object, sizeof(object)), true, NULL, NULL,
                             now_ms);
}

enum eg_err
eg_account_find(const struct eg_identity *id, struct eg_tx *tx, const char *login, int64_t *out_id)
{
    *out_id = 0;
    if (!login || strlen(login) > 256)
        return EG_ENOTFOUND;
    struct eg_pid pid;
    char key[256];
    struct eg_stmt *st;
    enum eg_err rc;
    unsigned char h[EG_PII_HASH_LEN];
    if (eg_pid_parse(login, 9999, &pid, NULL) == EG_OK) {
        eg_identity_pii_hash(id, pid.digits, 12, h);
        rc = eg_tx_prepare(tx, "SELECT id FROM account WHERE pid_hash = ?", &st);
        if (rc == EG_OK)
            rc = eg_stmt_bind_blob(st, 1, h, sizeof(h));
    } else if (strchr(login, '@')) {
        if (email_norm(login, key, sizeof(key)) != EG_OK)
            return EG_ENOTFOUND;
        rc = eg_tx_prepare(tx, "SELECT id FROM account WHERE email = ?", &st);
        if (rc == EG_OK)
            rc = eg_stmt_bind_text(st, 1, key, SIZE_MAX);
    } else if (eg_tax_code_parse(login, key, NULL) == EG_OK) {
        rc = eg_tx_prepare(tx, "SELECT id FROM account WHERE tax_code = ?", &st);
        if (rc == EG_OK)
            rc = eg_stmt_bind_text(st, 1, key, SIZE_MAX);
    } else {
        size_t i = 0;
        for (; i < sizeof(key) - 1 && login[i]; i++)
            key[i] = (login[i] >= 'A' && login[i] <= 'Z') ? (char)(login[i] - 'A' + 'a') : login[i];
        key[i] = '\0';
        rc = eg_tx_prepare(tx, "SELECT id FROM account WHERE login = ?", &st);
        if (rc == EG_OK)
            rc = eg_stmt_bind_text(st, 1, key, SIZE_MAX);
    }
    bool row = false;
    if (rc == EG_OK)
        rc = eg_stmt_step(st, &row);
    if (rc == EG_OK && !row)
        return EG_ENOTFOUND;
    if (rc == EG_OK)
        *out_id = eg_stmt_i64(st, 0);
    eg_stmt_reset(st);
    return rc;
}

static void
put_text(json_t *o, const char *key, const struct eg_stmt *st, int col)
{
    const char *s = eg_stmt_text(st, col);
    json_object_set_new(o, key, s ? json_stringn(s, eg_stmt_len(st, col)) : json_null());
}

enum eg_err
eg_account_get(const struct eg_identity *id, struct eg_tx *tx, int64_t account_id, json_t **out)
{
    *out = NULL;
    struct eg_stmt *st;
    bool row = false;
    enum eg_err rc = eg_tx_prepare(
        tx,
        "SELECT id, kind, login, pid_enc, email, email_verified, name, birth_date, sex, address, "
        "admin_unit, phone, status, totp_enabled, auth_source, created_at FROM account WHERE id = "
        "?",
        &st);
    if (rc == EG_OK)
        rc = eg_stmt_bind_i64(st, 1, account_id);
    if (rc == EG_OK)
        rc = eg_stmt_step(st, &row);
    if (rc != EG_OK)
        return rc;
    if (!row)
        return EG_ENOTFOUND;
    json_t *o = json_object();
    if (!o) {
        eg_stmt_reset(st);
        return EG_ENOMEM;
    }
    json_object_set_new(o, "id", json_integer(eg_stmt_i64(st, 0)));
    put_text(o, "kind", st, 1);
    json_object_set_new(o, "personal_id", json_null());
    if (!eg_stmt_is_null(st, 3)) {
        size_t n;
        const void *enc = eg_stmt_blob(st, 3, &n);
        struct eg_buf pid = EG_BUF_INIT(64);
        if (enc && eg_identity_open_sealed(id, enc, n, &pid) == EG_OK)
            json_object_set_new(o, "personal_id", json_stringn(pid.p, pid.len));
        if (pid.p)
            sodium_memzero(pid.p, pid.cap);
        eg_buf_release(&pid);
    }
    put_text(o, "tax_code", st, 16);
    /* What the person signs in with: the login name, else their number. */
    if (!eg_stmt_is_null(st, 2))
        put_text(o, "login", st, 2);
    else if (!eg_stmt_is_null(st, 16))
        put_text(o, "login", st, 16);
    else
        json_object_set(o, "login", json_object_get(o, "personal_id"));
    put_text(o, "email", st, 4);
    json_object_set_new(o, "email_verified", json_boolean(eg_stmt_i64(st, 5) != 0));
    put_text(o, "name", st, 6);
    put_text(o, "birth_date", st, 7);
    put_text(o, "sex", st, 8);
    put_text(o, "address", st, 9);
    put_text(o, "admin_unit", st, 10);
    put_text(o, "phone", st, 11);
    put_text(o, "status", st, 12);
    json_object_set_new(o, "totp_enabled", json_boolean(eg_stmt_i64(st, 13) != 0));
    put_text(o, "auth_source", st, 14);
    json_object_set_new(o, "created_at", json_integer(eg_stmt_i64(st, 15)));
    eg_stmt_reset(st);
    *out = o;
    return EG_OK;
}

enum eg_err
eg_account_update_profile(struct eg_tx *tx, int64_t account_id, const struct eg_profile_update *u,
                          const char *actor, int64_t now_ms, struct eg_buf *msg)
{
    if ((u->name && (!*u->name || !text_ok(u->name, FIELD_MAX))) || !text_ok(u->phone, 32) ||
        !text_ok(u->address, FIELD_MAX) || !text_ok(u->admin_unit, FIELD_MAX))
        return say(msg, EG_EINVAL, "Thông tin hồ sơ quá dài hoặc chứa ký tự không hợp lệ.");
    if (!date_ok(u->birth_date))
        return say(msg, EG_EINVAL, "Ngày sinh phải có dạng YYYY-MM-DD.");
    struct eg_stmt *st;
    bool row;
    struct eg_buf fold = EG_BUF_INIT(2048);
    if (u->name && eg_text_fold(u->name, strlen(u->name), &fold) != EG_OK) {
        eg_buf_release(&fold);
        return say(msg, EG_EINVAL, "Họ và tên không hợp lệ.");
    }
    /* COALESCE keeps what the update leaves out; access attributes are not in this list. */
    enum eg_err rc = eg_tx_prepare(tx,
                                   "UPDATE account SET name_fold = COALESCE(?, name_fold), "
                                   "name = COALESCE(?, name), phone = "
                                   "COALESCE(?, phone), address = COALESCE(?, address), "
                                   "admin_unit = COALESCE(?, admin_unit), birth_date = "
                                   "COALESCE(?, birth_date), updated_at = ? WHERE id = ?",
                                   &st);
    if (rc == EG_OK)
        rc = u->name ? eg_stmt_bind_text(st, 1, eg_buf_str(&fold), fold.len)
                     : eg_stmt_bind_null(st, 1);
    eg_buf_release(&fold);
    if (rc == EG_OK)
        rc = eg_stmt_bind_text(st, 2, u->name, SIZE_MAX);
    if (rc == EG_OK)
        rc = eg_stmt_bind_text(st, 3, u->phone, SIZE_MAX);
    if (rc == EG_OK)
        rc = eg_stmt_bind_text(st, 4, u->address, SIZE_MAX);
    if (rc == EG_OK)
        rc = eg_stmt_bind_text(st, 5, u->admin_unit, SIZE_MAX);
    if (rc == EG_OK)
        rc = eg_stmt_bind_text(st, 6, u->birth_date, SIZE_MAX);
    if (rc == EG_OK)
        rc = eg_stmt_bind_i64(st, 7, now_ms);
    if (rc == EG_OK)
        rc = eg_stmt_bind_i64(st, 8, account_id);
    if (rc == EG_OK)
        rc = eg_stmt_step(st, &row);
    if (rc == EG_OK && eg_stmt_changes(st) != 1)
        return EG_ENOTFOUND;
    char object[32];
    if (rc == EG_OK)
        rc = eg_identity_audit(tx, actor, "account.profile_update",
                               eg_actor_of(account_id, object, sizeof(object)), true, NULL, NULL,
                               now_ms);
    return rc;
}

static enum eg_err
set_column(struct eg_tx *tx, const char *sql, int64_t account_id, const char *value, int64_t now_ms)
{
    struct eg_stmt *st;
    bool row;
    enum eg_err rc = eg_tx_prepare(tx, sql, &st);
    if (rc == EG_OK)
        rc = eg_stmt_bind_text(st, 1, value, SIZE_MAX);
    if (rc == EG_OK)
        rc = eg_stmt_bind_i64(st, 2, now_ms);
    if (rc == EG_OK)
        rc = eg_stmt_bind_i64(st, 3, account_id);
    if (rc == EG_OK)
        rc = eg_stmt_step(st, &row);
    if (rc == EG_OK && eg_stmt_changes(st) != 1)
        rc = EG_ENOTFOUND;
    return rc;
}

enum eg_err
eg_account_check_password(const struct eg_identity *id, struct eg_db *db, int64_t account_id,
                          const char *pw)
{
    char stored[crypto_pwhash_STRBYTES] = "";
    struct eg_tx *tx;
    struct eg_stmt *st;
    bool row = false;
    enum eg_err rc = eg_db_begin(db, EG_TX_READ, &tx);
    if (rc != EG_OK)
        return rc;
    rc = eg_tx_prepare(tx, "SELECT password_hash FROM account WHERE id = ?", &st);
    if (rc == EG_OK)
        rc = eg_stmt_bind_i64(st, 1, account_id);
    if (rc == EG_OK)
        rc = eg_stmt_step(st, &row);
    if (rc == EG_OK && row && eg_stmt_text(st, 0))
        snprintf(stored, sizeof(stored), "%s", eg_stmt_text(st, 0));
    eg_tx_rollback(tx);
    if (rc != EG_OK)
        return rc;
    if (!stored[0]) {
        eg_password_dummy_verify(id, pw);
        return EG_EFORBIDDEN;
    }
    return eg_password_verify(stored, pw);
}

enum eg_err
eg_account_set_password(struct eg_tx *tx, int64_t account_id, const char *hash, const char *actor,
                        int64_t now_ms)
{
    enum eg_err rc =
        set_column(tx, "UPDATE account SET password_hash = ?, updated_at = ? WHERE id = ?",
                   account_id, hash, now_ms);
    /* A new password ends every session: whoever knew the old one is out. */
    if (rc == EG_OK)
        rc = eg_session_revoke_all(tx, account_id, now_ms);
    char object[32];
    if (rc == EG_OK)
        rc = eg_identity_audit(tx, actor, "auth.password_change",
                               eg_actor_of(account_id, object, sizeof(object)), true, NULL, NULL,
                               now_ms);
    return rc;
}

enum eg_err
eg_account_set_status(struct eg_tx *tx, int64_t account_id, const char *status, const char *actor,
                      int64_t now_ms)
{
    if (strcmp(status, "active") != 0 && strcmp(status, "disabled") != 0 &&
        strcmp(status, "pending") != 0)
        return EG_EINVAL;
    enum eg_err rc = set_column(tx, "UPDATE account SET status = ?, updated_at = ? WHERE id = ?",
                                account_id, status, now_ms);
    if (rc == EG_OK && strcmp(status, "disabled") == 0)
        rc = eg_session_revoke_all(tx, account_id, now_ms);
    char object[32], action[40];
    snprintf(action, sizeof(action), "account.%s",
             strcmp(status, "active") == 0     ? "enable"
             : strcmp(status, "disabled") == 0 ? "disable"
                                               : "pend");
    if (rc == EG_OK)
        rc = eg_identity_audit(tx, actor, action, eg_actor_of(account_id, object, sizeof(object)),
                               true, NULL, NULL, now_ms);
    return rc;
}

enum eg_err
eg_account_home_unit(const struct eg_identity *id, struct eg_tx *tx, int64_t account_id,
                     int64_t *unit)
{
    json_t *a = NULL;
    *unit = 0;
    enum eg_err rc = eg_account_get(id, tx, account_id, &a);
    if (rc != EG_OK)
        return rc;
    const char *kind = json_string_value(json_object_get(a, "kind"));
    bool staff = kind && strcmp(kind, "staff") == 0;
    json_decref(a);
    if (staff)
        rc = eg_staff_primary_unit(tx, account_id, unit);
    if (rc == EG_OK && *unit == 0)
        rc = eg_org_unit_root(tx, unit);
    return rc;
}
