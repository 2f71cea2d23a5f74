/**
 * The ground floor: the project's error types, atomic file writes, SHA-256, byte helpers.
 *
 * @module
 */

export * from "./atomic_write.ts";
export * from "./bytes.ts";
export * from "./errors.ts";
export * from "./sha256.ts";
