import { chromium } from 'playwright-core';
const b = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
const p = await b.newPage();
await p.goto('file:///tmp/realwidgets/exp/flex.html');
console.log(await p.evaluate(() => ['a', 'b', 'c'].map((id) => `${id}: justify-content=${getComputedStyle(document.getElementById(id)).justifyContent} username.left=${document.querySelector('#' + id + ' .u').getBoundingClientRect().left}`)));
console.log('CSS.supports(justify-content: right) =', await p.evaluate(() => CSS.supports('justify-content', 'right')));
await b.close();
