import { JwtService } from '@nestjs/jwt';
import { Test } from '@nestjs/testing';
import { CourierError } from '../common/courier-error.js';
import { ErrorCode } from '../common/error-code.js';
import { CourierConfig } from '../config/courier-config.js';
import { AuthService } from './auth.service.js';

async function build(env: Record<string, string>): Promise<AuthService> {
  const moduleRef = await Test.createTestingModule({
    providers: [AuthService, { provide: CourierConfig, useValue: CourierConfig.with(env) }],
  }).compile();
  return moduleRef.get(AuthService);
}

function codeOf(fn: () => unknown): ErrorCode | 'none' {
  try {
    fn();
    return 'none';
  } catch (error) {
    return (error as CourierError).code;
  }
}

const SECRET = 'test-secret-of-some-length';
const sign = (claims: object, options: object = {}, secret = SECRET) => new JwtService({ secret }).sign(claims, options);

describe(AuthService.name, () => {
  describe('visibleNamespaces', () => {
    it('shows everything when REST is open, and only a key\'s namespaces when it is not', async () => {
      const open = await build({});
      expect(open.visibleNamespaces(undefined, ['caps', 'events'])).toEqual(['caps', 'events']);
      const sut = await build({ API_KEYS: 'all, caps-only=caps;clients=v-*' });
      expect(sut.visibleNamespaces('all', ['caps', 'events'])).toEqual(['caps', 'events']);
      expect(sut.visibleNamespaces('caps-only', ['caps', 'events'])).toEqual(['caps']);
      expect(sut.visibleNamespaces('nope', ['caps', 'events'])).toEqual([]);
      expect(sut.visibleNamespaces(undefined, ['caps', 'events'])).toEqual([]);
    });
  });

  describe('authenticateSocket with clients=', () => {
    it('refuses a client id outside the key\'s patterns (FORBIDDEN), allows anonymous and matching ids', async () => {
      const sut = await build({ API_KEYS: 'v=caps;clients=vendor-*|acme.1' });
      expect(sut.authenticateSocket('caps', 'v', 'vendor-9')).toEqual({ clientId: 'vendor-9' });
      expect(sut.authenticateSocket('caps', 'v', 'acme.1')).toEqual({ clientId: 'acme.1' });
      expect(sut.authenticateSocket('caps', 'v', null)).toEqual({ clientId: null });
      expect(codeOf(() => sut.authenticateSocket('caps', 'v', 'acmex1'))).toBe(ErrorCode.FORBIDDEN);
      expect(codeOf(() => sut.authenticateSocket('caps', 'v', 'driver-1'))).toBe(ErrorCode.FORBIDDEN);
      expect(codeOf(() => sut.authenticateSocket('events', 'v', 'vendor-9'))).toBe(ErrorCode.FORBIDDEN);
    });
  });

  describe('checkApiKey', () => {
    it('lets everything through when API_KEYS is empty', async () => {
      const sut = await build({});
      expect(codeOf(() => sut.checkApiKey(undefined, 'caps'))).toBe('none');
    });

    it('asks for a key, refuses an unknown one and scopes keys to namespaces', async () => {
      const sut = await build({ API_KEYS: 'alpha, beta=caps|events, gamma=events' });
      expect(codeOf(() => sut.checkApiKey(undefined, 'caps'))).toBe(ErrorCode.UNAUTHORIZED);
      expect(codeOf(() => sut.checkApiKey('nope', 'caps'))).toBe(ErrorCode.UNAUTHORIZED);
      expect(codeOf(() => sut.checkApiKey('alpha', 'caps'))).toBe('none');
      expect(codeOf(() => sut.checkApiKey('beta', 'events'))).toBe('none');
      expect(codeOf(() => sut.checkApiKey('gamma', 'caps'))).toBe(ErrorCode.FORBIDDEN);
      expect(codeOf(() => sut.checkApiKey('gamma', null))).toBe('none');
    });
  });

  describe('authenticateSocket', () => {
    it('keeps auth.clientId when no auth is configured', async () => {
      const sut = await build({});
      expect(sut.authenticateSocket('caps', undefined, 'acme')).toEqual({ clientId: 'acme' });
    });

    it('accepts an API key for its namespaces only', async () => {
      const sut = await build({ API_KEYS: 'k1=caps' });
      expect(sut.authenticateSocket('caps', 'k1', 'acme')).toEqual({ clientId: 'acme' });
      expect(codeOf(() => sut.authenticateSocket('events', 'k1', null))).toBe(ErrorCode.FORBIDDEN);
      expect(codeOf(() => sut.authenticateSocket('caps', undefined, null))).toBe(ErrorCode.UNAUTHORIZED);
      expect(codeOf(() => sut.authenticateSocket('caps', 'k2', null))).toBe(ErrorCode.UNAUTHORIZED);
    });

    it('takes the client id from a JWT and refuses a mismatching auth.clientId', async () => {
      const sut = await build({ JWT_SECRET: SECRET });
      const token = sign({ sub: 'driver-7' });
      expect(sut.authenticateSocket('caps', token, null)).toEqual({ clientId: 'driver-7' });
      expect(sut.authenticateSocket('caps', token, 'driver-7')).toEqual({ clientId: 'driver-7' });
      expect(codeOf(() => sut.authenticateSocket('caps', token, 'someone-else'))).toBe(ErrorCode.UNAUTHORIZED);
    });

    it('limits a JWT to the namespaces of its ns claim', async () => {
      const sut = await build({ JWT_SECRET: SECRET });
      const token = sign({ sub: 'v1', ns: ['events'] });
      expect(sut.authenticateSocket('events', token, null)).toEqual({ clientId: 'v1' });
      expect(codeOf(() => sut.authenticateSocket('caps', token, null))).toBe(ErrorCode.FORBIDDEN);
    });

    it('refuses expired, badly signed, unsigned and sub-less tokens', async () => {
      const sut = await build({ JWT_SECRET: SECRET });
      const expired = sign({ sub: 'v1', exp: Math.floor(Date.now() / 1000) - 60 });
      const forged = sign({ sub: 'v1' }, {}, 'another-secret-entirely');
      const header = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
      const body = Buffer.from(JSON.stringify({ sub: 'v1' })).toString('base64url');
      for (const token of [expired, forged, `${header}.${body}.`, sign({ user: 'v1' }), 'not-a-jwt']) {
        expect(codeOf(() => sut.authenticateSocket('caps', token, null))).toBe(ErrorCode.UNAUTHORIZED);
      }
    });
  });
});
