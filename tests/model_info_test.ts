import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { FormatError, InputFileError } from "../core/base/errors.ts";
import {
  encodeModelInfo,
  type ModelInfo,
  modelInfoPath,
  readModelInfo,
  relativizePaths,
} from "../core/training/model_info.ts";
import { withScratchDir } from "./_scratch_dir.ts";

/** Run `fn` in a fresh folder under runs/, removed afterwards. */
const inScratch = (fn: (dir: string) => Promise<void>) => withScratchDir("model_info-", fn);

const INFO: ModelInfo = {
  format: "mnist-mlp-weights",
  version: 1,
  weights_sha256: "ab".repeat(32),
  config: { model: { hidden: 128, activation: "relu" }, output: { weights: "weights.npz" } },
  seed: 42,
  datasets: { train_images: "cd".repeat(32) },
  test_accuracy: 0.9789,
  test_loss: 0.0712,
  deno: "2.9.6",
};

// ---- modelInfoPath -----------------------------------------------------------------------------

Deno.test("modelInfoPath() swaps a final .npz for .json", () => {
  assert.equal(modelInfoPath("/a/weights.npz"), "/a/weights.json");
  assert.equal(modelInfoPath("runs/x/model.NPZ"), "runs/x/model.json");
  assert.equal(modelInfoPath("weights.npz.npz"), "weights.npz.json");
});

Deno.test("modelInfoPath() appends .json to a path without a final .npz", () => {
  assert.equal(modelInfoPath("model"), "model.json");
  assert.equal(modelInfoPath("/a/weights.npz.bak"), "/a/weights.npz.bak.json");
  assert.equal(modelInfoPath("dir.npz/weights"), "dir.npz/weights.json");
});

// ---- relativizePaths ---------------------------------------------------------------------------

Deno.test("relativizePaths() rewrites absolute paths relative to the base, nested and in lists", () => {
  const plain = {
    data: {
      train_images: "/project/data/train-images",
      test_labels: "/elsewhere/t10k-labels",
      class_names: ["0", "1"],
      sha256: {},
    },
    output: { weights: "/project/weights.npz", runs_dir: "/project" },
    extra: ["/project/a/b.png", "relative/c.png", 3, true, null, ["/project/deep"]],
  };
  assert.deepEqual(relativizePaths(plain, "/project"), {
    data: {
      train_images: "data/train-images",
      test_labels: "../elsewhere/t10k-labels",
      class_names: ["0", "1"],
      sha256: {},
    },
    output: { weights: "weights.npz", runs_dir: "." },
    extra: ["a/b.png", "relative/c.png", 3, true, null, ["deep"]],
  });
});

Deno.test('relativizePaths() drops every "source" key, at any depth', () => {
  const plain = {
    source: "/project/config.yaml",
    model: { hidden: 8, source: "x" },
    list: [{ source: 1, keep: 2 }],
  };
  assert.deepEqual(relativizePaths(plain, "/project"), { model: { hidden: 8 }, list: [{ keep: 2 }] });
});

Deno.test("relativizePaths() leaves its input unchanged and returns plain JSON values", () => {
  const plain = { output: { weights: "/p/w.npz" }, list: ["/p/x"] };
  const copy = structuredClone(plain);
  const result = relativizePaths(plain, "/p");
  assert.deepEqual(plain, copy);
  assert.notEqual(result.output, plain.output);
  assert.deepEqual(JSON.parse(JSON.stringify(result)), result);
});

Deno.test("relativizePaths() gives the same record wherever the project is cloned", () => {
  const at = (root: string) => ({
    data: { train_images: `${root}/data/a` },
    output: { weights: `${root}/w.npz` },
  });
  assert.deepEqual(
    relativizePaths(at("/home/ann/mnist"), "/home/ann/mnist"),
    relativizePaths(at("/tmp/m"), "/tmp/m"),
  );
});

// ---- encodeModelInfo ---------------------------------------------------------------------------

Deno.test("encodeModelInfo() writes pretty JSON with two-space indents, key order kept and a final newline", () => {
  const text = encodeModelInfo(INFO);
  assert.equal(
    text,
    `{
  "format": "mnist-mlp-weights",
  "version": 1,
  "weights_sha256": "${"ab".repeat(32)}",
  "config": {
    "model": {
      "hidden": 128,
      "activation": "relu"
    },
    "output": {
      "weights": "weights.npz"
    }
  },
  "seed": 42,
  "datasets": {
    "train_images": "${"cd".repeat(32)}"
  },
  "test_accuracy": 0.9789,
  "test_loss": 0.0712,
  "deno": "2.9.6"
}
`,
  );
});

Deno.test("encodeModelInfo() gives the same bytes for equal metadata", () => {
  const copy: ModelInfo = JSON.parse(JSON.stringify(INFO));
  assert.equal(encodeModelInfo(copy), encodeModelInfo(INFO));
  assert.deepEqual(JSON.parse(encodeModelInfo(INFO)), INFO);
});

// ---- readModelInfo -----------------------------------------------------------------------------

Deno.test("readModelInfo() reads back what encodeModelInfo() wrote", async () => {
  await inScratch(async (dir) => {
    const path = join(dir, "weights.json");
    await Deno.writeTextFile(path, encodeModelInfo(INFO));
    assert.deepEqual(await readModelInfo(path), INFO);
  });
});

Deno.test("readModelInfo() reads back the config of a deeper network, with its hidden and dropout lists", async () => {
  await inScratch(async (dir) => {
    const path = join(dir, "weights.json");
    const deep: ModelInfo = {
      ...INFO,
      config: {
        model: { hidden: [512, 256], activation: "tanh", dropout: [0.5, 0.2] },
        train: { optimizer: "adam", beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weight_decay: 0.0005 },
        output: { weights: "weights.npz" },
      },
    };
    await Deno.writeTextFile(path, encodeModelInfo(deep));
    assert.deepEqual(await readModelInfo(path), deep);
  });
});

Deno.test("readModelInfo() reads the project's shipped weights.json", async () => {
  const info = await readModelInfo(fileURLToPath(new URL("../weights.json", import.meta.url)));
  assert.ok(info !== null);
  assert.equal(info.format, "mnist-mlp-weights");
  assert.match(info.weights_sha256, /^[0-9a-f]{64}$/);
});

Deno.test("readModelInfo() returns null when the file does not exist", async () => {
  await inScratch(async (dir) => {
    assert.equal(await readModelInfo(join(dir, "weights.json")), null);
    assert.equal(await readModelInfo(join(dir, "no-folder", "weights.json")), null);
  });
});

for (
  const [label, text] of [
    ["empty", ""],
    ["cut short", '{"format": "mnist-mlp-weights", '],
    ["YAML rather than JSON", "format: mnist-mlp-weights\n"],
  ]
) {
  Deno.test(`readModelInfo() refuses a file that is ${label} with a FormatError`, async () => {
    await inScratch(async (dir) => {
      const path = join(dir, "weights.json");
      await Deno.writeTextFile(path, text);
      await assert.rejects(readModelInfo(path), (error: unknown) => {
        assert.ok(error instanceof FormatError, `got ${error}`);
        assert.equal(error.message, `Cannot read model info "${path}": not valid JSON`);
        return true;
      });
    });
  });
}

for (
  const [label, value] of [
    ["another format", { ...INFO, format: "keras-weights" }],
    ["no format", { version: 1 }],
    ["a list", [INFO]],
    ["null", null],
    ["a number", 7],
    ["a string", "mnist-mlp-weights"],
  ]
) {
  Deno.test(`readModelInfo() refuses JSON holding ${label} with a FormatError`, async () => {
    await inScratch(async (dir) => {
      const path = join(dir, "weights.json");
      await Deno.writeTextFile(path, JSON.stringify(value));
      await assert.rejects(readModelInfo(path), (error: unknown) => {
        assert.ok(error instanceof FormatError, `got ${error}`);
        assert.equal(error.message, `Cannot read model info "${path}": "format" is not "mnist-mlp-weights"`);
        return true;
      });
    });
  });
}

Deno.test("readModelInfo() refuses a directory with an InputFileError", async () => {
  await inScratch(async (dir) => {
    const path = join(dir, "weights.json");
    await Deno.mkdir(path);
    await assert.rejects(readModelInfo(path), (error: unknown) => {
      assert.ok(error instanceof InputFileError, `got ${error}`);
      assert.equal(error.message, `Cannot read model info "${path}": it is a directory`);
      return true;
    });
  });
});

Deno.test({
  name: "readModelInfo() answers null or an InputFileError for a path through a regular file",
  async fn() {
    await inScratch(async (dir) => {
      await Deno.writeTextFile(join(dir, "weights.npz"), "x");
      const outcome = await readModelInfo(join(dir, "weights.npz", "weights.json")).catch((error) => error);
      assert.ok(outcome === null || outcome instanceof InputFileError, `got ${outcome}`);
    });
  },
});
