/**
 * core/formats/image.ts: PNG and JPEG told apart by their bytes, never by their names, and read from
 * disk with the same checks as readPngFile.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { decodeImage, imageFormat, readImageFile } from "../core/formats/image.ts";
import { DEFAULT_IMAGE_LIMITS } from "../core/formats/image_limits.ts";
import { decodePng, encodeGrayPng } from "../core/formats/png.ts";
import { toMnistInput } from "../core/digits/preprocess.ts";
import { buildJpeg, exifSegment, insertAfterSoi } from "./fixtures/jpeg/build_jpeg.ts";
import { withScratchDir } from "./_scratch_dir.ts";

const W = 40, H = 40;

/** A dark vertical bar on light paper, 40x40, the same digit-like mark for PNG and JPEG. */
const BAR = Array.from({ length: W * H }, (_, i) => {
  const x = i % W, y = Math.floor(i / W);
  return x >= 16 && x < 24 && y >= 8 && y < 32 ? 10 : 240;
});

const PNG = encodeGrayPng(new Uint8Array(BAR), W, H);
const JPEG = buildJpeg({ width: W, height: H, components: [{ plane: BAR }] });

function throwsWith(fn: () => unknown, name: string, message: string): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof Error, `threw ${String(error)}`);
    assert.equal(error.name, name);
    assert.equal(error.message, message);
    return true;
  });
}

Deno.test("imageFormat() tells PNG and JPEG by their first bytes", () => {
  assert.equal(imageFormat(PNG), "png");
  assert.equal(imageFormat(JPEG), "jpeg");
  assert.equal(imageFormat(PNG.subarray(0, 7)), null);
  assert.equal(imageFormat(new Uint8Array([0xff, 0xd8])), null);
  assert.equal(imageFormat(new TextEncoder().encode("GIF89a")), null);
});

Deno.test("decodeImage() reads a JPEG named .png and a PNG named .jpg by their bytes", () => {
  const jpeg = decodeImage(JPEG, "scan.png");
  assert.equal(jpeg.width, W);
  assert.ok(jpeg.rgb instanceof Uint8Array && jpeg.rgb.length === W * H * 3);
  const png = decodeImage(PNG, "drawing.jpg");
  assert.deepEqual(png, decodePng(PNG, "drawing.jpg"));
  assert.equal(png.rgb, undefined);
  // a JPEG called .png is still no PNG to the PNG reader
  throwsWith(
    () => decodePng(JPEG, "scan.png"),
    "FormatError",
    `Cannot read PNG "scan.png": not a PNG file (it starts like a JPEG)`,
  );
});

Deno.test("decodeImage() names the format it found in the errors of a broken file", () => {
  throwsWith(
    () => decodeImage(JPEG.subarray(0, 60), "photo.png"),
    "FormatError",
    `Cannot read JPEG "photo.png": file is truncated (segment "DQT" at byte 20 declares 65 bytes, only 36 remain)`,
  );
  throwsWith(
    () => decodeImage(PNG.subarray(0, 40), "photo.jpg"),
    "FormatError",
    `Cannot read PNG "photo.jpg": file is truncated (7 bytes at byte 33 are too few for a chunk)`,
  );
});

Deno.test("decodeImage() rejects a file that is neither PNG nor JPEG, saying what it starts like", () => {
  throwsWith(
    () => decodeImage(new TextEncoder().encode("These are my digits\n"), "notes.jpg"),
    "FormatError",
    `Cannot read image "notes.jpg": not a PNG or JPEG file (it starts with the text "These ar")`,
  );
  throwsWith(
    () => decodeImage(new TextEncoder().encode("1 2\n3 4\n"), "grid.jpg"),
    "FormatError",
    `Cannot read image "grid.jpg": not a PNG or JPEG file (it starts with the text "1 2\\n3 4\\n")`,
  );
  throwsWith(
    () => decodeImage(new Uint8Array(0), "empty.png"),
    "FormatError",
    `Cannot read image "empty.png": not a PNG or JPEG file (it is empty)`,
  );
  throwsWith(
    () => decodeImage(new TextEncoder().encode("GIF89a\x01\x00"), "anim.jpg"),
    "FormatError",
    `Cannot read image "anim.jpg": not a PNG or JPEG file (it starts like a GIF)`,
  );
  const heic = new Uint8Array([0, 0, 0, 24, 0x66, 0x74, 0x79, 0x70, 0x68, 0x65, 0x69, 0x63]);
  throwsWith(
    () => decodeImage(heic, "IMG_0001.jpg"),
    "FormatError",
    `Cannot read image "IMG_0001.jpg": not a PNG or JPEG file (it starts like a HEIC or AVIF photo)`,
  );
  throwsWith(
    () => decodeImage(new Uint8Array([0, 1, 2, 3, 0xff, 0xfe, 7, 8, 9]), "x.jpg"),
    "FormatError",
    `Cannot read image "x.jpg": not a PNG or JPEG file (it starts with the bytes 00 01 02 03 ff fe 07 08)`,
  );
});

Deno.test("decodeImage() applies the caps to both formats", () => {
  const limits = { ...DEFAULT_IMAGE_LIMITS, maxWidth: 30 };
  throwsWith(
    () => decodeImage(JPEG, "wide.jpg", limits),
    "LimitError",
    `Cannot read JPEG "wide.jpg": width is 40 pixels, the limit is 30`,
  );
  throwsWith(
    () => decodeImage(PNG, "wide.png", limits),
    "LimitError",
    `Cannot read PNG "wide.png": width is 40 pixels, the limit is 30`,
  );
});

Deno.test("toMnistInput() reads a decoded JPEG as it reads the same picture in PNG, upright or rotated by EXIF", () => {
  const fromPng = toMnistInput(decodeImage(PNG, "bar.png"), "bar.png");
  const fromJpeg = toMnistInput(decodeImage(JPEG, "bar.jpg"), "bar.jpg");
  for (let i = 0; i < 784; i++) assert.ok(Math.abs(fromPng[i] - fromJpeg[i]) < 0.02, `input ${i}`);
  // the bar stored lying down, with orientation 6, reads as standing up
  const lying = Array.from({ length: W * H }, (_, i) => BAR[(i % W) * W + Math.floor(i / W)]);
  const stored = buildJpeg({ width: W, height: H, components: [{ plane: lying }] });
  const rotated = toMnistInput(decodeImage(insertAfterSoi(stored, exifSegment(6)), "r.jpg"), "r.jpg");
  for (let i = 0; i < 784; i++) assert.ok(Math.abs(fromPng[i] - rotated[i]) < 0.02, `rotated input ${i}`);
});

Deno.test("readImageFile() reads PNG and JPEG files whatever their names", async () => {
  await withScratchDir("image_test_", async (dir) => {
    const jpegAsPng = join(dir, "photo.png"), pngAsJpg = join(dir, "drawing.jpg");
    await Deno.writeFile(jpegAsPng, JPEG);
    await Deno.writeFile(pngAsJpg, PNG);
    assert.ok((await readImageFile(jpegAsPng)).rgb !== undefined);
    assert.equal((await readImageFile(pngAsJpg)).width, W);
  });
});

Deno.test("readImageFile() rejects a missing file, a folder, an oversize file and a text file", async () => {
  await withScratchDir("image_test_", async (dir) => {
    const missing = join(dir, "none.jpg");
    await assert.rejects(readImageFile(missing), {
      name: "InputFileError",
      message: `Cannot read image "${missing}": file does not exist`,
    });
    await assert.rejects(readImageFile(dir), {
      name: "InputFileError",
      message: `Cannot read image "${dir}": not a file`,
    });
    const path = join(dir, "a.jpg");
    await Deno.writeFile(path, JPEG);
    await assert.rejects(readImageFile(path, { ...DEFAULT_IMAGE_LIMITS, maxFileBytes: 10 }), {
      name: "LimitError",
      message: `Cannot read image "${path}": file is ${JPEG.length} bytes, the limit is 10`,
    });
    const text = join(dir, "digits.jpg");
    await Deno.writeTextFile(text, "not a picture");
    await assert.rejects(readImageFile(text), {
      name: "FormatError",
      message: `Cannot read image "${text}": not a PNG or JPEG file (it starts with the text "not a pi")`,
    });
    const nested = join(path, "x.jpg");
    await assert.rejects(readImageFile(nested), {
      name: "InputFileError",
      message: `Cannot read image "${nested}": a part of the path is a file, not a folder`,
    });
  });
});
