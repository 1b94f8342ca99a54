/**
 * Stryker's build step, run in its sandbox after it has instrumented the sources: the sandbox
 * already holds the project's compiled dist/ (scripts/mutation.mjs builds it first), so only the
 * instrumented files (they carry Stryker's `stryMutAct_9fa48` switch) are compiled again, one by one,
 * with TypeScript's transpiler and the project's compiler options. No type check: instrumented code
 * does not type-check, and the unmutated project did before the run.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';

const root = process.cwd();
const config = ts.getParsedCommandLineOfConfigFile(
  join(root, 'tsconfig.json'),
  {},
  {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (diagnostic) => {
      throw new Error(ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'));
    },
  },
);
const outDir = config.options.outDir ?? join(root, 'dist');
let count = 0;
for (const file of config.fileNames) {
  const source = readFileSync(file, 'utf8');
  if (!source.includes('stryMutAct_9fa48')) continue;
  const { outputText } = ts.transpileModule(source, {
    compilerOptions: {
      ...config.options,
      // NodeNext picks the output format from package.json ("type": "module"), which a single-file
      // transpile does not read; it is ES modules throughout.
      module: ts.ModuleKind.ESNext,
      sourceMap: false,
      inlineSourceMap: false,
      declaration: false,
    },
    fileName: file,
  });
  writeFileSync(join(outDir, relative(root, file)).replace(/\.ts$/, '.js'), outputText);
  count++;
}
process.stderr.write(`mutation: transpiled ${count} instrumented file(s)\n`);
