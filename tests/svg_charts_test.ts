import assert from "node:assert/strict";
import {
  confusionMatrixSvg,
  escapeXml,
  lineChartSvg,
  perClassBarsSvg,
  probabilityBarsSvg,
  sideBySideSvg,
  trainingCurvesSvgs,
} from "../core/reports/svg_charts.ts";

const EPOCHS = [1, 2, 3, 4];
const SERIES = [
  { name: "train", values: [0.5, 0.3, 0.2, 0.15] },
  { name: "validation", values: [0.45, 0.32, 0.28, 0.27] },
];
const OPTIONS = { title: "Loss per epoch", xLabel: "epoch", yLabel: "loss", includeZero: true };

function count(text: string, needle: string): number {
  return text.split(needle).length - 1;
}

function texts(svg: string): string[] {
  return [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]);
}

/** A 10 × 10 confusion matrix: 95 right per class, mistakes spread off the diagonal. */
function confusion10(): number[][] {
  return Array.from(
    { length: 10 },
    (_, i) => Array.from({ length: 10 }, (_, j) => i === j ? 95 : (i + j) % 3),
  );
}

async function python3Available(): Promise<boolean> {
  try {
    const { success } = await new Deno.Command("python3", { args: ["-c", "import xml.dom.minidom"] })
      .output();
    return success;
  } catch {
    return false;
  }
}

Deno.test("lineChartSvg() draws a line and a legend entry per series, with a title and axis labels", () => {
  const svg = lineChartSvg(EPOCHS, SERIES, OPTIONS);
  assert.ok(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg" width="520" height="320"'));
  assert.equal(count(svg, "<polyline"), 2);
  assert.equal(count(svg, "<circle"), 8);
  const labels = texts(svg);
  for (const label of ["Loss per epoch", "train", "validation", "epoch", "loss", "1", "4"]) {
    assert.ok(labels.includes(label), `missing text "${label}"`);
  }
});

Deno.test("lineChartSvg() puts round tick values on the y axis, from zero when asked", () => {
  const labels = texts(lineChartSvg(EPOCHS, SERIES, OPTIONS));
  for (const tick of ["0.0", "0.1", "0.2", "0.3", "0.4", "0.5"]) assert.ok(labels.includes(tick), tick);
  assert.ok(!labels.includes("0.6"));
});

Deno.test("lineChartSvg() labels accuracy ticks as percentages and stops the axis at its ceiling", () => {
  const svg = lineChartSvg([1, 2, 3], [{ name: "train", values: [0.9, 0.97, 0.995] }], {
    title: "Accuracy",
    xLabel: "epoch",
    yLabel: "accuracy",
    percent: true,
    yCeiling: 1,
  });
  const labels = texts(svg);
  assert.ok(labels.includes("90%") && labels.includes("100%"), labels.join(" "));
  assert.ok(!labels.some((t) => /^10[1-9]%$|^1[1-9]0%$/.test(t)), labels.join(" "));
});

Deno.test("lineChartSvg() leaves a gap at a missing or non-finite value instead of drawing through it", () => {
  const svg = lineChartSvg([1, 2, 3, 4, 5], [{ name: "train", values: [1, 0.5, null, 0.3, NaN] }], OPTIONS);
  // points 1–2 form one line; point 4 stands alone, so only its dot is drawn
  assert.equal(count(svg, "<polyline"), 1);
  assert.equal(count(svg, "<circle"), 3);
  assert.ok(!svg.includes("NaN"));
});

Deno.test("lineChartSvg() says there is no data when every value is missing", () => {
  const svg = lineChartSvg([1, 2], [{ name: "validation", values: [null, null] }], OPTIONS);
  assert.ok(texts(svg).includes("no data"));
  assert.equal(count(svg, "<polyline"), 0);
});

Deno.test("lineChartSvg() draws a single epoch as a dot", () => {
  const svg = lineChartSvg([1], [{ name: "train", values: [0.4] }], OPTIONS);
  assert.equal(count(svg, "<circle"), 1);
  assert.ok(!svg.includes("NaN") && !svg.includes("Infinity"));
});

Deno.test("lineChartSvg() escapes the title, axis labels and series names", () => {
  const svg = lineChartSvg([1, 2], [{ name: `a<b>&"c"`, values: [1, 2] }], {
    title: "<script>alert(1)</script>",
    xLabel: "x & y",
    yLabel: "'quoted'",
  });
  assert.ok(!svg.includes("<script>") && !svg.includes("<b>"));
  assert.ok(svg.includes("&lt;script&gt;alert(1)&lt;/script&gt;"));
  assert.ok(svg.includes("a&lt;b&gt;&amp;&quot;c&quot;"));
  assert.ok(svg.includes("x &amp; y") && svg.includes("&#39;quoted&#39;"));
});

Deno.test("lineChartSvg() gives the same bytes for the same input", () => {
  assert.equal(lineChartSvg(EPOCHS, SERIES, OPTIONS), lineChartSvg(EPOCHS, SERIES, OPTIONS));
});

Deno.test("lineChartSvg() rejects a series whose length differs from the x values", () => {
  assert.throws(() => lineChartSvg([1, 2, 3], [{ name: "train", values: [1, 2] }], OPTIONS), {
    name: "ShapeError",
    message: 'Cannot draw chart "Loss per epoch": series "train" has 2 values, expected 3',
  });
});

Deno.test("lineChartSvg() rejects x values that do not increase", () => {
  assert.throws(() => lineChartSvg([1, 3, 2], [{ name: "train", values: [1, 2, 3] }], OPTIONS), {
    name: "LimitError",
    message: 'Cannot draw chart "Loss per epoch": x values must increase, but 2 follows 3',
  });
});

Deno.test("lineChartSvg() rejects a chart with no series", () => {
  assert.throws(() => lineChartSvg([1], [], OPTIONS), {
    name: "ShapeError",
    message: 'Cannot draw chart "Loss per epoch": no series given',
  });
});

Deno.test("trainingCurvesSvgs() plots train and validation loss and accuracy per epoch", () => {
  const { loss, accuracy } = trainingCurvesSvgs([
    { epoch: 1, train_loss: 0.4, train_accuracy: 0.89, val_loss: 0.3, val_accuracy: 0.91 },
    { epoch: 2, train_loss: 0.2, train_accuracy: 0.94, val_loss: 0.25, val_accuracy: 0.93 },
    { epoch: 3, train_loss: 0.1, train_accuracy: 0.97, val_loss: null, val_accuracy: null },
  ]);
  assert.ok(texts(loss).includes("Loss per epoch") && texts(accuracy).includes("Accuracy per epoch"));
  assert.equal(count(loss, "<polyline"), 2);
  assert.equal(count(accuracy, "<circle"), 5);
  assert.ok(texts(accuracy).some((t) => t.endsWith("%")));
});

Deno.test("sideBySideSvg() places charts next to each other in one document", () => {
  const a = lineChartSvg(EPOCHS, SERIES, OPTIONS);
  const b = lineChartSvg(EPOCHS, SERIES, { ...OPTIONS, width: 300, height: 400 });
  const svg = sideBySideSvg([a, b], 20);
  assert.ok(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg" width="840" height="400"'));
  assert.ok(svg.includes('<svg x="540" y="0"'));
  assert.equal(count(svg, "<polyline"), 4);
});

Deno.test("sideBySideSvg() rejects a part without a numeric size", () => {
  assert.throws(() => sideBySideSvg(["<svg></svg>"]), {
    name: "ShapeError",
    message: "Cannot join charts: chart 0 has no numeric width and height on its <svg> element",
  });
});

Deno.test("confusionMatrixSvg() draws exactly 100 cells for 10 classes, holding every count", () => {
  const matrix = confusion10();
  const svg = confusionMatrixSvg(matrix, ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"]);
  const cells = [
    ...svg.matchAll(/<rect class="cm-cell"[^>]*data-true="(\d+)" data-predicted="(\d+)" data-count="(\d+)"/g),
  ];
  assert.equal(cells.length, 100);
  for (const [, i, j, n] of cells) assert.equal(Number(n), matrix[Number(i)][Number(j)]);
  const total = matrix.flat().reduce((a, b) => a + b, 0);
  assert.equal(cells.reduce((sum, m) => sum + Number(m[3]), 0), total);
  assert.ok(texts(svg).includes(`rows: true digit · columns: predicted digit · ${total} images`));
  // each count is written in its cell
  assert.ok(count(svg, ">95</text>") === 10);
});

Deno.test("confusionMatrixSvg() colours right answers blue and mistakes red, empty cells white", () => {
  const svg = confusionMatrixSvg([[9, 1], [0, 10]], ["a", "b"]);
  const fill = (i: number, j: number) =>
    svg.match(new RegExp(`fill="(#[0-9a-f]{6})"[^>]*data-true="${i}" data-predicted="${j}"`))![1];
  assert.equal(fill(1, 0), "#ffffff");
  const [r, g, b] = [1, 3, 5].map((k) => parseInt(fill(0, 1).slice(k, k + 2), 16));
  assert.ok(r > g && r > b, fill(0, 1));
  const [r2, , b2] = [1, 3, 5].map((k) => parseInt(fill(1, 1).slice(k, k + 2), 16));
  assert.ok(b2 > r2, fill(1, 1));
});

Deno.test("confusionMatrixSvg() escapes class names", () => {
  const svg = confusionMatrixSvg([[1, 0], [0, 1]], ["<cat>", "dog & co"]);
  assert.ok(!svg.includes("<cat>"));
  assert.ok(svg.includes("&lt;cat&gt;") && svg.includes("dog &amp; co"));
});

Deno.test("confusionMatrixSvg() rejects a matrix that is not K × K", () => {
  assert.throws(() => confusionMatrixSvg([[1, 2], [3]], ["a", "b"]), {
    name: "ShapeError",
    message: "Cannot draw confusion matrix: row 1 has 1 columns, expected 2",
  });
  assert.throws(() => confusionMatrixSvg([[1, 2]], ["a", "b"]), {
    name: "ShapeError",
    message: "Cannot draw confusion matrix: it has 1 rows, expected 2",
  });
});

Deno.test("confusionMatrixSvg() rejects a count that is negative or fractional", () => {
  assert.throws(() => confusionMatrixSvg([[1, -2], [3, 4]], ["a", "b"]), {
    name: "LimitError",
    message: "Cannot draw confusion matrix: cell [0][1] is -2, expected a count",
  });
  assert.throws(() => confusionMatrixSvg([[1, 2], [3, 0.5]], ["a", "b"]), { name: "LimitError" });
});

Deno.test("perClassBarsSvg() draws one bar per class with its share and counts, the weakest in orange", () => {
  const perClass = Array.from({ length: 10 }, (_, k) => ({ name: String(k), correct: 990 - k, total: 1000 }));
  const svg = perClassBarsSvg(perClass);
  assert.equal(count(svg, 'class="bar"'), 10);
  assert.ok(texts(svg).includes("99.0% (990/1000)") && texts(svg).includes("98.1% (981/1000)"));
  assert.equal(count(svg, 'fill="#ea580c"'), 1);
  assert.ok(svg.match(/fill="#ea580c" data-class="9"/));
  // the axis is zoomed in and says where it starts
  assert.ok(texts(svg).some((t) => /^test set · axis starts at \d+(\.\d)?%$/.test(t)), texts(svg).join("|"));
});

Deno.test("perClassBarsSvg() makes longer bars for higher accuracy", () => {
  const svg = perClassBarsSvg([{ name: "a", correct: 90, total: 100 }, {
    name: "b",
    correct: 99,
    total: 100,
  }]);
  const widths = [...svg.matchAll(/class="bar" x="\d+" y="[\d.]+" width="([\d.]+)"/g)].map((m) =>
    Number(m[1])
  );
  assert.equal(widths.length, 2);
  assert.ok(widths[1] > widths[0] && widths[0] > 0);
});

Deno.test("perClassBarsSvg() shows a class without test images as text, not a bar", () => {
  const svg = perClassBarsSvg([{ name: "a", correct: 5, total: 10 }, { name: "b", correct: 0, total: 0 }]);
  assert.equal(count(svg, 'class="bar"'), 1);
  assert.ok(texts(svg).includes("no test images"));
});

Deno.test("perClassBarsSvg() rejects more correct answers than images", () => {
  assert.throws(() => perClassBarsSvg([{ name: "a", correct: 11, total: 10 }]), {
    name: "LimitError",
    message:
      "Cannot draw per-class accuracy: class 0 has correct 11 of total 10, expected counts with correct ≤ total",
  });
});

Deno.test("probabilityBarsSvg() draws ten bars and colours the chosen one green when it is expected", () => {
  const p = [0.01, 0.01, 0.01, 0.9, 0.01, 0.02, 0.01, 0.01, 0.01, 0.01];
  const svg = probabilityBarsSvg(p, { expected: 3 });
  assert.equal(count(svg, 'class="prob"'), 10);
  assert.ok(svg.match(/class="prob"[^>]*fill="#16a34a" data-class="3"/));
  assert.ok(svg.includes('text-decoration="underline">3</text>'));
  const heights = [...svg.matchAll(/class="prob"[^>]*height="([\d.]+)"/g)].map((m) => Number(m[1]));
  assert.equal(Math.max(...heights), heights[3]);
});

Deno.test("probabilityBarsSvg() colours a wrong answer red and underlines the expected digit", () => {
  const p = [0, 0, 0, 0, 0.6, 0, 0, 0, 0, 0.4];
  const svg = probabilityBarsSvg(p, { expected: 9, predicted: 4 });
  assert.ok(svg.match(/fill="#dc2626" data-class="4"/));
  assert.ok(svg.includes('text-decoration="underline">9</text>'));
});

Deno.test("probabilityBarsSvg() colours the most probable bar blue when nothing is expected", () => {
  const svg = probabilityBarsSvg([0.2, 0.7, 0.1]);
  assert.ok(svg.match(/fill="#2563eb" data-class="1"/));
  assert.ok(!svg.includes("underline"));
});

Deno.test("probabilityBarsSvg() rejects a value outside [0, 1] or not a number", () => {
  assert.throws(() => probabilityBarsSvg([0.5, 1.5]), {
    name: "LimitError",
    message: "Cannot draw probabilities: value 1 is 1.5, expected a number in [0, 1]",
  });
  assert.throws(() => probabilityBarsSvg([NaN]), { name: "LimitError" });
  assert.throws(() => probabilityBarsSvg([0.5, 0.5], { expected: 2 }), {
    name: "LimitError",
    message: "Cannot draw probabilities: expected class is 2, expected an integer in [0, 1]",
  });
});

Deno.test("escapeXml() escapes markup characters and replaces control characters XML forbids", () => {
  assert.equal(escapeXml(`<a href='x'>"&"</a>`), "&lt;a href=&#39;x&#39;&gt;&quot;&amp;&quot;&lt;/a&gt;");
  assert.equal(escapeXml("a\u0000b\u0007c\td\ne"), "a\ufffdb\ufffdc\td\ne");
});

Deno.test({
  name: "every chart is well-formed XML (checked by python3's xml parser)",
  ignore: !(await python3Available()),
  async fn() {
    const svgs = [
      lineChartSvg(EPOCHS, SERIES, { ...OPTIONS, title: `<&"'>` }),
      sideBySideSvg(Object.values(trainingCurvesSvgs([
        { epoch: 1, train_loss: 0.4, train_accuracy: 0.89, val_loss: 0.3, val_accuracy: 0.91 },
      ]))),
      confusionMatrixSvg(confusion10(), ["0", "1", "2", "3", "4", "5", "6", "7", "8", "<9>"]),
      perClassBarsSvg([{ name: "a&b", correct: 1, total: 2 }]),
      probabilityBarsSvg([0.1, 0.9], { expected: 0 }),
    ];
    const script = "import sys, json, xml.dom.minidom\n" +
      "for s in json.load(sys.stdin): xml.dom.minidom.parseString(s.encode())\nprint('ok')";
    const child = new Deno.Command("python3", {
      args: ["-c", script],
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    })
      .spawn();
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode(JSON.stringify(svgs)));
    await writer.close();
    const { success, stdout, stderr } = await child.output();
    assert.ok(success, new TextDecoder().decode(stderr));
    assert.equal(new TextDecoder().decode(stdout).trim(), "ok");
  },
});
