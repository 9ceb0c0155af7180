import { fireEvent, render, screen } from "@testing-library/react";
import { describe, expect, it, vi } from "vitest";
import { ConfirmDialog } from "./ConfirmDialog";

describe("ConfirmDialog", () => {
  it("says what will happen, confirms with its action and cancels with Escape or Cancel", () => {
    const onConfirm = vi.fn();
    const onCancel = vi.fn();
    const { rerender } = render(
      <ConfirmDialog open title="Delete this entry?" confirmLabel="Delete entry" onConfirm={onConfirm} onCancel={onCancel}>
        Its history is kept.
      </ConfirmDialog>,
    );
    const dialog = screen.getByRole("dialog", { name: "Delete this entry?" });
    expect(dialog.textContent).toContain("Its history is kept.");
    // A destructive action is never one key press away: Cancel has the focus.
    expect(document.activeElement).toBe(screen.getByRole("button", { name: "Cancel" }));
    fireEvent.click(screen.getByRole("button", { name: "Delete entry" }));
    expect(onConfirm).toHaveBeenCalledOnce();
    // Escape makes the browser fire `cancel` on a modal dialog.
    fireEvent(dialog, new Event("cancel", { cancelable: true }));
    fireEvent.click(screen.getByRole("button", { name: "Cancel" }));
    expect(onCancel).toHaveBeenCalledTimes(2);
    rerender(<ConfirmDialog open={false} title="Delete this entry?" confirmLabel="Delete entry" onConfirm={onConfirm} onCancel={onCancel} />);
    expect(screen.queryByRole("dialog")).toBeNull();
  });
});
