/**
 * What the page and the server of `deno task serve` say to each other: the paths, the header that
 * carries the page's token, and the JSON they exchange. The page's script (`_page.ts`, bundled
 * into page.js) imports this module too, so it holds constants and types only: no Deno API, no DOM.
 *
 * @module
 */

/** POST the bytes of a PNG or JPEG file here, `?name=FILE` for messages; the answer is a {@linkcode Reading}. */
export const READ_PATH = "/api/read";
/** POST {@linkcode SaveRequest} JSON here; the answer is a {@linkcode Saved}. */
export const SAVE_PATH = "/api/save";
/** The header that carries the per-launch token the server embeds in the page. */
export const TOKEN_HEADER = "x-serve-token";
/** Side of the drawing canvas, in pixels. */
export const CANVAS_SIDE = 280;
/**
 * Side of the PNG the page sends (and saves) for a drawing: the canvas scaled by half. A digit
 * drawn across the canvas is still about 95 px tall, far more than the 20-px box it is fitted
 * into, and a quarter of the pixels is a quarter of the work to encode, decode and preprocess.
 */
export const SENT_SIDE = 140;
/** The file name the page gives its drawing, in messages. */
export const DRAWING_NAME = "drawing.png";
/** The largest set number, as `deno task check --set N` accepts it (six digits). */
export const MAX_SET = 999_999;

/** The network's reading of one image, and what happened inside it. */
export interface Reading {
  /** The file name the image was read under (messages use it). */
  readonly name: string;
  /** The most probable digit. */
  readonly predicted: number;
  /** Its probability. */
  readonly confidence: number;
  /** p: the probability of each digit 0–9, softmax(z_L). */
  readonly probabilities: number[];
  /** x: the 28 × 28 input the network saw after preprocessing, row-major, in [0, 1]. */
  readonly input: number[];
  /** a_l = act(z_l) of each hidden layer l, (H_{l+1}) each, for the page's activation grids. */
  readonly hidden: number[][];
  /** The hidden non-linearity, e.g. "relu", for the labels. */
  readonly activation: string;
  /** x ⊙ ∂z_L[k]/∂x for k = predicted: how much each input pixel pushed the guessed digit's logit, (D). */
  readonly contributions: number[];
  /** Milliseconds the server spent reading the image: decoding, preprocessing, the network. */
  readonly serverMs: number;
}

/** The body of a save request. */
export interface SaveRequest {
  /** The set: the file goes into images/set{set}/. */
  readonly set: number;
  /** The digit drawn: the file is named after it (7.png, 7_b.png, …). */
  readonly digit: number;
  /** The PNG file, base64. */
  readonly png: string;
}

/** The answer to a save request. */
export interface Saved {
  /** The file written, relative to the project, e.g. "images/set4/7_b.png". */
  readonly file: string;
  /** The set it went into. */
  readonly set: number;
  /** The command that reads the set back. */
  readonly check: string;
}

/** Every refused request gets this body, with a 4xx status: one line, in the house format. */
export interface ErrorBody {
  readonly error: string;
}
