/**
 * Run a script the way `deno task` does, with exactly the permissions its deno.json task grants, so
 * tests exercise least privilege too. "deno" is found on PATH (npx puts it there).
 */

import { fileURLToPath } from "node:url";

export const ROOT = fileURLToPath(new URL("..", import.meta.url));

/** The `deno run` flags of a task in deno.json, e.g. ["--allow-read=.", ...]. */
export function taskFlags(task: string): string[] {
  const deno = JSON.parse(Deno.readTextFileSync(ROOT + "deno.json"));
  const command: string = deno.tasks[task].command;
  return command.split(/\s+/).filter((part) => part.startsWith("--"));
}

/** The script a task runs, e.g. "scripts/train.ts". */
export function taskScript(task: string): string {
  const deno = JSON.parse(Deno.readTextFileSync(ROOT + "deno.json"));
  return deno.tasks[task].command.split(/\s+/).find((part: string) => part.endsWith(".ts"));
}

export interface TaskResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Run a task's script with its permissions and these arguments, from the project root. */
export async function runTask(
  task: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<TaskResult> {
  const out = await new Deno.Command("deno", {
    args: ["run", ...taskFlags(task), taskScript(task), ...args],
    cwd: ROOT,
    env: { NO_COLOR: "1", ...env },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decode = (b: Uint8Array) => new TextDecoder().decode(b);
  return { code: out.code, stdout: decode(out.stdout), stderr: decode(out.stderr) };
}

/** A fresh folder under runs/tests/ (tasks may write only inside the project). */
export async function scratchDir(name: string): Promise<string> {
  const dir = `${ROOT}runs/tests/${name}-${crypto.randomUUID().slice(0, 8)}`;
  await Deno.mkdir(dir, { recursive: true });
  return dir;
}

/** Assert-friendly: the error output is one `error:` line, optionally a `hint:` line, no stack trace. */
export function isOneLineError(stderr: string): boolean {
  const lines = stderr.trim().split("\n").filter((l) => !l.startsWith("Task "));
  return lines.length >= 1 && lines.length <= 2 && lines[0].startsWith("error: ") &&
    (lines.length === 1 || lines[1].startsWith("hint: ")) && !stderr.includes("    at ");
}
