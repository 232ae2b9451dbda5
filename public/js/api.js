// Fetching /api/* with an optional dashboard key, the key prompt, the live/connection indicator and the
// polling loop both pages use. The API lives at /api/... from the origin root on Node (/dashboard/ pages)
// and on the Worker (static assets), so paths here are absolute while page assets stay relative.

import { h } from './dom.js';
import { ago, clock } from './format.js';

const KEY_STORAGE = 'llm-router.dashboard.key';

export class AuthError extends Error {
  constructor(hadKey) {
    super(hadKey ? 'The saved key was rejected' : 'This router requires a key');
    this.name = 'AuthError';
    this.hadKey = hadKey;
  }
}

export function savedKey() {
  try {
    return localStorage.getItem(KEY_STORAGE) || null;
  } catch {
    return null;
  }
}

function saveKey(key) {
  try {
    if (key) localStorage.setItem(KEY_STORAGE, key);
    else localStorage.removeItem(KEY_STORAGE);
  } catch {
    // Storage disabled (private mode): the key then lives for this page only.
  }
  sessionKey = key || null;
}

let sessionKey = savedKey();

/** GET a JSON endpoint; throws AuthError on 401 and Error on other failures. */
export async function getJson(path, signal) {
  const headers = { accept: 'application/json' };
  const key = sessionKey;
  if (key) headers.authorization = `Bearer ${key}`;
  const response = await fetch(path, { headers, cache: 'no-store', credentials: 'same-origin', signal });
  if (response.status === 401) throw new AuthError(Boolean(key));
  if (!response.ok) {
    let detail = '';
    try {
      const body = await response.json();
      detail = body?.error?.message ? `: ${body.error.message}` : '';
    } catch {
      // not JSON
    }
    throw new Error(`HTTP ${response.status}${detail}`);
  }
  return response.json();
}

// ---------------------------------------------------------------------------------------------------
// Key prompt

let keyDialog = null;
let keyWaiters = [];

/** Show the key form and resolve once the user submitted a key. */
function askForKey(error) {
  if (!keyDialog) keyDialog = buildKeyDialog();
  const { dialog, message, input } = keyDialog;
  message.textContent = error.hadKey
    ? 'The saved key was rejected. Enter a valid dashboard or API key.'
    : 'This router requires a key for its dashboard API. Enter a dashboard or API key.';
  message.className = error.hadKey ? 'auth-message error' : 'auth-message';
  if (!dialog.open) {
    if (typeof dialog.showModal === 'function') dialog.showModal();
    else dialog.setAttribute('open', '');
  }
  input.value = '';
  input.focus();
  return new Promise((resolve) => keyWaiters.push(resolve));
}

function buildKeyDialog() {
  const input = h('input', {
    id: 'auth-key',
    type: 'password',
    name: 'key',
    required: true,
    autocomplete: 'current-password',
    spellcheck: false,
    placeholder: 'sk-…',
  });
  const message = h('p', { class: 'auth-message' });
  const form = h(
    'form',
    { method: 'dialog', class: 'auth-form' },
    h('h2', { text: 'Key required' }),
    message,
    h('label', { attrs: { for: 'auth-key' }, text: 'Key' }),
    input,
    h('p', { class: 'auth-hint', text: 'Stored in this browser (localStorage) and sent as a Bearer token.' }),
    h(
      'div',
      { class: 'auth-actions' },
      h('button', { type: 'submit', class: 'btn primary', text: 'Connect' }),
    ),
  );
  const dialog = h('dialog', { id: 'auth-dialog', class: 'auth-dialog' }, form);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const key = input.value.trim();
    if (!key) return;
    saveKey(key);
    dialog.close();
    const waiters = keyWaiters;
    keyWaiters = [];
    for (const resolve of waiters) resolve(key);
    renderKeyButton();
  });
  // Escape must not leave the page without data and without a way back: keep the dialog up.
  dialog.addEventListener('cancel', (event) => event.preventDefault());
  document.body.append(dialog);
  return { dialog, message, input };
}

/** "Forget key" in the header while a key is stored. */
function renderKeyButton() {
  const slot = document.getElementById('key-slot');
  if (!slot) return;
  slot.replaceChildren();
  if (!sessionKey) return;
  slot.append(
    h('button', {
      type: 'button',
      class: 'btn ghost small',
      text: 'Forget key',
      title: 'Remove the stored dashboard key from this browser',
      on: {
        click: () => {
          saveKey(null);
          renderKeyButton();
          location.reload();
        },
      },
    }),
  );
}

// ---------------------------------------------------------------------------------------------------
// Live indicator

const STALE_AFTER_MS = 5000;

class LiveIndicator {
  constructor(node) {
    this.node = node;
    this.lastOk = 0;
    this.error = null;
    if (!node) return;
    this.dot = h('span', { class: 'live-dot', attrs: { 'aria-hidden': 'true' } });
    this.label = h('span', { class: 'live-label', text: 'connecting…' });
    node.replaceChildren(this.dot, this.label);
    setInterval(() => this.render(), 1000);
  }

  ok() {
    this.lastOk = Date.now();
    this.error = null;
    this.render();
  }

  fail(error) {
    this.error = error;
    this.render();
  }

  render() {
    if (!this.node) return;
    let state;
    let text;
    const since = this.lastOk ? Date.now() - this.lastOk : Number.POSITIVE_INFINITY;
    if (this.error instanceof AuthError) {
      state = 'auth';
      text = 'key required';
    } else if (this.error || since > STALE_AFTER_MS) {
      state = 'lost';
      text = this.lastOk ? `connection lost · last update ${ago(this.lastOk)}` : 'connection lost';
      if (!this.error && !this.lastOk) {
        state = 'connecting';
        text = 'connecting…';
      }
    } else {
      state = 'ok';
      text = `live · updated ${clock(this.lastOk)}`;
    }
    this.node.dataset.state = state;
    this.node.title = this.error ? String(this.error.message ?? this.error) : '';
    if (this.label.textContent !== text) this.label.textContent = text;
    document.body.classList.toggle('is-stale', state === 'lost' && this.lastOk > 0);
  }
}

/**
 * Poll `path` every `intervalMs` (measured from the end of the previous fetch, so a slow router never
 * piles requests up) and hand each JSON body to `onData`. Pauses while the tab is hidden. A router that
 * answers `refresh_interval_ms` (config dashboard.refresh_interval) sets the period from then on.
 */
export function poll(path, intervalMs, onData) {
  const indicator = new LiveIndicator(document.getElementById('live-status'));
  renderKeyButton();
  let timer = null;
  let running = false;

  async function tick() {
    timer = null;
    if (running) return;
    running = true;
    const controller = new AbortController();
    const timeout = setTimeout(() => controller.abort(), Math.max(4000, intervalMs * 4));
    try {
      const data = await getJson(path, controller.signal);
      indicator.ok();
      const asked = data?.system?.refresh_interval_ms ?? data?.refresh_interval_ms;
      if (typeof asked === 'number' && asked > 0) intervalMs = asked;
      onData(data);
    } catch (error) {
      indicator.fail(error);
      if (error instanceof AuthError) {
        running = false;
        clearTimeout(timeout);
        await askForKey(error);
        schedule(0);
        return;
      }
      if (!(error instanceof Error) || error.name !== 'AbortError')
        console.warn('dashboard fetch failed', error);
    } finally {
      clearTimeout(timeout);
      running = false;
    }
    schedule(intervalMs);
  }

  function schedule(delay) {
    if (timer !== null) clearTimeout(timer);
    if (document.hidden) return;
    timer = setTimeout(tick, delay);
  }

  document.addEventListener('visibilitychange', () => {
    if (!document.hidden && timer === null && !running) schedule(0);
  });
  schedule(0);
}
