// ESLint for sitegen's browser code (`npx eslint static sitegen/serve`, run by .ci/run).
// Classic scripts, not modules: pages must work from file://, where module scripts are blocked.
"use strict";

const js = require("@eslint/js");
const globals = require("globals");

module.exports = [
  { ignores: ["static/vendor/**"] },
  js.configs.recommended,
  {
    files: ["**/*.js"],
    languageOptions: {
      ecmaVersion: 2022,
      sourceType: "script",
      globals: globals.browser,
    },
    rules: {
      "no-var": "error",
      "prefer-const": "error",
    },
  },
  {
    // The search engine runs after static/vendor/lunr/lunr.min.js.
    files: ["static/search/**/*.js"],
    languageOptions: { globals: { lunr: "readonly" } },
  },
  {
    files: ["eslint.config.js"],
    languageOptions: { sourceType: "commonjs", globals: globals.node },
  },
];
