import type { ClientIp } from './clientIp.js';
import type { RateLimits } from './rateLimits.js';

/** What every transport's edge needs to refuse abuse before calling a service. */
export interface EdgeGuards {
  limits: RateLimits;
  clientIp: ClientIp;
}
