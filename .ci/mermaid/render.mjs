#!/usr/bin/env node
// Every Mermaid block renders: a CI check for the markdown slipgate writes.
//
//   node .ci/mermaid/render.mjs FILE.md... [--screenshot OUT.png] [--max-points N]
//
// Finds every ```mermaid code block of each markdown file (with a GFM lexer, as GitHub
// sees them), renders each with mermaid (from node_modules, injected into the page: no CDN)
// in Debian's headless chromium (playwright-core, executablePath /usr/bin/chromium: no
// browser download), and fails on a parse or render error or an empty chart. An xychart
// must also have a title, a y-axis title, x-axis labels, at most --max-points points per
// plot (26), one point per x-axis category, every point inside the axis range and a plot
// colour that can be seen on the background. --screenshot OUT.png writes the (single) file
// rendered with GitHub's markdown CSS and its charts in place.
//
// Exit codes: 0 every block rendered, 1 a block failed (file, block number, line and the
// reason on stderr), 2 usage or environment error. The page has no network: every request
// it makes is refused and reported.

import { readFileSync, mkdtempSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { chromium } from 'playwright-core';
import { marked } from 'marked';

const require = createRequire(import.meta.url);
const MERMAID_JS = require.resolve('mermaid/dist/mermaid.min.js');
const GITHUB_CSS = require.resolve('github-markdown-css/github-markdown-light.css');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];
const LAUNCH_MS = 30_000; // browser start
const BLOCK_MS = 15_000; // one diagram's parse + render + checks
const TOTAL_MS = 180_000; // the whole run, whatever happens

// Synchronous writes: nothing is lost when the process exits right after.
const out = (s) => writeSync(1, s);
const err = (s) => writeSync(2, s);

function usage(msg) {
  if (msg) err(`render.mjs: ${msg}\n`);
  err('usage: node render.mjs FILE.md... [--screenshot OUT.png] [--max-points N]\n');
  process.exit(2);
}

function parseArgs(argv) {
  const o = { files: [], screenshot: null, maxPoints: 26 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--screenshot') o.screenshot = argv[++i] ?? usage('--screenshot needs a file');
    else if (a === '--max-points') {
      o.maxPoints = Number(argv[++i]);
      if (!Number.isInteger(o.maxPoints) || o.maxPoints < 1) usage('--max-points needs a positive integer');
    } else if (a === '-h' || a === '--help') usage();
    else if (a.startsWith('-')) usage(`unknown option ${a}`);
    else o.files.push(a);
  }
  if (o.files.length === 0) usage('no markdown file given');
  if (o.screenshot && o.files.length !== 1) usage('--screenshot takes exactly one markdown file');
  return o;
}

// The mermaid code blocks of a markdown text, as a GFM parser sees them (so a fence that
// GitHub would swallow into an HTML block is not one), each with its 1-based line.
function mermaidBlocks(src) {
  const found = [];
  const walk = (tokens) => {
    for (const t of tokens ?? []) {
      if (t.type === 'code' && /^mermaid\b/.test(t.lang ?? '')) found.push(t);
      if (t.tokens) walk(t.tokens);
      if (t.items) walk(t.items);
    }
  };
  walk(marked.lexer(src, { gfm: true }));
  const blocks = [];
  let from = 0;
  for (const t of found) {
    const at = src.indexOf(t.raw.trimEnd(), from);
    const line = at < 0 ? null : src.slice(0, at).split('\n').length;
    if (at >= 0) from = at + 1;
    blocks.push({ code: t.text, line });
  }
  // Fences that look like mermaid but that markdown does not read as a code block.
  const fenceLines = [];
  src.split('\n').forEach((l, i) => {
    if (/^ {0,3}(```+|~~~+)\s*mermaid\b/.test(l)) fenceLines.push(i + 1);
  });
  const seen = new Set(blocks.map((b) => b.line));
  const stray = fenceLines.filter((l) => !seen.has(l));
  return { blocks, stray };
}

// Runs in the page: render one block and check what came out. Returns a list of problems.
async function checkInPage({ id, code, maxPoints, theme, keep }) {
  const problems = [];
  window.mermaid.initialize({ startOnLoad: false, theme, securityLevel: 'strict' });
  let svg;
  if (/^\s*xychart/m.test(code) && !/^\s*(line|bar)\b/m.test(code)) {
    return { problems: ['the xychart has no line or bar series: it plots nothing'] };
  }
  try {
    await window.mermaid.parse(code);
    ({ svg } = await window.mermaid.render(id, code));
  } catch (e) {
    return { problems: [`mermaid: ${String((e && e.message) || e).trim()}`] };
  }
  const host = document.createElement('div');
  host.className = 'mermaid-rendered';
  host.id = `host-${id}`;
  host.innerHTML = svg;
  document.body.appendChild(host);
  try {
    return check();
  } finally {
    if (!keep) host.remove();
  }

  function check() {
    const el = host.querySelector('svg');
    if (!el) return { problems: ['mermaid returned no SVG'] };
    if (el.querySelector('.error-icon, .error-text') || /Syntax error in text/.test(svg)) {
      return { problems: ['mermaid drew its error picture'] };
    }
    const box = el.getBBox();
    if (!(box.width > 0 && box.height > 0)) problems.push('the SVG is empty (zero size)');
    if (/NaN|Infinity/.test(svg)) problems.push('the SVG has NaN or Infinity coordinates (a series longer or shorter than the x-axis?)');
    const kind = el.getAttribute('aria-roledescription') || '';
    if (kind !== 'xychart') return { problems, summary: kind || 'diagram' };

    const text = (sel) => [...el.querySelectorAll(sel)].map((t) => t.textContent.trim()).filter(Boolean);
    if (text('.chart-title text').length === 0) problems.push('the chart has no title');
    if (text('.left-axis .title text').length === 0) problems.push('the y-axis has no title');
    const xLabels = text('.bottom-axis .label text');
    const categorical = /^\s*x-axis\b[^\n]*\[/m.test(code);
    if (xLabels.length === 0 && text('.bottom-axis .title text').length === 0) problems.push('the x-axis has no labels');

    // Category labels that run into each other cannot be read (measured in this chromium's
    // fonts; a reader's may be a little wider, so keep a margin).
    let minGap = Infinity;
    const boxes = [...el.querySelectorAll('.bottom-axis .label text')].map((t) => t.getBoundingClientRect());
    const scale = el.getBoundingClientRect().width / (el.viewBox.baseVal?.width || el.getBoundingClientRect().width);
    for (let j = 1; j < boxes.length; j++) {
      const gap = (boxes[j].left - boxes[j - 1].right) / scale;
      minGap = Math.min(minGap, gap);
      if (gap < 2) {
        problems.push(`x-axis labels ${JSON.stringify(xLabels[j - 1])} and ${JSON.stringify(xLabels[j])} overlap ` +
          '(shorter labels, fewer points, or a wider chart: xyChart.width, xAxis.labelFontSize)');
        break;
      }
    }

    // The plot area: between the axis lines.
    const yAxis = el.querySelector('.left-axis .axisl-line path');
    const nums = (p) => (p?.getAttribute('d') ?? '').match(/-?\d+(\.\d+)?/g)?.map(Number) ?? [];
    const ya = nums(yAxis);
    const top = ya.length >= 4 ? Math.min(ya[1], ya[3]) : -Infinity;
    const bottom = ya.length >= 4 ? Math.max(ya[1], ya[3]) : Infinity;

    const bg = el.querySelector('rect.background')?.getAttribute('fill') || 'white';
    const plots = [...el.querySelectorAll('g.plot > g')];
    if (plots.length === 0) problems.push('the chart plots nothing');
    let drawn = 0;
    plots.forEach((g, i) => {
      const name = g.getAttribute('class');
      let points = 0;
      let colour = null;
      const ys = [];
      if (/^line-plot/.test(name)) {
        const path = g.querySelector('path');
        const d = path?.getAttribute('d') ?? '';
        const pts = d.match(/[ML]\s*-?[\d.]+\s*,\s*-?[\d.]+/g) ?? [];
        points = pts.length;
        pts.forEach((p) => ys.push(Number(p.split(',')[1])));
        colour = path?.getAttribute('stroke');
      } else if (/^bar-plot/.test(name)) {
        const rects = [...g.querySelectorAll('rect')];
        points = rects.length;
        rects.forEach((r) => {
          const y = Number(r.getAttribute('y'));
          const h = Number(r.getAttribute('height'));
          if (h < 0) problems.push(`plot ${i + 1} (${name}) has a negative bar`);
          ys.push(y, y + Math.max(h, 0));
        });
        colour = rects[0]?.getAttribute('fill');
      } else {
        return;
      }
      if (points === 0) problems.push(`plot ${i + 1} (${name}) has no points`);
      // A line through one point is drawn as nothing at all.
      if (/^line-plot/.test(name) && points === 1) {
        problems.push(`plot ${i + 1} (${name}) is a line through one point, which draws nothing`);
      }
      drawn += points;
      if (points > maxPoints) problems.push(`plot ${i + 1} (${name}) has ${points} points, more than ${maxPoints}`);
      if (categorical && points !== xLabels.length) {
        problems.push(`plot ${i + 1} (${name}) has ${points} points for ${xLabels.length} x-axis categories`);
      }
      const out = ys.filter((y) => y < top - 1 || y > bottom + 1).length;
      if (out > 0) problems.push(`plot ${i + 1} (${name}) has points outside the y-axis range`);
      const c = contrast(colour, bg);
      if (c !== null && c < 1.5) {
        problems.push(`plot ${i + 1} (${name}) is drawn in ${colour} on ${bg} (contrast ${c.toFixed(2)}): ` +
          'it cannot be seen; set themeVariables.xyChart.plotColorPalette');
      }
    });
    if (plots.length > 0 && drawn === 0) problems.push('the chart plots no data');
    const gapNote = Number.isFinite(minGap) ? `, narrowest x-label gap ${minGap.toFixed(0)}px` : '';
    return { problems, summary: `xychart, ${plots.length} plot(s), ${drawn} point(s)${gapNote}` };
  }

  function contrast(a, b) {
    const lum = (c) => {
      const probe = document.createElement('span');
      probe.style.color = c;
      document.body.appendChild(probe);
      const m = getComputedStyle(probe).color.match(/\d+(\.\d+)?/g);
      probe.remove();
      if (!m || !c) return null;
      const [r, g, bl] = m.slice(0, 3).map((v) => {
        const s = Number(v) / 255;
        return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
      });
      return 0.2126 * r + 0.7152 * g + 0.0722 * bl;
    };
    const la = lum(a);
    const lb = lum(b);
    if (la === null || lb === null) return null;
    return (Math.max(la, lb) + 0.05) / (Math.min(la, lb) + 0.05);
  }
}

function withTimeout(promise, ms, what) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms / 1000}s`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const watchdog = setTimeout(() => {
    err(`render.mjs: gave up after ${TOTAL_MS / 1000}s\n`);
    process.exit(2);
  }, TOTAL_MS);
  watchdog.unref();

  const inputs = [];
  let failed = 0;
  for (const file of opts.files) {
    let src;
    try {
      src = readFileSync(file, 'utf8');
    } catch (e) {
      usage(`cannot read ${file}: ${e.message}`);
    }
    const { blocks, stray } = mermaidBlocks(src);
    for (const line of stray) {
      err(`${file}:${line}: a mermaid fence that markdown does not read as a code block ` +
        '(inside an HTML block? put a blank line before it)\n');
      failed++;
    }
    if (blocks.length === 0) {
      err(`${file}: no mermaid block\n`);
      failed++;
    }
    inputs.push({ file, src, blocks });
  }

  const profile = mkdtempSync(join(tmpdir(), 'slipgate-mermaid-'));
  let ctx;
  try {
    ctx = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
      timeout: LAUNCH_MS,
      viewport: { width: 1012, height: 800 },
      deviceScaleFactor: 1,
    });
  } catch (e) {
    rmSync(profile, { recursive: true, force: true });
    err(`render.mjs: cannot start ${CHROMIUM}: ${e.message.split('\n')[0]}\n`);
    process.exit(2);
  }
  const refused = [];
  try {
    await ctx.route('**/*', (route) => {
      refused.push(route.request().url());
      return route.abort('blockedbyclient');
    });
    const page = ctx.pages()[0] ?? (await ctx.newPage());
    page.setDefaultTimeout(BLOCK_MS);
    const pageErrors = [];
    page.on('pageerror', (e) => pageErrors.push(String(e.message || e)));
    const css = readFileSync(GITHUB_CSS, 'utf8');
    await page.setContent(`<!doctype html><meta charset="utf-8"><style>${css}
      body { max-width: 980px; margin: 20px auto; padding: 0 20px; }
      .mermaid-rendered { margin: 0 0 16px; } .mermaid-rendered svg { display: block; margin: 0 auto; }
      </style><body></body>`);
    await page.addScriptTag({ path: MERMAID_JS });

    let n = 0;
    for (const input of inputs) {
      for (const [i, b] of input.blocks.entries()) {
        const where = `${input.file}:${b.line ?? '?'}: mermaid block ${i + 1}`;
        // GitHub draws a diagram with mermaid's default theme, or its dark one in dark mode.
        const id = `mmd${n++}`;
        const run = async (theme, keep) => {
          try {
            return await withTimeout(page.evaluate(checkInPage,
              { id: `${id}-${theme}`, code: b.code, maxPoints: opts.maxPoints, theme, keep }), BLOCK_MS, where);
          } catch (e) {
            return { problems: [e.message.split('\n')[0]], summary: '' };
          }
        };
        const { problems, summary } = await run('default', true);
        const dark = await run('dark', false);
        for (const p of dark.problems) if (!problems.includes(p)) problems.push(`in the dark theme: ${p}`);
        b.id = `host-${id}-default`;
        if (problems.length > 0) {
          failed++;
          for (const p of problems) err(`${where}: ${p.replace(/\n/g, '\n    ')}\n`);
        } else {
          out(`${where}: ok (${summary})\n`);
        }
      }
    }
    if (refused.length > 0) {
      err(`render.mjs: the page tried the network (refused): ${[...new Set(refused)].join(', ')}\n`);
      failed++;
    }
    if (pageErrors.length > 0) {
      err(`render.mjs: errors in the page: ${pageErrors.join('; ')}\n`);
    }

    if (opts.screenshot) {
      const input = inputs[0];
      let k = 0;
      const renderer = new marked.Renderer();
      const plainCode = renderer.code.bind(renderer);
      renderer.code = (tok) => (/^mermaid\b/.test(tok.lang ?? '')
        ? `<div class="mermaid-slot" data-host="${input.blocks[k++]?.id ?? ''}"></div>` : plainCode(tok));
      const html = marked.parse(input.src, { gfm: true, renderer });
      await page.evaluate((html) => {
        const article = document.createElement('article');
        article.className = 'markdown-body';
        article.innerHTML = html;
        for (const slot of article.querySelectorAll('.mermaid-slot')) {
          const r = slot.dataset.host && document.getElementById(slot.dataset.host);
          if (r) slot.replaceWith(r);
        }
        for (const r of document.querySelectorAll('body > .mermaid-rendered')) r.remove();
        for (const d of article.querySelectorAll('details')) d.open = true;
        document.body.appendChild(article);
      }, html);
      await page.screenshot({ path: opts.screenshot, fullPage: true, timeout: BLOCK_MS });
      out(`wrote ${opts.screenshot}\n`);
    }
  } finally {
    await withTimeout(ctx.close(), 10_000, 'closing chromium').catch(() => {});
    rmSync(profile, { recursive: true, force: true });
  }
  const total = inputs.reduce((s, i) => s + i.blocks.length, 0);
  if (failed > 0) {
    err(`render.mjs: ${failed} failure(s) in ${total} mermaid block(s) of ${inputs.length} file(s)\n`);
    process.exit(1);
  }
  out(`render.mjs: ${total} mermaid block(s) of ${inputs.length} file(s) rendered\n`);
}

main().catch((e) => {
  err(`render.mjs: ${e.stack || e}\n`);
  process.exit(2);
});
