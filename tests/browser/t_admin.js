'use strict';
/*
 * t_admin.js - the province administrator (made by run.sh with the CLI): TOTP
 * set up at the first sign-in, a staff account created and given a role, a
 * test org unit added and closed, and the audit log browsed with filters.
 */
const crypto = require('node:crypto');

module.exports = (test, S, L) => {
  const { check, eq, go, visit, text, submit, errorSummary } = L;

  test('admin: the first sign-in must set up TOTP before anything else', async () => {
    const ctx = await L.context();
    const page = await ctx.newPage();
    eq(await S.signIn(page, process.env.ADMIN_LOGIN, process.env.ADMIN_PASSWORD), '/account/security/setup',
      'a privileged account goes to the TOTP setup');
    check((await text(page, 'main')).includes('vai trò phê duyệt hoặc quản trị'), 'the page says why');
    await visit(page, 'admin totp enroll');
    const blocked = await go(page, '/admin');
    eq(blocked.status(), 403, 'administration before TOTP is set up');
    L.takeProblems();
    await go(page, '/account/security/setup');
    const secret = (await text(page, '#secret')).replace(/ /g, '');
    await page.fill('#code', await L.freshCode(secret));
    await submit(page, 'main form button[type=submit]');
    eq(new URL(page.url()).pathname, '/account/security/codes', 'recovery codes after the setup');
    await go(page, '/admin');
    await visit(page, 'admin');
    for (const href of ['/admin/accounts', '/admin/staff/new', '/admin/org-units', '/admin/audit'])
      check(await page.locator(`main a[href="${href}"]`).count() > 0, `the admin page links to ${href}`);
    S.admin = { ctx, page, secret };
  });

  test('admin: create a staff account, grant and revoke roles', async () => {
    const { page } = S.admin;
    await go(page, '/admin/staff/new');
    await visit(page, 'admin staff new');
    await submit(page, 'main form button[type=submit]');
    const errs = await errorSummary(page);
    for (const id of ['#login', '#name', '#email', '#org', '#position'])
      check(errs.some((e) => e.href === id), `an error for ${id}: ${JSON.stringify(errs)}`);
    await visit(page, 'admin staff errors');
    const login = 'canbo.tp' + crypto.randomInt(1000, 9999);
    await page.fill('#login', login);
    await page.fill('#name', 'Phạm Văn Cán Bộ');
    await page.fill('#email', `${login}@example.vn`);
    await page.fill('#org', '000.99.99.H41');
    await page.fill('#position', 'Chuyên viên');
    await submit(page, 'main form button[type=submit]');
    eq((await errorSummary(page))[0].href, '#org', 'an unknown unit is refused');
    eq(await page.inputValue('#login'), login, 'the login kept');
    await page.fill('#org', '000.00.04.H41');
    await submit(page, 'main form button[type=submit]');
    check(/\/admin\/accounts\/\d+$/.test(new URL(page.url()).pathname), `the new account's page: ${page.url()}`);
    check((await text(page, '.notice')).includes('Đã tạo tài khoản cán bộ'), 'the created notice');
    check((await text(page, 'main')).includes('Sở Tư pháp'), 'the unit of the new account');
    await visit(page, 'admin account');
    await L.mailMatching(`${login}@example.vn`, /password-reset\?token=/);
    /* Grant a role on the unit, then revoke it. */
    await page.selectOption('#role', 'specialist');
    await page.fill('#org', '000.00.04.H41');
    await submit(page, 'main form[action$="/roles"] button[type=submit]');
    check((await text(page, '.notice')).includes('Đã cấp vai trò'), 'the granted notice');
    check((await text(page, 'main')).includes('Chuyên viên'), 'the role listed');
    await visit(page, 'admin account role granted');
    await page.selectOption('#role', 'desk_officer');
    await page.fill('#org', '000.00.04.H41');
    await submit(page, 'main form[action$="/roles"] button[type=submit]');
    const revokes = page.locator('main form[action$="/revoke"] button');
    eq(await revokes.count(), 2, 'two roles with revoke buttons');
    await submit(page, 'main form[action$="/revoke"] button');
    check((await text(page, '.notice')).includes('Đã thu hồi vai trò'), 'the revoked notice');
    eq(await page.locator('main form[action$="/revoke"] button').count(), 1, 'one role left');
    /* Disable, then enable again. */
    await submit(page, 'main form[action$="/status"] button');
    check((await text(page, 'main')).includes('Đã khóa'), 'the account disabled');
    await submit(page, 'main form[action$="/status"] button');
    check((await text(page, 'main')).includes('Đang hoạt động'), 'the account enabled again');
    /* And find it in the search. */
    await go(page, '/admin/accounts?q=' + encodeURIComponent('pham van can bo'));
    check((await text(page, 'main table')).includes(login), 'the search finds the account without diacritics');
    await visit(page, 'admin accounts');
    await go(page, `/admin/accounts?kind=citizen&q=${encodeURIComponent(S.citizen.email)}`);
    check((await text(page, 'main table')).includes('******'), 'a citizen in the list, number masked');
    S.staffLogin = login;
  });

  test('admin: add a test org unit, change it, close it', async () => {
    const { page } = S.admin;
    await go(page, '/admin/org-units');
    await visit(page, 'admin org units');
    await Promise.all([page.waitForNavigation(), page.click('main a[href="/admin/org-units/new"]')]);
    await visit(page, 'admin org unit new');
    const code = `000.${String(crypto.randomInt(50, 99))}.04.H41`;
    await page.fill('#code', code);
    await page.fill('#parent', '000.00.04.H41');
    await page.selectOption('#kind', 'sub_unit');
    await page.fill('#name', 'Phòng Thử nghiệm Kiểm thử');
    await submit(page, 'main form button[type=submit]');
    eq(new URL(page.url()).pathname, `/admin/org-units/${code}`, 'the new unit\'s page');
    check((await text(page, '.notice')).includes('Đã thêm đơn vị'), 'the created notice');
    await visit(page, 'admin org unit');
    await page.fill('#phone', '0238 3999 999');
    await submit(page, 'main form[action$="' + code + '"] button[type=submit]');
    check((await text(page, '.notice')).includes('Đã lưu'), 'the saved notice');
    eq(await page.inputValue('#phone'), '0238 3999 999', 'the new phone');
    await go(page, '/directory?q=' + encodeURIComponent('phong thu nghiem kiem thu'));
    check((await text(page, 'main')).includes(code), 'the open unit is in the public directory');
    await go(page, `/admin/org-units/${code}`);
    await submit(page, 'main form[action$="/close"] button[type=submit]');
    check((await text(page, '.notice')).includes('Đã giải thể'), 'the closed notice');
    check((await text(page, 'main dl')).includes('Đã giải thể'), 'the unit shows as closed');
    await visit(page, 'admin org unit closed');
    await go(page, '/directory?q=' + encodeURIComponent('phong thu nghiem kiem thu'));
    check(!(await text(page, 'main')).includes(code), 'a closed unit is not in the public directory');
    await go(page, '/admin/org-units?closed=1&q=' + encodeURIComponent('thu nghiem'));
    check((await text(page, 'main table')).includes(code), 'the closed unit in the admin list');
    S.unitCode = code;
  });

  test('admin: the audit log with filters and paging', async () => {
    const { page } = S.admin;
    await go(page, '/admin/audit');
    await visit(page, 'admin audit');
    const rows = page.locator('main table tbody tr');
    eq(await rows.count(), 25, 'a full first page');
    await page.fill('#action', 'admin.org_unit');
    await submit(page, 'main form[role=search] button');
    const actions = await page.$$eval('main table tbody tr td:nth-child(4)', (tds) => tds.map((t) => t.innerText.trim()));
    check(actions.length >= 3, `org unit entries: ${actions}`);
    check(actions.every((a) => a.startsWith('admin.org_unit')), `only admin.org_unit actions: ${actions}`);
    check(actions.includes('admin.org_unit.close'), 'the close is logged');
    await visit(page, 'admin audit filtered');
    /* The citizen's 403s are denials in the log. */
    await go(page, '/admin/audit?outcome=denied');
    const denied = await page.$$eval('main table tbody tr td:nth-child(4)', (tds) => tds.map((t) => t.innerText.trim()));
    check(denied.includes('authz.deny'), `denials listed: ${denied}`);
    /* Today, in dd/mm/yyyy as people type it. */
    const d = new Date(Date.now() + 7 * 3600 * 1000);
    const today = `${d.getUTCDate()}/${d.getUTCMonth() + 1}/${d.getUTCFullYear()}`;
    await go(page, `/admin/audit?from=${encodeURIComponent(today)}&to=${encodeURIComponent(today)}`);
    check(await page.locator('main table tbody tr').count() > 0, 'entries from today');
    await go(page, '/admin/audit?from=31/02/2026');
    eq((await errorSummary(page))[0].href, '#from', 'an impossible date is refused on its field');
    /* Paging: older entries, then back to the newest. */
    await go(page, '/admin/audit');
    const first = await text(page, 'main table tbody tr td');
    await Promise.all([page.waitForNavigation(), page.click('main a[rel=next]')]);
    const older = await text(page, 'main table tbody tr td');
    check(Number(older) < Number(first), `older entries on the next page (${older} < ${first})`);
    await visit(page, 'admin audit older');
    await Promise.all([page.waitForNavigation(), page.click('main .pagination a:not([rel])')]);
    eq(await text(page, 'main table tbody tr td'), first, 'back to the newest');
  });

  test('admin pages in English', async () => {
    const { page } = S.admin;
    await go(page, '/admin?lang=en');
    eq(await page.getAttribute('html', 'lang'), 'en', 'lang');
    eq(await text(page, 'h1'), 'Administration', 'h1');
    await visit(page, 'admin english');
    await go(page, '/account/sessions');
    eq(await page.getAttribute('html', 'lang'), 'en', 'English remembered');
    await visit(page, 'account sessions english');
    await go(page, '/account?lang=vi');
    await S.admin.ctx.close();
  });
};
