/**
 * Whole numbers the project draws itself, for the tests of `check --digits`: each a PNG named after
 * its number, drawn with core/digits/draw_digits.ts drawNumber in one of the sample sets' hands.
 */

import { drawNumber, type NumberLayout, SAMPLE_STYLES } from "../core/digits/draw_digits.ts";
import { encodeGrayPng } from "../core/formats/png.ts";
import { Rng } from "../core/network/rng.ts";

const PLAIN = { ruleSpacing: 0, ruleInk: 0 };

/** The test numbers: file name, what it shows, and how it is drawn. */
export const NUMBER_IMAGES = [
  {
    // dark pen on lined paper, the baseline on a ruled line
    file: "2026.png",
    text: "2026",
    style: { ...SAMPLE_STYLES.set1, width: 560, height: 220, digitHeight: 110 },
    layout: { gap: 0.18, ruleSpacing: 44, ruleInk: 0.66 } satisfies NumberLayout,
    seed: 1,
  },
  {
    // a bold light marker on a dark board
    file: "314.png",
    text: "314",
    style: { ...SAMPLE_STYLES.set2, width: 460, height: 220, digitHeight: 130, penRadius: 8 },
    layout: { gap: 0.25, ...PLAIN } satisfies NumberLayout,
    seed: 2,
  },
  {
    // faint, small pencil
    file: "90_pencil.png",
    text: "90",
    style: { ...SAMPLE_STYLES.set3, width: 120, height: 64 },
    layout: { gap: 0.2, ...PLAIN } satisfies NumberLayout,
    seed: 3,
  },
  {
    // the 3's lower bow runs into the 5: one blob of ink, cut at its column of least ink
    file: "35_touching.png",
    text: "35",
    style: { ...SAMPLE_STYLES.set1, width: 360, height: 220, digitHeight: 120 },
    layout: { gap: -0.2, ...PLAIN } satisfies NumberLayout,
    seed: 4,
  },
] as const;

/** Write every test number into a folder; returns their paths, in NUMBER_IMAGES order. */
export async function writeNumberImages(dir: string): Promise<string[]> {
  const paths: string[] = [];
  for (const { file, text, style, layout, seed } of NUMBER_IMAGES) {
    const img = drawNumber(text, style, layout, new Rng(seed));
    await Deno.writeFile(`${dir}/${file}`, encodeGrayPng(img.pixels, img.width, img.height));
    paths.push(`${dir}/${file}`);
  }
  return paths;
}
