/**
 * Load the training and test sets a config names, verifying each file's SHA-256 first.
 *
 * @module
 */

import { type Config, DATA_FILE_KEYS, type DataFileKey } from "./config.ts";
import type { Dataset } from "./dataset.ts";
import { FormatError } from "../base/errors.ts";
import { loadIdxPair } from "../formats/idx.ts";
import { sha256File } from "../base/sha256.ts";

/** Where each dataset file was read from, and its digest: the metrics log and weights.json record it. */
export type DataFileRecord = Record<DataFileKey, { path: string; sha256: string }>;

/**
 * Hash the four dataset files, compare with `data.sha256` where the config gives a digest, and
 * return the records. Runs before any file is parsed, so a wrong download is caught first.
 *
 * @param config The loaded config.
 * @throws {FormatError} When a digest differs from the configured one.
 */
export async function verifyDataFiles(config: Config): Promise<DataFileRecord> {
  const records = {} as DataFileRecord;
  for (const key of DATA_FILE_KEYS) {
    const path = config.data[key];
    const sha256 = await sha256File(path, "IDX file");
    const expected = config.data.sha256?.[key];
    if (expected && expected.toLowerCase() !== sha256) {
      throw new FormatError(
        `Cannot use dataset file "${path}" (data.${key}): its sha256 is ${sha256}, the config expects ${expected}`,
      );
    }
    records[key] = { path, sha256 };
  }
  return records;
}

/**
 * Read the training set a config names (IDX, raw or gzip).
 *
 * @param config The loaded config.
 */
export function loadTrainSet(config: Config): Promise<Dataset> {
  return loadIdxPair(config.data.train_images, config.data.train_labels, config.data.class_names.length);
}

/**
 * Read the test set a config names (IDX, raw or gzip).
 *
 * @param config The loaded config.
 */
export function loadTestSet(config: Config): Promise<Dataset> {
  return loadIdxPair(config.data.test_images, config.data.test_labels, config.data.class_names.length);
}
