import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

export default defineConfig({
  resolve: { alias: { "@": fileURLToPath(new URL("./", import.meta.url)) } },
  oxc: { jsx: { runtime: "automatic" } },
  test: {
    environment: "jsdom",
    include: ["**/*.test.{ts,tsx}"],
    // e2e/**/*.spec.ts are Playwright's; unit checks of its helpers (e2e/support/*.test.ts) run here.
    exclude: ["node_modules/**", ".next/**", "e2e/**/*.spec.ts"],
    setupFiles: ["./test/setup.ts"],
    restoreMocks: true,
  },
});
