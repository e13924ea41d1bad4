import {
  type DynamicModule,
  Global,
  Inject,
  Injectable,
  Module,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ThrottlerModule } from '@nestjs/throttler';
import { SlidingWindowRateLimitStorage } from './rate-limit.storage';
import {
  accessAuditStoreOptions,
  createEventStore,
  type EventStore,
  type StoreConfig,
} from '@timeline/event-store';
import type { AuthConfiguration } from './auth.config';
import { AccessAuditController } from './access-audit.controller';
import { ACCESS_AUDIT_STORE, AccessAudit } from './access-audit.service';
import { AuthGuard } from './auth.guard';
import { AUTH_MODULE_OPTIONS, type AuthModuleOptions } from './auth.options';
import { PrincipalThrottlerGuard } from './auth.throttling';
import { LiveConnectionLimiter } from './live-connection-limiter.service';
import { OperationMembership } from './operation-membership.service';
import { PrincipalController } from './principal.controller';
import { TokenVerifier } from '@timeline/auth';

export interface AuthModuleRegistration {
  readonly options: AuthModuleOptions;
  /**
   * Opens the store that holds the access audit (a store of its own, e.g. a
   * second embedded file under DATA_DIR). Closed on shutdown.
   */
  readonly openAccessAuditStore: () => EventStore | Promise<EventStore>;
}

/**
 * Authentication and authorisation for the whole api: registers the global
 * AuthGuard (deny by default) and the per-principal rate limit, and exports
 * what routes need: the membership read model, the live-connection limiter
 * and the access audit. Requires the EVENT_STORE provider to be visible (a
 * global EventStoreModule).
 */
@Global()
@Module({})
export class AuthModule {
  /**
   * The api's wiring: the configuration read at the edge, and the access audit. On
   * EventStoreDB the audit is the `access-audit` stream of the cluster the events live
   * in, one hash chain that every api instance appends to (a conflict re-chains after the
   * other instance's records); on the embedded store, its own file `<dataDir>/access-audit.db`.
   */
  static forApi(auth: AuthConfiguration, store: StoreConfig): DynamicModule {
    return AuthModule.forRoot({
      options: auth.options,
      openAccessAuditStore: () => createEventStore(accessAuditStoreOptions(store)),
    });
  }

  static forRoot(registration: AuthModuleRegistration): DynamicModule {
    const { options } = registration;
    return {
      module: AuthModule,
      imports: [
        ThrottlerModule.forRoot({
          throttlers: [
            { name: 'default', limit: options.rateLimit.limit, ttl: options.rateLimit.windowSeconds * 1000 },
          ],
          storage: new SlidingWindowRateLimitStorage(),
        }),
      ],
      controllers: [AccessAuditController, PrincipalController],
      providers: [
        { provide: AUTH_MODULE_OPTIONS, useValue: options },
        { provide: TokenVerifier, useFactory: () => new TokenVerifier(options) },
        { provide: ACCESS_AUDIT_STORE, useFactory: registration.openAccessAuditStore },
        AccessAudit,
        OperationMembership,
        LiveConnectionLimiter,
        AccessAuditStoreCloser,
        // Order matters: authentication first, so that rate limits count per principal.
        { provide: APP_GUARD, useClass: AuthGuard },
        { provide: APP_GUARD, useClass: PrincipalThrottlerGuard },
      ],
      exports: [AUTH_MODULE_OPTIONS, TokenVerifier, AccessAudit, OperationMembership, LiveConnectionLimiter],
    };
  }
}

@Injectable()
class AccessAuditStoreCloser implements OnApplicationShutdown {
  constructor(@Inject(ACCESS_AUDIT_STORE) private readonly store: EventStore) {}

  async onApplicationShutdown(): Promise<void> {
    await this.store.close();
  }
}
