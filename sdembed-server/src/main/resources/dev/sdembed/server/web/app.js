// sdembed's web page: plain JavaScript over the JSON API (no build step). State lives in the address bar, so every
// view is a deep link: /?q=TEXT&mode=prompt&folder=…, /?similar=ID, /?view=duplicates&by=pixels, /?view=stats.
'use strict';

const $ = (id) => document.getElementById(id);
const PAGE = 40;
const state = { info: null, hits: [], next: null, loading: false, source: null, selected: -1, detailId: null,
                dupNext: null, dupParams: null };

async function api(path, options) {
  const res = await fetch(path, Object.assign({ credentials: 'same-origin' }, options || {}));
  let body = null;
  try { body = await res.json(); } catch (e) { /* not JSON */ }
  if (!res.ok) {
    throw new Error((body && body.error) || (res.status + ' ' + res.statusText));
  }
  return body;
}

function status(text, isError) {
  const s = $('status');
  s.textContent = text || '';
  s.classList.toggle('error', !!isError);
}

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === 'class') e.className = v; else if (k === 'text') e.textContent = v; else e.setAttribute(k, v);
  }
  for (const c of children) if (c != null) e.append(c);
  return e;
}

// ------------------------------------------------------------------------------------------------ views and links

function showView(view) {
  for (const v of ['search', 'duplicates', 'stats']) {
    $('view-' + v).hidden = v !== view;
    $('nav-' + v).classList.toggle('active', v === view);
  }
}

const FILTERS = ['folder', 'generator', 'model', 'sampler', 'seed', 'steps', 'cfg', 'size', 'date', 'minScore',
                 'distinct'];

function filters() {
  const f = {};
  for (const name of FILTERS) {
    const v = $('f-' + name).value.trim();
    if (v) f[name] = v;
  }
  return f;
}

function setLink(params, push) {
  const url = '/' + (Object.keys(params).length ? '?' + new URLSearchParams(params) : '');
  if (url !== location.pathname + location.search) {
    history[push ? 'pushState' : 'replaceState'](null, '', url);
  }
}

async function route() {
  const p = new URLSearchParams(location.search);
  for (const name of FILTERS) $('f-' + name).value = p.get(name) || '';
  if (['folder', 'generator', 'model'].some((n) => p.get(n))) toggleFilters(true);
  const view = p.get('view') || 'search';
  showView(view);
  closeDetail();
  if (view === 'duplicates') {
    if (p.get('by')) $('dup-by').value = p.get('by');
    if (p.get('threshold')) $('dup-threshold').value = p.get('threshold');
    showThreshold();
    return findDuplicates(false);
  }
  if (view === 'stats') return showStats();
  if (p.get('similar')) return startSearch({ kind: 'similar', id: p.get('similar') }, false);
  if (p.get('q')) {
    $('q').value = p.get('q');
    if (p.get('mode')) $('mode').value = p.get('mode');
    return startSearch({ kind: 'text', text: p.get('q'), mode: $('mode').value }, false);
  }
  clearGrid();
  status(state.info ? state.info.counts.images + ' images indexed. Type a prompt to search.' : '');
}

// ------------------------------------------------------------------------------------------------ searching

function clearGrid() {
  state.hits = [];
  state.next = null;
  state.selected = -1;
  $('grid').replaceChildren();
  $('load-more').hidden = true;
}

function startSearch(source, push) {
  state.source = source;
  clearGrid();
  showView('search');
  const f = filters();
  if (source.kind === 'text') setLink(Object.assign({ q: source.text, mode: source.mode }, f), push);
  else if (source.kind === 'similar') setLink(Object.assign({ similar: source.id }, f), push);
  return loadMore();
}

async function loadMore() {
  const source = state.source;
  if (!source || state.loading) return;
  const offset = state.hits.length;
  if (offset > 0 && state.next == null) return;
  state.loading = true;
  status('Searching…');
  try {
    const q = new URLSearchParams(Object.assign({ k: PAGE, offset: offset }, filters()));
    let page;
    if (source.kind === 'text') {
      q.set('text', source.text);
      q.set('mode', source.mode);
      page = await api('/api/search?' + q);
    } else if (source.kind === 'similar') {
      page = await api('/api/images/' + encodeURIComponent(source.id) + '/similar?' + q);
    } else {
      const form = new FormData();
      form.append('file', source.file, source.file.name || 'image');
      page = await api('/api/search/image?' + q, { method: 'POST', body: form });
    }
    if (source !== state.source) return;
    appendHits(page.hits);
    state.next = page.nextOffset;
    $('load-more').hidden = page.nextOffset == null;
    const what = source.kind === 'text' ? '“' + source.text + '” by ' + page.mode
      : source.kind === 'similar' ? 'images like #' + source.id + ' by ' + page.by
      : 'images like the dropped image by ' + page.by;
    status(state.hits.length ? state.hits.length + ' results for ' + what + ' (slot ' + page.slot + ')'
      : 'No results for ' + what);
  } catch (e) {
    status(e.message, true);
  } finally {
    state.loading = false;
  }
}

function card(hit, onOpen) {
  const img = el('img', { class: 'thumb', loading: 'lazy', alt: hit.prompt || hit.path,
                          src: '/api/images/' + hit.imageId + '/thumbnail' });
  const c = el('div', { class: 'card', 'data-id': hit.imageId, title: hit.path }, img,
    hit.score != null ? el('span', { class: 'score', text: hit.score.toFixed(3) }) : null,
    el('div', { class: 'caption', text: hit.prompt || baseName(hit.path) }));
  c.addEventListener('click', onOpen);
  return c;
}

function appendHits(hits) {
  const grid = $('grid');
  for (const hit of hits) {
    const index = state.hits.length;
    state.hits.push(hit);
    grid.append(card(hit, () => { select(index); openDetail(hit.imageId); }));
  }
}

function baseName(path) {
  return path.split(/[\\/]/).pop();
}

function select(index) {
  const cards = $('grid').children;
  if (index < 0 || index >= cards.length) return;
  if (state.selected >= 0 && cards[state.selected]) cards[state.selected].classList.remove('selected');
  state.selected = index;
  cards[index].classList.add('selected');
  cards[index].scrollIntoView({ block: 'nearest' });
}

// ------------------------------------------------------------------------------------------------ detail panel

async function openDetail(id) {
  state.detailId = id;
  $('detail').hidden = false;
  $('detail-image').src = '/api/images/' + id + '/thumbnail?size=512';
  $('detail-link').href = '/api/images/' + id + '/file';
  const dl = $('detail-fields');
  dl.replaceChildren();
  try {
    const image = await api('/api/images/' + id);
    if (state.detailId !== id) return;
    const field = (name, value, copy) => {
      if (value == null || value === '') return;
      const dt = el('dt', { text: name });
      if (copy) {
        const b = el('button', { class: 'copy', type: 'button', text: 'copy', title: 'Copy ' + name });
        b.addEventListener('click', () => copyText(String(value), b));
        dt.append(b);
      }
      dl.append(dt, el('dd', { text: String(value) }));
    };
    field('Prompt', image.prompt, true);
    field('Negative prompt', image.negativePrompt, true);
    field('Path', image.path, true);
    field('Size', image.width && image.height ? image.width + ' × ' + image.height : null);
    field('Generator', image.generator);
    field('Model', image.model);
    const params = Object.entries(image.parameters || {});
    if (params.length) {
      const table = el('table', { class: 'params' });
      for (const [k, v] of params) table.append(el('tr', {}, el('td', { class: 'muted', text: k }), el('td', { text: v })));
      dl.append(el('dt', { text: 'Parameters' }), el('dd', {}, table));
    }
    field('Modified', image.modifiedAt);
    field('Image id', image.imageId);
  } catch (e) {
    dl.append(el('dd', { text: e.message }));
  }
}

function closeDetail() {
  state.detailId = null;
  $('detail').hidden = true;
}

async function copyText(text, button) {
  try {
    await navigator.clipboard.writeText(text);
  } catch (e) {
    const area = el('textarea');
    area.value = text;
    document.body.append(area);
    area.select();
    document.execCommand('copy');
    area.remove();
  }
  button.textContent = 'copied';
  setTimeout(() => { button.textContent = 'copy'; }, 1200);
}

function step(delta) {
  if (state.selected < 0 || !state.hits.length) return;
  const index = Math.max(0, Math.min(state.hits.length - 1, state.selected + delta));
  select(index);
  if (!$('detail').hidden) openDetail(state.hits[index].imageId);
  if (index >= state.hits.length - 4) loadMore();
}

// ------------------------------------------------------------------------------------------------ duplicates

// Only image and prompt compare embeddings against a threshold; file and pixels take none.
function byEmbeddings(by) {
  return by === 'image' || by === 'prompt';
}

function showThreshold() {
  $('dup-threshold-label').hidden = !byEmbeddings($('dup-by').value);
}

async function findDuplicates(push) {
  const by = $('dup-by').value;
  state.dupParams = byEmbeddings(by) ? { view: 'duplicates', by: by, threshold: $('dup-threshold').value }
    : { view: 'duplicates', by: by };
  setLink(Object.assign({}, state.dupParams, filters()), push);
  $('dup-groups').replaceChildren();
  state.dupNext = 0;
  state.dupSeq = (state.dupSeq || 0) + 1;
  return moreDuplicates();
}

async function moreDuplicates() {
  if (state.dupNext == null) return;
  const seq = state.dupSeq;
  status('Looking for duplicates…');
  try {
    const params = { by: state.dupParams.by, k: 20, offset: state.dupNext };
    if (state.dupParams.threshold) params.threshold = state.dupParams.threshold;
    const f = filters();
    // Files and pixels have no similarity score and no prompts to collapse: those two filters are for search.
    if (!byEmbeddings(state.dupParams.by)) { delete f.minScore; delete f.distinct; }
    const q = new URLSearchParams(Object.assign(params, f));
    const page = await api('/api/duplicates?' + q);
    if (seq !== state.dupSeq) return; // a newer scan was asked for meanwhile
    for (const g of page.groups) {
      const members = el('div', { class: 'dup-members' });
      for (const m of g.members) members.append(card(m, () => openDetail(m.imageId)));
      const close = page.by === 'file' ? 'identical files'
        : page.by === 'pixels' ? 'pixel hashes up to ' + Math.round((1 - g.lowestLink) * 64) + ' bits apart'
        : 'lowest similarity ' + g.lowestLink.toFixed(4);
      $('dup-groups').append(el('div', { class: 'dup-group' },
        el('h3', { text: g.size + ' images · ' + close }), members));
    }
    state.dupNext = page.nextOffset;
    $('dup-more').hidden = page.nextOffset == null;
    $('dup-summary').textContent = page.totalGroups + ' groups by ' + page.by + ': ' + page.description
      + (page.imagesWithoutPixelHash ? ' · ' + page.imagesWithoutPixelHash + ' images without a pixel hash yet'
        + ' (index their folders again)' : '');
    status('');
  } catch (e) {
    status(e.message, true);
  }
}

// ------------------------------------------------------------------------------------------------ stats

async function showStats() {
  const stats = await api('/api/stats').catch((e) => { status(e.message, true); return null; });
  if (!stats) return;
  const row = (k, v) => el('tr', {}, el('th', { text: k }), el('td', { class: 'num', text: String(v) }));
  const totals = el('table', {}, row('Images', stats.images), row('Failed images', stats.failedImages),
    row('Distinct texts', stats.textContents), row('Distinct image files', stats.imageContents),
    row('Vector bytes stored', stats.vectorBytes), row('Without deduplication', stats.vectorBytesWithoutDedup),
    row('Saved by deduplication', stats.storageSavedPercent + ' %'));
  const slots = el('table', {}, el('tr', {}, ...['Slot', 'Embeddings', 'Stale', 'References', 'Vector bytes']
    .map((h) => el('th', { text: h }))));
  for (const s of stats.slots) {
    slots.append(el('tr', {}, el('td', { text: s.slot }), ...[s.embeddings, s.stale, s.references, s.vectorBytes]
      .map((v) => el('td', { class: 'num', text: String(v) }))));
  }
  const slotInfo = el('table', {}, el('tr', {}, ...['Slot', 'Modality', 'Model', 'Dimension', 'Device']
    .map((h) => el('th', { text: h }))));
  for (const s of state.info ? state.info.slots : []) {
    slotInfo.append(el('tr', {}, ...[s.name, s.modality, s.model, s.dimension, s.device]
      .map((v) => el('td', { text: String(v) }))));
  }
  $('stats').replaceChildren(el('h2', { text: 'Store' }), totals, el('h2', { text: 'Slots' }), slots, slotInfo);
  status('');
}

// ------------------------------------------------------------------------------------------------ images in

function searchByFile(file) {
  if (!file || !/^image\//.test(file.type || 'image/')) return;
  startSearch({ kind: 'file', file: file }, true);
  setLink({}, false);
}

function toggleFilters(open) {
  const f = $('filters');
  f.hidden = open === undefined ? !f.hidden : !open;
  $('filters-toggle').setAttribute('aria-expanded', String(!f.hidden));
}

// ------------------------------------------------------------------------------------------------ wiring

async function start() {
  try {
    state.info = await api('/api/info');
  } catch (e) {
    status(e.message, true);
    return;
  }
  const modes = state.info.searchModes;
  for (const option of Array.from($('mode').options)) option.disabled = !modes.includes(option.value);
  $('upload-label').hidden = !state.info.imageUpload;
  for (const by of state.info.duplicatesBy) $('dup-by').append(el('option', { value: by, text: by }));
  $('dup-by').value = state.info.duplicatesDefault;
  showThreshold();
  $('dup-by').addEventListener('change', showThreshold);

  $('search-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const text = $('q').value.trim();
    if (text) startSearch({ kind: 'text', text: text, mode: $('mode').value }, true);
  });
  $('filters-toggle').addEventListener('click', () => toggleFilters());
  $('upload').addEventListener('change', (e) => searchByFile(e.target.files[0]));
  $('load-more').addEventListener('click', loadMore);
  $('dup-form').addEventListener('submit', (e) => { e.preventDefault(); findDuplicates(true); });
  $('dup-more').addEventListener('click', moreDuplicates);
  $('detail-close').addEventListener('click', closeDetail);
  $('detail-prev').addEventListener('click', () => step(-1));
  $('detail-next').addEventListener('click', () => step(1));
  $('more-like-this').addEventListener('click', () => {
    const id = state.detailId;
    closeDetail();
    if (id != null) startSearch({ kind: 'similar', id: String(id) }, true);
  });
  for (const a of document.querySelectorAll('nav a')) {
    a.addEventListener('click', (e) => {
      e.preventDefault();
      history.pushState(null, '', a.getAttribute('href'));
      route();
    });
  }
  window.addEventListener('popstate', route);
  new IntersectionObserver((entries) => {
    if (entries.some((x) => x.isIntersecting) && state.hits.length) loadMore();
  }).observe($('sentinel'));

  document.addEventListener('keydown', (e) => {
    const typing = /^(INPUT|SELECT|TEXTAREA)$/.test(document.activeElement.tagName);
    if (e.key === 'Escape') { closeDetail(); return; }
    if (typing) return;
    const perRow = Math.max(1, Math.round($('grid').clientWidth / 190));
    const keys = { ArrowRight: 1, ArrowLeft: -1, ArrowDown: perRow, ArrowUp: -perRow };
    if (e.key === '/') { e.preventDefault(); $('q').focus(); }
    else if (e.key in keys) { e.preventDefault(); if (state.selected < 0) select(0); else step(keys[e.key]); }
    else if (e.key === 'Enter' && state.selected >= 0) openDetail(state.hits[state.selected].imageId);
    else if (e.key === 'm' && state.detailId != null) $('more-like-this').click();
  });

  // An image dropped or pasted anywhere searches by it.
  let depth = 0;
  document.addEventListener('dragenter', (e) => { if (state.info.imageUpload) { depth++; $('drop-hint').hidden = false; } e.preventDefault(); });
  document.addEventListener('dragleave', () => { if (--depth <= 0) { depth = 0; $('drop-hint').hidden = true; } });
  document.addEventListener('dragover', (e) => e.preventDefault());
  document.addEventListener('drop', (e) => {
    e.preventDefault();
    depth = 0;
    $('drop-hint').hidden = true;
    if (state.info.imageUpload && e.dataTransfer.files.length) searchByFile(e.dataTransfer.files[0]);
  });
  document.addEventListener('paste', (e) => {
    const item = Array.from(e.clipboardData ? e.clipboardData.items : []).find((i) => i.type.startsWith('image/'));
    if (item && state.info.imageUpload) { e.preventDefault(); searchByFile(item.getAsFile()); }
  });
  route();
}

start();
