// core/serve/protocol.ts
var READ_PATH = "/api/read";
var SAVE_PATH = "/api/save";
var TOKEN_HEADER = "x-serve-token";
var CANVAS_SIDE = 280;
var SENT_SIDE = 140;
var DRAWING_NAME = "drawing.png";

// core/serve/_page.ts
var PEN_WIDTH = 18;
var LIVE_EVERY_MS = 150;
var BLANK = "no digit found";
var $ = (selector) => {
  const element = document.querySelector(selector);
  if (element === null) throw new Error(`Cannot start the page: "${selector}" is missing`);
  return element;
};
var token = $('meta[name="serve-token"]').content;
var pad = $("#pad");
var pen = pad.getContext("2d");
var result = $("#result");
var strokes = [];
var drawing = null;
var openFile = null;
var asked = 0;
var shown = 0;
var liveInFlight = null;
var liveTimer = null;
var lastLive = 0;
var strokesEnded = 0;
function paper() {
  pen.fillStyle = "#fff";
  pen.fillRect(0, 0, CANVAS_SIDE, CANVAS_SIDE);
  pen.strokeStyle = "#000";
  pen.fillStyle = "#000";
  pen.lineWidth = PEN_WIDTH;
  pen.lineCap = "round";
  pen.lineJoin = "round";
}
function drawStroke(points) {
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
function redraw() {
  paper();
  for (const stroke of strokes) drawStroke(stroke);
}
function toCanvas(event) {
  const box = pad.getBoundingClientRect();
  return [
    (event.clientX - box.left) * CANVAS_SIDE / box.width,
    (event.clientY - box.top) * CANVAS_SIDE / box.height
  ];
}
pad.addEventListener("pointerdown", (event) => {
  if (event.button !== 0) return;
  event.preventDefault();
  pad.setPointerCapture(event.pointerId);
  if (openFile !== null) closeFile();
  drawing = [
    toCanvas(event)
  ];
  strokes.push(drawing);
  drawStroke(drawing);
});
pad.addEventListener("pointermove", (event) => {
  if (drawing === null) return;
  const from = drawing.length - 1;
  for (const e of event.getCoalescedEvents?.() ?? [
    event
  ]) drawing.push(toCanvas(e));
  pen.beginPath();
  pen.moveTo(drawing[from][0], drawing[from][1]);
  for (const [x, y] of drawing.slice(from + 1)) pen.lineTo(x, y);
  pen.stroke();
  readLive();
});
function endStroke(event) {
  if (drawing === null) return;
  drawing = null;
  strokesEnded++;
  void readDrawing(event.timeStamp, strokesEnded);
}
pad.addEventListener("pointerup", endStroke);
pad.addEventListener("pointercancel", endStroke);
$("#undo").addEventListener("click", () => {
  if (openFile !== null) closeFile();
  else strokes.pop();
  redraw();
  void readDrawing(null, null);
});
$("#clear").addEventListener("click", () => {
  if (openFile !== null) closeFile();
  strokes.length = 0;
  redraw();
  void readDrawing(null, null);
});
async function open(file) {
  strokes.length = 0;
  openFile = {
    name: file.name,
    bytes: new Uint8Array(await file.arrayBuffer())
  };
  paper();
  try {
    const picture = await createImageBitmap(file);
    const scale = Math.min(CANVAS_SIDE / picture.width, CANVAS_SIDE / picture.height);
    const w = picture.width * scale, h = picture.height * scale;
    pen.drawImage(picture, (CANVAS_SIDE - w) / 2, (CANVAS_SIDE - h) / 2, w, h);
  } catch {
  }
  const label = $("#file-name");
  label.textContent = file.name;
  label.hidden = false;
  enableSave();
  await ask(openFile.bytes, openFile.name, "application/octet-stream", null, null);
}
function closeFile() {
  openFile = null;
  $("#file-name").hidden = true;
  paper();
}
var fileInput = $("#file");
fileInput.addEventListener("change", () => {
  const file = fileInput.files?.[0];
  if (file) void open(file);
  fileInput.value = "";
});
var frame = $("#pad-frame");
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
var sent = document.createElement("canvas");
sent.width = sent.height = SENT_SIDE;
var sentPen = sent.getContext("2d");
sentPen.imageSmoothingQuality = "high";
function drawingBase64() {
  sentPen.drawImage(pad, 0, 0, SENT_SIDE, SENT_SIDE);
  return sent.toDataURL("image/png").slice("data:image/png;base64,".length);
}
function drawingPng() {
  return Uint8Array.from(atob(drawingBase64()), (c) => c.charCodeAt(0));
}
function readLive() {
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
async function readDrawing(since, stroke) {
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
async function ask(png, name, type, since, stroke, signal) {
  const id = ++asked;
  let response;
  let body;
  try {
    response = await fetch(`${READ_PATH}?name=${encodeURIComponent(name)}`, {
      method: "POST",
      headers: {
        "content-type": type,
        [TOKEN_HEADER]: token
      },
      body: png,
      signal
    });
    body = await response.json();
  } catch (error) {
    if (signal?.aborted) return;
    if (id > shown) showError(id, `Cannot reach the server: ${error.message}`, stroke);
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
    const latency = $("#latency");
    latency.textContent = `read ${ms.toFixed(1)} ms after the stroke ended (the server took ${body.serverMs.toFixed(1)} ms)`;
    latency.dataset.ms = ms.toFixed(2);
    latency.dataset.serverMs = String(body.serverMs);
  }
}
function setState(id, state, stroke) {
  shown = id;
  result.dataset.state = state;
  if (stroke !== null) result.dataset.stroke = String(stroke);
}
function showBlank(id, stroke) {
  setState(id, "blank", stroke);
  $("#guess").textContent = "";
  $("#status").textContent = "draw a digit";
  $("#confidence").textContent = "";
  showBars(null);
  for (const canvas of [
    $("#seen"),
    $("#push")
  ]) {
    canvas.getContext("2d").clearRect(0, 0, 28, 28);
  }
  $("#hidden").replaceChildren();
}
function showError(id, message, stroke) {
  showBlank(id, stroke);
  result.dataset.state = "error";
  $("#status").textContent = message;
}
function showReading(id, reading, stroke) {
  setState(id, "guess", stroke);
  const k = reading.predicted;
  $("#guess").textContent = String(k);
  $("#status").textContent = `the network reads ${openFile ? reading.name : "your drawing"} as`;
  $("#confidence").textContent = `${(reading.confidence * 100).toFixed(1)}% sure`;
  showBars(reading);
  showPixels($("#seen"), reading.input, (v) => [
    255 * v,
    255 * v,
    255 * v
  ]);
  const scale = robustScale(reading.contributions);
  showPixels($("#push"), reading.contributions, (c) => diverging(c / scale));
  showHidden(reading);
  const L = reading.hidden.length;
  $("#push-caption").innerHTML = `<b>x \u2299 \u2202z<sub>${L}</sub>[${k}]/\u2202x</b>: how much each pixel pushed the logit of ${k}: <span class="push">red</span> toward it, <span class="pull">blue</span> away`;
}
function showBars(reading) {
  for (const bar of document.querySelectorAll(".bar")) {
    const k = Number(bar.dataset.digit);
    const p = reading?.probabilities[k] ?? 0;
    bar.querySelector(".fill").style.width = `${(p * 100).toFixed(1)}%`;
    bar.querySelector(".value").textContent = reading ? `${(p * 100).toFixed(1)}%` : "";
    bar.classList.toggle("top", reading?.predicted === k);
  }
}
function showPixels(canvas, values, colour) {
  const context = canvas.getContext("2d");
  const image = context.createImageData(canvas.width, canvas.height);
  values.forEach((v, i) => {
    const [r, g, b] = colour(v);
    image.data.set([
      r,
      g,
      b,
      255
    ], 4 * i);
  });
  context.putImageData(image, 0, 0);
}
function robustScale(values) {
  const sizes = values.filter((v) => v !== 0).map(Math.abs).sort((a, b) => a - b);
  return Math.max(1e-9, sizes[Math.floor(0.98 * (sizes.length - 1))] ?? 0);
}
function diverging(t) {
  const s = Math.min(1, Math.abs(t));
  return t >= 0 ? [
    255,
    255 * (1 - s * 0.8),
    255 * (1 - s)
  ] : [
    255 * (1 - s),
    255 * (1 - s * 0.6),
    255
  ];
}
function showHidden(reading) {
  const box = $("#hidden");
  const grids = reading.hidden.map((a) => {
    const columns = Math.ceil(Math.sqrt(a.length));
    const canvas = document.createElement("canvas");
    canvas.width = columns;
    canvas.height = Math.ceil(a.length / columns);
    canvas.style.height = `${224 * canvas.height / columns}px`;
    const top = Math.max(1e-9, ...a.map(Math.abs));
    showPixels(canvas, a, (v) => v >= 0 ? [
      255 * v / top,
      200 * v / top,
      60 * v / top
    ] : diverging(v / top));
    return canvas;
  });
  box.replaceChildren(...grids);
  const layers = reading.hidden.map((a, l) => `a<sub>${l}</sub> = ${reading.activation}(z<sub>${l}</sub>), ${a.length} units`).join("; ");
  $("#hidden-caption").innerHTML = `<b>a</b>, the hidden layers' activations, one square per unit (brighter is larger): ${layers}`;
}
function enableSave() {
  for (const button of document.querySelectorAll("#save-digits button")) {
    button.disabled = strokes.length === 0 || openFile !== null;
  }
}
for (const button of document.querySelectorAll("#save-digits button")) {
  button.addEventListener("click", async () => {
    const saved = $("#saved");
    const set = Number($("#set").value);
    const digit = Number(button.dataset.digit);
    saved.textContent = "saving\u2026";
    try {
      const response = await fetch(SAVE_PATH, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          [TOKEN_HEADER]: token
        },
        body: JSON.stringify({
          set,
          digit,
          png: drawingBase64()
        })
      });
      const body = await response.json();
      saved.dataset.state = "error" in body ? "error" : "saved";
      saved.textContent = "error" in body ? body.error : `saved ${body.file}; read the set with ${body.check}`;
    } catch (error) {
      saved.dataset.state = "error";
      saved.textContent = `Cannot reach the server: ${error.message}`;
    }
  });
}
paper();
enableSave();
