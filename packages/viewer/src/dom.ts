/** A small element builder: the viewer's DOM is built with it, never from HTML strings. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Record<string, string> = {},
  ...children: Array<Node | string | null | undefined | false>
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (name === 'class') element.className = value;
    else element.setAttribute(name, value);
  }
  for (const child of children) if (child !== null && child !== undefined && child !== false) element.append(child);
  return element;
}

/** A link to a viewer route (`#/task/…`), keyboard-reachable like any link. */
export function routeLink(route: string, text: string, title?: string): HTMLAnchorElement {
  const link = h('a', { href: `#${route}` }, text);
  if (title) link.title = title;
  return link;
}

export async function copyText(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    // Clipboard access needs a secure context or a permission; fall back to a selection copy.
    const area = h('textarea', {}, text);
    document.body.append(area);
    area.select();
    const done = document.execCommand('copy');
    area.remove();
    return done;
  }
}
