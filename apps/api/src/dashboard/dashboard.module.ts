import { Module, type DynamicModule } from '@nestjs/common';
import type { SigningKey } from '@timeline/auth';
import { DashboardAssets } from './dashboard-assets';
import { DashboardController } from './dashboard.controller';
import { LOCAL_DEV_SIGNING_KEY, LocalDevTokenController } from './local-dev-token.controller';

export interface DashboardModuleOptions {
  /** Where `npm run build:dashboard` wrote the page (DASHBOARD_DIR, default `dist/dashboard`). */
  readonly directory: string;
  /** The local development signing key, in AUTH_MODE=local-dev only: mounts the role picker's token route. */
  readonly localDevKey: SigningKey | null;
}

/** Serves the dashboard at `/` and, in local development only, the role picker's tokens. */
@Module({})
export class DashboardModule {
  static forRoot(options: DashboardModuleOptions): DynamicModule {
    const localDev = options.localDevKey !== null;
    return {
      module: DashboardModule,
      controllers: localDev ? [DashboardController, LocalDevTokenController] : [DashboardController],
      providers: [
        { provide: DashboardAssets, useValue: new DashboardAssets(options.directory, localDev) },
        ...(localDev ? [{ provide: LOCAL_DEV_SIGNING_KEY, useValue: options.localDevKey }] : []),
      ],
    };
  }
}
