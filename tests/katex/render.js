#!/usr/bin/env node
// Renders LaTeX with KaTeX as a user's notes would: display mode, strict
// mode "error" (anything LaTeX itself would reject, or that KaTeX accepts
// only as an extension, is an error) and throwOnError.
//
// Input (stdin): a JSON array of strings, each the body of one display.
// Output (stdout): {"katex": VERSION, "results": [{"ok": true, "html": HTML} |
// {"ok": false, "error": MESSAGE}, ...]}, one result per input, in order.
//
// Used by tests/latex.rs; `npm ci` in this folder installs the pinned KaTeX.
"use strict";

const katex = require("katex");

const OPTIONS = { displayMode: true, throwOnError: true, strict: "error" };

function render(latex) {
  try {
    return { ok: true, html: katex.renderToString(latex, OPTIONS) };
  } catch (e) {
    return { ok: false, error: String(e && e.message ? e.message : e) };
  }
}

const chunks = [];
process.stdin.on("data", (c) => chunks.push(c));
process.stdin.on("end", () => {
  const inputs = JSON.parse(Buffer.concat(chunks).toString("utf8"));
  if (!Array.isArray(inputs) || !inputs.every((s) => typeof s === "string")) {
    process.stderr.write("render.js: expected a JSON array of strings on stdin\n");
    process.exit(2);
  }
  const out = { katex: katex.version, results: inputs.map(render) };
  process.stdout.write(JSON.stringify(out) + "\n");
});
