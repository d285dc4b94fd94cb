/**
 * The one way the widget makes elements. Text goes in as text nodes, never as HTML:
 * there is deliberately no way to pass markup.
 */
type Child = Node | string | null | undefined | false;

export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string | boolean | undefined> = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) setAttr(node, name, value);
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    node.append(typeof child === 'string' ? document.createTextNode(child) : child);
  }
  return node;
}

/** Sets, or with false/undefined removes, an attribute. */
export function setAttr(node: Element, name: string, value: string | boolean | undefined): void {
  if (value === false || value === undefined) node.removeAttribute(name);
  else node.setAttribute(name, value === true ? '' : value);
}

/** Replaces an element's text only when it changed (keeps live regions from re-announcing). */
export function setText(node: Node, text: string): void {
  if (node.textContent !== text) node.textContent = text;
}
