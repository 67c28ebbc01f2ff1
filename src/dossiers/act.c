/* act.c - the workflow: who may do what to a dossier in which state, and doing it. */
#include "dossiers_int.h"

#include <stdio.h>
#include <string.h>

#define NOTE_MAX 2000 /* bytes of a reason or remark */

enum eg_err
ds_who_is(struct eg_tx *tx, const struct eg_actor *a, const struct drow *r, const struct process *p,
          struct who *w)
{
    memset(w, 0, sizeof(*w));
    int64_t me = a->subject.account_id;
    if (me <= 0)
        return EG_OK;
    if (a->subject.kind != EG_SUBJECT_STAFF) {
        w->applicant = r->applicant_account == me;
        return EG_OK;
    }
    enum eg_err rc = ds_holds_on(tx, me, ROLE(EG_ROLE_DESK_OFFICER), r->unit_id, &w->desk);
    bool step_ok = r->step >= 0 && r->step < p->n;
    if (rc == EG_OK && step_ok)
        rc = ds_holds_on(tx, me, ROLE(p->steps[r->step].role), p->steps[r->step].unit_id,
                         &w->step_holder);
    if (rc == EG_OK && step_ok)
        rc = ds_holds_on(tx, me, LEADERS, p->steps[r->step].unit_id, &w->step_leader);
    if (rc == EG_OK)
        rc = ds_holds_on(tx, me, LEADERS, r->unit_id, &w->leader);
    w->leader = w->leader || w->step_leader;
    w->staff_sees = w->desk || w->step_holder || w->leader;
    for (int i = 0; rc == EG_OK && !w->staff_sees && i < p->n; i++)
        rc = ds_holds_on(tx, me, DOSSIER_STAFF, p->steps[i].unit_id, &w->staff_sees);
    if (rc == EG_OK && !w->staff_sees)
        rc = ds_holds_on(tx, me, DOSSIER_STAFF, r->unit_id, &w->staff_sees);
    return rc;
}

static bool
in_progress(enum eg_dossier_state s)
{
    return s == EG_DS_RECEIVED || s == EG_DS_PROCESSING;
}

/*
 * May the actor do action now? EG_OK; EG_ECONFLICT (msg) when the state does
 * not allow it; EG_EFORBIDDEN when the state does but the actor may not.
 */
enum eg_err
ds_may(enum eg_dossier_action action, const struct drow *r, const struct process *p,
       const struct who *w, int64_t me, struct eg_buf *msg)
{
    enum eg_dossier_state s = r->state;
    bool step_actor = (w->step_holder && (r->assignee == 0 || r->assignee == me)) || w->step_leader;
    bool last = r->step >= 0 && r->step < p->n && p->steps[r->step].decides;
    bool state_ok = false, who_ok = false;
    switch (action) {
    case EG_DA_RECEIVE:
    case EG_DA_REFUSE:
        state_ok = s == EG_DS_SUBMITTED;
        who_ok = w->desk;
        break;
    case EG_DA_ASSIGN:
        state_ok = in_progress(s);
        who_ok = w->step_holder || w->step_leader;
        break;
    case EG_DA_FORWARD:
        state_ok = in_progress(s) && !last;
        who_ok = step_actor;
        break;
    case EG_DA_SEND_BACK:
        state_ok = in_progress(s) && r->step > 0;
        who_ok = step_actor;
        break;
    case EG_DA_REQUEST_SUPPLEMENT:
        state_ok = s == EG_DS_SUBMITTED || in_progress(s);
        who_ok = s == EG_DS_SUBMITTED ? w->desk : (step_actor || w->desk);
        break;
    case EG_DA_SUPPLEMENT:
        state_ok = s == EG_DS_SUPPLEMENT;
        who_ok = w->applicant || w->desk;
        break;
    case EG_DA_APPROVE:
    case EG_DA_REJECT:
        state_ok = in_progress(s) && last;
        who_ok = step_actor;
        break;
    case EG_DA_EXTEND:
        state_ok = in_progress(s);
        who_ok = w->desk || step_actor;
        break;
    case EG_DA_RETURN_RESULT:
        state_ok = s == EG_DS_RESULT_READY;
        who_ok = w->desk;
        break;
    case EG_DA_WITHDRAW:
        state_ok = s == EG_DS_SUBMITTED || in_progress(s) || s == EG_DS_SUPPLEMENT;
        who_ok = w->applicant;
        break;
    case EG_DA_STOP:
        state_ok = in_progress(s) || s == EG_DS_SUPPLEMENT;
        who_ok = w->leader;
        break;
    default:
        return ds_say(msg, EG_EINVAL, "Thao tác không hợp lệ.");
    }
    if (!state_ok)
        return ds_say(msg, EG_ECONFLICT, "Không thể \"%s\" khi hồ sơ đang ở trạng thái \"%s\".",
                      eg_dossier_action_title(action, "vi"), eg_dossier_state_title(s, "vi"));
    if (!who_ok)
        return ds_say(msg, EG_EFORBIDDEN, "Bạn không có quyền \"%s\" đối với hồ sơ này.",
                      eg_dossier_action_title(action, "vi"));
    return EG_OK;
}

/* Whether a step ended before, on or after its due time (by day, then by time). */
static const char *
outcome_of(int64_t due_ms, int64_t now_ms)
{
    if (!due_ms)
        return NULL;
    struct eg_date a = eg_date_of_ms(now_ms, NULL), b = eg_date_of_ms(due_ms, NULL);
    if (now_ms > due_ms)
        return "late";
    return eg_date_cmp(a, b) < 0 ? "early" : "on_time";
}

static bool
needs_note(enum eg_dossier_action a)
{
    return a == EG_DA_REFUSE || a == EG_DA_SEND_BACK || a == EG_DA_REQUEST_SUPPLEMENT ||
           a == EG_DA_REJECT || a == EG_DA_EXTEND || a == EG_DA_STOP;
}

static enum eg_err
pause_open(struct eg_tx *tx, int64_t id, int64_t now_ms)
{
    struct eg_stmt *st;
    bool row;
    enum eg_err rc =
        eg_tx_prepare(tx, "INSERT INTO dossier_pause (dossier_id, from_ms) VALUES (?, ?)", &st);
    if (rc == EG_OK)
        rc = eg_stmt_bind_i64(st, 1, id);
    if (rc == EG_OK)
        rc = eg_stmt_bind_i64(st, 2, now_ms);
    if (rc == EG_OK)
        rc = eg_stmt_step(st, &row);
    return rc;
}

static enum eg_err
pause_close(struct eg_tx *tx, int64_t id, int64_t now_ms)
{
    struct eg_stmt *st;
    bool row;
    enum eg_err rc = eg_tx_prepare(
        tx, "UPDATE dossier_pause SET until_ms = ? WHERE dossier_id = ? AND until_ms IS NULL", &st);
    if (rc == EG_OK)
        rc = eg_stmt_bind_i64(st, 1, now_ms);
    if (rc == EG_OK)
        rc = eg_stmt_bind_i64(st, 2, id);
    if (rc == EG_OK)
        rc = eg_stmt_step(st, &row);
    return rc;
}

/* Moves to step i of p, its clock starting now. */
static enum eg_err
enter_step(struct eg_dossiers *d, struct eg_tx *tx, struct drow *r, const struct process *p, int i,
           int64_t now_ms)
{
    struct eg_calendar_due due;
    enum eg_err rc = ds_due_of(d, tx, r, now_ms, p->steps[i].days, NULL, false, &due);
    if (rc != EG_OK)
        return rc;
    r->step = i;
    r->step_unit_id = p->steps[i].unit_id;
    snprintf(r->step_role, sizeof(r->step_role), "%s", eg_role_str(p->steps[i].role));
    r->step_started_ms = now_ms;
    r->step_due_ms = due.at;
    r->assignee = 0;
    r->state = EG_DS_PROCESSING;
    return EG_OK;
}

/* The clock starts again after a supplement: the deadlines move by the pause. */
static enum eg_err
resume(struct eg_dossiers *d, struct eg_tx *tx, struct drow *r, const struct process *p,
       int64_t now_ms)
{
    enum eg_err rc = pause_close(tx, r->id, now_ms);
    r->state = r->has_resume ? r->resume_state : EG_DS_PROCESSING;
    r->has_resume = false;
    if (rc != EG_OK || !r->received_ms)
        return rc;
    char cutoff[6];
    struct eg_calendar_due due, sdue;
    rc = ds_procedure_cutoff(d, tx, r->procedure_code, r->procedure_version, cutoff);
    if (rc == EG_OK)
        rc = ds_due_of(d, tx, r, r->received_ms, r->working_days, cutoff, true, &due);
    if (rc == EG_OK && r->step >= 0 && r->step < p->n)
        rc = ds_due_of(d, tx, r, r->step_started_ms, p->steps[r->step].days, NULL, true, &sdue);
    else
        sdue.at = r->step_due_ms;
    if (rc != EG_OK)
        return rc;
    /* An extension already granted is not taken back by the recount. */
    if (due.at > r->due_ms) {
        r->due_ms = due.at;
        eg_date_format(due.date, r->due_date);
    }
    r->step_due_ms = sdue.at;
    r->overdue = now_ms > r->due_ms;
    return EG_OK;
}

static enum eg_err
extend(struct eg_dossiers *d, struct drow *r, const char *new_due, struct eg_buf *msg)
{
    struct eg_date day, old;
    if (!new_due || eg_date_parse(new_due, &day) != EG_OK)
        return ds_say(msg, EG_EINVAL, "Hãy cho biết ngày hẹn trả mới (new_due, dạng YYYY-MM-DD).");
    if (eg_date_parse(r->due_date, &old) == EG_OK && eg_date_cmp(day, old) <= 0)
        return ds_say(msg, EG_EINVAL, "Ngày hẹn mới phải sau ngày hẹn hiện tại (%s).", r->due_date);
    enum eg_err rc = ds_calendar_hold(d);
    const struct eg_calendar *cal = ds_calendar_held();
    if (rc != EG_OK)
        return rc;
    bool working = false;
    rc = eg_calendar_is_working_day(cal, day, &working);
    const struct eg_calendar_week *w = eg_calendar_get_week(cal);
    int end = w->periods[w->nperiods - 1].end;
    if (rc != EG_OK || !working)
        return ds_say(msg, EG_EINVAL, "Ngày hẹn mới phải là một ngày làm việc trong lịch.");
    r->due_ms = eg_date_to_ms(day, end);
    eg_date_format(day, r->due_date);
    r->overdue = false;
    return EG_OK;
}

static enum eg_err
apply(struct eg_dossiers *d, struct eg_tx *tx, struct drow *r, const struct process *p,
      const struct eg_dossier_act *act, int64_t now_ms, const char **outcome, struct eg_buf *msg)
{
    enum eg_err rc = EG_OK;
    *outcome = NULL;
    switch (act->action) {
    case EG_DA_RECEIVE:
        return ds_start_processing(d, tx, r, now_ms);
    case EG_DA_REFUSE:
        r->state = EG_DS_REFUSED;
        r->closed_ms = now_ms;
        return EG_OK;
    case EG_DA_ASSIGN: {
        bool ok = false;
        if (act->assignee > 0)
            rc = ds_holds_on(tx, act->assignee, ROLE(p->steps[r->step].role),
                             p->steps[r->step].unit_id, &ok);
        if (rc == EG_OK && !ok)
            return ds_say(msg, EG_EINVAL, "Người được phân công phải giữ vai trò %s tại %s.",
                          eg_role_title(p->steps[r->step].role, "vi"), p->steps[r->step].unit_code);
        r->assignee = act->assignee;
        r->state = EG_DS_PROCESSING;
        return rc;
    }
    case EG_DA_FORWARD:
        *outcome = outcome_of(r->step_due_ms, now_ms);
        return enter_step(d, tx, r, p, r->step + 1, now_ms);
    case EG_DA_SEND_BACK:
        return enter_step(d, tx, r, p, r->step - 1, now_ms);
    case EG_DA_REQUEST_SUPPLEMENT:
        r->resume_state = r->state;
        r->has_resume = true;
        if (r->received_ms)
            rc = pause_open(tx, r->id, now_ms);
        r->state = EG_DS_SUPPLEMENT;
        return rc;
    case EG_DA_SUPPLEMENT:
        return resume(d, tx, r, p, now_ms);
    case EG_DA_APPROVE:
    case EG_DA_REJECT:
        *outcome = outcome_of(r->step_due_ms, now_ms);
        r->state = EG_DS_RESULT_READY;
        snprintf(r->result, sizeof(r->result), "%s",
                 act->action == EG_DA_APPROVE ? "approved" : "rejected");
        r->finished_ms = now_ms;
        r->assignee = 0;
        return EG_OK;
    case EG_DA_EXTEND:
        return extend(d, r, act->new_due, msg);
    case EG_DA_RETURN_RESULT:
        r->state = EG_DS_RETURNED;
        r->returned_ms = now_ms;
        r->closed_ms = now_ms;
        return EG_OK;
    case EG_DA_WITHDRAW:
    case EG_DA_STOP:
        if (r->state == EG_DS_SUPPLEMENT)
            rc = pause_close(tx, r->id, now_ms);
        r->state = act->action == EG_DA_WITHDRAW ? EG_DS_WITHDRAWN : EG_DS_STOPPED;
        r->closed_ms = now_ms;
        r->has_resume = false;
        return rc;
    default:
        return EG_EINVAL;
    }
}

static enum eg_err
note_check(const struct eg_dossier_act *act, struct eg_buf *msg)
{
    const char *n = act->note;
    size_t len = n ? strlen(n) : 0;
    if (needs_note(act->action) && len == 0)
        return ds_say(msg, EG_EINVAL, "Hãy ghi rõ lý do (note).");
    if (len > NOTE_MAX || (n && !eg_utf8_valid(n, len)))
        return ds_say(msg, EG_EINVAL, "Nội dung ghi chú tối đa %d byte chữ hợp lệ.", NOTE_MAX);
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)n[i];
        if ((c < 0x20 && c != '\n' && c != '\r' && c != '\t') || c == 0x7f)
            return ds_say(msg, EG_EINVAL, "Ghi chú có ký tự điều khiển không hợp lệ.");
    }
    return EG_OK;
}

enum eg_err
eg_dossier_do(struct eg_dossiers *d, const struct eg_actor *a, const char *code,
              const struct eg_dossier_act *act, struct eg_dossier_ref *out, struct eg_buf *msg)
{
    memset(out, 0, sizeof(*out));
    eg_buf_reset(msg);
    if (a->subject.account_id <= 0)
        return EG_EUNAUTH;
    if (!eg_dossier_code_valid(code))
        return EG_ENOTFOUND;
    enum eg_err rc = note_check(act, msg);
    if (rc == EG_OK)
        rc = ds_calendar_hold(d);
    if (rc != EG_OK)
        return rc;
    struct eg_tx *tx;
    rc = eg_db_begin(d->db, EG_TX_WRITE, &tx);
    if (rc != EG_OK) {
        ds_calendar_release(d);
        return rc;
    }
    int64_t now_ms = eg_clock_now_ms(d->clock);
    struct drow r, before;
    struct process p;
    struct who w;
    const char *outcome = NULL;
    int64_t event_id = 0;
    rc = ds_load_row(tx, code, 0, true, &r);
    if (rc == EG_OK)
        rc = ds_load_process(tx, &r, &p);
    if (rc == EG_OK)
        rc = ds_who_is(tx, a, &r, &p, &w);
    if (rc == EG_OK && !w.applicant && !w.staff_sees)
        rc = EG_ENOTFOUND;
    if (rc == EG_OK)
        rc = ds_may(act->action, &r, &p, &w, a->subject.account_id, msg);
    if (rc == EG_OK && act->version != r.version)
        rc = ds_say(msg, EG_ECONFLICT,
                    "Hồ sơ vừa được người khác xử lý (phiên bản %d, bạn đang xem phiên bản %d); "
                    "hãy tải lại để xem trạng thái mới.",
                    r.version, act->version);
    before = r;
    if (rc == EG_OK)
        rc = apply(d, tx, &r, &p, act, now_ms, &outcome, msg);
    if (rc == EG_OK) {
        rc = ds_save_row(tx, &r, before.version);
        if (rc == EG_ECONFLICT)
            ds_say(msg, EG_ECONFLICT, "Hồ sơ vừa được người khác xử lý; hãy tải lại.");
    }
    if (rc == EG_OK)
        r.version = before.version + 1;
    const char *name = eg_dossier_action_str(act->action);
    /* r, p and w are unset when a load above failed: read them only while rc is EG_OK. */
    int64_t unit = 0;
    if (rc == EG_OK && a->subject.kind == EG_SUBJECT_STAFF)
        unit = before.step >= 0 && before.step < p.n && !w.desk ? p.steps[before.step].unit_id
                                                                : r.unit_id;
    if (rc == EG_OK)
        rc = ds_add_event(tx, &before, &r, name, a, unit, act->note, outcome, now_ms, &event_id);
    if (rc == EG_OK && act->nfiles) {
        int64_t owner = w.applicant ? r.applicant_account : a->subject.account_id;
        if (act->action != EG_DA_SUPPLEMENT && act->action != EG_DA_APPROVE &&
            act->action != EG_DA_REJECT && act->action != EG_DA_RECEIVE)
            rc = ds_say(msg, EG_EINVAL, "Thao tác này không kèm tệp.");
        else
            rc = ds_attach_files(tx, &r, a, owner, act->files, act->nfiles, event_id, msg);
    }
    if (rc == EG_OK)
        rc = ds_audit_action(tx, a, name, &r, before.state, now_ms);
    if (rc == EG_OK)
        rc = ds_notice_event(d, tx, &r, name, event_id, act->note, now_ms);
    if (rc == EG_OK)
        rc = eg_tx_commit(tx);
    else
        eg_tx_rollback(tx);
    ds_calendar_release(d);
    if (rc == EG_OK)
        ds_ref_of(&r, out);
    if (rc == EG_EINVAL && msg && msg->len == 0) {
        /* A refusal from below (the calendar, a constraint) that nobody put into words. */
        eg_warn("dossiers: %s on %s refused without a reason (EINVAL)",
                eg_dossier_action_str(act->action), code);
        rc = ds_say(msg, EG_EINVAL,
                    "Không thực hiện được thao tác này với dữ liệu hiện có của hồ sơ; hãy báo "
                    "bộ phận quản trị hệ thống.");
    }
    return rc;
}
