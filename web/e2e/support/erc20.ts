import { readFileSync } from "node:fs";
import { join, resolve, dirname } from "node:path";
import { fileURLToPath } from "node:url";

/** The committed test ERC-20s (api/tests/fixtures/evm): compiled once, never at test time. */
const fixtures = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "api", "tests", "fixtures", "evm");
const NAMED_TOKEN_BIN = () => readFileSync(join(fixtures, "NamedToken.bin"), "utf8").trim();

const word = (hex: string) => hex.padStart(64, "0");
const utf8Hex = (s: string) => Buffer.from(s, "utf8").toString("hex");

/** ABI encoding of `(uint8, string, string)` (strings of at most 32 bytes). */
function encodeNamed(decimals: number, name: string, symbol: string): string {
  const str = (s: string) => word(Buffer.byteLength(s).toString(16)) + utf8Hex(s).padEnd(64, "0");
  const head = word(decimals.toString(16)) + word((0x60).toString(16)) + word((0x60 + 0x40).toString(16));
  return head + str(name) + str(symbol);
}

async function rpc<T>(url: string, method: string, params: unknown[]): Promise<T> {
  const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }) });
  const body = (await res.json()) as { result?: T; error?: { message: string } };
  if (body.error) throw new Error(`${method}: ${body.error.message}`);
  return body.result as T;
}

/**
 * The receipt of a sent transaction. Earlier specs may leave anvil mining on an interval (or
 * not at all), so wait for it and mine a block when it does not come.
 */
async function receiptOf<T>(url: string, hash: string): Promise<T> {
  for (let i = 0; i < 50; i++) {
    const r = await rpc<T | null>(url, "eth_getTransactionReceipt", [hash]);
    if (r) return r;
    await rpc(url, "evm_mine", []);
    await new Promise((res) => setTimeout(res, 100));
  }
  throw new Error(`no receipt for ${hash}`);
}

/** Deploys a `NamedToken` from an unlocked anvil account; returns its address (lowercase). */
export async function deployNamedToken(url: string, from: string, decimals: number, name: string, symbol: string): Promise<string> {
  const hash = await rpc<string>(url, "eth_sendTransaction", [{ from, data: `0x${NAMED_TOKEN_BIN()}${encodeNamed(decimals, name, symbol)}`, gas: "0x2dc6c0" }]);
  const receipt = await receiptOf<{ contractAddress: string; status: string }>(url, hash);
  if (receipt.status !== "0x1") throw new Error(`deploying ${symbol} failed`);
  return receipt.contractAddress.toLowerCase();
}

/** `mint(to, amount)` (raw base units). */
export async function mint(url: string, from: string, token: string, to: string, amount: bigint): Promise<void> {
  const data = `0x40c10f19${word(to.slice(2).toLowerCase())}${word(amount.toString(16))}`;
  const hash = await rpc<string>(url, "eth_sendTransaction", [{ from, to: token, data, gas: "0x30d40" }]);
  const receipt = await receiptOf<{ status: string }>(url, hash);
  if (receipt.status !== "0x1") throw new Error(`minting ${token} failed`);
}
