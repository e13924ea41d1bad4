import { Controller, Get } from '@nestjs/common';
import { Allow } from './access-policy.decorator';
import { CurrentPrincipal } from './current-principal.decorator';
import type { Principal } from './principal';

/** Who the server takes the caller to be: a quick check of a token and its claims. */
@Controller('auth')
export class PrincipalController {
  @Get('me')
  @Allow('recorder', 'analyst', 'auditor', 'admin')
  me(@CurrentPrincipal() principal: Principal): Principal {
    return { subject: principal.subject, agency: principal.agency, roles: [...principal.roles] };
  }
}
