/**
 * The page's files: page.html (a template), page.css, and page.js, the browser script bundled from
 * `_page.ts` by `deno task build:page` and committed, so the server needs no bundler, no network
 * and no permission to run programs.
 *
 * @module
 */

import { CANVAS_SIDE } from "./protocol.ts";

/** The three files the server sends, read once at start. */
export interface PageAssets {
  /** page.html with its `{{…}}` slots. */
  readonly html: string;
  readonly css: string;
  readonly js: string;
}

/** Where the page's files are: beside this module. */
export const PAGE_FILES: Readonly<Record<keyof PageAssets, URL>> = Object.freeze({
  html: new URL("./page.html", import.meta.url),
  css: new URL("./page.css", import.meta.url),
  js: new URL("./page.js", import.meta.url),
});

/** What the page shows that changes from launch to launch. */
export interface PageValues {
  /** The per-launch token the page sends with every request. */
  readonly token: string;
  /** One line naming the model: weights file, sha256, layers, test accuracy. */
  readonly model: string;
  /** The set number offered for saving. */
  readonly nextSet: number;
}

/**
 * Read page.html, page.css and page.js from beside this module.
 *
 * @returns The three files' text.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { loadPageAssets } from "./page.ts";
 * const assets = await loadPageAssets();
 * assert.ok(assets.html.includes("{{token}}") && assets.js.length > 1000);
 * ```
 */
export async function loadPageAssets(): Promise<PageAssets> {
  const [html, css, js] = await Promise.all(
    [PAGE_FILES.html, PAGE_FILES.css, PAGE_FILES.js].map((url) => Deno.readTextFile(url)),
  );
  return { html, css, js };
}

/**
 * Fill the page's template: each `{{slot}}` (or `{{ slot }}`) with its value, HTML-escaped.
 *
 * @param template page.html.
 * @param values The token, the model line, the set offered.
 * @returns The page.
 * @throws {RangeError} When the template names a slot that has no value.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { renderPage } from "./page.ts";
 * const html = renderPage("<p>{{model}}</p>", { token: "t", model: "a <b> model", nextSet: 4 });
 * assert.equal(html, "<p>a &lt;b&gt; model</p>");
 * ```
 */
export function renderPage(template: string, values: PageValues): string {
  const slots: Record<string, string> = {
    token: values.token,
    model: values.model,
    next_set: String(values.nextSet),
    canvas_side: String(CANVAS_SIDE),
  };
  return template.replace(/\{\{\s*(\w+)\s*\}\}/g, (_, slot: string) => {
    if (!Object.hasOwn(slots, slot)) throw new RangeError(`Cannot render page: no value for "{{${slot}}}"`);
    return _escapeHtml(slots[slot]);
  });
}

const _ENTITIES: Readonly<Record<string, string>> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

function _escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => _ENTITIES[c]);
}
