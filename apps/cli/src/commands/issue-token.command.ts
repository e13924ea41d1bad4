import { existsSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import type { Role, SigningKey } from '@timeline/auth';
// The roles `--help` lists, from the library's one dependency-free file: its index loads the JWT library.
import { isRole, ROLES } from '@timeline/auth/principal';
import { CliUsageError, ExitCode, type CliCommand } from '../cli-command';

interface TokenOptions {
  readonly role: string[];
  readonly agency: string;
  readonly subject?: string;
  readonly ttl: string;
  readonly key?: string;
  readonly dataDir?: string;
  readonly issuer?: string;
  readonly audience?: string;
}

/**
 * `token`: signs a bearer token for a role, agency and lifetime with the local
 * development key (created under DATA_DIR on first use, the same key the api
 * trusts with AUTH_MODE=local-dev) or with a given private JWK file.
 */
export const issueTokenCommand: CliCommand = {
  name: 'token',
  register(program, context, setExitCode) {
    program
      .command('token')
      .description(
        'Print a bearer token for a role and agency, signed with the local development key (AUTH_MODE=local-dev) or --key.',
      )
      .requiredOption(
        '--role <role>',
        `${ROLES.join(' | ')}; repeat or separate with commas for several`,
        (value: string, previous: string[] = []) => [...previous, ...value.split(',')],
      )
      .requiredOption('--agency <code>', 'the agency code, e.g. NCA, NWP, GMP')
      .option('--subject <id>', 'who the token stands for (default: <role>-<agency>, lower case)')
      .option('--ttl <duration>', 'lifetime: 90s, 15m, 8h, 2d', '8h')
      .option('--key <file>', 'a private signing key as a JWK file (default: the local development key)')
      .option('--data-dir <dir>', 'where the local development key lives (default $DATA_DIR or ./data)')
      .option('--issuer <iss>', 'the iss claim (default: the local development issuer)')
      .option('--audience <aud>', 'the aud claim (default: the local development audience)')
      .action(async (options: TokenOptions) => {
        const { issueToken, parseDuration } = await import('../libraries/auth');
        const roles = options.role.map((role) => role.trim()).filter((role) => role !== '');
        const unknown = roles.filter((role) => !isRole(role));
        if (roles.length === 0 || unknown.length > 0) {
          throw new CliUsageError(
            `Unknown role ${unknown.join(', ') || '(none)'}: expected ${ROLES.join(', ')}`,
          );
        }
        let ttlSeconds: number;
        try {
          ttlSeconds = parseDuration(options.ttl);
        } catch (error: unknown) {
          throw new CliUsageError(`--ttl: ${(error as Error).message}`);
        }
        const key = await signingKey(options);
        const agency = options.agency.trim();
        let token: string;
        try {
          token = await issueToken(key, {
            subject: options.subject ?? `${roles.join('+')}-${agency}`.toLowerCase(),
            agency,
            roles: roles as Role[],
            ttlSeconds,
            issuer: options.issuer,
            audience: options.audience,
            issuedAt: Math.floor(context.now().getTime() / 1000),
          });
        } catch (error: unknown) {
          throw new CliUsageError((error as Error).message);
        }
        context.out(`${token}\n`);
        setExitCode(ExitCode.ok);
      });

    async function signingKey(options: TokenOptions): Promise<SigningKey> {
      const { loadOrCreateLocalDevKey, localDevKeyPath, readSigningKey } = await import('../libraries/auth');
      if (options.key !== undefined) {
        const path = resolve(context.cwd, options.key);
        if (!existsSync(path)) throw new CliUsageError(`--key: ${path} does not exist`);
        try {
          return readSigningKey(path);
        } catch (error: unknown) {
          throw new CliUsageError(`--key: ${(error as Error).message}`);
        }
      }
      const raw = options.dataDir ?? context.env['DATA_DIR'] ?? 'data';
      const dataDir = isAbsolute(raw) ? raw : resolve(context.cwd, raw);
      const { key, created } = loadOrCreateLocalDevKey(dataDir);
      if (created) context.err(`Created the local development signing key ${localDevKeyPath(dataDir)}\n`);
      return key;
    }
  },
};
