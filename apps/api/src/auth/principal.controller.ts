import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { schemaRef } from '../http/problems.openapi';
import { Allow } from './access-policy.decorator';
import { CurrentPrincipal } from './current-principal.decorator';
import type { Principal } from '@timeline/auth';

/** Who the server takes the caller to be: a quick check of a token and its claims. */
@ApiTags('auth')
@Controller('auth')
export class PrincipalController {
  @Get('me')
  @Allow('recorder', 'analyst', 'auditor', 'admin')
  @ApiOperation({
    summary: 'Who the server takes the caller to be: subject, agency and roles from the token',
  })
  @ApiOkResponse({ description: 'The caller', schema: schemaRef('CurrentPrincipal') })
  me(@CurrentPrincipal() principal: Principal): Principal {
    return { subject: principal.subject, agency: principal.agency, roles: [...principal.roles] };
  }
}
