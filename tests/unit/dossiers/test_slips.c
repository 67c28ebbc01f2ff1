/*
 * test_slips.c - the one-stop shop's slips (forms 01-06) and the tracking
 * book (07) as PDFs, from dossier JSON written here as the contract of
 * eg_dossier_get() describes it: each slip is framed, its text (pdftotext)
 * holds the code, the people, the procedure and the dates as dd/MM/yyyy;
 * the receipt's QR code decodes to the tracking URL (zbarimg on the page
 * rasterised by pdftoppm, when zbar-tools is there); which slips a dossier
 * has; missing members print blanks, members of the wrong type are
 * EG_EINVAL naming them; 200 hand-overs span pages with the header on each;
 * a book of 2,000 rows.
 *
 * The PDFs are written to $EGOV_PDF_OUT, or else tests/out/slips/ of the
 * source tree, for a person to look at.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <sys/stat.h>
#include <time.h>

#include "dossiers/dossiers.h"
#include "pdf/pdftest.h"

static const char track[] =
    "https://dichvucong.nghean.example.vn/tra-cuu/000.00.04.H41-261127-0001";

/* A birth registration received at the counter of a commune, through two steps. */
static const char base_json[] =
    "{\"id\":12,\"code\":\"000.00.04.H41-261127-0001\",\"status\":\"result_ready\","
    "\"status_title\":\"Đã giải quyết xong\",\"national_status\":9,\"version\":9,"
    "\"procedure\":{\"code\":\"1.001193\",\"name\":\"Đăng ký khai sinh\",\"version\":2,"
    "\"working_days\":3,\"field\":\"HT\",\"online_level\":\"full\"},"
    "\"agency\":{\"code\":\"000.00.04.H41\",\"name\":\"Ủy ban nhân dân xã Hưng Đông\","
    "\"address\":\"Xóm 1, xã Hưng Đông, tỉnh Nghệ An\",\"phone\":\"0238 3855 123\","
    "\"email\":\"hungdong@nghean.gov.vn\"},"
    "\"province\":{\"name\":\"Ủy ban nhân dân tỉnh Nghệ An\"},"
    "\"channel\":\"counter\",\"channel_title\":\"Trực tiếp\","
    "\"applicant\":{\"kind\":\"citizen\",\"name\":\"Nguyễn Văn An\",\"email\":\"an@example.vn\","
    "\"phone\":\"0912345678\",\"account\":5,\"personal_id\":\"040204001234\"},"
    "\"created\":\"2026-11-27T10:28\",\"submitted\":\"2026-11-27T10:30\","
    "\"received\":\"2026-11-27T10:30\",\"due\":\"2026-12-04\",\"due_at\":\"2026-12-04T17:00\","
    "\"finished\":\"2026-12-03T15:10\",\"returned\":null,\"result\":\"approved\","
    "\"reason\":\"Gia hạn do phải xác minh nơi sinh với Bệnh viện Đa khoa tỉnh.\","
    "\"overdue\":false,\"paused\":false,\"step\":null,"
    "\"steps\":[{\"index\":0,\"id\":\"tham_dinh\",\"name\":\"Thẩm định hồ sơ\","
    "\"unit\":{\"code\":\"000.00.04.H41\",\"name\":\"Ủy ban nhân dân xã Hưng Đông\"},"
    "\"role\":\"specialist\",\"days\":2,\"decides\":false},"
    "{\"index\":1,\"id\":\"phe_duyet\",\"name\":\"Phê duyệt\","
    "\"unit\":{\"code\":\"000.00.04.H41\",\"name\":\"Ủy ban nhân dân xã Hưng Đông\"},"
    "\"role\":\"agency_leader\",\"days\":1,\"decides\":true}],"
    "\"form\":{\"ho_ten_tre\":\"Nguyễn Thị Bình\"},"
    "\"components\":[{\"index\":0,\"name\":\"Tờ khai đăng ký khai sinh theo mẫu\","
    "\"originals\":1,\"copies\":0,\"required\":true,\"paper\":true,\"files\":[]},"
    "{\"index\":1,\"name\":\"Giấy chứng sinh\",\"originals\":1,\"copies\":0,\"required\":true,"
    "\"paper\":false,\"files\":[{\"id\":31,\"filename\":\"giay-chung-sinh.pdf\","
    "\"type\":\"application/pdf\",\"size\":12345}]},"
    "{\"index\":2,\"name\":\"Văn bản ủy quyền\",\"originals\":1,\"copies\":0,\"required\":false,"
    "\"paper\":false,\"files\":[]}],"
    "\"files\":[],"
    "\"pauses\":[{\"from\":\"2026-11-28T09:15\",\"until\":\"2026-11-30T08:40\"}],"
    "\"actions\":[\"return_result\"]}";

/* Its timeline (a literal of its own: C11 promises string literals of 4,095 bytes). */
static const char timeline_json[] =
    "["
    "{\"id\":1,\"action\":\"intake\",\"action_title\":\"Tiếp nhận tại quầy\",\"from\":null,"
    "\"to\":\"received\",\"step\":-1,\"to_step\":0,\"actor\":\"Lê Thị Cúc\","
    "\"unit\":{\"code\":\"000.00.04.H41\",\"name\":\"Bộ phận một cửa xã Hưng Đông\"},"
    "\"note\":null,\"at\":\"2026-11-27T10:30\",\"step_due_at\":null,\"step_outcome\":null,"
    "\"due\":\"2026-12-02\"},"
    "{\"id\":2,\"action\":\"assign\",\"action_title\":\"Phân công\",\"from\":\"received\","
    "\"to\":\"processing\",\"step\":0,\"to_step\":0,\"actor\":\"Trần Văn Dũng\","
    "\"unit\":{\"code\":\"000.00.04.H41\",\"name\":\"Ủy ban nhân dân xã Hưng Đông\"},"
    "\"note\":null,\"at\":\"2026-11-27T14:05\",\"step_due_at\":null,\"step_outcome\":null,"
    "\"due\":null},"
    "{\"id\":3,\"action\":\"request_supplement\",\"action_title\":\"Yêu cầu bổ sung\","
    "\"from\":\"processing\",\"to\":\"supplement\",\"step\":0,\"to_step\":-1,"
    "\"actor\":\"Phạm Thị Hoa\",\"unit\":{\"code\":\"000.00.04.H41\","
    "\"name\":\"Ủy ban nhân dân xã Hưng Đông\"},"
    "\"note\":\"Bổ sung bản sao giấy chứng nhận kết hôn của cha mẹ.\","
    "\"at\":\"2026-11-28T09:15\",\"step_due_at\":null,\"step_outcome\":null,\"due\":null},"
    "{\"id\":4,\"action\":\"supplement\",\"action_title\":\"Bổ sung hồ sơ\","
    "\"from\":\"supplement\",\"to\":\"processing\",\"step\":-1,\"to_step\":0,"
    "\"actor\":\"Nguyễn Văn An\",\"unit\":null,\"note\":null,\"at\":\"2026-11-30T08:40\","
    "\"step_due_at\":null,\"step_outcome\":null,\"due\":\"2026-12-03\"},"
    "{\"id\":5,\"action\":\"extend\",\"action_title\":\"Gia hạn\",\"from\":\"processing\","
    "\"to\":\"processing\",\"step\":0,\"to_step\":0,\"actor\":\"Phạm Thị Hoa\","
    "\"unit\":{\"code\":\"000.00.04.H41\",\"name\":\"Ủy ban nhân dân xã Hưng Đông\"},"
    "\"note\":\"Phải xác minh nơi sinh với Bệnh viện Đa khoa tỉnh.\","
    "\"at\":\"2026-12-01T16:00\",\"step_due_at\":null,\"step_outcome\":null,"
    "\"due\":\"2026-12-04\"},"
    "{\"id\":6,\"action\":\"forward\",\"action_title\":\"Chuyển bước tiếp theo\","
    "\"from\":\"processing\",\"to\":\"processing\",\"step\":0,\"to_step\":1,"
    "\"actor\":\"Phạm Thị Hoa\",\"unit\":{\"code\":\"000.00.04.H41\","
    "\"name\":\"Ủy ban nhân dân xã Hưng Đông\"},\"note\":\"Đủ điều kiện đăng ký.\","
    "\"at\":\"2026-12-02T10:00\",\"step_due_at\":\"2026-12-02T17:00\","
    "\"step_outcome\":\"early\",\"due\":null},"
    "{\"id\":7,\"action\":\"overdue\",\"action_title\":\"Quá hạn\",\"from\":null,\"to\":null,"
    "\"step\":1,\"to_step\":1,\"actor\":\"Hệ thống\",\"unit\":null,\"note\":null,"
    "\"at\":\"2026-12-03T08:00\",\"step_due_at\":null,\"step_outcome\":null,\"due\":null},"
    "{\"id\":8,\"action\":\"approve\",\"action_title\":\"Phê duyệt\",\"from\":\"processing\","
    "\"to\":\"result_ready\",\"step\":1,\"to_step\":-1,\"actor\":\"Hoàng Văn Em\","
    "\"unit\":{\"code\":\"000.00.04.H41\",\"name\":\"Ủy ban nhân dân xã Hưng Đông\"},"
    "\"note\":null,\"at\":\"2026-12-03T15:10\",\"step_due_at\":\"2026-12-03T17:00\","
    "\"step_outcome\":\"late\",\"due\":null}"
    "]";

static json_t *
base(void)
{
    json_error_t e;
    json_t *d = json_loads(base_json, 0, &e);
    if (d == NULL)
        fail_msg("fixture: %s at %d:%d", e.text, e.line, e.column);
    json_t *tl = json_loads(timeline_json, 0, &e);
    if (tl == NULL)
        fail_msg("timeline fixture: %s at %d:%d", e.text, e.line, e.column);
    json_object_set_new(d, "timeline", tl);
    return d;
}

/* A dossier refused at intake, or stopped: the base with its state and last event. */
static json_t *
ending(const char *status, const char *action, const char *title, const char *note)
{
    json_t *d = base();
    json_object_set_new(d, "status", json_string(status));
    json_t *ev = json_pack("{s:i, s:s, s:s, s:s, s:s, s:i, s:i, s:s, s:{s:s, s:s}, s:s?, s:s, "
                           "s:n, s:n, s:n}",
                           "id", 9, "action", action, "action_title", title, "from", "processing",
                           "to", status, "step", 0, "to_step", -1, "actor", "Hoàng Văn Em", "unit",
                           "code", "000.00.04.H41", "name", "Ủy ban nhân dân xã Hưng Đông", "note",
                           note, "at", "2026-12-02T09:45", "step_due_at", "step_outcome", "due");
    assert_non_null(ev);
    json_array_append_new(json_object_get(d, "timeline"), ev);
    return d;
}

/* ---- helpers ---------------------------------------------------------------------- */

static void
keep(const struct eg_buf *pdf, const char *name)
{
    const char *dir = getenv("EGOV_PDF_OUT");
    char path[1024];
    if (dir == NULL || *dir == '\0') {
        const char *src = getenv("EGOV_SOURCE_DIR");
        if (src == NULL)
            return;
        snprintf(path, sizeof(path), "%s/tests/out", src);
        mkdir(path, 0755);
        snprintf(path, sizeof(path), "%s/tests/out/slips", src);
        mkdir(path, 0755);
        dir = path;
    }
    char file[1200];
    snprintf(file, sizeof(file), "%s/%s", dir, name);
    FILE *f = fopen(file, "wb");
    if (f == NULL)
        return;
    if (fwrite(pdf->p, 1, pdf->len, f) != pdf->len)
        fprintf(stderr, "could not write %s\n", file);
    fclose(f);
}

static void
render(const json_t *d, enum eg_slip k, struct eg_buf *out, const char *name)
{
    struct eg_buf msg = EG_BUF_INIT(1024);
    enum eg_err rc = eg_slip_pdf(d, k, track, out, &msg);
    if (rc != EG_OK)
        fail_msg("slip %d: %s: %s", (int)k, eg_strerror(rc), eg_buf_str(&msg));
    eg_buf_release(&msg);
    assert_true(pdftest_framed(out));
    keep(out, name);
}

static void
contains(const char *text, const char *want)
{
    char *w = strdup(want);
    assert_non_null(w);
    pdftest_squash(w);
    if (strstr(text, w) == NULL)
        fail_msg("the slip's text lacks \"%s\"; it is:\n%.6000s", w, text);
    free(w);
}

static void
lacks(const char *text, const char *unwanted)
{
    if (strstr(text, unwanted) != NULL)
        fail_msg("the slip's text has \"%s\"", unwanted);
}

/* The slip's text, or NULL (and a message) without poppler-utils. */
static char *
text_of(const struct eg_buf *pdf)
{
    if (!pdftest_tools())
        return NULL;
    char *t = pdftest_text(pdf);
    assert_non_null(t);
    return t;
}

/* What every slip shows. */
static void
common(const char *t)
{
    contains(t, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM");
    contains(t, "Độc lập - Tự do - Hạnh phúc");
    contains(t, "ỦY BAN NHÂN DÂN XÃ HƯNG ĐÔNG");
    contains(t, "Mã hồ sơ: 000.00.04.H41-261127-0001");
    contains(t, "Đăng ký khai sinh");
}

/* ---- titles and availability ---------------------------------------------------- */

static void
test_titles(void **state)
{
    (void)state;
    assert_string_equal(eg_slip_title(EG_SLIP_RECEIPT, "vi"),
                        "Giấy tiếp nhận hồ sơ và hẹn trả kết quả");
    assert_string_equal(eg_slip_title(EG_SLIP_CONTROL, NULL),
                        "Phiếu kiểm soát quá trình giải quyết hồ sơ");
    assert_string_equal(eg_slip_title(EG_SLIP_APOLOGY, "vi"),
                        "Văn bản xin lỗi và đề nghị gia hạn thời gian giải quyết");
    for (int k = EG_SLIP_RECEIPT; k <= EG_SLIP_CONTROL; k++) {
        const char *en = eg_slip_title((enum eg_slip)k, "en");
        const char *vi = eg_slip_title((enum eg_slip)k, "vi");
        assert_true(*en != '\0' && *vi != '\0' && strcmp(en, vi) != 0);
    }
    assert_string_equal(eg_slip_title((enum eg_slip)0, "vi"), "");
    assert_string_equal(eg_slip_title((enum eg_slip)7, "en"), "");
}

static void
test_available(void **state)
{
    (void)state;
    json_t *d = base();
    assert_true(eg_slip_available(d, EG_SLIP_RECEIPT));
    assert_true(eg_slip_available(d, EG_SLIP_SUPPLEMENT));
    assert_false(eg_slip_available(d, EG_SLIP_REFUSAL));
    assert_true(eg_slip_available(d, EG_SLIP_APOLOGY));
    assert_false(eg_slip_available(d, EG_SLIP_STOP));
    assert_true(eg_slip_available(d, EG_SLIP_CONTROL));
    assert_false(eg_slip_available(d, (enum eg_slip)9));
    assert_false(eg_slip_available(NULL, EG_SLIP_RECEIPT));
    json_decref(d);

    /* Submitted online, not yet received: nothing but (later) a refusal. */
    d = base();
    json_object_set_new(d, "status", json_string("submitted"));
    json_object_set_new(d, "received", json_null());
    json_object_set_new(d, "timeline", json_array());
    for (int k = EG_SLIP_RECEIPT; k <= EG_SLIP_CONTROL; k++)
        assert_false(eg_slip_available(d, (enum eg_slip)k));
    struct eg_buf out = EG_BUF_INIT((size_t)8 << 20);
    struct eg_buf msg = EG_BUF_INIT(1024);
    assert_int_equal(eg_slip_pdf(d, EG_SLIP_RECEIPT, track, &out, &msg), EG_EINVAL);
    assert_non_null(strstr(eg_buf_str(&msg), "chưa được tiếp nhận"));
    assert_int_equal(eg_slip_pdf(d, EG_SLIP_STOP, track, &out, &msg), EG_EINVAL);
    assert_non_null(strstr(eg_buf_str(&msg), "Thông báo dừng giải quyết hồ sơ"));
    assert_int_equal(out.len, 0);
    json_decref(d);

    d = ending("refused", "refuse", "Từ chối tiếp nhận", "Không thuộc thẩm quyền.");
    assert_true(eg_slip_available(d, EG_SLIP_REFUSAL));
    json_decref(d);
    d = ending("stopped", "stop", "Dừng xử lý", "Người nộp đề nghị dừng.");
    assert_true(eg_slip_available(d, EG_SLIP_STOP));
    json_decref(d);

    /* A draft has no code: no slip at all. */
    d = base();
    json_object_set_new(d, "code", json_null());
    assert_false(eg_slip_available(d, EG_SLIP_RECEIPT));
    assert_int_equal(eg_slip_pdf(d, EG_SLIP_RECEIPT, track, &out, &msg), EG_EINVAL);
    assert_non_null(strstr(eg_buf_str(&msg), "chưa có mã"));
    json_decref(d);
    eg_buf_release(&out);
    eg_buf_release(&msg);
}

/* ---- the slips -------------------------------------------------------------------- */

static void
test_receipt(void **state)
{
    (void)state;
    json_t *d = base();
    struct eg_buf out = EG_BUF_INIT((size_t)8 << 20);
    render(d, EG_SLIP_RECEIPT, &out, "01-receipt.pdf");
    json_decref(d);
    char *t = text_of(&out);
    if (t != NULL) {
        common(t);
        contains(t, "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ");
        contains(t, "Hưng Đông, ngày 27 tháng 11 năm 2026");
        contains(t, "Tiếp nhận hồ sơ của: Nguyễn Văn An");
        contains(t, "Số định danh cá nhân: 040204001234");
        contains(t, "Số điện thoại: 0912345678");
        contains(t, "Thư điện tử: an@example.vn");
        contains(t, "Nội dung yêu cầu giải quyết: Đăng ký khai sinh (mã thủ tục 1.001193).");
        contains(t, "Tờ khai đăng ký khai sinh theo mẫu");
        contains(t, "Bản giấy");
        contains(t, "Giấy chứng sinh");
        contains(t, "giay-chung-sinh.pdf");
        lacks(t, "Văn bản ủy quyền"); /* not handed in */
        contains(t, "2. Số lượng hồ sơ: 01 bộ, gồm 2 thành phần.");
        contains(t, "3 ngày làm việc");
        contains(t, "4. Thời gian nhận hồ sơ: 10 giờ 30 phút, ngày 27/11/2026.");
        contains(t, "5. Thời gian trả kết quả giải quyết hồ sơ: 17 giờ 00 phút, ngày 04/12/2026.");
        contains(t, "Xóm 1, xã Hưng Đông, tỉnh Nghệ An");
        contains(t, "NGƯỜI NỘP HỒ SƠ");
        contains(t, "NGƯỜI TIẾP NHẬN HỒ SƠ");
        contains(t, "Lê Thị Cúc");
        contains(t, track);
        contains(t, "Mẫu số 01");
        free(t);
        assert_int_equal(pdftest_pages(&out), 1);
        char *title = pdftest_info(&out, "Title");
        assert_non_null(title);
        assert_string_equal(title,
                            "Giấy tiếp nhận hồ sơ và hẹn trả kết quả - 000.00.04.H41-261127-0001");
        free(title);
    }
    if (!pdftest_qr_tools()) {
        eg_buf_release(&out);
        skip();
    }
    /* 150 dpi, as an office scanner or a phone photo would see it. */
    char *qr = pdftest_qr(&out, 1, 150);
    if (qr == NULL)
        fail_msg("no QR code found on the receipt");
    assert_string_equal(qr, track);
    free(qr);
    eg_buf_release(&out);
}

static void
test_supplement(void **state)
{
    (void)state;
    json_t *d = base();
    struct eg_buf out = EG_BUF_INIT((size_t)8 << 20);
    render(d, EG_SLIP_SUPPLEMENT, &out, "02-supplement.pdf");
    json_decref(d);
    char *t = text_of(&out);
    if (t != NULL) {
        common(t);
        contains(t, "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ");
        contains(t, "Hưng Đông, ngày 28 tháng 11 năm 2026");
        contains(t, "Hồ sơ của: Nguyễn Văn An");
        contains(t, "Ngày tiếp nhận hồ sơ: 27/11/2026.");
        contains(t, "Bổ sung bản sao giấy chứng nhận kết hôn của cha mẹ.");
        contains(t, "0238 3855 123");
        contains(t, "NGƯỜI HƯỚNG DẪN");
        contains(t, "Phạm Thị Hoa");
        free(t);
    }
    eg_buf_release(&out);
}

static void
test_refusal(void **state)
{
    (void)state;
    json_t *d = ending("refused", "refuse", "Từ chối tiếp nhận",
                       "Thủ tục không thuộc thẩm quyền của Ủy ban nhân dân xã.");
    struct eg_buf out = EG_BUF_INIT((size_t)8 << 20);
    render(d, EG_SLIP_REFUSAL, &out, "03-refusal.pdf");
    json_decref(d);
    char *t = text_of(&out);
    if (t != NULL) {
        common(t);
        contains(t, "PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ");
        contains(t, "ngày 02 tháng 12 năm 2026");
        contains(t, "từ chối tiếp nhận, giải quyết hồ sơ này với lý do cụ thể như sau: Thủ tục "
                    "không thuộc thẩm quyền của Ủy ban nhân dân xã.");
        contains(t, "Xin thông báo để Ông/Bà được biết và thực hiện./.");
        contains(t, "Hoàng Văn Em");
        free(t);
    }
    eg_buf_release(&out);
}

static void
test_apology(void **state)
{
    (void)state;
    json_t *d = base();
    struct eg_buf out = EG_BUF_INIT((size_t)8 << 20);
    render(d, EG_SLIP_APOLOGY, &out, "04-apology.pdf");
    json_decref(d);
    char *t = text_of(&out);
    if (t != NULL) {
        common(t);
        contains(t, "VĂN BẢN XIN LỖI VÀ ĐỀ NGHỊ GIA HẠN THỜI GIAN GIẢI QUYẾT");
        contains(t, "Số: ........../..........");
        contains(t, "Hưng Đông, ngày 01 tháng 12 năm 2026");
        contains(t, "Kính gửi: Ông/Bà Nguyễn Văn An");
        contains(t, "Ngày 27/11/2026, Ủy ban nhân dân xã Hưng Đông tiếp nhận hồ sơ của Ông/Bà "
                    "Nguyễn Văn An, mã hồ sơ 000.00.04.H41-261127-0001");
        /* The due date before the extension (set again by the supplement), and the new one. */
        contains(t, "Thời hạn trả kết quả giải quyết hồ sơ: ngày 03/12/2026.");
        contains(t, "Lý do: Phải xác minh nơi sinh với Bệnh viện Đa khoa tỉnh.");
        contains(t, "đề nghị gia hạn thời gian giải quyết hồ sơ đến ngày 04/12/2026");
        contains(t, "Nơi nhận:");
        contains(t, "THỦ TRƯỞNG CƠ QUAN");
        free(t);
    }
    eg_buf_release(&out);
}

static void
test_stop(void **state)
{
    (void)state;
    json_t *d = ending("stopped", "stop", "Dừng xử lý",
                       "Người nộp hồ sơ có văn bản đề nghị dừng giải quyết.");
    struct eg_buf out = EG_BUF_INIT((size_t)8 << 20);
    render(d, EG_SLIP_STOP, &out, "05-stop.pdf");
    json_decref(d);
    char *t = text_of(&out);
    if (t != NULL) {
        common(t);
        contains(t, "THÔNG BÁO DỪNG GIẢI QUYẾT HỒ SƠ");
        contains(t, "Kính gửi: Ông/Bà Nguyễn Văn An");
        contains(t, "thông báo dừng giải quyết hồ sơ nêu trên kể từ ngày 02/12/2026.");
        contains(t, "Lý do: Người nộp hồ sơ có văn bản đề nghị dừng giải quyết.");
        contains(t, "Thời hạn trả kết quả giải quyết hồ sơ: ngày 04/12/2026.");
        free(t);
    }
    eg_buf_release(&out);
}

static void
test_control(void **state)
{
    (void)state;
    json_t *d = base();
    struct eg_buf out = EG_BUF_INIT((size_t)8 << 20);
    render(d, EG_SLIP_CONTROL, &out, "06-control.pdf");
    json_decref(d);
    char *t = text_of(&out);
    if (t != NULL) {
        common(t);
        contains(t, "PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ");
        contains(t, "Kèm theo hồ sơ của: Nguyễn Văn An");
        contains(t, "Ngày nhận hồ sơ: 10:30 27/11/2026.");
        contains(t, "Ngày hẹn trả kết quả: 17:00 04/12/2026.");
        contains(t, "Cơ quan phối hợp giải quyết hồ sơ: Không.");
        contains(t, "Bên giao");
        contains(t, "Bên nhận");
        contains(t, "Lê Thị Cúc");
        contains(t, "10:30 27/11/2026");
        contains(t, "14:05 27/11/2026");
        contains(t, "Trước hạn");
        contains(t, "Quá hạn");
        contains(t, "Yêu cầu bổ sung: Bổ sung bản sao giấy chứng nhận kết hôn");
        contains(t, "Hoàng Văn Em");
        /* The scanner's mark hands nothing over. */
        lacks(t, "Hệ thống");
        free(t);
    }
    eg_buf_release(&out);
}

/* 200 hand-overs: the table spans pages, its header on each. */
static void
test_control_200(void **state)
{
    (void)state;
    json_t *d = base();
    json_t *tl = json_array();
    char at[32], who[64], note[128];
    for (int i = 0; i < 200; i++) {
        snprintf(at, sizeof(at), "2026-12-%02dT%02d:%02d", 1 + i / 10, 8 + i % 9, i % 60);
        snprintf(who, sizeof(who), "Chuyên viên số %d", i + 1);
        snprintf(note, sizeof(note), "Lượt chuyển thứ %d", i + 1);
        json_array_append_new(
            tl, json_pack("{s:i, s:s, s:s, s:s, s:s, s:i, s:i, s:s, s:{s:s, s:s}, s:s, s:s, "
                          "s:s, s:n}",
                          "id", i + 1, "action", i % 2 ? "send_back" : "forward", "action_title",
                          i % 2 ? "Trả lại bước trước" : "Chuyển bước tiếp theo", "from",
                          "processing", "to", "processing", "step", i % 2, "to_step", (i + 1) % 2,
                          "actor", who, "unit", "code", "000.00.04.H41", "name",
                          "Ủy ban nhân dân xã Hưng Đông", "note", note, "at", at, "step_outcome",
                          i % 3 == 0 ? "on_time" : "early", "due"));
    }
    json_object_set_new(d, "timeline", tl);
    struct eg_buf out = EG_BUF_INIT((size_t)32 << 20);
    render(d, EG_SLIP_CONTROL, &out, "06-control-200.pdf");
    json_decref(d);
    if (!pdftest_tools()) {
        eg_buf_release(&out);
        skip();
    }
    int pages = pdftest_pages(&out);
    assert_true(pages >= 5);
    for (int p = 2; p <= pages; p++) {
        char *t = pdftest_page_text(&out, p);
        assert_non_null(t);
        contains(t, "STT Bên giao Bên nhận");
        free(t);
    }
    char *t = pdftest_text(&out);
    contains(t, "Lượt chuyển thứ 1 ");
    contains(t, "Lượt chuyển thứ 200");
    contains(t, "Đúng hạn");
    /* Every row once, in order. */
    const char *p = t;
    for (int i = 1; i <= 200; i++) {
        snprintf(note, sizeof(note), "Lượt chuyển thứ %d", i);
        const char *q = strstr(p, note);
        if (q == NULL)
            fail_msg("hand-over %d missing or out of order", i);
        p = q + 1;
    }
    free(t);
    eg_buf_release(&out);
}

/* ---- missing and odd members ------------------------------------------------------ */

static void
test_missing_members(void **state)
{
    (void)state;
    /* Only what decides the slips: every other line is a blank to write on. */
    json_t *d =
        json_pack("{s:s, s:s, s:[{s:s, s:s}, {s:s, s:s, s:s}, {s:s, s:s}]}", "code",
                  "000.00.04.H41-261127-0002", "received", "2026-01-05T07:45", "timeline", "action",
                  "receive", "at", "2026-01-05T07:45", "action", "request_supplement", "note", "",
                  "at", "2026-01-06", "action", "extend", "at", "2026-02-02T08:00");
    assert_non_null(d);
    static const enum eg_slip kinds[] = {EG_SLIP_RECEIPT, EG_SLIP_SUPPLEMENT, EG_SLIP_APOLOGY,
                                         EG_SLIP_CONTROL};
    static const char *const names[] = {"01-minimal.pdf", "02-minimal.pdf", "04-minimal.pdf",
                                        "06-minimal.pdf"};
    for (size_t i = 0; i < EG_ARRAY_LEN(kinds); i++) {
        struct eg_buf out = EG_BUF_INIT((size_t)8 << 20);
        render(d, kinds[i], &out, names[i]);
        char *t = text_of(&out);
        if (t != NULL) {
            contains(t, "000.00.04.H41-261127-0002");
            contains(t, "..........");
            contains(t, "CƠ QUAN ................");
            if (kinds[i] == EG_SLIP_RECEIPT) {
                /* Decree 30: months 1 and 2 with their zero. */
                contains(t, ", ngày 05 tháng 01 năm 2026");
                contains(t, "Tiếp nhận hồ sơ của: ......");
                contains(t, "Không có thành phần hồ sơ nào được nộp.");
                contains(t, ".... giờ .... phút, ngày ..../..../........");
            }
            if (kinds[i] == EG_SLIP_APOLOGY)
                contains(t, ", ngày 02 tháng 02 năm 2026");
            free(t);
        }
        eg_buf_release(&out);
    }
    /* No tracking URL: a receipt without its QR code. */
    struct eg_buf out = EG_BUF_INIT((size_t)8 << 20);
    struct eg_buf msg = EG_BUF_INIT(1024);
    assert_int_equal(eg_slip_pdf(d, EG_SLIP_RECEIPT, NULL, &out, &msg), EG_OK);
    assert_true(pdftest_framed(&out));
    json_decref(d);
    eg_buf_release(&out);
    eg_buf_release(&msg);
}

struct bad_case {
    const char *path;  /* a JSON pointer-ish path: "applicant/name", "timeline/1" */
    const char *value; /* JSON */
    const char *named; /* what the message must name */
};

/* Sets the member at path ("a/b/0/c") of d to value. */
static void
set_path(json_t *d, const char *path, json_t *value)
{
    char buf[128];
    snprintf(buf, sizeof(buf), "%s", path);
    json_t *at = d;
    char *save = NULL;
    char *key = strtok_r(buf, "/", &save);
    for (;;) {
        char *next = strtok_r(NULL, "/", &save);
        bool index = *key >= '0' && *key <= '9';
        if (next == NULL) {
            if (index)
                json_array_set_new(at, (size_t)strtol(key, NULL, 10), value);
            else
                json_object_set_new(at, key, value);
            return;
        }
        at = index ? json_array_get(at, (size_t)strtol(key, NULL, 10)) : json_object_get(at, key);
        assert_non_null(at);
        key = next;
    }
}

static void
test_wrong_types(void **state)
{
    (void)state;
    static const struct bad_case cases[] = {
        {"code", "12", "code"},
        {"applicant", "\"Nguyễn Văn An\"", "applicant"},
        {"applicant/name", "42", "applicant.name"},
        {"applicant/personal_id", "40204001234", "applicant.personal_id"},
        {"agency/name", "[\"x\"]", "agency.name"},
        {"procedure/working_days", "\"3\"", "procedure.working_days"},
        {"received", "\"hôm qua\"", "received"},
        {"received", "1764217800000", "received"},
        {"due_at", "\"2026-13-01T17:00\"", "due_at"},
        {"timeline", "{}", "timeline"},
        {"timeline/1", "\"assign\"", "timeline[1]"},
        {"timeline/2/at", "true", "timeline[2].at"},
        {"timeline/0/unit", "\"Bộ phận một cửa\"", "timeline[0].unit"},
        {"timeline/3/to_step", "1.5", "timeline[3].to_step"},
        {"components/0/originals", "\"1\"", "components[0].originals"},
        {"components/1/files/0", "\"giay-chung-sinh.pdf\"", "components[1].files[0]"},
        {"components/0/paper", "\"có\"", "components[0].paper"},
        {"steps/1/unit", "7", "steps[1].unit"},
    };
    for (size_t i = 0; i < EG_ARRAY_LEN(cases); i++) {
        json_t *d = base();
        json_error_t e;
        json_t *v = json_loads(cases[i].value, JSON_DECODE_ANY, &e);
        assert_non_null(v);
        set_path(d, cases[i].path, v);
        /* Whichever slip reads it; the receipt and the control slip read all of these. */
        enum eg_slip ks[] = {EG_SLIP_RECEIPT, EG_SLIP_CONTROL};
        for (size_t k = 0; k < 2; k++) {
            struct eg_buf out = EG_BUF_INIT((size_t)8 << 20);
            struct eg_buf msg = EG_BUF_INIT(1024);
            enum eg_err rc = eg_slip_pdf(d, ks[k], track, &out, &msg);
            if (rc != EG_EINVAL)
                fail_msg("%s = %s: slip %d gave %s", cases[i].path, cases[i].value, (int)ks[k],
                         eg_strerror(rc));
            if (strstr(eg_buf_str(&msg), cases[i].named) == NULL)
                fail_msg("%s: the message does not name %s: %s", cases[i].path, cases[i].named,
                         eg_buf_str(&msg));
            assert_int_equal(out.len, 0);
            eg_buf_release(&out);
            eg_buf_release(&msg);
        }
        assert_false(eg_slip_available(d, EG_SLIP_RECEIPT));
        json_decref(d);
    }
    /* Not an object at all; a slip that does not exist. */
    struct eg_buf out = EG_BUF_INIT((size_t)8 << 20);
    struct eg_buf msg = EG_BUF_INIT(1024);
    json_t *arr = json_array();
    assert_int_equal(eg_slip_pdf(arr, EG_SLIP_RECEIPT, track, &out, &msg), EG_EINVAL);
    assert_int_equal(eg_slip_pdf(NULL, EG_SLIP_RECEIPT, track, &out, NULL), EG_EINVAL);
    json_t *d = base();
    assert_int_equal(eg_slip_pdf(d, (enum eg_slip)0, track, &out, &msg), EG_EINVAL);
    assert_int_equal(eg_slip_pdf(d, (enum eg_slip)7, track, &out, NULL), EG_EINVAL);
    /* A tracking URL too long for a QR code is refused, not cut. */
    char *url = malloc(3000);
    assert_non_null(url);
    memset(url, 'a', 2999);
    url[2999] = '\0';
    assert_int_equal(eg_slip_pdf(d, EG_SLIP_RECEIPT, url, &out, &msg), EG_ETOOBIG);
    assert_non_null(strstr(eg_buf_str(&msg), "QR"));
    free(url);
    assert_int_equal(out.len, 0);
    json_decref(arr);
    json_decref(d);
    eg_buf_release(&out);
    eg_buf_release(&msg);
}

/* Long values wrap; decomposed input comes out composed; odd but valid strings are text. */
static void
test_odd_values(void **state)
{
    (void)state;
    json_t *d = base();
    struct eg_buf longname = EG_BUF_INIT((size_t)1 << 20);
    for (int i = 0; i < 300; i++)
        assert_int_equal(eg_buf_adds(&longname, "Công ty trách nhiệm hữu hạn "), EG_OK);
    set_path(d, "applicant/name", json_string(eg_buf_str(&longname)));
    set_path(d, "applicant/kind", json_string("business"));
    /* NFD "Nghệ" and an unknown outcome. */
    set_path(d, "agency/name", json_string("Ủy ban nhân dân xã Nghe\xcc\xa3\xcc\x82 Xuân"));
    set_path(d, "timeline/5/step_outcome", json_string("sớm"));
    set_path(d, "timeline/0/to_step", json_integer(99));
    struct eg_buf out = EG_BUF_INIT((size_t)16 << 20);
    render(d, EG_SLIP_RECEIPT, &out, "01-odd.pdf");
    eg_buf_reset(&out);
    render(d, EG_SLIP_APOLOGY, &out, "04-odd.pdf");
    char *t = text_of(&out);
    if (t != NULL) {
        contains(t, "ỦY BAN NHÂN DÂN XÃ NGHỆ XUÂN");
        contains(t, "Kính gửi: Quý tổ chức Công ty trách nhiệm hữu hạn");
        free(t);
    }
    eg_buf_reset(&out);
    render(d, EG_SLIP_CONTROL, &out, "06-odd.pdf");
    t = text_of(&out);
    if (t != NULL) {
        contains(t, "sớm");
        free(t);
    }
    json_decref(d);
    eg_buf_release(&longname);
    eg_buf_release(&out);
}

/* A department of the province: the province over it, the province's name as the place. */
static void
test_department(void **state)
{
    (void)state;
    struct eg_buf out = EG_BUF_INIT((size_t)8 << 20);
    json_t *d = ending("refused", "refuse", "Từ chối tiếp nhận", NULL);
    set_path(d, "agency/name", json_string("Sở Tư pháp"));
    set_path(d, "reason", json_null());
    render(d, EG_SLIP_REFUSAL, &out, "03-department.pdf");
    json_decref(d);
    char *t = text_of(&out);
    if (t != NULL) {
        contains(t, "ỦY BAN NHÂN DÂN TỈNH NGHỆ AN SỞ TƯ PHÁP");
        contains(t, "Nghệ An, ngày 02 tháng 12 năm 2026");
        /* No reason anywhere: dotted lines to write it on. */
        contains(t, "với lý do cụ thể như sau:");
        free(t);
    }
    eg_buf_release(&out);
}

/* ---- the tracking book ------------------------------------------------------------ */

static json_t *
book_item(int i)
{
    char code[64], received[32], due[32], finished[32], returned[32], name[64];
    int day = 2 + i % 26;
    snprintf(code, sizeof(code), "000.00.04.H41-2611%02d-%04d", day, 1 + i % 9999);
    snprintf(received, sizeof(received), "2026-11-%02dT%02d:%02d", day, 7 + i % 10, i % 60);
    snprintf(due, sizeof(due), "2026-12-%02d", day);
    /* Finished the day before, on the day or the day after. */
    snprintf(finished, sizeof(finished), "2026-12-%02dT15:00", day - 1 + i % 3);
    snprintf(returned, sizeof(returned), "2026-12-%02d", day + 1);
    snprintf(name, sizeof(name), "Người nộp số %d", i + 1);
    bool done = i % 4 != 3;
    return json_pack("{s:i, s:s, s:s, s:s, s:{s:s, s:s}, s:{s:s, s:s}, s:s, s:s, s:s, s:s, "
                     "s:s, s:s, s:s?, s:s?, s:b, s:i, s:n}",
                     "id", i + 1, "code", code, "status", done ? "returned" : "processing",
                     "status_title", done ? "Đã trả kết quả" : "Đang xử lý", "procedure", "code",
                     i % 2 ? "1.001193" : "2.000635", "name",
                     i % 2 ? "Đăng ký khai sinh"
                           : "Cấp giấy chứng nhận quyền sử dụng đất, quyền sở hữu nhà ở và tài "
                             "sản khác gắn liền với đất lần đầu",
                     "agency", "code", "000.00.04.H41", "name", "Ủy ban nhân dân xã Hưng Đông",
                     "applicant_name", name, "channel", "online", "submitted", received, "received",
                     received, "due", due, "due_at", due, "finished", done ? finished : NULL,
                     "returned", done ? returned : NULL, "overdue", !done && i % 8 == 7, "version",
                     3, "step");
}

static void
test_book(void **state)
{
    (void)state;
    json_t *items = json_array();
    for (int i = 0; i < 12; i++)
        json_array_append_new(items, book_item(i));
    /* An item with nothing but its code. */
    json_array_append_new(items, json_pack("{s:s}", "code", "000.00.04.H41-261130-0099"));
    struct eg_buf out = EG_BUF_INIT((size_t)16 << 20);
    struct eg_buf msg = EG_BUF_INIT(1024);
    enum eg_err rc = eg_slip_book_pdf(items, "Ủy ban nhân dân xã Hưng Đông",
                                      "từ 01/11/2026 đến 30/11/2026", &out, &msg);
    if (rc != EG_OK)
        fail_msg("book: %s: %s", eg_strerror(rc), eg_buf_str(&msg));
    assert_true(pdftest_framed(&out));
    keep(&out, "07-book.pdf");
    char *t = text_of(&out);
    if (t != NULL) {
        contains(t, "SỔ THEO DÕI HỒ SƠ");
        contains(t, "Kỳ: từ 01/11/2026 đến 30/11/2026");
        contains(t, "ỦY BAN NHÂN DÂN XÃ HƯNG ĐÔNG");
        contains(t, "000.00.04.H41-261102-0001");
        contains(t, "Người nộp số 12");
        contains(t, "Đăng ký khai sinh (1.001193)");
        contains(t, "Ngày hẹn trả kết quả");
        contains(t, "02/12/2026");
        contains(t, "Đã trả kết quả; Trước hạn");
        contains(t, "Đã trả kết quả; Đúng hạn");
        contains(t, "Đang xử lý; Quá hạn");
        contains(t, "000.00.04.H41-261130-0099");
        contains(t, "Tổng số: 13 hồ sơ.");
        free(t);
        char *size = pdftest_info(&out, "Page size");
        assert_non_null(size);
        double w = 0, h = 0;
        assert_int_equal(sscanf(size, "%lf x %lf", &w, &h), 2);
        assert_true(w > h); /* landscape */
        free(size);
    }
    /* Wrong types. */
    json_array_append_new(items, json_string("not an item"));
    eg_buf_reset(&out);
    assert_int_equal(eg_slip_book_pdf(items, NULL, NULL, &out, &msg), EG_EINVAL);
    assert_non_null(strstr(eg_buf_str(&msg), "items[13]"));
    assert_int_equal(out.len, 0);
    json_array_remove(items, 13);
    json_object_set_new(json_array_get(items, 2), "received", json_integer(5));
    assert_int_equal(eg_slip_book_pdf(items, NULL, NULL, &out, &msg), EG_EINVAL);
    assert_non_null(strstr(eg_buf_str(&msg), "items[2].received"));
    json_object_set_new(json_array_get(items, 2), "received", json_null());
    json_object_set_new(json_array_get(items, 4), "procedure", json_string("1.001193"));
    assert_int_equal(eg_slip_book_pdf(items, NULL, NULL, &out, &msg), EG_EINVAL);
    assert_non_null(strstr(eg_buf_str(&msg), "items[4].procedure"));
    json_object_set_new(json_array_get(items, 4), "procedure", json_null());
    json_object_set_new(json_array_get(items, 5), "overdue", json_string("no"));
    assert_int_equal(eg_slip_book_pdf(items, NULL, NULL, &out, &msg), EG_EINVAL);
    assert_non_null(strstr(eg_buf_str(&msg), "items[5].overdue"));
    json_t *obj = json_object();
    assert_int_equal(eg_slip_book_pdf(obj, NULL, NULL, &out, &msg), EG_EINVAL);
    assert_int_equal(eg_slip_book_pdf(NULL, NULL, NULL, &out, NULL), EG_EINVAL);
    assert_int_equal(out.len, 0);
    /* Empty: the header, no rows. */
    json_t *none = json_array();
    assert_int_equal(eg_slip_book_pdf(none, NULL, NULL, &out, &msg), EG_OK);
    assert_true(pdftest_framed(&out));
    json_decref(none);
    json_decref(obj);
    json_decref(items);
    eg_buf_release(&out);
    eg_buf_release(&msg);
}

static void
test_book_2000(void **state)
{
    (void)state;
    json_t *items = json_array();
    for (int i = 0; i < 2000; i++)
        json_array_append_new(items, book_item(i));
    struct eg_buf out = EG_BUF_INIT((size_t)64 << 20);
    struct eg_buf msg = EG_BUF_INIT(1024);
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    enum eg_err rc =
        eg_slip_book_pdf(items, "Ủy ban nhân dân xã Hưng Đông", "năm 2026", &out, &msg);
    clock_gettime(CLOCK_MONOTONIC, &b);
    if (rc != EG_OK)
        fail_msg("book: %s: %s", eg_strerror(rc), eg_buf_str(&msg));
    double ms = (double)(b.tv_sec - a.tv_sec) * 1e3 + (double)(b.tv_nsec - a.tv_nsec) / 1e6;
    fprintf(stderr, "book of 2,000 rows: %.0f ms, %zu bytes\n", ms, out.len);
    assert_true(pdftest_framed(&out));
    keep(&out, "07-book-2000.pdf");
    if (pdftest_tools()) {
        int pages = pdftest_pages(&out);
        fprintf(stderr, "book of 2,000 rows: %d pages\n", pages);
        assert_true(pages > 40);
        char *last = pdftest_page_text(&out, pages);
        assert_non_null(last);
        contains(last, "Người nộp số 2000");
        contains(last, "Tổng số: 2000 hồ sơ.");
        contains(last, "STT Mã hồ sơ Người nộp hồ sơ");
        free(last);
    }
    json_decref(items);
    eg_buf_release(&out);
    eg_buf_release(&msg);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_titles),      cmocka_unit_test(test_available),
        cmocka_unit_test(test_receipt),     cmocka_unit_test(test_supplement),
        cmocka_unit_test(test_refusal),     cmocka_unit_test(test_apology),
        cmocka_unit_test(test_stop),        cmocka_unit_test(test_control),
        cmocka_unit_test(test_control_200), cmocka_unit_test(test_missing_members),
        cmocka_unit_test(test_wrong_types), cmocka_unit_test(test_odd_values),
        cmocka_unit_test(test_department),  cmocka_unit_test(test_book),
        cmocka_unit_test(test_book_2000),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
