import { ArgumentsHost, BadRequestException, HttpException, ServiceUnavailableException } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { CourierError } from '../common/courier-error.js';
import { ErrorCode } from '../common/error-code.js';
import { HttpExceptionFilter } from './http-exception.filter.js';

/** Records what the filter answers; the HTTP adapter is the outer edge here. */
function answer(exception: unknown): { status?: number; body?: unknown } {
  const sent: { status?: number; body?: unknown } = {};
  const adapterHost = { httpAdapter: { isHeadersSent: () => false, reply: (_res: unknown, body: unknown, status: number) => Object.assign(sent, { body, status }) } };
  const host = { switchToHttp: () => ({ getResponse: () => ({}) }) } as unknown as ArgumentsHost;
  new HttpExceptionFilter(adapterHost as unknown as HttpAdapterHost).catch(exception, host);
  return sent;
}

describe(HttpExceptionFilter.name, () => {
  it.each([
    [ErrorCode.VALIDATION, 400, 'Bad Request'],
    [ErrorCode.NOT_FOUND, 404, 'Not Found'],
    [ErrorCode.UNAUTHORIZED, 401, 'Unauthorized'],
    [ErrorCode.FORBIDDEN, 403, 'Forbidden'],
    [ErrorCode.RATE_LIMITED, 429, 'Too Many Requests'],
    [ErrorCode.PAYLOAD_TOO_LARGE, 413, 'Payload Too Large'],
    [ErrorCode.UNAVAILABLE, 503, 'Service Unavailable'],
  ])('answers %s with %i', (code, status, error) => {
    const { status: sent, body } = answer(new CourierError(code, 'what happened'));
    expect(sent).toBe(status);
    expect(body).toEqual({ statusCode: status, error, message: code === ErrorCode.VALIDATION ? ['what happened'] : 'what happened' });
  });

  it('answers INTERNAL and unknown errors with a bare 500', () => {
    for (const exception of [new CourierError(ErrorCode.INTERNAL, 'secret detail'), new Error('secret detail'), 'thrown string']) {
      expect(answer(exception)).toEqual({ status: 500, body: { statusCode: 500, error: 'Internal Server Error', message: 'Internal server error' } });
    }
  });

  it("keeps Nest's exceptions in the documented shape", () => {
    expect(answer(new BadRequestException(['a is wrong', 'b is wrong']))).toEqual({
      status: 400,
      body: { statusCode: 400, error: 'Bad Request', message: ['a is wrong', 'b is wrong'] },
    });
    expect(answer(new HttpException('request entity too large', 413))).toEqual({
      status: 413,
      body: { statusCode: 413, error: 'Payload Too Large', message: 'request entity too large' },
    });
  });

  it('passes other bodies (a failed health check) through', () => {
    const report = { status: 'error', error: { store: { status: 'down' } } };
    expect(answer(new ServiceUnavailableException(report))).toEqual({ status: 503, body: report });
  });
});
