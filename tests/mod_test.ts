import assert from "node:assert/strict";
import * as mod from "../core/mod.ts";

const CORE = new URL("../core/", import.meta.url);

/** The folders named in the first column of the table in core/mod.ts's module doc, in table order. */
function tableFolders(): string[] {
  const source = Deno.readTextFileSync(new URL("mod.ts", CORE));
  const doc = source.slice(0, source.indexOf("@module"));
  const names: string[] = [];
  for (const line of doc.split("\n")) {
    const row = line.match(/^\s*\*\s*\|\s*([a-z_]+)\/\s*\|/);
    if (row) names.push(row[1]);
  }
  return names;
}

/** The main functions or classes of each module: what the folder's mod.ts and core/mod.ts re-export. */
const MAIN_EXPORTS: Record<string, readonly string[]> = {
  "network/network.ts": ["forward", "backward", "initParams", "zeroParams", "layerSizes", "drawDropoutMasks"],
  "network/layers.ts": ["denseForward", "denseBackward", "firstLayerGradient"],
  "network/activations.ts": ["activationForward", "activationBackward", "isActivation"],
  "network/loss.ts": ["softmaxCrossEntropy", "softmaxRow"],
  "network/optimizers.ts": ["createOptimizer", "addWeightDecay", "stateArrayNames"],
  "network/input.ts": ["rowLoader", "loadInputRow"],
  "network/rng.ts": ["Rng"],
  "kernels/backend.ts": ["createTsBackend", "loadParams"],
  "kernels/backend_factory.ts": ["createBackend"],
  "training/train.ts": ["trainEpochs", "learningRateAt"],
  "training/evaluate.ts": ["evaluate"],
  "training/predict.ts": ["predictDigits"],
  "reports/confusion_table.ts": ["formatConfusionTable", "perClassScores"],
  "training/config.ts": ["parseConfig", "loadConfig", "configToPlain", "formatConfig"],
  "formats/idx.ts": ["readIdxFile", "decodeIdxImages", "decodeIdxLabels", "loadIdxPair"],
  "formats/gzip.ts": ["gunzip", "isGzip"],
  "formats/jpeg.ts": ["decodeJpeg", "encodeRgbJpeg"],
  "formats/image.ts": ["decodeImage", "readImageFile"],
  "check/input_files.ts": ["listImageFiles"],
  "check/check_stream.ts": ["predictInOrder"],
  "reports/check_summary.ts": ["sheetRows", "summariseCheck"],
  "training/data_files.ts": ["verifyDataFiles", "loadTrainSet", "loadTestSet"],
  "training/dataset.ts": ["selectImages", "splitValidation", "firstImages", "appendImages"],
  "base/sha256.ts": ["sha256Hex", "sha256File"],
  "formats/npy.ts": ["encodeNpy", "decodeNpy"],
  "formats/zip.ts": ["encodeZip", "decodeZip"],
  "formats/npz.ts": ["encodeNpz", "decodeNpz"],
  "training/weights.ts": ["encodeWeights", "decodeWeights", "readWeightsFile", "writeWeightsFile"],
  "training/checkpoint.ts": ["readCheckpoint", "writeCheckpoint"],
  "training/model_info.ts": ["readModelInfo", "encodeModelInfo"],
  "formats/png.ts": ["decodePng", "readPngFile"],
  "digits/preprocess.ts": ["toMnistInput", "toAsciiArt"],
  "digits/photo.ts": ["photoPlan", "renderPhoto", "encodePhoto", "photoFile", "readPhoto", "photoSample"],
  "augment/augment.ts": ["Augmenter", "loadAugmentKernels"],
  "augment/augment_pipeline.ts": ["AugmentPipeline"],
  "augment/shapes.ts": ["drawShapeTest", "drawShapePool"],
  "training/metrics_log.ts": ["MetricsLog"],
  "reports/run_files.ts": ["readRun"],
  "reports/svg_charts.ts": ["trainingCurvesSvgs", "confusionMatrixSvg"],
  "reports/gallery.ts": ["digitGalleryPng"],
  "reports/photo_report.ts": ["photoBenchTable", "photoSheetPng"],
  "reports/report_html.ts": ["buildReportHtml"],
  "base/errors.ts": ["FormatError", "LimitError", "ShapeError", "InputFileError", "isProjectError"],
  "base/atomic_write.ts": ["writeFileAtomic"],
  "formats/crc32.ts": ["crc32"],
};

const exported = mod as unknown as Record<string, unknown>;

/** Folders of core/, from the file system. */
function coreFolders(): string[] {
  return [...Deno.readDirSync(CORE)].filter((e) => e.isDirectory).map((e) => e.name).sort();
}

Deno.test("the table in core/mod.ts names every folder of core/, each once", () => {
  const listed = tableFolders();
  assert.equal(new Set(listed).size, listed.length, "a folder is listed twice");
  assert.deepEqual([...listed].sort(), coreFolders());
});

Deno.test("every folder of core/ has a mod.ts with a module doc, and core/mod.ts re-exports each", () => {
  const top = Deno.readTextFileSync(new URL("mod.ts", CORE));
  for (const folder of coreFolders()) {
    const text = Deno.readTextFileSync(new URL(`${folder}/mod.ts`, CORE));
    assert.match(text, /^\/\*\*\n \* \S[\s\S]*@module/, `core/${folder}/mod.ts starts with a module doc`);
    assert.ok(top.includes(`export * from "./${folder}/mod.ts";`), `core/mod.ts re-exports ${folder}/mod.ts`);
  }
});

Deno.test("each folder's mod.ts names every public module of the folder", () => {
  for (const folder of coreFolders()) {
    const text = Deno.readTextFileSync(new URL(`${folder}/mod.ts`, CORE));
    for (const entry of Deno.readDirSync(new URL(`${folder}/`, CORE))) {
      if (!entry.name.endsWith(".ts") || entry.name.startsWith("_") || entry.name === "mod.ts") continue;
      assert.ok(text.includes(`from "./${entry.name}"`), `core/${folder}/mod.ts re-exports ${entry.name}`);
    }
  }
});

Deno.test("core/mod.ts re-exports the main function or class of each module as that module's own binding", async () => {
  for (const [file, names] of Object.entries(MAIN_EXPORTS)) {
    const own = await import(new URL(file, CORE).href) as Record<string, unknown>;
    for (const name of names) {
      assert.equal(typeof own[name], "function", `${file} exports ${name}`);
      assert.ok(name in exported, `core/mod.ts does not export ${name} from ${file}`);
      assert.equal(exported[name], own[name], `core/mod.ts exports a different ${name} than ${file}`);
    }
  }
});

Deno.test("core/mod.ts exports the shape constants D = 784 and K = 10", () => {
  assert.equal(mod.D, 784);
  assert.equal(mod.K, 10);
});

Deno.test("core/mod.ts exports only defined values", () => {
  for (const [name, value] of Object.entries(exported)) assert.notEqual(value, undefined, name);
});

Deno.test("the classes exported by core/mod.ts can be constructed", () => {
  assert.equal(new mod.Rng(1).nextUint32(), new mod.Rng(1).nextUint32());
  assert.ok(mod.isProjectError(new mod.FormatError("x")));
  assert.ok(new mod.LimitError("x") instanceof RangeError);
  assert.ok(new mod.ShapeError("x") instanceof TypeError);
  assert.ok(new mod.InputFileError("x") instanceof Error);
});
