/*
 * MachiGIS 投票区・投票率 地図 — the election office's page.
 * Plain JS + Leaflet (served locally at ../vendor/leaflet). Published elections are shown to
 * anyone; signing in (session cookie, HttpOnly, set by POST api/auth/login) adds the
 * unpublished ones for the roles election and admin. The CSRF token for the logout call is
 * kept in sessionStorage under the same key as the other staff pages, so one sign-in serves all.
 */
'use strict';

(() => {
  const CSRF_KEY = 'machigis.csrf';
  const ZONE_RADIUS_M = 300;
  const METHOD_NAMES = { quantile: '分位数', equal: '等間隔', jenks: '自然分類（Jenks）' };
  const $ = (id) => document.getElementById(id);

  let map = null;
  let districtLayer = null;
  let stationLayer = null;
  let zoneLayer = null;
  let checkMarker = null;
  let elections = [];
  let current = null; // the turnout FeatureCollection on the map
  let selected = null; // district_no
  let loadSeq = 0;
  let fitted = false;

  // ---------- helpers ----------

  function escapeHTML(v) {
    return String(v).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));
  }

  const api = (path, params = {}) => {
    const url = new URL('../api/' + path, document.baseURI);
    for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') url.searchParams.set(k, v);
    return url;
  };

  function storage(key, value) {
    try {
      if (value === undefined) return sessionStorage.getItem(key);
      if (value === null) sessionStorage.removeItem(key); else sessionStorage.setItem(key, value);
    } catch { /* private mode: the session cookie still works */ }
    return null;
  }

  /** fetch + JSON; a problem document's detail becomes the Error message. */
  async function request(method, url, body) {
    const headers = { Accept: 'application/json, application/geo+json' };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const csrf = storage(CSRF_KEY);
    if (method !== 'GET' && csrf) headers['X-CSRF-Token'] = csrf;
    let res;
    try {
      res = await fetch(url, { method, headers, body, credentials: 'same-origin' });
    } catch {
      throw new Error('サーバーに接続できません。');
    }
    let data = null;
    if (res.status !== 204) { try { data = await res.json(); } catch { /* empty or not JSON */ } }
    if (!res.ok) {
      const err = new Error((data && (data.detail || data.title)) || `エラーが発生しました (HTTP ${res.status})`);
      err.status = res.status;
      throw err;
    }
    return data;
  }

  function setStatus(msg, isError = false) {
    $('status').textContent = msg;
    $('status').classList.toggle('error', isError);
  }

  const n = (v) => (v === null || v === undefined ? '—' : Number(v).toLocaleString('ja-JP'));
  const pct = (v) => (v === null || v === undefined ? '—' : `${Number(v).toFixed(2)} %`);
  function pp(v) {
    if (v === null || v === undefined) return '—';
    const s = `${v > 0 ? '+' : ''}${Number(v).toFixed(2)} ポイント`;
    return `<span class="${v > 0 ? 'up' : v < 0 ? 'down' : ''}">${s}</span>`;
  }
  const districtClass = (no) => 'district-no-' + String(no).replace(/[^A-Za-z0-9_-]/g, (c) => '_' + c.charCodeAt(0).toString(16));

  // ---------- sign-in ----------

  async function refreshUser() {
    try {
      const me = await request('GET', api('auth/me'));
      $('user-name').textContent = `${me.name}（${me.role}）`;
      $('user-box').hidden = false;
      $('login-box').hidden = true;
      return me;
    } catch (e) {
      $('user-box').hidden = true;
      $('login-box').hidden = e.status === 404; // no accounts on this server
      return null;
    }
  }

  async function login(e) {
    e.preventDefault();
    const name = $('login-name').value.trim();
    const password = $('login-password').value;
    const err = $('login-error');
    if (!name || !password) {
      err.textContent = '名前とパスワードを入力してください。';
      err.hidden = false;
      return;
    }
    $('login-btn').disabled = true;
    try {
      const data = await request('POST', api('auth/login'), JSON.stringify({ name, password }));
      storage(CSRF_KEY, data && data.csrf_token ? data.csrf_token : null);
      $('login-password').value = '';
      err.hidden = true;
      await refreshUser();
      await loadElections();
    } catch (ex) {
      err.textContent = ex.status === 401 ? '名前またはパスワードが違います。' : ex.message;
      err.hidden = false;
    } finally {
      $('login-btn').disabled = false;
    }
  }

  async function logout() {
    try { await request('POST', api('auth/logout')); } catch { /* signed out locally anyway */ }
    storage(CSRF_KEY, null);
    await refreshUser();
    await loadElections();
  }

  // ---------- elections ----------

  async function loadElections() {
    const keep = $('election-select').value;
    const data = await request('GET', api('elections'));
    elections = data.elections || [];
    const sel = $('election-select');
    sel.innerHTML = '';
    for (const e of elections) {
      const o = document.createElement('option');
      o.value = e.id;
      o.textContent = `${e.date} ${e.name}${e.published ? '' : '（未公表）'}`;
      sel.appendChild(o);
    }
    if (!elections.length) {
      sel.innerHTML = '<option value="">（表示できる選挙がありません）</option>';
      sel.disabled = true;
      clearMap();
      setStatus('表示できる選挙がありません。未公表の選挙は職員ログイン後に表示されます。');
      return;
    }
    sel.disabled = false;
    sel.value = elections.some((e) => e.id === keep) ? keep : elections[0].id;
    electionChanged();
  }

  function electionChanged() {
    const e = elections.find((x) => x.id === $('election-select').value);
    if (!e) return;
    const time = $('time-select');
    time.innerHTML = '<option value="">確定</option>' + (e.interim_times || []).map((t) => `<option value="${escapeHTML(t)}">${escapeHTML(t)} 時点</option>`).join('');
    time.disabled = !(e.interim_times || []).length;
    if (!e.final_turnout && e.interim_times && e.interim_times.length) time.value = e.interim_times[e.interim_times.length - 1];
    const cmp = $('compare-select');
    const keep = cmp.value;
    cmp.innerHTML = '<option value="">比較しない</option>' + elections
      .filter((x) => x.id !== e.id && x.final_turnout)
      .map((x) => `<option value="${escapeHTML(x.id)}">${escapeHTML(x.date)} ${escapeHTML(x.name)}</option>`).join('');
    cmp.value = [...cmp.options].some((o) => o.value === keep) ? keep : '';
    loadTurnout();
    if ($('toggle-stations').checked) loadStations();
    if ($('toggle-zones').checked) loadZones();
  }

  function params() {
    return {
      method: $('method-select').value,
      classes: $('classes-select').value,
      compare: $('compare-select').value,
      at: $('time-select').value,
    };
  }

  async function loadTurnout() {
    const id = $('election-select').value;
    if (!id) return;
    const seq = ++loadSeq;
    const url = api(`elections/${encodeURIComponent(id)}/turnout.geojson`, params());
    setStatus('読み込み中…');
    try {
      const data = await request('GET', url);
      if (seq !== loadSeq) return; // a newer choice is already loading
      current = data;
      draw(data);
      legend(data);
      const link = $('download-link');
      link.href = url.pathname + url.search;
      link.setAttribute('download', `turnout-${id}${data.time ? '-' + data.time.replace(':', '') : ''}.geojson`);
      link.setAttribute('aria-disabled', 'false');
      const e = data.election;
      setStatus(`${e.name}（${e.date}）${data.time ? data.time + ' 時点' : '確定'}　${data.city.districts_reported} / ${data.city.districts} 投票区${e.published ? '' : '　※未公表'}`);
    } catch (ex) {
      if (seq === loadSeq) setStatus(ex.message, true);
    }
  }

  function clearMap() {
    if (districtLayer) districtLayer.remove();
    districtLayer = null;
    current = null;
    $('legend').innerHTML = '';
    $('city-summary').innerHTML = '';
    $('download-link').setAttribute('aria-disabled', 'true');
  }

  function draw(data) {
    if (districtLayer) districtLayer.remove();
    districtLayer = L.geoJSON(data, {
      style: (f) => ({
        fillColor: f.properties.fill,
        fillOpacity: 0.78,
        color: f.properties.district_no === selected ? '#e91e63' : '#ffffff',
        weight: f.properties.district_no === selected ? 3 : 1.2,
        className: `district ${districtClass(f.properties.district_no)}`,
      }),
      onEachFeature: (f, layer) => {
        const p = f.properties;
        layer.bindTooltip(`${escapeHTML(p.name || p.district_no)}　${pct(p.turnout_pct)}`, { sticky: true });
        layer.on('click', (ev) => {
          if ($('check-mode').checked) { checkPoint(ev.latlng); return; }
          select(p.district_no);
        });
      },
    }).addTo(map);
    if (zoneLayer) zoneLayer.bringToFront();
    if (stationLayer) stationLayer.bringToFront();
    if (!fitted && data.features.length) {
      map.fitBounds(districtLayer.getBounds(), { padding: [12, 12] });
      fitted = true;
    }
    if (selected !== null) showInfo(selected);
  }

  function legend(data) {
    const rows = [];
    rows.push(`<div class="legend-head">投票率（%）・${escapeHTML(METHOD_NAMES[data.method] || data.method)}・${data.classes} 階級</div>`);
    for (let i = 0; i < data.classes; i++) {
      const lo = Number(data.breaks[i]).toFixed(2);
      const hi = Number(data.breaks[i + 1]).toFixed(2);
      const label = i === 0 ? `${lo} ～ ${hi}` : `${lo} 超 ～ ${hi}`;
      rows.push(`<div class="legend-row" data-class="${i}"><span class="swatch" style="background:${data.colors[i]}"></span><span class="range">${label}</span></div>`);
    }
    if (data.features.some((f) => f.properties.class === null)) {
      rows.push('<div class="legend-row nodata"><span class="swatch" style="background:#d9d9d9"></span><span class="range">データなし</span></div>');
    }
    $('legend').innerHTML = rows.join('');
    const c = data.city;
    let html = `市全体の投票率 <strong id="city-turnout">${pct(c.turnout_pct)}</strong><br>有権者 ${n(c.electors)} 人・投票者 ${n(c.voters)} 人`;
    html += `<br>男 ${pct(c.turnout_pct_male)}・女 ${pct(c.turnout_pct_female)}・期日前等 ${pct(c.early_share_pct)}`;
    if (data.compare) html += `<br>前回（${escapeHTML(data.compare.name)}）比 ${pp(c.delta_pp)}`;
    $('city-summary').innerHTML = html;
  }

  function select(no) {
    selected = no;
    if (districtLayer) districtLayer.setStyle((f) => ({
      color: f.properties.district_no === selected ? '#e91e63' : '#ffffff',
      weight: f.properties.district_no === selected ? 3 : 1.2,
    }));
    districtLayer.eachLayer((l) => { if (l.feature.properties.district_no === no) l.bringToFront(); });
    if (zoneLayer) zoneLayer.bringToFront();
    if (stationLayer) stationLayer.bringToFront();
    showInfo(no);
  }

  function showInfo(no) {
    const f = current && current.features.find((x) => x.properties.district_no === no);
    const box = $('district-info');
    if (!f) { box.innerHTML = '<p class="hint">この投票区のデータはありません。</p>'; return; }
    const p = f.properties;
    const rows = [
      ['投票所', escapeHTML(p.station_name ? `${p.station_name}（${p.station_no}）` : p.station_no || '—')],
      ['有権者数', `${n(p.electors)} 人`],
      ['　うち男・女', `${n(p.electors_male)}・${n(p.electors_female)}`],
      ['投票者数', `${n(p.voters)} 人`],
      ['　当日・期日前・不在者', `${n(p.voters_day)}・${n(p.voters_early)}・${n(p.voters_absentee)}`],
      ['投票率', pct(p.turnout_pct), 'info-turnout'],
      ['投票率（男）', pct(p.turnout_pct_male)],
      ['投票率（女）', pct(p.turnout_pct_female)],
      ['期日前・不在者の割合', pct(p.early_share_pct)],
      ['前回比', pp(p.delta_pp)],
      ['順位（投票率の高い順）', p.rank ? `${p.rank} / ${current.city.districts_reported}` : '—'],
    ];
    box.innerHTML = `<h3 data-district="${escapeHTML(p.district_no)}">${escapeHTML(p.name || '')}（${escapeHTML(p.district_no)}）</h3><table>` +
      rows.map(([k, v, cls]) => `<tr><th scope="row">${k}</th><td${cls ? ` class="${cls}"` : ''}>${v}</td></tr>`).join('') + '</table>';
  }

  // ---------- stations, zones, point check ----------

  async function loadStations() {
    const id = $('election-select').value;
    if (stationLayer) { stationLayer.remove(); stationLayer = null; }
    if (!id || !$('toggle-stations').checked) return;
    try {
      const data = await request('GET', api(`elections/${encodeURIComponent(id)}/stations.geojson`));
      if (!$('toggle-stations').checked) return;
      stationLayer = L.geoJSON(data, {
        pointToLayer: (f, latlng) => L.circleMarker(latlng, { radius: 6, color: '#b71c1c', weight: 2, fillColor: '#ffffff', fillOpacity: 1, className: 'station-marker' }),
        onEachFeature: (f, layer) => layer.bindTooltip(`投票所 ${escapeHTML(f.properties.station_no)}：${escapeHTML(f.properties.name || '')}`),
      }).addTo(map);
    } catch (ex) { setStatus(ex.message, true); }
  }

  async function loadZones() {
    const id = $('election-select').value;
    if (zoneLayer) { zoneLayer.remove(); zoneLayer = null; }
    if (!id || !$('toggle-zones').checked) return;
    try {
      const data = await request('GET', api(`elections/${encodeURIComponent(id)}/regulated-zones.geojson`, { radius_m: ZONE_RADIUS_M }));
      if (!$('toggle-zones').checked) return;
      zoneLayer = L.geoJSON(data, {
        interactive: false,
        style: { color: '#d32f2f', weight: 1.5, dashArray: '5 4', fillColor: '#d32f2f', fillOpacity: 0.08, className: 'zone' },
      }).addTo(map);
      if (stationLayer) stationLayer.bringToFront();
    } catch (ex) { setStatus(ex.message, true); }
  }

  async function checkPoint(latlng) {
    const id = $('election-select').value;
    if (!id) return;
    try {
      const r = await request('GET', api(`elections/${encodeURIComponent(id)}/regulated-zones/check`, {
        lon: latlng.lng.toFixed(7), lat: latlng.lat.toFixed(7), radius_m: ZONE_RADIUS_M,
      }));
      const head = r.inside ? `規制区域内（投票所 ${r.stations.map(escapeHTML).join('・')}）` : '規制区域外';
      const dist = r.distance_m === null ? '' : `<br>最寄りの投票所入口（${escapeHTML(r.nearest_station)}）まで ${Number(r.distance_m).toFixed(1)} m`;
      if (checkMarker) checkMarker.remove();
      checkMarker = L.marker(latlng).addTo(map).bindPopup(`<div class="check-result"><strong>${head}</strong>${dist}</div>`).openPopup();
    } catch (ex) { setStatus(ex.message, true); }
  }

  // ---------- start ----------

  async function start() {
    let config = null;
    try { config = await request('GET', api('config')); } catch (ex) { setStatus(ex.message, true); }
    const c = config ? config.city : { center: [135.5764, 34.7771], zoom: 14 };
    map = L.map('map', { zoomControl: true }).setView([c.center[1], c.center[0]], c.zoom);
    if (config) {
      L.tileLayer(config.basemap.url, { maxZoom: 18, attribution: config.basemap.attribution }).addTo(map);
      for (const a of config.attribution || []) map.attributionControl.addAttribution(escapeHTML(a));
    }
    map.on('click', (ev) => { if ($('check-mode').checked) checkPoint(ev.latlng); });

    $('login-form').addEventListener('submit', login);
    $('logout-btn').addEventListener('click', logout);
    $('election-select').addEventListener('change', () => { selected = null; $('district-info').innerHTML = '<p class="hint">地図上の投票区をクリックすると、投票率などを表示します。</p>'; electionChanged(); });
    for (const id of ['method-select', 'classes-select', 'compare-select', 'time-select']) $(id).addEventListener('change', loadTurnout);
    $('toggle-stations').addEventListener('change', loadStations);
    $('toggle-zones').addEventListener('change', loadZones);
    $('check-mode').addEventListener('change', () => {
      map.getContainer().style.cursor = $('check-mode').checked ? 'crosshair' : '';
      if (!$('check-mode').checked && checkMarker) { checkMarker.remove(); checkMarker = null; }
    });

    await refreshUser();
    try { await loadElections(); } catch (ex) { setStatus(ex.message, true); }
  }

  document.addEventListener('DOMContentLoaded', start);
})();
