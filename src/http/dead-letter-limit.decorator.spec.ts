import { ErrorCode } from '../common/error-code.js';
import { parseDeadLetterLimit } from './dead-letter-limit.decorator.js';

describe(parseDeadLetterLimit.name, () => {
  it('defaults to 100', () => {
    expect(parseDeadLetterLimit(undefined)).toBe(100);
  });

  it('takes whole numbers from 1 to 1000', () => {
    expect(parseDeadLetterLimit('1')).toBe(1);
    expect(parseDeadLetterLimit('0250')).toBe(250);
    expect(parseDeadLetterLimit('1000')).toBe(1000);
  });

  it.each(['0', '1001', '', ' 5', '1.5', '-1', '1e2', '0x10', 'abc', '99999'])('refuses %j with VALIDATION', (value) => {
    expect(() => parseDeadLetterLimit(value)).toThrow(expect.objectContaining({ code: ErrorCode.VALIDATION }));
  });

  it('refuses a repeated limit (an array)', () => {
    expect(() => parseDeadLetterLimit(['1', '2'])).toThrow(expect.objectContaining({ code: ErrorCode.VALIDATION }));
  });
});
