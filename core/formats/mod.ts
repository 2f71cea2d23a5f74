/**
 * File formats, read strictly and written exactly: IDX (MNIST), gzip, zip, .npy, .npz, PNG, CRC-32.
 * Nothing here knows about the network.
 *
 * @module
 */

export * from "./crc32.ts";
export * from "./gzip.ts";
export * from "./idx.ts";
export * from "./npy.ts";
export * from "./npz.ts";
export * from "./png.ts";
export * from "./zip.ts";
