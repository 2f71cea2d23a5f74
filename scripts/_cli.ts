/**
 * What every script shares: flag parsing, `--help`, and turning known errors into one-line messages.
 *
 * @module
 */

import { parseArgs, type ParseArgsConfig } from "node:util";
import { resolve } from "node:path";
import { isProjectError } from "../core/base/errors.ts";
import { runOfWeights } from "../core/reports/run_files.ts";

/** A mistake in how a script was called; printed as one line, exit code 2. */
export class UsageError extends Error {
  override name = "UsageError";
}

/** Option definitions for node:util parseArgs, each with a help line and the default shown in --help. */
export type OptionSpec = Record<
  string,
  { type: "string" | "boolean"; multiple?: boolean; short?: string; help: string; valueName?: string }
>;

/**
 * The value of an integer flag: `fallback` when the flag is absent, else its number, at least `min`.
 *
 * @param values What {@linkcode parseFlags} returned as `values`.
 * @param name The flag, without its dashes.
 * @throws {UsageError} When the flag's text is not an integer ≥ min.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { integerFlag, UsageError } from "./_cli.ts";
 * assert.ok(integerFlag({ runs: "3" }, "runs", 5, 1) === 3);
 * assert.ok(integerFlag({}, "runs", 5, 1) === 5);
 * try {
 *   integerFlag({ runs: "0" }, "runs", 5, 1);
 * } catch (error) {
 *   assert.ok(error instanceof UsageError);
 *   assert.ok((error as Error).message === 'Cannot parse arguments: --runs is "0", expected an integer ≥ 1');
 * }
 * ```
 */
export function integerFlag(
  values: Record<string, unknown>,
  name: string,
  fallback: number,
  min: number,
): number {
  const text = values[name] as string | undefined;
  const value = text === undefined ? fallback : Number(text);
  if (!Number.isInteger(value) || value < min) {
    throw new UsageError(`Cannot parse arguments: --${name} is "${text}", expected an integer ≥ ${min}`);
  }
  return value;
}

/**
 * Parse command-line flags strictly: an unknown flag or a missing value is a UsageError.
 *
 * @param args Deno.args.
 * @param options The script's options.
 * @param positionals Whether bare arguments are allowed.
 */
export function parseFlags(
  args: string[],
  options: OptionSpec,
  positionals = false,
): { values: Record<string, string | boolean | string[] | undefined>; positionals: string[] } {
  const spec: ParseArgsConfig["options"] = {};
  for (const [name, o] of Object.entries(options)) {
    spec[name] = o.short
      ? { type: o.type, multiple: o.multiple ?? false, short: o.short }
      : { type: o.type, multiple: o.multiple ?? false };
  }
  try {
    const parsed = parseArgs({ args, options: spec, strict: true, allowPositionals: positionals });
    return {
      values: parsed.values as Record<string, string | boolean | string[] | undefined>,
      positionals: parsed.positionals,
    };
  } catch (error) {
    throw new UsageError(_describeParseError(error, args));
  }
}

function _describeParseError(error: unknown, args: string[]): string {
  const code = (error as { code?: string }).code;
  const message = error instanceof Error ? error.message : String(error);
  const flag = message.match(/'(-[^' ]+)/)?.[1] ?? args.find((a) => a.startsWith("-")) ?? "";
  if (code === "ERR_PARSE_ARGS_UNKNOWN_OPTION") return `Cannot parse arguments: unknown flag "${flag}"`;
  if (code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE") {
    return `Cannot parse arguments: flag "${flag.split(" ")[0]}" needs a value`;
  }
  if (code === "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL") {
    return `Cannot parse arguments: unexpected argument "${message.match(/'([^']+)'/)?.[1] ?? ""}"`;
  }
  return `Cannot parse arguments: ${message}`;
}

/**
 * Format a --help text: usage line, description, then one line per option.
 *
 * @param usage e.g. "deno task eval [options]".
 * @param description One paragraph.
 * @param options The script's options.
 */
export function helpText(usage: string, description: string, options: OptionSpec): string {
  const lines = [`Usage: ${usage}`, "", description, "", "Options:"];
  const names = Object.entries(options).map(([name, o]) => {
    const short = o.short ? `-${o.short}, ` : "    ";
    return [`  ${short}--${name}${o.type === "string" ? ` ${o.valueName ?? "VALUE"}` : ""}`, o.help] as const;
  });
  const width = Math.max(...names.map(([left]) => left.length)) + 2;
  for (const [left, help] of names) lines.push(left.padEnd(width) + help);
  return lines.join("\n");
}

/**
 * Run a script's main function; known errors become `error: …` (and `hint: …`) on stderr with no
 * stack trace. Exit codes: 0 success, 1 bad input or failed run, 2 bad usage, 130 interrupted.
 *
 * @param main The script body; returns the exit code.
 * @param hint Optional extra line for a known error, e.g. what to run first.
 */
export async function runMain(
  main: () => Promise<number>,
  hint: (error: Error) => string | undefined = () => undefined,
): Promise<never> {
  let code: number;
  try {
    code = await main();
  } catch (error) {
    if (error instanceof UsageError || isProjectError(error) || error instanceof Deno.errors.NotCapable) {
      const message = error instanceof Deno.errors.NotCapable ? _permissionMessage(error) : error.message;
      console.error(`error: ${message.split("\n")[0]}`);
      const extra = error instanceof UsageError ? "run with --help for the options" : hint(error);
      if (extra) console.error(`hint: ${extra}`);
      code = error instanceof UsageError ? 2 : 1;
    } else {
      throw error; // a bug: let Deno print the stack trace
    }
  }
  Deno.exit(code);
}

function _permissionMessage(error: Error): string {
  const what = error.message.match(/Requires (\w+) access to "?([^",]+)"?/);
  return what
    ? `Cannot ${what[1]} "${what[2]}": the task is not allowed to; run the script with deno run --allow-${
      what[1]
    }=<path> instead`
    : error.message;
}

/** Whether to print colour: stdout is a terminal and NO_COLOR is unset. */
export function useColor(): boolean {
  let noColor: string | undefined;
  try {
    noColor = Deno.env.get("NO_COLOR");
  } catch {
    noColor = undefined;
  }
  return Deno.stdout.isTerminal() && !noColor;
}

/**
 * The folder where eval and check put their results: --run DIR when given, else the run that trained
 * these weights, else `<runs_dir>/model-<sha256 prefix>` (see `runOfWeights` in core/reports/run_files.ts).
 *
 * @param runsDir The config's output.runs_dir.
 * @param explicit The --run value, if any.
 * @param weightsSha256 The sha256 of the weights that made the results.
 */
export async function resultsDir(
  runsDir: string,
  explicit: string | undefined,
  weightsSha256: string,
): Promise<string> {
  const dir = explicit ? resolve(explicit) : await runOfWeights(runsDir, weightsSha256);
  await Deno.mkdir(dir, { recursive: true }); // a fresh clone has no runs/ yet
  return dir;
}
