import { render, screen } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { DriftBadge } from "./DriftBadge";

describe("DriftBadge", () => {
  it.each([
    ["ok", "0.4", "On target +0.4 pts", /emerald/],
    ["over", "12.25", "Over +12.2 pts", /rose/], // half-even, as the API rounds
    ["under", "-7", "Under −7.0 pts", /amber/],
  ])("shows %s with the drift in points", (status, points, text, color) => {
    render(<DriftBadge status={status} points={points} />);
    const badge = screen.getByTestId("drift-badge");
    expect(badge).toHaveProperty("textContent", text);
    expect(badge.className).toMatch(color);
  });

  it("says when an asset has no target, without points", () => {
    render(<DriftBadge status="unallocated" points={null} />);
    expect(screen.getByTestId("drift-badge").textContent).toBe("No target");
    expect(screen.getByTestId("drift-badge").getAttribute("title")).toMatch(/never traded/);
  });
});
