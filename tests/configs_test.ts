/** Every example config in configs/ is valid, and each names its outputs outside the shipped model's. */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { loadConfig } from "../core/training/config.ts";

const CONFIGS = new URL("../configs/", import.meta.url);
const SHIPPED = fileURLToPath(new URL("../weights.npz", import.meta.url));

Deno.test("every config in configs/ loads, and none writes over the shipped weights.npz", async () => {
  const names = [...Deno.readDirSync(CONFIGS)].map((e) => e.name).filter((n) => n.endsWith(".yaml")).sort();
  assert.ok(names.length >= 2, `found ${names.join(", ")}`);
  for (const name of names) {
    const config = await loadConfig(fileURLToPath(new URL(name, CONFIGS)));
    assert.notEqual(config.output.weights, SHIPPED, name);
  }
});

Deno.test("configs/two_layer_adam.yaml is a two-hidden-layer Adam network", async () => {
  const config = await loadConfig(fileURLToPath(new URL("two_layer_adam.yaml", CONFIGS)));
  assert.equal(config.model.hidden.length, 2);
  assert.equal(config.train.optimizer, "adam");
});
