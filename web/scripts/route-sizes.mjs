// Prints the JavaScript each app route loads on first visit, from the production build's
// manifests (next build no longer prints sizes): raw bytes and gzip, shared part and own part.
// Usage: node scripts/route-sizes.mjs [--markdown]
import { readFileSync, readdirSync, statSync } from "node:fs";
import { dirname, join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";
import vm from "node:vm";
import { gzipSync } from "node:zlib";

const web = join(dirname(fileURLToPath(import.meta.url)), "..");
const next = join(web, ".next");
const build = JSON.parse(readFileSync(join(next, "build-manifest.json"), "utf8"));
const root = new Set(build.rootMainFiles);

function walk(dir, out = []) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (name === "page_client-reference-manifest.js") out.push(p);
  }
  return out;
}

const sizeCache = new Map();
function size(file) {
  if (!sizeCache.has(file)) {
    const buf = readFileSync(join(next, file));
    sizeCache.set(file, { raw: buf.length, gzip: gzipSync(buf).length });
  }
  return sizeCache.get(file);
}
const sum = (files) => [...files].reduce((a, f) => ({ raw: a.raw + size(f).raw, gzip: a.gzip + size(f).gzip }), { raw: 0, gzip: 0 });
const kb = (n) => `${(n / 1024).toFixed(1)} kB`;

const rows = [];
for (const file of walk(join(next, "server", "app"))) {
  const key = "/" + relative(join(next, "server", "app"), dirname(file)).split(sep).join("/") + "/page";
  const ctx = { globalThis: {} };
  vm.runInNewContext(readFileSync(file, "utf8"), ctx);
  const manifest = ctx.globalThis.__RSC_MANIFEST[key.replace(/^\/\/page$/, "/page")];
  const entry = manifest.entryJSFiles[`[project]/app${key}`] ?? [];
  const files = new Set([...root, ...entry]);
  const own = new Set(entry.filter((f) => !root.has(f)));
  const route = key.replace(/\/page$/, "").replace(/\/\([^)]+\)/g, "") || "/";
  if (route.startsWith("/_")) continue;
  rows.push({ route, total: sum(files), own: sum(own) });
}
rows.sort((a, b) => a.route.localeCompare(b.route));
const shared = sum(root);

if (process.argv.includes("--markdown")) {
  console.log(`| Route | First-load JS (gzip) | First-load JS (raw) | Route-specific (gzip) |`);
  console.log(`|---|---:|---:|---:|`);
  for (const r of rows) console.log(`| \`${r.route}\` | ${kb(r.total.gzip)} | ${kb(r.total.raw)} | ${kb(r.own.gzip)} |`);
  console.log(`\nShared by every route (framework runtime): ${kb(shared.gzip)} gzip, ${kb(shared.raw)} raw.`);
} else {
  const w = Math.max(...rows.map((r) => r.route.length));
  console.log(`${"route".padEnd(w)}  first-load gzip   raw        route-specific gzip`);
  for (const r of rows) console.log(`${r.route.padEnd(w)}  ${kb(r.total.gzip).padStart(10)}  ${kb(r.total.raw).padStart(10)}  ${kb(r.own.gzip).padStart(10)}`);
  console.log(`shared by all: ${kb(shared.gzip)} gzip (${kb(shared.raw)} raw)`);
}
