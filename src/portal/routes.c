/* routes.c - the page route table: every page, its permission, its gate flags, its handler. */
#include "portal_int.h"

#define MFA_ANY (EG_GATE_MFA_STEP | EG_GATE_MFA_SETUP)
#define FORM EG_GATE_FORM
/* A multipart form with files: streamed to the spool, its CSRF token in the "csrf" field. */
#define UPLOAD (EG_GATE_UPLOAD | EG_GATE_FORM)
#define MiB (KiB * KiB)
#define UPLOAD_MAX (100 * MiB) /* one submission: up to 16 files (http/) of 10-20 MB */

/*
 * Public pages stay reachable for a session that still owes its second factor
 * (MFA_ANY): the home page must not answer 401 to someone half signed in.
 * Forms declare EG_GATE_FORM: the gate checks their "csrf" field.
 */
static const struct eg_gated_route pages[] = {
    {"GET", "/", "public", pg_home, NULL, 0, "Trang chủ", MFA_ANY},
    {"GET", "/directory", "public", pg_directory, NULL, 0, "Danh bạ cơ quan, đơn vị", MFA_ANY},
    {"GET", "/procedures", "public", pg_procedures, NULL, 0,
     "Tìm thủ tục hành chính, lọc theo lĩnh vực, cơ quan, cấp, đối tượng", MFA_ANY},
    {"GET", "/fields", "public", pg_fields, NULL, 0, "Thủ tục theo lĩnh vực", MFA_ANY},
    {"GET", "/agencies", "public", pg_agencies, NULL, 0, "Thủ tục theo cơ quan thực hiện", MFA_ANY},
    {"GET", "/procedures/{code}", "public", pg_procedure, NULL, 0, "Một thủ tục hành chính",
     MFA_ANY},
    {"GET", "/procedures/{code}/form", "public", pg_procedure_form, NULL, 0,
     "Mẫu tờ khai để in, từ biểu mẫu của thủ tục", MFA_ANY},
    {"GET", "/procedures/{code}/form.pdf", "public", pg_procedure_form_pdf, NULL, 0,
     "Tờ khai dạng PDF (A4) để tải về", MFA_ANY},
    {"GET", "/procedures/{code}/submit", "public", pg_dossier_submit, NULL, 0,
     "Nộp hồ sơ trực tuyến: biểu mẫu của thủ tục (chưa đăng nhập, cán bộ, thủ tục không trực "
     "tuyến: cách nộp tại Bộ phận Một cửa)",
     MFA_ANY},
    {"POST", "/procedures/{code}/submit", "signed_in", pg_dossier_submit_post, NULL, UPLOAD_MAX,
     "Nộp hồ sơ trực tuyến hoặc lưu nháp (multipart, kèm tệp)", UPLOAD},
    {"GET", "/drafts/{id}", "signed_in", pg_dossier_draft, NULL, 0, "Tiếp tục một bản nháp", 0},
    {"POST", "/drafts/{id}", "signed_in", pg_dossier_draft_post, NULL, UPLOAD_MAX,
     "Lưu hoặc nộp một bản nháp (multipart, kèm tệp)", UPLOAD},
    {"GET", "/drafts/{id}/delete", "signed_in", pg_dossier_draft_delete, NULL, 0,
     "Xóa bản nháp: xác nhận", 0},
    {"POST", "/drafts/{id}/delete", "signed_in", pg_dossier_draft_delete_post, NULL, 8 * KiB,
     "Xóa bản nháp", FORM},
    {"GET", "/dossiers", "signed_in", pg_dossiers_mine, NULL, 0, "Hồ sơ của tôi", 0},
    {"GET", "/dossiers/{code}", "signed_in", pg_dossier_mine, NULL, 0,
     "Một hồ sơ của người nộp: trạng thái, tiến trình, tệp, bổ sung, rút hồ sơ", 0},
    {"GET", "/dossiers/{code}/submitted", "signed_in", pg_dossier_submitted, NULL, 0,
     "Xác nhận đã nộp hồ sơ", 0},
    {"POST", "/dossiers/{code}/supplement", "signed_in", pg_dossier_supplement_post, NULL,
     UPLOAD_MAX, "Nộp bổ sung hồ sơ (tệp và ghi chú)", UPLOAD},
    {"GET", "/dossiers/{code}/withdraw", "signed_in", pg_dossier_withdraw, NULL, 0,
     "Rút hồ sơ: xác nhận và lý do", 0},
    {"POST", "/dossiers/{code}/withdraw", "signed_in", pg_dossier_withdraw_post, NULL, 8 * KiB,
     "Rút hồ sơ", FORM},
    {"GET", "/dossiers/{code}/files/{id}", "signed_in", pg_dossier_file, NULL, 0,
     "Tải một tệp của hồ sơ (người nộp, cán bộ xử lý)", 0},
    {"GET", "/dossiers/{code}/slips/{n}", "signed_in", pg_dossier_slip, NULL, 0,
     "Phiếu của hồ sơ (PDF): 01 tiếp nhận ... 06 kiểm soát", 0},
    {"GET", "/desk", "signed_in", pg_desk, NULL, 0, "Xử lý hồ sơ: các hàng đợi của cán bộ", 0},
    {"GET", "/desk/dossiers/{code}", "signed_in", pg_desk_dossier, NULL, 0,
     "Một hồ sơ cho cán bộ: thông tin và các thao tác được phép", 0},
    {"POST", "/desk/dossiers/{code}/act", "signed_in", pg_desk_act_post, NULL, 8 * KiB,
     "Một thao tác trên hồ sơ (tiếp nhận, chuyển, phê duyệt ...)", FORM},
    {"GET", "/desk/intake", "signed_in", pg_desk_intake, NULL, 0,
     "Tiếp nhận hồ sơ tại quầy: chọn thủ tục", 0},
    {"GET", "/desk/intake/{code}", "signed_in", pg_desk_intake_form, NULL, 0,
     "Tiếp nhận hồ sơ tại quầy: biểu mẫu", 0},
    {"POST", "/desk/intake/{code}", "signed_in", pg_desk_intake_post, NULL, UPLOAD_MAX,
     "Tiếp nhận hồ sơ tại quầy (multipart, kèm bản quét)", UPLOAD},
    {"GET", "/tra-cuu", "public", pg_track, NULL, 0, "Tra cứu hồ sơ theo mã", MFA_ANY},
    {"GET", "/tra-cuu/{code}", "public", pg_track_code, NULL, 0,
     "Tình trạng một hồ sơ (không có dữ liệu cá nhân)", MFA_ANY},
    {"GET", "/signup", "public", pg_signup, NULL, 0, "Đăng ký tài khoản", MFA_ANY},
    {"POST", "/signup", "public", pg_signup_post, NULL, 16 * KiB, "Đăng ký tài khoản",
     FORM | MFA_ANY},
    {"GET", "/signup/sent", "public", pg_signup_sent, NULL, 0, "Đã gửi thư xác nhận", MFA_ANY},
    {"GET", "/verify-email", "public", pg_verify, NULL, 0, "Xác nhận thư điện tử", MFA_ANY},
    {"POST", "/verify-email", "public", pg_verify_post, NULL, KiB, "Xác nhận thư điện tử",
     FORM | MFA_ANY},
    {"GET", "/signin", "public", pg_signin, NULL, 0, "Đăng nhập", MFA_ANY},
    {"POST", "/signin", "public", pg_signin_post, NULL, 4 * KiB, "Đăng nhập", FORM | MFA_ANY},
    {"GET", "/signin/code", "signed_in", pg_signin_code, NULL, 0, "Mã xác thực hai lớp",
     EG_GATE_MFA_STEP},
    {"POST", "/signin/code", "signed_in", pg_signin_code_post, NULL, KiB, "Mã xác thực hai lớp",
     FORM | EG_GATE_MFA_STEP},
    {"POST", "/signout", "signed_in", pg_signout_post, NULL, KiB, "Đăng xuất", FORM | MFA_ANY},
    {"GET", "/password-reset", "public", pg_reset, NULL, 0, "Quên mật khẩu", MFA_ANY},
    {"POST", "/password-reset", "public", pg_reset_post, NULL, KiB, "Quên mật khẩu",
     FORM | MFA_ANY},
    {"GET", "/password-reset/sent", "public", pg_reset_sent, NULL, 0,
     "Đã gửi liên kết đặt lại mật khẩu", MFA_ANY},
    {"GET", "/password-reset/new", "public", pg_reset_new, NULL, 0, "Đặt mật khẩu mới", MFA_ANY},
    {"POST", "/password-reset/new", "public", pg_reset_new_post, NULL, 4 * KiB, "Đặt mật khẩu mới",
     FORM | MFA_ANY},
    {"GET", "/account", "signed_in", pg_account, NULL, 0, "Hồ sơ của tôi", 0},
    {"POST", "/account", "signed_in", pg_account_post, NULL, 8 * KiB, "Sửa hồ sơ", FORM},
    {"GET", "/account/password", "signed_in", pg_password, NULL, 0, "Đổi mật khẩu", 0},
    {"POST", "/account/password", "signed_in", pg_password_post, NULL, 4 * KiB, "Đổi mật khẩu",
     FORM},
    {"GET", "/account/sessions", "signed_in", pg_sessions, NULL, 0, "Phiên đăng nhập", 0},
    {"POST", "/account/sessions/end-others", "signed_in", pg_sessions_end_others_post, NULL, KiB,
     "Kết thúc các phiên khác", FORM},
    {"POST", "/account/sessions/{id}/end", "signed_in", pg_session_end_post, NULL, KiB,
     "Kết thúc một phiên", FORM},
    {"GET", "/account/security", "signed_in", pg_security, NULL, 0, "Xác thực hai lớp",
     EG_GATE_MFA_SETUP},
    {"GET", "/account/security/setup", "signed_in", pg_totp_setup, NULL, 0,
     "Thiết lập xác thực hai lớp", EG_GATE_MFA_SETUP},
    {"POST", "/account/security/setup", "signed_in", pg_totp_setup_post, NULL, KiB,
     "Bật xác thực hai lớp", FORM | EG_GATE_MFA_SETUP},
    {"GET", "/account/security/codes", "signed_in", pg_totp_codes, NULL, 0,
     "Mã khôi phục, hiện một lần", EG_GATE_MFA_SETUP},
    {"POST", "/account/security/off", "signed_in", pg_totp_off_post, NULL, KiB,
     "Tắt xác thực hai lớp", FORM},
    {"GET", "/account/tokens", "signed_in", pg_tokens, NULL, 0, "Mã truy cập API", 0},
    {"POST", "/account/tokens", "signed_in", pg_token_new_post, NULL, 4 * KiB,
     "Tạo mã truy cập API", FORM},
    {"POST", "/account/tokens/{id}/revoke", "signed_in", pg_token_revoke_post, NULL, KiB,
     "Thu hồi mã truy cập API", FORM},
    {"GET", "/admin", "signed_in", pg_admin, NULL, 0, "Quản trị (các mục người dùng được phép)", 0},
    {"GET", "/admin/accounts", "account.read", pg_admin_accounts, NULL, 0, "Tìm tài khoản", 0},
    {"GET", "/admin/accounts/{id}", "account.read", pg_admin_account, NULL, 0,
     "Một tài khoản (đọc dữ liệu cá nhân được ghi nhật ký)", 0},
    {"POST", "/admin/accounts/{id}/status", "staff.manage", pg_admin_status_post, NULL, KiB,
     "Khóa hoặc mở khóa tài khoản", FORM},
    {"POST", "/admin/accounts/{id}/roles", "role.grant", pg_admin_grant_post, NULL, KiB,
     "Cấp vai trò", FORM},
    {"POST", "/admin/role-grants/{id}/revoke", "role.grant", pg_admin_revoke_post, NULL, KiB,
     "Thu hồi vai trò", FORM},
    {"GET", "/admin/staff/new", "staff.manage", pg_admin_staff_new, NULL, 0, "Tạo tài khoản cán bộ",
     0},
    {"POST", "/admin/staff/new", "staff.manage", pg_admin_staff_new_post, NULL, 8 * KiB,
     "Tạo tài khoản cán bộ", FORM},
    {"GET", "/admin/org-units", "org.manage", pg_admin_orgs, NULL, 0, "Quản lý đơn vị", 0},
    {"GET", "/admin/org-units/new", "org.manage", pg_admin_org_new, NULL, 0, "Thêm đơn vị", 0},
    {"POST", "/admin/org-units/new", "org.manage", pg_admin_org_new_post, NULL, 8 * KiB,
     "Thêm đơn vị", FORM},
    {"GET", "/admin/org-units/{code}", "org.manage", pg_admin_org, NULL, 0,
     "Một đơn vị: sửa, giải thể", 0},
    {"POST", "/admin/org-units/{code}", "org.manage", pg_admin_org_post, NULL, 8 * KiB,
     "Sửa đơn vị", FORM},
    {"POST", "/admin/org-units/{code}/close", "org.manage", pg_admin_org_close_post, NULL, KiB,
     "Giải thể đơn vị (đóng, không xóa)", FORM},
    {"GET", "/admin/audit", "audit.read", pg_admin_audit, NULL, 0, "Nhật ký kiểm toán", 0},
    {"GET", "/thong-ke", "report.read", pg_stats, NULL, 0,
     "Thống kê tiếp nhận, giải quyết hồ sơ (biểu đồ, tải Excel/CSV)", 0},
    {"GET", "/admin/procedures", "procedure.manage", pg_admin_procedures, NULL, 0,
     "Tìm thủ tục, kể cả bản nháp", 0},
    {"GET", "/admin/procedures/new", "procedure.manage", pg_admin_procedure_new, NULL, 0,
     "Thêm thủ tục (tài liệu JSON)", 0},
    {"POST", "/admin/procedures/new", "procedure.manage", pg_admin_procedure_new_post, NULL,
     4 * KiB *KiB, "Thêm thủ tục (bản nháp, hoặc công bố ngay)", FORM},
    {"GET", "/admin/procedures/import", "procedure.manage", pg_admin_procedure_import, NULL, 0,
     "Nhập danh mục thủ tục (JSON)", 0},
    {"POST", "/admin/procedures/import", "procedure.manage", pg_admin_procedure_import_post, NULL,
     16 * KiB *KiB, "Nhập danh mục thủ tục, tất cả hoặc không gì", FORM},
    {"GET", "/admin/procedures/{code}", "procedure.manage", pg_admin_procedure, NULL, 0,
     "Một thủ tục: phiên bản mới nhất và các phiên bản", 0},
    {"GET", "/admin/procedures/{code}/edit", "procedure.manage", pg_admin_procedure_edit, NULL, 0,
     "Sửa thủ tục: phiên bản mới (tài liệu JSON)", 0},
    {"POST", "/admin/procedures/{code}/edit", "procedure.manage", pg_admin_procedure_edit_post,
     NULL, 4 * KiB *KiB, "Lưu phiên bản mới của thủ tục", FORM},
    {"POST", "/admin/procedures/{code}/versions/{version}/publish", "procedure.manage",
     pg_admin_procedure_publish_post, NULL, KiB, "Công bố một phiên bản", FORM},
    {"POST", "/admin/procedures/{code}/retire", "procedure.manage", pg_admin_procedure_retire_post,
     NULL, KiB, "Ngừng áp dụng thủ tục (rời cổng, các phiên bản được giữ)", FORM},
};

enum eg_err
eg_portal_register(struct eg_router *r, struct eg_gate *g, const struct eg_portal_config *cfg)
{
    if (!r || !g || !cfg || !cfg->templates)
        return EG_EINVAL;
    enum eg_err rc = EG_OK;
    for (size_t i = 0; i < EG_ARRAY_LEN(pages) && rc == EG_OK; i++) {
        struct eg_gated_route rt = pages[i];
        rt.ctx = (void *)cfg; /* the handlers only read it; a route's ctx is untyped */
        rc = eg_gate_add(g, r, &rt, 1);
    }
    return rc;
}

enum eg_err
eg_portal_templates(struct eg_tmpl_set **out, struct eg_buf *msg)
{
    struct eg_tmpl_set *set = eg_tmpl_set_new();
    *out = NULL;
    if (!set)
        return EG_ENOMEM;
    enum eg_err rc = eg_tmpl_set_load_embedded(set, "web/templates/", msg);
    if (rc == EG_OK)
        rc = eg_tmpl_set_load_catalogues(set, "web/i18n/", msg);
    if (rc == EG_OK)
        rc = eg_tmpl_set_check(set, msg);
    if (rc != EG_OK) {
        eg_tmpl_set_free(set);
        return rc;
    }
    *out = set;
    return EG_OK;
}
