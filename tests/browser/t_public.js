'use strict';
/* t_public.js - the home page, the directory and its search, the language switch, hostile input. */
module.exports = (test, S, L) => {
  const { check, eq, go, visit, text } = L;

  test('home: site name, demo banner, links onward', async () => {
    const ctx = await L.context();
    const page = await ctx.newPage();
    const r = await go(page, '/');
    eq(r.status(), 200, 'GET /');
    eq(r.headers()['cache-control'], 'no-store', 'Cache-Control of /');
    check((r.headers()['content-security-policy'] || '').includes("script-src 'self'"), 'CSP on /');
    eq(await page.getAttribute('html', 'lang'), 'vi', 'lang of /');
    check((await text(page, '.brand-name')).includes('Cổng dịch vụ công'), 'site name in the header');
    check((await text(page, '.demo-banner')).includes('DỮ LIỆU MẪU'), 'the demo banner');
    for (const href of ['/signin', '/signup', '/directory'])
      check(await page.locator(`main a[href="${href}"]`).count() > 0, `a link to ${href} on the home page`);
    check(await page.locator('script').count() === 0, 'no script on the home page');
    await visit(page, 'home');
    S.publicCtx = ctx;
    S.publicPage = page;
  });

  test('directory: search with and without diacritics, paging', async () => {
    const page = S.publicPage;
    await go(page, '/');
    await page.fill('#home-dir-q', 'so tu phap');
    await Promise.all([page.waitForNavigation(), page.click('form:has(#home-dir-q) button')]);
    check(page.url().includes('/directory?q=so+tu+phap') || page.url().includes('/directory?q=so%20tu%20phap'),
      `search went to ${page.url()}`);
    const first = await text(page, '.results > li h2');
    check(first.includes('Sở Tư pháp'), `first result for "so tu phap" is ${first}`);
    await visit(page, 'directory search');
    await go(page, '/directory?q=' + encodeURIComponent('SỞ TƯ PHÁP'));
    check((await text(page, '.results > li h2')).includes('Sở Tư pháp'), 'search with diacritics, upper case');
    await go(page, '/directory');
    await visit(page, 'directory');
    const next = page.locator('a[rel=next]');
    check(await next.count() === 1, 'a next-page link on the directory');
    await Promise.all([page.waitForNavigation(), next.click()]);
    check(page.url().includes('page=2'), 'page 2 of the directory');
    check(await page.locator('.results > li').count() > 0, 'results on page 2');
  });

  test('directory: hostile and oversized queries are answered, escaped', async () => {
    const page = S.publicPage;
    const hostile = '<script>alert(1)</script>"><img src=x onerror=alert(2)>';
    const r = await go(page, '/directory?q=' + encodeURIComponent(hostile));
    eq(r.status(), 200, 'status for a hostile query');
    eq(await page.locator('main script, main img').count(), 0, 'markup from the query in the page');
    eq(await page.inputValue('#q'), hostile, 'the query kept in the search box, as text');
    const long = await go(page, '/directory?q=' + 'a'.repeat(10000));
    check([200, 400, 414, 431].includes(long.status()), `status ${long.status()} for a 10,000-character query`);
    if (long.status() === 200)
      check((await page.content()).includes('quá dài'), 'the page says the query is too long');
    L.takeProblems();
  });

  test('language switch keeps the page; English, then Vietnamese again', async () => {
    const page = S.publicPage;
    await go(page, '/directory?q=tu+phap');
    await Promise.all([page.waitForNavigation(), page.click('.lang-switch')]);
    eq(await page.getAttribute('html', 'lang'), 'en', 'lang after switching');
    check(page.url().includes('/directory') && page.url().includes('q=tu+phap') || page.url().includes('q=tu%20phap'),
      `the switch kept the page: ${page.url()}`);
    eq(await text(page, 'h1'), 'Directory of agencies', 'h1 in English');
    check((await text(page, '.results > li h2')).includes('Department of Justice'), 'English unit names');
    await visit(page, 'directory english');
    /* The choice is remembered: another page without ?lang= is English too. */
    await go(page, '/signin');
    eq(await page.getAttribute('html', 'lang'), 'en', 'lang remembered on the next page');
    await visit(page, 'signin english');
    await Promise.all([page.waitForNavigation(), page.click('.lang-switch')]);
    eq(await page.getAttribute('html', 'lang'), 'vi', 'back to Vietnamese');
    eq(await text(page, 'h1'), 'Đăng nhập', 'h1 in Vietnamese');
  });

  test('unknown pages: 404 in the site layout or the server page', async () => {
    const page = S.publicPage;
    const r = await go(page, '/no/such/page');
    eq(r.status(), 404, 'status of an unknown page');
    check((await page.content()).includes('Không tìm thấy'), 'the 404 page says so in Vietnamese');
    await L.axe(page, '404');
    await L.screenshots(page, '404');
    L.takeProblems();
  });
};
