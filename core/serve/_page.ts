/// <reference no-default-lib="true" />
/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/// <reference lib="esnext" />
/**
 * The page of `deno task serve`, in the browser: a canvas to draw on with Pointer Events, clear
 * and undo, image files (PNG or JPEG) dropped or chosen, and the server's reading of each drawing drawn as a
 * guess, ten bars, the 28 × 28 input, the hidden activations and each pixel's push.
 *
 * The network runs on the server (docs/serve.md says why): this script sends the drawing as the
 * PNG file a user would save ({@linkcode SENT_SIDE} pixels square), to {@linkcode READ_PATH}, and
 * shows the answer. While a stroke is
 * drawn it asks at most every {@linkcode LIVE_EVERY_MS} ms, one request at a time; when a stroke
 * ends it asks at once, and the time from the end of the stroke to the guess on the page is shown.
 *
 * Bundled into page.js by `deno task build:page` (tests/serve_page_test.ts checks the committed
 * bundle is current).
 *
 * @module
 */

import {
  CANVAS_SIDE,
  DRAWING_NAME,
  type ErrorBody,
  READ_PATH,
  type Reading,
  SAVE_PATH,
  type Saved,
  SENT_SIDE,
  TOKEN_HEADER,
} from "./protocol.ts";

/**
 * Pen width on the canvas, in pixels: a digit 200 px tall is scaled by 0.1 into the 20-px box, so
 * its strokes are 1.8 px wide there, near MNIST's 2.4.
 */
const PEN_WIDTH = 18;
/** While drawing, read the drawing at most this often. */
const LIVE_EVERY_MS = 150;
/** What a drawing with no ink is answered with; the page then asks for a digit instead. */
const BLANK = "no digit found";

type Point = [number, number];

/** A file dropped or chosen, shown instead of a drawing until the next stroke. */
interface OpenFile {
  name: string;
  bytes: Uint8Array<ArrayBuffer>;
}

const $ = <T extends Element>(selector: string): T => {
  const element = document.querySelector<T>(selector);
  if (element === null) throw new Error(`Cannot start the page: "${selector}" is missing`);
  return element;
};

const token = $<HTMLMetaElement>('meta[name="serve-token"]').content;
const pad = $<HTMLCanvasElement>("#pad");
const pen = pad.getContext("2d")!;
const result = $<HTMLElement>("#result");

const strokes: Point[][] = [];
let drawing: Point[] | null = null;
let openFile: OpenFile | null = null;
/** Requests made, and the newest whose answer is shown: an older answer never replaces a newer one. */
let asked = 0, shown = 0;
let liveInFlight: AbortController | null = null;
let liveTimer: ReturnType<typeof setTimeout> | null = null;
let lastLive = 0;
/** Strokes ended so far; the answer to a stroke's end is tagged with its number (data-stroke). */
let strokesEnded = 0;

// ---- drawing --------------------------------------------------------------------------------

function paper(): void {
  pen.fillStyle = "#fff";
  pen.fillRect(0, 0, CANVAS_SIDE, CANVAS_SIDE);
  pen.strokeStyle = "#000";
  pen.fillStyle = "#000";
  pen.lineWidth = PEN_WIDTH;
  pen.lineCap = "round";
  pen.lineJoin = "round";
}

function drawStroke(points: Point[]): void {
  if (points.length === 1) {
    pen.beginPath();
    pen.arc(points[0][0], points[0][1], PEN_WIDTH / 2, 0, 2 * Math.PI);
    pen.fill();
    return;
  }
  pen.beginPath();
  pen.moveTo(points[0][0], points[0][1]);
  for (const [x, y] of points.slice(1)) pen.lineTo(x, y);
  pen.stroke();
}

function redraw(): void {
  paper();
  for (const stroke of strokes) drawStroke(stroke);
}

function toCanvas(event: PointerEvent): Point {
  const box = pad.getBoundingClientRect();
  return [
    ((event.clientX - box.left) * CANVAS_SIDE) / box.width,
    ((event.clientY - box.top) * CANVAS_SIDE) / box.height,
  ];
}

pad.addEventListener("pointerdown", (event) => {
  if (event.button !== 0) return;
  event.preventDefault();
  pad.setPointerCapture(event.pointerId);
  if (openFile !== null) closeFile();
  drawing = [toCanvas(event)];
  strokes.push(drawing);
  drawStroke(drawing);
});

pad.addEventListener("pointermove", (event) => {
  if (drawing === null) return;
  const from = drawing.length - 1;
  for (const e of event.getCoalescedEvents?.() ?? [event]) drawing.push(toCanvas(e));
  pen.beginPath();
  pen.moveTo(drawing[from][0], drawing[from][1]);
  for (const [x, y] of drawing.slice(from + 1)) pen.lineTo(x, y);
  pen.stroke();
  readLive();
});

function endStroke(event: PointerEvent): void {
  if (drawing === null) return;
  drawing = null;
  strokesEnded++;
  void readDrawing(event.timeStamp, strokesEnded);
}
pad.addEventListener("pointerup", endStroke);
pad.addEventListener("pointercancel", endStroke);

$<HTMLButtonElement>("#undo").addEventListener("click", () => {
  if (openFile !== null) closeFile();
  else strokes.pop();
  redraw();
  void readDrawing(null, null);
});

$<HTMLButtonElement>("#clear").addEventListener("click", () => {
  if (openFile !== null) closeFile();
  strokes.length = 0;
  redraw();
  void readDrawing(null, null);
});

// ---- files ----------------------------------------------------------------------------------

async function open(file: File): Promise<void> {
  strokes.length = 0;
  openFile = { name: file.name, bytes: new Uint8Array(await file.arrayBuffer()) };
  paper();
  try {
    const picture = await createImageBitmap(file);
    const scale = Math.min(CANVAS_SIDE / picture.width, CANVAS_SIDE / picture.height);
    const w = picture.width * scale, h = picture.height * scale;
    pen.drawImage(picture, (CANVAS_SIDE - w) / 2, (CANVAS_SIDE - h) / 2, w, h);
  } catch {
    // the browser cannot show it; the server's reading says why
  }
  const label = $<HTMLElement>("#file-name");
  label.textContent = file.name;
  label.hidden = false;
  enableSave();
  await ask(openFile.bytes, openFile.name, "application/octet-stream", null, null);
}

function closeFile(): void {
  openFile = null;
  $<HTMLElement>("#file-name").hidden = true;
  paper();
}

const fileInput = $<HTMLInputElement>("#file");
fileInput.addEventListener("change", () => {
  const file = fileInput.files?.[0];
  if (file) void open(file);
  fileInput.value = "";
});

const frame = $<HTMLElement>("#pad-frame");
frame.addEventListener("dragover", (event) => {
  event.preventDefault();
  frame.classList.add("dropping");
});
frame.addEventListener("dragleave", () => frame.classList.remove("dropping"));
frame.addEventListener("drop", (event) => {
  event.preventDefault();
  frame.classList.remove("dropping");
  const file = event.dataTransfer?.files[0];
  if (file) void open(file);
});

// ---- reading --------------------------------------------------------------------------------

const sent = document.createElement("canvas");
sent.width = sent.height = SENT_SIDE;
const sentPen = sent.getContext("2d")!;
sentPen.imageSmoothingQuality = "high";

/**
 * The drawing as the PNG file the server reads and saves, base64: the canvas scaled to SENT_SIDE.
 * toDataURL encodes at once; toBlob waits for the browser to be idle, which can take a second.
 */
function drawingBase64(): string {
  sentPen.drawImage(pad, 0, 0, SENT_SIDE, SENT_SIDE);
  return sent.toDataURL("image/png").slice("data:image/png;base64,".length);
}

/** The drawing as PNG bytes. */
function drawingPng(): Uint8Array<ArrayBuffer> {
  return Uint8Array.from(atob(drawingBase64()), (c) => c.charCodeAt(0));
}

/** During a stroke: read the drawing so far, at most every LIVE_EVERY_MS, one request at a time. */
function readLive(): void {
  if (liveInFlight !== null || liveTimer !== null) return;
  const wait = Math.max(0, lastLive + LIVE_EVERY_MS - performance.now());
  liveTimer = setTimeout(() => {
    liveTimer = null;
    if (drawing === null) return;
    lastLive = performance.now();
    const controller = new AbortController();
    liveInFlight = controller;
    void ask(drawingPng(), DRAWING_NAME, "image/png", null, null, controller.signal).finally(() => {
      if (liveInFlight === controller) liveInFlight = null;
    });
  }, wait);
}

/**
 * Read the drawing now: after a stroke (then `since` is the stroke's end, and `stroke` its number),
 * an undo or a clear. An empty canvas is not sent: the page asks for a digit.
 */
async function readDrawing(since: number | null, stroke: number | null): Promise<void> {
  liveInFlight?.abort();
  if (liveTimer !== null) clearTimeout(liveTimer);
  liveTimer = null;
  enableSave();
  if (strokes.length === 0) {
    showBlank(++asked, stroke);
    return;
  }
  await ask(drawingPng(), DRAWING_NAME, "image/png", since, stroke);
}

async function ask(
  png: Uint8Array<ArrayBuffer>,
  name: string,
  type: string,
  since: number | null,
  stroke: number | null,
  signal?: AbortSignal,
): Promise<void> {
  const id = ++asked;
  let response: Response;
  let body: Reading | ErrorBody;
  try {
    response = await fetch(`${READ_PATH}?name=${encodeURIComponent(name)}`, {
      method: "POST",
      headers: { "content-type": type, [TOKEN_HEADER]: token },
      body: png,
      signal,
    });
    body = await response.json();
  } catch (error) {
    if (signal?.aborted) return;
    if (id > shown) showError(id, `Cannot reach the server: ${(error as Error).message}`, stroke);
    return;
  }
  if (id < shown) return;
  if ("error" in body) {
    if (body.error.includes(BLANK) && name === DRAWING_NAME) showBlank(id, stroke);
    else showError(id, body.error, stroke);
    return;
  }
  showReading(id, body, stroke);
  if (since !== null) {
    const ms = performance.now() - since;
    const latency = $<HTMLElement>("#latency");
    latency.textContent = `read ${ms.toFixed(1)} ms after the stroke ended (the server took ${
      body.serverMs.toFixed(1)
    } ms)`;
    latency.dataset.ms = ms.toFixed(2);
    latency.dataset.serverMs = String(body.serverMs);
  }
}

// ---- showing --------------------------------------------------------------------------------

function setState(id: number, state: string, stroke: number | null): void {
  shown = id;
  result.dataset.state = state;
  if (stroke !== null) result.dataset.stroke = String(stroke);
}

function showBlank(id: number, stroke: number | null): void {
  setState(id, "blank", stroke);
  $<HTMLElement>("#guess").textContent = "";
  $<HTMLElement>("#status").textContent = "draw a digit";
  $<HTMLElement>("#confidence").textContent = "";
  showBars(null);
  for (const canvas of [$<HTMLCanvasElement>("#seen"), $<HTMLCanvasElement>("#push")]) {
    canvas.getContext("2d")!.clearRect(0, 0, 28, 28);
  }
  $<HTMLElement>("#hidden").replaceChildren();
}

function showError(id: number, message: string, stroke: number | null): void {
  showBlank(id, stroke);
  result.dataset.state = "error";
  $<HTMLElement>("#status").textContent = message;
}

function showReading(id: number, reading: Reading, stroke: number | null): void {
  setState(id, "guess", stroke);
  const k = reading.predicted;
  $<HTMLElement>("#guess").textContent = String(k);
  $<HTMLElement>("#status").textContent = `the network reads ${openFile ? reading.name : "your drawing"} as`;
  $<HTMLElement>("#confidence").textContent = `${(reading.confidence * 100).toFixed(1)}% sure`;
  showBars(reading);
  showPixels($<HTMLCanvasElement>("#seen"), reading.input, (v) => [255 * v, 255 * v, 255 * v]);
  const scale = robustScale(reading.contributions);
  showPixels($<HTMLCanvasElement>("#push"), reading.contributions, (c) => diverging(c / scale));
  showHidden(reading);
  const L = reading.hidden.length;
  $<HTMLElement>("#push-caption").innerHTML =
    `<b>x ⊙ ∂z<sub>${L}</sub>[${k}]/∂x</b>: how much each pixel pushed ` +
    `the logit of ${k}: <span class="push">red</span> toward it, <span class="pull">blue</span> away`;
}

function showBars(reading: Reading | null): void {
  for (const bar of document.querySelectorAll<HTMLElement>(".bar")) {
    const k = Number(bar.dataset.digit);
    const p = reading?.probabilities[k] ?? 0;
    bar.querySelector<HTMLElement>(".fill")!.style.width = `${(p * 100).toFixed(1)}%`;
    bar.querySelector<HTMLElement>(".value")!.textContent = reading ? `${(p * 100).toFixed(1)}%` : "";
    bar.classList.toggle("top", reading?.predicted === k);
  }
}

/** Paint values onto a canvas of their size (28 × 28, or a grid of hidden units), one pixel each. */
function showPixels(canvas: HTMLCanvasElement, values: number[], colour: (v: number) => number[]): void {
  const context = canvas.getContext("2d")!;
  const image = context.createImageData(canvas.width, canvas.height);
  values.forEach((v, i) => {
    const [r, g, b] = colour(v);
    image.data.set([r, g, b, 255], 4 * i);
  });
  context.putImageData(image, 0, 0);
}

/**
 * The size that maps to full colour in the heat map: the 98th percentile of the pushes that are
 * not 0, so that a few strong pixels do not wash out the rest (stronger ones saturate).
 */
function robustScale(values: number[]): number {
  const sizes = values.filter((v) => v !== 0).map(Math.abs).sort((a, b) => a - b);
  return Math.max(1e-9, sizes[Math.floor(0.98 * (sizes.length - 1))] ?? 0);
}

/** White at 0, red toward +1, blue toward −1. */
function diverging(t: number): number[] {
  const s = Math.min(1, Math.abs(t));
  return t >= 0 ? [255, 255 * (1 - s * 0.8), 255 * (1 - s)] : [255 * (1 - s), 255 * (1 - s * 0.6), 255];
}

function showHidden(reading: Reading): void {
  const box = $<HTMLElement>("#hidden");
  const grids = reading.hidden.map((a) => {
    const columns = Math.ceil(Math.sqrt(a.length));
    const canvas = document.createElement("canvas");
    canvas.width = columns;
    canvas.height = Math.ceil(a.length / columns);
    canvas.style.height = `${(224 * canvas.height) / columns}px`;
    const top = Math.max(1e-9, ...a.map(Math.abs));
    showPixels(canvas, a, (v) => v >= 0 ? [255 * v / top, 200 * v / top, 60 * v / top] : diverging(v / top));
    return canvas;
  });
  box.replaceChildren(...grids);
  const layers = reading.hidden.map((a, l) =>
    `a<sub>${l}</sub> = ${reading.activation}(z<sub>${l}</sub>), ${a.length} units`
  ).join("; ");
  $<HTMLElement>("#hidden-caption").innerHTML =
    `<b>a</b>, the hidden layers' activations, one square per unit ` +
    `(brighter is larger): ${layers}`;
}

// ---- saving ---------------------------------------------------------------------------------

function enableSave(): void {
  for (const button of document.querySelectorAll<HTMLButtonElement>("#save-digits button")) {
    button.disabled = strokes.length === 0 || openFile !== null;
  }
}

for (const button of document.querySelectorAll<HTMLButtonElement>("#save-digits button")) {
  button.addEventListener("click", async () => {
    const saved = $<HTMLElement>("#saved");
    const set = Number($<HTMLInputElement>("#set").value);
    const digit = Number(button.dataset.digit);
    saved.textContent = "saving…";
    try {
      const response = await fetch(SAVE_PATH, {
        method: "POST",
        headers: { "content-type": "application/json", [TOKEN_HEADER]: token },
        body: JSON.stringify({ set, digit, png: drawingBase64() }),
      });
      const body: Saved | ErrorBody = await response.json();
      saved.dataset.state = "error" in body ? "error" : "saved";
      saved.textContent = "error" in body
        ? body.error
        : `saved ${body.file}; read the set with ${body.check}`;
    } catch (error) {
      saved.dataset.state = "error";
      saved.textContent = `Cannot reach the server: ${(error as Error).message}`;
    }
  });
}

paper();
enableSave();
