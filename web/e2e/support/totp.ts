import { createHmac } from "node:crypto";

/** RFC 4648 base32 (the alphabet authenticator apps use); spaces, case and padding are ignored. */
export function base32Decode(text: string): Buffer {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  const clean = text.replace(/[\s=]/g, "").toUpperCase();
  let bits = 0;
  let value = 0;
  const out: number[] = [];
  for (const ch of clean) {
    const v = alphabet.indexOf(ch);
    if (v < 0) throw new Error(`not base32: ${JSON.stringify(ch)}`);
    value = (value << 5) | v;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out.push((value >>> bits) & 0xff);
    }
  }
  return Buffer.from(out);
}

/**
 * RFC 6238 TOTP over HMAC-SHA1 (RFC 4226's dynamic truncation): the code of the 30 s window that
 * holds `atMs`, as an authenticator app shows it.
 */
export function totp(secret: Buffer, atMs: number, o: { digits?: number; periodSecs?: number } = {}): string {
  const digits = o.digits ?? 6;
  const counter = Math.floor(atMs / 1000 / (o.periodSecs ?? 30));
  const msg = Buffer.alloc(8);
  msg.writeBigUInt64BE(BigInt(counter));
  const mac = createHmac("sha1", secret).update(msg).digest();
  const offset = mac[mac.length - 1] & 0x0f;
  const binary = mac.readUInt32BE(offset) & 0x7fffffff;
  return String(binary % 10 ** digits).padStart(digits, "0");
}

/** The start (ms) of the 30 s window after the one holding `atMs`. */
export function nextWindow(atMs: number, periodSecs = 30): number {
  const period = periodSecs * 1000;
  return (Math.floor(atMs / period) + 1) * period;
}
