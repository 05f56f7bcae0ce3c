import { RateLimiter } from './rate-limiter.js';

describe(RateLimiter.name, () => {
  it('allows perSecond events per key in a window, then refuses until the next window', () => {
    const sut = new RateLimiter(3);
    expect([1, 2, 3, 4].map(() => sut.take('a', 1000))).toEqual([true, true, true, false]);
    expect(sut.take('b', 1500)).toBe(true);
    expect(sut.take('a', 1999)).toBe(false);
    expect(sut.take('a', 2000)).toBe(true);
  });

  it('never refuses when the limit is 0', () => {
    const sut = new RateLimiter(0);
    expect(Array.from({ length: 1000 }, () => sut.take('a', 0)).every(Boolean)).toBe(true);
  });
});
