/**
 * File formats, read strictly and written exactly: IDX (MNIST), gzip, zip, .npy, .npz, PNG, JPEG, CRC-32.
 * `decodeImage` and `readImageFile` read a PNG or a JPEG, told apart by its first bytes.
 * Nothing here knows about the network.
 *
 * @module
 */

export * from "./crc32.ts";
export * from "./gzip.ts";
export * from "./idx.ts";
export * from "./image.ts";
export * from "./image_limits.ts";
export * from "./jpeg.ts";
export * from "./npy.ts";
export * from "./npz.ts";
export * from "./png.ts";
export * from "./zip.ts";
