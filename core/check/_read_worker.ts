/**
 * The worker of core/check/digit_reader.ts: it reads the files it is sent, one message each, and
 * answers with the network's input and the thumbnail (one per digit for a number), or with the error's
 * class and message.
 *
 * @module
 */

/// <reference lib="deno.worker" />

import { isProjectError } from "../base/errors.ts";
import type { ReadJob, ReadReply } from "./digit_reader.ts";
import { readDigitFile, readNumberFile } from "./read_digit.ts";

self.onmessage = async (event: MessageEvent<ReadJob>) => {
  const { id, path, digits } = event.data;
  let reply: ReadReply;
  try {
    if (digits) {
      const number = await readNumberFile(path);
      reply = { id, digit: null, number, error: null };
      self.postMessage(
        reply,
        number.flatMap((d) => [d.input.buffer, d.thumbnail.gray.buffer] as ArrayBuffer[]),
      );
      return;
    }
    const digit = await readDigitFile(path);
    reply = { id, digit, number: null, error: null };
    self.postMessage(reply, [digit.input.buffer as ArrayBuffer, digit.thumbnail.gray.buffer as ArrayBuffer]);
    return;
  } catch (error) {
    const e = error instanceof Error ? error : new Error(String(error));
    reply = {
      id,
      digit: null,
      number: null,
      error: { name: e.name, message: e.message, known: isProjectError(error) },
    };
  }
  self.postMessage(reply);
};
