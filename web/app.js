/*
 * MachiGIS 下水道台帳 閲覧ページ (public sewer-ledger viewer).
 * Plain JS + Leaflet (served locally at vendor/leaflet). No external resources.
 */
'use strict';

(() => {
  const AGREE_KEY = 'machigis.sewer.agreed';
  const SYSTEM_COLORS = { 合流: '#2e7d32', 汚水: '#ef6c00', 雨水: '#1565c0' };
  const OTHER_COLOR = '#616161';
  const HIGHLIGHT_COLOR = '#e91e63';
  // The page draws raw GeoJSON (no merging or simplification, unlike the vector tiles), so it
  // asks for features only where a view holds a few thousand of them: pipes from zoom 15 and
  // manholes from 17, or deeper when the layer file's tile minzoom (config.minzoom) says so.
  let PIPE_MIN_ZOOM = 15;
  let MANHOLE_MIN_ZOOM = 17;
  const PAGE_SIZE = 1000; // API maximum
  const MAX_PAGES = 5;
  const SEARCH_LIMIT = 20;

  const hasAgreed = () => {
    try { return sessionStorage.getItem(AGREE_KEY) === '1'; } catch { return false; }
  };
  // Runs before <body> is parsed, so an agreed visitor never sees the gate flash.
  if (hasAgreed()) document.documentElement.classList.add('agreed');

  const $ = (id) => document.getElementById(id);
  let map = null;
  let state = null; // layers and bounds, set by initMap

  // ---------- helpers ----------

  function escapeHTML(v) {
    return String(v).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));
  }

  function api(path, params = {}) {
    const url = new URL('api/' + path, document.baseURI);
    for (const [k, v] of Object.entries(params)) {
      if (v !== undefined && v !== null && v !== '') url.searchParams.set(k, v);
    }
    return url;
  }

  /** fetch + JSON; non-2xx answers throw an Error carrying the problem `detail`. */
  async function fetchJSON(url, signal) {
    let res;
    try {
      res = await fetch(url, { signal, headers: { Accept: 'application/geo+json, application/json' } });
    } catch (e) {
      if (e.name === 'AbortError') throw e;
      throw new Error('サーバーに接続できません。');
    }
    let body = null;
    try { body = await res.json(); } catch (e) { if (e.name === 'AbortError') throw e; }
    if (!res.ok) {
      const err = new Error((body && (body.detail || body.title)) || `エラーが発生しました (HTTP ${res.status})`);
      err.status = res.status;
      err.problem = body;
      throw err;
    }
    if (body === null) throw new Error('サーバーの応答を読み取れません。');
    return body;
  }

  const isAbort = (e) => e && e.name === 'AbortError';
  const colorOf = (system) => SYSTEM_COLORS[system] || OTHER_COLOR;
  const dash = '—';

  function num(v, unit) {
    if (v === null || v === undefined || v === '') return dash;
    const s = typeof v === 'number' ? v.toLocaleString('ja-JP', { maximumFractionDigits: 3 }) : String(v);
    return unit ? `${s} ${unit}` : s;
  }

  /** 1977 → "1977年度（昭和52年度）" */
  function fiscalYear(y) {
    if (!Number.isInteger(y)) return dash;
    const eras = [[2019, '令和'], [1989, '平成'], [1926, '昭和'], [1912, '大正'], [1868, '明治']];
    const era = eras.find(([start]) => y >= start);
    if (!era) return `${y}年度`;
    const n = y - era[0] + 1;
    return `${y}年度（${era[1]}${n === 1 ? '元' : n}年度）`;
  }

  function sizeRow(p) {
    if (p.diameter_mm !== null && p.diameter_mm !== undefined) return ['管径', num(p.diameter_mm, 'mm')];
    if (p.width_mm != null || p.height_mm != null) {
      return ['幅×高さ', `${num(p.width_mm)} × ${num(p.height_mm)} mm（矩形渠）`];
    }
    return ['管径', dash];
  }

  const isPipe = (f) => f.properties.layer === 'sewer_pipes' || 'pipe_no' in f.properties;
  const numberOf = (f) => (isPipe(f) ? f.properties.pipe_no : f.properties.mh_no);

  function pipeWeight(p) {
    const d = p.diameter_mm ?? p.width_mm ?? 0;
    return d >= 1500 ? 5 : d >= 800 ? 4 : d >= 400 ? 3 : 2;
  }

  /** Status line: one message per topic (basemap, pipes, …); an empty message clears the topic. */
  const statusParts = new Map();
  function setStatus(topic, msg, isError = false) {
    if (msg) statusParts.set(topic, { msg, isError }); else statusParts.delete(topic);
    const el = $('status');
    el.textContent = [...statusParts.values()].map((p) => p.msg).join(' ／ ');
    el.classList.toggle('error', [...statusParts.values()].some((p) => p.isError));
  }

  let loadingCount = 0;
  function loading(delta) {
    loadingCount = Math.max(0, loadingCount + delta);
    $('loading').hidden = loadingCount === 0;
  }

  // ---------- popups ----------

  const linkBtn = (kind, no) =>
    no ? `<button type="button" class="link-btn" data-kind="${kind}" data-no="${escapeHTML(no)}">${escapeHTML(no)}</button>` : dash;

  function rowsHTML(rows) {
    return rows.map(([label, html, cls]) =>
      `<tr><th scope="row">${escapeHTML(label)}</th><td${cls ? ` class="${cls}"` : ''}>${html}</td></tr>`).join('');
  }

  function systemCell(system) {
    return `<span class="swatch" style="background:${colorOf(system)}"></span>${escapeHTML(system ?? dash)}`;
  }

  function connectionsHTML(f) {
    if (!Array.isArray(f.upstream) && !Array.isArray(f.downstream)) return '';
    const list = (arr) => {
      const pipes = (arr || []).filter(isPipe);
      return pipes.length ? pipes.map((x) => linkBtn('pipes', x.properties.pipe_no)).join(' ') : dash;
    };
    return `<table class="conn-table"><caption>接続管渠</caption>${rowsHTML([
      ['上流側', list(f.upstream)], ['下流側', list(f.downstream)]])}</table>`;
  }

  function featureHTML(f, distance) {
    const p = f.properties;
    let head, rows;
    if (isPipe(f)) {
      head = '下水道管渠';
      rows = [
        ['本管番号', escapeHTML(p.pipe_no), 'popup-pipe-no'],
        ['排除方式', systemCell(p.system), 'popup-system'],
        sizeRow(p),
        ['管種', escapeHTML(p.material ?? dash)],
        ['延長', num(p.length_m, 'm')],
        ['勾配', num(p.slope_permille, '‰')],
        ['土被り（上流）', num(p.depth_up_m, 'm')],
        ['土被り（下流）', num(p.depth_down_m, 'm')],
        ['布設年度', fiscalYear(p.install_year)],
        ['上流人孔', linkBtn('manholes', p.upstream_mh)],
        ['下流人孔', linkBtn('manholes', p.downstream_mh)],
        ['処理区', escapeHTML(p.treatment_area ?? dash)],
      ];
    } else {
      head = '人孔（マンホール）';
      rows = [
        ['人孔番号', escapeHTML(p.mh_no), 'popup-mh-no'],
        ['排除方式', systemCell(p.system), 'popup-system'],
        ['種別', escapeHTML(p.type ?? dash)],
        ['深さ', num(p.depth_m, 'm')],
        ['地盤高', num(p.ground_elev_m, 'm')],
        ['布設年度', fiscalYear(p.install_year)],
      ];
    }
    const dist = typeof distance === 'number'
      ? `<p class="popup-distance">クリック地点からの距離: ${distance.toFixed(1)} m</p>` : '';
    return `<div class="popup-head">${head}</div>${dist}` +
      `<table class="attr-table"><tbody>${rowsHTML(rows)}</tbody></table>` +
      connectionsHTML(f) +
      '<p class="popup-note">※参考図です。正式な確認は下水道課窓口へ。</p>';
  }

  const errorHTML = (msg, head = '情報を表示できません') =>
    `<div class="popup-error"><strong>${escapeHTML(head)}</strong><p>${escapeHTML(msg)}</p></div>`;

  function popupOptions() {
    return { maxWidth: 340, minWidth: 220, autoPanPadding: [16, 16], className: 'sewer-popup' };
  }

  /** A point on the feature for the popup: a line's midpoint along its length. */
  function anchorOf(f) {
    const g = f.geometry;
    if (g.type === 'Point') return L.latLng(g.coordinates[1], g.coordinates[0]);
    const line = g.type === 'MultiLineString' ? g.coordinates.flat() : g.coordinates;
    const seg = [];
    let total = 0;
    for (let i = 1; i < line.length; i++) {
      const d = Math.hypot(line[i][0] - line[i - 1][0], line[i][1] - line[i - 1][1]);
      seg.push(d); total += d;
    }
    let half = total / 2;
    for (let i = 0; i < seg.length; i++) {
      if (half <= seg[i] && seg[i] > 0) {
        const t = half / seg[i];
        return L.latLng(line[i][1] + t * (line[i + 1][1] - line[i][1]), line[i][0] + t * (line[i + 1][0] - line[i][0]));
      }
      half -= seg[i];
    }
    return L.latLng(line[0][1], line[0][0]);
  }

  // ---------- map ----------

  function initMap(config) {
    const c = config.city;
    const minzoom = config.minzoom || {};
    PIPE_MIN_ZOOM = Math.max(PIPE_MIN_ZOOM, minzoom.sewer_pipes ?? 0);
    MANHOLE_MIN_ZOOM = Math.max(MANHOLE_MIN_ZOOM, minzoom.manholes ?? 0);
    const [minLon, minLat, maxLon, maxLat] = c.extent;
    const cityBounds = L.latLngBounds([minLat, minLon], [maxLat, maxLon]);

    map = L.map('map', {
      preferCanvas: true,
      minZoom: 12,
      maxZoom: 19,
      maxBounds: cityBounds.pad(0.5),
      maxBoundsViscosity: 0.8,
    }).setView([c.center[1], c.center[0]], c.zoom);

    // Base map: optional. Tile errors only produce a notice; data layers never wait for it.
    if (config.basemap && config.basemap.url) {
      const base = L.tileLayer(config.basemap.url, {
        attribution: config.basemap.attribution || '', maxNativeZoom: 18, maxZoom: 19,
      });
      let warned = false;
      base.on('tileerror', () => {
        if (!warned) { warned = true; setStatus('basemap', '背景地図を取得できません（下水道台帳の表示には影響しません）'); }
      });
      base.addTo(map);
    }
    for (const line of config.attribution || []) map.attributionControl.addAttribution(escapeHTML(line));
    L.control.scale({ imperial: false, position: 'bottomleft' }).addTo(map);
    legendControl().addTo(map);

    map.createPane('highlight').style.zIndex = 450;
    map.createPane('manholes').style.zIndex = 460;

    const pipes = L.geoJSON(null, {
      interactive: false, // clicks go to the map → nearest pipe
      style: (f) => ({ color: colorOf(f.properties.system), weight: pipeWeight(f.properties), opacity: 0.9 }),
    }).addTo(map);

    const manholeRenderer = L.canvas({ pane: 'manholes', tolerance: 4 });
    const manholes = L.geoJSON(null, {
      pointToLayer: (f, ll) => L.circleMarker(ll, {
        renderer: manholeRenderer, pane: 'manholes', radius: 4, weight: 1.5,
        color: colorOf(f.properties.system), fillColor: '#fff', fillOpacity: 1, bubblingMouseEvents: false,
      }),
      onEachFeature: (f, layer) => layer.on('click', () => selectFeature('manholes', f.properties.mh_no, f)),
    }).addTo(map);

    const highlight = L.geoJSON(null, {
      pane: 'highlight',
      interactive: false,
      renderer: L.svg({ pane: 'highlight' }),
      pointToLayer: (f, ll) => L.circleMarker(ll, { radius: 10, pane: 'highlight' }),
      style: (f) => (f.geometry.type === 'Point'
        ? { color: HIGHLIGHT_COLOR, weight: 3, fill: false }
        : { color: HIGHLIGHT_COLOR, weight: 10, opacity: 0.5, lineCap: 'round' }),
    }).addTo(map);

    state = { config, cityBounds, pipes, manholes, highlight };

    const pipeLoader = makeLoader('pipes', pipes, PIPE_MIN_ZOOM, '拡大すると管路を表示します');
    const manholeLoader = makeLoader('manholes', manholes, MANHOLE_MIN_ZOOM, '');
    let timer = null;
    const refresh = () => { pipeLoader(); manholeLoader(); };
    map.on('moveend', () => { clearTimeout(timer); timer = setTimeout(refresh, 250); });
    refresh();

    // Single click → nearest pipe; a double click (zoom) cancels it.
    let clickTimer = null;
    map.on('click', (e) => { clearTimeout(clickTimer); clickTimer = setTimeout(() => showNearest(e.latlng), 250); });
    map.on('dblclick', () => clearTimeout(clickTimer));

    // Links inside popups (captured, because popups stop click propagation).
    document.addEventListener('click', (e) => {
      const btn = e.target.closest && e.target.closest('.link-btn[data-kind]');
      if (btn) { e.preventDefault(); selectFeature(btn.dataset.kind, btn.dataset.no); }
    }, true);

    const sync = (printing) => { document.body.classList.toggle('printing', printing); map.invalidateSize(false); };
    window.addEventListener('beforeprint', () => {
      setPrintDate();
      document.querySelectorAll('.legend details').forEach((d) => { d.open = true; });
      sync(true);
    });
    window.addEventListener('afterprint', () => sync(false));
  }

  function legendControl() {
    const Legend = L.Control.extend({
      options: { position: 'bottomright' },
      onAdd() {
        const div = L.DomUtil.create('div', 'legend');
        const item = (sym, text) => `<li>${sym}<span>${text}</span></li>`;
        const line = (color, w) => `<span class="lg-line" style="background:${color};height:${w}px"></span>`;
        div.innerHTML = `<details${window.matchMedia('(max-width: 600px)').matches ? '' : ' open'}>` +
          '<summary>凡例</summary><ul>' +
          Object.entries(SYSTEM_COLORS).map(([name, color]) => item(line(color, 4), `${name}管渠`)).join('') +
          item('<span class="lg-mh"></span>', `人孔（ズーム${MANHOLE_MIN_ZOOM}以上で表示）`) +
          item(line(HIGHLIGHT_COLOR, 8), '選択中の管渠') +
          '</ul><p class="lg-note">線の太さは管径の目安</p></details>';
        L.DomEvent.disableClickPropagation(div);
        L.DomEvent.disableScrollPropagation(div);
        return div;
      },
    });
    return new Legend();
  }

  function intersect(a, b) {
    const s = Math.max(a.getSouth(), b.getSouth()), w = Math.max(a.getWest(), b.getWest());
    const n = Math.min(a.getNorth(), b.getNorth()), e = Math.min(a.getEast(), b.getEast());
    return s <= n && w <= e ? L.latLngBounds([s, w], [n, e]) : null;
  }

  const bboxParam = (b) => [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map((v) => v.toFixed(6)).join(',');

  /**
   * Keeps `group` filled with the features of `layer` around the view. Loads a padded
   * box, skips the request when the view is still inside a completely loaded box, and
   * aborts a request made stale by a newer move.
   */
  function makeLoader(layer, group, minZoom, hint) {
    let loaded = null; // bounds fully loaded
    let controller = null;
    return async function update() {
      if (map.getZoom() < minZoom) {
        if (controller) { controller.abort(); controller = null; }
        group.clearLayers(); loaded = null;
        $('map').dataset[layer] = '0';
        setStatus(layer, hint);
        return;
      }
      const view = intersect(map.getBounds(), state.cityBounds);
      if (!view || (loaded && loaded.contains(view))) return;
      let box = intersect(map.getBounds().pad(0.3), state.cityBounds);
      if (controller) controller.abort();
      controller = new AbortController();
      const { signal } = controller;
      loading(+1);
      try {
        const params = { layer, bbox: bboxParam(box), limit: PAGE_SIZE };
        let first = await fetchJSON(api('sewer/search', { ...params, offset: 0 }), signal);
        if ((first.numberMatched ?? 0) > PAGE_SIZE * MAX_PAGES) {
          // Too many around the view: load just the view itself.
          box = view;
          params.bbox = bboxParam(box);
          first = await fetchJSON(api('sewer/search', { ...params, offset: 0 }), signal);
        }
        const matched = first.numberMatched ?? first.features.length;
        const pages = Math.min(MAX_PAGES, Math.ceil(matched / PAGE_SIZE));
        const rest = await Promise.all(Array.from({ length: Math.max(0, pages - 1) }, (_, i) =>
          fetchJSON(api('sewer/search', { ...params, offset: (i + 1) * PAGE_SIZE }), signal)));
        const features = first.features.concat(...rest.map((r) => r.features));
        if (signal.aborted) return;
        group.clearLayers();
        group.addData(features);
        const complete = features.length >= matched;
        loaded = complete ? box : null;
        $('map').dataset[layer] = String(features.length);
        setStatus(layer, complete ? ''
          : `表示範囲の${layer === 'pipes' ? '管渠' : '人孔'} ${matched} 件のうち ${features.length} 件を表示しています。拡大すると全件表示されます。`);
      } catch (e) {
        if (!isAbort(e)) setStatus(layer, `下水道台帳を読み込めません: ${e.message}`, true);
      } finally {
        loading(-1);
      }
    };
  }

  function setHighlight(f, popup) {
    state.highlight.clearLayers();
    state.highlight.addData(f);
    popup.once('remove', () => { if (state.highlightOwner === popup) state.highlight.clearLayers(); });
    state.highlightOwner = popup;
  }

  let nearestCtl = null;
  async function showNearest(latlng) {
    if (nearestCtl) nearestCtl.abort();
    nearestCtl = new AbortController();
    const { signal } = nearestCtl;
    const popup = L.popup(popupOptions()).setLatLng(latlng)
      .setContent('<p class="popup-loading">最寄りの管渠を検索しています…</p>').openOn(map);
    try {
      const fc = await fetchJSON(api('sewer/nearest', {
        lon: latlng.lng.toFixed(7), lat: latlng.lat.toFixed(7), layer: 'pipes', k: 1,
      }), signal);
      if (!popup.isOpen()) return;
      const f = fc.features && fc.features[0];
      if (!f) { popup.setContent(errorHTML('付近に管渠がありません。')); return; }
      popup.setContent(featureHTML(f, f.properties.distance_m));
      setHighlight(f, popup);
    } catch (e) {
      if (isAbort(e) || !popup.isOpen()) return;
      const outside = !state.cityBounds.contains(latlng);
      popup.setContent(errorHTML(e.message, outside ? `${state.config.city.name}の区域外の地点です` : undefined));
    }
  }

  /** Zooms to a pipe or manhole and opens its popup (with connections from the detail API). */
  let selectCtl = null;
  async function selectFeature(kind, no, known) {
    if (!map || !no) return;
    if (selectCtl) selectCtl.abort();
    selectCtl = new AbortController();
    let f = known;
    try {
      f = await fetchJSON(api(`sewer/${kind}/${encodeURIComponent(no)}`), selectCtl.signal);
    } catch (e) {
      if (isAbort(e)) return;
      if (!known) { setStatus('select', `${no}: ${e.message}`, true); return; }
    }
    setStatus('select', '');
    const b = L.geoJSON(f).getBounds();
    // Move only when the feature is not already well in view.
    if (map.getZoom() < 16 || !map.getBounds().pad(-0.1).contains(b)) {
      map.fitBounds(b, { maxZoom: 18, padding: [60, 60], animate: false });
    }
    const popup = L.popup(popupOptions()).setLatLng(anchorOf(f)).setContent(featureHTML(f)).openOn(map);
    setHighlight(f, popup);
  }

  // ---------- search ----------

  let searchCtl = null;
  async function runSearch() {
    const q = $('search-q').value.trim();
    const list = $('search-results');
    const summary = $('search-summary');
    const message = (text, cls) => { list.innerHTML = `<li class="${cls}">${escapeHTML(text)}</li>`; };
    $('search-panel').hidden = false;
    summary.textContent = '';
    if (!q) { message('番号を入力してください。', 'result-empty'); return; }
    if (searchCtl) searchCtl.abort();
    searchCtl = new AbortController();
    message('検索中…', 'result-loading');
    try {
      const fc = await fetchJSON(api('sewer/search', { q, limit: SEARCH_LIMIT }), searchCtl.signal);
      const feats = fc.features || [];
      if (!feats.length) { message('該当なし', 'result-empty'); return; }
      const matched = fc.numberMatched ?? feats.length;
      summary.textContent = matched > feats.length
        ? `${matched} 件中 ${feats.length} 件を表示（番号を続けて入力すると絞り込めます）` : `${matched} 件`;
      list.replaceChildren(...feats.map((f) => {
        const p = f.properties;
        const li = document.createElement('li');
        const btn = document.createElement('button');
        btn.type = 'button';
        btn.className = 'result-item';
        btn.dataset.no = numberOf(f);
        const meta = isPipe(f) ? [p.system, sizeRow(p)[1]] : [p.system, p.type];
        btn.innerHTML = `<span class="swatch" style="background:${colorOf(p.system)}"></span>` +
          `<span class="result-kind">${isPipe(f) ? '管渠' : '人孔'}</span>` +
          `<span class="result-no">${escapeHTML(numberOf(f))}</span>` +
          `<span class="result-meta">${escapeHTML(meta.filter((x) => x && x !== dash).join('・'))}</span>`;
        btn.addEventListener('click', () => {
          list.querySelectorAll('[aria-current]').forEach((x) => x.removeAttribute('aria-current'));
          btn.setAttribute('aria-current', 'true');
          if (window.matchMedia('(max-width: 600px)').matches) $('search-panel').hidden = true;
          selectFeature(isPipe(f) ? 'pipes' : 'manholes', numberOf(f), f);
        });
        li.append(btn);
        return li;
      }));
      const exact = feats.filter((f) => numberOf(f).toUpperCase() === q.toUpperCase());
      if (exact.length === 1) list.querySelector(`.result-item[data-no="${CSS.escape(numberOf(exact[0]))}"]`).click();
    } catch (e) {
      if (!isAbort(e)) message(e.message, 'result-error');
    }
  }

  // ---------- page ----------

  function setPrintDate() {
    const d = new Date();
    let text;
    try {
      text = d.toLocaleDateString('ja-JP-u-ca-japanese', { era: 'long', year: 'numeric', month: 'long', day: 'numeric' });
    } catch { text = d.toLocaleDateString('ja-JP'); }
    $('print-date').textContent = text;
  }

  function applyConfig(config) {
    const name = config.city && config.city.name ? config.city.name : '';
    const title = `${name} 下水道台帳 閲覧`.trim();
    document.title = title;
    $('app-title').textContent = title;
    $('print-title').textContent = title;
    if (name) document.querySelectorAll('.gate-city').forEach((el) => { el.textContent = name; });
  }

  function setupGate(onAgree) {
    const gate = $('gate');
    const app = $('app');
    const open = () => { gate.hidden = true; app.inert = false; app.removeAttribute('aria-hidden'); onAgree(); };
    if (hasAgreed()) { open(); return; }
    gate.hidden = false;
    app.inert = true;
    app.setAttribute('aria-hidden', 'true');
    $('agree').focus();
    $('agree').addEventListener('click', () => {
      try { sessionStorage.setItem(AGREE_KEY, '1'); } catch { /* private mode: agree for this page only */ }
      document.documentElement.classList.add('agreed');
      document.documentElement.classList.remove('refused');
      $('gate-refused').hidden = true;
      open();
    });
    $('disagree').addEventListener('click', () => {
      document.documentElement.classList.add('refused');
      $('gate-refused').hidden = false;
    });
  }

  document.addEventListener('DOMContentLoaded', () => {
    setPrintDate();
    const configP = fetchJSON(api('config'));
    configP.then(applyConfig, () => {});
    $('search-form').addEventListener('submit', (e) => { e.preventDefault(); runSearch(); });
    $('search-close').addEventListener('click', () => { $('search-panel').hidden = true; });
    setupGate(() => {
      if (map) return;
      configP.then((config) => initMap(config))
        .catch((e) => setStatus('config', `設定を読み込めません: ${e.message}`, true));
    });
  });
})();
