import assert from "node:assert/strict";
import { join } from "node:path";
import { type Checkpoint, readCheckpoint, writeCheckpoint } from "../core/training/checkpoint.ts";
import { FormatError, InputFileError } from "../core/base/errors.ts";
import { createGrads, initParams } from "../core/network/network.ts";
import { createOptimizer, DEFAULT_OPTIMIZER, type OptimizerState } from "../core/network/optimizers.ts";
import { Rng } from "../core/network/rng.ts";
import { sha256Hex } from "../core/base/sha256.ts";
import { encodeNpz } from "../core/formats/npz.ts";
import { encodeWeights } from "../core/training/weights.ts";
import { withScratchDir } from "./_scratch_dir.ts";

/** Run `fn` in a fresh folder under runs/, removed afterwards. */
const inRunDir = (fn: (dir: string) => Promise<void>) => withScratchDir("checkpoint-", fn);

/** A checkpoint after `epoch` epochs of a small network trained with plain SGD (no state arrays). */
function sampleCheckpoint(epoch: number, seed = 3): Checkpoint {
  const rng = new Rng(seed);
  const params = initParams(4, "relu", rng);
  for (let k = 0; k < params.b[1].length; k++) params.b[1][k] = rng.nextNormal();
  for (let i = 0; i < epoch; i++) rng.nextUint32();
  return {
    epoch,
    rng: rng.getState(),
    config: { model: { hidden: 4, activation: "relu" }, train: { epochs: 5, seed, checkpoint: true } },
    params,
    optimizer: { step: 50 * epoch, arrays: new Map() },
  };
}

/** A checkpoint of a two-hidden-layer network after `steps` Adam steps on seeded gradients. */
function adamCheckpoint(steps: number, seed = 5): Checkpoint {
  const rng = new Rng(seed);
  const params = initParams([6, 4], "tanh", rng);
  const adam = createOptimizer({ ...DEFAULT_OPTIMIZER, name: "adam" }, params.sizes);
  const grads = createGrads([6, 4]);
  const first = { x: new Float32Array(784), dZ0: new Float32Array(6), n: 1 }; // unused: Adam builds grads.w[0]
  for (let t = 0; t < steps; t++) {
    for (const g of [...grads.w, ...grads.b]) for (let i = 0; i < g.length; i++) g[i] = rng.nextNormal();
    adam.step(params, grads, 0.01, first);
  }
  return {
    epoch: 1,
    rng: rng.getState(),
    config: { model: { hidden: [6, 4], activation: "tanh" }, train: { optimizer: "adam", checkpoint: true } },
    params,
    optimizer: adam.getState(),
  };
}

/** The bytes of every state array, by name. */
function stateBytes(state: OptimizerState): [string, Uint8Array][] {
  return [...state.arrays].map(([name, a]) => [name, new Uint8Array(a.buffer, a.byteOffset, a.byteLength)]);
}

/** Rewrite checkpoint.json through a function of its parsed contents. */
async function editMeta(dir: string, edit: (meta: Record<string, unknown>) => unknown): Promise<void> {
  const path = join(dir, "checkpoint.json");
  const meta = JSON.parse(await Deno.readTextFile(path));
  await Deno.writeTextFile(path, JSON.stringify(edit(meta)));
}

const resumeError = (dir: string, state: string) => `Cannot resume run "${dir}": ${state}`;

// ---- round trip --------------------------------------------------------------------------------

Deno.test("readCheckpoint() returns exactly what writeCheckpoint() saved", async () => {
  await inRunDir(async (dir) => {
    const saved = sampleCheckpoint(2);
    await writeCheckpoint(dir, saved);
    const loaded = await readCheckpoint(dir);
    assert.equal(loaded.epoch, 2);
    assert.deepEqual(loaded.rng, saved.rng);
    assert.deepEqual(loaded.config, saved.config);
    assert.deepEqual(loaded.params.sizes, [784, 4, 10]);
    assert.deepEqual(loaded.params, saved.params);
    assert.deepEqual(loaded.optimizer, { step: 100, arrays: new Map() });
    // the restored generator continues where the saved one stopped
    const a = new Rng(0), b = new Rng(0);
    a.setState(saved.rng);
    b.setState(loaded.rng);
    assert.equal(a.nextUint32(), b.nextUint32());
  });
});

Deno.test("readCheckpoint() returns an Adam state and a two-hidden-layer network byte for byte", async () => {
  await inRunDir(async (dir) => {
    const saved = adamCheckpoint(3);
    assert.equal(saved.optimizer.step, 3);
    assert.deepEqual([...saved.optimizer.arrays.keys()], [
      ...["m_w0", "v_w0", "m_b0", "v_b0", "m_w1", "v_w1", "m_b1", "v_b1", "m_w2", "v_w2", "m_b2", "v_b2"],
    ]);
    await writeCheckpoint(dir, saved);
    const loaded = await readCheckpoint(dir);
    assert.equal(loaded.optimizer.step, 3);
    assert.deepEqual(stateBytes(loaded.optimizer), stateBytes(saved.optimizer));
    assert.ok([...loaded.optimizer.arrays.values()].every((a) => a instanceof Float32Array));
    assert.deepEqual(loaded.params, saved.params);
    assert.deepEqual(loaded.config, saved.config);
    // writing what was read gives the same files again
    const files = ["checkpoint.json", "checkpoint.npz", "checkpoint_optimizer.npz"];
    const before = await Promise.all(files.map((f) => Deno.readFile(join(dir, f))));
    await writeCheckpoint(dir, loaded);
    assert.deepEqual(await Promise.all(files.map((f) => Deno.readFile(join(dir, f)))), before);
    // and an optimizer restored from it continues exactly where the saved one stopped
    const resumed = createOptimizer({ ...DEFAULT_OPTIMIZER, name: "adam" }, loaded.params.sizes);
    resumed.setState(loaded.optimizer);
    assert.deepEqual(stateBytes(resumed.getState()), stateBytes(saved.optimizer));
  });
});

Deno.test("writeCheckpoint() writes checkpoint.npz, checkpoint_optimizer.npz and a checkpoint.json naming their sha256", async () => {
  await inRunDir(async (dir) => {
    const saved = adamCheckpoint(2);
    await writeCheckpoint(dir, saved);
    assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name).sort(), [
      "checkpoint.json",
      "checkpoint.npz",
      "checkpoint_optimizer.npz",
    ]);
    const npz = await Deno.readFile(join(dir, "checkpoint.npz"));
    assert.deepEqual(npz, encodeWeights(saved.params));
    const optimizerNpz = await Deno.readFile(join(dir, "checkpoint_optimizer.npz"));
    assert.deepEqual(
      optimizerNpz,
      encodeNpz([...saved.optimizer.arrays].map(([name, data]) => ({ name, shape: [data.length], data }))),
    );
    const text = await Deno.readTextFile(join(dir, "checkpoint.json"));
    assert.ok(text.endsWith("}\n"));
    assert.deepEqual(JSON.parse(text), {
      epoch: 1,
      rng: saved.rng,
      weights_sha256: await sha256Hex(npz),
      optimizer_step: 2,
      optimizer_sha256: await sha256Hex(optimizerNpz),
      config: saved.config,
    });
  });
});

Deno.test("writeCheckpoint() over an older checkpoint makes the newer one read back", async () => {
  await inRunDir(async (dir) => {
    await writeCheckpoint(dir, sampleCheckpoint(1, 3));
    const newer = sampleCheckpoint(2, 4);
    await writeCheckpoint(dir, newer);
    const loaded = await readCheckpoint(dir);
    assert.equal(loaded.epoch, 2);
    assert.deepEqual(loaded.params.w[1], newer.params.w[1]);
    assert.deepEqual(loaded.rng, newer.rng);
  });
});

// ---- missing -----------------------------------------------------------------------------------

const NO_CHECKPOINT = "it has no checkpoint (train with --set train.checkpoint=true)";

Deno.test("readCheckpoint() refuses a run folder without a checkpoint with an InputFileError", async () => {
  await inRunDir(async (dir) => {
    await assert.rejects(readCheckpoint(dir), {
      name: "InputFileError",
      message: resumeError(dir, NO_CHECKPOINT),
    });
    await assert.rejects(readCheckpoint(dir), InputFileError);
  });
});

Deno.test("readCheckpoint() refuses a run folder that does not exist with an InputFileError", async () => {
  await inRunDir(async (dir) => {
    const missing = join(dir, "no-such-run");
    await assert.rejects(readCheckpoint(missing), {
      name: "InputFileError",
      message: resumeError(missing, NO_CHECKPOINT),
    });
  });
});

const CHECKPOINT_FILES = ["checkpoint.json", "checkpoint.npz", "checkpoint_optimizer.npz"];

for (
  const kept of [
    "checkpoint.json",
    "checkpoint.npz",
    "checkpoint_optimizer.npz",
    ...CHECKPOINT_FILES.filter((f) => f !== "checkpoint_optimizer.npz")
      .map((gone) => CHECKPOINT_FILES.filter((f) => f !== gone).join(" and ")),
  ]
) {
  Deno.test(`readCheckpoint() refuses a run folder holding only ${kept} with an InputFileError`, async () => {
    await inRunDir(async (dir) => {
      await writeCheckpoint(dir, adamCheckpoint(1));
      for (const file of CHECKPOINT_FILES) {
        if (!kept.split(" and ").includes(file)) await Deno.remove(join(dir, file));
      }
      await assert.rejects(readCheckpoint(dir), {
        name: "InputFileError",
        message: resumeError(dir, NO_CHECKPOINT),
      });
    });
  });
}

Deno.test("readCheckpoint() refuses a checkpoint without checkpoint_optimizer.npz (an older version's) with a FormatError saying so", async () => {
  await inRunDir(async (dir) => {
    await writeCheckpoint(dir, adamCheckpoint(1));
    await Deno.remove(join(dir, "checkpoint_optimizer.npz"));
    await assert.rejects(readCheckpoint(dir), {
      name: "FormatError",
      message: resumeError(
        dir,
        "checkpoint_optimizer.npz is missing (a checkpoint of an older version has none: train that config again " +
          "from the start)",
      ),
    });
  });
});

// ---- torn or malformed -------------------------------------------------------------------------

Deno.test("readCheckpoint() refuses a checkpoint.npz from another epoch than checkpoint.json (a torn pair)", async () => {
  await inRunDir(async (dir) => {
    await writeCheckpoint(dir, sampleCheckpoint(1, 3));
    // a crash between the two writes of the next epoch: new weights, old JSON
    await Deno.writeFile(join(dir, "checkpoint.npz"), encodeWeights(sampleCheckpoint(2, 4).params));
    await assert.rejects(readCheckpoint(dir), (error: unknown) => {
      assert.ok(error instanceof FormatError, `got ${error}`);
      assert.equal(error.message, resumeError(dir, "checkpoint.npz does not match checkpoint.json"));
      return true;
    });
  });
});

Deno.test("readCheckpoint() refuses a checkpoint_optimizer.npz from another epoch than checkpoint.json (a torn set)", async () => {
  await inRunDir(async (dir) => {
    await writeCheckpoint(dir, adamCheckpoint(2));
    const later = join(dir, "later");
    await Deno.mkdir(later);
    await writeCheckpoint(later, adamCheckpoint(3));
    await Deno.copyFile(join(later, "checkpoint_optimizer.npz"), join(dir, "checkpoint_optimizer.npz"));
    await assert.rejects(readCheckpoint(dir), (error: unknown) => {
      assert.ok(error instanceof FormatError, `got ${error}`);
      assert.equal(
        error.message,
        resumeError(dir, "checkpoint_optimizer.npz does not match checkpoint.json"),
      );
      return true;
    });
  });
});

Deno.test("readCheckpoint() refuses a checkpoint_optimizer.npz changed by one byte", async () => {
  await inRunDir(async (dir) => {
    await writeCheckpoint(dir, adamCheckpoint(2));
    const path = join(dir, "checkpoint_optimizer.npz");
    const bytes = await Deno.readFile(path);
    bytes[bytes.length >> 1] ^= 1;
    await Deno.writeFile(path, bytes);
    await assert.rejects(readCheckpoint(dir), {
      name: "FormatError",
      message: resumeError(dir, "checkpoint_optimizer.npz does not match checkpoint.json"),
    });
  });
});

Deno.test("readCheckpoint() refuses a checkpoint.npz changed by one byte", async () => {
  await inRunDir(async (dir) => {
    await writeCheckpoint(dir, sampleCheckpoint(1));
    const path = join(dir, "checkpoint.npz");
    const bytes = await Deno.readFile(path);
    bytes[bytes.length >> 1] ^= 1;
    await Deno.writeFile(path, bytes);
    await assert.rejects(readCheckpoint(dir), {
      name: "FormatError",
      message: resumeError(dir, "checkpoint.npz does not match checkpoint.json"),
    });
  });
});

for (
  const [label, text] of [
    ["empty", ""],
    ["cut short", '{"epoch": 1, "rng": [1, 2'],
    ["not JSON at all", "epoch: 1\n"],
  ]
) {
  Deno.test(`readCheckpoint() refuses a checkpoint.json that is ${label} with a FormatError`, async () => {
    await inRunDir(async (dir) => {
      await writeCheckpoint(dir, sampleCheckpoint(1));
      await Deno.writeTextFile(join(dir, "checkpoint.json"), text);
      await assert.rejects(readCheckpoint(dir), (error: unknown) => {
        assert.ok(error instanceof FormatError, `got ${error}`);
        assert.equal(error.message, resumeError(dir, "checkpoint.json is not valid JSON"));
        return true;
      });
    });
  });
}

const LACKS = "checkpoint.json lacks epoch, rng, weights_sha256, optimizer_step, optimizer_sha256 or config";

for (
  const [label, edit] of [
    ["no epoch", ({ epoch: _, ...rest }: Record<string, unknown>) => rest],
    ["no rng", ({ rng: _, ...rest }: Record<string, unknown>) => rest],
    ["no weights_sha256", ({ weights_sha256: _, ...rest }: Record<string, unknown>) => rest],
    ["no config", ({ config: _, ...rest }: Record<string, unknown>) => rest],
    ["no optimizer_step", ({ optimizer_step: _, ...rest }: Record<string, unknown>) => rest],
    ["no optimizer_sha256", ({ optimizer_sha256: _, ...rest }: Record<string, unknown>) => rest],
    ["a negative optimizer_step", (m: Record<string, unknown>) => ({ ...m, optimizer_step: -1 })],
    ["a fractional optimizer_step", (m: Record<string, unknown>) => ({ ...m, optimizer_step: 2.5 })],
    [
      "an optimizer_step written as a string",
      (m: Record<string, unknown>) => ({ ...m, optimizer_step: "50" }),
    ],
    ["a null optimizer_sha256", (m: Record<string, unknown>) => ({ ...m, optimizer_sha256: null })],
    ["a fractional epoch", (m: Record<string, unknown>) => ({ ...m, epoch: 1.5 })],
    ["an epoch written as a string", (m: Record<string, unknown>) => ({ ...m, epoch: "1" })],
    ["an rng that is not a list", (m: Record<string, unknown>) => ({ ...m, rng: "1,2,3,4" })],
    ["a numeric weights_sha256", (m: Record<string, unknown>) => ({ ...m, weights_sha256: 7 })],
    ["a null config", (m: Record<string, unknown>) => ({ ...m, config: null })],
    ["a string config", (m: Record<string, unknown>) => ({ ...m, config: "config.yaml" })],
    ["a list at the top", (m: Record<string, unknown>) => [m]],
    ["a number at the top", () => 42],
  ] as const
) {
  Deno.test(`readCheckpoint() refuses a checkpoint.json with ${label} with a FormatError`, async () => {
    await inRunDir(async (dir) => {
      await writeCheckpoint(dir, sampleCheckpoint(1));
      await editMeta(dir, edit);
      await assert.rejects(readCheckpoint(dir), { name: "FormatError", message: resumeError(dir, LACKS) });
    });
  });
}

Deno.test("readCheckpoint() refuses a checkpoint.npz that is no weights file even when its sha256 matches", async () => {
  await inRunDir(async (dir) => {
    const garbage = new TextEncoder().encode("not a zip file at all");
    const noState = encodeNpz([]);
    await Deno.writeFile(join(dir, "checkpoint.npz"), garbage);
    await Deno.writeFile(join(dir, "checkpoint_optimizer.npz"), noState);
    await Deno.writeTextFile(
      join(dir, "checkpoint.json"),
      JSON.stringify({
        epoch: 1,
        rng: [1, 2, 3, 4],
        weights_sha256: await sha256Hex(garbage),
        optimizer_step: 0,
        optimizer_sha256: await sha256Hex(noState),
        config: {},
      }),
    );
    await assert.rejects(readCheckpoint(dir), (error: unknown) => {
      assert.ok(error instanceof FormatError, `got ${error}`);
      assert.equal(
        error.message,
        `Cannot read zip archive "${join(dir, "checkpoint.npz")}": ` +
          'file starts with 6e 6f 74 20, expected a zip signature 50 4b 03 04 ("PK\\x03\\x04")',
      );
      return true;
    });
  });
});

Deno.test("readCheckpoint() refuses a checkpoint_optimizer.npz that is no npz even when its sha256 matches", async () => {
  await inRunDir(async (dir) => {
    await writeCheckpoint(dir, adamCheckpoint(1));
    const garbage = new TextEncoder().encode("not a zip file at all");
    await Deno.writeFile(join(dir, "checkpoint_optimizer.npz"), garbage);
    const sha = await sha256Hex(garbage);
    await editMeta(dir, (meta) => ({ ...meta, optimizer_sha256: sha }));
    await assert.rejects(readCheckpoint(dir), (error: unknown) => {
      assert.ok(error instanceof FormatError, `got ${error}`);
      assert.equal(
        error.message,
        `Cannot read zip archive "${join(dir, "checkpoint_optimizer.npz")}": ` +
          'file starts with 6e 6f 74 20, expected a zip signature 50 4b 03 04 ("PK\\x03\\x04")',
      );
      return true;
    });
  });
});

Deno.test({
  name: "readCheckpoint() refuses a checkpoint.json holding null with a FormatError",
  async fn() {
    await inRunDir(async (dir) => {
      await writeCheckpoint(dir, sampleCheckpoint(1));
      await Deno.writeTextFile(join(dir, "checkpoint.json"), "null");
      await assert.rejects(readCheckpoint(dir), { name: "FormatError", message: resumeError(dir, LACKS) });
    });
  },
});

Deno.test({
  name:
    "readCheckpoint() refuses a run path that is a file, or a checkpoint.json that is a folder, with an InputFileError",
  async fn() {
    await inRunDir(async (dir) => {
      const file = join(dir, "run.txt");
      await Deno.writeTextFile(file, "not a folder");
      await assert.rejects(readCheckpoint(file), InputFileError);
      await Deno.mkdir(join(dir, "checkpoint.json"));
      await Deno.writeFile(join(dir, "checkpoint.npz"), new Uint8Array());
      await assert.rejects(readCheckpoint(dir), InputFileError);
    });
  },
});
