import { type CanActivate, type ExecutionContext, Inject, Injectable, Logger } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ThrottlerStorage } from '@nestjs/throttler';
import { OPERATION_ID_PATTERN } from '@timeline/events';
import { correlationIdOf } from '../http/correlation-id';
import { AccessAudit } from './access-audit.service';
import {
  ACCESS_AUDIT,
  ACCESS_POLICY,
  OPERATION_SCOPE,
  type AccessPolicy,
  type OperationScope,
} from './access-policy.decorator';
import { AuthenticationRequiredError, TokenVerifier, type Principal } from '@timeline/auth';
import {
  AccessDeniedError,
  OperationIdTakenError,
  OperationNotVisibleError,
  RouteWithoutPolicyError,
} from './auth.errors';
import { AUTH_MODULE_OPTIONS, type AuthModuleOptions } from './auth.options';
import { TooManyFailedAuthenticationsError } from './auth.throttling';
import type { RequestWithPrincipal } from './current-principal.decorator';
import { OperationMembership } from './operation-membership.service';

interface HttpRequest extends RequestWithPrincipal {
  readonly headers: Record<string, string | string[] | undefined>;
  readonly params?: Record<string, string | undefined>;
  readonly body?: unknown;
  readonly method: string;
  readonly url: string;
  readonly ip?: string;
}

interface HttpReply {
  header(name: string, value: string): unknown;
}

/** What a route declares for this guard (its decorators), read once per route. */
interface RouteAccess {
  readonly policy: AccessPolicy | undefined;
  readonly action: string | undefined;
  readonly scope: OperationScope | undefined;
}

/**
 * The one global guard: deny by default. A route is reachable only if it
 * declares a policy (`@Public()` or `@Allow(...)`); then the bearer token is
 * verified, the roles checked, and for routes under an operation the caller's
 * agency must take part in it (404 otherwise, exactly like an operation that
 * does not exist; only a launch may name an operation that does not exist). Routes marked `@AuditAccess` are recorded before they run.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  private readonly logger = new Logger(AuthGuard.name);
  /** Per controller class and handler: the route's declarations, read from its metadata once. */
  private readonly routes = new WeakMap<object, WeakMap<object, RouteAccess>>();

  constructor(
    @Inject(Reflector) private readonly reflector: Reflector,
    @Inject(TokenVerifier) private readonly verifier: TokenVerifier,
    @Inject(OperationMembership) private readonly membership: OperationMembership,
    @Inject(AccessAudit) private readonly audit: AccessAudit,
    @Inject(ThrottlerStorage) private readonly throttlerStorage: ThrottlerStorage,
    @Inject(AUTH_MODULE_OPTIONS) private readonly options: Pick<AuthModuleOptions, 'failedAuthLimit'>,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return false;
    const { policy, action, scope } = this.routeAccessOf(context);
    const request = context.switchToHttp().getRequest<HttpRequest>();
    if (policy === undefined) {
      this.logger.error({
        msg: 'route has no access policy and is closed',
        method: request.method,
        url: request.url,
      });
      throw new RouteWithoutPolicyError();
    }
    if (policy.kind === 'public') {
      await this.identifyIfPossible(request);
      return true;
    }

    const principal = await this.authenticate(request, context.switchToHttp().getResponse<HttpReply>());
    request.principal = principal;
    const operationId = scope ? request.params?.[scope.param] : undefined;

    try {
      if (!principal.roles.some((role) => policy.roles.includes(role))) {
        throw new AccessDeniedError(`This route requires the role ${policy.roles.join(' or ')}`);
      }
      // An id that is not a safe identifier cannot name an operation; validation answers it with 400.
      if (scope && operationId !== undefined && OPERATION_ID_PATTERN.test(operationId)) {
        await this.checkOperation(principal, operationId, scope, request.body);
      }
    } catch (error: unknown) {
      if (action !== undefined) await this.recordAccess(principal, request, action, operationId, 'denied');
      throw error;
    }
    if (action !== undefined) await this.recordAccess(principal, request, action, operationId, 'granted');
    return true;
  }

  private routeAccessOf(context: ExecutionContext): RouteAccess {
    const handler = context.getHandler();
    const classRef = context.getClass();
    let byHandler = this.routes.get(classRef);
    if (byHandler === undefined) this.routes.set(classRef, (byHandler = new WeakMap()));
    let access = byHandler.get(handler);
    if (access === undefined) {
      const targets = [handler, classRef];
      access = {
        policy: this.reflector.getAllAndOverride<AccessPolicy | undefined>(ACCESS_POLICY, targets),
        action: this.reflector.getAllAndOverride<string | undefined>(ACCESS_AUDIT, targets),
        scope: this.reflector.getAllAndOverride<OperationScope | undefined>(OPERATION_SCOPE, targets),
      };
      byHandler.set(handler, access);
    }
    return access;
  }

  private async authenticate(request: HttpRequest, reply: HttpReply): Promise<Principal> {
    const header = request.headers['authorization'];
    try {
      return await this.verifier.verifyAuthorizationHeader(Array.isArray(header) ? header.join(',') : header);
    } catch (error: unknown) {
      if (error instanceof AuthenticationRequiredError) {
        reply.header('WWW-Authenticate', error.challenge);
        if (error.code !== 'auth.token-missing') await this.countFailure(request);
      }
      throw error;
    }
  }

  /**
   * A public route answers everyone, but may say more to an identified caller
   * (e.g. health details for an admin): a valid token sets the principal, an
   * invalid one is ignored rather than refused.
   */
  private async identifyIfPossible(request: HttpRequest): Promise<void> {
    const header = request.headers['authorization'];
    if (typeof header !== 'string') return;
    try {
      request.principal = await this.verifier.verifyAuthorizationHeader(header);
    } catch {
      request.principal = undefined;
    }
  }

  /** Bad credentials are costly to check and a sign of probing: a client that keeps sending them is slowed. */
  private async countFailure(request: HttpRequest): Promise<void> {
    const { limit, windowSeconds } = this.options.failedAuthLimit;
    const record = await this.throttlerStorage.increment(
      `auth-failures:${request.ip ?? 'unknown'}`,
      windowSeconds * 1000,
      limit,
      windowSeconds * 1000,
      'auth-failures',
    );
    if (record.isBlocked) {
      throw new TooManyFailedAuthenticationsError(record.timeToBlockExpire);
    }
  }

  private async checkOperation(
    principal: Principal,
    operationId: string,
    scope: OperationScope,
    body: unknown,
  ): Promise<void> {
    if (await this.membership.takesPart(operationId, principal.agency)) return;
    // Whether the operation exists is looked at only for a launch: every other request
    // naming an operation the caller takes no part in gets the same 404, existing or not.
    if (!scope.createsOperation?.(body)) throw new OperationNotVisibleError(operationId);
    if (!(await this.membership.exists(operationId))) return;
    throw new OperationIdTakenError(operationId);
  }

  private async recordAccess(
    principal: Principal,
    request: HttpRequest,
    action: string,
    operationId: string | undefined,
    outcome: 'granted' | 'denied',
  ): Promise<void> {
    // The request tracker assigns one (the client's or a new id); without it, an acceptable client header.
    const header = request.headers['x-correlation-id'];
    const correlationId =
      correlationIdOf(request) ??
      (typeof header === 'string' && /^[A-Za-z0-9._:/-]{1,128}$/.test(header) ? header : null);
    await this.audit.recordFor(principal, {
      action,
      method: request.method,
      path: request.url.slice(0, 2048),
      operationId: operationId ?? null,
      outcome,
      correlationId,
    });
  }
}
