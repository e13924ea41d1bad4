import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { AGENCY_CODE_PATTERN, isRole, type Principal, SUBJECT_PATTERN } from './auth/principal';

/**
 * PROVISIONAL — replaced by the security module's authentication guard (bearer
 * tokens) and removed with it. Until then the principal is taken from the
 * `X-Principal-Subject`, `X-Principal-Agency` and `X-Principal-Roles` headers so
 * that the write path has a recorder; requests without them have no principal.
 */
@Injectable()
export class ProvisionalPrincipalGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<{ headers: Record<string, unknown>; principal?: Principal }>();
    const subject = request.headers['x-principal-subject'];
    const agency = request.headers['x-principal-agency'];
    const roles = request.headers['x-principal-roles'];
    if (typeof subject === 'string' && SUBJECT_PATTERN.test(subject) && typeof agency === 'string' && AGENCY_CODE_PATTERN.test(agency)) {
      request.principal = {
        subject,
        agency,
        roles: typeof roles === 'string' ? roles.split(',').map((role) => role.trim()).filter(isRole) : [],
      };
    }
    return true;
  }
}
