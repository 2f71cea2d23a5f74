/**
 * Where the numbers live and which kernels run on them: the TypeScript reference backend, the
 * WebAssembly SIMD backends (the fused one-layer kernels and the generic kernels of any depth) and
 * their worker threads, behind one {@linkcode Backend} interface.
 *
 * @module
 */

export * from "./backend.ts";
export * from "./backend_dense_wasm.ts";
export * from "./backend_factory.ts";
export * from "./backend_threads.ts";
export * from "./backend_wasm.ts";
export * from "./dense_kernels.ts";
export * from "./dense_threads.ts";
export * from "./wasm_file.ts";
