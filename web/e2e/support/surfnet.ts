import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createWriteStream, existsSync, mkdirSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { freePort } from "./net";

/**
 * The real Solana node of the e2e run: `tools/surfnet-harness` (surfpool, offline, on a free
 * 127.0.0.1 port), the binary `scripts/build-surfnet.sh` builds and `scripts/test.sh` exports as
 * `SURFNET_BIN`. The harness prints `READY <url>` once its RPC is bound and runs until its stdin
 * closes, so it is started with a pipe held open (and stops when this process dies).
 */

export const SYSTEM_PROGRAM = "11111111111111111111111111111111";
export const TOKEN_PROGRAM = "TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA";
export const TOKEN_2022_PROGRAM = "TokenzQdBNbLqP5VEhdkAS6EPFLC1PHnBqCXEpPxuEb";

export const BUILD_HINT = "build it with `bash scripts/build-surfnet.sh` (it prints the path; scripts/test.sh exports it as SURFNET_BIN)";

/** `SURFNET_BIN`, else where scripts/build-surfnet.sh puts it. */
export function surfnetBin(): string {
  const given = process.env.SURFNET_BIN?.trim();
  if (given) return given;
  const target = process.env.SURFNET_TARGET_DIR ?? join(homedir(), ".cache/crypto-pocket-butler/surfnet-target");
  return join(target, "debug/surfnet-harness");
}

/** With `CI` or `SOLANA_TEST_REQUIRED` set, a missing node fails the test instead of skipping it. */
export function solanaRequired(): boolean {
  const set = (k: string) => {
    const v = process.env[k];
    return !!v && v !== "0" && v !== "false";
  };
  return set("CI") || set("SOLANA_TEST_REQUIRED");
}

export interface Surfnet {
  url: string;
  logFile: string;
  rpc: <T = unknown>(method: string, params: unknown[]) => Promise<T>;
  /** `surfnet_setAccount`: any account, with its lamports, owner program and raw data. */
  setAccount: (pubkey: string, lamports: number, owner: string, data?: Uint8Array) => Promise<void>;
  /** `surfnet_setTokenAccount`: the owner's associated token account of `mint` holding `amount` base units. */
  setTokenAccount: (owner: string, mint: string, amount: bigint, program: string) => Promise<void>;
  stop: () => Promise<void>;
}

export async function startSurfnet(bin: string, logDir: string): Promise<Surfnet> {
  if (!existsSync(bin)) throw new Error(`${bin} is missing: ${BUILD_HINT}`);
  mkdirSync(logDir, { recursive: true });
  const logFile = join(logDir, "surfnet.log");
  const log = createWriteStream(logFile, { flags: "w" });
  const port = await freePort();
  const child = spawn(bin, [String(port)], { stdio: ["pipe", "pipe", "pipe"], detached: true });
  child.stderr.pipe(log, { end: false });
  child.on("error", (e) => log.write(`\n[spawn error] ${e.message}\n`));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`surfnet-harness did not print READY within 60 s; see ${logFile}`)), 60_000);
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`surfnet-harness exited (${code ?? signal}) before it was ready; see ${logFile}`));
    });
    createInterface({ input: child.stdout }).on("line", (line) => {
      log.write(`${line}\n`);
      if (line.startsWith("READY ")) {
        clearTimeout(timer);
        resolve(line.slice("READY ".length).trim());
      }
    });
  });

  const rpc = async <T>(method: string, params: unknown[]): Promise<T> => {
    const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }) });
    const body = (await res.json()) as { result?: T; error?: unknown };
    if (!res.ok || body.error) throw new Error(`${method}: HTTP ${res.status} ${JSON.stringify(body.error ?? body)}`);
    return body.result as T;
  };
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.stdin.end(); // the harness exits when its stdin closes
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid!, "SIGKILL");
      } catch {
        /* already gone */
      }
    }, 5000);
    await exited;
    clearTimeout(timer);
    log.end();
  };
  return {
    url,
    logFile,
    rpc,
    setAccount: async (pubkey, lamports, owner, data = new Uint8Array()) => {
      await rpc("surfnet_setAccount", [pubkey, { lamports, owner, data: Buffer.from(data).toString("hex") }]);
    },
    setTokenAccount: async (owner, mint, amount, program) => {
      // A JSON number: the node reads it as a u64 (amounts here stay below 2^53).
      if (amount > BigInt(Number.MAX_SAFE_INTEGER)) throw new Error("amount too large for this helper");
      await rpc("surfnet_setTokenAccount", [owner, mint, { amount: Number(amount) }, program]);
    },
    stop,
  };
}

const ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

export function base58(bytes: Uint8Array): string {
  let n = 0n;
  for (const b of bytes) n = n * 256n + BigInt(b);
  let out = "";
  while (n > 0n) {
    out = ALPHABET[Number(n % 58n)] + out;
    n /= 58n;
  }
  for (const b of bytes) {
    if (b !== 0) break;
    out = `1${out}`;
  }
  return out;
}

/** A fresh public key (32 random bytes), as base58 and as bytes. */
export function newKey(): { address: string; bytes: Uint8Array } {
  const bytes = new Uint8Array(randomBytes(32));
  return { address: base58(bytes), bytes };
}

function u64le(v: bigint): Uint8Array {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(v);
  return b;
}

/** The 82-byte SPL mint layout: no authorities, `supply`, `decimals`, initialized. */
export function mintData(supply: bigint, decimals: number): Uint8Array {
  const d = new Uint8Array(82);
  d.set(u64le(supply), 36);
  d[44] = decimals;
  d[45] = 1;
  return d;
}

/**
 * A Token-2022 mint with a ScaledUiAmount extension (TLV type 25, 56 bytes: no authority, the
 * multiplier, the new multiplier's time (0) and the new multiplier).
 */
export function scaledMintData(supply: bigint, decimals: number, multiplier: number): Uint8Array {
  const base = mintData(supply, decimals);
  const d = Buffer.alloc(165 + 1 + 4 + 56);
  d.set(base, 0);
  d[165] = 1; // account type: mint
  d.writeUInt16LE(25, 166);
  d.writeUInt16LE(56, 168);
  // 170..202: the authority (none)
  d.writeDoubleLE(multiplier, 202);
  d.writeBigInt64LE(0n, 210);
  d.writeDoubleLE(multiplier, 218);
  return d;
}
