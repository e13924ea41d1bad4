import { BlockList, isIP, type Socket } from 'node:net';
import { Body, Controller, HttpCode, Inject, Post, Req } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { AGENCY_CODE_PATTERN, isRole, issueToken, ROLES, type Role, type SigningKey } from '@timeline/auth';
import { Public } from '../auth/access-policy.decorator';
import type { ProblemFieldError } from '../http/problem-details';
import { InvalidLocalDevTokenRequestError, LocalDevTokenNotLocalError } from './dashboard.errors';

export const LOCAL_DEV_SIGNING_KEY = Symbol('LOCAL_DEV_SIGNING_KEY');

/** How long a token from the role picker lives: as those `npm start` prints. */
const TOKEN_TTL_SECONDS = 12 * 3600;

export interface LocalDevToken {
  readonly token: string;
  readonly subject: string;
  readonly agency: string;
  readonly roles: readonly Role[];
  readonly expiresAt: string;
}

/**
 * The dashboard's role picker in local development mode (README "Local development"):
 * a token for any role and agency, signed with the local development key, exactly as
 * `npm run cli -- token` issues one. The module mounts this controller only when
 * AUTH_MODE=local-dev, so in any other mode the route does not exist (404). Even
 * then it answers only connections from this machine's loopback interface: the
 * api listens on every interface by default, and a token for any role must not be
 * one request away for another machine on the network.
 */
@ApiExcludeController()
@Controller('auth/local-dev')
export class LocalDevTokenController {
  constructor(@Inject(LOCAL_DEV_SIGNING_KEY) private readonly key: SigningKey) {}

  @Post('tokens')
  @Public()
  @HttpCode(201)
  async issue(@Body() body: unknown, @Req() request: ConnectedRequest): Promise<LocalDevToken> {
    const peer = peerAddressOf(request);
    if (!isLoopbackAddress(peer)) throw new LocalDevTokenNotLocalError(peer);
    const { role, agency } = readTokenRequest(body);
    const subject = `local-${role}-${agency.toLowerCase()}`;
    const issuedAt = Math.floor(Date.now() / 1000);
    const token = await issueToken(this.key, {
      subject,
      agency,
      roles: [role],
      ttlSeconds: TOKEN_TTL_SECONDS,
      issuedAt,
    });
    return {
      token,
      subject,
      agency,
      roles: [role],
      expiresAt: new Date((issuedAt + TOKEN_TTL_SECONDS) * 1000).toISOString(),
    };
  }
}

/** What both platforms' requests carry: the connection (fastify also keeps the raw request). */
export interface ConnectedRequest {
  readonly socket?: Pick<Socket, 'remoteAddress'>;
  readonly raw?: { readonly socket?: Pick<Socket, 'remoteAddress'> };
}

/**
 * The connection's own peer address: never a forwarding header, which the
 * client writes itself.
 */
function peerAddressOf(request: ConnectedRequest): string | undefined {
  return request.raw?.socket?.remoteAddress ?? request.socket?.remoteAddress;
}

/** 127.0.0.0/8 and ::1; IPv4-mapped IPv6 addresses (`::ffff:127.0.0.1`) are checked as IPv4. */
const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');

export function isLoopbackAddress(address: string | undefined): boolean {
  if (address === undefined) return false;
  const family = isIP(address);
  return family !== 0 && LOOPBACK.check(address, family === 6 ? 'ipv6' : 'ipv4');
}

function readTokenRequest(body: unknown): { role: Role; agency: string } {
  const errors: ProblemFieldError[] = [];
  const fields = typeof body === 'object' && body !== null && !Array.isArray(body) ? body : {};
  const { role, agency, ...rest } = fields as Record<string, unknown>;
  if (!isRole(role)) {
    errors.push({ path: 'role', constraint: 'isIn', message: `must be one of ${ROLES.join(', ')}` });
  }
  if (typeof agency !== 'string' || !AGENCY_CODE_PATTERN.test(agency)) {
    errors.push({
      path: 'agency',
      constraint: 'matches',
      message: 'must be an agency code such as NCA or NWP',
    });
  }
  for (const name of Object.keys(rest)) {
    errors.push({ path: name, constraint: 'whitelist', message: 'is not a field of a token request' });
  }
  if (errors.length > 0) throw new InvalidLocalDevTokenRequestError(errors);
  return { role: role as Role, agency: agency as string };
}
