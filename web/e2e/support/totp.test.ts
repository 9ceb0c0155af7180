// @vitest-environment node
import { describe, expect, it } from "vitest";
import { base32Decode, nextWindow, totp } from "./totp";

// RFC 6238 appendix B: the SHA-1 seed "12345678901234567890", 8 digits.
const seed = Buffer.from("12345678901234567890", "ascii");

describe("totp", () => {
  it.each([
    [59, "94287082"],
    [1111111109, "07081804"],
    [1111111111, "14050471"],
    [1234567890, "89005924"],
    [2000000000, "69279037"],
    [20000000000, "65353130"],
  ])("matches RFC 6238's SHA-1 test vector at T=%i", (t, code) => {
    expect(totp(seed, t * 1000, { digits: 8 })).toBe(code);
  });

  it("gives the 6-digit code an authenticator app shows (the last 6 of the 8)", () => {
    expect(totp(seed, 59_000)).toBe("287082");
  });

  it("decodes the base32 secret Keycloak shows, grouped in fours", () => {
    // base32("12345678901234567890") = GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ
    expect(base32Decode("gezd gnbv gy3t qojq gezd gnbv gy3t qojq")).toEqual(seed);
    expect(() => base32Decode("GEZ1")).toThrow(/not base32/);
  });

  it("finds the start of the next window", () => {
    expect(nextWindow(59_000)).toBe(60_000);
    expect(nextWindow(60_000)).toBe(90_000);
  });
});
