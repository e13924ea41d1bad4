import { Controller, Get, Inject, Param, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { Public } from '../auth/access-policy.decorator';
import { DashboardAssets, type DashboardAsset } from './dashboard-assets';

interface ReplyLike {
  header(name: string, value: string): unknown;
}

/**
 * The dashboard (README "The dashboard"): a static page and its bundled assets, open
 * without a credential because they hold no operational data; every figure the page
 * shows comes from the api with the bearer token the user signs in with.
 */
@ApiExcludeController()
@Controller()
export class DashboardController {
  constructor(@Inject(DashboardAssets) private readonly assets: DashboardAssets) {}

  @Get()
  @Public()
  page(@Res({ passthrough: true }) reply: ReplyLike): Buffer {
    return send(reply, this.assets.page());
  }

  @Get('dashboard/:asset')
  @Public()
  asset(@Param('asset') name: string, @Res({ passthrough: true }) reply: ReplyLike): Buffer {
    return send(reply, this.assets.asset(name));
  }
}

function send(reply: ReplyLike, asset: DashboardAsset): Buffer {
  reply.header('Content-Type', asset.contentType);
  reply.header('Cache-Control', asset.cacheControl);
  return asset.body;
}
