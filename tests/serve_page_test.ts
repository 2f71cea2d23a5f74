import assert from "node:assert/strict";
import { loadPageAssets, PAGE_FILES, renderPage } from "../core/serve/page.ts";
import { ROOT, taskFlags } from "./_run_task.ts";

const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

Deno.test("core/serve/page.js is what `deno task build:page` bundles from core/serve/_page.ts now", async () => {
  const deno = JSON.parse(await Deno.readTextFile(`${ROOT}deno.json`));
  const command: string = deno.tasks["build:page"].command;
  assert.equal(
    command,
    "deno bundle --quiet --platform browser --check -o core/serve/page.js core/serve/_page.ts",
  );
  // the same bundle, to stdout instead of the file
  const out = await new Deno.Command("deno", {
    args: ["bundle", "--quiet", "--platform", "browser", "core/serve/_page.ts"],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(out.code, 0, decode(out.stderr));
  const committed = await Deno.readTextFile(PAGE_FILES.js);
  assert.ok(decode(out.stdout) === committed, 'core/serve/page.js is stale: run "deno task build:page"');
  assert.ok(
    !taskFlags("build:page").some((flag) => flag.startsWith("--allow")),
    "bundling needs no permission",
  );
});

Deno.test("core/serve/_page.ts type-checks against the browser's DOM", async () => {
  const out = await new Deno.Command("deno", {
    args: ["check", "--quiet", "core/serve/_page.ts"],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(out.code, 0, decode(out.stderr));
});

Deno.test("the page asks for nothing outside the server: no URL to another host in page.html, page.css or page.js", async () => {
  const { html, css, js } = await loadPageAssets();
  for (const [name, text] of Object.entries({ html, css, js })) {
    assert.deepEqual(text.match(/(https?:)?\/\/[a-z0-9.-]+\.[a-z]{2,}/gi) ?? [], [], name);
    assert.ok(!/@import|<iframe|eval\(|new Function/.test(text), name);
  }
  assert.ok(html.includes('<link rel="icon" href="data:,">'), "no favicon request");
});

Deno.test("renderPage() fills every slot of page.html, escaping the values", async () => {
  const { html } = await loadPageAssets();
  const page = renderPage(html, { token: "0123abcd", model: 'model "w.npz" <b>&', nextSet: 4 });
  assert.ok(!page.includes("{{"), "a slot was left empty");
  assert.ok(page.includes('<meta name="serve-token" content="0123abcd">'));
  assert.ok(page.includes("model &quot;w.npz&quot; &lt;b&gt;&amp;"));
  assert.ok(page.includes('value="4"'));
  assert.ok(page.includes('<canvas id="pad" width="280" height="280"'));
  assert.equal((page.match(/class="bar"/g) ?? []).length, 10);
  assert.equal((page.match(/<button type="button" data-digit="\d">/g) ?? []).length, 10);
});

Deno.test("renderPage() rejects a template slot it has no value for", () => {
  assert.throws(() => renderPage("{{token}} {{secret}}", { token: "t", model: "m", nextSet: 1 }), {
    name: "RangeError",
    message: 'Cannot render page: no value for "{{secret}}"',
  });
});
