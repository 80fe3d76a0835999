// SPDX-License-Identifier: Apache-2.0
// The defender console's pages (fleet, thing, violations): plain ES2020, no build step. Every
// piece of data reaches the page through textContent or attribute setters, never innerHTML, and
// nothing is inline (the server's Content-Security-Policy forbids inline scripts and styles).
'use strict';

(() => {
  const POLL_MS = 5000;
  const STATES = ['UNKNOWN', 'TRUE_POSITIVE', 'BENIGN_POSITIVE', 'FALSE_POSITIVE'];
  const numberFormat = new Intl.NumberFormat();

  // ---- small DOM helpers ----------------------------------------------------------------

  /** An element with attributes/properties and children (strings become text nodes). */
  function el(tag, props, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(props || {})) {
      if (value === undefined || value === null) continue;
      if (key === 'className') node.className = value;
      else if (key === 'text') node.textContent = value;
      else if (key === 'dataset') Object.assign(node.dataset, value);
      else if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, value);
    }
    for (const child of children) {
      if (child === null || child === undefined) continue;
      node.append(child instanceof Node ? child : String(child));
    }
    return node;
  }

  const $ = (id) => document.getElementById(id);

  function clear(node) {
    while (node.firstChild) node.removeChild(node.firstChild);
  }

  function fmtNumber(n) {
    return typeof n === 'number' ? numberFormat.format(n) : '–';
  }

  /** "2 min ago" for a time (epoch seconds) relative to now (epoch seconds). */
  function age(t, now) {
    const s = Math.max(0, Math.round(now - t));
    if (s < 60) return `${s} s ago`;
    if (s < 3600) return `${Math.floor(s / 60)} min ago`;
    if (s < 86400) return `${Math.floor(s / 3600)} h ago`;
    return `${Math.floor(s / 86400)} d ago`;
  }

  /** A <time> in the browser's locale, UTC on hover; "never" for null. */
  function timeEl(t, now) {
    if (typeof t !== 'number') return el('span', { className: 'muted', text: 'never' });
    const date = new Date(t * 1000);
    const node = el('time', {
      datetime: date.toISOString(),
      title: date.toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC'),
      text: date.toLocaleString(),
    });
    if (typeof now !== 'number') return node;
    return el('span', {}, node, el('span', { className: 'age', text: ` (${age(t, now)})` }));
  }

  /** A MetricValue (as AWS writes it) as short text. */
  function metricText(value) {
    if (!value || typeof value !== 'object') return '–';
    if (typeof value.count === 'number') return fmtNumber(value.count);
    if (typeof value.number === 'number') return fmtNumber(value.number);
    for (const key of ['ports', 'cidrs', 'numbers', 'strings']) {
      if (Array.isArray(value[key])) return value[key].length ? value[key].join(', ') : 'none';
    }
    return JSON.stringify(value);
  }

  function thingUrl(name) {
    return `/things/${encodeURIComponent(name)}`;
  }

  // ---- fetching, banner, "last updated", polling -------------------------------------------

  async function api(path, options) {
    let response;
    try {
      response = await fetch(path, Object.assign({ headers: { Accept: 'application/json' } }, options));
    } catch (e) {
      throw new Error('the console server is unreachable');
    }
    let body = null;
    try {
      body = await response.json();
    } catch (e) {
      body = null;
    }
    if (!response.ok) {
      const why = body && typeof body.error === 'string' ? body.error : response.statusText;
      const error = new Error(`${response.status} ${why}`);
      error.status = response.status;
      throw error;
    }
    return body;
  }

  function showError(message) {
    const banner = $('banner');
    banner.textContent = `Cannot update: ${message}. Retrying…`;
    banner.hidden = false;
  }

  function showUpdated() {
    $('banner').hidden = true;
    $('updated').textContent = `last updated ${new Date().toLocaleTimeString()}`;
  }

  /**
   * Runs refresh() now and every POLL_MS while the tab is visible; paused while hidden, run
   * again at once when it shows. Returns a function that refreshes now.
   */
  function poll(refresh) {
    let timer = null;
    let running = false;
    let again = false;  // asked for while a refresh was under way: run once more right after
    const run = async () => {
      clearTimeout(timer);
      timer = null;
      if (running) {
        again = true;
        return;
      }
      running = true;
      try {
        await refresh();
        showUpdated();
      } catch (e) {
        showError(e.message);
      } finally {
        running = false;
      }
      if (again) {
        again = false;
        run();
      } else if (!document.hidden) {
        timer = setTimeout(run, POLL_MS);
      }
    };
    document.addEventListener('visibilitychange', () => {
      if (document.hidden) {
        clearTimeout(timer);
        timer = null;
      } else if (!timer) {
        run();
      }
    });
    run();
    return run;
  }

  function debounce(fn, ms) {
    let timer = null;
    return (...args) => {
      clearTimeout(timer);
      timer = setTimeout(() => fn(...args), ms);
    };
  }

  // ---- CSRF token and the verification-state form ------------------------------------------

  let csrfToken = null;
  async function token() {
    if (!csrfToken) {
      const session = await api('/api/session');
      csrfToken = session.csrfToken;
    }
    return csrfToken;
  }

  // "saved" notes that survive the re-render a save causes, by violation id
  const savedNotes = new Set();

  /** The form that sets a violation's verification state; onSaved runs after a success. */
  function verificationForm(violation, onSaved) {
    const id = violation.violationId;
    const current = violation.verificationState || '';
    const select = el('select', { name: 'verificationState', 'aria-label': 'Verification state' });
    if (!current) select.append(el('option', { value: '', text: 'not set' }));
    for (const state of STATES) {
      const option = el('option', { value: state, text: state });
      if (state === current) option.selected = true;
      select.append(option);
    }
    const description = el('input', {
      name: 'verificationStateDescription', type: 'text', maxlength: '1000',
      placeholder: 'description', 'aria-label': 'Verification state description',
    });
    description.value = violation.verificationStateDescription || '';
    const status = el('span', { className: 'form-status', role: 'status' });
    if (savedNotes.delete(id)) {
      status.className = 'form-status ok';
      status.textContent = 'saved';
    }
    const button = el('button', { type: 'submit', text: 'Save' });
    const form = el('form', { className: 'verify', dataset: { violationId: id } },
      select, description, button, status);
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      if (!select.value) {
        status.className = 'form-status error';
        status.textContent = 'choose a state';
        return;
      }
      button.disabled = true;
      status.className = 'form-status';
      status.textContent = 'saving…';
      const send = async () => api(`/api/violations/${encodeURIComponent(id)}/verification-state`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': await token() },
        body: JSON.stringify({
          verificationState: select.value,
          verificationStateDescription: description.value,
        }),
      });
      try {
        try {
          await send();
        } catch (e) {
          if (e.status !== 403) throw e;
          csrfToken = null;  // the server restarted: a new session, a new token
          await send();
        }
        status.className = 'form-status ok';
        status.textContent = 'saved';
        savedNotes.add(id);
        if (onSaved) onSaved();
      } catch (e) {
        status.className = 'form-status error';
        status.textContent = `not saved: ${e.message}`;
      } finally {
        button.disabled = false;
      }
    });
    return form;
  }

  /**
   * The table of active violations into container, re-rendered only when they changed (so a
   * form being filled in is not replaced by a poll).
   */
  function renderActive(container, violations, now, withThing, onSaved) {
    const key = JSON.stringify(violations.map((v) => [v.violationId, v.verificationState || '',
      v.verificationStateDescription || '', v.lastViolationTime]));
    if (container.dataset.key === key) return;
    container.dataset.key = key;
    clear(container);
    if (!violations.length) {
      container.append(el('p', { className: 'empty ok-text', text: 'No active violation.' }));
      return;
    }
    const head = el('tr', {},
      withThing ? el('th', { scope: 'col', text: 'Thing' }) : null,
      el('th', { scope: 'col', text: 'Behavior' }),
      el('th', { scope: 'col', text: 'Profile' }),
      el('th', { scope: 'col', text: 'Since' }),
      el('th', { scope: 'col', text: 'Last value' }),
      el('th', { scope: 'col', text: 'Verification state' }));
    const body = el('tbody');
    for (const v of violations) {
      body.append(el('tr', { dataset: { violationId: v.violationId } },
        withThing ? el('td', {}, el('a', { href: thingUrl(v.thingName), text: v.thingName })) : null,
        el('td', { text: (v.behavior && v.behavior.name) || '' }),
        el('td', { text: v.securityProfileName || '' }),
        el('td', {}, timeEl(v.violationStartTime, now)),
        el('td', { className: 'value', text: metricText(v.lastViolationValue) }),
        el('td', {}, verificationForm(v, onSaved))));
    }
    container.append(el('div', { className: 'table-wrap' },
      el('table', { className: 'active' },
        el('caption', { className: 'visually-hidden', text: 'Active violations' }),
        el('thead', {}, head), body)));
  }

  const EVENT_CLASS = {
    'in-alarm': 'badge alarm', 'alarm-cleared': 'badge cleared', 'alarm-invalidated': 'badge invalid',
  };

  function eventRow(e, withThing) {
    return el('tr', {},
      el('td', {}, timeEl(e.violationEventTime)),
      withThing ? el('td', {}, el('a', { href: thingUrl(e.thingName), text: e.thingName })) : null,
      el('td', {}, el('span', { className: EVENT_CLASS[e.violationEventType] || 'badge',
        text: e.violationEventType })),
      el('td', { text: (e.behavior && e.behavior.name) || '' }),
      el('td', { text: e.securityProfileName || '' }),
      el('td', { className: 'value', text: e.metricValue ? metricText(e.metricValue) : '' }));
  }

  // ---- the fleet page ----------------------------------------------------------------------

  function fleetPage() {
    const state = { filter: '', sort: 'name', order: 'asc', offset: 0, limit: 100 };
    const tbody = document.querySelector('#things tbody');
    const headers = document.querySelectorAll('#things th[data-sort]');
    let total = 0;

    async function refresh() {
      const query = new URLSearchParams({
        filter: state.filter, sort: state.sort, order: state.order,
        offset: String(state.offset), limit: String(state.limit),
      });
      // The tiles: the 1 000 things with the most rejected reports, and with the most alarms.
      const [page, byRejected, byAlarms] = await Promise.all([
        api(`/api/things?${query}`),
        api('/api/things?sort=rejected&order=desc&limit=1000'),
        api('/api/things?sort=activeViolations&order=desc&limit=1000'),
      ]);
      total = page.total;
      if (state.offset > 0 && state.offset >= total) {  // the filter shrank the list
        state.offset = Math.max(0, Math.floor((total - 1) / state.limit) * state.limit);
        return refresh();
      }
      const now = page.serverTime;
      clear(tbody);
      for (const t of page.things) {
        const row = el('tr', {},
          el('th', { scope: 'row', className: 'name' }, el('a', { href: thingUrl(t.thingName), text: t.thingName })),
          el('td', {}, timeEl(t.lastReportTime, now)),
          el('td', { text: t.format || '–' }),
          el('td', { className: 'num', text: fmtNumber(t.accepted) }),
          el('td', { className: t.rejected ? 'num warn-text' : 'num', text: fmtNumber(t.rejected) }),
          el('td', { className: t.activeViolations ? 'num alarm-text' : 'num', text: fmtNumber(t.activeViolations) }));
        tbody.append(row);
      }
      $('empty').hidden = page.things.length > 0;
      const first = page.things.length ? page.offset + 1 : 0;
      const last = page.offset + page.things.length;
      $('range').textContent = `${fmtNumber(first)}–${fmtNumber(last)} of ${fmtNumber(total)}`;
      $('prev').disabled = state.offset === 0;
      $('next').disabled = last >= total;

      // "≥" when the 1 000th thing still counts: there may be more beyond it
      const atLeast = (rows, field) => rows.things.length < rows.total &&
        rows.things[rows.things.length - 1][field] > 0 ? '≥ ' : '';
      $('tile-things').textContent = fmtNumber(byRejected.total);
      const alarmed = byAlarms.things.filter((t) => t.activeViolations > 0).length;
      $('tile-alarmed').textContent = atLeast(byAlarms, 'activeViolations') + fmtNumber(alarmed);
      const rejected = byRejected.things.reduce((sum, t) => sum + t.rejected, 0);
      $('tile-rejected').textContent = atLeast(byRejected, 'rejected') + fmtNumber(rejected);
    }

    const now = poll(refresh);

    for (const th of headers) {
      th.querySelector('button').addEventListener('click', () => {
        const sort = th.dataset.sort;
        if (state.sort === sort) {
          state.order = state.order === 'asc' ? 'desc' : 'asc';
        } else {
          state.sort = sort;
          // names read best A→Z; counts and times most first
          state.order = sort === 'name' ? 'asc' : 'desc';
        }
        state.offset = 0;
        for (const other of headers) other.removeAttribute('aria-sort');
        th.setAttribute('aria-sort', state.order === 'asc' ? 'ascending' : 'descending');
        now();
      });
    }
    $('filter').addEventListener('input', debounce(() => {
      state.filter = $('filter').value.trim();
      state.offset = 0;
      now();
    }, 300));
    $('fleet-form').addEventListener('submit', (event) => event.preventDefault());
    $('prev').addEventListener('click', () => {
      state.offset = Math.max(0, state.offset - state.limit);
      now();
    });
    $('next').addEventListener('click', () => {
      if (state.offset + state.limit < total) state.offset += state.limit;
      now();
    });
  }

  // ---- the thing page ----------------------------------------------------------------------

  function thingPage() {
    const prefix = '/things/';
    const path = window.location.pathname;
    const name = decodeURIComponent(path.startsWith(prefix) ? path.slice(prefix.length) : '');
    $('thing-name').textContent = name;
    document.title = `${name} · defender console`;
    const charts = new Map();  // chart id -> Chart
    const chartsAvailable = typeof window.Chart === 'function';
    if (!chartsAvailable) {
      $('charts-note').textContent = 'charts unavailable: install libjs-chart.js';
      $('charts-note').hidden = false;
    }

    function series(datapoints, metric, member) {
      const points = [];
      for (const d of datapoints) {
        const value = d.metrics ? d.metrics[metric] : undefined;
        if (value && typeof value[member] === 'number') points.push({ x: d.time, y: value[member] });
      }
      return points;
    }

    // An x-axis label: seconds for a span under 10 minutes, the day for one over 2 days.
    function tickLabel(value) {
      const span = this.max - this.min;
      const date = new Date(value * 1000);
      if (span > 2 * 86400) {
        return date.toLocaleString([], { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
      }
      return date.toLocaleTimeString([], span < 600
        ? { hour: '2-digit', minute: '2-digit', second: '2-digit' }
        : { hour: '2-digit', minute: '2-digit' });
    }

    function chart(id, title, datasets) {
      datasets = datasets.filter((d) => d.data.length > 0);
      if (!datasets.length) return;
      const style = getComputedStyle(document.body);
      const text = style.getPropertyValue('--fg').trim() || '#222';
      const grid = style.getPropertyValue('--grid').trim() || '#ddd';
      const colors = [style.getPropertyValue('--series1').trim() || '#2563eb',
        style.getPropertyValue('--series2').trim() || '#d97706'];
      datasets.forEach((d, i) => Object.assign(d, {
        borderColor: colors[i % colors.length], backgroundColor: colors[i % colors.length],
        pointRadius: 2, borderWidth: 2, tension: 0,
      }));
      let existing = charts.get(id);
      if (existing) {
        existing.data.datasets = datasets;
        existing.update('none');
        return;
      }
      const canvas = el('canvas', { id: `chart-${id}`, role: 'img', 'aria-label': title });
      const figure = el('figure', { className: 'chart' },
        el('figcaption', { text: title }), el('div', { className: 'chart-box' }, canvas));
      $('charts').append(figure);
      existing = new window.Chart(canvas, {
        type: 'line',
        data: { datasets },
        options: {
          animation: false,
          maintainAspectRatio: false,
          parsing: false,
          normalized: true,
          interaction: { mode: 'nearest', intersect: false },
          plugins: {
            legend: { labels: { color: text } },
            tooltip: {
              callbacks: {
                title: (items) => items.length ? new Date(items[0].parsed.x * 1000).toLocaleString() : '',
              },
            },
          },
          scales: {
            x: {
              type: 'linear',
              ticks: {
                color: text, maxTicksLimit: 6,
                callback: tickLabel,
              },
              grid: { color: grid },
            },
            y: { beginAtZero: true, ticks: { color: text }, grid: { color: grid } },
          },
        },
      });
      charts.set(id, existing);
    }

    function renderCharts(datapoints) {
      if (!chartsAvailable) return;
      chart('bytes', 'Bytes per report', [
        { label: 'in', data: series(datapoints, 'aws:all-bytes-in', 'count') },
        { label: 'out', data: series(datapoints, 'aws:all-bytes-out', 'count') }]);
      chart('packets', 'Packets per report', [
        { label: 'in', data: series(datapoints, 'aws:all-packets-in', 'count') },
        { label: 'out', data: series(datapoints, 'aws:all-packets-out', 'count') }]);
      chart('connections', 'Established TCP connections', [
        { label: 'connections', data: series(datapoints, 'aws:num-established-tcp-connections', 'count') }]);
      chart('listening', 'Listening ports', [
        { label: 'TCP', data: series(datapoints, 'aws:num-listening-tcp-ports', 'count') },
        { label: 'UDP', data: series(datapoints, 'aws:num-listening-udp-ports', 'count') }]);
      const custom = new Set();
      for (const d of datapoints) {
        for (const [metric, value] of Object.entries(d.metrics || {})) {
          if (!metric.startsWith('aws:') && value && typeof value.number === 'number') custom.add(metric);
        }
      }
      for (const metric of [...custom].sort()) {
        chart(`custom-${metric}`, `Custom metric ${metric}`, [{ label: metric, data: series(datapoints, metric, 'number') }]);
      }
      if (!charts.size) {
        $('charts-note').textContent = 'No datapoint in this time range.';
        $('charts-note').hidden = false;
      } else if (chartsAvailable) {
        $('charts-note').hidden = true;
      }
    }

    function listText(node, value, member) {
      const list = value && Array.isArray(value[member]) ? value[member] : null;
      node.textContent = list === null ? 'not reported' : (list.length ? list.join(', ') : 'none');
    }

    async function refresh() {
      const range = Number($('range-select').value);
      const to = Math.floor(Date.now() / 1000);
      const query = new URLSearchParams({ from: String(to - range), to: String(to + 60) });
      const data = await api(`/api/things/${encodeURIComponent(name)}?${query}`);
      const now = data.serverTime;
      const t = data.thing;
      const summary = $('summary');
      clear(summary);
      const item = (label, value) => summary.append(el('div', {}, el('dt', { text: label }), el('dd', {}, value)));
      item('Last report', timeEl(t.lastReportTime, now));
      item('Last received', timeEl(t.lastReceivedTime, now));
      item('Format', t.format || '–');
      item('Accepted', fmtNumber(t.accepted));
      item('Rejected', fmtNumber(t.rejected));
      item('Active violations', fmtNumber(t.activeViolations));

      const latest = data.latest || {};
      listText($('tcp-ports'), latest['aws:listening-tcp-ports'], 'ports');
      listText($('udp-ports'), latest['aws:listening-udp-ports'], 'ports');
      const connections = latest['aws:num-established-tcp-connections'];
      $('connections').textContent = connections ? metricText(connections) : 'not reported';
      listText($('remotes'), latest['aws:destination-ip-addresses'], 'cidrs');

      renderCharts(data.datapoints || []);
      if (data.truncated) {
        $('charts-note').textContent = 'Showing the newest datapoints only; choose a shorter range for all.';
        $('charts-note').hidden = false;
      }
      renderActive($('active'), data.activeViolations || [], now, false, () => refreshNow());

      const tbody = document.querySelector('#timeline tbody');
      clear(tbody);
      for (const e of data.violationEvents || []) tbody.append(eventRow(e, false));
      $('timeline-empty').hidden = (data.violationEvents || []).length > 0;
    }

    const refreshNow = poll(async () => {
      try {
        await refresh();
      } catch (e) {
        if (e.status === 404) {
          $('summary').textContent = 'This thing is unknown to the detector.';
          return;
        }
        throw e;
      }
    });
    $('range-select').addEventListener('change', () => refreshNow());
  }

  // ---- the violations page -----------------------------------------------------------------

  function violationsPage() {
    const form = $('filters');
    // The filters live in the URL, so a reload or a shared link shows the same view.
    const params = new URLSearchParams(window.location.search);
    for (const field of form.elements) {
      if (field.name && params.has(field.name)) field.value = params.get(field.name);
    }

    async function refresh() {
      const query = new URLSearchParams();
      for (const field of ['thingName', 'securityProfileName', 'verificationState']) {
        const value = form.elements[field].value.trim();
        if (value) query.set(field, value);
      }
      const range = Number(form.elements.range.value) || 86400;
      const end = Math.floor(Date.now() / 1000);
      query.set('startTime', String(end - range));
      query.set('endTime', String(end + 60));
      const data = await api(`/api/violations?${query}`);
      renderActive($('active'), data.activeViolations || [], data.serverTime, true, () => refreshNow());
      const tbody = document.querySelector('#events tbody');
      clear(tbody);
      for (const e of data.violationEvents || []) tbody.append(eventRow(e, true));
      $('events-empty').hidden = (data.violationEvents || []).length > 0;
    }

    const refreshNow = poll(refresh);
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      const shown = new URLSearchParams();
      for (const field of form.elements) {
        if (field.name && field.value && !(field.name === 'range' && field.value === '86400')) {
          shown.set(field.name, field.value);
        }
      }
      const search = shown.toString();
      window.history.replaceState(null, '', search ? `?${search}` : window.location.pathname);
      refreshNow();
    });
  }

  const pages = { fleet: fleetPage, thing: thingPage, violations: violationsPage };
  const page = pages[document.body.dataset.page];
  if (page) page();
})();
