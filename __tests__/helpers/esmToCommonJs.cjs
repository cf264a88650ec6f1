// A jest transform: an ES module compiled to CommonJS by TypeScript's transpiler (no type checking), for the
// ES-module-only packages that Node lets CommonJS code require() and jest's CommonJS runtime does not.
const ts = require('typescript');

module.exports = {
  process(source, filename) {
    const { outputText } = ts.transpileModule(source, {
      fileName: filename,
      compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, allowJs: true },
    });
    return { code: outputText };
  },
};
