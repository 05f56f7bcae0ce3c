import { Test } from '@nestjs/testing';
import { Clock } from './clock.js';

describe(Clock.name, () => {
  it('tells the time in epoch ms', async () => {
    const moduleRef = await Test.createTestingModule({ providers: [Clock] }).compile();
    const sut = moduleRef.get(Clock);
    const before = Date.now();
    expect(sut.now()).toBeGreaterThanOrEqual(before);
  });
});
