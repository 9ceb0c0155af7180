import { describe, expect, it } from "vitest";
import { durationsInWords, durationWords, scheduleWords } from "./schedule-words";

describe("schedules and durations in words", () => {
  it("says the jobs' schedules in words, not bare cron", () => {
    expect(scheduleWords("0 5 * * * *")).toBe("every hour at :05");
    expect(scheduleWords("0 0 * * * *")).toBe("every hour at :00");
    expect(scheduleWords("0 5,20,35,50 * * * *")).toBe("every hour at :05, :20, :35 and :50");
    expect(scheduleWords("0 30 23 * * *")).toBe("every day at 23:30 UTC");
    expect(scheduleWords("0 0 0 * * *")).toBe("every day at 00:00 UTC");
    expect(scheduleWords("0 */15 * * * *")).toBe("every 15 minutes");
    // Anything rarer is shown as it is.
    expect(scheduleWords("0 0 12 * * MON")).toBe("0 0 12 * * MON");
  });

  it("says durations in minutes and seconds", () => {
    expect(durationWords(119.999890055)).toBe("2 min 0 s");
    expect(durationWords(45)).toBe("45 s");
    expect(durationWords(3900)).toBe("1 h 5 min");
    expect(durationsInWords("coingecko is paused for 119.999890055s after repeated failures")).toBe("coingecko is paused for 2 min 0 s after repeated failures");
    expect(durationsInWords("waited 1500ms")).toBe("waited 2 s");
    expect(durationsInWords("HTTP 503 from evm:base")).toBe("HTTP 503 from evm:base");
  });
});
