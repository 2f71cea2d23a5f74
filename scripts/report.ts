/**
 * `deno task report [RUN]`: write `<run>/report.html`, one self-contained page with the run's
 * configuration, training curves, test-set scores, most confident mistakes and latest check.
 *
 * @module
 */

import { join } from "node:path";
import { FormatError, InputFileError } from "../core/base/errors.ts";
import { buildReportHtml } from "../core/reports/report_html.ts";
import { latestRun, readRun, RUN_FILES } from "../core/reports/run_files.ts";
import { writeFileAtomic } from "../core/base/atomic_write.ts";
import { helpText, type OptionSpec, parseFlags, runMain, UsageError } from "./_cli.ts";

const OPTIONS: OptionSpec = {
  "runs-dir": {
    type: "string",
    valueName: "DIR",
    help: 'Folder holding the runs and LATEST (default "runs")',
  },
  help: { type: "boolean", short: "h", help: "Show this help and exit" },
};

const USAGE = "deno task report [options] [RUN]";
const DESCRIPTION =
  "Write <run>/report.html: one self-contained page (no network, no JavaScript) with the\n" +
  "configuration, per-epoch metrics, loss and accuracy curves, confusion matrix, accuracy per digit,\n" +
  "the most confident mistakes and the latest check. RUN is a run name inside the runs folder, or a\n" +
  "path containing a slash; the default is the run named in <runs-dir>/LATEST. Prints the page's path.";

async function main(): Promise<number> {
  const { values, positionals } = parseFlags(Deno.args, OPTIONS, true);
  if (values.help) {
    console.log(helpText(USAGE, DESCRIPTION, OPTIONS));
    return 0;
  }
  if (positionals.length > 1) {
    throw new UsageError(`Cannot choose a run: ${positionals.length} runs given, expected at most one`);
  }
  const runsDir = (values["runs-dir"] as string | undefined) ?? "runs";
  const arg = positionals[0];
  const runDir = arg === undefined ? await latestRun(runsDir) : /[\\/]/.test(arg) ? arg : join(runsDir, arg);
  const run = await readRun(runDir);
  const path = join(runDir, RUN_FILES.report);
  await writeFileAtomic(path, buildReportHtml(run));
  console.log(path);
  return 0;
}

function hint(error: Error): string | undefined {
  if (error instanceof InputFileError && error.message.includes("LATEST")) {
    return 'run "deno task train" first, or name a run: deno task report <run>';
  }
  if (error instanceof InputFileError) {
    return 'list the runs with "ls runs"; a run folder holds metrics.jsonl';
  }
  if (error instanceof FormatError) {
    return "the run folder's files are damaged; run train, eval or check again to rewrite them";
  }
  return undefined;
}

if (import.meta.main) await runMain(main, hint);
