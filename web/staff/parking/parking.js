/*
 * MachiGIS 違法・迷惑駐車 案件管理 (staff page for road-traffic staff).
 * Plain JS + Leaflet + Leaflet.markercluster, all served locally. No build step.
 *
 * Sign-in: session cookie (HttpOnly) + CSRF token kept in sessionStorage and sent as
 * X-CSRF-Token on every state-changing request.
 */
'use strict';

(() => {
  const CSRF_KEY = 'machigis.csrf';
  const USER_KEY = 'machigis.user';
  const JST_MS = 9 * 3600 * 1000;
  const LIST_PAGE = 50;
  const MAP_PAGE = 200;
  const MAP_MAX_PAGES = 10;
  const STATUS_LABELS = {
    open: '未対応', in_progress: '対応中', resolved: '解決済', duplicate: '重複', not_actionable: '対応不要',
  };
  // Workflow: which status a case may move to from each status (final ones have none).
  const TRANSITIONS = {
    open: ['in_progress', 'resolved', 'duplicate', 'not_actionable'],
    in_progress: ['open', 'resolved', 'duplicate', 'not_actionable'],
    resolved: [], duplicate: [], not_actionable: [],
  };
  const STATUS_BUTTON_TEXT = { open: '未対応に戻す' };
  const FINAL = new Set(['resolved', 'duplicate', 'not_actionable']);
  const FIELD_LABELS = {
    name: '名前', password: 'パスワード', geometry: '位置', coordinates: '位置', observed_at: '確認日時',
    accuracy_m: '位置の精度', address: '場所の目印・住所', category: '種別', vehicle_type: '車種', plate: 'ナンバー',
    duration_min: '駐車時間', notes: 'メモ', status: '状態', duplicate_of: '重複元の案件ID', assignee: '担当者',
    reported_at: '登録日時', created_by: '登録者', updated_at: '更新日時', version: '版', bbox: '範囲',
    from: '期間（開始）', to: '期間（終了）', q: 'キーワード', limit: '件数', offset: '開始位置', cell: 'メッシュ',
    'Idempotency-Key': '再送キー', 'If-Match': '版',
  };
  // Form field for a problem's `parameter`, so the user sees which input is at fault.
  const FIELD_INPUTS = {
    name: 'login-name', password: 'login-password', observed_at: 'case-observed', category: 'case-category',
    vehicle_type: 'case-vehicle', plate: 'case-plate', duration_min: 'case-duration', notes: 'case-notes',
    address: 'case-address', geometry: 'case-map', coordinates: 'case-map', accuracy_m: 'case-map',
  };
  const WEEKDAYS = ['月', '火', '水', '木', '金', '土', '日'];
  const HOT_COLORS = ['#eff3ff', '#bdd7e7', '#6baed6', '#3182bd', '#08519c'];

  const $ = (id) => document.getElementById(id);
  const dash = '—';

  const app = {
    config: null,
    user: null,
    tab: null,
    pick: null,      // 登録 map state
    casesMap: null,  // 地図 tab state
    hot: null,       // ホットスポット tab state
    pending: null,   // { body, key } of a submission that may be retried
    list: { items: [], matched: 0, offset: 0, stale: true, ctl: null },
    mapStale: true,
    hotStale: true,
    detail: null,    // { id, feature, etag }
    busy: false,
  };

  // ---------- small helpers ----------

  function escapeHTML(v) {
    return String(v).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));
  }
  const pad = (n) => String(n).padStart(2, '0');
  const isAbort = (e) => e && e.name === 'AbortError';

  /** Calendar fields of an instant in Japan time, whatever the device's time zone. */
  function jstParts(date) {
    const d = new Date(date.getTime() + JST_MS);
    return {
      y: d.getUTCFullYear(), mo: pad(d.getUTCMonth() + 1), d: pad(d.getUTCDate()),
      h: pad(d.getUTCHours()), mi: pad(d.getUTCMinutes()), s: pad(d.getUTCSeconds()),
    };
  }
  /** "2026-11-22T13:05:00+09:00" → "2026/11/22 13:05" (Japan time). */
  function fmtJST(iso) {
    if (!iso) return dash;
    const t = new Date(iso);
    if (Number.isNaN(t.getTime())) return String(iso);
    const p = jstParts(t);
    return `${p.y}/${p.mo}/${p.d} ${p.h}:${p.mi}`;
  }
  const isoJST = (date) => { const p = jstParts(date); return `${p.y}-${p.mo}-${p.d}T${p.h}:${p.mi}:${p.s}+09:00`; };
  const inputNowJST = () => { const p = jstParts(new Date()); return `${p.y}-${p.mo}-${p.d}T${p.h}:${p.mi}`; };
  /** datetime-local value (read as Japan time) → ISO with +09:00. */
  function inputToISO(v) {
    const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})(:\d{2})?/.exec(v || '');
    return m ? `${m[1]}T${m[2]}${m[3] || ':00'}+09:00` : null;
  }
  /** Start of a period filter value: "today" → today 0:00 JST, "30" → 30 days ago. */
  function periodFrom(v) {
    if (!v) return undefined;
    if (v === 'today') { const p = jstParts(new Date()); return `${p.y}-${p.mo}-${p.d}T00:00:00+09:00`; }
    return isoJST(new Date(Date.now() - Number(v) * 86400000));
  }

  function uuid() {
    if (window.crypto && typeof crypto.randomUUID === 'function') return crypto.randomUUID();
    // crypto.randomUUID needs a secure context; plain http inside the city network falls back here.
    const b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40; b[8] = (b[8] & 0x3f) | 0x80;
    const h = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }

  const statusLabel = (s) => STATUS_LABELS[s] || s || dash;
  const statusClass = (s) => (STATUS_LABELS[s] ? `status-${s}` : 'status-other');
  function badge(s) { return `<span class="badge ${statusClass(s)}">${escapeHTML(statusLabel(s))}</span>`; }
  function fieldName(parameter) {
    if (!parameter) return '';
    const parts = String(parameter).split(/[./[\]]+/).filter(Boolean);
    return parts.length ? parts[parts.length - 1] : String(parameter);
  }

  function store(key, value) {
    try { if (value === null) sessionStorage.removeItem(key); else sessionStorage.setItem(key, value); } catch { /* private mode */ }
  }
  function load(key) { try { return sessionStorage.getItem(key); } catch { return null; } }

  /** Global status line: one message per topic. */
  const statusParts = new Map();
  function setStatus(topic, msg, isError = false) {
    if (msg) statusParts.set(topic, { msg, isError }); else statusParts.delete(topic);
    const el = $('status');
    el.textContent = [...statusParts.values()].map((p) => p.msg).join(' ／ ');
    el.classList.toggle('error', [...statusParts.values()].some((p) => p.isError));
  }

  function showBox(el, html, isText = false) {
    if (html === null || html === undefined || html === '') { el.hidden = true; el.textContent = ''; return; }
    if (isText) el.textContent = html; else el.innerHTML = html;
    el.hidden = false;
  }

  // ---------- HTTP ----------

  const JP_BY_STATUS = {
    400: '入力内容に誤りがあります', 401: 'ログインが必要です', 403: 'この操作を行う権限がありません',
    404: '見つかりません', 409: 'この状態には変更できません', 412: '他の職員が先に更新しました',
    413: 'データが大きすぎます', 415: '送信形式が正しくありません', 422: '入力内容に誤りがあります',
    428: '版の指定がありません。案件を開き直してください', 429: '試行回数が多すぎます。しばらく待ってから再度お試しください',
  };

  class ApiError extends Error {
    constructor(status, problem) {
      const p = problem && typeof problem === 'object' ? problem : {};
      const field = fieldName(p.parameter);
      const jp = JP_BY_STATUS[status] || (status >= 500 ? 'サーバーでエラーが発生しました' : `エラーが発生しました (HTTP ${status})`);
      const where = field ? `（項目: ${FIELD_LABELS[field] || field}）` : '';
      const detail = p.detail || p.title || '';
      super(`${jp}${where}${detail ? `: ${detail}` : ''}`);
      this.status = status;
      this.problem = p;
      this.field = field;
    }
  }

  function apiURL(path, params = {}) {
    const url = new URL('../../api/' + path, document.baseURI);
    for (const [k, v] of Object.entries(params)) {
      if (v !== undefined && v !== null && v !== '') url.searchParams.set(k, v);
    }
    return url;
  }

  /**
   * fetch with the session cookie and CSRF header. Resolves to { data, res }; non-2xx answers
   * throw ApiError (message from the problem's detail), a failed connection throws an Error
   * with `network = true`. A 401 (or a CSRF refusal) outside the login form ends the session.
   */
  async function request(method, path, opts = {}) {
    const headers = { Accept: 'application/geo+json, application/json', ...(opts.headers || {}) };
    if (opts.body !== undefined) headers['Content-Type'] = opts.contentType || 'application/json';
    if (method !== 'GET' && method !== 'HEAD') {
      const token = load(CSRF_KEY);
      if (token) headers['X-CSRF-Token'] = token;
    }
    let res;
    try {
      res = await fetch(apiURL(path, opts.params), {
        method, headers, body: opts.body, signal: opts.signal, credentials: 'same-origin', cache: 'no-store',
      });
    } catch (e) {
      if (isAbort(e)) throw e;
      const err = new Error('サーバーに接続できません。通信状態を確認してください。');
      err.network = true;
      throw err;
    }
    let data = null;
    if (res.status !== 204) {
      try { data = await res.json(); } catch (e) { if (isAbort(e)) throw e; }
    }
    if (!res.ok) {
      const err = new ApiError(res.status, data);
      const csrfRefused = res.status === 403 && /csrf/i.test(`${err.problem.title || ''} ${err.problem.detail || ''}`);
      if (!opts.authCall && (res.status === 401 || csrfRefused)) sessionLost();
      throw err;
    }
    return { data, res };
  }

  // ---------- sign-in ----------

  function showLogin(message) {
    $('main-view').hidden = true;
    $('user-box').hidden = true;
    $('login-view').hidden = false;
    showBox($('login-error'), message || '', true);
    const name = load(USER_KEY);
    if (name && !$('login-name').value) $('login-name').value = name;
    ($('login-name').value ? $('login-password') : $('login-name')).focus();
  }

  function sessionLost() {
    if (!app.user) return;
    app.user = null;
    store(CSRF_KEY, null);
    // Forms keep their contents: after signing in again the same case can be resent.
    showLogin('ログインの有効期限が切れたか、ログアウトされました。もう一度ログインしてください。');
  }

  function enterApp(user) {
    app.user = user;
    store(USER_KEY, user.name);
    $('user-name').textContent = `${user.name} さん`;
    $('user-box').hidden = false;
    $('login-view').hidden = true;
    $('login-password').value = '';
    showBox($('login-error'), '');
    $('main-view').hidden = false;
    routeHash(true);
  }

  async function login(e) {
    e.preventDefault();
    const name = $('login-name').value.trim();
    const password = $('login-password').value;
    const err = $('login-error');
    if (!name || !password) {
      showBox(err, !name ? '名前を入力してください。' : 'パスワードを入力してください。', true);
      (!name ? $('login-name') : $('login-password')).focus();
      return;
    }
    const btn = $('login-btn');
    btn.disabled = true;
    btn.textContent = 'ログイン中…';
    showBox(err, '');
    try {
      const { data } = await request('POST', 'auth/login', { body: JSON.stringify({ name, password }), authCall: true });
      if (!data || !data.csrf_token) throw new Error('サーバーの応答を読み取れません。');
      store(CSRF_KEY, data.csrf_token);
      enterApp({ name: data.name || name, role: data.role });
    } catch (ex) {
      let msg = ex.message;
      if (ex.status === 401) msg = `名前またはパスワードが違います。${ex.problem && ex.problem.detail ? `（${ex.problem.detail}）` : ''}`;
      else if (ex.status === 429) msg = `ログインの失敗が続いたため、一時的にログインできません。しばらく待ってから再度お試しください。${ex.problem && ex.problem.detail ? `（${ex.problem.detail}）` : ''}`;
      showBox(err, msg, true);
      $('login-password').select();
    } finally {
      btn.disabled = false;
      btn.textContent = 'ログイン';
    }
  }

  async function logout() {
    try { await request('POST', 'auth/logout', { authCall: true }); } catch { /* signed out locally anyway */ }
    app.user = null;
    store(CSRF_KEY, null);
    resetAfterLogout();
    showLogin('ログアウトしました。');
    $('login-error').classList.add('info');
  }

  /** Nothing of the previous user's work stays on screen for the next one. */
  function resetAfterLogout() {
    $('case-form').reset();
    $('case-observed').value = inputNowJST();
    clearPoint();
    app.pending = null;
    showBox($('case-result'), ''); showBox($('case-duplicates'), ''); showBox($('case-error'), '');
    $('case-list').replaceChildren();
    $('list-summary').textContent = '';
    closeDetail();
    app.list.stale = true; app.mapStale = true; app.hotStale = true;
    if (app.casesMap) app.casesMap.cluster.clearLayers();
    if (app.hot) app.hot.layer.clearLayers();
    $('chart-hour').replaceChildren(); $('chart-weekday').replaceChildren(); $('hot-summary').textContent = '';
    history.replaceState(null, '', location.pathname + location.search);
  }

  async function checkSession() {
    try {
      const { data } = await request('GET', 'auth/me', { authCall: true });
      setStatus('auth', '');
      // Signed in, but this tab has no CSRF token (e.g. a new tab): sign in again for one.
      if (load(CSRF_KEY)) enterApp(data);
      else { if (data && data.name) $('login-name').value = data.name; showLogin(); }
    } catch (e) {
      setStatus('auth', '');
      if (e.network) setStatus('auth', e.message, true);
      showLogin();
    }
  }

  // ---------- tabs & routing ----------

  function showTab(name, push = true) {
    if (!['new', 'list', 'map', 'hot'].includes(name)) name = 'new';
    app.tab = name;
    document.querySelectorAll('#tabs .tab').forEach((t) => {
      const on = t.dataset.tab === name;
      t.setAttribute('aria-selected', String(on));
      t.tabIndex = on ? 0 : -1;
      $(t.getAttribute('aria-controls')).hidden = !on;
    });
    if (push && location.hash !== `#${name}`) history.replaceState(null, '', `#${name}`);
    if (name === 'new') ensurePickMap();
    if (name === 'list' && app.list.stale && $('case-detail').hidden) loadList(false);
    if (name === 'map') { ensureCasesMap(); if (app.mapStale) loadCasesMap(); }
    if (name === 'hot') { ensureHotMap(); if (app.hotStale) loadHotspots(); }
    for (const m of [app.pick, app.casesMap, app.hot]) if (m) m.map.invalidateSize(false);
  }

  /** #new, #list, #map, #hot, or #case/<id> (opens that case). */
  function routeHash(initial) {
    if (!app.user) return;
    const h = decodeURIComponent(location.hash.slice(1));
    const m = /^case\/(.+)$/.exec(h);
    if (m) { openCase(m[1]); return; }
    showTab(h || (initial ? 'new' : app.tab || 'new'), false);
  }

  // ---------- maps ----------

  function baseMap(el, opts = {}) {
    const c = app.config.city;
    const [minLon, minLat, maxLon, maxLat] = c.extent;
    const cityBounds = L.latLngBounds([minLat, minLon], [maxLat, maxLon]);
    const map = L.map(el, { minZoom: 12, maxZoom: 19, maxBounds: cityBounds.pad(0.5), maxBoundsViscosity: 0.8, ...opts })
      .setView([c.center[1], c.center[0]], c.zoom);
    if (app.config.basemap && app.config.basemap.url) {
      const base = L.tileLayer(app.config.basemap.url, {
        attribution: app.config.basemap.attribution || '', maxNativeZoom: 18, maxZoom: 19,
      });
      let warned = false;
      base.on('tileerror', () => {
        if (!warned) { warned = true; setStatus('basemap', '背景地図を取得できません（登録・一覧の操作には影響しません）'); }
      });
      base.addTo(map);
    }
    L.control.scale({ imperial: false, position: 'bottomleft' }).addTo(map);
    // The city's outline box helps to see where cases can be placed.
    L.rectangle(cityBounds, { color: '#00549a', weight: 1, dashArray: '4 4', fill: false, interactive: false }).addTo(map);
    return { map, cityBounds };
  }

  function ensurePickMap() {
    if (app.pick || !app.config) return;
    const { map, cityBounds } = baseMap('case-map');
    map.setZoom(Math.min(18, app.config.city.zoom + 1));
    app.pick = { map, cityBounds, marker: null, circle: null, latlng: null, accuracy: null };
    map.on('click', (e) => setPoint(e.latlng, null));
  }

  function setPoint(latlng, accuracy) {
    const p = app.pick;
    p.latlng = L.latLng(latlng.lat, latlng.lng);
    p.accuracy = accuracy;
    if (!p.marker) {
      p.marker = L.marker(p.latlng, { draggable: true, autoPan: true, title: '登録する位置', alt: '登録する位置' }).addTo(p.map);
      // A dragged point no longer has the GPS accuracy.
      p.marker.on('dragend', () => setPoint(p.marker.getLatLng(), null));
    } else {
      p.marker.setLatLng(p.latlng);
    }
    if (p.circle) { p.circle.remove(); p.circle = null; }
    if (accuracy) {
      p.circle = L.circle(p.latlng, { radius: accuracy, color: '#1565c0', weight: 1, fillOpacity: 0.12, interactive: false }).addTo(p.map);
    }
    showPosition();
    $('case-map').classList.remove('invalid');
    if ($('case-error').dataset.field === 'case-map') showBox($('case-error'), '');
  }

  function clearPoint() {
    const p = app.pick;
    if (!p) return;
    if (p.marker) { p.marker.remove(); p.marker = null; }
    if (p.circle) { p.circle.remove(); p.circle = null; }
    p.latlng = null; p.accuracy = null;
    showPosition();
  }

  function showPosition() {
    const p = app.pick;
    const el = $('case-position');
    if (!p || !p.latlng) { el.textContent = '位置：未指定'; el.classList.remove('warn'); return; }
    const { lat, lng } = p.latlng;
    const acc = p.accuracy ? `（精度 ±${p.accuracy} m）` : '';
    const outside = !p.cityBounds.contains(p.latlng);
    el.textContent = `位置：緯度 ${lat.toFixed(6)}、経度 ${lng.toFixed(6)}${acc}${outside ? ' ※市域の外の可能性があります' : ''}`;
    el.dataset.lon = lng.toFixed(7);
    el.dataset.lat = lat.toFixed(7);
    el.classList.toggle('warn', outside);
  }

  function locate() {
    const btn = $('case-locate');
    const err = $('case-error');
    if (!navigator.geolocation) {
      showBox(err, 'この端末では現在地を取得できません。地図をタップして位置を指定してください。', true);
      return;
    }
    btn.disabled = true;
    btn.textContent = '取得中…';
    navigator.geolocation.getCurrentPosition((pos) => {
      btn.disabled = false; btn.textContent = '現在地';
      showBox(err, '');
      const ll = L.latLng(pos.coords.latitude, pos.coords.longitude);
      setPoint(ll, Math.max(1, Math.round(pos.coords.accuracy)));
      app.pick.map.setView(ll, Math.max(app.pick.map.getZoom(), 17));
    }, (e) => {
      btn.disabled = false; btn.textContent = '現在地';
      const msg = e.code === 1
        ? '位置情報の利用が許可されていません（HTTPS での接続と、ブラウザの位置情報の許可が必要です）。'
        : e.code === 3 ? '現在地の取得に時間がかかっています。' : '現在地を取得できませんでした。';
      showBox(err, `${msg}地図をタップして位置を指定してください。`, true);
    }, { enableHighAccuracy: true, timeout: 20000, maximumAge: 0 });
  }

  // ---------- (1) 登録 ----------

  function markInvalid(id) {
    document.querySelectorAll('#case-form .invalid, #case-map.invalid').forEach((x) => x.classList.remove('invalid'));
    document.querySelectorAll('#case-form [aria-invalid]').forEach((x) => x.removeAttribute('aria-invalid'));
    if (!id) return;
    const el = $(id);
    if (!el) return;
    el.classList.add('invalid');
    if (el.tagName !== 'DIV') el.setAttribute('aria-invalid', 'true');
    el.scrollIntoView({ block: 'center' });
    if (el.focus && el.tagName !== 'DIV') el.focus({ preventScroll: true });
  }

  function caseFeature() {
    const p = app.pick;
    if (!p || !p.latlng) return { error: '地図をタップするか「現在地」を押して、位置を指定してください。', field: 'case-map' };
    const category = $('case-category').value;
    if (!category) return { error: '種別を選択してください。', field: 'case-category' };
    const vehicle = $('case-vehicle').value;
    if (!vehicle) return { error: '車種を選択してください。', field: 'case-vehicle' };
    const observed = inputToISO($('case-observed').value);
    if (!observed) return { error: '確認日時を入力してください。', field: 'case-observed' };
    if (new Date(observed).getTime() > Date.now() + 5 * 60000) return { error: '確認日時が未来になっています。', field: 'case-observed' };
    const props = { observed_at: observed, category, vehicle_type: vehicle };
    if (p.accuracy) props.accuracy_m = p.accuracy;
    const durationText = $('case-duration').value.trim();
    if (durationText) {
      const d = Number(durationText);
      if (!Number.isInteger(d) || d < 0 || d > 10080) return { error: '駐車時間は 0〜10080 分の整数で入力してください。', field: 'case-duration' };
      props.duration_min = d;
    } else if ($('case-duration').validity && $('case-duration').validity.badInput) {
      return { error: '駐車時間は数字で入力してください。', field: 'case-duration' };
    }
    for (const [id, key] of [['case-plate', 'plate'], ['case-address', 'address'], ['case-notes', 'notes']]) {
      const v = $(id).value.trim();
      if (v) props[key] = v;
    }
    return {
      feature: {
        type: 'Feature',
        geometry: { type: 'Point', coordinates: [Number(p.latlng.lng.toFixed(7)), Number(p.latlng.lat.toFixed(7))] },
        properties: props,
      },
    };
  }

  async function submitCase(e) {
    e.preventDefault();
    if (app.busy) return;
    const err = $('case-error');
    const out = caseFeature();
    if (out.error) { showBox(err, out.error, true); err.dataset.field = out.field; markInvalid(out.field); return; }
    markInvalid(null);
    showBox(err, '');
    const body = JSON.stringify(out.feature);
    // Same content as a submission whose answer was lost → same key, so the server
    // answers with the case it already made instead of making a second one.
    if (!app.pending || app.pending.body !== body) app.pending = { body, key: uuid() };
    const btn = $('case-submit');
    app.busy = true;
    btn.disabled = true;
    btn.textContent = '送信中…';
    showBox($('case-result'), '');
    showBox($('case-duplicates'), '');
    try {
      const { data } = await request('POST', 'parking/incidents', {
        body, contentType: 'application/geo+json', headers: { 'Idempotency-Key': app.pending.key },
      });
      app.pending = null;
      caseCreated(data);
    } catch (ex) {
      const retryable = ex.network || ex.status >= 500 || ex.status === 401 || (ex.status === 403 && !ex.field);
      if (!retryable) app.pending = null;
      let msg = ex.message;
      if (ex.network || ex.status >= 500) msg += ' もう一度「登録する」を押すと同じ内容で再送します（二重に登録されることはありません）。';
      showBox(err, msg, true);
      err.dataset.field = FIELD_INPUTS[ex.field] || '';
      if (ex.field && FIELD_INPUTS[ex.field]) markInvalid(FIELD_INPUTS[ex.field]);
    } finally {
      app.busy = false;
      btn.disabled = false;
      btn.textContent = '登録する';
    }
  }

  function caseCreated(f) {
    const id = f && f.id;
    const p = (f && f.properties) || {};
    const result = $('case-result');
    result.dataset.id = id || '';
    showBox(result,
      `<strong>登録しました。</strong> 案件ID: <a id="case-result-id" class="mono" href="#case/${encodeURIComponent(id)}">${escapeHTML(id)}</a>` +
      `<br>${escapeHTML(p.category || '')}・${escapeHTML(p.vehicle_type || '')}・確認 ${escapeHTML(fmtJST(p.observed_at))}・状態 ${badge(p.status || 'open')}`);
    const dups = Array.isArray(f && f.possible_duplicates) ? f.possible_duplicates : [];
    if (dups.length) {
      showBox($('case-duplicates'),
        '<strong>近くに未対応の案件があります</strong>（30 m 以内・過去7日間）。同じ車両であれば、どちらかを「重複」にしてください。<ul>' +
        dups.map((d) => `<li><a class="dup-link" href="#case/${encodeURIComponent(d.id)}" data-id="${escapeHTML(d.id)}">` +
          `${escapeHTML(d.category || '')} ${escapeHTML(fmtJST(d.observed_at))}</a>` +
          ` 約 ${Math.round(Number(d.distance_m) || 0)} m <span class="mono small">${escapeHTML(d.id)}</span></li>`).join('') +
        '</ul>');
    }
    // Ready for the next case; keep category and vehicle type only if the officer wants them again.
    for (const id2 of ['case-plate', 'case-duration', 'case-notes', 'case-address']) $(id2).value = '';
    $('case-category').value = '';
    $('case-vehicle').value = '';
    $('case-observed').value = inputNowJST();
    clearPoint();
    app.list.stale = true; app.mapStale = true; app.hotStale = true;
    result.scrollIntoView({ block: 'nearest' });
  }

  // ---------- (2) 一覧 ----------

  function listParams() {
    return {
      status: $('filter-status').value,
      category: $('filter-category').value,
      from: periodFrom($('filter-period').value),
      q: $('filter-q').value.trim(),
    };
  }

  async function loadList(append) {
    const L_ = app.list;
    if (L_.ctl) L_.ctl.abort();
    L_.ctl = new AbortController();
    const { signal } = L_.ctl;
    const offset = append ? L_.items.length : 0;
    const summary = $('list-summary');
    summary.classList.remove('error');
    summary.textContent = '読み込み中…';
    $('list-more').hidden = true;
    try {
      const { data } = await request('GET', 'parking/incidents', { params: { ...listParams(), limit: LIST_PAGE, offset }, signal });
      const feats = (data && data.features) || [];
      L_.items = append ? L_.items.concat(feats) : feats;
      L_.matched = data.numberMatched ?? L_.items.length;
      L_.stale = false;
      renderList(append ? feats : L_.items, append);
      summary.textContent = L_.matched ? `${L_.matched} 件${L_.matched > L_.items.length ? `（${L_.items.length} 件を表示）` : ''}` : '該当する案件はありません。';
      $('list-more').hidden = !(L_.matched > L_.items.length && feats.length > 0);
    } catch (e) {
      if (isAbort(e)) return;
      summary.textContent = `一覧を読み込めません: ${e.message}`;
      summary.classList.add('error');
    }
  }

  function caseItemHTML(f) {
    const p = f.properties || {};
    const sub = [p.vehicle_type, p.plate, p.duration_min != null ? `${p.duration_min}分` : null].filter(Boolean).map(escapeHTML).join('・');
    return `${badge(p.status)}<span class="ci-body"><span class="ci-main"><strong>${escapeHTML(p.category || dash)}</strong>` +
      `${sub ? `<span class="ci-sub"> ${sub}</span>` : ''}</span>` +
      `<span class="ci-meta">${escapeHTML(fmtJST(p.observed_at))}${p.address ? ` ・${escapeHTML(p.address)}` : ''}` +
      `${p.assignee ? ` ・担当 ${escapeHTML(p.assignee)}` : ''}</span></span><span class="ci-go" aria-hidden="true">›</span>`;
  }

  function renderList(feats, append) {
    const ul = $('case-list');
    const items = feats.map((f) => {
      const li = document.createElement('li');
      const btn = document.createElement('button');
      btn.type = 'button';
      btn.className = 'case-item';
      btn.dataset.id = f.id;
      btn.dataset.status = (f.properties && f.properties.status) || '';
      btn.innerHTML = caseItemHTML(f);
      btn.addEventListener('click', () => openCase(f.id));
      li.append(btn);
      return li;
    });
    if (append) ul.append(...items); else ul.replaceChildren(...items);
  }

  function updateListItem(f) {
    const i = app.list.items.findIndex((x) => x.id === f.id);
    if (i >= 0) app.list.items[i] = f;
    const btn = document.querySelector(`#case-list .case-item[data-id="${CSS.escape(f.id)}"]`);
    if (btn) { btn.innerHTML = caseItemHTML(f); btn.dataset.status = f.properties.status || ''; }
  }

  // ---------- detail ----------

  function closeDetail() {
    app.detail = null;
    $('case-detail').hidden = true;
    $('list-view').hidden = false;
  }

  async function openCase(id, message) {
    if (!id) return;
    if (app.tab !== 'list') showTab('list', false);
    if (location.hash !== `#case/${encodeURIComponent(id)}`) history.replaceState(null, '', `#case/${encodeURIComponent(id)}`);
    $('list-view').hidden = true;
    const sec = $('case-detail');
    sec.hidden = false;
    sec.dataset.id = id;
    sec.setAttribute('aria-busy', 'true');
    $('detail-id').textContent = id;
    if (!app.detail || app.detail.id !== id) {
      $('detail-status').textContent = '読み込み中…';
      $('detail-status').className = 'badge';
      $('detail-props').tBodies[0].replaceChildren();
      $('detail-actions').replaceChildren();
      $('detail-history').replaceChildren();
      $('detail-dup-form').hidden = true;
    }
    if (!message) showDetailMessage('', false);
    window.scrollTo({ top: 0 });
    try {
      const { data, res } = await request('GET', `parking/incidents/${encodeURIComponent(id)}`);
      if (sec.dataset.id !== id) return; // another case was opened meanwhile
      renderDetail(data, res.headers.get('ETag'));
      if (message) showDetailMessage(message, false);
    } catch (e) {
      if (sec.dataset.id !== id) return;
      $('detail-status').textContent = '—';
      showDetailMessage(e.status === 404 ? `案件 ${id} は見つかりません。` : `案件を読み込めません: ${e.message}`, true);
    } finally {
      sec.removeAttribute('aria-busy');
    }
  }

  function showDetailMessage(msg, isError) {
    const el = $('detail-message');
    el.classList.toggle('error-box', !!isError);
    el.classList.toggle('ok-box', !isError && !!msg);
    showBox(el, msg, true);
  }

  function renderDetail(f, etag) {
    const p = f.properties || {};
    app.detail = { id: f.id, feature: f, etag };
    $('detail-id').textContent = f.id;
    const st = $('detail-status');
    st.textContent = statusLabel(p.status);
    st.className = `badge ${statusClass(p.status)}`;
    st.dataset.status = p.status || '';

    const coords = f.geometry && f.geometry.coordinates;
    const rows = [
      ['種別', escapeHTML(p.category || dash)],
      ['車種', escapeHTML(p.vehicle_type || dash)],
      ['ナンバー', escapeHTML(p.plate || dash)],
      ['駐車時間', p.duration_min != null ? `${escapeHTML(p.duration_min)} 分` : dash],
      ['確認日時', escapeHTML(fmtJST(p.observed_at))],
      ['場所の目印・住所', escapeHTML(p.address || dash)],
      ['位置', coords ? `緯度 ${Number(coords[1]).toFixed(6)}<br>経度 ${Number(coords[0]).toFixed(6)}` +
        `${p.accuracy_m ? `<br>（精度 ±${escapeHTML(p.accuracy_m)} m）` : ''}` : dash],
      ['担当者', escapeHTML(p.assignee || dash)],
      ['メモ', p.notes ? `<span class="pre">${escapeHTML(p.notes)}</span>` : dash],
    ];
    if (p.duplicate_of) rows.push(['重複元', `<a href="#case/${encodeURIComponent(p.duplicate_of)}" class="mono">${escapeHTML(p.duplicate_of)}</a>`]);
    rows.push(['登録', `${escapeHTML(fmtJST(p.reported_at))} ${escapeHTML(p.created_by || '')}`]);
    rows.push(['最終更新', `${escapeHTML(fmtJST(p.updated_at))}${p.version != null ? `（第${escapeHTML(p.version)}版）` : ''}`]);
    $('detail-props').tBodies[0].innerHTML = rows.map(([k, v]) => `<tr><th scope="row">${k}</th><td>${v}</td></tr>`).join('');

    const next = TRANSITIONS[p.status] || [];
    const actions = $('detail-actions');
    actions.replaceChildren(...next.map((s) => {
      const b = document.createElement('button');
      b.type = 'button';
      b.className = `status-btn ${statusClass(s)}${FINAL.has(s) ? ' final' : ''}`;
      b.dataset.status = s;
      b.textContent = STATUS_BUTTON_TEXT[s] || statusLabel(s);
      b.addEventListener('click', () => {
        if (s === 'duplicate') { $('detail-dup-form').hidden = false; $('detail-duplicate-of').focus(); return; }
        changeStatus(s);
      });
      return b;
    }));
    if (!next.length) {
      const note = document.createElement('p');
      note.className = 'hint';
      note.textContent = `この案件は「${statusLabel(p.status)}」で完了しています。状態は変更できません。`;
      actions.append(note);
    }
    $('detail-final-note').hidden = !next.length;
    $('detail-dup-form').hidden = true;
    $('detail-assignee').value = p.assignee || '';
    $('detail-notes').value = p.notes || '';

    const hist = Array.isArray(f.history) ? f.history : []; // oldest first, as the server sends it
    $('detail-history').innerHTML = hist.length ? hist.map(historyHTML).join('') : '<li class="hint">履歴はありません。</li>';
    updateListItem(f);
  }

  // The server records create, update and status:<new status>.
  const ACTION_LABELS = { create: '登録', update: '更新' };

  function valueText(field, v) {
    if (v === null || v === undefined || v === '') return '（なし）';
    if (field === 'status') return statusLabel(v);
    if (/_at$/.test(field)) return fmtJST(v);
    if (typeof v === 'object') return JSON.stringify(v);
    return String(v);
  }

  function actionLabel(action) {
    const a = String(action || '');
    if (ACTION_LABELS[a]) return ACTION_LABELS[a];
    return a.startsWith('status:') ? '状態の変更' : a; // "status:in_progress"
  }

  function historyHTML(h) {
    const changes = h.changes && typeof h.changes === 'object' ? Object.entries(h.changes) : [];
    const list = changes.filter(([k]) => !['version', 'updated_at'].includes(k)).map(([k, v]) => {
      const [from, to] = Array.isArray(v) ? v : [null, v];
      return `<li><span class="h-field">${escapeHTML(FIELD_LABELS[k] || k)}</span>: ` +
        `${escapeHTML(valueText(k, from))} → <strong>${escapeHTML(valueText(k, to))}</strong></li>`;
    }).join('');
    return `<li class="history-item"><div class="h-head"><time datetime="${escapeHTML(h.at || '')}">${escapeHTML(fmtJST(h.at))}</time>` +
      ` <span class="h-action">${escapeHTML(actionLabel(h.action))}</span>` +
      ` <span class="h-user">${escapeHTML(h.user || '')}</span></div>${list ? `<ul class="h-changes">${list}</ul>` : ''}</li>`;
  }

  function setDetailBusy(on) {
    app.busy = on;
    document.querySelectorAll('#case-detail .status-btn, #detail-save, #detail-dup-confirm').forEach((b) => { b.disabled = on; });
  }

  /** PATCH with the version this page last saw; a newer version on the server answers 412. */
  async function patchCase(props, okMessage) {
    const d = app.detail;
    if (!d || app.busy) return;
    setDetailBusy(true);
    showDetailMessage('更新しています…', false);
    try {
      const headers = {};
      if (d.etag) headers['If-Match'] = d.etag;
      await request('PATCH', `parking/incidents/${encodeURIComponent(d.id)}`, {
        body: JSON.stringify({ properties: props }), headers,
      });
      app.mapStale = true; app.hotStale = true;
      setDetailBusy(false);
      await openCase(d.id, okMessage); // reload for the new history entry and ETag
    } catch (e) {
      setDetailBusy(false);
      if (e.status === 412) {
        await openCase(d.id);
        showDetailMessage('他の職員が先に更新しました。最新の内容を読み込み直したので、確認してからもう一度操作してください。', true);
      } else if (e.status === 409) {
        await openCase(d.id);
        showDetailMessage(`${e.message}（最新の内容を読み込み直しました）`, true);
      } else {
        showDetailMessage(`更新できませんでした: ${e.message}`, true);
      }
    }
  }

  function changeStatus(s, extra = {}) {
    return patchCase({ status: s, ...extra }, `状態を「${statusLabel(s)}」に変更しました。`);
  }

  function confirmDuplicate() {
    const orig = $('detail-duplicate-of').value.trim();
    if (!orig) { showDetailMessage('重複元の案件IDを入力してください。', true); $('detail-duplicate-of').focus(); return; }
    if (app.detail && orig === app.detail.id) { showDetailMessage('自分自身を重複元にはできません。', true); return; }
    changeStatus('duplicate', { duplicate_of: orig });
  }

  function saveEdit(e) {
    e.preventDefault();
    const d = app.detail;
    if (!d) return;
    const p = d.feature.properties || {};
    const props = {};
    const assignee = $('detail-assignee').value.trim();
    const notes = $('detail-notes').value.trim();
    if (assignee !== (p.assignee || '')) props.assignee = assignee || null;
    if (notes !== (p.notes || '')) props.notes = notes || null;
    if (!Object.keys(props).length) { showDetailMessage('変更はありません。', false); return; }
    patchCase(props, '担当者・メモを保存しました。');
  }

  function showCaseOnMap() {
    const d = app.detail;
    const c = d && d.feature.geometry && d.feature.geometry.coordinates;
    if (!c) return;
    history.replaceState(null, '', '#map');
    showTab('map', false);
    const m = app.casesMap;
    const ll = L.latLng(c[1], c[0]);
    m.map.setView(ll, 18, { animate: false });
    if (m.focus) m.focus.remove();
    m.focus = L.circleMarker(ll, { radius: 16, color: '#e91e63', weight: 3, fill: false, interactive: false }).addTo(m.map);
  }

  // ---------- (3) 地図 ----------

  const pinIcon = (s) => L.divIcon({
    className: `case-pin ${statusClass(s)}`, iconSize: [22, 22], iconAnchor: [11, 11], popupAnchor: [0, -10], html: '',
  });

  function ensureCasesMap() {
    if (app.casesMap || !app.config) return;
    const { map, cityBounds } = baseMap('cases-map', { zoomSnap: 0.25 });
    map.fitBounds(cityBounds, { animate: false, padding: [4, 4] });
    const cluster = L.markerClusterGroup({ showCoverageOnHover: false, maxClusterRadius: 50, spiderfyOnMaxZoom: true });
    cluster.addTo(map);
    app.casesMap = { map, cityBounds, cluster, ctl: null, focus: null };
  }

  async function loadCasesMap() {
    const m = app.casesMap;
    if (m.ctl) m.ctl.abort();
    m.ctl = new AbortController();
    const { signal } = m.ctl;
    const sum = $('map-summary');
    sum.classList.remove('error');
    sum.textContent = '読み込み中…';
    const [a, b, c, d] = app.config.city.extent;
    const params = { ...listParams(), bbox: [a, b, c, d].join(','), limit: MAP_PAGE };
    try {
      let feats = [];
      let matched = 0;
      for (let page = 0; page < MAP_MAX_PAGES; page++) {
        const { data } = await request('GET', 'parking/incidents', { params: { ...params, offset: page * MAP_PAGE }, signal });
        const fs = (data && data.features) || [];
        feats = feats.concat(fs);
        matched = data.numberMatched ?? feats.length;
        if (!fs.length || feats.length >= matched) break;
      }
      m.cluster.clearLayers();
      m.cluster.addLayers(feats.filter((f) => f.geometry && f.geometry.type === 'Point').map((f) => {
        const p = f.properties || {};
        const mk = L.marker([f.geometry.coordinates[1], f.geometry.coordinates[0]], {
          icon: pinIcon(p.status), title: `${p.category || ''} ${statusLabel(p.status)}`,
        });
        mk.bindPopup(() => `<div class="map-popup">${badge(p.status)} <strong>${escapeHTML(p.category || '')}</strong>` +
          `<br>${escapeHTML(p.vehicle_type || '')}${p.plate ? `・${escapeHTML(p.plate)}` : ''}` +
          `<br>確認 ${escapeHTML(fmtJST(p.observed_at))}${p.address ? `<br>${escapeHTML(p.address)}` : ''}` +
          `<br><a class="popup-open" href="#case/${encodeURIComponent(f.id)}">詳細を開く</a></div>`);
        return mk;
      }));
      $('cases-map').dataset.count = String(feats.length);
      app.mapStale = false;
      const f = [$('filter-status'), $('filter-category'), $('filter-period')].map((s) => s.selectedOptions[0].textContent);
      sum.textContent = `${matched} 件${matched > feats.length ? `のうち ${feats.length} 件` : ''}を表示（状態: ${f[0]}、種別: ${f[1]}、期間: ${f[2]}。条件は「一覧」で変更できます）`;
    } catch (e) {
      if (isAbort(e)) return;
      sum.textContent = `案件を読み込めません: ${e.message}`;
      sum.classList.add('error');
    }
  }

  // ---------- (4) ホットスポット ----------

  function ensureHotMap() {
    if (app.hot || !app.config) return;
    const { map, cityBounds } = baseMap('hot-map', { zoomSnap: 0.25 });
    map.fitBounds(cityBounds, { animate: false, padding: [4, 4] }); // the whole city at a glance
    const layer = L.geoJSON(null, {
      style: (f) => hotStyle(f.properties),
      onEachFeature: (f, lyr) => {
        const p = f.properties || {};
        lyr.bindPopup(`<div class="map-popup"><strong>メッシュ ${escapeHTML(p.mesh_code || '')}</strong>` +
          `<br>件数: ${escapeHTML(p.count ?? 0)}` +
          `<br>Gi* z: ${Number.isFinite(p.z) ? p.z.toFixed(2) : dash}` +
          `${Number.isFinite(p.p) ? `（p = ${p.p < 0.001 ? '< 0.001' : p.p.toFixed(3)}）` : ''}` +
          `${p.hot ? '<br><span class="hot-label">ホットスポット</span>' : ''}</div>`);
      },
    }).addTo(map);
    app.hot = { map, cityBounds, layer, ctl: null, max: 1 };
  }

  function hotClass(count, max) {
    if (!count) return 0;
    return Math.min(4, Math.max(1, Math.ceil((count / max) * 4)));
  }

  function hotStyle(p) {
    const k = hotClass(p.count, app.hot ? app.hot.max : 1);
    return p.hot
      ? { color: '#d50000', weight: 3, opacity: 1, fillColor: HOT_COLORS[k], fillOpacity: 0.7 }
      : { color: '#5c6b7a', weight: 0.6, opacity: 0.7, fillColor: HOT_COLORS[k], fillOpacity: k ? 0.6 : 0.15 };
  }

  async function loadHotspots() {
    const h = app.hot;
    if (h.ctl) h.ctl.abort();
    h.ctl = new AbortController();
    const { signal } = h.ctl;
    const sum = $('hot-summary');
    sum.classList.remove('error');
    sum.textContent = '集計中…';
    try {
      const { data } = await request('GET', 'parking/hotspots', {
        params: { from: periodFrom($('hot-period').value), to: isoJST(new Date()), category: $('hot-category').value, cell: $('hot-cell').value },
        signal,
      });
      const feats = (data && data.features) || [];
      h.max = Math.max(1, ...feats.map((f) => Number(f.properties && f.properties.count) || 0));
      h.layer.clearLayers();
      h.layer.addData(feats);
      const hotCells = feats.filter((f) => f.properties && f.properties.hot);
      const total = feats.reduce((s, f) => s + (Number(f.properties && f.properties.count) || 0), 0);
      sum.textContent = `${total} 件・${feats.filter((f) => f.properties && f.properties.count > 0).length} メッシュ。` +
        (hotCells.length ? `ホットスポット（赤枠）: ${hotCells.length} メッシュ` : 'ホットスポットはありません。');
      $('hot-map').dataset.cells = String(feats.length);
      $('hot-map').dataset.hot = String(hotCells.length);
      renderLegend(h.max);
      renderBars($('chart-hour'), data.by_hour, (i) => String(i), (i) => `${i}時台`);
      renderBars($('chart-weekday'), data.by_weekday, (i) => WEEKDAYS[i], (i) => `${WEEKDAYS[i]}曜日`);
      app.hotStale = false;
    } catch (e) {
      if (isAbort(e)) return;
      sum.textContent = `集計できません: ${e.message}`;
      sum.classList.add('error');
    }
  }

  function renderLegend(max) {
    const steps = [1, 2, 3, 4].map((k) => {
      const lo = Math.floor(((k - 1) / 4) * max) + 1;
      const hi = Math.floor((k / 4) * max);
      return hi >= lo ? `<span class="sw" style="background:${HOT_COLORS[k]}"></span>${lo === hi ? lo : `${lo}–${hi}`}` : '';
    });
    $('hot-legend-scale').innerHTML = steps.filter(Boolean).join(' ');
  }

  function renderBars(el, counts, label, long) {
    const arr = Array.isArray(counts) ? counts.map((v) => Number(v) || 0) : [];
    if (!arr.length) { el.innerHTML = '<p class="hint">データがありません。</p>'; return; }
    const max = Math.max(1, ...arr);
    el.setAttribute('aria-label', `${el.getAttribute('aria-label').split('：')[0]}：` + arr.map((v, i) => `${long(i)} ${v}件`).join('、'));
    el.innerHTML = arr.map((v, i) =>
      `<div class="bar" title="${escapeHTML(long(i))}: ${v} 件"><span class="bar-val">${v || ''}</span>` +
      `<span class="bar-fill" style="height:${((v / max) * 100).toFixed(1)}%"></span>` +
      `<span class="bar-label">${escapeHTML(label(i))}</span></div>`).join('');
  }

  // ---------- page ----------

  function applyConfig(config) {
    app.config = config;
    const name = config.city && config.city.name ? config.city.name : '';
    const title = `${name} 違法・迷惑駐車 案件管理`.trim();
    document.title = title;
    $('app-title').textContent = title;
  }

  // The layer file's categories (layers/parking_incidents.yaml), for the three pickers.
  const CATEGORIES = ['違法駐車', '迷惑駐車', '放置車両', 'その他'];

  async function start() {
    for (const id of ['case-category', 'filter-category', 'hot-category']) {
      $(id).append(...CATEGORIES.map((c) => new Option(c, c)));
    }
    $('case-observed').value = inputNowJST();
    $('login-form').addEventListener('submit', login);
    $('login-form').addEventListener('input', () => $('login-error').classList.remove('info'));
    $('logout-btn').addEventListener('click', logout);
    document.querySelectorAll('#tabs .tab').forEach((t) => t.addEventListener('click', () => {
      if (t.dataset.tab === 'list' && !$('case-detail').hidden) closeDetail();
      showTab(t.dataset.tab);
    }));
    $('tabs').addEventListener('keydown', (e) => {
      const tabs = [...document.querySelectorAll('#tabs .tab')];
      const i = tabs.indexOf(document.activeElement);
      if (i < 0 || !['ArrowLeft', 'ArrowRight'].includes(e.key)) return;
      const t = tabs[(i + (e.key === 'ArrowRight' ? 1 : tabs.length - 1)) % tabs.length];
      t.focus(); t.click();
    });
    window.addEventListener('hashchange', () => routeHash(false));

    $('case-locate').addEventListener('click', locate);
    $('case-form').addEventListener('submit', submitCase);
    $('case-observed-now').addEventListener('click', () => { $('case-observed').value = inputNowJST(); });
    document.querySelectorAll('.chip[data-min]').forEach((c) => c.addEventListener('click', () => {
      $('case-duration').value = c.dataset.min;
    }));
    $('case-form').addEventListener('change', (e) => {
      e.target.classList.remove('invalid');
      e.target.removeAttribute('aria-invalid');
      if ($('case-error').dataset.field === e.target.id) showBox($('case-error'), '');
    });

    $('list-filters').addEventListener('submit', (e) => { e.preventDefault(); app.mapStale = true; loadList(false); });
    $('list-filters').addEventListener('change', (e) => {
      if (e.target.tagName === 'SELECT') { app.mapStale = true; loadList(false); }
    });
    $('list-more').addEventListener('click', () => loadList(true));
    $('detail-back').addEventListener('click', () => {
      closeDetail();
      history.replaceState(null, '', '#list');
      if (app.list.stale) loadList(false);
    });
    $('detail-dup-confirm').addEventListener('click', confirmDuplicate);
    $('detail-dup-cancel').addEventListener('click', () => { $('detail-dup-form').hidden = true; });
    $('detail-edit').addEventListener('submit', saveEdit);
    $('detail-show-map').addEventListener('click', showCaseOnMap);

    $('hot-filters').addEventListener('submit', (e) => { e.preventDefault(); loadHotspots(); });
    $('hot-filters').addEventListener('change', () => loadHotspots());

    try {
      const { data } = await request('GET', 'config', { authCall: true });
      applyConfig(data);
    } catch (e) {
      setStatus('config', `設定を読み込めません: ${e.message}`, true);
      return;
    }
    setStatus('auth', '');
    await checkSession();
  }

  document.addEventListener('DOMContentLoaded', start);
})();
