// Lint for the web app: TypeScript's recommended rules, React's rules of hooks, and the
// boundaries of STYLE.md's "Web" layout (bulletproof-react): features stay apart, and shared
// code (`components/`, `lib/`) does not reach into features. Routes in `app/` compose features.
import { readdirSync } from "node:fs";
import reactHooks from "eslint-plugin-react-hooks";
import tseslint from "typescript-eslint";

const features = readdirSync(new URL("./features", import.meta.url), { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => d.name);

const SHARED =
  "Shared code must not depend on a feature: move what is shared into components/ or lib/, or let the route in app/ compose the feature.";
const CROSS =
  "Features do not import each other: move what two features share into components/ or lib/ (e.g. lib/api/ for fetchers and query keys), or compose both in the route in app/.";

// `no-restricted-imports` over the `@/` alias, which the code uses for every import that leaves
// its own folder. Relative paths that climb out of a feature (`../../x`) are refused as well,
// since they would dodge the alias patterns.
const featureBoundaries = features.map((name) => ({
  files: [`features/${name}/**/*.{ts,tsx}`],
  rules: {
    "no-restricted-imports": [
      "error",
      {
        patterns: [
          { group: ["@/features/*", `!@/features/${name}`, `!@/features/${name}/**`], message: CROSS },
          { group: ["../../*", "../../../*"], message: `Import outside features/${name}/ through the @/ alias. ${CROSS}` },
        ],
      },
    ],
  },
}));

export default tseslint.config(
  { ignores: ["node_modules/", ".next/", "out/", "test-results/", "playwright-report/", "next-env.d.ts", "lib/api/schema.d.ts"] },
  ...tseslint.configs.recommended,
  {
    files: ["**/*.{ts,tsx}"],
    plugins: { "react-hooks": reactHooks },
    rules: {
      "react-hooks/rules-of-hooks": "error",
      "react-hooks/exhaustive-deps": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrorsIgnorePattern: "^_" }],
    },
  },
  {
    files: ["components/**/*.{ts,tsx}", "lib/**/*.{ts,tsx}"],
    rules: {
      "no-restricted-imports": ["error", { patterns: [{ group: ["@/features", "@/features/**", "**/features/**"], message: SHARED }] }],
    },
  },
  ...featureBoundaries,
);
