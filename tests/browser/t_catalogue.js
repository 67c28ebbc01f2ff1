'use strict';
/*
 * t_catalogue.js - the catalogue of procedures as a citizen and as the
 * province administrator: the home page's search, searching the way people
 * type (with or without accents, any case) up to the procedure page and its
 * printable declaration, hostile queries, keyboard-only use, filters without
 * JavaScript, browsing by field and by agency, the submission entry point,
 * English pages, the declaration downloaded as a PDF, and the administration
 * of procedures (a draft created, published, found by the public search,
 * changed as indented JSON, retired and listed again on request; an import).
 */
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

const BIRTH = '1.001193';

module.exports = (test, S, L) => {
  const { check, eq, go, visit, text, submit, errorSummary } = L;
  const pathOf = (page) => new URL(page.url()).pathname;
  const firstResult = (page) => page.locator('main .results > li h2 a').first();

  test('catalogue: the home page searches procedures and shows the most used', async () => {
    const ctx = await L.context();
    const page = await ctx.newPage();
    await go(page, '/');
    eq(await page.getAttribute('#home-q', 'maxlength'), '200', 'maxlength of the search box');
    eq(await page.getAttribute('form:has(#home-q)', 'action'), '/procedures', 'the search goes to /procedures');
    check((await text(page, '#home-q-hint')).includes('dang ky khai sinh'), 'the hint gives an example');
    const popular = await page.locator('main .popular li').count();
    check(popular > 0 && popular <= 8, `${popular} most used procedures`);
    for (const href of ['/fields', '/agencies', '/signin', '/signup', '/directory'])
      check(await page.locator(`main a[href="${href}"]`).count() > 0, `a link to ${href} on the home page`);
    await visit(page, 'home with the catalogue');
    S.catCtx = ctx;
    S.catPage = page;
  });

  test('catalogue: "Đăng ký khai sinh" comes first however it is typed; its page and declaration', async () => {
    const page = S.catPage;
    const queries = ['dang ky khai sinh', 'đăng ký khai sinh', 'Đăng ký khai sinh', 'DANG KY KHAI SINH', 'khai sinh'];
    for (const q of queries) {
      await go(page, '/');
      await page.fill('#home-q', q);
      await Promise.all([page.waitForNavigation(), page.press('#home-q', 'Enter')]);
      eq(pathOf(page), '/procedures', `the search for ${q}`);
      eq(await page.inputValue('#q'), q, `the query kept in the box for ${q}`);
      check(/Tìm thấy \d+ thủ tục/.test(await text(page, '.result-count')), `the count for ${q}`);
      eq(await text(page, 'main .results > li h2'), 'Đăng ký khai sinh', `the first result for "${q}"`);
      eq(await firstResult(page).getAttribute('href'), `/procedures/${BIRTH}`, `the first result's link for "${q}"`);
    }
    await visit(page, 'procedures search');
    await Promise.all([page.waitForNavigation(), firstResult(page).click()]);
    eq(pathOf(page), `/procedures/${BIRTH}`, 'the procedure page');
    eq(await text(page, 'h1'), 'Đăng ký khai sinh', 'h1 of the procedure page');
    const main = await text(page, 'main');
    for (const s of [BIRTH, 'Hộ tịch', 'Cấp xã', 'Công dân', 'Toàn trình', '1 ngày làm việc', '15:00', 'Miễn phí',
      '8.000 đồng', 'Bắt buộc', 'Bản chính: 1', 'Trình tự thực hiện', 'Điều kiện thực hiện', 'Căn cứ pháp lý',
      'Luật Hộ tịch số 60/2014/QH13', '01/07/2025', '20 cơ quan, đơn vị'])
      check(main.includes(s), `the procedure page shows "${s}"`);
    eq(await page.locator('main .agency-list a[href^="/procedures?agency="]').count(), 20,
      'the communes that carry it out, linked');
    eq(await page.getAttribute('main a.button:has-text("Nộp trực tuyến")', 'href'), `/procedures/${BIRTH}/submit`,
      'the submit-online button');
    await visit(page, 'procedure');
    /* The declaration as a PDF: a download from the page's button. */
    const pdfLink = page.locator('main .procedure-actions a:has-text("Tải tờ khai (PDF)")').first();
    eq(await pdfLink.getAttribute('href'), `/procedures/${BIRTH}/form.pdf`, 'the PDF link');
    eq(await page.locator(`main .components a[href="/procedures/${BIRTH}/form.pdf"]`).count(), 1,
      'the PDF linked from the component with a template too');
    const [download] = await Promise.all([page.waitForEvent('download'), pdfLink.click()]);
    eq(download.suggestedFilename(), `to-khai-${BIRTH}.pdf`, 'the name of the downloaded file');
    const pdfFile = path.join(L.OUT, `to-khai-${BIRTH}.pdf`);
    await download.saveAs(pdfFile);
    eq(await download.failure(), null, 'the download finished');
    const bytes = fs.readFileSync(pdfFile);
    eq(bytes.subarray(0, 5).toString('latin1'), '%PDF-', 'the download starts as a PDF');
    check(bytes.subarray(-16).toString('latin1').includes('%%EOF'), 'the download ends as a PDF');
    check(bytes.length > 20000 && bytes.length < 2000000, `the PDF is ${bytes.length} bytes (fonts embedded)`);
    eq(pathOf(page), `/procedures/${BIRTH}`, 'the page stays where it was');
    L.takeProblems(); /* Chromium may report the navigation turned into a download */
    /* Printed: no navigation, no buttons. */
    await page.emulateMedia({ media: 'print' });
    for (const sel of ['.site-nav', '.procedure-actions', '.breadcrumbs', '.site-footer'])
      eq(await page.locator(sel).first().isVisible(), false, `${sel} printed`);
    check(await page.locator('main h1').isVisible(), 'the h1 printed');
    await page.emulateMedia({ media: null });
    /* The declaration, from the "Tải mẫu tờ khai" link of its component. */
    await Promise.all([page.waitForNavigation(), page.click('main a:has-text("Tải mẫu tờ khai")')]);
    eq(pathOf(page), `/procedures/${BIRTH}/form`, 'the declaration page');
    const h1 = await text(page, 'h1');
    check(h1.startsWith('TỜ KHAI') && /ĐĂNG KÝ KHAI SINH/i.test(h1), `the declaration's title: ${h1}`);
    const decl = await text(page, '.declaration');
    for (const s of ['CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM', 'Độc lập - Tự do - Hạnh phúc', 'Kính gửi:',
      'Họ, chữ đệm và tên của trẻ (*)', 'Ngày, tháng, năm sinh', '☐ Nam', '☐ Nữ',
      'Họ, chữ đệm và tên của cha (*) (nếu “Có thông tin về cha” là “Có”)', '(từ 0 đến 20)',
      'Giấy tờ gửi kèm', 'Giấy chứng sinh (ảnh hoặc PDF)', 'PDF, JPG, PNG', '10 MB', 'ngày ....... tháng',
      'NGƯỜI KHAI', '(Ký, ghi rõ họ tên)'])
      check(decl.includes(s), `the declaration shows "${s}"`);
    eq(await page.locator('.declaration .digits').count(), 2, 'boxes for the two personal numbers');
    eq(await page.getAttribute('.declaration', 'lang'), 'vi', 'the declaration is Vietnamese');
    eq(await page.getAttribute('.decl-intro a:has-text("Tải tờ khai (PDF)")', 'href'), `/procedures/${BIRTH}/form.pdf`,
      'the declaration page links to the PDF');
    await visit(page, 'procedure form');
    /* On A4 paper: only the declaration, on at most two pages. */
    await page.emulateMedia({ media: 'print' });
    eq(await page.locator('.site-header').isVisible(), false, 'the site header printed with the declaration');
    eq(await page.locator('.decl-intro').isVisible(), false, 'the instructions printed');
    await page.emulateMedia({ media: null });
    const pdf = await page.pdf({ format: 'A4', preferCSSPageSize: true });
    require('node:fs').writeFileSync(require('node:path').join(L.OUT, 'declaration-1.001193.pdf'), pdf);
    const pages = (pdf.toString('latin1').match(/\/Type\s*\/Page[^s]/g) || []).length;
    check(pages >= 1 && pages <= 2, `the declaration prints on ${pages} A4 pages`);
    /* The submission entry point is honest about what works today. */
    await go(page, `/procedures/${BIRTH}`);
    await Promise.all([page.waitForNavigation(), page.click('main a.button:has-text("Nộp trực tuyến")')]);
    eq(pathOf(page), `/procedures/${BIRTH}/submit`, 'the submit page');
    const sub = await text(page, 'main');
    check(sub.includes('Đăng nhập để nộp trực tuyến') && sub.includes('Bộ phận Một cửa'),
          'the submit page asks to sign in and says how to submit at the desk');
    await visit(page, 'procedure submit');
  });

  test('catalogue: hostile and oversized queries get a clear, escaped page', async () => {
    const page = S.catPage;
    const hostile = '<script>alert(1)</script>"><img src=x onerror=alert(2)>';
    let r = await go(page, '/procedures?q=' + encodeURIComponent(hostile));
    eq(r.status(), 200, 'status for a query with markup');
    eq(await page.locator('main script, main img').count(), 0, 'markup from the query in the page');
    eq(await page.inputValue('#q'), hostile, 'the query kept in the box, as text');
    check(!(await page.content()).includes('<script>alert(1)'), 'the query never appears as markup');
    r = await go(page, '/procedures?q=' + 'đ'.repeat(150));
    eq(r.status(), 400, 'status for a 300-byte query');
    const errs = await errorSummary(page);
    eq(errs[0].href, '#q', 'the error links to the search box');
    check(errs[0].text.includes('quá dài'), `the error says the query is too long: ${errs[0].text}`);
    eq(await page.inputValue('#q'), 'đ'.repeat(150), 'the long query kept in the box');
    eq(await page.getAttribute('#q', 'aria-invalid'), 'true', 'the box marked invalid');
    L.takeProblems(); /* the browser logs every 4xx answer as a console error */
    await visit(page, 'procedures query too long');
    r = await go(page, '/procedures?field=' + encodeURIComponent('<b>x</b>') + '&level=moon&applicant=x&page=0');
    eq(r.status(), 400, 'status for invalid filters');
    const hrefs = (await errorSummary(page)).map((e) => e.href);
    for (const h of ['#field', '#level', '#applicant'])
      check(hrefs.includes(h), `an error on ${h}: ${hrefs}`);
    eq(await page.locator('main b').count(), 0, 'markup from a filter in the page');
    L.takeProblems();
    await visit(page, 'procedures invalid filters');
    r = await go(page, '/procedures?agency=' + encodeURIComponent('000.99.99.H99'));
    eq(r.status(), 400, 'status for an unknown agency');
    eq((await errorSummary(page))[0].href, '#agency', 'the error links to the agency chip');
    /* Invalid UTF-8 and NUL are refused by the HTTP layer with its own page. */
    for (const bad of ['%FF', 'a%00b']) {
      r = await page.goto(L.BASE + '/procedures?q=' + bad);
      eq(r.status(), 400, `status for ${bad}`);
      eq(await page.getAttribute('html', 'lang'), 'vi', `lang of the page for ${bad}`);
      check((await text(page, 'h1')).length > 0 && (await text(page, 'main')).includes('Về trang chủ'),
        `a readable page for ${bad}`);
    }
    await L.axe(page, 'http 400 invalid utf-8');
    await L.screenshots(page, 'http 400 invalid utf-8');
    /* 10,000 characters: within the header limit in ASCII (the page says it is too long). */
    r = await go(page, '/procedures?q=' + 'a'.repeat(10000));
    eq(r.status(), 400, 'status for 10,000 ASCII characters');
    check((await text(page, '.error-summary')).includes('quá dài'), 'the page says the query is too long');
    /* Beyond the header limit the HTTP layer answers 431 with its own page. */
    r = await go(page, '/procedures?q=' + 'a'.repeat(20000));
    eq(r.status(), 431, 'status beyond the header limit');
    check((await text(page, 'h1')).includes('quá lớn'), 'the 431 page says the request is too large');
    await L.screenshots(page, 'http 431');
    /* Unknown and malformed codes. */
    for (const code of ['9.999999', 'abc', encodeURIComponent('<script>')]) {
      r = await go(page, '/procedures/' + code);
      eq(r.status(), 404, `status of /procedures/${code}`);
      eq(await text(page, 'h1'), 'Không tìm thấy thủ tục', `the 404 page for ${code}`);
    }
    L.takeProblems();
    await visit(page, 'procedure not found');
    r = await go(page, '/procedures/2.000884/form');
    eq(r.status(), 404, 'the declaration of a procedure without a form');
    for (const code of ['2.000884', '9.999999']) {
      r = await go(page, `/procedures/${code}/form.pdf`);
      eq(r.status(), 404, `the PDF of ${code}`);
      check((await text(page, 'h1')).length > 0, `a 404 page for the PDF of ${code}`);
    }
    L.takeProblems();
  });

  test('catalogue: keyboard only, from the home page to a procedure', async () => {
    const ctx = await L.context();
    const page = await ctx.newPage();
    await go(page, '/');
    /* The skip link first, then on to the search box. */
    await page.keyboard.press('Tab');
    check(await page.evaluate(() => document.activeElement.classList.contains('skip-link')), 'the skip link first');
    async function tabTo(pred, what, max = 80) {
      for (let i = 0; i < max; i++) {
        if (await page.evaluate(pred)) return;
        await page.keyboard.press('Tab');
      }
      throw new L.Failure(`never reached ${what} with Tab`);
    }
    await tabTo(() => document.activeElement.id === 'home-q', 'the search box');
    const ring = await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
    check(ring !== 'none', 'the search box shows its focus');
    await page.keyboard.type('khai sinh');
    await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
    eq(pathOf(page), '/procedures', 'Enter searched');
    await tabTo(() => document.activeElement.getAttribute('href') === '/procedures/1.001193', 'the first result');
    const bg = await page.evaluate(() => getComputedStyle(document.activeElement).backgroundColor);
    eq(bg, 'rgb(255, 221, 0)', 'the focused result is highlighted');
    await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
    eq(pathOf(page), `/procedures/${BIRTH}`, 'Enter opened the procedure');
    /* The filters open with the keyboard too. */
    await go(page, '/procedures?q=khai+sinh');
    await tabTo(() => document.activeElement.tagName === 'SUMMARY', 'the filters');
    await page.keyboard.press('Enter');
    check(await page.locator('details.filter-box[open]').count() === 1, 'Enter opened the filters');
    await ctx.close();
  });

  test('catalogue: filters, browsing by field and by agency, paging, without JavaScript', async () => {
    const ctx = await L.context({ javaScriptEnabled: false });
    const page = await ctx.newPage();
    await go(page, '/procedures');
    check((await text(page, '.result-count')).includes('thủ tục'), 'the whole catalogue listed');
    const all = Number((await text(page, '.result-count')).replace(/\D/g, ''));
    check(all >= 32, `${all} procedures in the catalogue`);
    await page.click('details.filter-box summary');
    await page.selectOption('#level', 'province');
    await page.selectOption('#applicant', 'business');
    await Promise.all([page.waitForNavigation(), page.click('details.filter-box button[type=submit]')]);
    const u = new URL(page.url());
    eq(u.searchParams.get('level'), 'province', 'the level in the address');
    eq(u.searchParams.get('applicant'), 'business', 'the applicant in the address');
    check(await page.locator('details.filter-box[open]').count() === 1, 'the filters stay open when set');
    const levels = await page.$$eval('main .results > li .meta-list li:first-child', (l) => l.map((x) => x.innerText.trim()));
    check(levels.length > 0 && levels.every((x) => x === 'Cấp tỉnh'), `only province procedures: ${levels}`);
    await visit(page, 'procedures filtered');
    await page.selectOption('#level', '');
    await page.selectOption('#applicant', '');
    await page.selectOption('#field', 'HT');
    await Promise.all([page.waitForNavigation(), page.click('details.filter-box button[type=submit]')]);
    const fields = await page.$$eval('main .results > li .meta .field-name', (l) => l.map((x) => x.innerText.trim()));
    check(fields.length > 0 && fields.every((x) => x === 'Hộ tịch'), `only civil status procedures: ${fields}`);
    /* Paging through everything: 20 a page. */
    await go(page, '/procedures');
    eq(await page.locator('main .results > li').count(), 20, '20 on the first page');
    await Promise.all([page.waitForNavigation(), page.click('main a[rel=next]')]);
    eq(new URL(page.url()).searchParams.get('page'), '2', 'page 2');
    eq(await page.locator('main .results > li').count(), all - 20, 'the rest on page 2');
    await visit(page, 'procedures page 2');
    /* By field. */
    await go(page, '/fields');
    await visit(page, 'fields');
    await Promise.all([page.waitForNavigation(), page.click('main .link-list a:has-text("Hộ tịch")')]);
    eq(new URL(page.url()).searchParams.get('field'), 'HT', 'the field link');
    check(await page.locator('main .results > li').count() > 0, 'civil status procedures');
    /* By agency: a commune, shown as a chip that can be removed. */
    await go(page, '/agencies');
    await visit(page, 'agencies');
    const commune = page.locator('main a:has-text("phường Trường Vinh")').first();
    await Promise.all([page.waitForNavigation(), commune.click()]);
    const agency = new URL(page.url()).searchParams.get('agency');
    check(/^\d{3}\.\d{2}\.\d{2}\.H41$/.test(agency), `the agency in the address: ${agency}`);
    check((await text(page, '.chip')).includes('Ủy ban nhân dân phường Trường Vinh'), 'the agency chip');
    const inCommune = Number((await text(page, '.result-count')).replace(/\D/g, ''));
    check(inCommune > 0 && inCommune < all, `${inCommune} procedures in the commune`);
    await visit(page, 'procedures by agency');
    await Promise.all([page.waitForNavigation(), page.click('.chip a')]);
    eq(new URL(page.url()).searchParams.get('agency'), null, 'the chip removed the agency');
    /* The directory links each unit to its procedures. */
    await go(page, '/directory?q=' + encodeURIComponent('so tu phap'));
    const link = page.locator('main .results a[href^="/procedures?agency="]').first();
    check(/\d+ thủ tục hành chính/.test(await link.innerText()), 'the directory links to the unit\'s procedures, with their number');
    await Promise.all([page.waitForNavigation(), link.click()]);
    check(await page.locator('main .results > li').count() > 0, 'the unit\'s procedures');
    await go(page, '/directory');
    check((await text(page, 'main')).includes('Chưa có thủ tục hành chính trên cổng'), 'a unit without procedures says so');
    await visit(page, 'directory with procedures');
    /* Nothing found: suggestions, and a way out of the filters. */
    await go(page, '/procedures?q=' + encodeURIComponent('zzqx wwvk') + '&level=province');
    check((await text(page, 'main')).includes('Không tìm thấy thủ tục nào'), 'nothing found');
    check(await page.locator('main a:has-text("không dùng bộ lọc")').count() === 1, 'a link without the filters');
    await visit(page, 'procedures none');
    await go(page, '/procedures?q=' + encodeURIComponent('thủ tục đăng ký khai sinh cho con gái'));
    check(await page.locator('main .notice-warn').count() === 1, 'the partial-match notice');
    check((await text(page, '.notice-warn')).includes('một số từ'), 'the notice says some words matched');
    await ctx.close();
  });

  test('catalogue: pages in English (procedure content stays Vietnamese)', async () => {
    const page = S.catPage;
    await go(page, `/procedures/${BIRTH}?lang=en`);
    eq(await page.getAttribute('html', 'lang'), 'en', 'lang');
    eq(await text(page, 'h1'), 'Birth registration', 'the English name');
    eq(await page.getAttribute('.subtitle', 'lang'), 'vi', 'the Vietnamese name marked');
    check((await text(page, 'main')).includes('Dossier components'), 'English headings');
    await visit(page, 'procedure english');
    await go(page, '/procedures?q=khai+sinh');
    eq(await text(page, 'h1'), 'Administrative procedures', 'the search page in English');
    eq(await text(page, 'main .results > li h2'), 'Birth registration', 'procedure names in English');
    eq(await page.getAttribute('main .results > li h2 a', 'lang'), null, 'an English name is not marked Vietnamese');
    eq(await text(page, 'main .results > li .field-name'), 'Civil status', 'field names in English');
    await visit(page, 'procedures english');
    await go(page, `/procedures/${BIRTH}/form`);
    eq(await page.getAttribute('.declaration', 'lang'), 'vi', 'the declaration stays Vietnamese');
    await visit(page, 'procedure form english');
    await go(page, '/agencies');
    check((await text(page, 'main')).includes('Department of Justice'), 'unit names in English');
    await visit(page, 'agencies english');
    await go(page, '/?lang=vi');
    await S.catCtx.close();
  });

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

  /* A procedure document to store: the birth registration's, as the API gives it, under another code. */
  async function documentFor(page, code, name) {
    const r = await page.request.get(`${L.BASE}/api/v1/procedures/${BIRTH}`);
    eq(r.status(), 200, 'the API gives the birth registration');
    const doc = await r.json();
    for (const k of ['version', 'status', 'field_name', 'field_name_en']) delete doc[k];
    doc.code = code;
    doc.name = name;
    delete doc.name_en;
    delete doc.keywords_vi;
    doc.agencies = ['*communes*'];
    return doc;
  }

  test('catalogue admin: a draft, published, found, changed, retired; an import', async () => {
    const { ctx, page } = await adminPage();
    await go(page, '/admin');
    check(await page.locator('main a[href="/admin/procedures"]').count() > 0, 'the admin page links to procedures');
    await go(page, '/admin/procedures');
    check((await text(page, 'main table')).includes(BIRTH), 'the list shows the catalogue');
    eq(await page.getAttribute('main a[href="/api/v1/procedure-catalogue"]', 'href'), '/api/v1/procedure-catalogue',
      'the export link');
    await visit(page, 'admin procedures');
    /* A new procedure: the template as it is is refused, and nothing typed is lost. */
    await Promise.all([page.waitForNavigation(), page.click('main a[href="/admin/procedures/new"]')]);
    await visit(page, 'admin procedure new');
    const skeleton = await page.inputValue('#doc');
    check(skeleton.includes('\n  "valid_from"'), 'the new document starts from an indented template');
    let r = await submit(page, 'main form button[type=submit]');
    eq(r.status(), 400, 'an incomplete document is refused');
    let errs = await errorSummary(page);
    eq(errs[0].href, '#doc', 'the error links to the document');
    check(errs[0].text.startsWith('code'), `the error names the path: ${errs[0].text}`);
    eq(await page.inputValue('#doc'), skeleton, 'the document kept as typed');
    L.takeProblems();
    await visit(page, 'admin procedure errors');
    const code = `1.99${String(crypto.randomInt(0, 10000)).padStart(4, '0')}`;
    const words = 'nuôi kỳ lân thử nghiệm';
    const doc = await documentFor(page, code, `Cấp giấy phép ${words}`);
    const bad = JSON.parse(JSON.stringify(doc));
    bad.form.fields[2].type = 'colour';
    const badText = JSON.stringify(bad, null, 2); /* line breaks and indentation, kept as typed */
    await page.fill('#doc', badText);
    r = await submit(page, 'main form button[type=submit]');
    eq(r.status(), 400, 'a bad form field is refused');
    errs = await errorSummary(page);
    check(errs[0].text.includes('form.fields[2]'), `the error names form.fields[2]: ${errs[0].text}`);
    eq(await page.inputValue('#doc'), badText, 'the bad document kept as typed');
    L.takeProblems();
    await page.fill('#doc', JSON.stringify(doc, null, '\t'));
    await submit(page, 'main form button[type=submit]');
    eq(pathOf(page), `/admin/procedures/${code}`, 'the new procedure\'s page');
    check((await text(page, '.notice')).includes('Đã thêm thủ tục'), 'the created notice');
    check((await text(page, 'main dl')).includes('Bản nháp'), 'a draft');
    check((await text(page, 'main table')).includes('Chưa công bố'), 'version 1 not published');
    await visit(page, 'admin procedure draft');
    /* Not public yet. */
    r = await go(page, `/procedures/${code}`);
    eq(r.status(), 404, 'a draft is not public');
    L.takeProblems();
    await go(page, '/procedures?q=' + encodeURIComponent('nuoi ky lan thu nghiem'));
    check(!(await text(page, 'main')).includes(code), 'a draft is not in the public search');
    /* Published: in the public search. */
    await go(page, `/admin/procedures/${code}`);
    await submit(page, 'main form[action$="/versions/1/publish"] button');
    check((await text(page, '.notice')).includes('Đã công bố'), 'the published notice');
    check((await text(page, 'main dl')).includes('Đã công bố'), 'published');
    await go(page, '/procedures?q=' + encodeURIComponent('nuoi ky lan thu nghiem'));
    eq(await firstResult(page).getAttribute('href'), `/procedures/${code}`, 'the public search finds it');
    r = await go(page, `/procedures/${code}`);
    eq(r.status(), 200, 'its public page');
    /* A new version, published at once. */
    await go(page, `/admin/procedures/${code}/edit`);
    const stored = await page.inputValue('#doc');
    check(stored.startsWith('{\n  "code": '), `the document indented: ${stored.slice(0, 40)}`);
    const current = JSON.parse(stored);
    eq(current.code, code, 'the edit page holds the newest version');
    eq(JSON.stringify(current.agencies), '["*communes*"]', 'the agencies as written');
    for (const k of ['version', 'status', 'field_name', 'field_name_en'])
      eq(current[k], undefined, `no "${k}" in the document as written`);
    current.name = `Cấp giấy phép ${words} (sửa đổi)`;
    await page.fill('#doc', JSON.stringify(current, null, 2));
    await page.check('#publish');
    await visit(page, 'admin procedure edit');
    await submit(page, 'main form button[type=submit]');
    check((await text(page, '.notice')).includes('phiên bản mới'), 'the saved notice');
    eq(await page.locator('main table tbody tr').count(), 2, 'two versions');
    check((await text(page, 'h1')).includes('(sửa đổi)'), 'the new name');
    await visit(page, 'admin procedure versions');
    /* Retired: gone from the portal. */
    await submit(page, 'main form[action$="/retire"] button');
    check((await text(page, '.notice')).includes('Đã ngừng áp dụng'), 'the retired notice');
    check((await text(page, 'main dl')).includes('Đã bãi bỏ'), 'retired');
    r = await go(page, `/procedures/${code}`);
    eq(r.status(), 404, 'a retired procedure is not public');
    r = await go(page, `/procedures/${code}/form.pdf`);
    eq(r.status(), 404, 'nor its PDF');
    L.takeProblems();
    await go(page, '/procedures?q=' + encodeURIComponent('nuoi ky lan thu nghiem'));
    check(!(await text(page, 'main')).includes(code), 'a retired procedure is not in the public search');
    /* Administrators find it again when they ask for retired procedures. */
    await go(page, '/admin/procedures?q=' + encodeURIComponent('nuoi ky lan thu nghiem'));
    check(!(await text(page, 'main')).includes(code), 'a retired procedure is not listed by default');
    eq(await page.isChecked('#retired'), false, 'the retired box not ticked');
    await page.check('#retired');
    await submit(page, 'main form[role=search] button[type=submit]');
    eq(new URL(page.url()).searchParams.get('retired'), '1', 'the filter in the address');
    eq(await page.isChecked('#retired'), true, 'the box stays ticked');
    const row = page.locator('main table tbody tr', { hasText: code });
    eq(await row.count(), 1, 'the retired procedure listed');
    check((await row.innerText()).includes('Đã bãi bỏ'), 'tagged "Đã bãi bỏ"');
    await visit(page, 'admin procedures with retired');
    /* Every change is in the audit log. */
    await go(page, '/admin/audit?action=admin.procedure');
    const actions = await page.$$eval('main table tbody tr td:nth-child(4)', (t) => t.map((x) => x.innerText.trim()));
    for (const a of ['admin.procedure.create', 'admin.procedure.publish', 'admin.procedure.version', 'admin.procedure.retire'])
      check(actions.includes(a), `${a} in the audit log: ${actions}`);
    /* An import: all or nothing, the message shown, the text kept. */
    await go(page, '/admin/procedures/import');
    await visit(page, 'admin procedure import');
    const code2 = `1.98${String(crypto.randomInt(0, 10000)).padStart(4, '0')}`;
    const good = await documentFor(page, code2, `Cấp giấy phép ${words} nhập từ tệp`);
    const badCatalogue = JSON.stringify({ fields: [], procedures: [good, { code: '1.000000' }] }, null, 2);
    await page.fill('#catalogue', badCatalogue);
    r = await submit(page, 'main form button[type=submit]');
    eq(r.status(), 400, 'a bad catalogue is refused');
    check((await errorSummary(page))[0].text.includes('1.000000'), 'the error names the procedure');
    eq(await page.inputValue('#catalogue'), badCatalogue, 'the catalogue kept as typed');
    L.takeProblems();
    await visit(page, 'admin procedure import errors');
    await go(page, '/admin/procedures?q=' + encodeURIComponent('nhap tu tep'));
    check(!(await text(page, 'main')).includes(code2), 'nothing of a refused import was stored');
    await go(page, '/admin/procedures/import');
    await page.fill('#catalogue', JSON.stringify({ fields: [], procedures: [good] }, null, 2));
    await submit(page, 'main form button[type=submit]');
    eq(pathOf(page), '/admin/procedures', 'back to the list');
    check((await text(page, '.notice')).includes('Đã nhập 1 thủ tục thành bản nháp'), 'the import notice');
    await go(page, '/admin/procedures?q=' + encodeURIComponent('nhap tu tep'));
    check((await text(page, 'main table')).includes(code2), 'the imported draft is listed');
    await go(page, '/admin/procedures?lang=en');
    eq(await text(page, 'h1'), 'Administrative procedures', 'the admin list in English');
    await visit(page, 'admin procedures english');
    await go(page, '/?lang=vi');
    await ctx.close();
  });

  test('catalogue admin: closed to a citizen and to someone not signed in', async () => {
    const ctx = await L.context();
    const page = await ctx.newPage();
    let r = await go(page, '/admin/procedures');
    check([401, 403].includes(r.status()) || pathOf(page) === '/signin',
      `not signed in: ${r.status()} at ${pathOf(page)}`);
    if (S.citizen && S.citizen.secret) {
      eq(await S.signIn(page, S.citizen.pid, S.citizen.password, S.citizen.secret), '/account', 'the citizen signed in');
      for (const p of ['/admin/procedures', '/admin/procedures/new', `/admin/procedures/${BIRTH}`]) {
        r = await go(page, p);
        eq(r.status(), 403, `status of ${p} for a citizen`);
      }
    }
    L.takeProblems();
    await ctx.close();
  });
};
