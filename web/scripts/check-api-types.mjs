// Fails when lib/api/schema.d.ts differs from what openapi-typescript makes of the API's
// committed OpenAPI document (api/tests/snapshots/openapi.json). Fix: npm run gen:api
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const web = join(dirname(fileURLToPath(import.meta.url)), "..");
const spec = join(web, "..", "api", "tests", "snapshots", "openapi.json");
const committed = join(web, "lib", "api", "schema.d.ts");
const dir = mkdtempSync(join(tmpdir(), "api-types-"));
const fresh = join(dir, "schema.d.ts");
try {
  execFileSync(join(web, "node_modules", ".bin", "openapi-typescript"), [spec, "-o", fresh], { stdio: ["ignore", "ignore", "inherit"] });
  const a = readFileSync(committed, "utf8");
  const b = readFileSync(fresh, "utf8");
  if (a !== b) {
    const al = a.split("\n");
    const bl = b.split("\n");
    const i = al.findIndex((l, n) => l !== bl[n]);
    console.error(`lib/api/schema.d.ts is out of date with api/tests/snapshots/openapi.json (first difference at line ${i + 1}).`);
    console.error(`  committed: ${JSON.stringify(al[i] ?? "<end of file>")}`);
    console.error(`  generated: ${JSON.stringify(bl[i] ?? "<end of file>")}`);
    console.error("Run `npm run gen:api` in web/ and commit the result.");
    process.exit(1);
  }
  console.log("API types are up to date.");
} finally {
  rmSync(dir, { recursive: true, force: true });
}
