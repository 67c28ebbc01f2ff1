/* state.c - the names of states, channels, actions and queues, and the national codes. */
#include "dossiers_int.h"

#include <string.h>

static const struct {
    const char *name, *vi, *en;
    int national; /* TrangThaiHoSo, DOMAIN-VN §3.2 */
} states[EG_DS_COUNT] = {
    [EG_DS_DRAFT] = {"draft", "Bản nháp", "Draft", 0},
    [EG_DS_SUBMITTED] = {"submitted", "Mới đăng ký", "Submitted", 1},
    [EG_DS_RECEIVED] = {"received", "Đã tiếp nhận", "Received", 2},
    [EG_DS_PROCESSING] = {"processing", "Đang xử lý", "Processing", 4},
    [EG_DS_SUPPLEMENT] = {"supplement", "Yêu cầu bổ sung giấy tờ", "Supplement requested", 5},
    [EG_DS_RESULT_READY] = {"result_ready", "Đã xử lý xong", "Result ready", 9},
    [EG_DS_RETURNED] = {"returned", "Đã trả kết quả", "Result returned", 10},
    [EG_DS_REFUSED] = {"refused", "Không được tiếp nhận", "Refused at intake", 3},
    [EG_DS_WITHDRAWN] = {"withdrawn", "Người nộp đã rút hồ sơ", "Withdrawn", 7},
    [EG_DS_STOPPED] = {"stopped", "Dừng xử lý", "Stopped", 8},
};

const char *
eg_dossier_state_str(enum eg_dossier_state s)
{
    return (unsigned)s < EG_DS_COUNT ? states[s].name : "unknown";
}

const char *
eg_dossier_state_title(enum eg_dossier_state s, const char *lang)
{
    if ((unsigned)s >= EG_DS_COUNT)
        return "?";
    return lang && strcmp(lang, "en") == 0 ? states[s].en : states[s].vi;
}

enum eg_err
eg_dossier_state_parse(const char *s, enum eg_dossier_state *out)
{
    for (int i = 0; s && i < EG_DS_COUNT; i++) {
        if (strcmp(s, states[i].name) == 0) {
            *out = (enum eg_dossier_state)i;
            return EG_OK;
        }
    }
    return EG_EINVAL;
}

int
eg_dossier_national_status(enum eg_dossier_state s)
{
    return (unsigned)s < EG_DS_COUNT ? states[s].national : 0;
}

bool
eg_dossier_state_final(enum eg_dossier_state s)
{
    return s == EG_DS_RETURNED || s == EG_DS_REFUSED || s == EG_DS_WITHDRAWN || s == EG_DS_STOPPED;
}

static const struct {
    const char *name, *vi, *en;
} channels[EG_CHANNEL_COUNT] = {
    [EG_CHANNEL_ONLINE] = {"online", "Trực tuyến", "Online"},
    [EG_CHANNEL_COUNTER] = {"counter", "Trực tiếp", "At the counter"},
    [EG_CHANNEL_POST] = {"post", "Qua bưu chính công ích", "By post"},
    [EG_CHANNEL_PHONE] = {"phone", "Qua điện thoại", "By phone"},
    [EG_CHANNEL_FAX] = {"fax", "Qua fax", "By fax"},
};

const char *
eg_channel_str(enum eg_channel c)
{
    return (unsigned)c < EG_CHANNEL_COUNT ? channels[c].name : "unknown";
}

const char *
eg_channel_title(enum eg_channel c, const char *lang)
{
    if ((unsigned)c >= EG_CHANNEL_COUNT)
        return "?";
    return lang && strcmp(lang, "en") == 0 ? channels[c].en : channels[c].vi;
}

enum eg_err
eg_channel_parse(const char *s, enum eg_channel *out)
{
    for (int i = 0; s && i < EG_CHANNEL_COUNT; i++) {
        if (strcmp(s, channels[i].name) == 0) {
            *out = (enum eg_channel)i;
            return EG_OK;
        }
    }
    return EG_EINVAL;
}

static const struct {
    const char *name, *vi, *en;
} actions[EG_DA_COUNT] = {
    [EG_DA_RECEIVE] = {"receive", "Tiếp nhận hồ sơ", "Received"},
    [EG_DA_REFUSE] = {"refuse", "Từ chối tiếp nhận", "Refused at intake"},
    [EG_DA_ASSIGN] = {"assign", "Phân công xử lý", "Assigned"},
    [EG_DA_FORWARD] = {"forward", "Chuyển bước xử lý", "Forwarded"},
    [EG_DA_SEND_BACK] = {"send_back", "Trả lại bước trước", "Sent back"},
    [EG_DA_REQUEST_SUPPLEMENT] = {"request_supplement", "Yêu cầu bổ sung hồ sơ",
                                  "Supplement requested"},
    [EG_DA_SUPPLEMENT] = {"supplement", "Bổ sung hồ sơ", "Supplement handed in"},
    [EG_DA_APPROVE] = {"approve", "Phê duyệt", "Approved"},
    [EG_DA_REJECT] = {"reject", "Từ chối giải quyết", "Rejected"},
    [EG_DA_EXTEND] = {"extend", "Gia hạn, hẹn lại ngày trả", "Extended"},
    [EG_DA_RETURN_RESULT] = {"return_result", "Trả kết quả", "Result returned"},
    [EG_DA_WITHDRAW] = {"withdraw", "Rút hồ sơ", "Withdrawn"},
    [EG_DA_STOP] = {"stop", "Dừng xử lý", "Stopped"},
};

const char *
eg_dossier_action_str(enum eg_dossier_action a)
{
    return (unsigned)a < EG_DA_COUNT ? actions[a].name : "unknown";
}

const char *
eg_dossier_action_title(enum eg_dossier_action a, const char *lang)
{
    if ((unsigned)a >= EG_DA_COUNT)
        return "?";
    return lang && strcmp(lang, "en") == 0 ? actions[a].en : actions[a].vi;
}

enum eg_err
eg_dossier_action_parse(const char *s, enum eg_dossier_action *out)
{
    for (int i = 0; s && i < EG_DA_COUNT; i++) {
        if (strcmp(s, actions[i].name) == 0) {
            *out = (enum eg_dossier_action)i;
            return EG_OK;
        }
    }
    return EG_EINVAL;
}

/* Timeline events that are not actions: their titles. */
const char *
eg_dossier_event_title(const char *action, const char *lang)
{
    static const struct {
        const char *name, *vi, *en;
    } other[] = {
        {"create", "Tạo bản nháp", "Draft created"},
        {"submit", "Nộp hồ sơ trực tuyến", "Submitted online"},
        {"intake", "Tiếp nhận tại bộ phận một cửa", "Received at the desk"},
        {"overdue", "Quá hạn giải quyết", "Overdue"},
        {"warn", "Sắp đến hạn giải quyết", "Due soon"},
    };
    bool en = lang && strcmp(lang, "en") == 0;
    enum eg_dossier_action a;
    if (eg_dossier_action_parse(action, &a) == EG_OK)
        return eg_dossier_action_title(a, lang);
    for (size_t i = 0; i < EG_ARRAY_LEN(other); i++)
        if (strcmp(action, other[i].name) == 0)
            return en ? other[i].en : other[i].vi;
    return action;
}

static const char *const queues[EG_QUEUE_COUNT] = {
    [EG_QUEUE_MINE] = "mine",         [EG_QUEUE_NEW] = "new",
    [EG_QUEUE_ASSIGNED] = "assigned", [EG_QUEUE_STEP] = "step",
    [EG_QUEUE_DUE_SOON] = "due_soon", [EG_QUEUE_OVERDUE] = "overdue",
    [EG_QUEUE_RESULTS] = "results",   [EG_QUEUE_ALL] = "all",
};

const char *
eg_queue_str(enum eg_queue q)
{
    return (unsigned)q < EG_QUEUE_COUNT ? queues[q] : "unknown";
}

enum eg_err
eg_queue_parse(const char *s, enum eg_queue *out)
{
    for (int i = 0; s && i < EG_QUEUE_COUNT; i++) {
        if (strcmp(s, queues[i]) == 0) {
            *out = (enum eg_queue)i;
            return EG_OK;
        }
    }
    return EG_EINVAL;
}
