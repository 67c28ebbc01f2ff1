'use strict';
/*
 * t_citizen.js - a citizen from sign-up to sessions: sign up and sign in with
 * JavaScript off, the verification mail, keyboard-only sign-in and the skip
 * link, the profile, TOTP, signing in with a code, ending another session, API
 * tokens, a password reset by mail, and the 403 of the admin pages.
 */
const crypto = require('node:crypto');

/* A valid personal identification number: Hà Nội (001), born in the 1990s, male. */
function newPid() {
  return '001' + '0' + '9' + String(crypto.randomInt(0, 10)) + String(crypto.randomInt(0, 1000000)).padStart(6, '0');
}

module.exports = (test, S, L) => {
  const { check, eq, go, visit, text, submit, errorSummary } = L;
  const pathOf = (url) => url.replace(/^https?:\/\/[^/]+/, '');

  /* Signs in; the second step with a fresh TOTP code, or a recovery code when given. */
  async function signIn(page, login, password, secret, recovery) {
    await go(page, '/signin');
    await page.fill('#login', login);
    await page.fill('#password', password);
    await submit(page, 'main form button[type=submit]');
    if ((secret || recovery) && new URL(page.url()).pathname === '/signin/code') {
      if (recovery) {
        await page.click('details summary');
        await page.fill('#recovery', recovery);
        await submit(page, 'details form button[type=submit]');
      } else {
        await page.fill('#code', await L.freshCode(secret));
        await submit(page, 'main form button[type=submit]');
      }
    }
    return new URL(page.url()).pathname;
  }
  S.signIn = signIn;

  test('sign-up without JavaScript: errors linked to fields, input kept, then "check your email"', async () => {
    const ctx = await L.context({ javaScriptEnabled: false });
    const page = await ctx.newPage();
    await go(page, '/signup');
    await visit(page, 'signup');
    eq(await page.getAttribute('#password', 'autocomplete'), 'new-password', 'autocomplete of the password');
    eq(await page.getAttribute('#personal_id', 'inputmode'), 'numeric', 'inputmode of the personal id');
    /* Nothing filled in: a summary whose links lead to the fields. */
    const r = await submit(page, 'main form button[type=submit]');
    eq(new URL(page.url()).pathname, '/signup', 'back on the form');
    eq(r.request().redirectedFrom().method(), 'POST', 'a POST answered with a redirect');
    const errs = await errorSummary(page);
    const hrefs = errs.map((e) => e.href);
    for (const id of ['#personal_id', '#name', '#email', '#password'])
      check(hrefs.includes(id), `the error summary links to ${id}: ${JSON.stringify(errs)}`);
    for (const h of hrefs)
      check(await page.locator(h).count() === 1, `the summary's link ${h} has its field`);
    check((await page.title()).startsWith('Lỗi:'), `the title says there is an error: ${await page.title()}`);
    await visit(page, 'signup errors');
    /* A wrong number: the error sits on it, what was typed stays, the password does not. */
    const pid = newPid();
    const email = `dan.${crypto.randomInt(1e9)}@example.vn`;
    const name = 'Nguyễn Thị Lan';
    const password = 'Hoa sen nở giữa hồ ' + crypto.randomInt(1000, 9999);
    await page.fill('#personal_id', '12345');
    await page.fill('#name', name);
    await page.fill('#email', email);
    await page.fill('#password', password);
    await submit(page, 'main form button[type=submit]');
    const errs2 = await errorSummary(page);
    eq(errs2.length, 1, `one error for a short number: ${JSON.stringify(errs2)}`);
    eq(errs2[0].href, '#personal_id', 'the error is on the personal id');
    eq(await page.inputValue('#name'), name, 'the name kept');
    eq(await page.inputValue('#email'), email, 'the email kept');
    eq(await page.inputValue('#personal_id'), '12345', 'the number kept as typed');
    eq(await page.inputValue('#password'), '', 'the password is never sent back');
    eq(await page.getAttribute('#personal_id', 'aria-invalid'), 'true', 'aria-invalid on the field');
    await page.fill('#personal_id', pid);
    await page.fill('#password', password);
    await submit(page, 'main form button[type=submit]');
    eq(new URL(page.url()).pathname, '/signup/sent', 'after signing up');
    await visit(page, 'signup sent');
    S.citizen = { pid, email, name, password };
    await ctx.close();
  });

  test('the verification mail: a page with a button; the link is not used up by GET', async () => {
    const m = await L.mailMatching(S.citizen.email, /https?:\/\/\S+\/verify-email\?token=[A-Za-z0-9_-]+/);
    const link = m[0];
    const ctx = await L.context({ javaScriptEnabled: false });
    const page = await ctx.newPage();
    await go(page, pathOf(link));
    await visit(page, 'verify email');
    await go(page, pathOf(link)); /* a mail scanner fetching it twice changes nothing */
    await submit(page, 'main form button[type=submit]');
    eq(new URL(page.url()).pathname, '/signin', 'after verifying');
    check((await text(page, '.notice')).includes('đã được xác nhận'), 'the notice after verifying');
    await visit(page, 'signin after verify');
    /* Used once: a second press says the link is spent. */
    await go(page, pathOf(link));
    await submit(page, 'main form button[type=submit]');
    check((await text(page, '.error-summary')).includes('Liên kết không hợp lệ'), 'a spent link is refused');
    await ctx.close();
  });

  test('sign-in without JavaScript: the same answer for a wrong password and an unknown login', async () => {
    const ctx = await L.context({ javaScriptEnabled: false });
    const page = await ctx.newPage();
    await go(page, '/signin');
    await visit(page, 'signin');
    eq(await page.getAttribute('#login', 'autocomplete'), 'username', 'autocomplete of the login');
    eq(await page.getAttribute('#password', 'autocomplete'), 'current-password', 'autocomplete of the password');
    async function attempt(login) {
      await go(page, '/signin');
      await page.fill('#login', login);
      await page.fill('#password', 'Sai mật khẩu rồi 123');
      const r = await submit(page, 'main form button[type=submit]');
      eq(new URL(page.url()).pathname, '/signin', 'back on the sign-in form');
      eq(await page.inputValue('#login'), login, 'the login kept');
      eq(await page.inputValue('#password'), '', 'the password not kept');
      const main = (await page.innerHTML('main')).split(login).join('LOGIN');
      return { status: r.status(), main, summary: await errorSummary(page) };
    }
    const wrong = await attempt(S.citizen.pid);
    const unknown = await attempt('khong.co.ai.' + crypto.randomInt(1e9));
    eq(wrong.summary.length, 1, 'one error');
    check(wrong.summary[0].text.includes('không đúng'), `the error says so: ${wrong.summary[0].text}`);
    eq(wrong.summary[0].href, '#login', 'the error links to the login');
    eq(unknown.status, wrong.status, 'the same status for both');
    eq(unknown.main, wrong.main, 'the same page for an unknown login and a wrong password');
    await visit(page, 'signin error');
    /* And the right password, still without JavaScript. */
    eq(await signIn(page, S.citizen.pid, S.citizen.password), '/account', 'signed in without JavaScript');
    await ctx.close();
  });

  test('keyboard only: the skip link, then signing in with Tab and Enter', async () => {
    const ctx = await L.context();
    const page = await ctx.newPage();
    await go(page, '/signin');
    await page.keyboard.press('Tab');
    eq(await page.evaluate(() => document.activeElement.className), 'skip-link', 'the first Tab stop');
    check(await page.locator('.skip-link').isVisible(), 'the skip link shows when focused');
    await page.keyboard.press('Enter');
    eq(await page.evaluate(() => document.activeElement.id), 'main', 'the skip link moves focus to main');
    check(page.url().endsWith('#main'), 'the skip link target');
    for (let i = 0; i < 30; i++) {
      await page.keyboard.press('Tab');
      if (await page.evaluate(() => document.activeElement.id) === 'login') break;
    }
    eq(await page.evaluate(() => document.activeElement.id), 'login', 'Tab reaches the login field');
    /* The focus is visible: the style changes when focused. */
    const outline = await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
    check(outline !== 'none', `a visible focus outline on the login field (${outline})`);
    await page.keyboard.type(S.citizen.pid);
    await page.keyboard.press('Tab');
    eq(await page.evaluate(() => document.activeElement.id), 'password', 'Tab goes to the password');
    await page.keyboard.type(S.citizen.password);
    await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
    eq(new URL(page.url()).pathname, '/account', 'Enter signed in');
    await visit(page, 'account');
    S.citizenCtx = ctx;
    S.citizenPage = page;
  });

  test('profile: view, edit, errors keep the input, personal id masked until asked', async () => {
    const page = S.citizenPage;
    await go(page, '/account');
    const shown = await text(page, 'dl.summary-list');
    check(shown.includes(S.citizen.pid.slice(0, 3) + '******' + S.citizen.pid.slice(9)), 'the personal id masked');
    check(!shown.includes(S.citizen.pid), 'the whole personal id not shown');
    await Promise.all([page.waitForNavigation(), page.click('a[href="/account?show=pid"]')]);
    check((await text(page, 'dl.summary-list')).includes(S.citizen.pid), 'the whole number on "show"');
    eq(await page.inputValue('#name'), S.citizen.name, 'the name in the form');
    /* An impossible date: the error links to the day, the rest stays as typed. */
    await page.fill('#name', 'Nguyễn Thị Lan Anh');
    await page.fill('#phone', '0912 345 678');
    await page.fill('#birth_day', '31');
    await page.fill('#birth_month', '2');
    await page.fill('#birth_year', '1990');
    await submit(page, 'main form button[type=submit]');
    const errs = await errorSummary(page);
    eq(errs.length, 1, `one error: ${JSON.stringify(errs)}`);
    eq(errs[0].href, '#birth_day', 'the error links to the day');
    eq(await page.inputValue('#phone'), '0912 345 678', 'the phone kept');
    await visit(page, 'account errors');
    await page.fill('#birth_day', '5');
    await page.fill('#birth_month', '9');
    await page.fill('#address', 'Số 12 đường Lê Hồng Phong');
    await page.fill('#admin_unit', 'Phường Thành Vinh, tỉnh Nghệ An');
    await submit(page, 'main form button[type=submit]');
    check((await text(page, '.notice')).includes('Đã lưu hồ sơ'), 'saved');
    eq(await page.inputValue('#name'), 'Nguyễn Thị Lan Anh', 'the new name');
    eq(await page.inputValue('#birth_day'), '05', 'the birth day');
    eq(await page.inputValue('#birth_year'), '1990', 'the birth year');
    eq(await page.inputValue('#admin_unit'), 'Phường Thành Vinh, tỉnh Nghệ An', 'the administrative unit');
    check((await text(page, '.site-nav .me')).includes('Nguyễn Thị Lan Anh'), 'the header shows the new name');
    await visit(page, 'account saved');
    S.citizen.name = 'Nguyễn Thị Lan Anh';
  });

  test('password page: a wrong current password is refused', async () => {
    const page = S.citizenPage;
    await go(page, '/account/password');
    await visit(page, 'account password');
    await page.fill('#current_password', 'không phải mật khẩu này');
    await page.fill('#new_password', 'Một mật khẩu mới đủ dài');
    await submit(page, 'main form button[type=submit]');
    const errs = await errorSummary(page);
    eq(errs.length, 1, 'one error');
    eq(errs[0].href, '#current_password', 'on the current password');
    await visit(page, 'account password error');
  });

  test('TOTP: set up with the key shown as text, recovery codes shown once', async () => {
    const page = S.citizenPage;
    await go(page, '/account/security');
    await visit(page, 'account security');
    await Promise.all([page.waitForNavigation(), page.click('main a[href="/account/security/setup"]')]);
    const grouped = await text(page, '#secret');
    check(/^([A-Z2-7]{4} )+[A-Z2-7]{1,4}$/.test(grouped), `the key grouped in fours: ${grouped}`);
    const secret = grouped.replace(/ /g, '');
    const uri = await page.getAttribute('a[href^="otpauth://"]', 'href');
    check(uri && uri.includes(`secret=${secret}`), `the otpauth link carries the key: ${uri}`);
    eq(await page.getAttribute('#code', 'autocomplete'), 'one-time-code', 'autocomplete of the code');
    eq(await page.getAttribute('#code', 'inputmode'), 'numeric', 'inputmode of the code');
    await visit(page, 'totp setup');
    /* A wrong code: the same key again, so the app need not be set up twice. */
    await page.fill('#code', '000000' === L.totp(secret, L.stepNow()) ? '111111' : '000000');
    await submit(page, 'main form button[type=submit]');
    eq((await text(page, '#secret')).replace(/ /g, ''), secret, 'the same key after a wrong code');
    check((await errorSummary(page)).length === 1, 'an error for the wrong code');
    await visit(page, 'totp setup error');
    await page.fill('#code', await L.freshCode(secret));
    await submit(page, 'main form button[type=submit]');
    eq(new URL(page.url()).pathname, '/account/security/codes', 'the recovery codes page');
    const codes = await page.$$eval('#recovery-codes li', (lis) => lis.map((li) => li.innerText.trim()));
    eq(codes.length, 10, 'ten recovery codes');
    check(codes.every((c) => /^[a-z2-9]{4}-[a-z2-9]{4}$/.test(c)), `recovery code shapes: ${codes}`);
    await visit(page, 'totp recovery codes');
    await page.reload();
    eq(new URL(page.url()).pathname, '/account/security', 'the codes are gone on reload');
    check((await text(page, 'main')).includes('Đang bật'), 'TOTP shows as on');
    S.citizen.secret = secret;
    S.citizen.codes = codes;
  });

  test('sign out, then sign in with the TOTP code (a wrong one first)', async () => {
    const page = S.citizenPage;
    await go(page, '/account');
    await submit(page, '.site-nav form[action="/signout"] button');
    eq(new URL(page.url()).pathname, '/', 'home after signing out');
    check((await text(page, '.notice')).includes('đăng xuất'), 'the signed-out notice');
    await visit(page, 'signed out');
    await go(page, '/signin');
    await page.fill('#login', S.citizen.email);
    await page.fill('#password', S.citizen.password);
    await submit(page, 'main form button[type=submit]');
    eq(new URL(page.url()).pathname, '/signin/code', 'the code step');
    await go(page, '/account');
    const half = new URL(page.url());
    eq(half.pathname, '/signin/code', 'half signed in: the account page sends to the code step');
    eq(half.searchParams.get('next'), '/account', 'and back to the account page after it');
    L.takeProblems();
    await go(page, '/signin/code');
    await visit(page, 'signin code');
    await page.fill('#code', '999999' === L.totp(S.citizen.secret, L.stepNow()) ? '888888' : '999999');
    await submit(page, 'main form button[type=submit]');
    check((await text(page, '.error-summary')).includes('không đúng'), 'a wrong code is refused');
    await visit(page, 'signin code error');
    await page.fill('#code', await L.freshCode(S.citizen.secret));
    await submit(page, 'main form button[type=submit]');
    eq(new URL(page.url()).pathname, '/account', 'signed in with the code');
  });

  test('sessions: this device marked, one session ended, then every other one', async () => {
    const others = [];
    for (let i = 0; i < 2; i++) {
      const ctx = await L.context();
      const p = await ctx.newPage();
      /* Recovery codes: each works once, and needs no wait for the next TOTP step. */
      eq(await signIn(p, S.citizen.pid, S.citizen.password, null, S.citizen.codes.pop()), '/account',
        'another session, with a recovery code');
      others.push({ ctx, p });
    }
    const page = S.citizenPage;
    await go(page, '/account/sessions');
    const before = await page.locator('main .results > li').count();
    check(before >= 3, `at least three sessions listed (${before})`);
    eq(await page.locator('main .results .tag-ok').count(), 1, 'one marked as this device');
    await visit(page, 'account sessions');
    await submit(page, 'main .results form[action$="/end"] button');
    check((await text(page, '.notice')).includes('Đã kết thúc phiên'), 'the session-ended notice');
    eq(await page.locator('main .results > li').count(), before - 1, 'one session fewer');
    await submit(page, 'main form[action="/account/sessions/end-others"] button');
    check((await text(page, '.notice')).includes('mọi phiên khác'), 'the notice for the others');
    eq(await page.locator('main .results > li').count(), 1, 'only this session left');
    for (const o of others) {
      await go(o.p, '/account');
      eq(new URL(o.p.url()).pathname, '/signin', 'an ended session is sent to sign in');
      await o.ctx.close();
    }
    L.takeProblems();
    eq((await go(page, '/account')).status(), 200, 'this session goes on');
  });

  test('API tokens: created and shown once, usable, revoked', async () => {
    const page = S.citizenPage;
    await go(page, '/account/tokens');
    await visit(page, 'account tokens');
    await page.fill('#name', 'Ứng dụng trên điện thoại');
    await submit(page, 'main form[action="/account/tokens"] button[type=submit]');
    const token = await text(page, '#new-token');
    check(/^egov_[A-Za-z0-9_-]{43}$/.test(token), `the new token: ${token}`);
    await visit(page, 'account token created');
    const me = await page.request.get(L.BASE + '/api/v1/me', { headers: { Authorization: `Bearer ${token}` } });
    eq(me.status(), 200, 'the token works on the API');
    await page.reload();
    eq(await page.locator('#new-token').count(), 0, 'the token is not shown again');
    await submit(page, 'main .results form[action$="/revoke"] button');
    check((await text(page, '.notice')).includes('thu hồi'), 'the revoked notice');
    const after = await page.request.get(L.BASE + '/api/v1/me', { headers: { Authorization: `Bearer ${token}` } });
    eq(after.status(), 401, 'a revoked token is refused');
  });

  test('admin pages are closed to a citizen: 403', async () => {
    const page = S.citizenPage;
    for (const p of ['/admin', '/admin/accounts', '/admin/audit', '/admin/org-units']) {
      const r = await go(page, p);
      eq(r.status(), 403, `status of ${p} for a citizen`);
    }
    check((await page.content()).includes('không có quyền'), 'the 403 page says why');
    await L.axe(page, '403');
    await L.screenshots(page, '403');
    L.takeProblems();
  });

  test('password reset by mail without JavaScript; the link works once', async () => {
    const ctx = await L.context({ javaScriptEnabled: false });
    const page = await ctx.newPage();
    await go(page, '/password-reset');
    await visit(page, 'password reset');
    const seen = L.mailCount(S.citizen.email);
    await page.fill('#login', S.citizen.email);
    await submit(page, 'main form button[type=submit]');
    eq(new URL(page.url()).pathname, '/password-reset/sent', 'the confirmation page');
    await visit(page, 'password reset sent');
    /* Someone unknown gets exactly the same page. */
    await go(page, '/password-reset');
    await page.fill('#login', 'khong.ai.ca@example.vn');
    await submit(page, 'main form button[type=submit]');
    eq(new URL(page.url()).pathname, '/password-reset/sent', 'the same page for an unknown login');
    const m = await L.mailMatching(S.citizen.email, /https?:\/\/\S+\/password-reset\?token=[A-Za-z0-9_-]+/, seen);
    await go(page, pathOf(m[0]));
    eq(new URL(page.url()).pathname, '/password-reset/new', 'the link leads to the new-password form');
    await visit(page, 'password reset new');
    await page.fill('#password', 'ngắn');
    await submit(page, 'main form button[type=submit]');
    eq((await errorSummary(page))[0].href, '#password', 'a short password refused on its field');
    const password = 'Trăng rằm tháng tám sáng ' + crypto.randomInt(1000, 9999);
    await page.fill('#password', password);
    await submit(page, 'main form button[type=submit]');
    eq(new URL(page.url()).pathname, '/signin', 'sign-in after the reset');
    check((await text(page, '.notice')).includes('mật khẩu mới'), 'the reset notice');
    S.citizen.password = password;
    eq(await signIn(page, S.citizen.pid, password, null, S.citizen.codes.pop()), '/account',
      'signed in with the new password (and a recovery code)');
    await go(page, pathOf(m[0]));
    await page.fill('#password', 'Một lần nữa thì không được');
    await submit(page, 'main form button[type=submit]');
    check((await text(page, '.error-summary')).includes('Liên kết không hợp lệ'), 'a used link is refused');
    await ctx.close();
  });
};
