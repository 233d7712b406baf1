// playground.js — the page around lrs.wasm. Every value, diagnostic and
// boundary shown here comes from the WebAssembly build of liblrs (the same
// compiler, checker and interpreter as lrsc); this file only asks for them
// and draws them. The compiler runs in a worker, so a long compilation never
// freezes the page.
'use strict';

const PLOT = { w: 900, h: 420, left: 70, right: 190, top: 20, bottom: 44 };
const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2'];
const POINTS = 1200;          // samples across the visible range (boundaries are added exactly)
const WATCHDOG_MS = 10000;    // a compilation running longer than this is stopped

// ---- the worker: instantiates lrs.wasm and answers run requests ----------

function workerMain() {
  let ex = null, ctx = 0;
  const enc = new TextEncoder(), dec = new TextDecoder();
  const cstr = (s) => {
    const b = enc.encode(s + '\0');
    const p = ex.lrs_wasm_alloc(b.length);
    new Uint8Array(ex.memory.buffer, p, b.length).set(b);
    return p;
  };
  const read = (p) => {
    const m = new Uint8Array(ex.memory.buffer);
    let q = p;
    while (m[q]) q++;
    return dec.decode(m.subarray(p, q));
  };
  // The few WASI calls the library can make (no files, no clock needed).
  const wasi = {
    fd_write: () => 8, fd_close: () => 8, fd_seek: () => 8, fd_read: () => 8,
    fd_fdstat_get: () => 8, fd_prestat_get: () => 8, fd_prestat_dir_name: () => 8,
    path_open: () => 44, path_filestat_get: () => 44, fd_filestat_get: () => 8,
    environ_sizes_get: (c, s) => { const v = new DataView(ex.memory.buffer); v.setUint32(c, 0, true); v.setUint32(s, 0, true); return 0; },
    environ_get: () => 0,
    args_sizes_get: (c, s) => { const v = new DataView(ex.memory.buffer); v.setUint32(c, 0, true); v.setUint32(s, 0, true); return 0; },
    args_get: () => 0,
    clock_time_get: (id, prec, out) => { new DataView(ex.memory.buffer).setBigUint64(out, BigInt(Math.round(performance.now() * 1e6)), true); return 0; },
    proc_exit: (code) => { throw new Error('lrs.wasm exited with ' + code); },
    random_get: () => 0, sched_yield: () => 0,
  };
  const imports = { wasi_snapshot_preview1: new Proxy(wasi, { get: (t, k) => t[k] || (() => 52) }) };
  self.onmessage = async (ev) => {
    const m = ev.data;
    if (m.type === 'init') {
      const inst = await WebAssembly.instantiate(m.module, imports);
      ex = inst.exports;
      if (ex._initialize) ex._initialize();
      ctx = ex.lrs_wasm_context_new();
      self.postMessage({ type: 'ready' });
      return;
    }
    const t0 = performance.now();
    const ps = [cstr(m.src), cstr(m.defines), cstr(m.spec), cstr(m.events || '')];
    const r = ex.lrs_wasm_run(ctx, ps[0], ps[1], ps[2], ps[3]);
    ps.forEach((p) => ex.lrs_wasm_free(p));
    const text = r ? read(r) : '{"ok": false, "diagnostics": [{"severity": "error", "line": 0, "column": 0, "end_column": 0, "message": "out of memory", "text": "error: out of memory"}]}';
    if (r) ex.lrs_wasm_free(r);
    self.postMessage({ type: 'result', id: m.id, text, ms: performance.now() - t0 });
  };
}

function b64bytes(b64) {
  const s = atob(b64);
  const u = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) u[i] = s.charCodeAt(i);
  return u;
}

const engine = {
  module: null, worker: null, ready: null, next: 1, pending: new Map(), watchdog: 0,
  start() {
    if (this.worker) this.worker.terminate();
    const url = URL.createObjectURL(new Blob(['(' + workerMain.toString() + ')()'], { type: 'text/javascript' }));
    this.worker = new Worker(url);
    this.ready = new Promise((resolve, reject) => {
      this.worker.onmessage = (ev) => {
        if (ev.data.type === 'ready') { resolve(); return; }
        const p = this.pending.get(ev.data.id);
        if (!p) return;
        this.pending.delete(ev.data.id);
        clearTimeout(this.watchdog);
        p.resolve(ev.data);
      };
      this.worker.onerror = (e) => reject(new Error(e.message));
    });
    this.worker.postMessage({ type: 'init', module: this.module });
    return this.ready;
  },
  async init() {
    this.module = await WebAssembly.compile(b64bytes(LRS_WASM_BASE64));
    return this.start();
  },
  // One compilation at a time; the page only asks for the latest source.
  async run(src, defines, spec, events) {
    await this.ready;
    const id = this.next++;
    return new Promise((resolve) => {
      this.pending.set(id, { resolve });
      this.watchdog = setTimeout(() => {
        this.pending.delete(id);
        this.start();
        resolve({ text: JSON.stringify({ ok: false, diagnostics: [{ severity: 'error', line: 0, column: 0, end_column: 0, message: 'the compilation took longer than ' + WATCHDOG_MS / 1000 + ' s and was stopped', text: 'error: the compilation took longer than ' + WATCHDOG_MS / 1000 + ' s and was stopped' }] }), ms: WATCHDOG_MS });
      }, WATCHDOG_MS);
      this.worker.postMessage({ type: 'run', id, src, defines, spec, events });
    });
  },
};

// ---- state ---------------------------------------------------------------

const $ = (id) => document.getElementById(id);
const state = { defines: {}, events: [], zoom: null, result: null, busy: false, again: false, t0: 0, lastRenderMs: NaN };

function definesText() {
  return Object.entries(state.defines).map(([k, v]) => k + '=' + v).join('\n');
}

function spec() {
  return state.zoom ? `${state.zoom[0]}:${state.zoom[1]}:${POINTS}` : `0:-1:${POINTS}`;
}

// Latest wins: while one compilation runs, edits only mark the page dirty.
async function update() {
  if (state.busy) { state.again = true; return; }
  state.busy = true;
  state.t0 = performance.now();
  $('status').textContent = 'compiling…';
  const r = await engine.run($('source').value, definesText(), spec(), state.events.join(','));
  state.busy = false;
  if (state.again) { state.again = false; update(); return; }
  const res = JSON.parse(r.text);
  // An override of a param the edited program no longer declares (or a
  // value the compiler rejects) is dropped, and the program runs as written.
  if (!res.ok && Object.keys(state.defines).length &&
      res.diagnostics.some((d) => d.text.startsWith('<-D>'))) {
    state.defines = {};
    $('params').dataset.key = '';
    update();
    return;
  }
  render(res, r.ms);
}

// ---- rendering -----------------------------------------------------------

function esc(s) {
  return s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' }[c]));
}

function render(res, ms) {
  state.result = res;
  const diags = res.diagnostics || [];
  $('diagnostics').textContent = diags.map((d) => d.text).join('\n');
  markEditor(diags);
  const errors = diags.filter((d) => d.severity === 'error').length;
  const st = $('status');
  st.className = errors ? 'error' : '';
  st.textContent = errors ? `${errors} error${errors > 1 ? 's' : ''}` : `ok (${ms.toFixed(1)} ms)`;
  if (res.ok) {
    drawPlot(res);
    drawParams(res.params || []);
    $('summary').innerHTML = res.schedules.map((s) =>
      `<b>${esc(s.name)}</b>: span ${fmt(s.span)}, start ${fmt(s.start)}, end ${fmt(s.end)}, ` +
      `min ${fmt(s.min)}, max ${fmt(s.max)}${s.proved ? ' (proved finite and non-negative)' : ''}`).join('<br>') +
      (isReactive() ? `<br><i>reactive (signals: ${res.signals.map(esc).join(', ')}): click the plot to place a plateau event, click an event to remove it; events at ${state.events.length ? state.events.join(', ') : 'none yet'}</i>` : '');
  }
  // A broken program keeps the last good plot, dimmed, so the page is never blank.
  $('plot').style.opacity = res.ok ? '1' : '0.35';
  state.lastRenderMs = performance.now() - state.t0;
  document.body.dataset.renders = String(Number(document.body.dataset.renders || 0) + 1);
}

function fmt(v) {
  if (typeof v === 'string') return v;
  if (v === null || v === undefined) return '?';
  return Number.isInteger(v) && Math.abs(v) < 1e15 ? String(v) : v.toPrecision(6).replace(/\.?0+(e|$)/, '$1');
}

function markEditor(diags) {
  const text = $('source').value;
  const lines = text.split('\n');
  const marks = new Map(); // line -> [{c0, c1, sev}]
  for (const d of diags) {
    if (!d.line) continue;
    const l = d.line - 1;
    if (!marks.has(l)) marks.set(l, []);
    marks.get(l).push({ c0: Math.max(0, d.column - 1), c1: Math.max(d.column, d.end_column - 1), sev: d.severity });
  }
  const gut = [], back = [];
  lines.forEach((line, i) => {
    const m = marks.get(i);
    const sev = m ? (m.some((x) => x.severity === 'error' || x.sev === 'error') ? 'err' : 'warn') : '';
    const title = m ? diags.filter((d) => d.line === i + 1).map((d) => d.message).join('; ') : '';
    gut.push(sev ? `<span class="${sev}" title="${esc(title)}">${i + 1}</span>` : String(i + 1));
    if (!m) { back.push(esc(line)); return; }
    // Columns count bytes; the line is re-encoded to find them.
    const bytes = new TextEncoder().encode(line);
    const dec = new TextDecoder();
    const b = m[0];
    const c0 = Math.min(b.c0, bytes.length), c1 = Math.min(Math.max(b.c1, c0 + 1), bytes.length);
    const pre = dec.decode(bytes.subarray(0, c0)), mid = dec.decode(bytes.subarray(c0, c1)) || ' ';
    back.push(esc(pre) + `<mark class="${b.sev}">${esc(mid)}</mark>` + esc(dec.decode(bytes.subarray(c1))));
  });
  $('gutter').innerHTML = gut.join('\n');
  $('backdrop').innerHTML = back.join('\n') + '\n';
}

// Round ticks: 1-2-5 steps, decades on a log axis.
function ticks(lo, hi, log) {
  if (log) {
    const out = [];
    for (let e = Math.floor(Math.log10(lo)); e <= Math.ceil(Math.log10(hi)); e++) {
      const v = Math.pow(10, e);
      if (v >= lo * 0.999 && v <= hi * 1.001) out.push(v);
    }
    return out.length ? out : [lo, hi];
  }
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / 6, mag = Math.pow(10, Math.floor(Math.log10(raw)));
  const step = [1, 2, 5, 10].map((k) => k * mag).find((s) => s >= raw);
  const out = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Math.abs(v) < step * 1e-9 ? 0 : v);
  return out;
}

function tickLabel(v) {
  const a = Math.abs(v);
  if (a === 0) return '0';
  if (a >= 1e5 || a < 1e-3) return v.toExponential(0).replace('e+', 'e');
  return String(+v.toPrecision(6));
}

// The y range of some series: round ends, padded, zero kept in view.
function yRange(series, log) {
  let lo = Infinity, hi = -Infinity;
  for (const s of series) for (const v of s.values) if (isFinite(v) && (!log || v > 0)) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
  if (!isFinite(lo)) return log ? [1e-6, 1] : [0, 1];
  if (log) {
    lo = Math.pow(10, Math.floor(Math.log10(lo)));
    hi = Math.pow(10, Math.ceil(Math.log10(hi)));
    return [lo, hi > lo ? hi : lo * 10];
  }
  if (lo > 0 && lo < hi * 0.5) lo = 0;
  const pad = (hi - lo) * 0.05 || Math.abs(hi) * 0.05 || 1;
  return [lo === 0 ? 0 : lo - pad, hi + pad];
}

function peak(s) {
  let m = 0;
  for (const v of s.values) if (isFinite(v)) m = Math.max(m, Math.abs(v));
  return m;
}

function drawPlot(res) {
  const { w, h, left, right, top, bottom } = PLOT;
  const log = $('log').checked;
  const steps = res.steps;
  const series = res.schedules.map((s, i) => ({ name: s.name, color: COLORS[i % COLORS.length], values: s.values.map((v) => (typeof v === 'number' ? v : NaN)), boundaries: s.boundaries }));
  // Schedules of another magnitude than the first (lr beside momentum) get
  // the right-hand axis, so neither flattens the other.
  const p0 = series.length ? peak(series[0]) : 0;
  for (const s of series) { const p = peak(s); s.axis = p0 > 0 && p > 0 && (p / p0 > 5 || p0 / p > 5) ? 1 : 0; }
  const axes = [0, 1].map((a) => series.filter((s) => s.axis === a)).map((g) => (g.length ? yRange(g, log) : null));
  const x0 = steps[0], x1 = steps[steps.length - 1] > x0 ? steps[steps.length - 1] : x0 + 1;
  const X = (s) => left + ((s - x0) / (x1 - x0)) * (w - left - right);
  const Y = (a, v) => {
    const [lo, hi] = axes[a];
    return top + (1 - (log ? (Math.log10(v) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo)) : (v - lo) / (hi - lo))) * (h - top - bottom);
  };
  const parts = [`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${w} ${h}" width="${w}" height="${h}" font-family="sans-serif">`,
    `<rect x="0" y="0" width="${w}" height="${h}" fill="#fff"/>`];
  axes.forEach((ax, a) => {
    if (!ax) return;
    for (const t of ticks(ax[0], ax[1], log)) {
      const y = Y(a, t).toFixed(1);
      if (a === 0) parts.push(`<line class="grid" x1="${left}" x2="${w - right}" y1="${y}" y2="${y}" stroke="#eee"/>`);
      const x = a === 0 ? left - 6 : w - right + 6;
      parts.push(`<g class="tick"><text x="${x}" y="${y}" text-anchor="${a === 0 ? 'end' : 'start'}" dominant-baseline="middle" font-size="11">${tickLabel(t)}</text></g>`);
    }
  });
  for (const t of ticks(x0, x1, false)) {
    const x = X(t).toFixed(1);
    parts.push(`<line class="grid" y1="${top}" y2="${h - bottom}" x1="${x}" x2="${x}" stroke="#eee"/>`,
      `<g class="tick"><text x="${x}" y="${h - bottom + 16}" text-anchor="middle" font-size="11">${tickLabel(t)}</text></g>`);
  }
  parts.push(`<text class="label" x="${(left + w - right) / 2}" y="${h - 6}" text-anchor="middle" font-size="11">step</text>`);
  if ($('bounds').checked) {
    const seen = new Set();
    for (const s of series) for (const b of s.boundaries) {
      if (b < x0 || b > x1 || seen.has(b)) continue;
      seen.add(b);
      parts.push(`<line class="bound" x1="${X(b).toFixed(1)}" x2="${X(b).toFixed(1)}" y1="${top}" y2="${h - bottom}" stroke="#999" stroke-dasharray="3 3"/>`);
    }
  }
  // Plateau events placed by the user, for reactive schedules.
  for (const e of state.events) {
    if (e < x0 || e > x1) continue;
    parts.push(`<line class="event" data-step="${e}" x1="${X(e).toFixed(1)}" x2="${X(e).toFixed(1)}" y1="${top}" y2="${h - bottom}" stroke="#7b1fa2" stroke-width="2"><title>plateau at step ${e} (click to remove)</title></line>`);
  }
  const legendX = w - right + (axes[1] ? 52 : 12);
  series.forEach((s, k) => {
    const [lo, hi] = axes[s.axis];
    let d = '', pen = false;
    for (let i = 0; i < steps.length; i++) {
      const v = s.values[i];
      if (!isFinite(v) || (log && v <= 0)) { pen = false; continue; }
      d += (pen ? 'L' : 'M') + X(steps[i]).toFixed(2) + ' ' + Y(s.axis, Math.min(Math.max(v, lo), hi)).toFixed(2);
      pen = true;
    }
    parts.push(`<path class="series" data-name="${esc(s.name)}" data-axis="${s.axis ? 'right' : 'left'}" d="${d}" fill="none" stroke="${s.color}" stroke-width="1.6"/>`);
    // The legend sits right of the data, never over it.
    const ly = top + 14 + k * 18;
    parts.push(`<line x1="${legendX}" x2="${legendX + 18}" y1="${ly}" y2="${ly}" stroke="${s.color}" stroke-width="2"/>`,
      `<text class="label" x="${legendX + 24}" y="${ly}" dominant-baseline="middle" font-size="11">${esc(s.name)}${axes[1] ? (s.axis ? ' (right)' : ' (left)') : ''}</text>`);
  });
  parts.push(`<rect x="${left}" y="${top}" width="${w - left - right}" height="${h - top - bottom}" fill="none" stroke="#bbb"/>`,
    `<line class="hover" id="hover" y1="${top}" y2="${h - bottom}" x1="-10" x2="-10" stroke="#555"/>`,
    `<rect class="zoom" id="zoombox" x="0" y="${top}" width="0" height="${h - top - bottom}" fill="rgba(30,100,200,0.15)"/>`,
    `<text id="tip" x="0" y="${top + 12}" font-size="11"></text>`, '</svg>');
  $('plot').innerHTML = parts.join('');
  state.plot = { X, x0, x1, steps, series };
}

function isReactive() {
  return !!(state.result && state.result.ok && state.result.schedules.some((s) => s.reactive));
}

function drawParams(params) {
  const box = $('params');
  const key = params.map((p) => p.name).join(',');
  if (box.dataset.key !== key) {
    box.dataset.key = key;
    box.innerHTML = '';
    for (const p of params) {
      const v = typeof p.value === 'number' ? p.value : 0;
      const whole = Number.isInteger(v);
      const max = v > 0 ? v * 4 : 1;
      const lab = document.createElement('label');
      lab.textContent = p.name;
      const range = document.createElement('input');
      Object.assign(range, { type: 'range', min: 0, max, step: whole && v >= 10 ? 1 : max / 400, value: v });
      range.dataset.param = p.name;
      const num = document.createElement('input');
      Object.assign(num, { type: 'number', value: v, step: 'any' });
      num.dataset.param = p.name;
      const set = (val) => { state.defines[p.name] = String(val); range.value = val; num.value = val; update(); };
      range.oninput = () => set(range.value);
      num.onchange = () => { if (num.value !== '') set(num.value); };
      box.append(lab, range, num);
    }
  }
}

// ---- hover and zoom --------------------------------------------------------

function plotStep(ev) {
  const svg = $('plot').querySelector('svg');
  if (!svg || !state.plot) return null;
  const r = svg.getBoundingClientRect();
  const px = ((ev.clientX - r.left) / r.width) * PLOT.w;
  const { x0, x1 } = state.plot;
  const s = x0 + ((px - PLOT.left) / (PLOT.w - PLOT.left - PLOT.right)) * (x1 - x0);
  return { px, step: Math.round(Math.min(Math.max(s, x0), x1)) };
}

function nearest(steps, s) {
  let a = 0, b = steps.length - 1;
  while (b - a > 1) { const m = (a + b) >> 1; if (steps[m] <= s) a = m; else b = m; }
  return Math.abs(steps[b] - s) < Math.abs(steps[a] - s) ? b : a;
}

function installPlotEvents() {
  const plot = $('plot');
  let dragFrom = null;
  plot.addEventListener('mousemove', (ev) => {
    const p = plotStep(ev);
    if (!p) return;
    const i = nearest(state.plot.steps, p.step);
    const x = state.plot.X(state.plot.steps[i]);
    const hover = $('hover'), tip = $('tip');
    hover.setAttribute('x1', x); hover.setAttribute('x2', x);
    tip.setAttribute('x', Math.min(x + 6, PLOT.w - PLOT.right - 140));
    tip.textContent = `step ${state.plot.steps[i]}: ` + state.plot.series.map((s) => `${s.name} ${fmt(s.values[i])}`).join(', ');
    if (dragFrom) {
      const z = $('zoombox');
      z.setAttribute('x', Math.min(dragFrom.px, p.px));
      z.setAttribute('width', Math.abs(p.px - dragFrom.px));
    }
  });
  plot.addEventListener('mousedown', (ev) => { dragFrom = plotStep(ev); ev.preventDefault(); });
  window.addEventListener('mouseup', (ev) => {
    if (!dragFrom) return;
    const to = plotStep(ev), from = dragFrom;
    dragFrom = null;
    if (to && Math.abs(to.px - from.px) > 4) {
      const a = Math.min(from.step, to.step), b = Math.max(from.step, to.step);
      if (b > a) { state.zoom = [a, b]; update(); }
    } else if (to && isReactive()) {
      // A click places a plateau event (as lrsc --plateaus does); a click on
      // one removes it.
      const near = state.events.findIndex((e) => Math.abs(state.plot.X(e) - to.px) < 5);
      if (near >= 0) state.events.splice(near, 1);
      else state.events.push(to.step);
      state.events.sort((x, y) => x - y);
      update();
    }
  });
  plot.addEventListener('dblclick', () => { state.zoom = null; update(); });
}

// ---- sharing and export ----------------------------------------------------

function b64url(s) {
  const bytes = new TextEncoder().encode(s);
  let bin = '';
  bytes.forEach((b) => { bin += String.fromCharCode(b); });
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function unb64url(s) {
  const bin = atob(s.replace(/-/g, '+').replace(/_/g, '/'));
  return new TextDecoder().decode(Uint8Array.from(bin, (c) => c.charCodeAt(0)));
}

function shareLink() {
  let h = '#p=' + b64url($('source').value);
  if (Object.keys(state.defines).length) h += '&d=' + b64url(JSON.stringify(state.defines));
  if (state.events.length) h += '&e=' + state.events.join(',');
  return location.href.replace(/#.*$/, '') + h;
}

function fromLink() {
  const m = /[#&]p=([^&]*)/.exec(location.hash);
  if (!m) return false;
  try {
    $('source').value = unb64url(m[1]);
    const d = /[#&]d=([^&]*)/.exec(location.hash);
    state.defines = d ? JSON.parse(unb64url(d[1])) : {};
    const e = /[#&]e=([0-9,]*)/.exec(location.hash);
    state.events = e && e[1] ? e[1].split(',').map(Number) : [];
    return true;
  } catch (e) {
    return false;
  }
}

function download(name, type, text) {
  const a = document.createElement('a');
  a.href = URL.createObjectURL(new Blob([text], { type }));
  a.download = name;
  a.click();
}

function csv(res) {
  const rows = ['step,' + res.schedules.map((s) => s.name).join(',')];
  res.steps.forEach((st, i) => rows.push(st + ',' + res.schedules.map((s) => s.values[i]).join(',')));
  return rows.join('\n') + '\n';
}

// ---- start -----------------------------------------------------------------

function syncScroll() {
  const src = $('source');
  $('backdrop').style.transform = `translate(${-src.scrollLeft}px, ${-src.scrollTop}px)`;
  $('gutter').scrollTop = src.scrollTop;
}

function loadExample(name) {
  $('source').value = LRS_EXAMPLES[name];
  state.defines = {};
  state.events = [];
  state.zoom = null;
  $('params').dataset.key = '';
  update();
}

async function main() {
  const sel = $('examples');
  for (const name of Object.keys(LRS_EXAMPLES)) sel.add(new Option(name, name));
  sel.onchange = () => loadExample(sel.value);
  const src = $('source');
  src.addEventListener('input', () => { syncScroll(); update(); });
  src.addEventListener('scroll', syncScroll);
  $('log').onchange = () => state.result && state.result.ok && drawPlot(state.result);
  $('bounds').onchange = $('log').onchange;
  $('reset-zoom').onclick = () => { state.zoom = null; update(); };
  $('share').onclick = () => {
    const link = shareLink();
    history.replaceState(null, '', link);
    const box = $('link');
    box.hidden = false;
    box.value = link;
    box.select();
    if (navigator.clipboard) navigator.clipboard.writeText(link).catch(() => {});
  };
  $('export-svg').onclick = () => {
    const svg = $('plot').querySelector('svg');
    if (svg) download('schedule.svg', 'image/svg+xml', svg.outerHTML);
  };
  $('export-csv').onclick = () => state.result && state.result.ok && download('schedule.csv', 'text/csv', csv(state.result));
  installPlotEvents();
  try {
    await engine.init();
  } catch (e) {
    $('status').className = 'error';
    $('status').textContent = 'the compiler did not load: ' + e.message;
    return;
  }
  const first = Object.keys(LRS_EXAMPLES).find((n) => n === 'transformer.lrs') || Object.keys(LRS_EXAMPLES)[0];
  if (fromLink()) update();
  else { sel.value = first; loadExample(first); }
}

// For tests and scripts: the same engine the page uses.
window.lrsPlayground = {
  get result() { return state.result; },
  get lastRenderMs() { return state.lastRenderMs; },
  shareLink,
  csv: () => csv(state.result),
  // Values at exactly these steps, for comparing with `lrsc eval`.
  async evaluate(src, steps, defines = {}, events = []) {
    const d = Object.entries(defines).map(([k, v]) => k + '=' + v).join('\n');
    const r = await engine.run(src, d, steps.join(','), events.join(','));
    return JSON.parse(r.text);
  },
};

main();
