/**
 * python3 as an independent reference for the format tests: whether it can import a module, and
 * running a snippet that prints JSON. Tests that need it skip themselves with `ignore:` when
 * python3 or the module is missing.
 */

/** Whether python3 runs and can import every one of `modules`; false when python3 is missing. */
export async function pythonCanImport(...modules: string[]): Promise<boolean> {
  try {
    const out = await new Deno.Command("python3", {
      args: ["-c", `import ${modules.join(", ")}`],
      stdout: "null",
      stderr: "null",
    }).output();
    return out.success;
  } catch {
    return false;
  }
}

/** Standard-library modules every snippet may use without importing them. */
const PRELUDE = "import base64, io, json, sys, warnings, zipfile";

/** Run a python3 snippet with `stdin` as its input; it prints JSON, returned parsed. */
export function python(script: string, stdin?: Uint8Array): Promise<Record<string, unknown>> {
  return runJson(`${PRELUDE}\n${script}`, stdin);
}

/** As python(), with numpy imported as `np` too. */
export function pythonNumpy(script: string, stdin?: Uint8Array): Promise<Record<string, unknown>> {
  return runJson(`${PRELUDE}\nimport numpy as np\n${script}`, stdin);
}

async function runJson(
  program: string,
  stdin: Uint8Array = new Uint8Array(0),
): Promise<Record<string, unknown>> {
  const child = new Deno.Command("python3", {
    args: ["-c", program],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new Uint8Array(stdin));
  await writer.close();
  const out = await child.output();
  if (!out.success) throw new Error(`python3 failed: ${new TextDecoder().decode(out.stderr)}`);
  return JSON.parse(new TextDecoder().decode(out.stdout));
}

/** The bytes of a base64 string a snippet printed. */
export function fromBase64(text: unknown): Uint8Array {
  return Uint8Array.from(atob(String(text)), (c) => c.charCodeAt(0));
}
