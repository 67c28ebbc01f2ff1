'use strict';
/*
 * t_dossiers.js - a dossier's whole path in the browser: the administrator
 * makes the staff of a commune (a desk officer, a specialist and a leader, who
 * must set TOTP up), a citizen signs up, finds the birth registration and
 * submits it online with two PDFs made here (first refused for a missing
 * document: the files already uploaded stay ticked), sees the confirmation; a
 * double submission gives one dossier; the desk officer receives it (a second
 * tab that acted on the old version gets the 409 message) and downloads the
 * receipt slip; the specialist asks for a supplement, the citizen hands it in,
 * the specialist forwards, the leader approves, the desk returns the result;
 * the public tracking page says "Đã trả kết quả" without personal data; a
 * keyboard-only pass over the submit form. Every page gets axe-core and the
 * 360/1280 px screenshots (visit()).
 */
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

const BIRTH = '1.001193';
const UNIT = '000.00.41.H41'; /* Ủy ban nhân dân phường Trường Vinh */
const UNIT_NAME = 'Trường Vinh';

/* A small, valid one-page PDF with a line of text (what files/ keeps is decided by "%PDF-"). */
function makePdf(title) {
  const text = `BT /F1 18 Tf 72 720 Td (${title.replace(/[()\\]/g, '')}) Tj ET`;
  const objs = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>',
    `<< /Length ${text.length} >>\nstream\n${text}\nendstream`,
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
  ];
  let out = '%PDF-1.4\n';
  const offsets = [];
  objs.forEach((o, i) => {
    offsets.push(out.length);
    out += `${i + 1} 0 obj\n${o}\nendobj\n`;
  });
  const xref = out.length;
  out += `xref\n0 ${objs.length + 1}\n0000000000 65535 f \n`;
  for (const off of offsets) out += `${String(off).padStart(10, '0')} 00000 n \n`;
  out += `trailer\n<< /Size ${objs.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(out, 'latin1');
}

function newPid() {
  return '001' + '0' + '8' + String(crypto.randomInt(0, 10)) + String(crypto.randomInt(0, 1000000)).padStart(6, '0');
}

module.exports = (test, S, L) => {
  const { check, eq, go, visit, text, submit, errorSummary } = L;
  const pathOf = (url) => url.replace(/^https?:\/\/[^/]+/, '');
  const D = {}; /* what these tests hand on */
  const pdfBirth = { name: 'giay-chung-sinh.pdf', mimeType: 'application/pdf', buffer: makePdf('Giay chung sinh - thu nghiem') };
  const pdfId = { name: 'can-cuoc.pdf', mimeType: 'application/pdf', buffer: makePdf('Can cuoc cong dan - thu nghiem') };

  /* The administrator, signed in with TOTP (set up by t_admin.js, or here when run alone). */
  async function adminPage() {
    const ctx = await L.context();
    const page = await ctx.newPage();
    if (S.admin && S.admin.secret) {
      await S.signIn(page, process.env.ADMIN_LOGIN, process.env.ADMIN_PASSWORD, S.admin.secret);
    } else {
      await S.signIn(page, process.env.ADMIN_LOGIN, process.env.ADMIN_PASSWORD);
      await go(page, '/account/security/setup');
      const secret = (await text(page, '#secret')).replace(/ /g, '');
      await page.fill('#code', await L.freshCode(secret));
      await submit(page, 'main form button[type=submit]');
      S.admin = { secret };
    }
    return { ctx, page };
  }

  /* A staff account of the commune with one role; it sets its password from the mail. */
  async function makeStaff(page, role, name, position) {
    const login = `hs.${role.replace(/_/g, '')}${crypto.randomInt(1000, 9999)}`;
    await go(page, '/admin/staff/new');
    await page.fill('#login', login);
    await page.fill('#name', name);
    await page.fill('#email', `${login}@example.vn`);
    await page.fill('#org', UNIT);
    await page.fill('#position', position);
    await submit(page, 'main form button[type=submit]');
    check(/^\/admin\/accounts\/\d+$/.test(new URL(page.url()).pathname), `the new account's page: ${page.url()}`);
    await page.selectOption('#role', role);
    await page.fill('#org', UNIT);
    await submit(page, 'main form[action$="/roles"] button[type=submit]');
    check((await text(page, '.notice')).includes('Đã cấp vai trò'), `the role ${role} granted`);
    const m = await L.mailMatching(`${login}@example.vn`, /https?:\/\/\S+\/password-reset\?token=[A-Za-z0-9_-]+/);
    const ctx = await L.context();
    const p = await ctx.newPage();
    await go(p, pathOf(m[0]));
    const password = 'Một cửa liên thông ' + crypto.randomInt(100000, 999999);
    await p.fill('#password', password);
    await submit(p, 'main form button[type=submit]');
    eq(pathOf(p.url()).split('?')[0], '/signin', 'the password set');
    return { login, name, password, ctx, page: p };
  }

  /* Signs a staff member in again in a fresh context (TOTP when they have it). */
  async function staffPage(who) {
    if (who.ctx) await who.ctx.close().catch(() => {});
    who.ctx = await L.context();
    who.page = await who.ctx.newPage();
    const where = await S.signIn(who.page, who.login, who.password, who.secret);
    check(where === '/account' || where === '/desk', `${who.login} signed in (${where})`);
    return who.page;
  }

  async function openFromQueue(page, queue, code) {
    await go(page, `/desk?queue=${queue}`);
    const link = page.locator(`main table a[href="/desk/dossiers/${code}"]`);
    eq(await link.count(), 1, `the dossier in the queue "${queue}"`);
    await Promise.all([page.waitForNavigation(), link.click()]);
    eq(pathOf(page.url()), `/desk/dossiers/${code}`, 'the staff page of the dossier');
  }

  /* Presses the button of the action's form (after filling what is given). */
  async function act(page, action, note) {
    const form = page.locator(`main form:has(input[name=action][value="${action}"])`);
    eq(await form.count(), 1, `a form for "${action}"`);
    if (note !== undefined) await form.locator('textarea[name=note]').fill(note);
    return submit(page, `main form:has(input[name=action][value="${action}"]) button[type=submit]`);
  }

  test('dossiers: the commune\'s desk officer, specialist and leader (TOTP) are made', async () => {
    const { ctx, page } = await adminPage();
    D.desk = await makeStaff(page, 'desk_officer', 'Hoàng Thị Một Cửa', 'Công chức bộ phận một cửa');
    D.spec = await makeStaff(page, 'specialist', 'Đặng Văn Tư Pháp', 'Công chức tư pháp - hộ tịch');
    D.lead = await makeStaff(page, 'agency_leader', 'Vũ Văn Chủ Tịch', 'Phó Chủ tịch Ủy ban nhân dân');
    await ctx.close();
    /* The leader approves: a second factor before anything else. */
    const lp = D.lead.page;
    eq(await S.signIn(lp, D.lead.login, D.lead.password), '/account/security/setup', 'the leader must set TOTP up');
    const secret = (await text(lp, '#secret')).replace(/ /g, '');
    await lp.fill('#code', await L.freshCode(secret));
    await submit(lp, 'main form button[type=submit]');
    D.lead.secret = secret;
    for (const who of [D.desk, D.spec]) eq(await S.signIn(who.page, who.login, who.password), '/account', `${who.login} signs in`);
    /* Staff see the desk in the navigation, and counter intake. */
    await go(D.desk.page, '/desk');
    check(await D.desk.page.locator('.site-nav a[href="/desk"]').count() === 1, 'the desk in the navigation');
    await visit(D.desk.page, 'desk queues empty');
    await go(D.desk.page, '/desk/intake?q=' + encodeURIComponent('khai sinh'));
    check((await text(D.desk.page, 'main .results')).includes('Đăng ký khai sinh'), 'intake finds the procedure');
    await visit(D.desk.page, 'desk intake search');
    await go(D.desk.page, `/desk/intake/${BIRTH}`);
    check((await text(D.desk.page, 'main')).includes(UNIT_NAME), 'the receiving unit of the desk officer');
    eq(await D.desk.page.locator('#paper_1').count(), 1, 'components received on paper as checkboxes');
    await visit(D.desk.page, 'desk intake form');
  });

  test('dossiers: a citizen signs up for submitting online', async () => {
    const ctx = await L.context();
    const page = await ctx.newPage();
    const c = {
      pid: newPid(),
      email: `nguoi.nop.${crypto.randomInt(1e9)}@example.vn`,
      name: 'Lương Thị Người Nộp',
      password: 'Bông sen vàng nở sớm ' + crypto.randomInt(1000, 9999),
    };
    await go(page, '/signup');
    await page.fill('#personal_id', c.pid);
    await page.fill('#name', c.name);
    await page.fill('#email', c.email);
    await page.fill('#password', c.password);
    await submit(page, 'main form button[type=submit]');
    eq(pathOf(page.url()), '/signup/sent', 'signed up');
    const m = await L.mailMatching(c.email, /https?:\/\/\S+\/verify-email\?token=[A-Za-z0-9_-]+/);
    await go(page, pathOf(m[0]));
    await submit(page, 'main form button[type=submit]');
    await ctx.close();
    D.citizen = c;
  });

  test('dossiers: submit the birth registration online without JavaScript, two PDFs, the confirmation', async () => {
    const ctx = await L.context({ javaScriptEnabled: false });
    const page = await ctx.newPage();
    eq(await S.signIn(page, D.citizen.pid, D.citizen.password), '/account', 'the citizen signs in');
    /* Found from the home page's search, then "Nộp trực tuyến". */
    await go(page, '/');
    await page.fill('#home-q', 'khai sinh');
    await Promise.all([page.waitForNavigation(), page.press('#home-q', 'Enter')]);
    await Promise.all([page.waitForNavigation(), page.locator('main .results > li h2 a').first().click()]);
    eq(pathOf(page.url()), `/procedures/${BIRTH}`, 'the procedure page');
    await Promise.all([page.waitForNavigation(), page.click('main a.button:has-text("Nộp trực tuyến")')]);
    eq(pathOf(page.url()), `/procedures/${BIRTH}/submit`, 'the submission form');
    eq(await page.getAttribute('main form.dossier-form', 'enctype'), 'multipart/form-data', 'a multipart form');
    eq(await page.inputValue('#f_email'), D.citizen.email, 'the email filled from the profile');
    check((await text(page, 'label[for="f_father_name"]')).includes('(nếu “Có thông tin về cha” chọn “Có”)'),
      'a conditional field says when it applies');
    eq(await page.getAttribute('#comp_5', 'accept'), '.pdf,.jpg,.jpeg,.png', 'what a component accepts');
    /* The birth certificate is a component carried by the form's file field: asked once. */
    eq(await page.locator('#comp_1').count(), 0, 'no second upload for the birth certificate');
    check((await text(page, '.component-in:has-text("Giấy chứng sinh")')).includes('tải lên một lần, ở mục “Giấy chứng sinh (ảnh hoặc PDF)”'),
      'the component says where it is uploaded');
    eq(await page.getAttribute('#f_birth_certificate', 'accept'), '.pdf,.jpg,.jpeg,.png', 'what a file field accepts');
    eq(await page.locator('#comp_0').count(), 0, 'no upload for the declaration: it is this form');
    const idem = await page.getAttribute('input[name=idem]', 'value');
    check(/^[0-9a-f]{32}$/.test(idem || ''), `a hidden key for the submission: ${idem}`);
    await visit(page, 'dossier submit form');
    /* Nothing filled in: the errors, each linked to its input. */
    let r = await submit(page, 'main form button[value=submit]');
    eq(r.status(), 400, 'a refused form is answered with the form');
    check((await page.title()).startsWith('Lỗi:'), 'the title says there is an error');
    const hrefs = (await errorSummary(page)).map((e) => e.href);
    for (const h of ['#agency', '#f_child_name', '#f_child_birth_date_day', '#f_child_sex', '#f_birth_certificate', '#comp_5'])
      check(hrefs.includes(h), `an error linked to ${h}: ${hrefs}`);
    check(!hrefs.includes('#comp_1'), `no error on a component that has no input online: ${hrefs}`);
    for (const h of hrefs.filter((x) => x))
      eq(await page.locator(h).count(), 1, `the summary's link ${h} has its input`);
    eq(await page.getAttribute('#f_child_name', 'aria-invalid'), 'true', 'aria-invalid on the input');
    eq(await page.inputValue('input[name=idem]'), idem, 'the same key after an error');
    L.takeProblems();
    await visit(page, 'dossier submit errors');
    /* Filled in, the identity card forgotten: the two files already sent stay, ticked. */
    await page.selectOption('#agency', UNIT);
    await page.fill('#f_child_name', 'Lương Gia Bảo');
    await page.fill('#f_child_birth_date_day', '3');
    await page.fill('#f_child_birth_date_month', '11');
    await page.fill('#f_child_birth_date_year', '2026');
    await page.check('#f_child_sex');
    await page.fill('#f_birth_place', 'Bệnh viện Sản Nhi Nghệ An, phường Trường Vinh');
    await page.fill('#f_mother_name', D.citizen.name);
    await page.fill('#f_mother_personal_id', D.citizen.pid);
    await page.check('#f_father_known-1');
    await page.fill('#f_father_name', 'không được hỏi nên không lưu');
    await page.setInputFiles('#f_birth_certificate', pdfBirth);
    r = await submit(page, 'main form button[value=submit]');
    eq(r.status(), 400, 'still refused: a required document is missing');
    const errs = await errorSummary(page);
    eq(errs.length, 1, `one error left: ${JSON.stringify(errs)}`);
    eq(errs[0].href, '#comp_5', 'the identity paper is missing');
    eq(await page.locator('input[name=keep]:checked').count(), 1, 'the file sent is kept, ticked');
    check((await text(page, 'label[for^="keep-"]')).includes('giay-chung-sinh.pdf'), 'a kept file is named');
    eq(await page.inputValue('#f_child_name'), 'Lương Gia Bảo', 'the values kept');
    eq(await page.inputValue('#agency'), UNIT, 'the agency kept');
    L.takeProblems();
    await visit(page, 'dossier submit kept files');
    await page.setInputFiles('#comp_5', pdfId);
    r = await submit(page, 'main form button[value=submit]');
    const m = pathOf(page.url()).match(/^\/dossiers\/([0-9A-Z.]+-\d{6}-\d{4,5})\/submitted$/);
    check(m, `the confirmation page: ${page.url()}`);
    D.code = m[1];
    check(D.code.startsWith(UNIT + '-'), `the code of the receiving unit: ${D.code}`);
    eq(await text(page, '#dossier-code'), D.code, 'the code on the confirmation');
    const main = await text(page, 'main');
    for (const s of ['Đã nộp hồ sơ', 'Mới đăng ký', 'Đăng ký khai sinh', UNIT_NAME, 'Theo dõi hồ sơ'])
      check(main.includes(s), `the confirmation shows "${s}"`);
    eq(await page.getAttribute('main a:has-text("Theo dõi hồ sơ")', 'href'), `/tra-cuu/${D.code}`, 'the tracking link');
    await visit(page, 'dossier submitted');
    /* Its page: the values asked, not the one that was not asked. */
    await go(page, `/dossiers/${D.code}`);
    const values = await text(page, 'main');
    check(values.includes('Lương Gia Bảo') && values.includes('03/11/2026') && values.includes('Nam'), 'the values');
    check(!values.includes('không được hỏi'), 'a conditional field not asked is not kept');
    /* Two files: the identity paper, and the certificate under its form field and under the
       component it carries. */
    eq(await page.locator(`main a[href^="/dossiers/${D.code}/files/"]`).count(), 3, 'the two files linked');
    eq(new Set(await page.locator(`main a[href^="/dossiers/${D.code}/files/"]`).evaluateAll(
      (as) => as.map((a) => a.getAttribute('href')))).size, 2, 'two distinct files');
    const file = await page.request.get(L.BASE + await page.getAttribute(`main a[href^="/dossiers/${D.code}/files/"]`, 'href'));
    eq(file.status(), 200, 'a file downloads');
    eq((await file.body()).subarray(0, 5).toString('latin1'), '%PDF-', 'the file is the PDF sent');
    await visit(page, 'dossier citizen');
    D.citizenCtx = ctx;
    D.citizenPage = page;
  });

  test('dossiers: a double submission (same key, same content) makes one dossier', async () => {
    const page = D.citizenPage;
    await go(page, `/procedures/${BIRTH}/submit`);
    const csrf = await page.getAttribute('input[name=csrf]', 'value');
    const idem = await page.getAttribute('input[name=idem]', 'value');
    const body = {
      csrf, idem, action: 'submit', agency: UNIT, f_child_name: 'Lương Gia Huy', f_child_birth_date_day: '4',
      f_child_birth_date_month: '11', f_child_birth_date_year: '2026', f_child_sex: 'male', f_birth_place: 'Nhà riêng',
      f_mother_name: D.citizen.name, f_mother_personal_id: D.citizen.pid, f_father_known: 'no',
      f_birth_certificate: pdfBirth, comp_5: pdfId,
    };
    const url = `${L.BASE}/procedures/${BIRTH}/submit`;
    const [a, b] = await Promise.all([
      page.request.post(url, { multipart: body, maxRedirects: 0 }),
      page.request.post(url, { multipart: body, maxRedirects: 0 }),
    ]);
    eq(a.status(), 303, 'the first answer');
    eq(b.status(), 303, 'the second answer');
    eq(a.headers().location, b.headers().location, 'both lead to the same dossier');
    const again = await page.request.post(url, { multipart: body, maxRedirects: 0 });
    eq(again.headers().location, a.headers().location, 'a retry later too');
    D.second = a.headers().location.split('/')[2];
    check(D.second !== D.code, 'a new dossier, not the first one');
  });

  test('dossiers: keyboard only over the submit form', async () => {
    const ctx = await L.context();
    const page = await ctx.newPage();
    eq(await S.signIn(page, D.citizen.pid, D.citizen.password), '/account', 'signed in');
    await go(page, `/procedures/${BIRTH}/submit`);
    await page.keyboard.press('Tab');
    check(await page.evaluate(() => document.activeElement.classList.contains('skip-link')), 'the skip link first');
    await page.keyboard.press('Enter');
    const seen = [];
    for (let i = 0; i < 120; i++) {
      await page.keyboard.press('Tab');
      const f = await page.evaluate(() => {
        const el = document.activeElement;
        const cs = getComputedStyle(el);
        return { id: el.id, tag: el.tagName, value: el.value || '', outline: cs.outlineStyle, bg: cs.backgroundColor };
      });
      seen.push(f);
      if (f.tag === 'BUTTON' && f.value === 'draft') break;
    }
    const ids = seen.map((f) => f.id);
    for (const id of ['agency', 'f_child_name', 'f_child_birth_date_day', 'f_child_birth_date_year', 'f_child_sex',
      'f_mother_personal_id', 'f_copies_requested', 'f_birth_certificate', 'comp_5'])
      check(ids.includes(id), `Tab reaches #${id}: ${ids.join(' ')}`);
    check(seen.some((f) => f.tag === 'BUTTON' && f.value === 'submit'), 'Tab reaches "Nộp hồ sơ"');
    check(seen.filter((f) => f.tag === 'INPUT' || f.tag === 'SELECT').every((f) => f.outline !== 'none'),
      'every input shows its focus');
    /* Typing and sending with the keyboard alone. */
    await page.focus('#f_child_name');
    await page.keyboard.type('Lương Gia Bàn Phím');
    await page.focus('#f_child_sex');
    await page.keyboard.press('Space');
    eq(await page.isChecked('#f_child_sex'), true, 'a radio chosen with Space');
    await page.focus('button[value=draft]');
    await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
    /* Even a draft needs where it goes: the summary says so; chosen with the arrow keys. */
    const errs = await errorSummary(page);
    eq(errs.map((e) => e.href).join(','), '#agency', 'a draft still needs where it goes');
    L.takeProblems();
    await page.focus('#agency');
    await page.keyboard.press('ArrowDown');
    await Promise.all([page.waitForNavigation(), page.focus('button[value=draft]').then(() => page.keyboard.press('Enter'))]);
    check(/^\/drafts\/\d+$/.test(pathOf(page.url())), `saved as a draft: ${page.url()}`);
    check((await text(page, '.notice')).includes('Đã lưu bản nháp'), 'the draft notice');
    eq(await page.inputValue('#f_child_name'), 'Lương Gia Bàn Phím', 'the draft keeps what was typed');
    await visit(page, 'dossier draft');
    const draftPath = pathOf(page.url());
    await go(page, '/dossiers');
    check(await page.locator('main a:has-text("Tiếp tục")').count() >= 1, 'the draft listed with "Tiếp tục"');
    const listed = await page.locator(`main a[href="${draftPath}"]`).count();
    check(listed >= 1, `the draft ${draftPath} listed`);
    /* Given up: deleted from its page, after a confirmation; keyboard only. */
    await go(page, draftPath);
    await page.focus('main a:has-text("Xóa bản nháp này")');
    await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
    eq(pathOf(page.url()), `${draftPath}/delete`, 'the confirmation page');
    check((await text(page, 'main h1')).includes('Xóa bản nháp?'), 'its heading');
    await visit(page, 'dossier draft delete');
    await Promise.all([page.waitForNavigation(), page.click('main form button[type=submit]')]);
    eq(pathOf(page.url()), '/dossiers', 'back to my dossiers');
    check((await text(page, '.notice')).includes('Đã xóa bản nháp'), 'the deletion notice');
    eq(await page.locator(`main a[href="${draftPath}"]`).count(), 0, 'the draft no longer listed');
    eq((await page.request.get(L.BASE + draftPath)).status(), 404, 'the deleted draft');
    await ctx.close();
  });

  test('dossiers: the desk receives it (a stale second tab gets 409) and prints the receipt', async () => {
    const page = await staffPage(D.desk);
    await go(page, '/desk');
    const tab = await text(page, 'main .queue-tabs a[aria-current=page]');
    check(tab.includes('Hồ sơ mới cần kiểm tra'), `the first tab: ${tab}`);
    check(Number(await text(page, 'main .queue-tabs a[aria-current=page] .count')) >= 2, 'new dossiers counted');
    await visit(page, 'desk queue new');
    await openFromQueue(page, 'new', D.code);
    const main = await text(page, 'main');
    for (const s of [D.citizen.name, 'Lương Gia Bảo', 'giay-chung-sinh.pdf', 'can-cuoc.pdf', 'Nộp hồ sơ trực tuyến'])
      check(main.includes(s), `the staff page shows "${s}"`);
    await visit(page, 'desk dossier submitted');
    /* Another tab opened before the dossier moves on. */
    const stale = await D.desk.ctx.newPage();
    await go(stale, `/desk/dossiers/${D.code}`);
    await act(page, 'receive');
    check((await text(page, '.notice')).includes('Đã tiếp nhận'), 'received');
    check((await text(page, 'main')).includes('Đã tiếp nhận'), 'the new state');
    const r = await act(stale, 'request_supplement', 'Thử thao tác trên phiên bản cũ');
    eq(r.status(), 409, 'an action on a version that changed');
    check((await text(stale, '.error-summary')).includes('Hồ sơ vừa được người khác xử lý'), 'the page says why');
    eq(await stale.locator(`main a[href="/desk/dossiers/${D.code}"]`).first().count(), 1, 'a link to reload');
    L.takeProblems();
    await visit(stale, 'desk dossier conflict');
    await stale.close();
    /* The receipt (01) and the control slip (06) as PDFs. */
    const receipt = page.locator(`main a[href="/dossiers/${D.code}/slips/1"]`).first();
    eq(await receipt.count(), 1, 'a link to the receipt');
    const pdf = await page.request.get(L.BASE + await receipt.getAttribute('href'));
    eq(pdf.status(), 200, 'the receipt');
    eq(pdf.headers()['content-type'], 'application/pdf', 'a PDF');
    const bytes = await pdf.body();
    eq(bytes.subarray(0, 5).toString('latin1'), '%PDF-', 'the receipt starts as a PDF');
    fs.writeFileSync(path.join(L.OUT, `giay-tiep-nhan-${D.code}.pdf`), bytes);
    const control = await page.request.get(`${L.BASE}/dossiers/${D.code}/slips/6`);
    eq(control.status(), 200, 'the control slip for staff');
    await visit(page, 'desk dossier received');
  });

  test('dossiers: the specialist asks for a supplement; the citizen hands it in', async () => {
    const page = await staffPage(D.spec);
    await openFromQueue(page, 'step', D.code);
    /* Assigned to the specialist from the list of those who hold the step's role. */
    const options = await page.$$eval('#assignee option', (os) => os.map((o) => o.textContent));
    check(options.includes(D.spec.name), `the officers to assign: ${options}`);
    await page.selectOption('#assignee', { label: D.spec.name });
    await act(page, 'assign');
    check((await text(page, 'main')).includes(D.spec.name), 'assigned');
    /* A reason is required. */
    let r = await act(page, 'request_supplement', '');
    eq(r.status(), 400, 'no reason');
    eq((await errorSummary(page))[0].href, '#note-request_supplement', 'the error on the reason');
    L.takeProblems();
    await visit(page, 'desk dossier reason missing');
    r = await act(page, 'request_supplement', 'Bản chụp giấy chứng sinh bị mờ, đề nghị chụp lại rõ nét.');
    check((await text(page, '.notice')).includes('Đã yêu cầu'), 'supplement requested');
    check((await text(page, 'main')).includes('Yêu cầu bổ sung giấy tờ'), 'the state');
    const cp = D.citizenPage; /* JavaScript off */
    await go(cp, '/dossiers');
    check((await text(cp, 'main table')).includes('Cần bổ sung'), 'the list says a supplement is needed');
    await visit(cp, 'dossiers mine');
    await go(cp, `/dossiers/${D.code}`);
    check((await text(cp, 'main .notice-warn')).includes('Bản chụp giấy chứng sinh bị mờ'), 'the reason shown');
    await visit(cp, 'dossier supplement asked');
    await cp.setInputFiles('#comp_1', { ...pdfBirth, name: 'giay-chung-sinh-ro-net.pdf' });
    await cp.fill('#note', 'Đã chụp lại giấy chứng sinh.');
    await submit(cp, '#supplement form button[type=submit]');
    check((await text(cp, '.notice')).includes('Đã nộp bổ sung'), 'the supplement handed in');
    check((await text(cp, 'main')).includes('giay-chung-sinh-ro-net.pdf'), 'the new file listed');
    await visit(cp, 'dossier supplement done');
  });

  test('dossiers: forwarded, approved by the leader (TOTP), the result returned; tracking', async () => {
    let page = await staffPage(D.spec);
    await openFromQueue(page, 'assigned', D.code);
    await act(page, 'forward', 'Hồ sơ hợp lệ, trình lãnh đạo.');
    check((await text(page, '.notice')).includes('Đã chuyển'), 'forwarded');
    page = await staffPage(D.lead);
    await openFromQueue(page, 'step', D.code);
    await visit(page, 'desk dossier leader');
    await act(page, 'approve');
    check((await text(page, '.notice')).includes('Đã phê duyệt'), 'approved');
    /* The leader's statistics of the commune: the approved dossier counted as resolved. */
    await go(page, '/thong-ke');
    eq(await text(page, 'h1'), 'Thống kê tiếp nhận, giải quyết hồ sơ', 'the statistics page');
    const foot = await text(page, 'tfoot');
    check(/Tổng cộng/.test(foot), 'the totals row');
    eq(await page.locator('svg[role="img"]').count(), 2, 'two charts');
    await visit(page, 'statistics');
    page = await staffPage(D.desk);
    await go(page, '/desk?queue=results');
    await visit(page, 'desk queue results');
    await openFromQueue(page, 'results', D.code);
    await act(page, 'return_result');
    check((await text(page, '.notice')).includes('Đã ghi nhận trả kết quả'), 'result returned');
    check((await text(page, 'main')).includes('Đã trả kết quả'), 'the final state');
    await go(page, '/desk?lang=en');
    eq(await text(page, 'h1'), 'Dossier desk', 'the desk in English');
    await visit(page, 'desk english');
    await go(page, '/desk?lang=vi');
    /* The public page: from the home page's box, the code typed in lower case. */
    const ctx = await L.context();
    const pub = await ctx.newPage();
    await go(pub, '/');
    await pub.fill('#track-ma', ' ' + D.code.toLowerCase() + ' ');
    await Promise.all([pub.waitForNavigation(), pub.press('#track-ma', 'Enter')]);
    eq(pathOf(pub.url()), `/tra-cuu/${D.code}`, 'the tracking page of the code');
    const shown = await text(pub, 'main');
    check(shown.includes('Đã trả kết quả'), 'the tracking page says the result was returned');
    for (const s of ['Nộp hồ sơ trực tuyến', 'Tiếp nhận hồ sơ', 'Yêu cầu bổ sung hồ sơ', 'Phê duyệt', 'Trả kết quả'])
      check(shown.includes(s), `the timeline shows "${s}"`);
    for (const s of [D.citizen.name, D.citizen.pid, D.citizen.email, 'Bản chụp giấy chứng sinh bị mờ', D.spec.name])
      check(!shown.includes(s), `no personal data or notes: "${s}"`);
    await visit(pub, 'track dossier');
    /* Unknown, malformed and hostile codes: a 404 page that says so, escaped. */
    let r = await go(pub, `/tra-cuu/${UNIT}-991231-9999`);
    eq(r.status(), 404, 'an unknown code');
    eq(await text(pub, 'h1'), 'Không tìm thấy hồ sơ', 'the 404 page');
    const hostile = '<img src=x onerror=alert(1)>';
    r = await go(pub, '/tra-cuu?ma=' + encodeURIComponent(hostile));
    eq(r.status(), 404, 'a malformed code');
    eq(await pub.locator('main img').count(), 0, 'no markup from the code');
    check((await text(pub, 'main')).includes(hostile), 'the code shown as text');
    eq(await pub.inputValue('#track-ma'), hostile, 'kept in the box');
    L.takeProblems();
    await visit(pub, 'track not found');
    await go(pub, '/tra-cuu');
    await visit(pub, 'track');
    await ctx.close();
    /* The citizen sees it done too, with the slips. */
    await go(D.citizenPage, `/dossiers/${D.code}`);
    check((await text(D.citizenPage, 'main')).includes('Đã trả kết quả'), 'the citizen\'s page');
    await visit(D.citizenPage, 'dossier returned');
  });

  test('dossiers: counter intake on paper gives the receipt slip at once', async () => {
    const page = await staffPage(D.desk);
    await go(page, '/desk/intake?q=' + encodeURIComponent('dang ky khai sinh'));
    await Promise.all([page.waitForNavigation(), page.click(`main a[href="/desk/intake/${BIRTH}"]`)]);
    /* Nothing filled in: the applicant's name and the papers are asked for. */
    let r = await submit(page, 'main form.dossier-form button[type=submit]');
    eq(r.status(), 400, 'a refused intake');
    const hrefs = (await errorSummary(page)).map((e) => e.href);
    for (const h of ['#applicant_name', '#f_child_name', '#comp_0', '#comp_1', '#comp_5'])
      check(hrefs.includes(h), `an error linked to ${h}: ${hrefs}`);
    L.takeProblems();
    await visit(page, 'desk intake errors');
    await page.fill('#applicant_name', 'Cao Thị Quầy');
    await page.fill('#applicant_phone', '0912 000 111');
    await page.selectOption('#channel', 'counter');
    await page.fill('#f_child_name', 'Cao Minh Quầy');
    await page.fill('#f_child_birth_date_day', '5');
    await page.fill('#f_child_birth_date_month', '11');
    await page.fill('#f_child_birth_date_year', '2026');
    await page.check('#f_child_sex-1');
    await page.fill('#f_birth_place', 'Trạm y tế phường Trường Vinh');
    await page.fill('#f_mother_name', 'Cao Thị Quầy');
    await page.fill('#f_mother_personal_id', newPid());
    await page.check('#f_father_known-1');
    for (const i of [0, 1, 5]) await page.check(`#paper_${i}`);
    await page.setInputFiles('#f_birth_certificate', { ...pdfBirth, name: 'ban-quet-giay-chung-sinh.pdf' });
    r = await submit(page, 'main form.dossier-form button[type=submit]');
    const m = new URL(page.url()).pathname.match(/^\/desk\/dossiers\/([0-9A-Z.]+-\d{6}-\d{4,5})$/);
    check(m, `the new dossier's staff page: ${page.url()}`);
    check((await text(page, '.notice')).includes('Đã tiếp nhận hồ sơ'), 'the intake notice');
    const main = await text(page, 'main');
    for (const s of ['Đã tiếp nhận', 'Trực tiếp', 'Cao Thị Quầy', 'Đã nộp bản giấy', 'Hẹn trả kết quả'])
      check(main.includes(s), `the intake shows "${s}"`);
    const print = page.locator('main a.button:has-text("In giấy tiếp nhận")');
    eq(await print.count(), 1, 'a button to print the receipt');
    const pdf = await page.request.get(L.BASE + await print.getAttribute('href'));
    eq(pdf.status(), 200, 'the receipt of the counter dossier');
    eq((await pdf.body()).subarray(0, 5).toString('latin1'), '%PDF-', 'a PDF');
    await visit(page, 'desk intake done');
  });

  test('dossiers: a double click at the counter makes one dossier', async () => {
    const page = await staffPage(D.desk);
    await go(page, `/desk/intake/${BIRTH}`);
    const csrf = await page.getAttribute('main form.dossier-form input[name=csrf]', 'value');
    const idem = await page.getAttribute('main form.dossier-form input[name=idem]', 'value');
    check(/^[0-9a-f]{32}$/.test(idem || ''), `a hidden key for the intake: ${idem}`);
    const body = {
      csrf, idem, applicant_name: 'Đinh Văn Hai Lần', channel: 'counter', f_child_name: 'Đinh Gia Bảo',
      f_child_birth_date_day: '6', f_child_birth_date_month: '11', f_child_birth_date_year: '2026',
      f_child_sex: 'male', f_birth_place: 'Nhà riêng', f_mother_name: 'Mai Thị Hai',
      f_mother_personal_id: newPid(), f_father_known: 'no', f_birth_certificate: pdfBirth,
      paper_0: 'on', paper_1: 'on', paper_5: 'on',
    };
    const url = `${L.BASE}/desk/intake/${BIRTH}`;
    const [a, b] = await Promise.all([
      page.request.post(url, { multipart: body, maxRedirects: 0 }),
      page.request.post(url, { multipart: body, maxRedirects: 0 }),
    ]);
    const why = async (r) => (r.status() === 303 ? '' : (await r.text()).replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').slice(0, 600));
    eq(a.status(), 303, `the first answer ${await why(a)}`);
    eq(b.status(), 303, `the second answer ${await why(b)}`);
    check(/^\/desk\/dossiers\/[0-9A-Z.]+-\d{6}-\d{4,5}/.test(a.headers().location), `to the dossier: ${a.headers().location}`);
    eq(b.headers().location, a.headers().location, 'both lead to the same dossier');
    /* The same key with other content (the back button, then changes): refused, a new key offered. */
    const other = await page.request.post(url, { multipart: { ...body, applicant_name: 'Người Khác' }, maxRedirects: 0 });
    eq(other.status(), 409, 'the key of another intake');
    const html = await other.text();
    const fresh = (html.match(/name="idem" value="([0-9a-f]{32})"/) || [])[1];
    check(fresh && fresh !== idem, 'a new key on the page');
  });

  test('dossiers: withdrawing with a reason, and closed doors', async () => {
    const page = D.citizenPage;
    await go(page, `/dossiers/${D.second}`);
    await Promise.all([page.waitForNavigation(), page.click('main a:has-text("Rút hồ sơ này")')]);
    eq(pathOf(page.url()), `/dossiers/${D.second}/withdraw`, 'the confirmation page');
    await visit(page, 'dossier withdraw');
    await submit(page, 'main form button[type=submit]');
    eq((await errorSummary(page))[0].href, '#reason', 'a reason is required');
    await page.fill('#reason', 'Nộp trùng, đã có hồ sơ khác.');
    await submit(page, 'main form button[type=submit]');
    check((await text(page, '.notice')).includes('Đã rút hồ sơ'), 'withdrawn');
    check((await text(page, 'main')).includes('Người nộp đã rút hồ sơ'), 'the state');
    /* A citizen has no desk; staff have no "my dossiers"; nobody sees another's dossier. */
    eq((await go(page, '/desk')).status(), 403, 'the desk is for staff');
    eq((await go(page, `/desk/dossiers/${D.code}`)).status(), 403, 'the staff page is for staff');
    L.takeProblems();
    const other = await L.context();
    const op = await other.newPage();
    eq((await go(op, `/dossiers/${D.code}`)).url().includes('/signin'), true, 'signing in first');
    await other.close();
    await D.citizenCtx.close();
    for (const who of [D.desk, D.spec, D.lead]) if (who.ctx) await who.ctx.close().catch(() => {});
    L.takeProblems();
  });
};
