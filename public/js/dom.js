// Tiny DOM helpers. Every piece of data reaches the page through textContent or attributes set with
// setAttribute, never through innerHTML, so names like `<img onerror=…>` render as plain text.

/**
 * Create an element. `props`: `class`, `text`, `title`, `dataset` (object), `attrs` (object), `on` (events).
 * Children may be nodes or strings (strings become text nodes); null/undefined/false are skipped.
 */
export function h(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'class') node.className = value;
    else if (key === 'text') node.textContent = String(value);
    else if (key === 'dataset') Object.assign(node.dataset, value);
    else if (key === 'attrs')
      for (const [name, v] of Object.entries(value)) node.setAttribute(name, String(v));
    else if (key === 'on') for (const [name, fn] of Object.entries(value)) node.addEventListener(name, fn);
    else if (key === 'title') node.title = String(value);
    else node[key] = value;
  }
  append(node, children);
  return node;
}

function append(node, children) {
  for (const child of children) {
    if (child === undefined || child === null || child === false) continue;
    if (Array.isArray(child)) append(node, child);
    else node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Set textContent only when it changed (keeps selections and avoids layout work on every refresh). */
export function setText(node, value) {
  const text = String(value);
  if (node.textContent !== text) node.textContent = text;
}

export function setTitle(node, value) {
  const text = value === null || value === undefined ? '' : String(value);
  if (node.title !== text) node.title = text;
}

export function setClass(node, value) {
  if (node.className !== value) node.className = value;
}

/**
 * Keyed list rendering: reuse the node made for each key, create missing ones, drop stale ones and keep
 * the DOM order equal to `items`. `create(item)` returns a node; `update(node, item)` refreshes it.
 */
export function reconcile(container, items, key, create, update) {
  const known = container._keyed ?? new Map();
  const next = new Map();
  for (const item of items) {
    const id = key(item);
    const node = known.get(id) ?? create(item);
    update(node, item);
    next.set(id, node);
  }
  const keep = new Set(next.values());
  for (const child of [...container.childNodes]) if (!keep.has(child)) child.remove();
  let cursor = container.firstChild;
  for (const node of next.values()) {
    if (node === cursor) cursor = cursor.nextSibling;
    else container.insertBefore(node, cursor);
  }
  container._keyed = next;
}

/** Replace all children of `container` with `children`. */
export function replaceChildren(container, ...children) {
  container.replaceChildren();
  append(container, children);
}
