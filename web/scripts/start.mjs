// Starts the production build the way `next build` makes it here (`output: "standalone"` in
// next.config.ts): the standalone server, with the static files beside it as the Dockerfile
// copies them. `next start` does not serve a standalone build (it warns, and is not what ships).
// Usage: node scripts/start.mjs [-H host] [-p port]   (default 127.0.0.1:3001)
import { cpSync, existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const web = join(dirname(fileURLToPath(import.meta.url)), "..");
const args = process.argv.slice(2);
const arg = (flag, fallback) => {
  const i = args.indexOf(flag);
  return i >= 0 && args[i + 1] ? args[i + 1] : fallback;
};

// The server sits at the root of .next/standalone, or under web/ when Next traced from the repository root.
const server = [join(web, ".next/standalone/server.js"), join(web, ".next/standalone/web/server.js")].find((p) => existsSync(p));
if (!server) {
  console.error("start: no standalone build in web/.next/standalone: run `npm run build` (or `npx next build`) first");
  process.exit(1);
}
const root = dirname(server);
cpSync(join(web, ".next/static"), join(root, ".next/static"), { recursive: true });
if (existsSync(join(web, "public"))) cpSync(join(web, "public"), join(root, "public"), { recursive: true });

// Explicit, never an inherited HOSTNAME (a shell's or a container's name).
process.env.HOSTNAME = arg("-H", "127.0.0.1");
process.env.PORT = arg("-p", "3001");
await import(pathToFileURL(server).href);
