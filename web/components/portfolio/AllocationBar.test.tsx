import { render, screen, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { AllocationBar } from "./AllocationBar";

describe("AllocationBar", () => {
  it("draws the current share, the target and the band at their percentages", () => {
    render(
      <AllocationBar
        lines={[
          { key: "eth", symbol: "ETH", currentPct: "72.5", targetPct: "60", bandLowPct: "55", bandHighPct: "65" },
          { key: "cash", symbol: "CASH", currentPct: "27.5", targetPct: "40", bandLowPct: "35", bandHighPct: "45" },
        ]}
      />,
    );
    const [eth, cash] = screen.getAllByTestId("allocation-bar-line");
    expect(within(eth).getByTestId("current").style.width).toBe("72.5%");
    expect(within(eth).getByTestId("target").style.left).toBe("60%");
    expect(within(eth).getByTestId("band").style.left).toBe("55%");
    expect(within(eth).getByTestId("band").style.width).toBe("10%");
    expect(within(cash).getByTestId("current").style.width).toBe("27.5%");
    expect(eth.textContent).toContain("72.5% / target 60.0%");
  });

  it("clamps widths to the bar and leaves out the target of an unallocated asset", () => {
    render(<AllocationBar lines={[{ key: "x", symbol: "X", currentPct: "130", targetPct: null }, { key: "y", symbol: "Y", currentPct: "-3" }]} />);
    const [x, y] = screen.getAllByTestId("allocation-bar-line");
    expect(within(x).getByTestId("current").style.width).toBe("100%");
    expect(within(x).queryByTestId("target")).toBeNull();
    expect(within(x).queryByTestId("band")).toBeNull();
    expect(within(y).getByTestId("current").style.width).toBe("0%");
  });
});
