/**
 * Headless Chromium for the browser tests (Debian's `chromium`, driven by playwright-core), with
 * narrow permissions: the tests that use it skip when Chromium is missing or may not run, unless CI
 * is set, when they must run and fail instead.
 *
 * @module
 */

import fs from "node:fs";
import type { Browser } from "playwright-core";

export const CHROMIUM = "/usr/bin/chromium";
const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--no-first-run",
];

/** Whether CI is set: then the tests that need a tool must run, and fail when it is missing. */
export function isCi(): boolean {
  try {
    const ci = Deno.env.get("CI");
    return ci !== undefined && ci !== "" && ci !== "false" && ci !== "0";
  } catch {
    return false;
  }
}

/** Whether a program is installed at `path` and this process may start it (deno test's --allow-run). */
export function mayRun(path: string): boolean {
  try {
    Deno.statSync(path);
  } catch {
    return false;
  }
  return Deno.permissions.querySync({ name: "run", command: path }).state === "granted";
}

/** Whether Chromium is installed and this process may start it. */
export function chromiumAvailable(): boolean {
  return mayRun(CHROMIUM);
}

/**
 * Import playwright-core. At load time it probes /proc/sys/fs/binfmt_misc/WSLInterop (to detect
 * WSL) with fs.existsSync, and Deno allows /proc/sys only with --allow-all; answering "not there"
 * for a path Deno refuses keeps the tests on narrow permissions.
 */
export async function loadPlaywright(): Promise<typeof import("playwright-core")> {
  const existsSync = fs.existsSync;
  fs.existsSync = (path: fs.PathLike) => {
    try {
      return existsSync(path);
    } catch (error) {
      if (error instanceof Deno.errors.NotCapable) return false;
      throw error;
    }
  };
  try {
    return await import("playwright-core");
  } finally {
    fs.existsSync = existsSync;
  }
}

/**
 * Launch headless Chromium; close it with `browser.close()`.
 *
 * @param tmpDir Where playwright and Chromium make their temporary profile (TMPDIR while launching),
 *   inside runs/ so that /tmp is not written.
 */
export async function launchChromium(tmpDir: string): Promise<Browser> {
  const { chromium } = await loadPlaywright();
  await Deno.mkdir(tmpDir, { recursive: true });
  const oldTmp = Deno.env.get("TMPDIR");
  Deno.env.set("TMPDIR", tmpDir);
  try {
    return await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, timeout: 60_000 });
  } finally {
    oldTmp === undefined ? Deno.env.delete("TMPDIR") : Deno.env.set("TMPDIR", oldTmp);
  }
}
