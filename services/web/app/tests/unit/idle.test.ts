import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { lockDelayMs, startIdleClock } from "../../src/session/idle";

describe("idle lock", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("locks once the delay passes without activity", () => {
    const onLock = vi.fn();
    const clock = startIdleClock(60_000, onLock, () => Date.now());
    vi.advanceTimersByTime(59_999);
    expect(onLock).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(onLock).toHaveBeenCalledTimes(1);
    expect(clock.locked).toBe(true);
  });

  it("activity pushes the lock back; activity after the lock does not open it", () => {
    const onLock = vi.fn();
    const clock = startIdleClock(60_000, onLock, () => Date.now());
    vi.advanceTimersByTime(50_000);
    clock.activity();
    vi.advanceTimersByTime(50_000);
    expect(onLock).not.toHaveBeenCalled();
    vi.advanceTimersByTime(10_000);
    expect(onLock).toHaveBeenCalledTimes(1);
    clock.activity();
    vi.advanceTimersByTime(120_000);
    expect(clock.locked).toBe(true);
    expect(onLock).toHaveBeenCalledTimes(1);
  });

  it("stopping the clock cancels the lock", () => {
    const onLock = vi.fn();
    startIdleClock(1_000, onLock).stop();
    vi.advanceTimersByTime(10_000);
    expect(onLock).not.toHaveBeenCalled();
  });

  it("locks before the server's idle timeout, within bounds", () => {
    expect(lockDelayMs(600)).toBe(540_000);
    expect(lockDelayMs(300)).toBe(270_000);
    expect(lockDelayMs(10)).toBe(30_000);
    expect(lockDelayMs(7200)).toBe(900_000);
    expect(lockDelayMs(undefined)).toBe(840_000);
    expect(lockDelayMs(-5)).toBe(840_000);
  });
});
